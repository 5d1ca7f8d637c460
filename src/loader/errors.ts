// Typed loader errors. `message` is libbpf's own warning text (pr_warn in
// tools/lib/bpf/libbpf.c, without the "libbpf: " prefix and newline) so the
// CLI can print exactly what libbpf prints; `errno` is the negative error
// libbpf returns (-EINVAL, -ENOENT, -LIBBPF_ERRNO__RELOC ...).
import { ERRNO } from '../isa/uapi';

export type LoaderErrorKind =
  | 'format'        // -LIBBPF_ERRNO__FORMAT: malformed object (ELF/BTF/BTF.ext)
  | 'reloc'         // -LIBBPF_ERRNO__RELOC: a relocation libbpf cannot apply
  | 'prog'          // a program libbpf refuses (corrupted, static in a non-.text section, unknown SEC)
  | 'map'           // a bad BTF map definition
  | 'extern'        // an extern (kfunc / ksym) that cannot be resolved
  | 'core'          // a CO-RE relocation that cannot be applied
  | 'exception-cb'  // exception callback tag errors (bpf_prog_assign_exc_cb)
  | 'attach'        // no attach target in the kernel's BTF (libbpf_find_attach_btf_id)
  | 'unsupported'   // a feature libbpf supports that bpfx does not (yet)
  ;

/** The negative errnos libbpf returns (the numbers are those of src/isa/uapi.ts). */
export const EINVAL = -ERRNO.EINVAL, ENOENT = -ERRNO.ENOENT, ENOTSUP = -ERRNO.EOPNOTSUPP, ESRCH = -ERRNO.ESRCH,
  E2BIG = -ERRNO.E2BIG, EUCLEAN = -ERRNO.EUCLEAN;
export const LIBBPF_ERRNO__FORMAT = -4001, LIBBPF_ERRNO__RELOC = -4004;

export class LoaderError extends Error {
  readonly kind: LoaderErrorKind;
  readonly errno: number;
  /** Program the error is about, when there is one. */
  readonly prog?: string;
  /** ELF section (or '.BTF' / '.BTF.ext') and byte offset, when known. */
  readonly section?: string;
  readonly byteOffset?: number;
  constructor(kind: LoaderErrorKind, errno: number, message: string,
    where: { prog?: string; section?: string; byteOffset?: number } = {}) {
    super(message);
    this.name = 'LoaderError';
    this.kind = kind;
    this.errno = errno;
    this.prog = where.prog;
    this.section = where.section;
    this.byteOffset = where.byteOffset;
  }
}
