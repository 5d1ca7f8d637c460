// One bpf() command with its side buffers: union bpf_attr at the start of a
// native block, each side buffer (insns, license, log, data_in, ...) after it
// at an 8-aligned offset; pointer fields of the attr hold their addresses.
// The user-space half of kernel/bpf/syscall.c copy_from_bpfptr()/copy_to_user().
import { NativeBlock, SysResult, sysBpf, withNative } from './sys';

export interface RegionSpec {
  /** Bytes copied in before the call (the region is at least this long). */
  bytes?: Uint8Array;
  /** Size of the region (defaults to bytes.length). */
  size?: number;
}

export interface CallView {
  res: SysResult;
  attr: DataView;
  /** The native bytes of region i after the call (valid only inside `after`). */
  region(i: number): Uint8Array;
}

const align8 = (n: number): number => (n + 7) & ~7;

/**
 * Run bpf(cmd) with an attr of `attrSize` bytes. `fill` writes the attr; its
 * `addr(i)` is the address of region i (0n for an empty region) and `region(i)`
 * its native bytes (to write nested structs). `after` reads results.
 */
export function bpfCall<T>(cmd: number, attrSize: number, regions: RegionSpec[],
  fill: (attr: DataView, addr: (i: number) => bigint, region: (i: number) => Uint8Array) => void,
  after: (v: CallView) => T): T {
  const offs: number[] = [];
  const sizes: number[] = [];
  let total = align8(attrSize);
  for (const r of regions) {
    const size = Math.max(r.size ?? 0, r.bytes?.length ?? 0);
    offs.push(total);
    sizes.push(size);
    total += align8(size);
  }
  return withNative(total, (b: NativeBlock) => {
    regions.forEach((r, i) => { if (r.bytes) b.bytes.set(r.bytes, offs[i]); });
    const attr = new DataView(b.bytes.buffer, b.bytes.byteOffset, attrSize);
    const region = (i: number): Uint8Array => b.bytes.subarray(offs[i], offs[i] + sizes[i]);
    fill(attr, (i) => (sizes[i] > 0 ? b.addr(offs[i]) : 0n), region);
    const res = sysBpf(cmd, b, attrSize);
    return after({ res, attr, region });
  });
}

/** NUL-terminated UTF-8 bytes of a string. */
export function cString(s: string): Uint8Array {
  const enc = new TextEncoder().encode(s);
  const out = new Uint8Array(enc.length + 1);
  out.set(enc);
  return out;
}

/** Text of a NUL-terminated byte buffer. */
export function fromCString(b: Uint8Array): string {
  const z = b.indexOf(0);
  return new TextDecoder().decode(z < 0 ? b : b.subarray(0, z));
}

/**
 * Write an object name (BPF_OBJ_NAME_LEN = 16, NUL included) at `off`. The
 * kernel (bpf_obj_name_cpy) takes only [A-Za-z0-9_.]; other bytes become '_'.
 */
export function putObjName(attr: DataView, off: number, name: string | undefined): void {
  if (!name) return;
  const enc = new TextEncoder().encode(name.replace(/[^A-Za-z0-9_.]/g, '_'));
  for (let i = 0; i < Math.min(enc.length, 15); i++) attr.setUint8(off + i, enc[i]);
}
