// A pure model of BPF maps for the interpreter: array and hash maps
// (percpu/lru variants behave as their plain forms on one CPU with room to
// spare), their values mapped as regions, the three core helpers and the
// ld_imm64 map forms. Models kernel/bpf/arraymap.c (array_map_lookup_elem,
// array_map_update_elem: -E2BIG past max_entries, -EEXIST for BPF_NOEXIST,
// -EINVAL for delete) and kernel/bpf/hashtab.c (htab_map_update_elem:
// -EEXIST / -ENOENT by flags, -E2BIG when full; delete: -ENOENT).
import { Insn } from '../isa/insn';
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE } from '../isa/opcodes';
import { BpfRuntimeError, hexAddr } from './errors';
import { RegionSpec } from './memory';
import { HelperContext, HelperFn } from './types';
import { ERRNO, Errno } from '../isa/uapi';

export type MapKind = 'array' | 'hash';

export interface MapSpec {
  name: string;
  /** BPF_MAP_TYPE name: array, percpu_array, hash, percpu_hash, lru_hash, lru_percpu_hash. */
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** Initial bytes of an array map's values (global data sections). */
  initial?: Uint8Array;
  /** Values are read-only for the program (.rodata, .kconfig). */
  readOnly?: boolean;
}

export interface MapModel {
  index: number;
  spec: MapSpec;
  kind: MapKind;
  /** Values of all entries (array: entry i at i * valueSize; hash: preallocated slots). */
  values: Uint8Array;
  /** Hash maps: key (hex) -> slot. */
  slots: Map<string, number>;
  free: number[];
  /** Address of values[0]. */
  base: bigint;
}

/** Map pointers (what ld_imm64 BPF_PSEUDO_MAP_FD yields) are MAP_PTR_BASE + 16 * index; not dereferenceable. */
export const MAP_PTR_BASE = 0xffff_a000_0000_0000n;
/** Map i's values live in their own 4 GiB window at MAP_VALUE_BASE + i * 2^32. */
export const MAP_VALUE_BASE = 0x0000_6000_0000_0000n;

const BPF_NOEXIST = 1n, BPF_EXIST = 2n; // BPF_ANY = 0
/** A helper's error return: -errno as the u64 in r0. */
const neg = (e: Errno): bigint => BigInt.asUintN(64, -BigInt(ERRNO[e]));

function kindOf(type: string): MapKind | undefined {
  if (type === 'array' || type === 'percpu_array') return 'array';
  if (type === 'hash' || type === 'percpu_hash' || type === 'lru_hash' || type === 'lru_percpu_hash') return 'hash';
  return undefined;
}

export interface MapSet {
  maps: MapModel[];
  /** Regions to pass to run() (the maps' values; contents persist across runs). */
  regions(): RegionSpec[];
  /** bpf_map_lookup_elem (1), bpf_map_update_elem (2), bpf_map_delete_elem (3). */
  helpers: Map<number, HelperFn>;
  /** Value of a map ld_imm64: with `relocs`, by instruction; else imm is the map index. */
  resolveLdImm64(pc: number, first: Insn, second: Insn): bigint | undefined;
}

export interface MapReloc { insn: number; map: number; kind: 'fd' | 'value' }

/** Where a map's values live: by default a JS buffer at MAP_VALUE_BASE + index * 2^32; the native runtime gives native memory. */
export type MapStorage = (spec: MapSpec, index: number, bytes: number) => { values: Uint8Array; base: bigint };

