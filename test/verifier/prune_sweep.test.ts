// Where two paths meet (is_state_visited, states_equal, regsafe per register type,
// stacksafe for a spilled register), swept: r6 is set differently on the two sides of
// a branch, to each of thirteen values (ctx, the frame pointer and fp-8, two different
// map pointers, a map value and the same value + 4, the constants 0 and 1, an unknown
// and a bounded scalar, a packet pointer and the same + 2), every ordered pair, then
// read from its register or from a stack spill after the join. Each program runs on
// the model and, in the same test, on the live kernel at log level 2: the same log line
// for line, so the same pruning decisions ("safe") and the same states. What the
// kernel (Linux 6.18) reported was recorded when the sweep was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROG_TYPES, MapInfo } from '../../src/verifier/types';
import { kernelAvailable } from '../../src/kernel';
import { SweepCase, modelTally, modelWork, kernelDisagreements } from './sweep';

const M1 = 1, M2 = 2;
const MAPS: ReadonlyMap<number, MapInfo> = new Map([
  [M1, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm1' }],
  [M2, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2' }],
]);
/** ctx in r9, a (non-NULL) value of m1 in r8, an unknown word in r7. */
const PRELUDE = `r9 = r1\nr1 = map_fd(${M1}) ll\nr2 = r10\nr2 += -4\n*(u32 *)(r10 - 4) = 0\ncall 1\nif r0 == 0 goto out\nr8 = r0\nr7 = *(u32 *)(r9 + 0)\n`;
const VALUES: Readonly<Record<string, string>> = {
  'ctx': 'r6 = r9', 'fp': 'r6 = r10', 'fp-8': 'r6 = r10\nr6 += -8', 'map m1': `r6 = map_fd(${M1}) ll`, 'map m2': `r6 = map_fd(${M2}) ll`,
  'value of m1': 'r6 = r8', 'value of m1 + 4': 'r6 = r8\nr6 += 4', '0': 'r6 = 0', '1': 'r6 = 1', 'an unknown scalar': 'r6 = *(u32 *)(r9 + 4)',
  'a scalar 0..7': 'r6 = *(u32 *)(r9 + 4)\nr6 &= 7', 'packet': 'r6 = *(u32 *)(r9 + 76)', 'packet + 2': 'r6 = *(u32 *)(r9 + 76)\nr6 += 2',
};
const USES: Readonly<Record<string, string>> = {
  'its register': 'r1 = r6\n',
  'a stack spill': '*(u64 *)(r10 - 16) = r6\nr1 = *(u64 *)(r10 - 16)\n',
};

/** Eight instructions on each side, so that the kernel keeps a state where the paths meet. */
const PAD = 'r3 = 1\n'.repeat(8);

function sweep(): SweepCase[] {
  const out: SweepCase[] = [];
  for (const [a, setA] of Object.entries(VALUES)) {
    for (const [b, setB] of Object.entries(VALUES)) {
      for (const [use, read] of Object.entries(USES)) {
        out.push({ name: `${a} on one side, ${b} on the other, read from ${use}`, progType: PROG_TYPES.sched_cls, maps: MAPS,
          asm: `${PRELUDE}if r7 == 0 goto l1\n${setA}\n${PAD}goto l2\nl1:\n${setB}\n${PAD}l2:\n${read}r0 = 0\nr0 = 0\nexit\nout:\nr0 = 0\nexit\n` });
      }
    }
  }
  return out;
}

const CASES = sweep();

test('joins: the model accepts every program and does the work the kernel did (12877 insns, 676 states; 50 programs pruned where the paths meet)', () => {
  assert.equal(CASES.length, 338);
  assert.deepEqual(modelTally(CASES), { accepted: 338, rejected: {}, notModelled: [] });
  assert.deepEqual(modelWork(CASES), { insns: 12877, states: 676 });
});

const k = kernelAvailable();
test('joins: the model and the kernel give the same level-2 log (the same pruning)', { skip: k.ok ? false : k.reason }, () => {
  assert.deepEqual(kernelDisagreements(CASES, 2), []);
});
