// Table tests of the tnum operations (kernel/bpf/tnum.c). Expected values
// are worked out by hand or taken from live-kernel verifier logs (noted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Tnum, tnum, tnumConst, tnumRange, tnumAdd, tnumSub, tnumNeg, tnumMul, tnumAnd, tnumOr, tnumXor, tnumLshift,
  tnumRshift, tnumArshift, tnumIntersect, tnumUnion, tnumCast, tnumIn, tnumStep, tnumBswap16, tnumBswap32,
  tnumBswap64, tnumOverlap, tnumIsAligned, tnumSubreg, tnumClearSubreg, tnumWithSubreg, tnumConstSubreg,
  tnumStr, tnumStrn, tnumSbin, TNUM_UNKNOWN, U64_MAX, tnumIsConst, tnumIsUnknown, tnumSubregIsConst,
} from '../../src/verifier/scalar';

const T = (value: bigint, mask: bigint): Tnum => tnum(value, mask);
const eq = (got: Tnum, want: Tnum, what: string): void =>
  assert.deepEqual([got.value, got.mask], [want.value, want.mask], `${what}: got ${tnumStr(got)} want ${tnumStr(want)}`);

const cases: [string, () => Tnum, Tnum][] = [
  ['const', () => tnumConst(5n), T(5n, 0n)],
  ['const of -1 wraps to u64', () => tnumConst(-1n), T(U64_MAX, 0n)],
  ['range 0..255', () => tnumRange(0n, 255n), T(0n, 0xffn)],
  ['range 16..31', () => tnumRange(16n, 31n), T(0x10n, 0xfn)],
  ['range 15..17', () => tnumRange(15n, 17n), T(0n, 0x1fn)],
  ['range single value', () => tnumRange(42n, 42n), T(42n, 0n)],
  ['range whole u64', () => tnumRange(0n, U64_MAX), TNUM_UNKNOWN],
  ['range across bit 63', () => tnumRange(0x7fffffffffffffffn, 0x8000000000000000n), TNUM_UNKNOWN],
  ['add x1 + x1', () => tnumAdd(T(0n, 1n), T(0n, 1n)), T(0n, 3n)],
  ['add consts', () => tnumAdd(tnumConst(3n), tnumConst(4n)), T(7n, 0n)],
  ['add wraps', () => tnumAdd(tnumConst(U64_MAX), tnumConst(2n)), T(1n, 0n)],
  ['add 0..255 + 100 (kernel: r1 += 100)', () => tnumAdd(T(0n, 0xffn), tnumConst(100n)), T(0n, 0x1ffn)],
  ['sub 0..255 - 300 (kernel: r2 -= 300)', () => tnumSub(T(0n, 0xffn), tnumConst(300n)), T(0xfffffffffffffe00n, 0x1ffn)],
  ['neg of (0; 3) is unknown (kernel: r3 = -r3)', () => tnumNeg(T(0n, 3n)), TNUM_UNKNOWN],
  ['neg const', () => tnumNeg(tnumConst(5n)), T(U64_MAX - 4n, 0n)],
  ['mul (0;5) * (0;3) (kernel: r6 *= r7)', () => tnumMul(T(0n, 5n), T(0n, 3n)), T(0n, 0xfn)],
  ['mul consts', () => tnumMul(tnumConst(6n), tnumConst(7n)), T(42n, 0n)],
  ['mul by const 2 shifts', () => tnumMul(T(0n, 0xfn), tnumConst(2n)), T(0n, 0x1en)],
  ['mul (7;0x40) * 0x7fffffff, low half (kernel: w7 *= 2147483647; the 2021 algorithm is less precise)',
    () => tnumSubreg(tnumMul(T(7n, 0x40n), tnumConst(0x7fffffffn))), T(0x7fffffb9n, 0x40n)],
  ['and mask', () => tnumAnd(T(0n, 0xffn), tnumConst(0xf0n)), T(0n, 0xf0n)],
  ['and known ones', () => tnumAnd(T(0x11n, 0xeen), tnumConst(0x0fn)), T(0x01n, 0x0en)],
  ['or (kernel: r4 |= 256)', () => tnumOr(T(0n, 0xffn), tnumConst(0x100n)), T(0x100n, 0xffn)],
  ['xor', () => tnumXor(T(0n, 0xffn), tnumConst(0xf0n)), T(0n, 0xffn)],
  ['xor consts', () => tnumXor(tnumConst(0xf0n), tnumConst(0xffn)), T(0x0fn, 0n)],
  ['lshift 60 (kernel: r7 <<= 60)', () => tnumLshift(T(0n, 0xffn), 60), T(0n, 0xf000000000000000n)],
  ['rshift 3 (kernel: r8 >>= 3)', () => tnumRshift(T(0n, 0xffn), 3), T(0n, 0x1fn)],
  ['arshift 64-bit of a negative const', () => tnumArshift(tnumConst(0x8000000000000000n), 4, 64), T(0xf800000000000000n, 0n)],
  ['arshift 32-bit uses bit 31', () => tnumArshift(T(0x80000000n, 0n), 4, 32), T(0xf8000000n, 0n)],
  ['arshift 32-bit unknown sign', () => tnumArshift(T(0n, 0x80000000n), 4, 32), T(0n, 0xf8000000n)],
  ['intersect (0;0xf0) with range 15..17', () => tnumIntersect(T(0n, 0xf0n), tnumRange(15n, 17n)), T(0n, 0x10n)],
  ['union of disjoint consts', () => tnumUnion(tnumConst(0b1010n), tnumConst(0b0101n)), T(0n, 0xfn)],
  ['union keeps common bits', () => tnumUnion(tnumConst(0x13n), tnumConst(0x11n)), T(0x11n, 0x2n)],
  ['cast to 1 byte', () => tnumCast(T(0x1200n, 0x34n), 1), T(0n, 0x34n)],
  ['cast to 4 bytes', () => tnumCast(T(0x100000000n, 0xffn), 4), T(0n, 0xffn)],
  ['bswap16', () => tnumBswap16(T(0x1200n, 0x00ffn)), T(0x0012n, 0xff00n)],
  ['bswap16 drops high bits (kernel: be16 of (0;0x3))', () => tnumBswap16(T(0x10000n, 0x3n)), T(0n, 0x300n)],
  ['bswap32', () => tnumBswap32(T(0x12345678n, 0n)), T(0x78563412n, 0n)],
  ['bswap64 (kernel: be64 of (0;0xfff))', () => tnumBswap64(T(0n, 0xfffn)), T(0n, 0xff0f000000000000n)],
  ['subreg', () => tnumSubreg(T(0x1_0000_0001n, 0xf0_0000_00f0n)), T(1n, 0xf0n)],
  ['clear subreg', () => tnumClearSubreg(T(0x1_0000_0001n, 0xf0_0000_00f0n)), T(0x1_0000_0000n, 0xf0_0000_0000n)],
  ['with subreg', () => tnumWithSubreg(T(0x1_0000_0000n, 0n), T(0xffff_0000_0005n, 0x30n)), T(0x1_0000_0005n, 0x30n)],
  ['const subreg', () => tnumConstSubreg(TNUM_UNKNOWN, 7n), T(7n, 0xffff_ffff_0000_0000n)],
];

