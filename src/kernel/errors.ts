// Typed errors of the kernel engine. `op` names the bpf() command (the
// location) and, for loads, `prog` names the program.
import { ErrnoName } from '../isa/uapi';

export type KernelErrorKind =
  | 'unavailable'  // bpf() cannot be called here (not Linux, no koffi, EPERM, ENOSYS)
  | 'syscall'      // a bpf() command failed; errno is set
  | 'rejected'     // the verifier (or BTF checker) refused a program; log is set
  | 'bad-request'  // the caller passed something that cannot be encoded
  ;

export class KernelError extends Error {
  readonly kind: KernelErrorKind;
  /** The bpf() command or step, e.g. 'BPF_MAP_CREATE', 'prog type'. */
  readonly op: string;
  /** Symbolic errno, e.g. 'EACCES', when a syscall failed. */
  readonly errno: ErrnoName | null;
  readonly errnoNum: number;
  /** Verifier / BTF log, when there is one. */
  readonly log: string;
  /** Program (or map) name the error is about, when known. */
  readonly prog?: string;
  constructor(kind: KernelErrorKind, op: string, message: string,
    extra: { errno?: ErrnoName; errnoNum?: number; log?: string; prog?: string } = {}) {
    super(`${op}${extra.prog ? ` (${extra.prog})` : ''}: ${message}`);
    this.name = 'KernelError';
    this.kind = kind;
    this.op = op;
    this.errno = extra.errno ?? null;
    this.errnoNum = extra.errnoNum ?? 0;
    this.log = extra.log ?? '';
    this.prog = extra.prog;
  }
}
