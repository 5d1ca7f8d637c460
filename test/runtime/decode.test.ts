// createVm's checks (invalid instructions, jump targets, ld_imm64 shape) and
// the run-time guards: instruction budget, falling off the end, may_goto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn, Insn } from '../../src/isa/insn';
import { BpfRuntimeError, BpfRuntimeErrorKind, createVm, run } from '../../src/runtime';
import { mov64, exit, ja, jmp, alu, r0, runProg, lddw } from './util';

function fault(fn: () => unknown): BpfRuntimeError {
  try { fn(); } catch (e) {
    assert.ok(e instanceof BpfRuntimeError, `expected BpfRuntimeError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a BpfRuntimeError');
}

const rejected: [string, Insn[], BpfRuntimeErrorKind, number, RegExp][] = [
  ['unknown opcode', [insn(0xff), exit()], 'invalid-insn', 0, /invalid instruction 0xff/],
  ['BPF_LD W IMM', [mov64(0, 0), insn(0x00), exit()], 'invalid-insn', 1, /unknown opcode/],
  ['register 11', [insn(0xb7, 11, 0, 0, 1), exit()], 'invalid-insn', 0, /r11 does not exist/],
  ['write to r10', [insn(0xb7, 10, 0, 0, 1), exit()], 'invalid-insn', 0, /frame pointer r10 is read-only/],
  ['byte swap width 8', [insn(0xd4, 0, 0, 0, 8), exit()], 'invalid-insn', 0, /byte swap width 8/],
  ['division offset 2', [insn(0x3f, 0, 1, 2, 0), exit()], 'invalid-insn', 0, /division offset 2/],
  ['movsx width 4', [insn(0xbf, 0, 1, 4, 0), exit()], 'invalid-insn', 0, /sign-extension width 4/],
  ['neg with X', [insn(0x8f, 0, 1), exit()], 'invalid-insn', 0, /BPF_NEG uses reserved fields/],
  ['atomic op 0x10', [insn(0xdb, 10, 1, -8, 0x10), exit()], 'invalid-insn', 0, /unknown atomic operation 0x10/],
  ['atomic add on a byte', [insn(0xd3, 10, 1, -8, 0x00), exit()], 'invalid-insn', 0, /32 or 64-bit/],
  ['call kind 3', [insn(0x85, 0, 3, 0, 1), exit()], 'invalid-insn', 0, /unknown call kind/],
  ['ld_imm64 at the end', [exit(), insn(0x18, 0, 0, 0, 1)], 'invalid-insn', 1, /without its second slot/],
  ['bad ld_imm64 second slot', [insn(0x18, 0, 0, 0, 1), insn(0x07), exit()], 'invalid-insn', 0, /invalid bpf_ld_imm64 insn/],
  ['jump past the end', [ja(5), exit()], 'bad-jump', 0, /jump target 6 is outside the program/],
  ['jump before the start', [jmp('jeq', true, 0, { imm: 0 }, -2), exit()], 'bad-jump', 0, /jump target -1/],
  ['jump into ld_imm64', [ja(1), ...lddw(0, 1n), exit()], 'bad-jump', 0, /second slot of an ld_imm64/],
  ['call past the end', [insn(0x85, 0, 1, 0, 10), exit()], 'bad-jump', 0, /outside the program/],
];

for (const [name, prog, kind, pc, msg] of rejected) {
  test(`createVm rejects ${name}`, () => {
    const e = fault(() => createVm(prog));
    assert.equal(e.kind, kind);
    assert.equal(e.pc, pc);
    assert.match(e.message, msg);
  });
}

test('createVm rejects an exception callback pc that is not an instruction', () => {
  const e = fault(() => createVm([exit()], { exceptionCallbackPc: 3 }));
  assert.equal(e.kind, 'bad-jump');
});

test('falling off the end is a pc-out-of-range error', () => {
  const e = fault(() => runProg([mov64(0, 1)]));
  assert.equal(e.kind, 'pc-out-of-range');
  assert.equal(e.pc, 1);
  assert.match(e.message, /fell off the end/);
});

test('an infinite loop ends with budget-exhausted after exactly the budget', () => {
  const vm = createVm([mov64(0, 0), alu('add', true, 0, { imm: 1 }), ja(-2)], { budget: 1000 });
  const e = fault(() => run(vm));
  assert.equal(e.kind, 'budget-exhausted');
  assert.match(e.message, /instruction budget of 1000 exhausted/);
  // a per-run budget overrides the VM's
  assert.match(fault(() => run(vm, { budget: 10 })).message, /budget of 10 exhausted/);
});

test('insnsExecuted counts every executed instruction (ld_imm64 counts once)', () => {
  const r = runProg([mov64(0, 0), mov64(1, 3), alu('add', true, 0, { imm: 1 }), alu('sub', true, 1, { imm: 1 }), jmp('jne', true, 1, { imm: 0 }, -3), ...lddw(2, 1n), exit()]);
  assert.equal(r.retval, 3n);
  assert.equal(r.insnsExecuted, 2 + 3 * 3 + 1 + 1);
  assert.equal(runProg([exit()], { budget: 1 }).insnsExecuted, 1);
  assert.equal(fault(() => runProg([mov64(0, 1), exit()], { budget: 1 })).pc, 1);
});

test('may_goto falls through while the loop budget lasts, then jumps', () => {
  // r0 counts iterations of a may_goto-bounded infinite loop
  const prog = [mov64(0, 0), insn(0xe5, 0, 0, 2, 0), alu('add', true, 0, { imm: 1 }), ja(-3), exit()];
  assert.equal(r0(prog, { mayGotoBudget: 5, budget: 1000 }), 5n);
  assert.equal(r0(prog, { mayGotoBudget: 0 }), 0n);
});

// Dead code (VmOptions.reached, from the verifier): the kernel removes what its walk never
// reached, so an invalid encoding there is no error; without `reached` it still is.
for (const [name, prog, kind, pc, msg] of rejected.filter(([, p, k, at]) => k === 'invalid-insn' && p[at].code !== 0x18)) {
  test(`createVm skips ${name} where the verifier did not reach it`, () => {
    // r0 = 7; if r0 == 7 goto over the instruction; the instruction; exit
    const dead = [mov64(0, 7), jmp('jeq', true, 0, { imm: 7 }, 1), prog[pc], exit()];
    const e = fault(() => createVm(dead));
    assert.equal(e.kind, kind);
    assert.equal(e.pc, 2);
    assert.match(e.message, msg);
    assert.equal(run(createVm(dead, { reached: Uint8Array.of(1, 1, 0, 1) })).retval, 7n);
  });
}

test('an unreached ld_imm64 is skipped whole, its second slot included', () => {
  const dead = [mov64(0, 7), jmp('jeq', true, 0, { imm: 7 }, 2), insn(0x18, 0, 0, 0, 1), insn(0x07), exit()];
  assert.equal(fault(() => createVm(dead)).kind, 'invalid-insn');
  assert.equal(run(createVm(dead, { reached: Uint8Array.of(1, 1, 0, 0, 1) })).retval, 7n);
});

test('reaching an instruction the verifier said was dead is a dead-code error', () => {
  // the verifier model wrong about a branch: r0 = 1, and the "dead" fall-through runs
  const prog = [mov64(0, 1), jmp('jeq', true, 0, { imm: 7 }, 1), insn(0xbf, 0, 1, 4, 0), exit()];
  const e = fault(() => run(createVm(prog, { reached: Uint8Array.of(1, 1, 0, 1) })));
  assert.equal(e.kind, 'dead-code');
  assert.equal(e.pc, 2);
  assert.match(e.message, /the verifier never reached/);
  // one entry per instruction
  assert.equal(fault(() => createVm([exit()], { reached: Uint8Array.of(1, 1) })).kind, 'bad-argument');
});
