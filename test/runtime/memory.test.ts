// Loads, stores, sign-extending loads, atomics, LD_ABS/LD_IND, and the
// typed errors for out-of-bounds, unmapped and read-only accesses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../src/isa/insn';
import { BpfRuntimeError, STACK_BASE, STACK_SIZE, framePointer, createVm, run } from '../../src/runtime';
import { lddw, mov64, movr, exit, ldx, ldxs, st, stx, atomic, r0, runProg, alu } from './util';

const BASE = 0x1_0000_0000n;
const call9 = (): ReturnType<typeof insn> => insn(0x85, 0, 0, 0, 9);
const memOf = (bytes: number[]): { args: bigint[]; regions: { name: string; base: bigint; bytes: Uint8Array }[] } =>
  ({ args: [BASE, BigInt(bytes.length)], regions: [{ name: 'mem', base: BASE, bytes: Uint8Array.from(bytes) }] });

const BYTES = [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11];

test('loads of every size read little-endian and zero-extend', () => {
  assert.equal(r0([ldx('b', 0, 1, 0), exit()], {}, memOf(BYTES)), 0x88n);
  assert.equal(r0([ldx('h', 0, 1, 0), exit()], {}, memOf(BYTES)), 0x7788n);
  assert.equal(r0([ldx('w', 0, 1, 4), exit()], {}, memOf(BYTES)), 0x11223344n);
  assert.equal(r0([ldx('dw', 0, 1, 0), exit()], {}, memOf(BYTES)), 0x1122334455667788n);
});

test('sign-extending loads', () => {
  assert.equal(r0([ldxs('b', 0, 1, 0), exit()], {}, memOf(BYTES)), 0xffffffffffffff88n);
  assert.equal(r0([ldxs('h', 0, 1, 0), exit()], {}, memOf(BYTES)), 0x7788n);
  assert.equal(r0([ldxs('w', 0, 1, 0), exit()], {}, memOf([0, 0, 0, 0x80])), 0xffffffff80000000n);
});

test('stores of every size, register and immediate, negative offsets on the stack', () => {
  assert.equal(r0([st('dw', 10, -8, -2), ldx('dw', 0, 10, -8), exit()]), 0xfffffffffffffffen);
  assert.equal(r0([st('dw', 10, -8, 0), st('w', 10, -8, 0x7f0000ff), ldx('dw', 0, 10, -8), exit()]), 0x7f0000ffn);
  assert.equal(r0([st('dw', 10, -8, 0), st('h', 10, -6, 0x12345), ldx('dw', 0, 10, -8), exit()]), 0x23450000n);
  assert.equal(r0([st('dw', 10, -8, -1), st('b', 10, -1, 0), ldx('dw', 0, 10, -8), exit()]), 0x00ffffffffffffffn);
  assert.equal(r0([...lddw(2, 0x0102030405060708n), stx('dw', 10, 2, -16), stx('b', 10, 2, -16), ldx('dw', 0, 10, -16), exit()]), 0x0102030405060708n);
  assert.equal(r0([...lddw(2, 0xaabbccddn), stx('w', 1, 2, 4), ldx('dw', 0, 1, 0), exit()], {}, memOf(BYTES)), 0xaabbccdd55667788n);
  assert.equal(r0([mov64(2, 0x1ff), stx('h', 1, 2, 6), ldx('dw', 0, 1, 0), exit()], {}, memOf(BYTES)), 0x01ff334455667788n);
});

test('the stack starts zeroed on every run', () => {
  const vm = createVm([ldx('dw', 0, 10, -8), st('dw', 10, -8, 99), exit()]);
  assert.equal(run(vm).retval, 0n);
  assert.equal(run(vm).retval, 0n);
});

