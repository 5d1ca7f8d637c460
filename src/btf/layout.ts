// Raw layout of struct btf_type and the records that follow it
// (include/uapi/linux/btf.h; kernel btf_type_size / libbpf btf_type_size).
import { BTF_KIND } from './types';

export const TYPE_HDR_SIZE = 12;

/** Bytes of trailing data after the 12-byte btf_type for a kind, or -1 if unknown. */
export function trailerSize(kind: number, vlen: number): number {
  switch (kind) {
    case BTF_KIND.int: return 4;
    case BTF_KIND.ptr: case BTF_KIND.fwd: case BTF_KIND.typedef: case BTF_KIND.volatile:
    case BTF_KIND.const: case BTF_KIND.restrict: case BTF_KIND.func: case BTF_KIND.float:
    case BTF_KIND.type_tag:
      return 0;
    case BTF_KIND.array: return 12;
    case BTF_KIND.struct: case BTF_KIND.union: return 12 * vlen;
    case BTF_KIND.enum: return 8 * vlen;
    case BTF_KIND.func_proto: return 8 * vlen;
    case BTF_KIND.var: return 4;
    case BTF_KIND.datasec: return 12 * vlen;
    case BTF_KIND.decl_tag: return 4;
    case BTF_KIND.enum64: return 12 * vlen;
    default: return -1;
  }
}

export function infoKind(info: number): number { return (info >>> 24) & 0x1f; }
export function infoVlen(info: number): number { return info & 0xffff; }
export function infoKflag(info: number): boolean { return (info >>> 31) === 1; }
export function makeInfo(kind: number, vlen: number, kflag: boolean): number {
  return ((kflag ? 0x80000000 : 0) | (kind << 24) | (vlen & 0xffff)) >>> 0;
}
/** Bits of btf_type.info that must be zero (kernel BTF_INFO_MASK = 0x9f00ffff). */
export const INFO_RESERVED = ~0x9f00ffff >>> 0;
/** Bits of the INT trailing word that must be zero (BTF_INT_MASK = 0x0fffffff minus unused). */
export const INT_RESERVED = 0xf000ff00;

export const LINKAGES = ['static', 'global', 'extern'] as const;
