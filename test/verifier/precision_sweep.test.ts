// Precision tracking (mark_chain_precision, backtrack_insn through every kind of
// instruction, bt_sync_linked_regs, precision across parent states and subprogram
// frames), swept: a scalar 0..7 in r6 goes through two of sixteen steps (moves in 64
// and 32 bits, spills and fills of 8 and 4 bytes, a fill into another register,
// arithmetic with a constant, a known and an unknown register, a helper call, two
// negations, a sign-extending move, an unrelated branch, a branch on r6 itself, an
// atomic exchange through the stack, a static subprogram returning it, an unrelated
// load), then needs to be precise: as a variable stack offset, in an always-decided
// branch, or as a helper's size. Each program runs on the model and, in the same test,
// on the live kernel at log level 2: the same log line for line (every
// `mark_precise:` line of the walk back). What the kernel (Linux 6.18) did was
// recorded when the sweep was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from '../../src/verifier';
import { PROG_TYPES } from '../../src/verifier/types';
import { assemble } from '../../src/isa';
import { kernelAvailable } from '../../src/kernel';
import { SweepCase, modelTally, modelWork, kernelDisagreements } from './sweep';

const STEPS: Readonly<Record<string, string>> = {
  'mov': 'r7 = r6\nr6 = r7\n',
  'mov32': 'w7 = w6\nw6 = w7\n',
  'spill and fill': '*(u64 *)(r10 - 8) = r6\nr6 = *(u64 *)(r10 - 8)\n',
  '32-bit spill and fill': '*(u32 *)(r10 - 8) = r6\nr6 = *(u32 *)(r10 - 8)\n',
  'fill into another register': '*(u64 *)(r10 - 8) = r6\nr8 = *(u64 *)(r10 - 8)\nr6 = r8\n',
  'plus a constant': 'r6 += 1\nr6 &= 7\n',
  'plus a known register': 'r7 = 1\nr6 += r7\nr6 &= 7\n',
  'plus an unknown register': 'r7 = *(u32 *)(r9 + 8)\nr7 &= 1\nr6 += r7\nr6 &= 7\n',
  'a helper call': 'call 7\n',
  'two negations': 'r6 = -r6\nr6 = -r6\nr6 &= 7\n',
  'a sign-extending move': 'r6 = (s8)r6\nr6 &= 7\n',
  'an unrelated branch': 'r7 = *(u32 *)(r9 + 8)\nif r7 > 5 goto +1\nr7 = 0\n',
  'a branch on r6': 'if r6 == 2 goto +1\nr7 = 0\n',
  'an atomic exchange through the stack': '*(u64 *)(r10 - 8) = r6\nr6 = 0\nr6 = atomic64_xchg((u64 *)(r10 - 8), r6)\nr6 &= 7\n',
  'a static subprogram': 'r1 = r6\ncall sub\nr6 = r0\n',
  'an unrelated load': 'r7 = *(u32 *)(r9 + 8)\n',
};
const NEEDS: Readonly<Record<string, string>> = {
  'a variable stack offset': '*(u64 *)(r10 - 16) = 0\nr3 = r10\nr3 += -16\nr3 += r6\nr0 = *(u8 *)(r3 + 0)\n',
  'a decided branch': 'if r6 > 7 goto +1\nr0 = 0\n',
  'a helper size': 'r1 = r9\nr2 = 0\nr3 = r10\nr3 += -16\nr4 = r6\nr4 += 1\ncall 26\n',
};

function sweep(): SweepCase[] {
  const out: SweepCase[] = [];
  const names = Object.keys(STEPS);
  for (const a of names) {
    for (const b of names) {
      // each unordered pair once, but both orders where a subprogram is one of them
      if (a > b && a !== 'a static subprogram' && b !== 'a static subprogram') continue;
      for (const [need, use] of Object.entries(NEEDS)) {
        const body = `r9 = r1\nr6 = *(u32 *)(r9 + 0)\nr6 &= 7\n${STEPS[a]}${STEPS[b]}${use}r0 = 0\nexit\n`;
        out.push({ name: `${a}, ${b}, then ${need}`, progType: PROG_TYPES.socket_filter,
          asm: body + (body.includes('call sub') ? 'sub:\nr0 = r1\nexit\n' : '') });
      }
    }
  }
  return out;
}

const CASES = sweep();

test('precision: the model accepts every program and does the work the kernel did (7510 insns, 224 states)', () => {
  assert.equal(CASES.length, 453);
  assert.deepEqual(modelTally(CASES), { accepted: 453, rejected: {}, notModelled: [] });
  assert.deepEqual(modelWork(CASES), { insns: 7510, states: 224 });
});

/** The model's level-2 log of a socket filter whose r6 is a scalar 0..7 that goes through `steps`, then `need`. */
const level2 = (steps: string[], need: string): string => {
  const c = sweep().find((x) => x.name === `${steps.join(', ')}, then ${need}`);
  assert.ok(c, 'a program of the sweep');
  return verify({ insns: assemble(c.asm!), progType: c.progType, logLevel: 2 }).log;
};

test('an atomic exchange through the stack is a fill: precision goes on to the stack slot (is_atomic_fetch_insn)', () => {
  // found by this sweep; the lines are the kernel's
  const log = level2(['an atomic exchange through the stack', 'an unrelated load'], 'a decided branch');
  assert.match(log, /^mark_precise: frame0: regs= stack=-8 before 4: \(b7\) r6 = 0$/m);
  assert.match(log, /^mark_precise: frame0: regs= stack=-8 before 3: \(7b\) \*\(u64 \*\)\(r10 -8\) = r6$/m);
});

test('a branch refines only the linked registers live before it: a dead r0 with r6\'s id keeps its range', () => {
  // found by this sweep; the kernel's line (collect_linked_regs looks at live_regs_before)
  const log = level2(['a static subprogram', 'a branch on r6'], 'a decided branch');
  assert.match(log, /^from 6 to 8: R0=scalar\(id=1,smin=smin32=0,smax=umax=smax32=umax32=7,var_off=\(0x0; 0x7\)\) R6=2 R9=ctx\(\) R10=fp0$/m);
});

const k = kernelAvailable();
test('precision: the model and the kernel give the same level-2 log (the same marks, walked back the same way)', { skip: k.ok ? false : k.reason }, () => {
  assert.deepEqual(kernelDisagreements(CASES, 2), []);
  // and at level 1, whose statistics line is the work counted above
  assert.deepEqual(kernelDisagreements(CASES, 1), []);
});