test('r10 is the top of frame 0 and the stack is 512 bytes', () => {
  assert.equal(r0([movr(0, 10), exit()]), framePointer(0));
  assert.equal(framePointer(0), STACK_BASE + BigInt(STACK_SIZE));
  assert.equal(r0([st('b', 10, -512, 7), ldx('b', 0, 10, -512), exit()]), 7n);
});

function fault(fn: () => unknown): BpfRuntimeError {
  try { fn(); } catch (e) {
    assert.ok(e instanceof BpfRuntimeError, `expected BpfRuntimeError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a BpfRuntimeError');
}

test('out-of-bounds loads name the pc, the address and the size', () => {
  const e = fault(() => runProg([mov64(0, 0), ldx('w', 0, 1, 6), exit()], {}, memOf(BYTES)));
  assert.equal(e.kind, 'out-of-bounds');
  assert.equal(e.pc, 1);
  assert.equal(e.address, BASE + 6n);
  assert.equal(e.size, 4);
  assert.match(e.message, /invalid read of 4 bytes at 0x100000006 \(pc 1\)/);
});

test('below the stack, above the frame pointer and NULL are faults', () => {
  const below = fault(() => runProg([st('b', 10, -513, 1), exit()]));
  assert.equal(below.kind, 'out-of-bounds');
  assert.equal(below.address, framePointer(0) - 513n);
  assert.match(below.message, /invalid write of 1 bytes/);
  const above = fault(() => runProg([ldx('dw', 0, 10, -4), exit()]));
  assert.equal(above.kind, 'out-of-bounds');
  assert.equal(above.pc, 0);
  const nul = fault(() => runProg([mov64(1, 0), ldx('b', 0, 1, 0), exit()]));
  assert.equal(nul.address, 0n);
  assert.equal(nul.pc, 1);
});

test('addresses wrap across the 32-bit halves correctly', () => {
  // base 0x1_0000_0000 minus 1 via a negative offset is 0xffffffff: unmapped
  const e = fault(() => runProg([ldx('b', 0, 1, -1), exit()], {}, memOf(BYTES)));
  assert.equal(e.address, 0xffffffffn);
  // a region ending right below a 4 GiB boundary
  const top = 0x2_ffff_fff8n;
  assert.equal(r0([ldx('dw', 0, 1, 0), exit()], {}, { args: [top], regions: [{ name: 'top', base: top, bytes: Uint8Array.from(BYTES) }] }), 0x1122334455667788n);
  const e2 = fault(() => runProg([ldx('b', 0, 1, 8), exit()], {}, { args: [top], regions: [{ name: 'top', base: top, bytes: Uint8Array.from(BYTES) }] }));
  assert.equal(e2.address, 0x3_0000_0000n);
});

test('read-only regions reject stores and atomics', () => {
  const ro = { args: [BASE], regions: [{ name: 'ctx', base: BASE, bytes: Uint8Array.from(BYTES), writable: false }] };
  assert.equal(r0([ldx('b', 0, 1, 1), exit()], {}, ro), 0x77n);
  const e = fault(() => runProg([st('b', 1, 0, 1), exit()], {}, ro));
  assert.equal(e.kind, 'read-only');
  assert.match(e.message, /read-only region 'ctx'/);
  assert.equal(fault(() => runProg([mov64(2, 1), atomic('w', 1, 2, 0, 0x00), exit()], {}, ro)).kind, 'read-only');
});

test('overlapping or 4 GiB-crossing regions are rejected', () => {
  const vm = createVm([exit()]);
  const e = fault(() => run(vm, { regions: [{ name: 'a', base: BASE, bytes: new Uint8Array(16) }, { name: 'b', base: BASE + 8n, bytes: new Uint8Array(16) }] }));
  assert.equal(e.kind, 'bad-region');
  assert.equal(fault(() => run(vm, { regions: [{ name: 'c', base: 0xffff_fff0n, bytes: new Uint8Array(32) }] })).kind, 'bad-region');
});

test('atomic add/or/and/xor, fetch forms, xchg and cmpxchg (32 and 64 bit)', () => {
  const init = [...lddw(3, 0x00000001_0000000fn), stx('dw', 10, 3, -8)];
  // 64-bit add
  assert.equal(r0([...init, ...lddw(2, 0xffffffffn), atomic('dw', 10, 2, -8, 0x00), ldx('dw', 0, 10, -8), exit()]), 0x2_0000_000en);
  // 32-bit add touches only the low word
  assert.equal(r0([...init, mov64(2, -1), atomic('w', 10, 2, -8, 0x00), ldx('dw', 0, 10, -8), exit()]), 0x1_0000_000en);
  assert.equal(r0([...init, mov64(2, 0xf0), atomic('dw', 10, 2, -8, 0x40), ldx('dw', 0, 10, -8), exit()]), 0x1_0000_00ffn);
  assert.equal(r0([...init, mov64(2, 0x3), atomic('dw', 10, 2, -8, 0x50), ldx('dw', 0, 10, -8), exit()]), 0x3n);
  assert.equal(r0([...init, mov64(2, 0x1), atomic('w', 10, 2, -8, 0xa0), ldx('dw', 0, 10, -8), exit()]), 0x1_0000_000en);
  // fetch returns the old value in src (32-bit: zero-extended)
  assert.equal(r0([...init, mov64(2, 1), atomic('dw', 10, 2, -8, 0x01), movr(0, 2), exit()]), 0x1_0000_000fn);
  assert.equal(r0([...init, mov64(2, 1), atomic('w', 10, 2, -4, 0x41), movr(0, 2), exit()]), 1n);
  assert.equal(r0([...init, mov64(2, 1), atomic('dw', 10, 2, -8, 0x51), ldx('dw', 0, 10, -8), exit()]), 1n);
  assert.equal(r0([...init, mov64(2, -1), atomic('w', 10, 2, -8, 0xa1), ldx('dw', 0, 10, -8), alu('add', true, 0, 2), exit()]), 0x1_ffff_fff0n + 0xfn);
  // xchg
  assert.equal(r0([...init, mov64(2, 7), atomic('dw', 10, 2, -8, 0xe1), ldx('dw', 0, 10, -8), alu('add', true, 0, 2), exit()]), 7n + 0x1_0000_000fn);
  // cmpxchg: r0 compared, gets the old value; stores src only on match
  assert.equal(r0([...init, mov64(0, 5), mov64(2, 9), atomic('dw', 10, 2, -8, 0xf1), ldx('dw', 1, 10, -8), alu('add', true, 0, 1), exit()]), 2n * 0x1_0000_000fn);
  assert.equal(r0([...init, ...lddw(0, 0x1_0000_000fn), mov64(2, 9), atomic('dw', 10, 2, -8, 0xf1), ldx('dw', 0, 10, -8), exit()]), 9n);
  assert.equal(r0([...init, ...lddw(0, 0xabc_0000_000fn), mov64(2, 9), atomic('w', 10, 2, -8, 0xf1), ldx('dw', 1, 10, -8), alu('add', true, 0, 1), exit()]), 0xfn + 0x1_0000_0009n);
});

test('load-acquire and store-release of every size', () => {
  assert.equal(r0([insn(0xd3, 0, 1, 1, 0x100), exit()], {}, memOf(BYTES)), 0x77n); // B: dst = *(u8 *)(src + off)
  assert.equal(r0([insn(0xcb, 0, 1, 0, 0x100), exit()], {}, memOf(BYTES)), 0x7788n);
  assert.equal(r0([insn(0xc3, 0, 1, 4, 0x100), exit()], {}, memOf(BYTES)), 0x11223344n);
  assert.equal(r0([insn(0xdb, 0, 1, 0, 0x100), exit()], {}, memOf(BYTES)), 0x1122334455667788n);
  assert.equal(r0([mov64(2, -1), insn(0xd3, 1, 2, 0, 0x110), ldx('dw', 0, 1, 0), exit()], {}, memOf(BYTES)), 0x11223344556677ffn);
  assert.equal(r0([mov64(2, -1), insn(0xdb, 1, 2, 0, 0x110), ldx('dw', 0, 1, 0), exit()], {}, memOf(BYTES)), 0xffffffffffffffffn);
});

test('LD_ABS / LD_IND read big-endian from the packet and end the program with 0 when out of range', () => {
  const pkt = { args: [0n], regions: [{ name: 'pkt', base: BASE, bytes: Uint8Array.from([1, 2, 3, 4, 5, 6]) }], packetRegion: 'pkt' };
  assert.equal(r0([insn(0x20, 0, 0, 0, 2), exit()], {}, pkt), 0x03040506n);
  assert.equal(r0([insn(0x28, 0, 0, 0, 0), exit()], {}, pkt), 0x0102n);
  assert.equal(r0([insn(0x30, 0, 0, 0, 5), exit()], {}, pkt), 6n);
  assert.equal(r0([mov64(7, 1), insn(0x48, 0, 7, 0, 3), exit()], {}, pkt), 0x0506n);
  assert.equal(r0([mov64(0, 9), insn(0x20, 0, 0, 0, 3), mov64(0, 1), exit()], {}, pkt), 0n);
  assert.equal(runProg([mov64(0, 9), insn(0x20, 0, 0, 0, 3), mov64(0, 1), exit()], {}, pkt).insnsExecuted, 2);
  assert.equal(r0([mov64(7, -10), mov64(0, 9), insn(0x50, 0, 7, 0, 1), mov64(0, 1), exit()], {}, pkt), 0n);
  const e = fault(() => runProg([insn(0x30, 0, 0, 0, 0), exit()]));
  assert.equal(e.kind, 'out-of-bounds');
  assert.match(e.message, /without a packet region/);
});

test('helpers read and write program memory through the context', () => {
  const helpers = new Map([[1, (ctx: import('../../src/runtime').HelperContext, p: bigint, n: bigint) => {
    const b = ctx.mem.read(p, Number(n));
    b.reverse();
    ctx.mem.write(p, b);
    return BigInt(b[0]);
  }]]);
  assert.equal(r0([mov64(2, 8), insn(0x85, 0, 0, 0, 1), ldx('dw', 0, 1, 0), exit()], { helpers }, memOf(BYTES)), 0x8877665544332211n);
  const e = fault(() => runProg([mov64(2, 9), insn(0x85, 0, 0, 0, 1), exit()], { helpers }, memOf(BYTES)));
  assert.equal(e.kind, 'out-of-bounds');
  assert.equal(e.address, BASE);
});

test('bad run arguments are typed errors', () => {
  const vm = createVm([exit()]);
  const e = fault(() => run(vm, { args: [1 as unknown as bigint] }));
  assert.equal(e.kind, 'bad-argument');
  assert.match(e.message, /argument r1 is a number, not a bigint/);
  assert.equal(fault(() => run(vm, { args: [0n, 0n, 0n, 0n, 0n, 0n] })).kind, 'bad-argument');
  assert.equal(fault(() => run(vm, { regions: [{ name: 'x', base: 0n, bytes: [1, 2] as unknown as Uint8Array }] })).kind, 'bad-argument');
  assert.equal(fault(() => run(vm, { packetRegion: 'nope' })).kind, 'bad-region');
});

test('a region a helper unmaps is gone for the rest of the run', () => {
  const helpers = { 9: ((c: import('../../src/runtime').HelperContext) => BigInt(c.mem.unmap('mem'))) as import('../../src/runtime').HelperFn };
  const e = fault(() => runProg([ldx('b', 0, 1, 0), call9(), ldx('b', 0, 1, 0), exit()], { helpers }, memOf(BYTES)));
  assert.equal(e.kind, 'out-of-bounds');
  assert.equal(e.pc, 2);
});
