// Tracked numbers ("tnums"): per-bit knowledge of a 64-bit value (known 0,
// known 1, unknown). Models kernel/bpf/tnum.c and include/linux/tnum.h:
// tnum_const, tnum_range, tnum_lshift, tnum_rshift, tnum_arshift, tnum_add,
// tnum_sub, tnum_neg, tnum_and, tnum_or, tnum_xor, tnum_mul (long
// multiplication with tnum_union for uncertain multiplier bits, the 6.18
// algorithm), tnum_intersect, tnum_union, tnum_cast, tnum_is_aligned,
// tnum_in, tnum_overlap, tnum_strn, tnum_sbin and the subreg helpers
// (tnum_subreg, tnum_clear_subreg, tnum_with_subreg, tnum_const_subreg,
// tnum_subreg_is_const, tnum_is_const, tnum_is_unknown, tnum_equals_const).
// All values are u64 held in bigint and always kept in [0, 2^64).

/** A tnum: bits set in `mask` are unknown; other bits have the value in `value`. */
export interface Tnum {
  readonly value: bigint;
  readonly mask: bigint;
}

export const U64_MAX = 0xffff_ffff_ffff_ffffn;
export const U32_MAX = 0xffff_ffffn;
export const S64_MAX = 0x7fff_ffff_ffff_ffffn;
export const S64_MIN = -0x8000_0000_0000_0000n;
export const S32_MAX = 0x7fff_ffffn;
export const S32_MIN = -0x8000_0000n;

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const not64 = (x: bigint): bigint => x ^ U64_MAX;

/** TNUM(v, m), normalised to u64. */
export const tnum = (value: bigint, mask: bigint): Tnum => ({ value: u64(value), mask: u64(mask) });

/** tnum_unknown: nothing known. */
export const TNUM_UNKNOWN: Tnum = Object.freeze({ value: 0n, mask: U64_MAX });

/** tnum_const */
export const tnumConst = (value: bigint): Tnum => ({ value: u64(value), mask: 0n });

/** fls64: 1-based index of the most significant set bit, 0 for 0 (x is a u64). */
export function fls64(x: bigint): number {
  if (x === 0n) return 0;
  const hi = Number(x >> 32n);
  if (hi !== 0) return 64 - Math.clz32(hi);
  return 32 - Math.clz32(Number(x & 0xffff_ffffn));
}

/** tnum_range: the smallest tnum containing every value of [min, max] (u64). */
export function tnumRange(min: bigint, max: bigint): Tnum {
  const lo = u64(min);
  const chi = lo ^ u64(max);
  const bits = fls64(chi);
  if (bits > 63) return TNUM_UNKNOWN;
  const delta = (1n << BigInt(bits)) - 1n;
  return { value: lo & not64(delta), mask: delta };
}

/** tnum_lshift: shift in [0, 63] (the verifier never shifts by more). */
export const tnumLshift = (a: Tnum, shift: number): Tnum =>
  ({ value: u64(a.value << BigInt(shift)), mask: u64(a.mask << BigInt(shift)) });

/** tnum_rshift: logical shift right. */
export const tnumRshift = (a: Tnum, shift: number): Tnum =>
  ({ value: a.value >> BigInt(shift), mask: a.mask >> BigInt(shift) });

/** tnum_arshift: arithmetic shift right of value and mask in `bits`-bit width (32 or 64). */
export function tnumArshift(a: Tnum, minShift: number, bits: 32 | 64 = 64): Tnum {
  const sh = BigInt(minShift);
  if (bits === 32) {
    const v = BigInt.asIntN(32, a.value) >> sh;
    const m = BigInt.asIntN(32, a.mask) >> sh;
    return { value: BigInt.asUintN(32, v), mask: BigInt.asUintN(32, m) };
  }
  return { value: u64(s64(a.value) >> sh), mask: u64(s64(a.mask) >> sh) };
}

/** tnum_add */
export function tnumAdd(a: Tnum, b: Tnum): Tnum {
  const sm = a.mask + b.mask;
  const sv = a.value + b.value;
  const sigma = u64(sm + sv);
  const chi = sigma ^ u64(sv);
  const mu = chi | a.mask | b.mask;
  return { value: u64(sv) & not64(mu), mask: mu };
}

