// Typed errors of the ISA layer. Every error names where the input is wrong.

export type IsaErrorKind =
  | 'truncated'          // byte length not a multiple of 8
  | 'truncated-ld-imm64' // ld_imm64 first slot without its second slot
  | 'unknown-opcode'     // no instruction has this opcode
  | 'reserved-field'     // a field the instruction does not use is non-zero
  | 'bad-register'       // register number above 10
  | 'bad-ld-imm64'       // malformed second slot of ld_imm64
  | 'bad-jump'           // a branch outside the program (when code is patched)
  ;

/** A malformed instruction in a byte stream; `byteOffset` is where it starts. */
export class IsaError extends Error {
  readonly kind: IsaErrorKind;
  readonly byteOffset: number;
  constructor(kind: IsaErrorKind, byteOffset: number, detail: string) {
    super(`${detail} at byte offset ${byteOffset} (insn ${Math.floor(byteOffset / 8)})`);
    this.name = 'IsaError';
    this.kind = kind;
    this.byteOffset = byteOffset;
  }
}

/** A syntax error in assembly text; line and column are 1-based. */
export class AsmError extends Error {
  readonly line: number;
  readonly column: number;
  readonly source?: string;
  constructor(message: string, line: number, column: number, source?: string) {
    super(`${source ? source + ':' : ''}${line}:${column}: ${message}`);
    this.name = 'AsmError';
    this.line = line;
    this.column = column;
    this.source = source;
  }
}
