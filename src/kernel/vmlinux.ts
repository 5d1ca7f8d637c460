// Find a FUNC's BTF id by name in the running kernel's BTF
// (/sys/kernel/btf/vmlinux), as libbpf's find_ksym_btf_id()/btf__find_by_name_kind()
// do for kfunc calls. A small scanner of its own: walks the raw type section
// using the per-kind record sizes of include/uapi/linux/btf.h.
import * as fs from 'fs';
import { KernelError } from './errors';

export const BTF_KIND_FUNC = 12;
export const BTF_KIND_TYPEDEF = 8;

/** Bytes that follow the 12-byte struct btf_type for each kind. */
function trailer(kind: number, vlen: number): number {
  switch (kind) {
    case 1: return 4;               // INT
    case 3: return 12;              // ARRAY
    case 4: case 5: return 12 * vlen; // STRUCT, UNION
    case 6: return 8 * vlen;        // ENUM
    case 13: return 8 * vlen;       // FUNC_PROTO
    case 14: return 4;              // VAR
    case 15: return 12 * vlen;      // DATASEC
    case 17: return 4;              // DECL_TAG
    case 19: return 12 * vlen;      // ENUM64
    case 2: case 7: case 8: case 9: case 10: case 11: case 12: case 16: case 18: return 0;
    default: return -1;
  }
}

export interface BtfIndex {
  /** FUNC name -> id (first one wins). */
  funcs: Map<string, number>;
  /** TYPEDEF name -> id (first one wins), e.g. btf_trace_<tracepoint>. */
  typedefs: Map<string, number>;
  typeCount: number;
}

/** Index every FUNC of a BTF blob (no base: vmlinux ids start at 1). */
export function indexFuncs(btf: Uint8Array, source = 'BTF'): BtfIndex {
  const dv = new DataView(btf.buffer, btf.byteOffset, btf.byteLength);
  if (btf.length < 24 || dv.getUint16(0, true) !== 0xeb9f) {
    throw new KernelError('bad-request', source, 'not little-endian BTF (bad magic)');
  }
  const hdrLen = dv.getUint32(4, true);
  const typeOff = hdrLen + dv.getUint32(8, true), typeLen = dv.getUint32(12, true);
  const strOff = hdrLen + dv.getUint32(16, true), strLen = dv.getUint32(20, true);
  if (typeOff + typeLen > btf.length || strOff + strLen > btf.length) throw new KernelError('bad-request', source, 'BTF sections run past the end');
  const dec = new TextDecoder();
  const funcs = new Map<string, number>();
  const typedefs = new Map<string, number>();
  const nameAt = (nameOff: number): string => {
    const s = strOff + nameOff;
    let e = s;
    while (e < strOff + strLen && btf[e] !== 0) e++;
    return dec.decode(btf.subarray(s, e));
  };
  let id = 1;
  for (let p = typeOff; p < typeOff + typeLen; id++) {
    const nameOff = dv.getUint32(p, true), info = dv.getUint32(p + 4, true);
    const kind = (info >>> 24) & 0x1f, vlen = info & 0xffff;
    const t = trailer(kind, vlen);
    if (t < 0) throw new KernelError('bad-request', source, `unknown BTF kind ${kind} at type id ${id}`);
    if (kind === BTF_KIND_FUNC) {
      const name = nameAt(nameOff);
      if (!funcs.has(name)) funcs.set(name, id);
    } else if (kind === BTF_KIND_TYPEDEF) {
      const name = nameAt(nameOff);
      if (!typedefs.has(name)) typedefs.set(name, id);
    }
    p += 12 + t;
  }
  return { funcs, typedefs, typeCount: id - 1 };
}

const VMLINUX = '/sys/kernel/btf/vmlinux';
let vmlinux: BtfIndex | null = null;

/** The FUNC/TYPEDEF index of the running kernel's BTF (read once). */
export function vmlinuxIndex(): BtfIndex {
  if (vmlinux) return vmlinux;
  let bytes: Uint8Array;
  try { bytes = fs.readFileSync(VMLINUX); } catch (e) {
    throw new KernelError('unavailable', VMLINUX, `cannot read kernel BTF: ${(e as Error).message}`);
  }
  return (vmlinux = indexFuncs(bytes, VMLINUX));
}

/** BTF id of the kernel function `name` in vmlinux BTF; throws if absent. */
export function vmlinuxFuncId(name: string): number {
  const id = vmlinuxIndex().funcs.get(name);
  if (id === undefined) throw new KernelError('bad-request', VMLINUX, `no FUNC '${name}' in kernel BTF`);
  return id;
}

/** BTF id of the typedef `name` in vmlinux BTF (e.g. btf_trace_sys_enter), or undefined. */
export function vmlinuxTypedefId(name: string): number | undefined {
  return vmlinuxIndex().typedefs.get(name);
}
