// The interpreter's address space: a set of regions (stack frames, ctx, packet,
// a memory buffer, map values), each a base 64-bit virtual address, bytes and
// permissions. Pointers are plain 64-bit numbers in registers; every access is
// checked against the regions here. This replaces what the kernel gets from
// the verifier's pointer tracking (check_mem_access in kernel/bpf/verifier.c).
import { BpfRuntimeError, hexAddr } from './errors';

/** A region the caller maps into the program's address space. */
export interface RegionSpec {
  /** For messages, e.g. 'ctx', 'packet', 'mem', 'map:counters[0]'. */
  name: string;
  /** 64-bit virtual address of bytes[0]. */
  base: bigint;
  bytes: Uint8Array;
  /** Defaults to true. */
  writable?: boolean;
}

/** A mapped region, with its base split into 32-bit halves for the hot path. */
export interface Region {
  name: string;
  base: bigint;
  /** Low / high 32 bits of base, as unsigned numbers. */
  lo: number;
  hi: number;
  len: number;
  bytes: Uint8Array;
  dv: DataView;
  writable: boolean;
}

const U32 = 0x1_0000_0000;

export function makeRegion(spec: RegionSpec): Region {
  const base = BigInt.asUintN(64, spec.base);
  const lo = Number(base & 0xffffffffn);
  const hi = Number(base >> 32n);
  if (lo + spec.bytes.length > U32) {
    throw new BpfRuntimeError('bad-region', -1,
      `region '${spec.name}' at ${hexAddr(base)} (${spec.bytes.length} bytes) crosses a 4 GiB boundary`);
  }
  return {
    name: spec.name, base, lo, hi, len: spec.bytes.length, bytes: spec.bytes,
    dv: new DataView(spec.bytes.buffer, spec.bytes.byteOffset, spec.bytes.byteLength),
    writable: spec.writable !== false,
  };
}

/** The regions of one run. Lookup is linear: programs map a handful of regions. */
export class AddressSpace {
  readonly regions: Region[];

  /** `initial` regions are trusted not to overlap (the VM's stack frames). */
  constructor(initial: readonly Region[] = []) {
    this.regions = initial.slice();
  }

  map(spec: RegionSpec | Region): Region {
    const r = 'dv' in spec ? spec : makeRegion(spec);
    for (const o of this.regions) {
      if (o.hi === r.hi && r.lo < o.lo + o.len && o.lo < r.lo + r.len && r.len > 0 && o.len > 0) {
        throw new BpfRuntimeError('bad-region', -1,
          `region '${r.name}' at ${hexAddr(r.base)} overlaps region '${o.name}' at ${hexAddr(o.base)}`);
      }
    }
    this.regions.push(r);
    return r;
  }

  unmap(name: string): boolean {
    const i = this.regions.findIndex((r) => r.name === name);
    if (i < 0) return false;
    this.regions.splice(i, 1);
    return true;
  }

  /** The region holding [lo, lo+size) in the 4 GiB window hi, or undefined. */
  find(lo: number, hi: number, size: number): Region | undefined {
    const rs = this.regions;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i];
      if (r.hi === hi && lo >= r.lo && lo + size <= r.lo + r.len) return r;
    }
    return undefined;
  }

  /** Resolve a 64-bit address for a helper: the region and the offset in it. */
  resolve(addr: bigint, size: number, write: boolean, pc = -1): { region: Region; offset: number } {
    const a = BigInt.asUintN(64, addr);
    const lo = Number(a & 0xffffffffn), hi = Number(a >> 32n);
    const r = this.find(lo, hi, size);
    if (!r) throw new BpfRuntimeError('out-of-bounds', pc, `invalid ${write ? 'write' : 'read'} of ${size} bytes at ${hexAddr(a)}`, a, size);
    if (write && !r.writable) throw new BpfRuntimeError('read-only', pc, `write of ${size} bytes to read-only region '${r.name}' at ${hexAddr(a)}`, a, size);
    return { region: r, offset: lo - r.lo };
  }

  /** Copy `len` bytes out of the program's memory. */
  read(addr: bigint, len: number, pc = -1): Uint8Array {
    if (len === 0) return new Uint8Array(0);
    const { region, offset } = this.resolve(addr, len, false, pc);
    return region.bytes.slice(offset, offset + len);
  }

  /**
   * Copy `len` bytes out if they are all mapped, else undefined (the probe
   * reads: a fault is an error code, not the end of the program).
   */
  tryRead(addr: bigint, len: number): Uint8Array | undefined {
    if (len === 0) return new Uint8Array(0);
    const a = BigInt.asUintN(64, addr);
    const r = this.find(Number(a & 0xffffffffn), Number(a >> 32n), len);
    if (!r) return undefined;
    const off = Number(a & 0xffffffffn) - r.lo;
    return r.bytes.slice(off, off + len);
  }

  /** Copy bytes into the program's memory. */
  write(addr: bigint, data: Uint8Array, pc = -1): void {
    if (data.length === 0) return;
    const { region, offset } = this.resolve(addr, data.length, true, pc);
    region.bytes.set(data, offset);
  }

  readU64(addr: bigint, pc = -1): bigint {
    const { region, offset } = this.resolve(addr, 8, false, pc);
    return region.dv.getBigUint64(offset, true);
  }

  writeU64(addr: bigint, value: bigint, pc = -1): void {
    const { region, offset } = this.resolve(addr, 8, true, pc);
    region.dv.setBigUint64(offset, BigInt.asUintN(64, value), true);
  }

  /** Read a NUL-terminated string of at most `max` bytes (the NUL not included). */
  readCString(addr: bigint, max: number, pc = -1): Uint8Array {
    const a = BigInt.asUintN(64, addr);
    const { region, offset } = this.resolve(a, 1, false, pc);
    const end = Math.min(region.len, offset + max);
    let i = offset;
    while (i < end && region.bytes[i] !== 0) i++;
    if (i === end && i < offset + max) {
      throw new BpfRuntimeError('out-of-bounds', pc, `unterminated string at ${hexAddr(a)} runs out of region '${region.name}'`, a, i - offset + 1);
    }
    return region.bytes.slice(offset, i);
  }
}
