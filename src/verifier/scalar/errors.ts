// Typed errors of the scalar domain: raised when a caller passes an
// instruction or size the kernel would have rejected before reaching the
// modelled function (check_alu_op, check_mem_access, check_cond_jmp_op).

export type ScalarErrorKind =
  | 'not-alu'        // adjustScalar/aluScalar given a non-ALU opcode
  | 'bad-alu-op'     // an ALU operation the kernel rejects (op > BPF_END) or MOV passed to adjustScalar
  | 'bad-size'       // a truncation/sign-extension size other than 1, 2, 4 (or 1, 2 for subregs)
  | 'bad-jmp-op'     // a jump operation that is not a conditional comparison
  ;

export class ScalarDomainError extends Error {
  readonly kind: ScalarErrorKind;
  /** Where: the API function and the offending opcode or value. */
  readonly location: string;
  constructor(kind: ScalarErrorKind, location: string, detail: string) {
    super(`${location}: ${detail}`);
    this.name = 'ScalarDomainError';
    this.kind = kind;
    this.location = location;
  }
}
