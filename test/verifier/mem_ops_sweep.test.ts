// Atomics and sign-extending loads (check_atomic, check_atomic_rmw, check_atomic_load
// and the BPF_MEMSX loads of check_mem_access), swept: eight places (stack initialised,
// uninitialised, holding a spilled pointer or a constant, a map value, ctx, a
// bounds-checked packet, a socket) × twelve operations (lock add/or/xor in 32 and 64
// bits, at an aligned and a misaligned offset; fetch_add, fetch_and, xchg, cmpxchg in
// both widths; s8/s16/s32 loads) with a scalar or a pointer as the value (and as r0 for
// cmpxchg). Each program runs on the model and, in the same test, on the live kernel:
// same verdict and the same level-1 log. What the kernel (Linux 6.18) answered was
// recorded when the sweep was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROG_TYPES, MapInfo } from '../../src/verifier/types';
import { kernelAvailable } from '../../src/kernel';
import { SweepCase, modelTally, kernelDisagreements } from './sweep';

const MAP_FD = 1;
const MAPS: ReadonlyMap<number, MapInfo> = new Map([[MAP_FD, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm1' }]]);
const LOOKUP = `r1 = map_fd(${MAP_FD}) ll\nr2 = r10\nr2 += -4\n*(u32 *)(r10 - 4) = 0\ncall 1\nif r0 == 0 goto out\nr6 = r0\n`;
/** Each leaves the place in r6; `out` is the exit of a failed check. */
const PLACES: readonly [string, 'socket_filter' | 'sched_cls', string][] = [
  ['initialised stack', 'socket_filter', '*(u64 *)(r10 - 16) = 0\n*(u64 *)(r10 - 8) = 0\nr6 = r10\nr6 += -16\n'],
  ['uninitialised stack', 'socket_filter', 'r6 = r10\nr6 += -16\n'],
  ['stack holding a spilled pointer', 'socket_filter', '*(u64 *)(r10 - 16) = r1\nr6 = r10\nr6 += -16\n'],
  ['stack holding a spilled constant', 'socket_filter', 'r2 = 3\n*(u64 *)(r10 - 16) = r2\nr6 = r10\nr6 += -16\n'],
  ['map value', 'socket_filter', LOOKUP],
  ['ctx', 'sched_cls', 'r6 = r1\n'],
  ['bounds-checked packet', 'sched_cls', 'r6 = *(u32 *)(r1 + 76)\nr2 = *(u32 *)(r1 + 80)\nr3 = r6\nr3 += 16\nif r3 > r2 goto out\n'],
  ['socket', 'sched_cls', 'r6 = *(u64 *)(r1 + 168)\nif r6 == 0 goto out\n'],
];
const OPS: Readonly<Record<string, string>> = {
  'lock add (u64)': 'lock *(u64 *)(r6 + 0) += r7',
  'lock or (u32)': 'lock *(u32 *)(r6 + 0) |= r7',
  'lock xor (u64) at +4': 'lock *(u64 *)(r6 + 4) ^= r7',
  'fetch_add (u64)': 'r7 = atomic64_fetch_add((u64 *)(r6 + 0), r7)',
  'fetch_and (u32)': 'r7 = atomic_fetch_and((u32 *)(r6 + 0), r7)',
  'xchg (u64)': 'r7 = atomic64_xchg((u64 *)(r6 + 0), r7)',
  'cmpxchg (u64)': 'r0 = atomic64_cmpxchg((u64 *)(r6 + 0), r0, r7)',
  'cmpxchg (u32)': 'r0 = atomic_cmpxchg((u32 *)(r6 + 0), r0, r7)',
  'load s8': 'r7 = *(s8 *)(r6 + 0)',
  'load s16 at +2': 'r7 = *(s16 *)(r6 + 2)',
  'load s32 at +4': 'r7 = *(s32 *)(r6 + 4)',
  'load s32': 'r7 = *(s32 *)(r6 + 0)',
};
const VALUES: Readonly<Record<string, string>> = { 'a scalar': 'r7 = 1\nr0 = 0\n', 'a pointer': 'r7 = r10\nr0 = 0\n', 'a pointer in r0': 'r7 = 1\nr0 = r10\n' };

function sweep(): SweepCase[] {
  const out: SweepCase[] = [];
  for (const [place, type, setup] of PLACES) {
    for (const [opName, op] of Object.entries(OPS)) {
      for (const [value, init] of Object.entries(VALUES)) {
        if (opName.startsWith('load') && value !== 'a scalar') continue;
        if (value === 'a pointer in r0' && !opName.startsWith('cmpxchg')) continue;
        const body = `${setup}${init}${op}\nr0 = 0\nexit\n`;
        out.push({ name: `${place}: ${opName} of ${value}`, progType: PROG_TYPES[type], maps: setup.includes('map_fd') ? MAPS : undefined,
          asm: body + (body.includes('goto out') ? 'out:\nr0 = 0\nexit\n' : '') });
      }
    }
  }
  return out;
}

const CASES = sweep();
const KERNEL_ACCEPTED = 99;
/** The first error line of every program the kernel rejected, and how many. */
const KERNEL_REJECTED: Readonly<Record<string, number>> = Object.fromEntries([
  ["BPF_ATOMIC stores into R6 ctx is not allowed", 18],
  ["BPF_ATOMIC stores into R6 pkt is not allowed", 18],
  ["BPF_ATOMIC stores into R6 sock_common is not allowed", 18],
  ["R6 invalid sock_common access off=0 size=1", 1],
  ["R6 invalid sock_common access off=2 size=2", 1],
  ["invalid size of register fill", 11],
  ["misaligned stack access off 0+-16+4 size 8", 8],
  ["misaligned value access off 0+0+4 size 8", 2],
]);

test(`atomics and sign-extending loads: the model accepts the ${KERNEL_ACCEPTED} programs the kernel accepted and rejects the rest as it did`, () => {
  assert.equal(CASES.length, 176);
  assert.deepEqual(modelTally(CASES), { accepted: KERNEL_ACCEPTED, rejected: KERNEL_REJECTED, notModelled: [] });
});

const k = kernelAvailable();
test('atomics and sign-extending loads: the model and the kernel give the same verdict and log', { skip: k.ok ? false : k.reason }, () => {
  assert.deepEqual(kernelDisagreements(CASES), []);
});
