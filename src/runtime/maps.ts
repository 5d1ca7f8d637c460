// A pure model of BPF maps for the interpreter: array and hash maps
// (percpu/lru variants behave as their plain forms on one CPU with room to
// spare), their values mapped as regions, the three core helpers and the
// ld_imm64 map forms. Models kernel/bpf/arraymap.c (array_map_lookup_elem,
// array_map_update_elem: -E2BIG past max_entries, -EEXIST for BPF_NOEXIST,
// -EINVAL for delete) and kernel/bpf/hashtab.c (htab_map_update_elem:
// -EEXIST / -ENOENT by flags, -E2BIG when full; delete: -ENOENT), and ring
// buffers with their five helpers (kernel/bpf/ringbuf.c).
import { Insn } from '../isa/insn';
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE } from '../isa/opcodes';
import { BpfRuntimeError, hexAddr } from './errors';
import { RegionSpec } from './memory';
import { HelperContext, HelperFn } from './types';
import { ERRNO, Errno } from '../isa/uapi';
import { HELPER_NAMES } from '../isa/helpers';
import { MAX_TAIL_CALL_CNT } from '../jit/codegen';

export type MapKind = 'array' | 'hash' | 'ringbuf' | 'perf_event_array' | 'prog_array' | 'map_in_map';

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
  /** Prog arrays: the program (by name) in each slot, as the object's 'values' initialise them. */
  programs?: readonly { slot: number; prog: string }[];
  /** Maps of maps: the map (by name, one of the set) in each slot (key = slot as a u32). */
  innerMaps?: readonly { slot: number; map: string }[];
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
  /** Ring buffers: the producer position (bytes written, records included; nobody consumes in a test run). */
  prod: number;
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
  if (type === 'ringbuf') return 'ringbuf';
  if (type === 'perf_event_array') return 'perf_event_array';
  if (type === 'prog_array') return 'prog_array';
  if (type === 'array_of_maps' || type === 'hash_of_maps') return 'map_in_map';
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
  /** Tail calls made in this run (the kernel's tail-call counter): reset it before each run. */
  tailCalls: { count: number };
  /** The same for another program of the object (its own relocations, the same maps). */
  resolverFor(relocs: readonly MapReloc[]): (pc: number, first: Insn, second: Insn) => bigint | undefined;
}

export interface MapReloc { insn: number; map: number; kind: 'fd' | 'value' }

/** Where a map's values live: by default a JS buffer at MAP_VALUE_BASE + index * 2^32; the native runtime gives native memory. */
export type MapStorage = (spec: MapSpec, index: number, bytes: number) => { values: Uint8Array; base: bigint };

