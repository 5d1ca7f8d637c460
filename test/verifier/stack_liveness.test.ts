// The stack liveness instances of 6.18 (kernel/bpf/liveness.c) as stack_liveness.ts keeps
// them: one instance per call chain (found again through the trie of call sites, whatever
// the number of children of a node), and must_write as the intersection over the visits
// of an instruction (a visit that writes nothing clears it, later writes do not bring it
// back), with the shortcut for instructions that never wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble } from '../../src/isa';
import {
  newLiveness, setCurrentOf, resetWrites, stackWrite, stackRead, commitWrites, updateLiveStack, stackAliveMask,
  Liveness, LivenessCtx, Callchain,
} from '../../src/verifier/stack_liveness';

const ctxOf = (text: string, ends: number[]): LivenessCtx => {
  const insns = assemble(text);
  return {
    insns, prunePoints: new Set(), logLines: false, successors: [], log: () => undefined,
    subprogEnd: (start) => ends.find((e) => e > start) ?? insns.length,
  };
};

test('one instance per call chain, through nodes with one, two or more children', () => {
  // six one-instruction subprogs
  const ctx = ctxOf('exit\n'.repeat(6), [1, 2, 3, 4, 5]);
  const lv = newLiveness();
  const subprogs = Array.from({ length: 6 }, (_, i) => ({ start: i }));
  const chain = (sites: number[], subprogno: number[]): { subprogno: number; callsite: number }[] =>
    subprogno.map((s, i) => ({ subprogno: s, callsite: i === 0 ? -1 : sites[i - 1] }));
  const get = (sites: number[], sp: number[]): NonNullable<Liveness['cur']> => {
    setCurrentOf(lv, ctx, chain(sites, sp), sp.length - 1, subprogs);
    return lv.cur!;
  };
  // main calls from four call sites (two inline children, then the Map), two subprogs from one site (callbacks)
  const made = [get([], [0]), get([10], [0, 1]), get([11], [0, 2]), get([12], [0, 3]), get([13], [0, 4]),
    get([13], [0, 5]), get([10, 20], [0, 1, 2]), get([10, 21], [0, 1, 3]), get([10, 22], [0, 1, 4])];
  assert.equal(new Set(made).size, made.length);
  const again = [get([], [0]), get([10], [0, 1]), get([11], [0, 2]), get([12], [0, 3]), get([13], [0, 4]),
    get([13], [0, 5]), get([10, 20], [0, 1, 2]), get([10, 21], [0, 1, 3]), get([10, 22], [0, 1, 4])];
  again.forEach((inst, i) => assert.equal(inst, made[i]));
  assert.deepEqual(made[7].cc, { callsites: [10, 21, 3], spStarts: [0, 1, 3], curframe: 2 });
});

test('must_write is the intersection over the visits of an instruction', () => {
  // 0: fp-8 written, 1: fp-8 read, 2: exit
  const ctx = ctxOf('*(u64 *)(r10 - 8) = 0\nr0 = *(u64 *)(r10 - 8)\nexit\n', [3]);
  const lv = newLiveness();
  const frames = [{ subprogno: 0, callsite: -1 }];
  const cc: Callchain = { callsites: [0], spStarts: [0], curframe: 0 };
  const visit = (writesAt0: boolean): void => {
    setCurrentOf(lv, ctx, frames, 0, [{ start: 0 }]);
    resetWrites(lv, 0);
    if (writesAt0) stackWrite(lv, 0, 0);
    commitWrites(lv);
    resetWrites(lv, 1);
    stackRead(lv, 0, 1, 0);
    commitWrites(lv);
    resetWrites(lv, 2);
    commitWrites(lv);
    updateLiveStack(lv, ctx, [cc]);
  };
  const alive = (idx: number): bigint => {
    const out = { lo: 0, hi: 0 };
    stackAliveMask(lv, ctx, frames, [{ start: 0 }], idx, 0, new Set(), out);
    return (BigInt(out.hi >>> 0) << 32n) | BigInt(out.lo >>> 0);
  };
  visit(true);
  assert.equal(alive(1), 1n);
  assert.equal(alive(0), 0n, 'written before it is read');
  visit(true);
  assert.equal(alive(0), 0n);
  visit(false);
  assert.equal(alive(0), 1n, 'a visit without the write clears must_write');
  visit(true);
  assert.equal(alive(0), 1n, 'and a later write does not bring it back');
  assert.equal(alive(2), 0n);
});
