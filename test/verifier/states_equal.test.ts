// states_equal's rules as table tests (kernel/bpf/verifier.c regsafe, stacksafe,
// refsafe, check_ids): an explored state `old` prunes the current one when old
// being safe implies cur is. Each row says what the kernel's rule decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { regsafe, statesEqual, newIdMap, ExactLevel, MissHint } from '../../src/verifier/states_equal';
import { RegState, VState, newFuncState, scalarReg, ptrReg, notInit, StackSlot, SlotType } from '../../src/verifier/state';
import { scalarConst, scalarUnknown, scalarOf } from '../../src/verifier/scalar/scalar';

const range = (lo: bigint, hi: bigint, precise = false): RegState =>
  scalarReg(scalarOf({ umin: lo, umax: hi, smin: lo, smax: hi, u32min: lo, u32max: hi, s32min: lo, s32max: hi, precise }));
const k = (v: bigint, precise = false): RegState => scalarReg(scalarConst(v, precise));
const pkt = (r: number, off = 0): RegState => ({ ...ptrReg('ctx', {}, { off }), type: 'pkt', range: r });

const rows: [string, RegState, RegState, ExactLevel, boolean][] = [
  ['an imprecise scalar matches any scalar', k(1n), k(2n), 'not_exact', true],
  ['a precise scalar needs the same value', k(1n, true), k(2n), 'not_exact', false],
  ['a precise range contains a narrower one', range(0n, 10n, true), range(2n, 5n), 'not_exact', true],
  ['a precise range does not contain a wider one', range(2n, 5n, true), range(0n, 10n), 'not_exact', false],
  ['RANGE_WITHIN checks imprecise scalars too', range(2n, 5n), range(0n, 10n), 'range_within', false],
  ['RANGE_WITHIN: contained', range(0n, 10n), range(2n, 5n), 'range_within', true],
  ['EXACT: same constant', k(3n), k(3n, true), 'exact', true],
  ['EXACT: different ranges', range(0n, 10n), range(2n, 5n), 'exact', false],
  ['an unused old register matches anything', notInit(), k(7n), 'not_exact', true],
  ['RANGE_WITHIN: an unset old register needs an unset one', notInit(), k(7n), 'range_within', false],
  ['a scalar is not a pointer', k(0n), pkt(8), 'not_exact', false],
  ['a packet pointer with more proven range is safe', pkt(8), pkt(14), 'not_exact', true],
  ['a packet pointer with less proven range is not', pkt(14), pkt(8), 'not_exact', false],
  ['packet pointers at other offsets differ', pkt(14, 2), pkt(14, 0), 'not_exact', false],
];

for (const [name, o, c, exact, want] of rows) {
  test(`regsafe: ${name}`, () => assert.equal(regsafe(o, c, newIdMap(100), exact, false), want));
}

test('regsafe: scalar ids must map one to one (check_scalar_ids)', () => {
  const id = (n: number, precise = true): RegState => scalarReg({ ...scalarUnknown(), id: n, precise });
  const m = newIdMap(100);
  assert.equal(regsafe(id(1), id(5), m, 'not_exact', false), true);
  assert.equal(regsafe(id(1), id(5), m, 'not_exact', false), true);
  assert.equal(regsafe(id(2), id(5), m, 'not_exact', false), false, 'cur id 5 is already old id 1');
});

const slot = (types: SlotType[], spilled: RegState | null = null): StackSlot => ({ types, spilled });
const stateWith = (regs: Record<number, RegState>, stack: StackSlot[] = []): VState => {
  const f = newFuncState(0, 0, -1);
  for (const [i, r] of Object.entries(regs)) f.regs[Number(i)] = r;
  f.stack = stack;
  return { frames: [f], curframe: 0, refs: [] };
};
const ALL_LIVE = new Array(8).fill(0x7ff);
const ctx = { liveRegs: ALL_LIVE, idGen: 100, privileged: true };
const M: SlotType[] = ['m', 'm', 'm', 'm', 'm', 'm', 'm', 'm'];
const Z: SlotType[] = ['0', '0', '0', '0', '0', '0', '0', '0'];
const R: SlotType[] = ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'];
const U: SlotType[] = ['?', '?', '?', '?', '?', '?', '?', '?'];

test('stacksafe: misc in the old stack covers zeros; zeros do not cover misc without a spill', () => {
  assert.equal(statesEqual(ctx, stateWith({}, [slot(M)]), stateWith({}, [slot(Z)]), 0, 'not_exact'), true);
  assert.equal(statesEqual(ctx, stateWith({}, [slot(Z)]), stateWith({}, [slot(M)]), 0, 'not_exact'), false);
});

test('stacksafe: an unused old slot covers anything, a used one needs the current stack to have it', () => {
  assert.equal(statesEqual(ctx, stateWith({}, [slot(U)]), stateWith({}, []), 0, 'not_exact'), true);
  assert.equal(statesEqual(ctx, stateWith({}, [slot(Z)]), stateWith({}, []), 0, 'not_exact'), false);
});

test('stacksafe: spilled scalars compare as registers; a precise spill needs a contained value', () => {
  const old = stateWith({}, [slot(R, k(4n, true))]);
  assert.equal(statesEqual(ctx, old, stateWith({}, [slot(R, k(4n))]), 0, 'not_exact'), true);
  assert.equal(statesEqual(ctx, old, stateWith({}, [slot(R, k(5n))]), 0, 'not_exact'), false);
});

