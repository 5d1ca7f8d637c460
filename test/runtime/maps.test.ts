// The map model: array and hash maps through bpf_map_lookup_elem /
// update_elem / delete_elem, kernel error codes, direct value access, values
// that persist across runs, and loader-style relocations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../src/isa/insn';
import { BpfRuntimeError, createMapSet, createVm, run, MapSpec, MAP_PTR_BASE } from '../../src/runtime';
import { mov64, movr, exit, call, ldx, st, stx, alu, jmp } from './util';

const mapFd = (dst: number, idx: number): ReturnType<typeof insn>[] => [insn(0x18, dst, 1, 0, idx), insn(0)];
const mapValue = (dst: number, idx: number, off: number): ReturnType<typeof insn>[] => [insn(0x18, dst, 2, 0, idx), insn(0, 0, 0, 0, off)];
const neg = (e: number): bigint => BigInt.asUintN(64, BigInt(-e));

const specs: MapSpec[] = [
  { name: 'counts', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 },
  { name: 'table', type: 'hash', keySize: 8, valueSize: 8, maxEntries: 2 },
  { name: '.rodata', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1, initial: Uint8Array.from([7, 0, 0, 0, 0, 0, 0, 0]), readOnly: true },
];

/** key = r1 (stored at fp-8), lookup in map `m`; r0 = value or -1 when missing. */
const lookupProg = (m: number, keySize: 'w' | 'dw'): ReturnType<typeof insn>[] => [
  stx(keySize, 10, 1, -8), ...mapFd(1, m), movr(2, 10), alu('add', true, 2, { imm: -8 }), call(1),
  jmp('jne', true, 0, { imm: 0 }, 2), mov64(0, -1), exit(), ldx('dw', 0, 0, 0), exit(),
];

test('array map: lookup gives a pointer into the value region; values persist across runs', () => {
  const set = createMapSet(specs);
  // counts[r1] += 1; return the new count
  const prog = [
    stx('w', 10, 1, -4), ...mapFd(1, 0), movr(2, 10), alu('add', true, 2, { imm: -4 }), call(1),
    jmp('jeq', true, 0, { imm: 0 }, 4), ldx('dw', 1, 0, 0), alu('add', true, 1, { imm: 1 }), stx('dw', 0, 1, 0), movr(0, 1), exit(),
  ];
  const vm = createVm(prog, { helpers: set.helpers, resolveLdImm64: set.resolveLdImm64 });
  const go = (k: bigint): bigint => run(vm, { args: [k], regions: set.regions() }).retval;
  assert.equal(go(2n), 1n);
  assert.equal(go(2n), 2n);
  assert.equal(go(0n), 1n);
  assert.equal(go(4n), 0n); // past max_entries: lookup returns NULL
  assert.deepEqual([...set.maps[0].values.subarray(16, 24)], [2, 0, 0, 0, 0, 0, 0, 0]);
});

test('hash map: update flags, lookup, delete and kernel error codes', () => {
  const set = createMapSet(specs);
  // update(table, key=r1, value=r2, flags=r3) -> r0
  const update = [stx('dw', 10, 1, -8), stx('dw', 10, 2, -16), movr(4, 3), ...mapFd(1, 1), movr(2, 10), alu('add', true, 2, { imm: -8 }),
    movr(3, 10), alu('add', true, 3, { imm: -16 }), call(2), exit()];
  const del = [stx('dw', 10, 1, -8), ...mapFd(1, 1), movr(2, 10), alu('add', true, 2, { imm: -8 }), call(3), exit()];
  const o = { helpers: set.helpers, resolveLdImm64: set.resolveLdImm64 };
  const up = (k: bigint, v: bigint, f: bigint): bigint => run(createVm(update, o), { args: [k, v, f], regions: set.regions() }).retval;
  const get = (k: bigint): bigint => run(createVm(lookupProg(1, 'dw'), o), { args: [k], regions: set.regions() }).retval;
  const rm = (k: bigint): bigint => run(createVm(del, o), { args: [k], regions: set.regions() }).retval;
  assert.equal(get(10n), neg(1));
  assert.equal(up(10n, 100n, 2n), neg(2)); // BPF_EXIST on a missing key: -ENOENT
  assert.equal(up(10n, 100n, 0n), 0n);
  assert.equal(up(10n, 101n, 1n), neg(17)); // BPF_NOEXIST on an existing key: -EEXIST
  assert.equal(up(10n, 102n, 2n), 0n);
  assert.equal(get(10n), 102n);
  assert.equal(up(11n, 1n, 0n), 0n);
  assert.equal(up(12n, 1n, 0n), neg(7)); // full: -E2BIG
  assert.equal(up(12n, 1n, 4n), neg(22)); // unknown flags: -EINVAL
  assert.equal(rm(10n), 0n);
  assert.equal(rm(10n), neg(2));
  assert.equal(get(10n), neg(1));
  assert.equal(up(12n, 5n, 0n), 0n); // the freed slot is reused
  assert.equal(get(12n), 5n);
});

