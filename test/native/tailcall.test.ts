// bpf_tail_call with the kernel's tail-call counter on both runtimes: a
// program that counts its runs in an array map and tail-calls itself (slot 0
// of a prog array) runs 1 + MAX_TAIL_CALL_CNT times, then goes on after the
// call; an empty slot or an index past max_entries goes on at once. Native
// code runs the JIT's tail-call sequence against a struct bpf_array stand-in;
// the interpreter replaces the program when the helper says so (TailCall).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn, Insn, ldImm64 } from '../../src/isa/insn';
import { loadNativeProgram, nativeAvailable } from '../../src/harness/native-run';
import { createVm, run, createMapSet, MapSpec, TailCall, RunResult } from '../../src/runtime';
import { MAX_TAIL_CALL_CNT } from '../../src/jit';
import { ProgramUnderTest } from '../../src/harness/engine';

/** counters[0] += 1; tail_call(r1, jumps, slot); return 1000 + slot. */
function counting(slot: number): Insn[] {
  return [
    insn(0xbf, 6, 1, 0, 0),
    insn(0x62, 10, 0, -4, 0), ...ldImm64(1, 0n, 1), insn(0xbf, 2, 10, 0, 0), insn(0x07, 2, 0, 0, -4),
    insn(0x85, 0, 0, 0, 1), insn(0x15, 0, 0, 8, 0),                         // r0 = lookup(counters, 0); if !r0 goto out
    insn(0x79, 1, 0, 0, 0), insn(0x07, 1, 0, 0, 1), insn(0x7b, 0, 1, 0, 0), // (*r0)++
    insn(0xbf, 1, 6, 0, 0), ...ldImm64(2, 1n, 1), insn(0xb7, 3, 0, 0, slot), insn(0x85, 0, 0, 0, 12), // tail_call(r1, jumps, slot)
    insn(0xb7, 0, 0, 0, 1000 + slot), insn(0x95),
  ];
}
const maps = (name: string): MapSpec[] => [
  { name: 'counters', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 },
  { name: 'jumps', type: 'prog_array', keySize: 4, valueSize: 4, maxEntries: 4, programs: [{ slot: 0, prog: name }] },
];
const prog = (name: string, insns: Insn[]): ProgramUnderTest => ({ name, insns, progType: 'socket_filter', license: 'GPL' });

/** The interpreter: run, and run the program again in place of itself for each TailCall. */
function interp(insns: Insn[], name: string): { ret: bigint; count: bigint } {
  const set = createMapSet(maps(name));
  const vm = createVm(insns, { helpers: set.helpers, resolveLdImm64: set.resolveLdImm64 });
  let r: RunResult | undefined;
  let args: bigint[] = [0n];
  while (!r) {
    try { r = run(vm, { args, regions: set.regions() }); } catch (e) {
      if (!(e instanceof TailCall)) throw e;
      assert.equal(e.target, name);
      args = [e.ctx];
    }
  }
  return { ret: r.retval, count: new DataView(set.maps[0].values.buffer, set.maps[0].values.byteOffset).getBigUint64(0, true) };
}

test('a self tail call runs 1 + MAX_TAIL_CALL_CNT times on the interpreter and in native code', (t) => {
  const cases: [number, bigint, bigint][] = [[0, 1000n, BigInt(1 + MAX_TAIL_CALL_CNT)], [2, 1002n, 1n], [9, 1009n, 1n]]; // slot 0, an empty slot, past max_entries
  for (const [slot, ret, count] of cases) {
    const i = interp(counting(slot), 'self');
    assert.deepEqual(i, { ret, count }, `interpreter, slot ${slot}`);
  }
  const a = nativeAvailable();
  if (!a.ok) { t.skip(`native execution is not available: ${a.reason}`); return; }
  for (const [slot, ret, count] of cases) {
    const n = loadNativeProgram(prog('self', counting(slot)), { unverified: true, maps: maps('self') });
    try {
      assert.equal(n.run(0n, 0n), ret, `native, slot ${slot}`);
      const c = n.maps!.maps[0].values;
      assert.equal(new DataView(c.buffer, c.byteOffset).getBigUint64(0, true), count, `native count, slot ${slot}`);
      // The counter starts again with every run (the loop in native code: each run enters at the top)
      assert.equal(n.run(0n, 0n, 10), ret);
      assert.equal(new DataView(c.buffer, c.byteOffset).getBigUint64(0, true), count * 11n);
    } finally {
      n.close();
    }
  }
});

test('the interpreter refuses a tail call from a subprogram (the JIT returns to its caller; not modelled)', () => {
  // main: call sub; exit. sub: tail_call(r1, jumps, 0); r0 = 5; exit
  const insns = [insn(0x85, 0, 1, 0, 1), insn(0x95), ...ldImm64(2, 1n, 1), insn(0xb7, 3, 0, 0, 0), insn(0x85, 0, 0, 0, 12), insn(0xb7, 0, 0, 0, 5), insn(0x95)];
  const set = createMapSet(maps('sub'));
  const vm = createVm(insns, { helpers: set.helpers, resolveLdImm64: set.resolveLdImm64 });
  assert.throws(() => run(vm, { args: [0n] }), /a tail call from a subprogram is not modelled by the interpreter/);
});