/** tnum_sub */
export function tnumSub(a: Tnum, b: Tnum): Tnum {
  const dv = u64(a.value - b.value);
  const alpha = u64(dv + a.mask);
  const beta = u64(dv - b.mask);
  const chi = alpha ^ beta;
  const mu = chi | a.mask | b.mask;
  return { value: dv & not64(mu), mask: mu };
}

/** tnum_neg: 0 - a. */
export const tnumNeg = (a: Tnum): Tnum => tnumSub(tnumConst(0n), a);

/** tnum_and */
export function tnumAnd(a: Tnum, b: Tnum): Tnum {
  const alpha = a.value | a.mask;
  const beta = b.value | b.mask;
  const v = a.value & b.value;
  return { value: v, mask: alpha & beta & not64(v) };
}

/** tnum_or */
export function tnumOr(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask | b.mask;
  return { value: v, mask: mu & not64(v) };
}

/** tnum_xor */
export function tnumXor(a: Tnum, b: Tnum): Tnum {
  const v = a.value ^ b.value;
  const mu = a.mask | b.mask;
  return { value: v & not64(mu), mask: mu };
}

/** tnum_union: a tnum containing every value of a and of b. */
export function tnumUnion(a: Tnum, b: Tnum): Tnum {
  const v = a.value & b.value;
  const mu = (a.value ^ b.value) | a.mask | b.mask;
  return { value: v & not64(mu), mask: mu };
}

/**
 * tnum_mul: long multiplication over the trits of `a`; a known-1 bit adds the
 * shifted multiplicand, an unknown bit takes the union of "added" and "not added".
 */
export function tnumMul(a0: Tnum, b0: Tnum): Tnum {
  let a = a0;
  let b = b0;
  let acc: Tnum = { value: 0n, mask: 0n };
  while (a.value !== 0n || a.mask !== 0n) {
    if (a.value & 1n) acc = tnumAdd(acc, b);
    else if (a.mask & 1n) acc = tnumUnion(acc, tnumAdd(acc, b));
    a = tnumRshift(a, 1);
    b = tnumLshift(b, 1);
  }
  return acc;
}

/** tnum_intersect: values satisfying both (on disagreement a known 1 wins, as in the kernel). */
export function tnumIntersect(a: Tnum, b: Tnum): Tnum {
  const v = a.value | b.value;
  const mu = a.mask & b.mask;
  return { value: v & not64(mu), mask: mu };
}

/** The low `size` bytes of a u64, by size (0 to 8). */
const CAST_MASKS: readonly bigint[] = Array.from({ length: 9 }, (_, size) => (size >= 8 ? U64_MAX : (1n << BigInt(size * 8)) - 1n));

/** tnum_cast: keep the low `size` bytes. */
export function tnumCast(a: Tnum, size: number): Tnum {
  const m = size >= 8 ? U64_MAX : CAST_MASKS[size] ?? (1n << BigInt(size * 8)) - 1n;
  return { value: a.value & m, mask: a.mask & m };
}

/** tnum_is_aligned */
export function tnumIsAligned(a: Tnum, size: bigint): boolean {
  if (size === 0n) return true;
  return ((a.value | a.mask) & (size - 1n)) === 0n;
}

/** tnum_in: is every value of b also a value of a? */
export function tnumIn(a: Tnum, b: Tnum): boolean {
  // fast paths that make no bigint (regsafe asks this of every bounded scalar it compares)
  const am = a.mask;
  // a constant or unknown `a` (most explored states' scalars)
  if (am === 0n) return b.mask === 0n && a.value === b.value;
  if (am === U64_MAX) return a.value === 0n;
  // tnums are well formed (value & mask == 0, as every operation here keeps them): b's value has no bit in a's mask
  if (b.mask === am) return a.value === b.value;
  if (am <= U32_MAX && b.mask <= U32_MAX && b.value <= U32_MAX) {
    // the low 32 bits on Numbers (b has no high bit: a must have none either)
    const m = Number(am);
    return (Number(b.mask) & ~m) === 0 && ((Number(b.value) & ~m) >>> 0) === Number(a.value);
  }
  if (b.mask & not64(am)) return false;
  return a.value === (b.value & not64(am));
}