for (const [name, f, want] of cases) test(`tnum ${name}`, () => eq(f(), want, name));

test('tnum_step: the next member above z', () => {
  const t = T(0b01110000n, 0b10000010n); // x11100x0
  assert.equal(tnumStep(t, 0b11110001n), 0b11110010n);
  assert.equal(tnumStep(t, 0b01110000n), 0b01110010n);
  assert.equal(tnumStep(t, 0b01110010n), 0b11110000n);
  assert.equal(tnumStep(t, 0x05n), 0x70n, 'below the smallest member');
  assert.equal(tnumStep(t, 0xffn), 0xf2n, 'above the largest member');
  assert.equal(tnumStep(T(0n, 0xf0n), 15n), 16n);
  assert.equal(tnumStep(T(0n, 0xf0n), 16n), 32n);
});

test('tnum predicates: in, overlap, aligned, const, unknown', () => {
  assert.equal(tnumIn(T(0n, 0xffn), T(0x10n, 0xfn)), true);
  assert.equal(tnumIn(T(0x10n, 0xfn), T(0n, 0xffn)), false);
  assert.equal(tnumIn(T(0x10n, 0xfn), tnumConst(0x1fn)), true);
  assert.equal(tnumIn(T(0x10n, 0xfn), tnumConst(0x2fn)), false);
  assert.equal(tnumOverlap(T(0n, 0xf0n), tnumConst(1n)), false, 'kernel predicts r7 == 1 not taken');
  assert.equal(tnumOverlap(T(0n, 0xf0n), tnumConst(0x10n)), true);
  assert.equal(tnumIsAligned(T(0x10n, 0x30n), 16n), true);
  assert.equal(tnumIsAligned(T(0x10n, 0x38n), 16n), false);
  assert.equal(tnumIsAligned(T(3n, 0n), 0n), true);
  assert.equal(tnumIsConst(tnumConst(9n)), true);
  assert.equal(tnumIsConst(T(0n, 1n)), false);
  assert.equal(tnumIsUnknown(TNUM_UNKNOWN), true);
  assert.equal(tnumSubregIsConst(T(0n, 0xffff_ffff_0000_0000n)), true);
});

