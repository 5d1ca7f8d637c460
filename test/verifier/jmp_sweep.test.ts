// Conditional jumps on pointers (check_cond_jmp_op, is_branch_taken with pointers,
// is_pkt_ptr_branch_taken, flip_opcode), swept: every pointer kind a program gets
// without BTF (ctx, stack, map pointer, map value with and without its NULL check,
// packet pointers, skb->sk with and without its NULL check) against 0, as an
// immediate, a register on either side, and in 32 bits; packet pointers against
// data_end and data_meta, bounds-checked or not. Each program runs on the model and,
// in the same test, on the live kernel: same verdict and the same level-1 log.
// How many the kernel (Linux 6.18) accepted was recorded when the sweep was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from '../../src/verifier';
import { PROG_TYPES, MapInfo } from '../../src/verifier/types';
import { assemble } from '../../src/isa';
import { kernelAvailable } from '../../src/kernel';
import { firstErrorLine } from '../../src/verifier/error_line';
import { SweepCase, modelTally, kernelDisagreements } from './sweep';

const MAP_FD = 1;
const MAP: MapInfo = { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm1' };
const MAPS: ReadonlyMap<number, MapInfo> = new Map([[MAP_FD, MAP]]);
const LOOKUP = `r1 = map_fd(${MAP_FD}) ll\nr2 = r10\nr2 += -4\n*(u32 *)(r10 - 4) = 0\ncall 1\nr6 = r0\n`;
/** How r6 gets each kind of pointer; `out` is the label of a NULL check's exit. */
const POINTERS: readonly [string, 'socket_filter' | 'sched_cls', string][] = [
  ['ctx', 'socket_filter', 'r6 = r1\n'],
  ['stack', 'socket_filter', 'r6 = r10\nr6 += -8\n'],
  ['map_value', 'socket_filter', `${LOOKUP}if r6 == 0 goto out\n`],
  ['map_value_or_null', 'socket_filter', LOOKUP],
  ['map_ptr', 'socket_filter', `r6 = map_fd(${MAP_FD}) ll\n`],
  ['pkt', 'sched_cls', 'r6 = *(u32 *)(r1 + 76)\n'],
  ['pkt_end', 'sched_cls', 'r6 = *(u32 *)(r1 + 80)\n'],
  ['sock_common_or_null', 'sched_cls', 'r6 = *(u64 *)(r1 + 168)\n'],
  ['sock_common', 'sched_cls', 'r6 = *(u64 *)(r1 + 168)\nif r6 == 0 goto out\n'],
];
const OPS = ['==', '!=', '>', '>=', '<', '<=', 's>', 's>=', 's<', 's<=', '&'];
const FORMS: Readonly<Record<string, (op: string) => string>> = {
  imm: (op) => `if r6 ${op} 0 goto l1`,
  reg: (op) => `if r6 ${op} r7 goto l1`,
  left: (op) => `if r7 ${op} r6 goto l1`,
  imm32: (op) => `if w6 ${op} 0 goto l1`,
  reg32: (op) => `if w6 ${op} w7 goto l1`,
  left32: (op) => `if w7 ${op} w6 goto l1`,
};
/** data + 8 in r6, data_end in r3, data_meta in r4; the taken branch reads the packet. */
const PKT = 'r2 = *(u32 *)(r1 + 76)\nr3 = *(u32 *)(r1 + 80)\nr4 = *(u32 *)(r1 + 140)\nr6 = r2\nr6 += 8\n';
const PKT_CHECKS: readonly [string, string][] = [['unchecked', ''], ['checked', 'if r6 > r3 goto out\n'], ['checked on the left', 'if r3 <= r6 goto out\n']];

function sweep(): SweepCase[] {
  const out: SweepCase[] = [];
  const tail = (setup: string): string => (setup.includes('goto out') ? 'out:\nr0 = 0\nexit\n' : '');
  for (const [kind, type, setup] of POINTERS) {
    for (const op of OPS) {
      for (const [form, cmp] of Object.entries(FORMS)) {
        out.push({ name: `${kind} ${form} ${op}`, progType: PROG_TYPES[type], maps: setup.includes('map_fd') ? MAPS : undefined,
          asm: `${setup}r7 = 0\n${cmp(op)}\nr0 = 0\nexit\nl1:\nr0 = 1\nexit\n${tail(setup)}` });
      }
    }
  }
  for (const [what, check] of PKT_CHECKS) {
    for (const op of OPS) {
      for (const [a, b] of [['r6', 'r3'], ['r3', 'r6'], ['r2', 'r4'], ['w6', 'w3']]) {
        out.push({ name: `pkt ${what}: if ${a} ${op} ${b}`, progType: PROG_TYPES.sched_cls,
          asm: `${PKT}${check}if ${a} ${op} ${b} goto l1\nr0 = 0\nexit\nl1:\nr0 = *(u8 *)(r2 + 0)\nr0 = 1\nexit\n${tail(check)}` });
      }
    }
  }
  return out;
}

const CASES = sweep();
/** What Linux 6.18 answered over the sweep: accepted, and rejected with this first error line. */
const KERNEL_ACCEPTED = 686;
const KERNEL_REJECTED: Readonly<Record<string, number>> = { 'R2 offset is outside of the packet': 40 };

test(`pointer comparisons: the model accepts the ${KERNEL_ACCEPTED} programs the kernel accepted and rejects the rest as it did`, () => {
  assert.equal(CASES.length, 726);
  assert.deepEqual(modelTally(CASES), { accepted: KERNEL_ACCEPTED, rejected: KERNEL_REJECTED, notModelled: [] });
});

test('a 32-bit comparison of a non-NULL pointer decides nothing: both branches are checked', () => {
  // found by this sweep: the model took `if w0 == 0` as never taken and accepted what Linux rejects
  const asm = `${LOOKUP}if r0 == 0 goto out\nif w0 == 0 goto bad\nr0 = 0\nexit\nbad:\nr0 = r9\nexit\nout:\nr0 = 0\nexit\n`;
  const r = verify({ insns: assemble(asm), progType: PROG_TYPES.socket_filter, logLevel: 1, maps: new Map(MAPS) });
  assert.equal(r.verdict, 'reject', r.log);
  assert.equal(firstErrorLine(r.log), 'R9 !read_ok');
});

const k = kernelAvailable();
test('pointer comparisons: the model and the kernel give the same verdict and log', { skip: k.ok ? false : k.reason }, () => {
  assert.deepEqual(kernelDisagreements(CASES), []);
});