/** tnum_overlap: can a and b hold the same value? */
export function tnumOverlap(a: Tnum, b: Tnum): boolean {
  if (a.mask <= U32_MAX && b.mask <= U32_MAX && a.value <= U32_MAX && b.value <= U32_MAX) {
    // the low 32 bits on Numbers (the high ones are known zero in both): no bigint made (is_branch_taken's common case)
    return ((Number(a.value) ^ Number(b.value)) & ~(Number(a.mask) | Number(b.mask))) === 0;
  }
  const mu = not64(a.mask) & not64(b.mask);
  return (a.value & mu) === (b.value & mu);
}

/** tnum_is_const */
export const tnumIsConst = (a: Tnum): boolean => a.mask === 0n;
/** tnum_equals_const */
export const tnumEqualsConst = (a: Tnum, b: bigint): boolean => a.mask === 0n && a.value === u64(b);
/** tnum_is_unknown */
export const tnumIsUnknown = (a: Tnum): boolean => a.mask === U64_MAX;
/** Does the concrete u64 value x belong to a? */
export const tnumContains = (a: Tnum, x: bigint): boolean => (u64(x) & not64(a.mask)) === a.value;

/** tnum_subreg: the low 32 bits. */
export const tnumSubreg = (a: Tnum): Tnum => tnumCast(a, 4);
/** tnum_clear_subreg: the high 32 bits, low 32 bits known zero. */
export const tnumClearSubreg = (a: Tnum): Tnum => tnumLshift(tnumRshift(a, 32), 32);
/** tnum_with_subreg: high 32 bits of reg, low 32 bits of subreg. */
export const tnumWithSubreg = (reg: Tnum, subreg: Tnum): Tnum => tnumOr(tnumClearSubreg(reg), tnumSubreg(subreg));
/** tnum_const_subreg: high 32 bits of a, low 32 bits the constant. */
export const tnumConstSubreg = (a: Tnum, value: bigint): Tnum => tnumWithSubreg(a, tnumConst(value));
/** tnum_subreg_is_const */
export const tnumSubregIsConst = (a: Tnum): boolean => (a.mask & U32_MAX) === 0n;

/** tnum_strn: "(%#llx; %#llx)"; the kernel's vsnprintf prints 0 as "0x0" (unlike glibc). */
export function tnumStr(a: Tnum): string {
  return `(0x${a.value.toString(16)}; 0x${a.mask.toString(16)})`;
}

/** tnum_sbin: 64 characters, most significant first, '0', '1' or 'x'. */
export function tnumSbin(a: Tnum): string {
  let s = '';
  for (let i = 63; i >= 0; i--) {
    const bit = 1n << BigInt(i);
    s += a.mask & bit ? 'x' : a.value & bit ? '1' : '0';
  }
  return s;
}

/**
 * tnum_step: the smallest member of `t` greater than `z`. Returns the largest
 * member (value | mask) when z is at or above it, and the smallest member
 * (value) when z is below it.
 */
export function tnumStep(t: Tnum, z0: bigint): bigint {
  const z = u64(z0);
  const tmax = t.value | t.mask;
  if (z >= tmax) return tmax;
  if (z < t.value) return t.value;
  // Members are value + s for submasks s of mask; find the next submask above d.
  const d = z - t.value;
  const fixedBits = d & not64(t.mask);
  const carryMask = (1n << BigInt(fls64(fixedBits))) - 1n;
  const filled = d | carryMask | not64(t.mask);
  const inc = u64(filled + 1n) & t.mask;
  return t.value | inc;
}

const swapBytes = (x: bigint, bytes: number): bigint => {
  let r = 0n;
  for (let i = 0; i < bytes; i++) r |= ((x >> BigInt(8 * i)) & 0xffn) << BigInt(8 * (bytes - 1 - i));
  return r;
};
/** tnum_bswap16: swap the two low bytes; the result has only 16 bits. */
export const tnumBswap16 = (a: Tnum): Tnum => ({ value: swapBytes(a.value & 0xffffn, 2), mask: swapBytes(a.mask & 0xffffn, 2) });
/** tnum_bswap32 */
export const tnumBswap32 = (a: Tnum): Tnum => ({ value: swapBytes(a.value & U32_MAX, 4), mask: swapBytes(a.mask & U32_MAX, 4) });
/** tnum_bswap64 */
export const tnumBswap64 = (a: Tnum): Tnum => ({ value: swapBytes(a.value, 8), mask: swapBytes(a.mask, 8) });
