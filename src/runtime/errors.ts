// Typed errors of the interpreter (createVm and run). Every error names the
// instruction index (pc, as in the kernel's verifier log) where it happened
// and, for memory faults, the 64-bit address and access size.
// Models the runtime faults that kernel/bpf/core.c (___bpf_prog_run) cannot
// have because the verifier rules them out, plus bpf_prog_run's budget-free loop.

export type BpfRuntimeErrorKind =
  | 'invalid-insn'       // createVm: unknown opcode or invalid field
  | 'bad-jump'           // createVm: jump/call target outside the program or into an ld_imm64
  | 'unresolved-ld-imm64' // createVm: pseudo ld_imm64 and no resolveLdImm64 hook answered
  | 'bad-region'         // run: a memory region overlaps another or crosses a 4 GiB boundary
  | 'out-of-bounds'      // run: load/store outside every mapped region
  | 'read-only'          // run: store to a region without write permission
  | 'pc-out-of-range'    // run: execution fell off the end or into the second slot of ld_imm64
  | 'dead-code'          // run: execution reached an instruction the verifier never reached (the kernel removes those)
  | 'budget-exhausted'   // run: instruction budget used up
  | 'call-depth'         // run: too many nested bpf-to-bpf calls
  | 'unknown-helper'     // run: call of a helper id without an implementation
  | 'unknown-kfunc'      // run: call of a kfunc btf id without an implementation
  | 'bad-callx'          // run: callx target is neither a helper id nor a code address
  | 'helper-error'       // run: a helper or kfunc threw a JS error
  | 'bad-argument'       // run: an argument is not a bigint / a region is not bytes
  | 'tail-call'          // run: bpf_tail_call jumped to another program (TailCall: the caller runs it)
  ;

export class BpfRuntimeError extends Error {
  readonly kind: BpfRuntimeErrorKind;
  /** Instruction index (slot) where the fault happened; -1 when not tied to one. */
  readonly pc: number;
  /** Faulting 64-bit address for memory faults. */
  readonly address?: bigint;
  /** Access size in bytes for memory faults. */
  readonly size?: number;
  constructor(kind: BpfRuntimeErrorKind, pc: number, message: string, address?: bigint, size?: number) {
    super(pc >= 0 ? `${message} (pc ${pc})` : message);
    this.name = 'BpfRuntimeError';
    this.kind = kind;
    this.pc = pc;
    if (address !== undefined) this.address = address;
    if (size !== undefined) this.size = size;
  }
}

export const hexAddr = (a: bigint): string => '0x' + BigInt.asUintN(64, a).toString(16);