export function createMapSet(specs: readonly MapSpec[], relocs: readonly MapReloc[] = [], storage?: MapStorage): MapSet {
  const maps: MapModel[] = specs.map((spec, index) => {
    const kind = kindOf(spec.type);
    if (!kind) throw new BpfRuntimeError('bad-argument', -1, `map '${spec.name}': type '${spec.type}' is not modelled (array and hash maps are)`);
    if (!(spec.valueSize > 0 && spec.keySize > 0 && spec.maxEntries > 0) || spec.valueSize * spec.maxEntries > 0xffff_ffff) {
      throw new BpfRuntimeError('bad-argument', -1, `map '${spec.name}': bad key/value size or max_entries`);
    }
    if (kind === 'array' && spec.keySize !== 4) throw new BpfRuntimeError('bad-argument', -1, `map '${spec.name}': array maps need a 4-byte key`);
    const size = spec.valueSize * spec.maxEntries;
    const { values, base } = storage ? storage(spec, index, size) : { values: new Uint8Array(size), base: MAP_VALUE_BASE + (BigInt(index) << 32n) };
    if (spec.initial) values.set(spec.initial.subarray(0, values.length));
    const free: number[] = [];
    if (kind === 'hash') for (let i = spec.maxEntries - 1; i >= 0; i--) free.push(i);
    return { index, spec, kind, values, slots: new Map(), free, base };
  });
  const byReloc = new Map(relocs.map((r) => [r.insn, r]));

  const byPtr = new Map<bigint, MapModel>(maps.map((m) => [MAP_PTR_BASE + BigInt(m.index * 16), m]));
  const mapOf = (ctx: HelperContext, ptr: bigint): MapModel => {
    const m = byPtr.get(ptr);
    if (!m) throw new BpfRuntimeError('helper-error', ctx.pc, `${hexAddr(ptr)} is not a map pointer`);
    return m;
  };
  /** The u32 index an array map key holds, read in place. */
  const indexOf = (ctx: HelperContext, addr: bigint): number => {
    const { region, offset } = ctx.mem.resolve(addr, 4, false, ctx.pc);
    return region.dv.getUint32(offset, true);
  };
  const keyOf = (ctx: HelperContext, m: MapModel, addr: bigint): Uint8Array => ctx.mem.read(addr, m.spec.keySize, ctx.pc);
  const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

  const lookup: HelperFn = (ctx, mp, kp) => {
    const m = mapOf(ctx, mp);
    if (m.kind === 'array') {
      const i = indexOf(ctx, kp);
      return i < m.spec.maxEntries ? m.base + BigInt(i * m.spec.valueSize) : 0n;
    }
    const slot = m.slots.get(hex(keyOf(ctx, m, kp)));
    return slot === undefined ? 0n : m.base + BigInt(slot * m.spec.valueSize);
  };
  const update: HelperFn = (ctx, mp, kp, vp, flags) => {
    const m = mapOf(ctx, mp), key = keyOf(ctx, m, kp);
    if (flags > BPF_EXIST) return neg('EINVAL');
    const value = ctx.mem.read(vp, m.spec.valueSize, ctx.pc);
    if (m.kind === 'array') {
      const i = new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
      if (i >= m.spec.maxEntries) return neg('E2BIG');
      if (flags === BPF_NOEXIST) return neg('EEXIST');
      if (m.spec.readOnly) return neg('EPERM');
      m.values.set(value, i * m.spec.valueSize);
      return 0n;
    }
    const k = hex(key);
    let slot = m.slots.get(k);
    if (slot !== undefined && flags === BPF_NOEXIST) return neg('EEXIST');
    if (slot === undefined && flags === BPF_EXIST) return neg('ENOENT');
    if (slot === undefined) {
      const s = m.free.pop();
      if (s === undefined) return neg('E2BIG');
      slot = s;
      m.slots.set(k, slot);
    }
    m.values.set(value, slot * m.spec.valueSize);
    return 0n;
  };
  const del: HelperFn = (ctx, mp, kp) => {
    const m = mapOf(ctx, mp), key = keyOf(ctx, m, kp);
    if (m.kind === 'array') return neg('EINVAL');
    const k = hex(key), slot = m.slots.get(k);
    if (slot === undefined) return neg('ENOENT');
    m.slots.delete(k);
    m.values.fill(0, slot * m.spec.valueSize, (slot + 1) * m.spec.valueSize);
    m.free.push(slot);
    return 0n;
  };

  return {
    maps,
    regions: () => maps.map((m) => ({ name: `map:${m.spec.name}`, base: m.base, bytes: m.values, writable: !m.spec.readOnly })),
    helpers: new Map<number, HelperFn>([[1, lookup], [2, update], [3, del]]),
    resolveLdImm64(pc, first, second) {
      const r = byReloc.get(pc);
      let index: number, value: boolean, off: number;
      if (r) { index = r.map; value = r.kind === 'value'; off = second.imm >>> 0; }
      else if (first.src === BPF_PSEUDO_MAP_FD || first.src === BPF_PSEUDO_MAP_IDX) { index = first.imm; value = false; off = 0; }
      else if (first.src === BPF_PSEUDO_MAP_VALUE || first.src === BPF_PSEUDO_MAP_IDX_VALUE) { index = first.imm; value = true; off = second.imm >>> 0; }
      else return undefined;
      const m = maps[index];
      if (!m) throw new BpfRuntimeError('unresolved-ld-imm64', pc, `ld_imm64 refers to map ${index}, but there are ${maps.length} maps`);
      if (!value) return MAP_PTR_BASE + BigInt(index * 16);
      if (m.kind !== 'array') throw new BpfRuntimeError('unresolved-ld-imm64', pc, `direct value access needs an array map, '${m.spec.name}' is a ${m.spec.type}`);
      if (off >= m.spec.valueSize) throw new BpfRuntimeError('unresolved-ld-imm64', pc, `value offset ${off} is past the value size ${m.spec.valueSize} of '${m.spec.name}'`);
      return m.base + BigInt(off);
    },
  };
}