test('array map: update past max_entries, BPF_NOEXIST and delete fail like the kernel', () => {
  const set = createMapSet(specs);
  const o = { helpers: set.helpers, resolveLdImm64: set.resolveLdImm64 };
  const update = [stx('w', 10, 1, -4), st('dw', 10, -16, 9), movr(4, 2), ...mapFd(1, 0), movr(2, 10), alu('add', true, 2, { imm: -4 }),
    movr(3, 10), alu('add', true, 3, { imm: -16 }), call(2), exit()];
  const up = (k: bigint, f: bigint): bigint => run(createVm(update, o), { args: [k, f], regions: set.regions() }).retval;
  assert.equal(up(4n, 0n), neg(7));
  assert.equal(up(1n, 1n), neg(17));
  assert.equal(up(1n, 0n), 0n);
  assert.equal(run(createVm(lookupProg(0, 'w'), o), { args: [1n], regions: set.regions() }).retval, 9n);
  const del = [stx('w', 10, 1, -4), ...mapFd(1, 0), movr(2, 10), alu('add', true, 2, { imm: -4 }), call(3), exit()];
  assert.equal(run(createVm(del, o), { args: [1n], regions: set.regions() }).retval, neg(22));
});

test('direct value access (BPF_PSEUDO_MAP_VALUE) and read-only maps', () => {
  const set = createMapSet(specs);
  const o = { helpers: set.helpers, resolveLdImm64: set.resolveLdImm64 };
  assert.equal(run(createVm([...mapValue(1, 2, 0), ldx('dw', 0, 1, 0), exit()], o), { regions: set.regions() }).retval, 7n);
  let err: unknown;
  try { run(createVm([...mapValue(1, 2, 0), st('b', 1, 0, 1), exit()], o), { regions: set.regions() }); } catch (e) { err = e; }
  assert.ok(err instanceof BpfRuntimeError);
  assert.equal(err.kind, 'read-only');
  assert.throws(() => createVm([...mapValue(1, 2, 8), exit()], o), /value offset 8 is past the value size 8/);
  assert.throws(() => createVm([...mapValue(1, 1, 0), exit()], o), /direct value access needs an array map/);
  assert.throws(() => createVm([...mapFd(1, 5), exit()], o), /refers to map 5, but there are 3 maps/);
});

test('loader relocations pick the map by instruction', () => {
  const set = createMapSet(specs, [{ insn: 0, map: 2, kind: 'value' }, { insn: 2, map: 1, kind: 'fd' }]);
  const o = { helpers: set.helpers, resolveLdImm64: set.resolveLdImm64 };
  // the imm fields are placeholders the relocations override
  const prog = [insn(0x18, 1, 2, 0, 99), insn(0, 0, 0, 0, 4), insn(0x18, 2, 1, 0, 99), insn(0), ldx('w', 0, 1, 0), alu('add', true, 0, 2), exit()];
  assert.equal(run(createVm(prog, o), { regions: set.regions() }).retval, MAP_PTR_BASE + 16n + 0n);
});

test('a non-map pointer given to a map helper is a typed error', () => {
  const set = createMapSet(specs);
  assert.throws(() => run(createVm([mov64(1, 5), movr(2, 10), call(1), exit()], { helpers: set.helpers })), /0x5 is not a map pointer/);
  assert.throws(() => createMapSet([{ name: 'st', type: 'sk_storage', keySize: 4, valueSize: 4, maxEntries: 4 }]), /type 'sk_storage' is not modelled/);
  assert.throws(() => createMapSet([{ name: 'rb', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 3000 }]), /power-of-2 size of pages/);
});