export function createMapSet(specs: readonly MapSpec[], relocs: readonly MapReloc[] = [], storage?: MapStorage): MapSet {
  const maps: MapModel[] = specs.map((spec, index) => {
    const kind = kindOf(spec.type);
    if (!kind) throw new BpfRuntimeError('bad-argument', -1, `map '${spec.name}': type '${spec.type}' is not modelled (array, hash and ringbuf maps are)`);
    if (kind === 'ringbuf') {
      // ringbuf_map_alloc: no key or value, a power-of-2 number of pages of data
      const n = spec.maxEntries;
      if (spec.keySize || spec.valueSize || n < 4096 || n & (n - 1) || n > 0x4000_0000) {
        throw new BpfRuntimeError('bad-argument', -1, `map '${spec.name}': a ringbuf needs no key or value and a power-of-2 size of pages`);
      }
      const { values, base } = storage ? storage(spec, index, n) : { values: new Uint8Array(n), base: MAP_VALUE_BASE + (BigInt(index) << 32n) };
      return { index, spec, kind, values, slots: new Map(), free: [], base, prod: 0 };
    }
    if (!(spec.valueSize > 0 && spec.keySize > 0 && spec.maxEntries > 0) || spec.valueSize * spec.maxEntries > 0xffff_ffff) {
      throw new BpfRuntimeError('bad-argument', -1, `map '${spec.name}': bad key/value size or max_entries`);
    }
    if (kind === 'array' && spec.keySize !== 4) throw new BpfRuntimeError('bad-argument', -1, `map '${spec.name}': array maps need a 4-byte key`);
    const size = spec.valueSize * spec.maxEntries;
    const { values, base } = storage ? storage(spec, index, size) : { values: new Uint8Array(size), base: MAP_VALUE_BASE + (BigInt(index) << 32n) };
    if (spec.initial) values.set(spec.initial.subarray(0, values.length));
    const free: number[] = [];
    if (kind === 'hash') for (let i = spec.maxEntries - 1; i >= 0; i--) free.push(i);
    return { index, spec, kind, values, slots: new Map(), free, base, prod: 0 };
  });

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
    if (m.kind === 'ringbuf' || m.kind === 'prog_array' || m.kind === 'perf_event_array') return 0n; // the verifier allows no lookups
    if (m.kind === 'map_in_map') {
      // the inner map's pointer, as the map fds of the object's 'values' put it there
      const slot = m.spec.keySize === 4 ? indexOf(ctx, kp) : -1;
      const name = m.spec.innerMaps?.find((x) => x.slot === slot)?.map;
      const inner = name === undefined ? undefined : maps.find((x) => x.spec.name === name);
      return inner ? MAP_PTR_BASE + BigInt(inner.index * 16) : 0n;
    }
    if (m.kind === 'array') {
      const i = indexOf(ctx, kp);
      return i < m.spec.maxEntries ? m.base + BigInt(i * m.spec.valueSize) : 0n;
    }
    const slot = m.slots.get(hex(keyOf(ctx, m, kp)));
    return slot === undefined ? 0n : m.base + BigInt(slot * m.spec.valueSize);
  };
  const update: HelperFn = (ctx, mp, kp, vp, flags) => {
    const m = mapOf(ctx, mp);
    if (m.kind === 'ringbuf' || m.kind === 'map_in_map' || m.kind === 'prog_array' || m.kind === 'perf_event_array') return neg('ENOTSUPP');
    const key = keyOf(ctx, m, kp);
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
    const m = mapOf(ctx, mp);
    if (m.kind === 'ringbuf' || m.kind === 'map_in_map' || m.kind === 'prog_array' || m.kind === 'perf_event_array') return neg('ENOTSUPP');
    const key = keyOf(ctx, m, kp);
    if (m.kind === 'array') return neg('EINVAL');
    const k = hex(key), slot = m.slots.get(k);
    if (slot === undefined) return neg('ENOENT');
    m.slots.delete(k);
    m.values.fill(0, slot * m.spec.valueSize, (slot + 1) * m.spec.valueSize);
    m.free.push(slot);
    return 0n;
  };

  const tailCalls = { count: 0 };

  function resolverFor(rs: readonly MapReloc[]): (pc: number, first: Insn, second: Insn) => bigint | undefined {
    const byReloc = new Map(rs.map((r) => [r.insn, r]));
    return (pc, first, second) => {
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
    };
  }

  return {
    maps,
    regions: () => maps.map((m) => ({ name: `map:${m.spec.name}`, base: m.base, bytes: m.values, writable: !m.spec.readOnly })),
    helpers: new Map<number, HelperFn>([
      [1, lookup], [2, update], [3, del], ...ringbufHelpers(mapOf, maps), [HELPER_NAMES.indexOf('bpf_perf_event_output'), perfEventOutput(mapOf)],
      [HELPER_NAMES.indexOf('bpf_tail_call'), tailCall(mapOf, tailCalls)],
    ]),
    resolveLdImm64: resolverFor(relocs),
    resolverFor,
    tailCalls,
  };
}

/** A successful bpf_tail_call: whoever runs the program runs `target` instead, with r1 = `ctx`. */
export class TailCall extends BpfRuntimeError {
  constructor(readonly target: string, readonly ctx: bigint, pc: number) {
    super('tail-call', pc, `tail call to '${target}'`);
  }
}

/**
 * bpf_tail_call(ctx, prog_array, index): an index past max_entries, an empty
 * slot, or a chain that made MAX_TAIL_CALL_CNT tail calls already, and the
 * program goes on after the call; else it is replaced by the slot's program
 * (a TailCall). From a subprogram the JIT returns the target's value to the
 * subprogram's caller; the interpreter does not model that.
 */
function tailCall(mapOf: (ctx: HelperContext, ptr: bigint) => MapModel, counter: { count: number }): HelperFn {
  return (ctx, r1, mp, index) => {
    const m = mapOf(ctx, mp);
    if (m.kind !== 'prog_array') throw new BpfRuntimeError('helper-error', ctx.pc, `map '${m.spec.name}' is not a prog array`);
    const i = Number(index & 0xffffffffn);
    if (i >= m.spec.maxEntries || counter.count >= MAX_TAIL_CALL_CNT) return 0n;
    const target = m.spec.programs?.find((p) => p.slot === i)?.prog;
    if (!target) return 0n;
    if (ctx.depth !== 0) throw new BpfRuntimeError('helper-error', ctx.pc, 'a tail call from a subprogram is not modelled by the interpreter');
    counter.count++;
    throw new TailCall(target, r1, ctx.pc);
  };
}

/** BPF_F_INDEX_MASK | BPF_F_CTXLEN_MASK; BPF_F_CURRENT_CPU. */
const PERF_FLAGS = 0x000f_ffff_ffff_ffffn, CURRENT_CPU = 0xffff_ffffn;

/**
 * bpf_perf_event_output(ctx, map, flags, data, size): nobody has opened a
 * perf event in a test run, so every slot is empty: -EINVAL for unknown
 * flags, -E2BIG past max_entries, else -ENOENT (__bpf_perf_event_output).
 */
