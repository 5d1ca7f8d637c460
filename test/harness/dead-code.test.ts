// Dead code on the runtimes as on the kernel: an instruction the verifier's walk never
// reaches (behind a branch whose outcome it knows) is removed before the program runs
// (opt_remove_dead_code), so an invalid encoding or a bpf_throw there changes nothing.
// Each program runs on the interpreter, the JIT and the live kernel (the last two skip
// when unavailable), and createVm without the verifier's `reached` still refuses it.
// The first two are the kinds of runtime disagreement the differential fuzzer found (docs/fuzzing.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Insn, insn } from '../../src/isa/insn';
import { getEngine } from '../../src/harness/engines';
import { ProgramUnderTest } from '../../src/harness/engine';
import { hostFacts, kfuncId } from '../../src/kernel/host';
import { nativeAvailable } from '../../src/harness/native-run';
import { kernelAvailable } from '../../src/kernel';
import { BpfRuntimeError, createVm } from '../../src/runtime';
import { verify } from '../../src/verifier';
import { verifierInputFor } from '../../src/harness/engines/verifier';
import { mov64, exit, jmp, callLocal, kfuncCall, alu } from '../runtime/util';

const host = hostFacts({ probe: kernelAvailable().ok });
const kernel = kernelAvailable();
const native = nativeAvailable();

/** r0 = 7; if r0 == 7 goto +n: the n instructions after it are dead (the verifier knows r0). */
const over = (n: number): Insn[] => [mov64(0, 7), jmp('jeq', true, 0, { imm: 7 }, n)];

interface Case { name: string; insns: (throwId: number) => Insn[]; retval: bigint; dead: number[] }

const CASES: Case[] = [
  { name: 'movsx of width 1', insns: () => [...over(1), insn(0xbf, 0, 1, 1, 0), exit()], retval: 7n, dead: [2] },
  { name: 'mov of an immediate with off 8 (a reserved field)', insns: () => [...over(1), insn(0xb7, 0, 0, 8, 1), exit()], retval: 7n, dead: [2] },
  { name: 'movsx32 of width 7', insns: () => [...over(1), insn(0xbc, 1, 2, 7, 0), exit()], retval: 7n, dead: [2] },
  { name: 'signed division with off 2', insns: () => [...over(1), insn(0x3f, 1, 2, 2, 0), exit()], retval: 7n, dead: [2] },
  { name: 'byte swap of width 8', insns: () => [...over(1), insn(0xd7, 1, 0, 0, 8), exit()], retval: 7n, dead: [2] },
  { name: 'register r11', insns: () => [...over(2), insn(0xb7, 11, 0, 0, 1), insn(0xbf, 1, 11, 0, 0), exit()], retval: 7n, dead: [2, 3] },
  { name: 'unknown atomic operation', insns: () => [...over(1), insn(0xdb, 10, 1, -8, 0x77), exit()], retval: 7n, dead: [2] },
  {
    // a subprogram only a dead call reaches: removed whole; its stack depth still counts in the JIT's split
    name: 'a subprogram only dead code calls',
    insns: () => [...over(1), callLocal(1), exit(), insn(0xbf, 0, 1, 1, 0), mov64(0, 9), exit()],
    retval: 7n, dead: [2, 4, 5, 6],
  },
  {
    // a live subprogram with dead code of its own
    name: 'dead code in a called subprogram',
    insns: () => [...over(1), insn(0xbf, 0, 1, 1, 0), callLocal(1), exit(), mov64(0, 0), jmp('jeq', true, 0, { imm: 0 }, 1), insn(0xd7, 1, 0, 0, 8), alu('add', true, 0, { imm: 9 }), exit()],
    retval: 9n, dead: [2, 7],
  },
  {
    // a bpf_throw only in dead code: no hidden exception callback, nothing thrown
    name: 'a dead bpf_throw next to an invalid encoding',
    insns: (throwId) => [...over(3), mov64(1, 1), kfuncCall(throwId), insn(0xbf, 0, 1, 1, 0), exit()],
    retval: 7n, dead: [2, 3, 4],
  },
];

const program = (c: Case): ProgramUnderTest => {
  const throwId = kfuncId(host, 'bpf_throw') ?? 0;
  return { name: 'dead', insns: c.insns(throwId), progType: 'socket_filter', license: 'GPL', kfuncs: new Map([[throwId, 'bpf_throw']]) };
};

for (const c of CASES) {
  test(`dead code: ${c.name}: the verifier reaches all but the dead instructions`, () => {
    const p = program(c);
    const v = verify(verifierInputFor(p, host.profile, 0));
    assert.equal(v.verdict, 'accept', v.log);
    const dead = [...v.reached!.keys()].filter((i) => !v.reached![i]);
    assert.deepEqual(dead, c.dead);
    assert.equal(v.hiddenExceptionCallback, false);
  });

  test(`dead code: ${c.name}: createVm without the verifier still refuses it`, () => {
    assert.throws(() => createVm(program(c).insns), (e: unknown) => e instanceof BpfRuntimeError && e.kind === 'invalid-insn' && c.dead.includes(e.pc));
  });

  for (const engine of ['interp', 'jit', 'kernel'] as const) {
    const skip = engine === 'kernel' && !kernel.ok ? kernel.reason : engine === 'jit' && !native.ok ? native.reason : false;
    test(`dead code: ${c.name}: the ${engine} engine runs it`, { skip: skip || (c.name.includes('bpf_throw') && kfuncId(host, 'bpf_throw') === undefined ? 'no bpf_throw in the BTF' : false) }, async () => {
      const r = await getEngine(engine, host).run(program(c), { packet: new Uint8Array(64) });
      assert.equal(r.error, null);
      // BPF_PROG_TEST_RUN reports 32 bits of r0
      assert.equal(r.retval, c.retval);
    });
  }
}