test('ringbuf: reserve / submit / discard / output / query, records with their headers, a full buffer stays full', () => {
  const { createMapSet: make, AddressSpace: Space, MAP_PTR_BASE: PTR } = require('../../src/runtime') as typeof import('../../src/runtime');
  const { HELPER_NAMES } = require('../../src/isa/helpers') as typeof import('../../src/isa/helpers');
  const set = make([{ name: 'rb', type: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 }, { name: 'pe', type: 'perf_event_array', keySize: 4, valueSize: 4, maxEntries: 2 }]);
  const mem = new Space();
  for (const r of set.regions()) mem.map(r);
  mem.map({ name: 'stack', base: 0x1000n, bytes: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) });
  const ctx = { pc: 0, mem } as unknown as import('../../src/runtime').HelperContext;
  const h = (name: string, ...a: bigint[]): bigint => set.helpers.get(HELPER_NAMES.indexOf(name))!(ctx, a[0] ?? 0n, a[1] ?? 0n, a[2] ?? 0n, a[3] ?? 0n, a[4] ?? 0n);
  const rb = PTR, rbuf = set.maps[0];
  const hdr = (off: number): [number, number] => { const dv = new DataView(rbuf.values.buffer, rbuf.values.byteOffset + off, 8); return [dv.getUint32(0, true), dv.getUint32(4, true)]; };
  const p = h('bpf_ringbuf_reserve', rb, 12n, 0n);
  assert.equal(p, rbuf.base + 8n);
  assert.deepEqual(hdr(0), [0x8000_000c, 1]); // busy, 12 bytes
  assert.equal(h('bpf_ringbuf_reserve', rb, 8n, 1n), 0n); // flags must be 0
  h('bpf_ringbuf_submit', p, 0n);
  assert.deepEqual(hdr(0), [12, 1]);
  const q = h('bpf_ringbuf_reserve', rb, 8n, 0n);
  assert.equal(q, rbuf.base + 24n + 8n); // the first record took 8 + 16 bytes
  h('bpf_ringbuf_discard', q, 0n);
  assert.equal(hdr(24)[0], 0x4000_0008);
  assert.equal(h('bpf_ringbuf_output', rb, 0x1000n, 8n, 0n), 0n);
  assert.deepEqual([...rbuf.values.subarray(40, 48)], [8, 0, 0, 0, 1, 0, 0, 0]); // a submitted 8-byte record
  assert.deepEqual([...rbuf.values.subarray(48, 56)], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(h('bpf_ringbuf_output', rb, 0x1000n, 8n, 4n), BigInt.asUintN(64, -22n));
  assert.equal(h('bpf_ringbuf_query', rb, 0n), 56n);
  assert.equal(h('bpf_ringbuf_query', rb, 1n), 4096n);
  // Fill it: nothing consumes, so the last record that fits leaves the producer below size - 1
  while (h('bpf_ringbuf_reserve', rb, 1000n, 0n) !== 0n);
  assert.ok(rbuf.prod <= 4095 && rbuf.prod + 1008 > 4095, `producer at ${rbuf.prod}`);
  while (h('bpf_ringbuf_output', rb, 0x1000n, 8n, 0n) === 0n);
  assert.equal(h('bpf_ringbuf_output', rb, 0x1000n, 8n, 0n), BigInt.asUintN(64, -11n)); // -EAGAIN
  assert.ok(rbuf.prod + 16 > 4095);
  // perf event arrays: every slot empty in a test run
  const pe = PTR + 16n;
  assert.equal(h('bpf_perf_event_output', 0n, pe, 0xffff_ffffn, 0x1000n, 8n), BigInt.asUintN(64, -2n));
  assert.equal(h('bpf_perf_event_output', 0n, pe, 5n, 0x1000n, 8n), BigInt.asUintN(64, -7n));
  assert.equal(h('bpf_perf_event_output', 0n, pe, 1n << 60n, 0x1000n, 8n), BigInt.asUintN(64, -22n));
});

test('maps of maps: a lookup gives the inner map (as the object\'s values set it), whose own lookups work; no updates from programs', () => {
  const set = createMapSet([
    { name: 'inner_a', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 },
    { name: 'outer', type: 'array_of_maps', keySize: 4, valueSize: 4, maxEntries: 2, innerMaps: [{ slot: 0, map: 'inner_a' }] },
  ]);
  const mem = new (require('../../src/runtime') as typeof import('../../src/runtime')).AddressSpace();
  mem.map({ name: 'key', base: 0x1000n, bytes: new Uint8Array(8) });
  const ctx = { pc: 0, mem } as unknown as import('../../src/runtime').HelperContext;
  const lookup = set.helpers.get(1)!;
  assert.equal(lookup(ctx, MAP_PTR_BASE + 16n, 0x1000n, 0n, 0n, 0n), MAP_PTR_BASE); // slot 0: inner_a
  assert.equal(lookup(ctx, MAP_PTR_BASE, 0x1000n, 0n, 0n, 0n), set.maps[0].base);  // inner_a[0]
  new DataView(mem.regions[0].bytes.buffer).setUint32(0, 1, true);
  assert.equal(lookup(ctx, MAP_PTR_BASE + 16n, 0x1000n, 0n, 0n, 0n), 0n);          // slot 1: empty
  assert.equal(set.helpers.get(2)!(ctx, MAP_PTR_BASE + 16n, 0x1000n, 0x1000n, 0n, 0n), BigInt.asUintN(64, -524n)); // ENOTSUPP
});