test('tnum_in and tnum_overlap: their fast paths (equal masks, 32-bit operands) answer as the kernel formulas', () => {
  // as kernel/bpf/tnum.c writes them: tnum_in: b.mask & ~a.mask, then a.value == (b.value & ~a.mask);
  // tnum_overlap: the values agree on the bits known in both
  const not = (x: bigint): bigint => x ^ U64_MAX;
  const kernelIn = (a: Tnum, b: Tnum): boolean => (b.mask & not(a.mask)) === 0n && a.value === (b.value & not(a.mask));
  const kernelOverlap = (a: Tnum, b: Tnum): boolean => (a.value & not(a.mask) & not(b.mask)) === (b.value & not(a.mask) & not(b.mask));
  const masks = [0n, 1n, 0xfn, 0xf0n, 0xffn, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0000n, 0xffff_0000_0000_ffffn, U64_MAX];
  const values = [0n, 1n, 0x10n, 0x2fn, 0xf0n, 0x8000_0000n, 0xffff_ffffn, 0x1_0000_0010n, 0x8000_0000_0000_0000n, U64_MAX];
  // well formed: no value bit under the mask (the operations keep it so)
  const tnums: Tnum[] = [];
  for (const m of masks) for (const v of values) tnums.push(T(v & not(m), m));
  let ins = 0, overlaps = 0;
  for (const a of tnums) {
    for (const b of tnums) {
      const want = kernelIn(a, b), wantOverlap = kernelOverlap(a, b);
      assert.equal(tnumIn(a, b), want, `tnum_in(${tnumStr(a)}, ${tnumStr(b)})`);
      assert.equal(tnumOverlap(a, b), wantOverlap, `tnum_overlap(${tnumStr(a)}, ${tnumStr(b)})`);
      if (want) ins++;
      if (wantOverlap) overlaps++;
    }
  }
  const pairs = tnums.length * tnums.length;
  assert.ok(ins > tnums.length && ins < pairs && overlaps > tnums.length && overlaps < pairs, 'the table has pairs on both sides');
});

test('tnum printing: tnum_strn and tnum_sbin', () => {
  assert.equal(tnumStr(T(0n, 0xffn)), '(0x0; 0xff)');
  assert.equal(tnumStrn(T(0n, 0xffn)), '(0x0; 0xff)');
  assert.equal(tnumStrn(tnumConst(65535n)), '65535');
  assert.equal(tnumStrn(tnumConst(65536n)), '0x10000');
  assert.equal(tnumStrn(T(0xffff0000n, 0xffffffff0000ffffn)), '(0xffff0000; 0xffffffff0000ffff)');
  assert.equal(tnumSbin(T(0b0101n, 0b1010n)), '0'.repeat(60) + 'x1x1');
  assert.equal(tnumSbin(TNUM_UNKNOWN), 'x'.repeat(64));
});