function perfEventOutput(mapOf: (ctx: HelperContext, ptr: bigint) => MapModel): HelperFn {
  return (ctx, _c, mp, flags) => {
    const m = mapOf(ctx, mp);
    if (m.kind !== 'perf_event_array') throw new BpfRuntimeError('helper-error', ctx.pc, `map '${m.spec.name}' is not a perf event array`);
    if (flags & ~PERF_FLAGS) return neg('EINVAL');
    const index = (flags & 0xffff_ffffn) === CURRENT_CPU ? 0n : flags & 0xffff_ffffn;
    return index >= BigInt(m.spec.maxEntries) ? neg('E2BIG') : neg('ENOENT');
  };
}

/** The 8-byte header before each ring buffer record: length with BUSY / DISCARD bits, page offset. */
const RB_HDR = 8, RB_BUSY = 0x8000_0000, RB_DISCARD = 0x4000_0000;
/** BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP; bpf_ringbuf_query's BPF_RB_AVAIL_DATA, RING_SIZE, CONS_POS, PROD_POS. */
const RB_WAKEUP_FLAGS = 3n;

/**
 * bpf_ringbuf_{output,reserve,submit,discard,query} (kernel/bpf/ringbuf.c):
 * records of 8-byte-aligned length after an 8-byte header, written at the
 * producer position; nothing consumes during a run, so a full buffer stays
 * full (reserve returns NULL, output -EAGAIN).
 */
function ringbufHelpers(mapOf: (ctx: HelperContext, ptr: bigint) => MapModel, maps: readonly MapModel[]): [number, HelperFn][] {
  const ring = (ctx: HelperContext, mp: bigint): MapModel => {
    const m = mapOf(ctx, mp);
    if (m.kind !== 'ringbuf') throw new BpfRuntimeError('helper-error', ctx.pc, `map '${m.spec.name}' is not a ringbuf`);
    return m;
  };
  const reserve = (m: MapModel, size: bigint): number | undefined => {
    const n = m.spec.maxEntries;
    if (size > BigInt(n)) return undefined;
    const len = Number(size);
    const stride = (len + RB_HDR + 7) & ~7;
    if (m.prod + stride > n - 1) return undefined; // new_prod_pos - cons_pos > mask
    const at = m.prod;
    m.prod += stride;
    const dv = new DataView(m.values.buffer, m.values.byteOffset + at, RB_HDR);
    dv.setUint32(0, (len | RB_BUSY) >>> 0, true);
    dv.setUint32(4, Math.floor(at / 4096) + 1, true); // pg_off: pages from the ringbuf struct to the header
    return at + RB_HDR;
  };
  /** The ring and the header offset of a sample pointer. */
  const sample = (ctx: HelperContext, p: bigint): { m: MapModel; hdr: DataView } => {
    for (const m of maps) {
      if (m.kind !== 'ringbuf' || p < m.base + BigInt(RB_HDR) || p >= m.base + BigInt(m.spec.maxEntries)) continue;
      const off = Number(p - m.base) - RB_HDR;
      return { m, hdr: new DataView(m.values.buffer, m.values.byteOffset + off, RB_HDR) };
    }
    throw new BpfRuntimeError('helper-error', ctx.pc, `${hexAddr(p)} is not a ringbuf sample`);
  };
  const commit = (discard: boolean): HelperFn => (ctx, p) => {
    const { hdr } = sample(ctx, p);
    hdr.setUint32(0, ((hdr.getUint32(0, true) & ~RB_BUSY) | (discard ? RB_DISCARD : 0)) >>> 0, true);
    return 0n;
  };
  const output: HelperFn = (ctx, mp, data, size, flags) => {
    const m = ring(ctx, mp);
    if (flags & ~RB_WAKEUP_FLAGS) return neg('EINVAL');
    const at = reserve(m, size);
    if (at === undefined) return neg('EAGAIN');
    m.values.set(ctx.mem.read(data, Number(size), ctx.pc), at);
    new DataView(m.values.buffer, m.values.byteOffset + at - RB_HDR, 4).setUint32(0, Number(size), true);
    return 0n;
  };
  const reserveFn: HelperFn = (ctx, mp, size, flags) => {
    const m = ring(ctx, mp);
    if (flags) return 0n;
    const at = reserve(m, size);
    return at === undefined ? 0n : m.base + BigInt(at);
  };
  const query: HelperFn = (ctx, mp, flags) => {
    const m = ring(ctx, mp);
    switch (flags) {
      case 0n: case 3n: return BigInt(m.prod); // available data (nothing consumed), producer position
      case 1n: return BigInt(m.spec.maxEntries);
      case 2n: return 0n;
      default: return 0n;
    }
  };
  const id = (name: string): number => HELPER_NAMES.indexOf(name);
  return [
    [id('bpf_ringbuf_output'), output], [id('bpf_ringbuf_reserve'), reserveFn],
    [id('bpf_ringbuf_submit'), commit(false)], [id('bpf_ringbuf_discard'), commit(true)], [id('bpf_ringbuf_query'), query],
  ];
}
