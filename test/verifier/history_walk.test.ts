// The backtracking walk over the sparse jump history (get_prev_insn_idx): the kernel's
// jmp_history has entries only at jump points, stack accesses and linked registers,
// and the model's history adds one where an instruction was reached from elsewhere than
// the one before it and at the first instruction after a checkpoint; the walk steps
// back one instruction between entries. Each program runs on the model and, in the same
// test, on the live kernel at log level 2 (every `mark_precise:` line the same): an
// ld_imm64 between a scalar and its use (the walk does not stop on its second slot), a
// scalar forked by maybe_fork_scalars (the re-run instruction walked once, or twice at a
// jump point, as the kernel's history has it), a loop walked back through its
// iterations, and calls (a static subprogram, a callback) left and entered backwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from '../../src/verifier';
import { PROG_TYPES } from '../../src/verifier/types';
import { assemble } from '../../src/isa';
import { kernelAvailable } from '../../src/kernel';
import { SweepCase, modelTally, kernelDisagreements } from './sweep';

const HEAD = 'r9 = r1\nr6 = *(u32 *)(r9 + 0)\nr6 &= 7\n';
/** r6 precise: a branch it always decides. */
const NEED = 'if r6 > 7 goto +1\nr0 = 0\nr0 = 0\nexit\n';
/** r6 in [-1, 0]: `r6 &= 4` forks it (maybe_fork_scalars). */
const MINUS_ONE_OR_ZERO = 'r9 = r1\nr6 = *(u32 *)(r9 + 0)\nr6 &= 1\nr6 = -r6\nr7 = *(u32 *)(r9 + 4)\n';

const CASES: SweepCase[] = [
  { name: 'an ld_imm64 between the scalar and its use', asm: `${HEAD}r1 = 0x123456789 ll\nr1 += r6\n${NEED}` },
  { name: 'two ld_imm64 in a row', asm: `${HEAD}r1 = 0x1 ll\nr2 = 0x2 ll\n${NEED}` },
  { name: 'a forked scalar', asm: `${MINUS_ONE_OR_ZERO}r6 &= 4\n${NEED}` },
  { name: 'a forked scalar at a jump point', asm: `${MINUS_ONE_OR_ZERO}if r7 > 5 goto +0\nr6 &= 4\n${NEED}` },
  { name: 'a forked scalar after an ld_imm64', asm: `${MINUS_ONE_OR_ZERO}r1 = 0x1 ll\nr6 &= 4\n${NEED}` },
  { name: 'a loop walked back', asm: `${HEAD}r7 = 0\nloop:\nr7 += 1\nr6 += 0\nif r7 < 3 goto loop\n${NEED}` },
  { name: 'a loop on r6 itself', asm: `${HEAD}r7 = 0\nloop:\nr7 += 1\nif r7 < 4 goto loop\nr6 += r7\nr6 &= 7\n${NEED}` },
  { name: 'a static subprogram on the way', asm: `${HEAD}r1 = r6\ncall sub\nr6 = r0\n${NEED}sub:\nr0 = r1\nexit\n` },
  { name: 'a jump over a spill', asm: `${HEAD}*(u64 *)(r10 - 8) = r6\nr7 = *(u32 *)(r9 + 4)\nif r7 > 3 goto +1\nr7 = 0\nr6 = *(u64 *)(r10 - 8)\n${NEED}` },
].map((c) => ({ ...c, progType: PROG_TYPES.socket_filter }));

test('history walk: the model accepts every program', () => {
  assert.deepEqual(modelTally(CASES), { accepted: CASES.length, rejected: {}, notModelled: [] });
});

const level2 = (name: string): string => verify({ insns: assemble(CASES.find((c) => c.name === name)!.asm!), progType: PROG_TYPES.socket_filter, logLevel: 2 }).log;

test('history walk: an ld_imm64 is walked once, at its first slot', () => {
  const log = level2('an ld_imm64 between the scalar and its use');
  assert.match(log, /^mark_precise: frame0: regs=r6 stack= before 3: \(18\) r1 = 0x123456789$/m);
  assert.doesNotMatch(log, /before 4:/);
});

test('history walk: a forked instruction run again is walked once, twice at a jump point', () => {
  const once = level2('a forked scalar').split('\n').filter((l) => /^mark_precise: .* before 5: \(57\)/.test(l));
  const twice = level2('a forked scalar at a jump point').split('\n').filter((l) => /^mark_precise: .* before 6: \(57\)/.test(l));
  assert.ok(once.length > 0 && twice.length > once.length, `${once.length} and ${twice.length} lines`);
});

const k = kernelAvailable();
test('history walk: the model and the kernel give the same level-2 log', { skip: k.ok ? false : k.reason }, () => {
  assert.deepEqual(kernelDisagreements(CASES, 2), []);
});
