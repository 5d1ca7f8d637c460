// Helper memory arguments (check_helper_mem_access, check_mem_size_reg,
// check_stack_range_initialized, the packet and map value region checks), swept:
// ten pointers (stack uninitialised, initialised, half initialised, holding a spilled
// pointer or scalar; a map value; a packet pointer with and without its bounds check;
// ctx; NULL) at four offsets (0, 4, 12, variable) with ten sizes (0, 1, 8, 16, 17, a
// variable 0..15 and 1..8, -1, unbounded, a signed variable) given to a helper that
// reads (bpf_csum_diff: ARG_PTR_TO_MEM | MEM_RDONLY, size or zero) and one that writes
// (bpf_skb_load_bytes: ARG_PTR_TO_UNINIT_MEM, a non-zero size). Each program runs on
// the model and, in the same test, on the live kernel: same verdict and the same
// level-1 log. What the kernel (Linux 6.18) answered was recorded when the sweep was
// written. Left out: a zero-sized read of a packet or map value (the model answers
// `not modelled yet` there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROG_TYPES, MapInfo } from '../../src/verifier/types';
import { kernelAvailable } from '../../src/kernel';
import { SweepCase, modelTally, kernelDisagreements } from './sweep';

const MAP_FD = 1;
const MAPS: ReadonlyMap<number, MapInfo> = new Map([[MAP_FD, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm1' }]]);
/** Each leaves the pointer in r6 (ctx is in r9); `out` is the exit of a failed check. */
const POINTERS: Readonly<Record<string, string>> = {
  'uninitialised stack': 'r6 = r10\nr6 += -16\n',
  'initialised stack': '*(u64 *)(r10 - 16) = 0\n*(u64 *)(r10 - 8) = 0\nr6 = r10\nr6 += -16\n',
  'half initialised stack': '*(u64 *)(r10 - 16) = 0\nr6 = r10\nr6 += -16\n',
  'stack holding a spilled pointer': '*(u64 *)(r10 - 16) = r1\n*(u64 *)(r10 - 8) = 0\nr6 = r10\nr6 += -16\n',
  'stack holding a spilled scalar': 'r2 = *(u32 *)(r1 + 0)\n*(u64 *)(r10 - 16) = r2\n*(u64 *)(r10 - 8) = r2\nr6 = r10\nr6 += -16\n',
  'map value': `r1 = map_fd(${MAP_FD}) ll\nr2 = r10\nr2 += -4\n*(u32 *)(r10 - 4) = 0\ncall 1\nif r0 == 0 goto out\nr6 = r0\n`,
  'bounds-checked packet': 'r6 = *(u32 *)(r1 + 76)\nr2 = *(u32 *)(r1 + 80)\nr3 = r6\nr3 += 16\nif r3 > r2 goto out\n',
  'unchecked packet': 'r6 = *(u32 *)(r1 + 76)\n',
  'ctx': 'r6 = r1\n',
  'NULL': 'r6 = 0\n',
};
const OFFSETS: Readonly<Record<string, string>> = {
  'offset 0': '', 'offset 4': 'r6 += 4\n', 'offset 12': 'r6 += 12\n', 'variable offset': 'r7 = *(u32 *)(r9 + 0)\nr7 &= 4\nr6 += r7\n',
};
const SIZES: Readonly<Record<string, string>> = {
  '0': 'r8 = 0\n', '1': 'r8 = 1\n', '8': 'r8 = 8\n', '16': 'r8 = 16\n', '17': 'r8 = 17\n',
  'variable 0..15': 'r8 = *(u32 *)(r9 + 4)\nr8 &= 15\n', 'variable 1..8': 'r8 = *(u32 *)(r9 + 4)\nr8 &= 7\nr8 += 1\n',
  '-1': 'r8 = -1\n', 'unbounded': 'r8 = *(u32 *)(r9 + 4)\n',
  'signed variable': 'r8 = *(u32 *)(r9 + 4)\nr8 <<= 32\nr8 s>>= 32\nif r8 s> 8 goto out\n',
};
const HELPERS: Readonly<Record<string, string>> = {
  'bpf_csum_diff': 'r1 = r6\nr2 = r8\nr3 = 0\nr4 = 0\nr5 = 0\ncall 28\n',
  'bpf_skb_load_bytes': 'r1 = r9\nr2 = 0\nr3 = r6\nr4 = r8\ncall 26\n',
};

function sweep(): SweepCase[] {
  const out: SweepCase[] = [];
  for (const [ptr, setup] of Object.entries(POINTERS)) {
    for (const [offName, off] of Object.entries(OFFSETS)) {
      for (const [sizeName, size] of Object.entries(SIZES)) {
        for (const [helper, call] of Object.entries(HELPERS)) {
          if (sizeName === '0' && helper === 'bpf_csum_diff' && /map value|packet/.test(ptr)) continue;
          const body = `r9 = r1\n${setup}${off}${size}${call}r0 = 0\nexit\n`;
          out.push({ name: `${helper}(${ptr}, ${offName}, size ${sizeName})`, progType: PROG_TYPES.sched_cls, maps: setup.includes('map_fd') ? MAPS : undefined,
            asm: body + (body.includes('goto out') ? 'out:\nr0 = 0\nexit\n' : '') });
        }
      }
    }
  }
  return out;
}

const CASES = sweep();
const KERNEL_ACCEPTED = 168;
/** The first error line of every program the kernel rejected, and how many. */
const KERNEL_REJECTED: Readonly<Record<string, number>> = Object.fromEntries([
  ["R1 max value is outside of the allowed memory range", 2],
  ["R1 min value is outside of the allowed memory range", 10],
  ["R1 offset is outside of the packet", 39],
  ["R1 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_", 40],
  ["R1 type=scalar expected=fp", 6],
  ["R1 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_", 30],
  ["R2 min value is negative, either use unsigned or 'var &= const'", 66],
  ["R2 unbounded memory access, use 'var &= const' or 'if (var < const)'", 33],
  ["R3 max value is outside of the allowed memory range", 1],
  ["R3 min value is outside of the allowed memory range", 8],
  ["R3 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_", 40],
  ["R3 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_", 40],
  ["R4 invalid zero-sized read: u64=[0,0]", 24],
  ["R4 invalid zero-sized read: u64=[0,15]", 24],
  ["R4 invalid zero-sized read: u64=[0,4294967295]", 24],
  ["R4 min value is negative, either use unsigned or 'var &= const'", 48],
  ["helper access to the packet is not allowed", 80],
  ["invalid read from stack R1 off=-12 size=15", 5],
  ["invalid read from stack R1 off=-12 size=16", 5],
  ["invalid read from stack R1 off=-12 size=17", 5],
  ["invalid read from stack R1 off=-16 size=17", 5],
  ["invalid read from stack R1 off=-4 size=15", 5],
  ["invalid read from stack R1 off=-4 size=16", 5],
  ["invalid read from stack R1 off=-4 size=17", 5],
  ["invalid read from stack R1 off=-4 size=8", 10],
  ["invalid variable-offset read from stack R1 var_off=(0x0; 0x4) off=-16 size=15", 5],
  ["invalid variable-offset read from stack R1 var_off=(0x0; 0x4) off=-16 size=16", 5],
  ["invalid variable-offset read from stack R1 var_off=(0x0; 0x4) off=-16 size=17", 5],
  ["invalid variable-offset write to stack R3 var_off=(0x0; 0x4) off=-16 size=16", 5],
  ["invalid variable-offset write to stack R3 var_off=(0x0; 0x4) off=-16 size=17", 5],
  ["invalid write to stack R3 off=-12 size=16", 5],
  ["invalid write to stack R3 off=-12 size=17", 5],
  ["invalid write to stack R3 off=-16 size=17", 5],
  ["invalid write to stack R3 off=-4 size=16", 5],
  ["invalid write to stack R3 off=-4 size=17", 5],
  ["invalid write to stack R3 off=-4 size=8", 10],
]);

test(`helper memory arguments: the model accepts the ${KERNEL_ACCEPTED} programs the kernel accepted and rejects the rest as it did`, () => {
  assert.equal(CASES.length, 788);
  assert.deepEqual(modelTally(CASES), { accepted: KERNEL_ACCEPTED, rejected: KERNEL_REJECTED, notModelled: [] });
});

const k = kernelAvailable();
test('helper memory arguments: the model and the kernel give the same verdict and log', { skip: k.ok ? false : k.reason }, () => {
  assert.deepEqual(kernelDisagreements(CASES), []);
});