test('func_states_equal: only registers live at the instruction are compared', () => {
  const old = stateWith({ 6: k(1n, true) }), cur = stateWith({ 6: k(2n) });
  assert.equal(statesEqual(ctx, old, cur, 0, 'not_exact'), false);
  assert.equal(statesEqual({ ...ctx, liveRegs: [1 << 1] }, old, cur, 0, 'not_exact'), true);
});

test('refsafe: the same references in the same order', () => {
  const a = stateWith({}), b = stateWith({});
  a.refs = [{ kind: 'ptr', id: 3, insnIdx: 1 }];
  assert.equal(statesEqual(ctx, a, b, 0, 'not_exact'), false);
  b.refs = [{ kind: 'ptr', id: 9, insnIdx: 4 }];
  assert.equal(statesEqual(ctx, a, b, 0, 'not_exact'), true);
});

test('states_equal with a miss hint: the register that differed is remembered and the answers do not change', () => {
  const old = stateWith({ 2: k(1n), 6: k(1n, true), 7: k(4n, true) });
  const rows: [VState, boolean][] = [
    [stateWith({ 2: k(9n), 6: k(1n), 7: k(5n) }), false],
    [stateWith({ 2: k(9n), 6: k(2n), 7: k(4n) }), false],
    [stateWith({ 2: k(9n), 6: k(1n), 7: k(4n) }), true],
    [stateWith({ 2: k(0n), 6: k(1n, true), 7: k(4n) }), true],
  ];
  const miss: MissHint = { missAt: -1, missReg: null };
  for (const [cur, want] of rows) assert.equal(statesEqual(ctx, old, cur, 0, 'not_exact', miss), want);
  assert.equal(miss.missAt, 6, 'r6 differed last');
  // a register no longer live at the instruction is not tested first
  assert.equal(statesEqual({ ...ctx, liveRegs: [1 << 7] }, old, stateWith({ 2: k(0n), 6: k(3n), 7: k(4n) }), 0, 'not_exact', miss), true);
  // ids paired before the hinted register still have to map one to one
  const id = (n: number): RegState => scalarReg({ ...scalarUnknown(), id: n, precise: true });
  const idOld = stateWith({ 1: id(1), 2: id(1) }), idMiss: MissHint = { missAt: 2, missReg: idOld.frames[0].regs[2] };
  assert.equal(statesEqual(ctx, idOld, stateWith({ 1: id(5), 2: id(6) }), 0, 'not_exact', idMiss), false);
  assert.equal(statesEqual(ctx, idOld, stateWith({ 1: id(5), 2: id(5) }), 0, 'not_exact', idMiss), true);
});

test('states_equal with a miss hint: the kept register is the one found; its precise copy put there since changes no answer', () => {
  const old = stateWith({ 6: k(1n, true), 7: k(4n) });
  const miss: MissHint = { missAt: -1, missReg: null };
  // a loop's comparison (ranges) finds r7 different, imprecise as it is
  assert.equal(statesEqual(ctx, old, stateWith({ 6: k(1n), 7: k(5n) }), 0, 'range_within', miss), false);
  assert.equal(miss.missAt, 7);
  assert.equal(miss.missReg, old.frames[0].regs[7], 'the explored register is kept');
  // a precision mark puts r7's precise copy in the explored state: the kept imprecise one does not decide
  old.frames[0].regs[7] = k(4n, true);
  assert.equal(statesEqual(ctx, old, stateWith({ 6: k(1n), 7: k(5n) }), 0, 'not_exact', miss), false);
  assert.equal(miss.missReg, old.frames[0].regs[7], 'the full comparison keeps the precise one');
  assert.equal(statesEqual(ctx, old, stateWith({ 6: k(1n), 7: k(4n) }), 0, 'not_exact', miss), true);
  assert.equal(statesEqual(ctx, old, stateWith({ 6: k(1n), 7: k(6n) }), 0, 'not_exact', miss), false);
});

test('states_equal with a miss hint at a stack slot: the slot is tested first, the answers do not change', () => {
  const old = stateWith({}, [slot(M), slot(R, k(5n, true))]);
  const miss: MissHint = { missAt: -1, missReg: null };
  assert.equal(statesEqual(ctx, old, stateWith({}, [slot(M), slot(R, k(6n))]), 0, 'not_exact', miss), false);
  assert.equal(statesEqual(ctx, old, stateWith({}, [slot(Z), slot(R, k(7n))]), 0, 'not_exact', miss), false);
  assert.equal(statesEqual(ctx, old, stateWith({}, [slot(Z), slot(R, k(5n))]), 0, 'not_exact', miss), true);
  // privileged: old misc bytes cover uninitialised ones
  assert.equal(statesEqual(ctx, old, stateWith({}, [slot(U), slot(R, k(5n))]), 0, 'not_exact', miss), true);
  assert.equal(statesEqual({ ...ctx, privileged: false }, old, stateWith({}, [slot(U), slot(R, k(5n, true))]), 0, 'not_exact', miss), false);
  assert.equal(statesEqual(ctx, old, stateWith({}, [slot(M), slot(R, k(5n))]), 0, 'not_exact', miss), true);
});
