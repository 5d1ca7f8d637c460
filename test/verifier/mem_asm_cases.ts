// Assembly cases of the memory half of the verifier model (issue 10), each with the
// verdict and first error line the live kernel (Linux 6.18) gave when it was written;
// verifier.test.ts checks them against the model and the kernel again in every run.
// Maps: ld_imm64 immediates name a key of `maps`; the kernel test creates the maps.
import { MapInfo } from '../../src/verifier/types';

export interface AsmCase {
  name: string;
  /** Program type and expected attach type names (bpf_prog_type, bpf_attach_type without prefixes). */
  type: string;
  attach: string | undefined;
  verdict: 'accept' | 'reject';
  error: string | undefined;
  maps?: [number, MapInfo][];
  asm: string;
}

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));

export const MEM_ASM_CASES: readonly AsmCase[] = [
  { name: "cmpxchg on a stack slot (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r1 = 5
*(u64 *)(r10 - 8) = r1
r0 = 5
r2 = 9
r0 = cmpxchg_64(r10 - 8, r0, r2)
exit` },
  { name: "atomic add into the context (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "BPF_ATOMIC stores into R1 ctx is not allowed",
    asm: `
r2 = 1
lock *(u32 *)(r1 + 0) += r2
r0 = 0
exit` },
  { name: "atomic fetch-add on the stack (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r1 = 5
*(u64 *)(r10 - 8) = r1
r2 = 1
r2 = atomic_fetch_add((u64 *)(r10 - 8), r2)
r0 = r2
exit` },
  { name: "misaligned atomic on the stack (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "misaligned stack access off 0+0+-6 size 4",
    asm: `
r1 = 5
*(u64 *)(r10 - 8) = r1
r2 = 1
lock *(u32 *)(r10 - 6) += r2
r0 = 0
exit` },
  { name: "atomic add on a spilled scalar (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r1 = 5
*(u64 *)(r10 - 8) = r1
r2 = 1
lock *(u64 *)(r10 - 8) += r2
r0 = *(u64 *)(r10 - 8)
exit` },
  { name: "xchg on a stack slot (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r1 = 5
*(u64 *)(r10 - 8) = r1
r0 = 7
r0 = xchg_64(r10 - 8, r0)
exit` },
  { name: "bswap16 and bswap64 (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r0 = *(u32 *)(r1 + 0)
r0 = bswap16 r0
r0 = bswap64 r0
r0 = 0
exit` },
  { name: "cb[] written and read 8 bytes wide (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = 7
*(u64 *)(r1 + 48) = r2
r0 = *(u64 *)(r1 + 56)
exit` },
  { name: "context read past __sk_buff (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=200 size=4",
    asm: `
r0 = *(u32 *)(r1 + 200)
exit` },
  { name: "context read through a moved pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "dereference of modified ctx ptr R1 off=4 disallowed",
    asm: `
r1 += 4
r0 = *(u32 *)(r1 + 0)
exit` },
  { name: "BPF_ST into skb->mark (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = 1
*(u32 *)(r1 + 8) = 1
r0 = 0
exit` },
  { name: "context read at a variable offset (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "variable ctx access var_off=(0x0; 0x4) disallowed",
    asm: `
r2 = *(u32 *)(r1 + 0)
r2 &= 4
r1 += r2
r0 = *(u32 *)(r1 + 0)
exit` },
  { name: "subtraction from the frame pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R1 subtraction from stack pointer prohibited",
    asm: `
r2 = 8
r1 = r10
r1 -= r2
r0 = 0
exit` },
  { name: "stack access at a variable offset (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 0)
r2 &= 8
r3 = r10
r3 += -16
r3 += r2
r4 = 0
*(u64 *)(r3 + 0) = r4
r0 = *(u64 *)(r3 + 0)
exit` },
  { name: "variable-offset stack write past the frame (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "invalid variable-offset write to stack R3 var_off=(0x0; 0x10) off=-16 size=8",
    asm: `
r2 = *(u32 *)(r1 + 0)
r2 &= 16
r3 = r10
r3 += -16
r3 += r2
r4 = 0
*(u64 *)(r3 + 0) = r4
r0 = 0
exit` },
  { name: "unbounded variable-offset stack read (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "invalid unbounded variable-offset read from stack R3",
    asm: `
r2 = *(u32 *)(r1 + 0)
r3 = r10
r3 += r2
r0 = *(u8 *)(r3 - 8)
exit` },
  { name: "gotol over an instruction (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "unreachable insn 1",
    asm: `
gotol +1
r0 = 1
r0 = 0
exit` },
  { name: "LD_ABS with the skb in R6 (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r6 = r1
r0 = *(u8 *)skb[12]
exit` },
  { name: "LD_ABS without R6 (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R6 !read_ok",
    asm: `
r0 = *(u8 *)skb[12]
exit` },
  { name: "LD_IND with the skb in R6 (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r6 = r1
r2 = 3
r0 = *(u16 *)skb[r2 + 12]
exit` },
  { name: "may_goto without a loop (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
may_goto +1
r0 = 1
r0 = 0
exit` },
  { name: "mov32 of a pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
w2 = w1
r0 = 0
exit` },
  { name: "movsx of a pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = (s8)r1
r0 = 0
exit` },
  { name: "narrow reads of skb->len (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r0 = *(u16 *)(r1 + 2)
r0 = *(u8 *)(r1 + 3)
exit` },
  { name: "negating a pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r1 = -r1
r0 = 0
exit` },
  { name: "arithmetic on pkt_end (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R3 pointer arithmetic on pkt_end prohibited",
    asm: `
r3 = *(u32 *)(r1 + 80)
r3 += 1
r0 = 0
exit` },
  { name: "read through pkt_end (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R3 invalid mem access 'pkt_end'",
    asm: `
r3 = *(u32 *)(r1 + 80)
r0 = *(u8 *)(r3 + 0)
exit` },
  { name: "packet bounds proven by pkt < pkt_end (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 8
if r4 < r3 goto l
r0 = 0
exit
l: r0 = *(u64 *)(r2 + 0)
exit` },
  { name: "data_meta bounded by data (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 140)
r3 = *(u32 *)(r1 + 76)
r4 = r2
r4 += 4
if r4 > r3 goto l
r0 = *(u32 *)(r2 + 0)
l: r0 = 0
exit` },
  { name: "packet read and write after a bounds check (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 14
if r4 > r3 goto l
r0 = *(u16 *)(r2 + 12)
*(u8 *)(r2 + 0) = r0
l: r0 = 0
exit` },
  { name: "packet read without a bounds check (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R2 offset is outside of the packet",
    asm: `
r2 = *(u32 *)(r1 + 76)
r0 = *(u8 *)(r2 + 0)
exit` },
  { name: "packet read past the checked range (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R2 offset is outside of the packet",
    asm: `
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 8
if r4 > r3 goto l
r0 = *(u32 *)(r2 + 6)
l: r0 = 0
exit` },
  { name: "pkt_end >= pkt proves 8 bytes, not 9 (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R2 offset is outside of the packet",
    asm: `
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 8
if r3 >= r4 goto l
r0 = 0
exit
l: r0 = *(u64 *)(r2 + 0)
r0 = *(u8 *)(r2 + 8)
exit` },
  { name: "variable packet offset after the check (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R2 offset is outside of the packet",
    asm: `
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 20
if r4 > r3 goto l
r5 = *(u8 *)(r2 + 0)
r5 &= 15
r2 += r5
r0 = *(u8 *)(r2 + 0)
l: r0 = 0
exit` },
  { name: "variable packet offset before the check (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r5 = *(u32 *)(r1 + 0)
r5 &= 15
r2 += r5
r4 = r2
r4 += 4
if r4 > r3 goto l
r0 = *(u32 *)(r2 + 0)
l: r0 = 0
exit` },
  { name: "32-bit arithmetic on a pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R1 32-bit pointer arithmetic prohibited",
    asm: `
w1 += 7
r0 = 0
exit` },
  { name: "bitwise and on a pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R1 bitwise operator &= on pointer prohibited",
    asm: `
r1 &= 7
r0 = 0
exit` },
  { name: "pointer plus a huge constant (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "math between ctx pointer and 536870912 is not allowed",
    asm: `
r1 += 0x20000000
r0 = 0
exit` },
  { name: "comparing two pointers (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
if r1 > r10 goto l
l: r0 = 0
exit` },
  { name: "multiplying a pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R1 pointer arithmetic with *= operator prohibited",
    asm: `
r1 *= 7
r0 = 0
exit` },
  { name: "adding two pointers (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R2 pointer += pointer prohibited",
    asm: `
r2 = r10
r2 += r1
r0 = 0
exit` },
  { name: "subtracting two pointers (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = r10
r2 -= r1
r0 = r2
exit` },
  { name: "scalar plus the context pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "dereference of modified ctx ptr R2 off=8 disallowed",
    asm: `
r2 = 8
r2 += r1
r0 = *(u32 *)(r2 + 0)
exit` },
  { name: "scalar minus a pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R2 tried to subtract pointer from scalar",
    asm: `
r2 = 5
r2 -= r1
r0 = 0
exit` },
  { name: "arithmetic on sock_common_or_null (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R2 pointer arithmetic on sock_common_or_null prohibited, null-check it first",
    asm: `
r2 = *(u64 *)(r1 + 168)
r2 += 4
r0 = 0
exit` },
  { name: "skb->sk field outside sock_common (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R2 invalid sock_common access off=8 size=4",
    asm: `
r2 = *(u64 *)(r1 + 168)
if r2 == 0 goto l
r0 = *(u32 *)(r2 + 8)
l: r0 = 0
exit` },
  { name: "skb->sk read without a NULL check (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R2 invalid mem access 'sock_common_or_null'",
    asm: `
r2 = *(u64 *)(r1 + 168)
r0 = *(u32 *)(r2 + 4)
r0 = 0
exit` },
  { name: "skb->sk read after a NULL check (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u64 *)(r1 + 168)
if r2 == 0 goto l
r0 = *(u32 *)(r2 + 4)
l: r0 = 0
exit` },
  { name: "write into skb->sk (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R2 cannot write into sock_common",
    asm: `
r2 = *(u64 *)(r1 + 168)
if r2 == 0 goto l
r3 = 1
*(u32 *)(r2 + 4) = r3
l: r0 = 0
exit` },
  { name: "tc reads tstamp_type as a byte (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r0 = *(u8 *)(r1 + 180)
exit` },
  { name: "8-byte read of skb->len (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=0 size=8",
    asm: `
r0 = *(u64 *)(r1 + 0)
exit` },
  { name: "arithmetic on a map pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R1 pointer arithmetic on map_ptr prohibited", maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000' }]],
    asm: `
r1 = map_fd(2000) ll
r1 += 8
r0 = 0
exit` },
  { name: "map pointer spilled and filled (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined, maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000' }]],
    asm: `
r1 = map_fd(2000) ll
*(u64 *)(r10 - 8) = r1
r2 = *(u64 *)(r10 - 8)
r0 = 0
exit` },
  { name: "atomics on a map value (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined, maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000' }]],
    asm: `
r1 = map_value(2000, 0) ll
r2 = 1
lock *(u64 *)(r1 + 8) += r2
r2 = atomic_fetch_or((u64 *)(r1 + 0), r2)
r0 = 0
exit` },
  { name: "misaligned atomic on a map value (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "misaligned value access off 0+0+4 size 8", maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000' }]],
    asm: `
r1 = map_value(2000, 0) ll
r2 = 1
lock *(u64 *)(r1 + 4) += r2
r0 = 0
exit` },
  { name: "map value ld_imm64 past the value (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "invalid access to map value pointer, value_size=16 off=16", maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000' }]],
    asm: `
r1 = map_value(2000, 16) ll
r0 = 0
exit` },
  { name: "map value ld_imm64 of a hash map (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "no direct value access support for this map type", maps: [[2000, { type: 1, keySize: 4, valueSize: 16, maxEntries: 4, name: 'm2000' }]],
    asm: `
r1 = map_value(2000, 0) ll
r0 = 0
exit` },
  { name: "map value ld_imm64 of a 4-entry array (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "invalid access to map value pointer, value_size=16 off=0", maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 4, name: 'm2000' }]],
    asm: `
r1 = map_value(2000, 0) ll
r0 = 0
exit` },
  { name: "map value read below its start (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R1 min value is outside of the allowed memory range", maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000' }]],
    asm: `
r1 = map_value(2000, 0) ll
r0 = *(u32 *)(r1 - 4)
exit` },
  { name: "map value read and write in bounds (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined, maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000' }]],
    asm: `
r1 = map_value(2000, 0) ll
r0 = *(u64 *)(r1 + 8)
*(u32 *)(r1 + 12) = r0
r0 = 0
exit` },
  { name: "map value read past its end (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R1 min value is outside of the allowed memory range", maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000' }]],
    asm: `
r1 = map_value(2000, 4) ll
r0 = *(u64 *)(r1 + 8)
exit` },
  { name: "map value pointer spilled and filled (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined, maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000' }]],
    asm: `
r1 = map_value(2000, 4) ll
*(u64 *)(r10 - 8) = r1
r2 = *(u64 *)(r10 - 8)
r0 = *(u32 *)(r2 + 8)
exit` },
  { name: "map value at a bounded variable offset (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined, maps: [[2000, { type: 2, keySize: 4, valueSize: 64, maxEntries: 1, name: 'm2000' }]],
    asm: `
r2 = *(u32 *)(r1 + 0)
r2 &= 31
r1 = map_value(2000, 0) ll
r1 += r2
r0 = *(u32 *)(r1 + 0)
exit` },
  { name: "map value at a possibly negative offset (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R1 min value is negative, either use unsigned index or do a if (index >=0) check.", maps: [[2000, { type: 2, keySize: 4, valueSize: 32, maxEntries: 1, name: 'm2000' }]],
    asm: `
r2 = *(u32 *)(r1 + 0)
r2 = (s8)r2
r1 = map_value(2000, 0) ll
r1 += r2
r0 = *(u8 *)(r1 + 0)
exit` },
  { name: "map value offset bounded too loosely (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R1 max value is outside of the allowed memory range", maps: [[2000, { type: 2, keySize: 4, valueSize: 32, maxEntries: 1, name: 'm2000' }]],
    asm: `
r2 = *(u32 *)(r1 + 0)
r2 &= 31
r1 = map_value(2000, 0) ll
r1 += r2
r0 = *(u32 *)(r1 + 0)
exit` },
  { name: "map value at an unbounded offset (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R1 unbounded memory access, make sure to bounds check any such access", maps: [[2000, { type: 2, keySize: 4, valueSize: 32, maxEntries: 1, name: 'm2000' }]],
    asm: `
r2 = *(u32 *)(r1 + 0)
r1 = map_value(2000, 0) ll
r1 += r2
r0 = *(u8 *)(r1 + 0)
exit` },
  { name: "frozen read-only map read as constants (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined, maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000', flags: 128, frozen: true, initialValue: hex('0100000002000000ffffffff00000000') }]],
    asm: `
r1 = map_value(2000, 0) ll
r0 = *(u32 *)(r1 + 4)
if r0 == 2 goto l
r0 = *(u64 *)(r10 - 600)
l: r0 = *(s32 *)(r1 + 8)
exit` },
  { name: "read-only map not frozen (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined, maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000', flags: 128 }]],
    asm: `
r1 = map_value(2000, 0) ll
r0 = *(u32 *)(r1 + 4)
exit` },
  { name: "write into a read-only map (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "write into map forbidden, value_size=16 off=0 size=4", maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000', flags: 128 }]],
    asm: `
r1 = map_value(2000, 0) ll
r2 = 0
*(u32 *)(r1 + 0) = r2
r0 = 0
exit` },
  { name: "read from a write-only map (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "read from map forbidden, value_size=16 off=4 size=4", maps: [[2000, { type: 2, keySize: 4, valueSize: 16, maxEntries: 1, name: 'm2000', flags: 256 }]],
    asm: `
r1 = map_value(2000, 0) ll
r0 = *(u32 *)(r1 + 4)
exit` },
  { name: "egress_ifindex outside devmap programs (xdp)", type: 'xdp', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=20 size=4",
    asm: `
r0 = *(u32 *)(r1 + 20)
r0 = 2
exit` },
  { name: "xdp data_meta bounded by data (xdp)", type: 'xdp', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 8)
r3 = *(u32 *)(r1 + 0)
r4 = r2
r4 += 8
if r4 > r3 goto l
r0 = *(u64 *)(r2 + 0)
l: r0 = 2
exit` },
  { name: "xdp ethernet and IP header parse (xdp)", type: 'xdp', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r4 = r2
r4 += 34
if r4 > r3 goto drop
r5 = *(u16 *)(r2 + 12)
if r5 != 8 goto pass
r5 = *(u8 *)(r2 + 23)
r0 = 2
exit
drop: r0 = 1
exit
pass: r0 = 2
exit` },
  { name: "8-byte read of xdp_md->data (xdp)", type: 'xdp', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=0 size=8",
    asm: `
r0 = *(u64 *)(r1 + 0)
r0 = 2
exit` },
  { name: "xdp writes rx_queue_index (xdp)", type: 'xdp', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=16 size=4",
    asm: `
r2 = 1
*(u32 *)(r1 + 16) = r2
r0 = 2
exit` },
  { name: "cgroup_skb packet read (cgroup_skb)", type: 'cgroup_skb', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 1
if r4 > r3 goto l
r0 = *(u8 *)(r2 + 0)
l: r0 = 1
exit` },
  { name: "cgroup_skb writes ifindex (cgroup_skb)", type: 'cgroup_skb', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=40 size=4",
    asm: `
r2 = 5
*(u32 *)(r1 + 40) = r2
r0 = 1
exit` },
  { name: "cgroup_skb writes mark (cgroup_skb)", type: 'cgroup_skb', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = 5
*(u32 *)(r1 + 8) = r2
r0 = 1
exit` },
  { name: "cgroup_skb writes the packet (cgroup_skb)", type: 'cgroup_skb', attach: undefined, verdict: 'reject', error: "cannot write into packet",
    asm: `
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 1
if r4 > r3 goto l
r0 = 0
*(u8 *)(r2 + 0) = r0
l: r0 = 1
exit` },
  { name: "kprobe read past pt_regs (kprobe)", type: 'kprobe', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=168 size=8",
    asm: `
r0 = *(u64 *)(r1 + 168)
r0 = 0
exit` },
  { name: "kprobe reads pt_regs (kprobe)", type: 'kprobe', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r0 = *(u64 *)(r1 + 112)
r2 = *(u32 *)(r1 + 160)
r0 = 0
exit` },
  { name: "kprobe writes pt_regs (kprobe)", type: 'kprobe', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=0 size=8",
    asm: `
r2 = 0
*(u64 *)(r1 + 0) = r2
r0 = 0
exit` },
  { name: "tracepoint reads its fields (tracepoint)", type: 'tracepoint', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r0 = *(u32 *)(r1 + 8)
r0 = *(u16 *)(r1 + 14)
r0 = 0
exit` },
  { name: "tracepoint reads its first 8 bytes (tracepoint)", type: 'tracepoint', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=0 size=8",
    asm: `
r0 = *(u64 *)(r1 + 0)
r0 = 0
exit` },
  { name: "perf_event sample_period, narrow too (perf_event)", type: 'perf_event', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r0 = *(u64 *)(r1 + 168)
r0 = *(u32 *)(r1 + 172)
r0 = 0
exit` },
  { name: "perf_event 4-byte read of regs (perf_event)", type: 'perf_event', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=8 size=4",
    asm: `
r0 = *(u32 *)(r1 + 8)
r0 = 0
exit` },
  { name: "raw_tracepoint reads its arguments (raw_tracepoint)", type: 'raw_tracepoint', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r0 = *(u64 *)(r1 + 8)
r0 = *(u32 *)(r1 + 92)
r0 = 0
exit` },
  { name: "raw_tracepoint read past 12 arguments (raw_tracepoint)", type: 'raw_tracepoint', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=96 size=8",
    asm: `
r0 = *(u64 *)(r1 + 96)
r0 = 0
exit` },
  { name: "flow keys read and written (flow_dissector)", type: 'flow_dissector', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u64 *)(r1 + 144)
r0 = *(u16 *)(r2 + 0)
r0 = *(u32 *)(r2 + 52)
r3 = 1
*(u16 *)(r2 + 2) = r3
r0 = 0
exit` },
  { name: "variable offset on flow keys (flow_dissector)", type: 'flow_dissector', attach: undefined, verdict: 'reject', error: "R2 pointer arithmetic on flow_keys prohibited",
    asm: `
r2 = *(u64 *)(r1 + 144)
r3 = *(u8 *)(r2 + 0)
r2 += r3
r0 = 0
exit` },
  { name: "flow keys read past the struct (flow_dissector)", type: 'flow_dissector', attach: undefined, verdict: 'reject', error: "invalid access to flow keys off=54 size=4",
    asm: `
r2 = *(u64 *)(r1 + 144)
r0 = *(u32 *)(r2 + 54)
r0 = 0
exit` },
  { name: "flow_dissector reads skb->len (flow_dissector)", type: 'flow_dissector', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=0 size=4",
    asm: `
r0 = *(u32 *)(r1 + 0)
r0 = 0
exit` },
  { name: "sock_ops reads sk, bytes_received, writes reply (sock_ops)", type: 'sock_ops', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u64 *)(r1 + 184)
if r2 == 0 goto l
r0 = *(u32 *)(r2 + 4)
l: r0 = *(u64 *)(r1 + 168)
r2 = 1
*(u32 *)(r1 + 4) = r2
r0 = 1
exit` },
  { name: "sock_ops writes family (sock_ops)", type: 'sock_ops', attach: undefined, verdict: 'reject', error: "invalid bpf_context access off=20 size=4",
    asm: `
r2 = 1
*(u32 *)(r1 + 20) = r2
r0 = 1
exit` },
  { name: "getsockopt optval bounded by optval_end (cgroup_sockopt/cgroup_getsockopt)", type: 'cgroup_sockopt', attach: 'cgroup_getsockopt', verdict: 'accept', error: undefined,
    asm: `
r2 = *(u64 *)(r1 + 8)
r3 = *(u64 *)(r1 + 16)
r4 = r2
r4 += 4
if r4 > r3 goto l
r0 = *(u32 *)(r2 + 0)
*(u32 *)(r2 + 0) = r0
l: r0 = 1
exit` },
  { name: "sockopt writes retval (cgroup_sockopt/cgroup_getsockopt)", type: 'cgroup_sockopt', attach: 'cgroup_getsockopt', verdict: 'accept', error: undefined,
    asm: `
r2 = 0
*(u32 *)(r1 + 36) = r2
r0 = 1
exit` },
  { name: "sockopt writes retval (cgroup_sockopt/cgroup_setsockopt)", type: 'cgroup_sockopt', attach: 'cgroup_setsockopt', verdict: 'reject', error: "invalid bpf_context access off=36 size=4",
    asm: `
r2 = 0
*(u32 *)(r1 + 36) = r2
r0 = 1
exit` },
  { name: "cgroup_sock writes mark (cgroup_sock/cgroup_inet_sock_create)", type: 'cgroup_sock', attach: 'cgroup_inet_sock_create', verdict: 'accept', error: undefined,
    asm: `
r2 = 7
*(u32 *)(r1 + 16) = r2
r0 = *(u32 *)(r1 + 4)
r0 = 1
exit` },
  { name: "cgroup_sock reads src_ip4 (cgroup_sock/cgroup_inet_sock_create)", type: 'cgroup_sock', attach: 'cgroup_inet_sock_create', verdict: 'reject', error: "invalid bpf_context access off=24 size=4",
    asm: `
r0 = *(u32 *)(r1 + 24)
r0 = 1
exit` },
  { name: "cgroup_sock writes mark (cgroup_sock/cgroup_inet4_post_bind)", type: 'cgroup_sock', attach: 'cgroup_inet4_post_bind', verdict: 'reject', error: "invalid bpf_context access off=16 size=4",
    asm: `
r2 = 7
*(u32 *)(r1 + 16) = r2
r0 = *(u32 *)(r1 + 4)
r0 = 1
exit` },
  { name: "cgroup_sock reads src_ip4 (cgroup_sock/cgroup_inet4_post_bind)", type: 'cgroup_sock', attach: 'cgroup_inet4_post_bind', verdict: 'accept', error: undefined,
    asm: `
r0 = *(u32 *)(r1 + 24)
r0 = 1
exit` },
  { name: "sign-extending fill of a spilled scalar (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 0)
r2 &= 0xff
*(u64 *)(r10 - 8) = r2
r0 = *(s8 *)(r10 - 8)
r0 = 0
exit` },
  { name: "packet pointer spilled, range kept (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
*(u64 *)(r10 - 8) = r2
r4 = r2
r4 += 4
if r4 > r3 goto l
r5 = *(u64 *)(r10 - 8)
r0 = *(u32 *)(r5 + 0)
l: r0 = 0
exit` },
  { name: "narrow spill of a pointer (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "invalid size of register spill",
    asm: `
r2 = *(u32 *)(r1 + 76)
*(u32 *)(r10 - 8) = r2
r0 = 0
exit` },
  { name: "variable stack read misaligned (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "misaligned stack access off (0x0; 0xff)+-16+0 size 8",
    asm: `
r3 = *(u32 *)(r1 + 0)
r3 &= 0xff
r4 = r10
r4 += -16
r4 += r3
r0 = *(u64 *)(r4 + 0)
exit` },
  { name: "variable stack read of zeros (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = 0
*(u64 *)(r10 - 8) = r2
*(u64 *)(r10 - 16) = r2
r3 = *(u32 *)(r1 + 0)
r3 &= 8
r4 = r10
r4 += -16
r4 += r3
r0 = *(u64 *)(r4 + 0)
exit` },
  { name: "comparison reads dst before src (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'reject', error: "R3 !read_ok",
    asm: `
if r3 > r4 goto l
l: r0 = 0
exit` },
  { name: "sign-extending movs (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 0)
r3 = (s8)r2
w4 = (s16)w2
r5 = (s32)r2
r0 = 0
exit` },
  { name: "stack depth rounds to 8 (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r1 = 0
*(u32 *)(r10 - 4) = r1
r0 = 0
exit` },
  { name: "sign-extending 32-bit context load (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r0 = *(s32 *)(r1 + 0)
r0 = 0
exit` },
  { name: "sign-extending byte context load (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r0 = *(s8 *)(r1 + 0)
r0 = 0
exit` },
  { name: "sign-extending packet load (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = *(u32 *)(r1 + 76)
r3 = *(u32 *)(r1 + 80)
r4 = r2
r4 += 8
if r4 > r3 goto l
r0 = *(s16 *)(r2 + 2)
l: r0 = 0
exit` },
  { name: "sign-extending fill of a constant (sched_cls)", type: 'sched_cls', attach: undefined, verdict: 'accept', error: undefined,
    asm: `
r2 = -5
*(u64 *)(r10 - 8) = r2
r0 = *(s8 *)(r10 - 8)
exit` },
];
