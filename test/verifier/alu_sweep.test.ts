// Pointer arithmetic (adjust_ptr_min_max_vals, check_reg_sane_offset, the ALU checks
// of pointer operands), swept: eleven pointer kinds (ctx, the frame pointer and fp-8, a
// map value with and without its NULL check, a map pointer, packet, packet end and
// packet meta pointers, skb->sk with and without its NULL check) under every ALU
// operation, as an immediate (4 and -8), a known register, a bounded and an unbounded
// register, a pointer register, in 32 bits, and with the pointer as the source operand;
// then packet offsets that go out of bounds (BPF_MAX_VAR_OFF) by constants, by variable
// parts and by overflowing bounds. Each program runs on the model and, in the same
// test, on the live kernel: same verdict and the same level-1 log. What the kernel
// (Linux 6.18) answered was recorded when the sweep was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROG_TYPES, MapInfo } from '../../src/verifier/types';
import { kernelAvailable } from '../../src/kernel';
import { SweepCase, modelTally, kernelDisagreements } from './sweep';

const MAP_FD = 1;
const MAPS: ReadonlyMap<number, MapInfo> = new Map([[MAP_FD, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm1' }]]);
const LOOKUP = `r1 = map_fd(${MAP_FD}) ll\nr2 = r10\nr2 += -4\n*(u32 *)(r10 - 4) = 0\ncall 1\nr6 = r0\n`;
/** How r6 gets each pointer (ctx stays in r9); `out` is the exit of a NULL check. */
const POINTERS: readonly [string, 'socket_filter' | 'sched_cls', string][] = [
  ['ctx', 'socket_filter', 'r6 = r1\n'],
  ['fp', 'socket_filter', 'r6 = r10\n'],
  ['fp-8', 'socket_filter', 'r6 = r10\nr6 += -8\n'],
  ['map_value', 'socket_filter', `${LOOKUP}if r6 == 0 goto out\n`],
  ['map_value_or_null', 'socket_filter', LOOKUP],
  ['map_ptr', 'socket_filter', `r6 = map_fd(${MAP_FD}) ll\n`],
  ['pkt', 'sched_cls', 'r6 = *(u32 *)(r1 + 76)\n'],
  ['pkt_end', 'sched_cls', 'r6 = *(u32 *)(r1 + 80)\n'],
  ['pkt_meta', 'sched_cls', 'r6 = *(u32 *)(r1 + 140)\n'],
  ['sock_common_or_null', 'sched_cls', 'r6 = *(u64 *)(r1 + 168)\n'],
  ['sock_common', 'sched_cls', 'r6 = *(u64 *)(r1 + 168)\nif r6 == 0 goto out\n'],
];
const OPS = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', '%=', '^=', 's>>='];
const FORMS: Readonly<Record<string, (op: string) => string>> = {
  'immediate 4': (op) => `r6 ${op} 4`,
  'immediate -8': (op) => `r6 ${op} -8`,
  'known register': (op) => `r7 = 4\nr6 ${op} r7`,
  'bounded register': (op) => `r7 = *(u32 *)(r9 + 0)\nr7 &= 7\nr6 ${op} r7`,
  'unbounded register': (op) => `r7 = *(u32 *)(r9 + 0)\nr6 ${op} r7`,
  'pointer register': (op) => `r7 = r10\nr6 ${op} r7`,
  '32-bit immediate': (op) => `w6 ${op} 4`,
  'the pointer as source': (op) => `r7 = 100\nr7 ${op} r6\nr6 = r7`,
};
/** Packet pointer offsets out of bounds: by constants, by variable parts, by overflowing bounds. */
const BIG = 'r7 = *(u32 *)(r9 + 0)\nr7 <<= 32\nif r7 s< 0 goto out\n';
const OUT_OF_BOUNDS: readonly [string, string][] = [
  ['minus an unbounded u32', 'r7 = *(u32 *)(r9 + 0)\nr6 -= r7'],
  ['-8, then minus an unbounded u32', 'r6 += -8\nr7 = *(u32 *)(r9 + 0)\nr6 -= r7'],
  ['+8, then minus an unbounded u32', 'r6 += 8\nr7 = *(u32 *)(r9 + 0)\nr6 -= r7'],
  ['plus 2^29-1 twice', 'r6 += 0x1fffffff\nr6 += 0x1fffffff'],
  ['plus 2^29', 'r6 += 0x20000000'],
  ['minus 2^29-1 twice', 'r6 -= 0x1fffffff\nr6 -= 0x1fffffff'],
  ['a variable part, then plus 2^29-1 twice', 'r7 = *(u32 *)(r9 + 0)\nr7 &= 0xff\nr6 += r7\nr6 += 0x1fffffff\nr6 += 0x1fffffff'],
  ['minus a variable 0..255', 'r7 = *(u32 *)(r9 + 0)\nr7 &= 0xff\nr6 -= r7'],
  ['minus a variable below 2^29', 'r7 = *(u32 *)(r9 + 0)\nr7 &= 0x1fffffff\nr6 -= r7'],
  ['minus a variable below 2^28 three times', 'r7 = *(u32 *)(r9 + 0)\nr7 &= 0xfffffff\nr6 -= r7\nr6 -= r7\nr6 -= r7'],
  ['minus a variable, then minus 2^29-1', 'r7 = *(u32 *)(r9 + 0)\nr7 &= 0xfffffff\nr6 -= r7\nr6 -= 0x1fffffff'],
  ['minus a known register 2^29-1 twice', 'r7 = 0x1fffffff\nr6 -= r7\nr6 -= r7'],
  ['a variable part, then minus a huge positive', `r8 = *(u32 *)(r9 + 4)\nr8 &= 0xff\nr6 -= r8\n${BIG}r6 -= r7`],
  ['a variable part, then plus a huge positive', `r8 = *(u32 *)(r9 + 4)\nr8 &= 0xff\nr6 += r8\n${BIG}r6 += r7`],
  ['minus a huge positive', `${BIG}r6 -= r7`],
  ['plus a huge positive', `${BIG}r6 += r7`],
];

function sweep(): SweepCase[] {
  const out: SweepCase[] = [];
  const program = (setup: string, alu: string): string => {
    const body = `r9 = r1\n${setup}${alu}\nr0 = 0\nexit\n`;
    return body + (body.includes('goto out') ? 'out:\nr0 = 0\nexit\n' : '');
  };
  for (const [kind, type, setup] of POINTERS) {
    const base = { progType: PROG_TYPES[type], maps: setup.includes('map_fd') ? MAPS : undefined };
    for (const op of OPS) {
      for (const [form, alu] of Object.entries(FORMS)) out.push({ ...base, name: `${kind} ${op} (${form})`, asm: program(setup, alu(op)) });
    }
    out.push({ ...base, name: `${kind} negated`, asm: program(setup, 'r6 = -r6') });
    out.push({ ...base, name: `${kind} negated in 32 bits`, asm: program(setup, 'w6 = -w6') });
  }
  for (const [what, alu] of OUT_OF_BOUNDS) {
    out.push({ name: `pkt ${what}`, progType: PROG_TYPES.sched_cls, asm: program('r6 = *(u32 *)(r1 + 76)\n', alu) });
  }
  return out;
}

const CASES = sweep();
const KERNEL_ACCEPTED = 111;
/** The first error line of every program the kernel rejected, and how many. */
const KERNEL_REJECTED: Readonly<Record<string, number>> = Object.fromEntries([
  ["R6 32-bit pointer arithmetic prohibited", 110],
  ["R6 bitwise operator &= on pointer prohibited", 35],
  ["R6 bitwise operator ^= on pointer prohibited", 35],
  ["R6 bitwise operator |= on pointer prohibited", 35],
  ["R6 pointer %= pointer prohibited", 11],
  ["R6 pointer &= pointer prohibited", 11],
  ["R6 pointer *= pointer prohibited", 11],
  ["R6 pointer += pointer prohibited", 11],
  ["R6 pointer /= pointer prohibited", 11],
  ["R6 pointer <<= pointer prohibited", 11],
  ["R6 pointer >>= pointer prohibited", 11],
  ["R6 pointer ^= pointer prohibited", 11],
  ["R6 pointer arithmetic on map_ptr prohibited", 52],
  ["R6 pointer arithmetic on pkt_end prohibited", 52],
  ["R6 pointer arithmetic on sock_common prohibited", 52],
  ["R6 pointer arithmetic on sock_common_or_null prohibited, null-check it first", 52],
  ["R6 pointer arithmetic with %= operator prohibited", 35],
  ["R6 pointer arithmetic with *= operator prohibited", 35],
  ["R6 pointer arithmetic with /= operator prohibited", 35],
  ["R6 pointer arithmetic with <<= operator prohibited", 28],
  ["R6 pointer arithmetic with >>= operator prohibited", 28],
  ["R6 pointer arithmetic with s>>= operator prohibited", 28],
  ["R6 pointer s>>= pointer prohibited", 11],
  ["R6 pointer |= pointer prohibited", 11],
  ["R6 subtraction from stack pointer prohibited", 10],
  ["R7 bitwise operator &= on pointer prohibited", 7],
  ["R7 bitwise operator ^= on pointer prohibited", 7],
  ["R7 bitwise operator |= on pointer prohibited", 7],
  ["R7 pointer arithmetic on map_ptr prohibited", 11],
  ["R7 pointer arithmetic on pkt_end prohibited", 11],
  ["R7 pointer arithmetic on sock_common prohibited", 11],
  ["R7 pointer arithmetic on sock_common_or_null prohibited, null-check it first", 11],
  ["R7 pointer arithmetic with %= operator prohibited", 7],
  ["R7 pointer arithmetic with *= operator prohibited", 7],
  ["R7 pointer arithmetic with /= operator prohibited", 7],
  ["R7 pointer arithmetic with <<= operator prohibited", 7],
  ["R7 pointer arithmetic with >>= operator prohibited", 7],
  ["R7 pointer arithmetic with s>>= operator prohibited", 7],
  ["R7 tried to subtract pointer from scalar", 7],
  ["ctx pointer offset -4294967295 is not allowed", 1],
  ["invalid shift -8", 33],
  ["map_value pointer offset -4294967295 is not allowed", 2],
  ["math between pkt pointer and 536870912 is not allowed", 1],
  ["pkt pointer offset -1073741822 is not allowed", 2],
  ["pkt pointer offset -4294967295 is not allowed", 4],
  ["pkt pointer offset -805306365 is not allowed", 1],
  ["pkt pointer offset -9223372032559808512 is not allowed", 1],
  ["pkt pointer offset -9223372032559808767 is not allowed", 1],
  ["pkt pointer offset 1073741822 is not allowed", 2],
  ["pkt_meta pointer offset -4294967295 is not allowed", 1],
]);

test(`pointer arithmetic: the model accepts the ${KERNEL_ACCEPTED} programs the kernel accepted and rejects the rest as it did`, () => {
  assert.equal(CASES.length, 1006);
  assert.deepEqual(modelTally(CASES), { accepted: KERNEL_ACCEPTED, rejected: KERNEL_REJECTED, notModelled: [] });
});

const k = kernelAvailable();
test('pointer arithmetic: the model and the kernel give the same verdict and log', { skip: k.ok ? false : k.reason }, () => {
  assert.deepEqual(kernelDisagreements(CASES), []);
});
