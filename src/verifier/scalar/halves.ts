// reg_bounds_sync and its parts on 32-bit halves: the same kernel/bpf/verifier.c
// functions as scalar.ts names (__update_reg32_bounds, __update_reg64_bounds with
// the tnum_step refinement, __reg32_deduce_bounds, __reg64_deduce_bounds,
// __reg_deduce_mixed_bounds, __reg_bound_offset, reg_bounds_sync) and the
// kernel/bpf/tnum.c helpers they use (tnum_range, tnum_intersect, tnum_step),
// computed without bigint: the verifier runs them after almost every ALU
// instruction and twice per branch, and each bigint operation allocates.
//
// A scalar is loaded into the working registers below (each 64-bit field as two
// uint32 numbers, high and low; the 32-bit bounds as plain numbers, s32 signed
// and u32 unsigned), worked on, and stored back: only the fields that changed
// get a new bigint. Signed 64-bit comparisons compare the high halves as int32
// (`h | 0`), unsigned ones as uint32; the low halves always as uint32.
import type { Scalar, MutScalar } from './scalar';
import { BPF_AND, BPF_OR } from '../../isa/opcodes';
import { Tnum, TNUM_UNKNOWN, U64_MAX, U32_MAX, S64_MAX, S64_MIN, S32_MAX, S32_MIN } from './tnum';

// One 8-byte buffer seen as a u64, an s64 and two u32 halves: bigint <-> halves
// without allocating on the way in.
const U64 = new BigUint64Array(1);
const S64 = new BigInt64Array(U64.buffer);
const W32 = new Uint32Array(U64.buffer);
const LO = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

// The working registers: each 64-bit field as two uint32 numbers (high, low),
// the 32-bit bounds as numbers (s32 signed, u32 unsigned), and the results of
// the tnum helpers (a tnum T_*, a u64 STEP_*). A Float64Array, not module
// variables: a variable holding a number outside the small-integer range is
// boxed on every assignment, an array element is not.
const SMIN_H = 0;
const SMIN_L = 1;
const SMAX_H = 2;
const SMAX_L = 3;
const UMIN_H = 4;
const UMIN_L = 5;
const UMAX_H = 6;
const UMAX_L = 7;
const V_H = 8;
const V_L = 9;
const M_H = 10;
const M_L = 11;
const S32MIN = 12;
const S32MAX = 13;
const U32MIN = 14;
const U32MAX = 15;
const T_VH = 16;
const T_VL = 17;
const T_MH = 18;
const T_ML = 19;
const STEP_H = 20;
const STEP_L = 21;
const R = new Float64Array(22);
/** The values loaded, to store back only the fields that changed. */
const R0 = new Float64Array(16);
/** The source operand of an ALU operation, same layout as R. */
const Q = new Float64Array(16);

/** a < b as u64 */
const ltU = (ah: number, al: number, bh: number, bl: number): boolean => ah < bh || (ah === bh && al < bl);
/** a < b as s64 */
const ltS = (ah: number, al: number, bh: number, bl: number): boolean =>
  (ah | 0) < (bh | 0) || (ah === bh && al < bl);

/** fls of a uint32 (1-based index of the top set bit, 0 for 0) */
const fls32 = (x: number): number => 32 - Math.clz32(x);
/** (1 << n) - 1 as a uint32, n in [0, 32] */
const ones = (n: number): number => (n === 0 ? 0 : 0xffff_ffff >>> (32 - n));

/** Load a scalar's bounds and var_off into the working registers. */
function load(r: MutScalar): void {
  S64[0] = r.smin; R[SMIN_H] = R0[SMIN_H] = W32[HI]; R[SMIN_L] = R0[SMIN_L] = W32[LO];
  S64[0] = r.smax; R[SMAX_H] = R0[SMAX_H] = W32[HI]; R[SMAX_L] = R0[SMAX_L] = W32[LO];
  U64[0] = r.umin; R[UMIN_H] = R0[UMIN_H] = W32[HI]; R[UMIN_L] = R0[UMIN_L] = W32[LO];
  U64[0] = r.umax; R[UMAX_H] = R0[UMAX_H] = W32[HI]; R[UMAX_L] = R0[UMAX_L] = W32[LO];
  U64[0] = r.varOff.value; R[V_H] = R0[V_H] = W32[HI]; R[V_L] = R0[V_L] = W32[LO];
  U64[0] = r.varOff.mask; R[M_H] = R0[M_H] = W32[HI]; R[M_L] = R0[M_L] = W32[LO];
  // the 32-bit bounds through the buffer too: Number(bigint) is a slow call in V8
  S64[0] = r.s32min; R[S32MIN] = R0[S32MIN] = W32[LO] | 0;
  S64[0] = r.s32max; R[S32MAX] = R0[S32MAX] = W32[LO] | 0;
  U64[0] = r.u32min; R[U32MIN] = R0[U32MIN] = W32[LO];
  U64[0] = r.u32max; R[U32MAX] = R0[U32MAX] = W32[LO];
}

/** Load the source operand of an ALU operation into Q. */
function loadSrc(r: Scalar): void {
  S64[0] = r.smin; Q[SMIN_H] = W32[HI]; Q[SMIN_L] = W32[LO];
  S64[0] = r.smax; Q[SMAX_H] = W32[HI]; Q[SMAX_L] = W32[LO];
  U64[0] = r.umin; Q[UMIN_H] = W32[HI]; Q[UMIN_L] = W32[LO];
  U64[0] = r.umax; Q[UMAX_H] = W32[HI]; Q[UMAX_L] = W32[LO];
  U64[0] = r.varOff.value; Q[V_H] = W32[HI]; Q[V_L] = W32[LO];
  U64[0] = r.varOff.mask; Q[M_H] = W32[HI]; Q[M_L] = W32[LO];
  S64[0] = r.s32min; Q[S32MIN] = W32[LO] | 0;
  S64[0] = r.s32max; Q[S32MAX] = W32[LO] | 0;
  U64[0] = r.u32min; Q[U32MIN] = W32[LO];
  U64[0] = r.u32max; Q[U32MAX] = W32[LO];
}

/**
 * A known var_off with every bound equal to its value (what reg_bounds_sync
 * leaves of a constant, and a fixpoint of it, also after __mark_reg32_unbounded).
 */
export function scalarIsKnownConst(s: Scalar): boolean {
  const v = s.varOff.value;
  if (s.varOff.mask !== 0n || s.umin !== v || s.umax !== v) return false;
  // v in [0, 2^31): it is its own s64, u32 and s32 (the common case, without the buffer)
  if (v <= S32_MAX) return s.smin === v && s.smax === v && s.s32min === v && s.s32max === v && s.u32min === v && s.u32max === v;
  if (s.smin !== s.smax || s.s32min !== s.s32max || s.u32min !== s.u32max) return false;
  S64[0] = s.smin; // smin === (s64)v: the same 64 bits
  const h = W32[HI];
  const l = W32[LO];
  U64[0] = v;
  if (h !== W32[HI] || l !== W32[LO]) return false;
  U64[0] = s.u32min;
  if (W32[HI] !== 0 || W32[LO] !== l) return false;
  S64[0] = s.s32min;
  return W32[LO] === l && W32[HI] === ((l | 0) < 0 ? 0xffff_ffff : 0);
}

/**
 * The bigints of 0 .. SMALL_N - 1, made once: bounds are often small (offsets, byte and
 * port values), and a bigint is immutable, so one object serves every scalar.
 */
const SMALL_N = 4096;
const SMALL: bigint[] = Array.from({ length: SMALL_N }, (_, i) => BigInt(i));

/** The u64 of two halves (the common extremes and small values without allocating). */
function bigU(h: number, l: number): bigint {
  if (h === 0 && l < SMALL_N) return SMALL[l];
  if (h === 0xffff_ffff && l === 0xffff_ffff) return U64_MAX;
  W32[HI] = h; W32[LO] = l;
  return U64[0];
}

/** The s64 of two halves. */
function bigS(h: number, l: number): bigint {
  if (h === 0 && l < SMALL_N) return SMALL[l];
  if (h === 0x8000_0000 && l === 0) return S64_MIN;
  if (h === 0x7fff_ffff && l === 0xffff_ffff) return S64_MAX;
  W32[HI] = h; W32[LO] = l;
  return S64[0];
}

const bigS32 = (x: number): bigint =>
  (x >= 0 && x < SMALL_N ? SMALL[x] : x === S32_MIN_N ? S32_MIN : x === S32_MAX_N ? S32_MAX : BigInt(x));
const bigU32 = (x: number): bigint => (x < SMALL_N ? SMALL[x] : x === 0xffff_ffff ? U32_MAX : BigInt(x));
const S32_MIN_N = -0x8000_0000;
const S32_MAX_N = 0x7fff_ffff;

/** Store the working registers back into `r`, allocating only for the fields that changed. */
function store(r: MutScalar): void {
  if (R[SMIN_H] !== R0[SMIN_H] || R[SMIN_L] !== R0[SMIN_L]) r.smin = bigS(R[SMIN_H], R[SMIN_L]);
  if (R[SMAX_H] !== R0[SMAX_H] || R[SMAX_L] !== R0[SMAX_L]) r.smax = bigS(R[SMAX_H], R[SMAX_L]);
  if (R[UMIN_H] !== R0[UMIN_H] || R[UMIN_L] !== R0[UMIN_L]) r.umin = bigU(R[UMIN_H], R[UMIN_L]);
  if (R[UMAX_H] !== R0[UMAX_H] || R[UMAX_L] !== R0[UMAX_L]) r.umax = bigU(R[UMAX_H], R[UMAX_L]);
  if (R[V_H] !== R0[V_H] || R[V_L] !== R0[V_L] || R[M_H] !== R0[M_H] || R[M_L] !== R0[M_L]) r.varOff = tnumOf(R[V_H], R[V_L], R[M_H], R[M_L]);
  if (R[S32MIN] !== R0[S32MIN]) r.s32min = bigS32(R[S32MIN]);
  if (R[S32MAX] !== R0[S32MAX]) r.s32max = bigS32(R[S32MAX]);
  if (R[U32MIN] !== R0[U32MIN]) r.u32min = bigU32(R[U32MIN]);
  if (R[U32MAX] !== R0[U32MAX]) r.u32max = bigU32(R[U32MAX]);
}

function tnumOf(h: number, l: number, mh: number, ml: number): Tnum {
  if (h === 0 && l === 0 && mh === 0xffff_ffff && ml === 0xffff_ffff) return TNUM_UNKNOWN;
  return { value: bigU(h, l), mask: bigU(mh, ml) };
}

/** ___mark_reg_known on the working registers: every bound and var_off become (h, l). */
function markKnown(h: number, l: number): void {
  R[SMIN_H] = R[SMAX_H] = R[UMIN_H] = R[UMAX_H] = R[V_H] = h;
  R[SMIN_L] = R[SMAX_L] = R[UMIN_L] = R[UMAX_L] = R[V_L] = l;
  R[M_H] = R[M_L] = 0;
  R[S32MIN] = R[S32MAX] = l | 0;
  R[U32MIN] = R[U32MAX] = l;
}

/** tnum_range(min, max) of u64 halves into tV*, tM*. */
function range64(minH: number, minL: number, maxH: number, maxL: number): void {
  const chiH = (minH ^ maxH) >>> 0;
  const chiL = (minL ^ maxL) >>> 0;
  const bits = chiH !== 0 ? 32 + fls32(chiH) : fls32(chiL);
  if (bits > 63) {
    R[T_VH] = R[T_VL] = 0;
    R[T_MH] = R[T_ML] = 0xffff_ffff;
    return;
  }
  // delta = (1 << bits) - 1
  R[T_MH] = bits > 32 ? ones(bits - 32) : 0;
  R[T_ML] = bits >= 32 ? 0xffff_ffff : ones(bits);
  R[T_VH] = (minH & ~R[T_MH]) >>> 0;
  R[T_VL] = (minL & ~R[T_ML]) >>> 0;
}

/** tnum_step(var_off, z) of the working var_off into R[STEP_H], R[STEP_L] (see tnumStep in tnum.ts). */
function step(zH: number, zL: number): void {
  const maxH = (R[V_H] | R[M_H]) >>> 0;
  const maxL = (R[V_L] | R[M_L]) >>> 0;
  if (!ltU(zH, zL, maxH, maxL)) { R[STEP_H] = maxH; R[STEP_L] = maxL; return; }
  if (ltU(zH, zL, R[V_H], R[V_L])) { R[STEP_H] = R[V_H]; R[STEP_L] = R[V_L]; return; }
  // d = z - value (z >= value)
  let dL = zL - R[V_L];
  let dH = zH - R[V_H];
  if (dL < 0) { dL += 0x1_0000_0000; dH -= 1; }
  const fixedH = (dH & ~R[M_H]) >>> 0;
  const fixedL = (dL & ~R[M_L]) >>> 0;
  const bits = fixedH !== 0 ? 32 + fls32(fixedH) : fls32(fixedL);
  const carryH = bits > 32 ? ones(bits - 32) : 0;
  const carryL = bits >= 32 ? 0xffff_ffff : ones(bits);
  const filledH = (dH | carryH | ~R[M_H]) >>> 0;
  const filledL = (dL | carryL | ~R[M_L]) >>> 0;
  // inc = (filled + 1) & mask, modulo 2^64
  let incL = filledL + 1;
  let incH = filledH;
  if (incL === 0x1_0000_0000) { incL = 0; incH = (incH + 1) >>> 0; }
  R[STEP_H] = (R[V_H] | (incH & R[M_H])) >>> 0;
  R[STEP_L] = (R[V_L] | (incL & R[M_L])) >>> 0;
}

/** __update_reg32_bounds */
function updateBounds32(): void {
  R[S32MIN] = Math.max(R[S32MIN], (R[V_L] | (R[M_L] & 0x8000_0000)) | 0);
  R[S32MAX] = Math.min(R[S32MAX], (R[V_L] | (R[M_L] & 0x7fff_ffff)) | 0);
  R[U32MIN] = Math.max(R[U32MIN], R[V_L]);
  R[U32MAX] = Math.min(R[U32MAX], (R[V_L] | R[M_L]) >>> 0);
}

/** __update_reg64_bounds, with the tnum_step refinement (see scalar.ts). */
function updateBounds64(): void {
  // smin = max(smin, value | (mask & S64_MIN)), smax = min(smax, value | (mask & S64_MAX))
  const loH = (R[V_H] | (R[M_H] & 0x8000_0000)) >>> 0;
  if (ltS(R[SMIN_H], R[SMIN_L], loH, R[V_L])) { R[SMIN_H] = loH; R[SMIN_L] = R[V_L]; }
  const hiH = (R[V_H] | (R[M_H] & 0x7fff_ffff)) >>> 0;
  const hiL = (R[V_L] | R[M_L]) >>> 0;
  if (ltS(hiH, hiL, R[SMAX_H], R[SMAX_L])) { R[SMAX_H] = hiH; R[SMAX_L] = hiL; }
  if (ltU(R[UMIN_H], R[UMIN_L], R[V_H], R[V_L])) { R[UMIN_H] = R[V_H]; R[UMIN_L] = R[V_L]; }
  const tmaxH = (R[V_H] | R[M_H]) >>> 0;
  const tmaxL = (R[V_L] | R[M_L]) >>> 0;
  if (ltU(tmaxH, tmaxL, R[UMAX_H], R[UMAX_L])) { R[UMAX_H] = tmaxH; R[UMAX_L] = tmaxL; }

  step(R[UMIN_H], R[UMIN_L]);
  const nextH = R[STEP_H];
  const nextL = R[STEP_L];
  const uminInTnum = ((R[UMIN_H] & ~R[M_H]) >>> 0) === R[V_H] && ((R[UMIN_L] & ~R[M_L]) >>> 0) === R[V_L];
  if (uminInTnum && ltU(R[UMAX_H], R[UMAX_L], nextH, nextL)) {
    markKnown(R[UMIN_H], R[UMIN_L]); // only umin is in both
  } else if (!uminInTnum && nextH === tmaxH && nextL === tmaxL) {
    markKnown(tmaxH, tmaxL); // only the largest tnum member is in both
  } else if (!uminInTnum && !ltU(R[UMAX_H], R[UMAX_L], nextH, nextL)) {
    step(nextH, nextL);
    if (ltU(R[UMAX_H], R[UMAX_L], R[STEP_H], R[STEP_L])) markKnown(nextH, nextL); // exactly one member in (umin, umax]
  }
}

/** __reg32_deduce_bounds (the same steps as the kernel, on numbers) */
function deduceBounds32(): void {
  // Upper halves of the u64 range equal: the low halves form a range.
  if (R[UMIN_H] === R[UMAX_H]) {
    R[U32MIN] = Math.max(R[U32MIN], R[UMIN_L]);
    R[U32MAX] = Math.min(R[U32MAX], R[UMAX_L]);
    if ((R[UMIN_L] | 0) <= (R[UMAX_L] | 0)) {
      R[S32MIN] = Math.max(R[S32MIN], R[UMIN_L] | 0);
      R[S32MAX] = Math.min(R[S32MAX], R[UMAX_L] | 0);
    }
  }
  // Same for the s64 range.
  if (R[SMIN_H] === R[SMAX_H]) {
    if (R[SMIN_L] <= R[SMAX_L]) {
      R[U32MIN] = Math.max(R[U32MIN], R[SMIN_L]);
      R[U32MAX] = Math.min(R[U32MAX], R[SMAX_L]);
    }
    if ((R[SMIN_L] | 0) <= (R[SMAX_L] | 0)) {
      R[S32MIN] = Math.max(R[S32MIN], R[SMIN_L] | 0);
      R[S32MAX] = Math.min(R[S32MAX], R[SMAX_L] | 0);
    }
  }
  // Upper halves are two consecutive numbers and the low halves go from negative to positive.
  if (((R[UMIN_H] + 1) >>> 0) === R[UMAX_H] && (R[UMIN_L] | 0) < 0 && (R[UMAX_L] | 0) >= 0) {
    R[S32MIN] = Math.max(R[S32MIN], R[UMIN_L] | 0);
    R[S32MAX] = Math.min(R[S32MAX], R[UMAX_L] | 0);
  }
  if (((R[SMIN_H] + 1) >>> 0) === R[SMAX_H] && (R[SMIN_L] | 0) < 0 && (R[SMAX_L] | 0) >= 0) {
    R[S32MIN] = Math.max(R[S32MIN], R[SMIN_L] | 0);
    R[S32MAX] = Math.min(R[S32MAX], R[SMAX_L] | 0);
  }
  // u32 range that does not cross the s32 sign boundary is also an s32 range.
  if ((R[U32MIN] | 0) <= (R[U32MAX] | 0)) {
    R[S32MIN] = Math.max(R[S32MIN], R[U32MIN] | 0);
    R[S32MAX] = Math.min(R[S32MAX], R[U32MAX] | 0);
  }
  // And vice versa.
  if ((R[S32MIN] >>> 0) <= (R[S32MAX] >>> 0)) {
    R[U32MIN] = Math.max(R[S32MIN] >>> 0, R[U32MIN]);
    R[U32MAX] = Math.min(R[S32MAX] >>> 0, R[U32MAX]);
  } else if (R[U32MAX] < (R[S32MIN] >>> 0)) {
    // The s32 range wraps around the end of the u32 domain; a u32 range
    // overlapping only one of its ends narrows both (6.18 stable).
    R[S32MIN] = R[U32MIN] | 0;
    R[U32MAX] = Math.min(R[U32MAX], R[S32MAX] >>> 0);
  } else if ((R[S32MAX] >>> 0) < R[U32MIN]) {
    R[S32MAX] = R[U32MAX] | 0;
    R[U32MIN] = Math.max(R[U32MIN], R[S32MIN] >>> 0);
  }
}

/** __reg64_deduce_bounds */
function deduceBounds64(): void {
  if (!ltS(R[UMAX_H], R[UMAX_L], R[UMIN_H], R[UMIN_L])) { // (s64)umin <= (s64)umax
    if (ltS(R[SMIN_H], R[SMIN_L], R[UMIN_H], R[UMIN_L])) { R[SMIN_H] = R[UMIN_H]; R[SMIN_L] = R[UMIN_L]; }
    if (ltS(R[UMAX_H], R[UMAX_L], R[SMAX_H], R[SMAX_L])) { R[SMAX_H] = R[UMAX_H]; R[SMAX_L] = R[UMAX_L]; }
  }
  if (!ltU(R[SMAX_H], R[SMAX_L], R[SMIN_H], R[SMIN_L])) { // (u64)smin <= (u64)smax
    if (ltU(R[UMIN_H], R[UMIN_L], R[SMIN_H], R[SMIN_L])) { R[UMIN_H] = R[SMIN_H]; R[UMIN_L] = R[SMIN_L]; }
    if (ltU(R[SMAX_H], R[SMAX_L], R[UMAX_H], R[UMAX_L])) { R[UMAX_H] = R[SMAX_H]; R[UMAX_L] = R[SMAX_L]; }
  } else if (ltU(R[UMAX_H], R[UMAX_L], R[SMIN_H], R[SMIN_L])) {
    // The s64 range wraps around the end of the u64 domain and the u64 range
    // overlaps only its upper part.
    R[SMIN_H] = R[UMIN_H]; R[SMIN_L] = R[UMIN_L];
    if (ltU(R[SMAX_H], R[SMAX_L], R[UMAX_H], R[UMAX_L])) { R[UMAX_H] = R[SMAX_H]; R[UMAX_L] = R[SMAX_L]; }
  } else if (ltU(R[SMAX_H], R[SMAX_L], R[UMIN_H], R[UMIN_L])) {
    R[SMAX_H] = R[UMAX_H]; R[SMAX_L] = R[UMAX_L];
    if (ltU(R[UMIN_H], R[UMIN_L], R[SMIN_H], R[SMIN_L])) { R[UMIN_H] = R[SMIN_H]; R[UMIN_L] = R[SMIN_L]; }
  }
}

/** var_off = tnum_intersect(var_off, t*) */
function intersectVarOff(): void {
  const valH = (R[V_H] | R[T_VH]) >>> 0;
  const valL = (R[V_L] | R[T_VL]) >>> 0;
  R[M_H] = (R[M_H] & R[T_MH]) >>> 0;
  R[M_L] = (R[M_L] & R[T_ML]) >>> 0;
  R[V_H] = (valH & ~R[M_H]) >>> 0;
  R[V_L] = (valL & ~R[M_L]) >>> 0;
}

/** __reg_deduce_mixed_bounds */
function deduceMixedBounds(): void {
  // the 64-bit bounds with their low half replaced by the 32-bit ones
  if (ltU(R[UMIN_H], R[UMIN_L], R[UMIN_H], R[U32MIN])) R[UMIN_L] = R[U32MIN];
  if (ltU(R[UMAX_H], R[U32MAX], R[UMAX_H], R[UMAX_L])) R[UMAX_L] = R[U32MAX];
  if (ltS(R[SMIN_H], R[SMIN_L], R[SMIN_H], R[U32MIN])) R[SMIN_L] = R[U32MIN];
  if (ltS(R[SMAX_H], R[U32MAX], R[SMAX_H], R[SMAX_L])) R[SMAX_L] = R[U32MAX];
  // A non-negative s32 range and a 64-bit range inside [S32_MIN, S32_MAX]:
  // the upper 32 bits are 0s.
  if (R[S32MIN] >= 0 && !ltS(R[SMIN_H], R[SMIN_L], 0xffff_ffff, 0x8000_0000) && !ltS(0, 0x7fff_ffff, R[SMAX_H], R[SMAX_L])) {
    R[SMIN_H] = R[UMIN_H] = 0; // R[S32MIN] >= 0
    R[SMIN_L] = R[UMIN_L] = R[S32MIN];
    R[SMAX_H] = R[UMAX_H] = R[S32MAX] < 0 ? 0xffff_ffff : 0; // C assigns the s32 to a u64: sign-extends
    R[SMAX_L] = R[UMAX_L] = R[S32MAX] >>> 0;
    range64(R[SMIN_H], R[SMIN_L], R[SMAX_H], R[SMAX_L]);
    intersectVarOff();
  }
}

/** __reg_bound_offset */
function boundOffset(): void {
  range64(R[UMIN_H], R[UMIN_L], R[UMAX_H], R[UMAX_L]);
  intersectVarOff();
  // the low half: tnum_intersect(tnum_subreg(var64), tnum_range(R[U32MIN], R[U32MAX]))
  const bits = fls32((R[U32MIN] ^ R[U32MAX]) >>> 0);
  const dm = ones(bits);
  const rv = (R[U32MIN] & ~dm) >>> 0;
  const val = (R[V_L] | rv) >>> 0;
  R[M_L] = (R[M_L] & dm) >>> 0;
  R[V_L] = (val & ~R[M_L]) >>> 0;
  // tnum_or(tnum_clear_subreg(var64), var32): value | value, mask & ~value per half
  R[M_H] = (R[M_H] & ~R[V_H]) >>> 0;
  R[M_L] = (R[M_L] & ~R[V_L]) >>> 0;
}

/** __reg_deduce_bounds */
function deduceBounds(): void {
  deduceBounds32();
  deduceBounds64();
  deduceMixedBounds();
}

/**
 * A known var_off whose value v every bound admits: reg_bounds_sync's first
 * __update_reg_bounds narrows every bound to v, and a constant with all its
 * bounds equal to it is a fixpoint of the rest, so the result is set at once.
 */
function syncConst(): boolean {
  if (ltU(R[V_H], R[V_L], R[UMIN_H], R[UMIN_L]) || ltU(R[UMAX_H], R[UMAX_L], R[V_H], R[V_L]) || ltS(R[V_H], R[V_L], R[SMIN_H], R[SMIN_L]) ||
    ltS(R[SMAX_H], R[SMAX_L], R[V_H], R[V_L]) || R[V_L] < R[U32MIN] || R[V_L] > R[U32MAX] || (R[V_L] | 0) < R[S32MIN] || (R[V_L] | 0) > R[S32MAX]) return false;
  markKnown(R[V_H], R[V_L]);
  return true;
}

/** Nothing known and every bound unbounded: a fixpoint of reg_bounds_sync. */
const isUnknownFixpoint = (): boolean =>
  R[V_H] === 0 && R[V_L] === 0 && R[M_H] === 0xffff_ffff && R[M_L] === 0xffff_ffff &&
  R[UMIN_H] === 0 && R[UMIN_L] === 0 && R[UMAX_H] === 0xffff_ffff && R[UMAX_L] === 0xffff_ffff &&
  R[SMIN_H] === 0x8000_0000 && R[SMIN_L] === 0 && R[SMAX_H] === 0x7fff_ffff && R[SMAX_L] === 0xffff_ffff &&
  R[U32MIN] === 0 && R[U32MAX] === 0xffff_ffff && R[S32MIN] === S32_MIN_N && R[S32MAX] === S32_MAX_N;

/** reg_bounds_sync on the working registers */
function boundsSync(): void {
  if (R[M_H] === 0 && R[M_L] === 0 ? syncConst() : isUnknownFixpoint()) return;
  updateBounds32();
  updateBounds64();
  // Three rounds of __reg_deduce_bounds; a round that changes nothing is a
  // fixpoint (the round is a function of the state), so the rest is skipped.
  for (let i = 0; i < 3; i++) {
    const a0 = R[SMIN_H], a1 = R[SMIN_L], a2 = R[SMAX_H], a3 = R[SMAX_L], a4 = R[UMIN_H], a5 = R[UMIN_L], a6 = R[UMAX_H], a7 = R[UMAX_L];
    const b0 = R[V_H], b1 = R[V_L], b2 = R[M_H], b3 = R[M_L], c0 = R[S32MIN], c1 = R[S32MAX], c2 = R[U32MIN], c3 = R[U32MAX];
    deduceBounds();
    if (a0 === R[SMIN_H] && a1 === R[SMIN_L] && a2 === R[SMAX_H] && a3 === R[SMAX_L] && a4 === R[UMIN_H] && a5 === R[UMIN_L] &&
      a6 === R[UMAX_H] && a7 === R[UMAX_L] && b0 === R[V_H] && b1 === R[V_L] && b2 === R[M_H] && b3 === R[M_L] &&
      c0 === R[S32MIN] && c1 === R[S32MAX] && c2 === R[U32MIN] && c3 === R[U32MAX]) break;
  }
  boundOffset();
  updateBounds32();
  updateBounds64();
}

/** Run `f` on the working registers loaded from `r`, then store the result in `r`. */
const inPlace = (f: () => void) => (r: MutScalar): void => {
  load(r);
  f();
  store(r);
};

/** reg_bounds_sync */
export const mBoundsSync = inPlace(boundsSync);
/** __update_reg32_bounds: learn 32-bit bounds from the low half of var_off. */
export const mUpdateBounds32 = inPlace(updateBounds32);
/**
 * __update_reg64_bounds: learn 64-bit bounds from var_off, and make the
 * register a constant when the u64 range and the tnum have exactly one
 * value in common (the tnum_step refinement, backported to 6.18 stable).
 */
export const mUpdateBounds64 = inPlace(updateBounds64);
/** __update_reg_bounds */
export const mUpdateBounds = inPlace(() => { updateBounds32(); updateBounds64(); });
/** __reg32_deduce_bounds: 32-bit bounds from 64-bit bounds, and s32 <-> u32. */
export const mDeduceBounds32 = inPlace(deduceBounds32);
/** __reg64_deduce_bounds: s64 <-> u64, including an s64 range that crosses the sign boundary. */
export const mDeduceBounds64 = inPlace(deduceBounds64);
/** __reg_deduce_mixed_bounds: 64-bit bounds tightened with the 32-bit ones. */
export const mDeduceMixedBounds = inPlace(deduceMixedBounds);
/** __reg_deduce_bounds */
export const mDeduceBounds = inPlace(deduceBounds);
/** __reg_bound_offset: learn var_off bits from the unsigned ranges. */
export const mBoundOffset = inPlace(boundOffset);

// ---------------------------------------------------------------------------
// BPF_ADD and BPF_SUB (scalar{32,}_min_max_{add,sub}, tnum_add, tnum_sub,
// zext_32_to_64), with R the destination and Q the source.

const TWO32 = 0x1_0000_0000;
// The result of add64/sub64 of halves: a u64 and whether the u64 and the s64 operation overflowed.
let sumH = 0, sumL = 0, carry = false, sOverflow = false;

/** (ah, al) + (bh, bl) modulo 2^64 into sumH, sumL; carry: the u64 sum overflowed; sOverflow: the s64 one. */
function add64h(ah: number, al: number, bh: number, bl: number): void {
  let l = al + bl;
  let h = ah + bh;
  if (l >= TWO32) { l -= TWO32; h += 1; }
  carry = h >= TWO32;
  if (carry) h -= TWO32;
  sumH = h; sumL = l;
  // signed overflow: both operands have the same sign and the sum the other
  sOverflow = ((ah ^ bh) & 0x8000_0000) === 0 && ((ah ^ h) & 0x8000_0000) !== 0;
}

/** (ah, al) - (bh, bl) modulo 2^64 into sumH, sumL; carry: the u64 subtraction wrapped; sOverflow: the s64 one. */
function sub64h(ah: number, al: number, bh: number, bl: number): void {
  let l = al - bl;
  let h = ah - bh;
  if (l < 0) { l += TWO32; h -= 1; }
  carry = h < 0;
  if (carry) h += TWO32;
  sumH = h; sumL = l;
  // signed overflow: the operands have different signs and the result the sign of b
  sOverflow = ((ah ^ bh) & 0x8000_0000) !== 0 && ((ah ^ h) & 0x8000_0000) !== 0;
}

const S32_MIN_F = -0x8000_0000;
const S32_MAX_F = 0x7fff_ffff;

/** scalar32_min_max_add */
function add32(): void {
  const a = R[S32MIN] + Q[S32MIN];
  const b = R[S32MAX] + Q[S32MAX];
  if (a < S32_MIN_F || a > S32_MAX_F || b < S32_MIN_F || b > S32_MAX_F) {
    R[S32MIN] = S32_MIN_F; R[S32MAX] = S32_MAX_F;
  } else {
    R[S32MIN] = a; R[S32MAX] = b;
  }
  const lo = R[U32MIN] + Q[U32MIN];
  const hi = R[U32MAX] + Q[U32MAX];
  R[U32MIN] = lo >= TWO32 ? lo - TWO32 : lo;
  R[U32MAX] = hi >= TWO32 ? hi - TWO32 : hi;
  if (lo < TWO32 && hi >= TWO32) { R[U32MIN] = 0; R[U32MAX] = 0xffff_ffff; }
}

/** The signed 64-bit bounds of R + Q: unbounded when either sum overflows. */
function addSigned64(): void {
  add64h(R[SMIN_H], R[SMIN_L], Q[SMIN_H], Q[SMIN_L]);
  const aH = sumH, aL = sumL, oa = sOverflow;
  add64h(R[SMAX_H], R[SMAX_L], Q[SMAX_H], Q[SMAX_L]);
  if (oa || sOverflow) {
    R[SMIN_H] = 0x8000_0000; R[SMIN_L] = 0; R[SMAX_H] = 0x7fff_ffff; R[SMAX_L] = 0xffff_ffff;
  } else {
    R[SMIN_H] = aH; R[SMIN_L] = aL; R[SMAX_H] = sumH; R[SMAX_L] = sumL;
  }
}

/** scalar_min_max_add */
function add64(): void {
  addSigned64();
  add64h(R[UMIN_H], R[UMIN_L], Q[UMIN_H], Q[UMIN_L]);
  const minOv = carry;
  R[UMIN_H] = sumH; R[UMIN_L] = sumL;
  add64h(R[UMAX_H], R[UMAX_L], Q[UMAX_H], Q[UMAX_L]);
  R[UMAX_H] = sumH; R[UMAX_L] = sumL;
  if (!minOv && carry) { R[UMIN_H] = R[UMIN_L] = 0; R[UMAX_H] = R[UMAX_L] = 0xffff_ffff; }
}

/** scalar32_min_max_sub */
function sub32(): void {
  const a = R[S32MIN] - Q[S32MAX];
  const b = R[S32MAX] - Q[S32MIN];
  if (a < S32_MIN_F || a > S32_MAX_F || b < S32_MIN_F || b > S32_MAX_F) {
    R[S32MIN] = S32_MIN_F; R[S32MAX] = S32_MAX_F;
  } else {
    R[S32MIN] = a; R[S32MAX] = b;
  }
  const lo = R[U32MIN] - Q[U32MAX];
  const hi = R[U32MAX] - Q[U32MIN];
  R[U32MIN] = lo < 0 ? lo + TWO32 : lo;
  R[U32MAX] = hi < 0 ? hi + TWO32 : hi;
  if (lo < 0 && hi >= 0) { R[U32MIN] = 0; R[U32MAX] = 0xffff_ffff; }
}

/** The signed 64-bit bounds of R - Q: unbounded when either difference overflows. */
function subSigned64(): void {
  sub64h(R[SMIN_H], R[SMIN_L], Q[SMAX_H], Q[SMAX_L]);
  const aH = sumH, aL = sumL, oa = sOverflow;
  sub64h(R[SMAX_H], R[SMAX_L], Q[SMIN_H], Q[SMIN_L]);
  if (oa || sOverflow) {
    R[SMIN_H] = 0x8000_0000; R[SMIN_L] = 0; R[SMAX_H] = 0x7fff_ffff; R[SMAX_L] = 0xffff_ffff;
  } else {
    R[SMIN_H] = aH; R[SMIN_L] = aL; R[SMAX_H] = sumH; R[SMAX_L] = sumL;
  }
}

/** scalar_min_max_sub */
function sub64(): void {
  subSigned64();
  sub64h(R[UMIN_H], R[UMIN_L], Q[UMAX_H], Q[UMAX_L]);
  const minUn = carry;
  const loH = sumH, loL = sumL;
  sub64h(R[UMAX_H], R[UMAX_L], Q[UMIN_H], Q[UMIN_L]);
  R[UMIN_H] = loH; R[UMIN_L] = loL; R[UMAX_H] = sumH; R[UMAX_L] = sumL;
  if (minUn && !carry) { R[UMIN_H] = R[UMIN_L] = 0; R[UMAX_H] = R[UMAX_L] = 0xffff_ffff; }
}

/** var_off = tnum_add(var_off, Q's var_off) */
function tnumAddQ(): void {
  add64h(R[M_H], R[M_L], Q[M_H], Q[M_L]);
  const smH = sumH, smL = sumL;
  add64h(R[V_H], R[V_L], Q[V_H], Q[V_L]);
  const svH = sumH, svL = sumL;
  add64h(smH, smL, svH, svL); // sigma
  const muH = ((sumH ^ svH) | R[M_H] | Q[M_H]) >>> 0;
  const muL = ((sumL ^ svL) | R[M_L] | Q[M_L]) >>> 0;
  R[V_H] = (svH & ~muH) >>> 0; R[V_L] = (svL & ~muL) >>> 0;
  R[M_H] = muH; R[M_L] = muL;
}

/** var_off = tnum_sub(var_off, Q's var_off) */
function tnumSubQ(): void {
  sub64h(R[V_H], R[V_L], Q[V_H], Q[V_L]);
  const dvH = sumH, dvL = sumL;
  add64h(dvH, dvL, R[M_H], R[M_L]);
  const alH = sumH, alL = sumL;
  sub64h(dvH, dvL, Q[M_H], Q[M_L]);
  const muH = ((alH ^ sumH) | R[M_H] | Q[M_H]) >>> 0;
  const muL = ((alL ^ sumL) | R[M_L] | Q[M_L]) >>> 0;
  R[V_H] = (dvH & ~muH) >>> 0; R[V_L] = (dvL & ~muL) >>> 0;
  R[M_H] = muH; R[M_L] = muL;
}

/** zext_32_to_64: var_off = tnum_subreg(var_off), then __reg_assign_32_into_64 */
function zext32To64(): void {
  R[V_H] = 0; R[M_H] = 0;
  R[UMIN_H] = 0; R[UMIN_L] = R[U32MIN];
  R[UMAX_H] = 0; R[UMAX_L] = R[U32MAX];
  if (R[S32MIN] >= 0 && R[S32MAX] >= 0) { // __reg32_bound_s64 of both
    R[SMIN_H] = 0; R[SMIN_L] = R[S32MIN];
    R[SMAX_H] = 0; R[SMAX_L] = R[S32MAX];
  } else {
    R[SMIN_H] = 0; R[SMIN_L] = 0;
    R[SMAX_H] = 0; R[SMAX_L] = 0xffff_ffff;
  }
}

/**
 * The BPF_ADD / BPF_SUB case of adjust_scalar_min_max_vals from the transfer
 * functions to the final reg_bounds_sync: `d op= s` (32-bit bounds, 64-bit
 * bounds, var_off), zext_32_to_64 for ALU32, then reg_bounds_sync.
 */
export function mAddSubSync(d: MutScalar, s: Scalar, sub: boolean, alu32: boolean): void {
  load(d);
  loadSrc(s);
  if (sub) { sub32(); sub64(); tnumSubQ(); } else { add32(); add64(); tnumAddQ(); }
  if (alu32) zext32To64();
  boundsSync();
  store(d);
}

/** scalar32_min_max_add and scalar_min_max_add (bounds only, not var_off) */
export function mAddBounds(d: MutScalar, s: Scalar): void {
  load(d);
  loadSrc(s);
  add32();
  add64();
  store(d);
}

// ---------------------------------------------------------------------------
// BPF_AND, BPF_OR and BPF_XOR (tnum_{and,or,xor}, scalar{32,}_min_max_{and,or,xor}),
// with R the destination and Q the source.

/** var_off = tnum_{and,or,xor}(var_off, Q's var_off) */
function bitwiseTnumQ(op: number): void {
  bitwiseTnumHalf(op, V_H, M_H);
  bitwiseTnumHalf(op, V_L, M_L);
}

/** One half (value index v, mask index m) of tnum_and, tnum_or or tnum_xor. */
function bitwiseTnumHalf(op: number, v: number, m: number): void {
  const dv = R[v], dm = R[m], sv = Q[v], sm = Q[m];
  if (op === BPF_AND) {
    const val = (dv & sv) >>> 0;
    R[v] = val;
    R[m] = ((dv | dm) & (sv | sm) & ~val) >>> 0;
  } else if (op === BPF_OR) {
    const val = (dv | sv) >>> 0;
    R[v] = val;
    R[m] = ((dm | sm) & ~val) >>> 0;
  } else {
    const mu = (dm | sm) >>> 0;
    R[v] = ((dv ^ sv) & ~mu) >>> 0;
    R[m] = mu;
  }
}

/** __mark_reg32_known of the low half of var_off (known here) */
function markKnown32(): void {
  const l = R[V_L];
  R[S32MIN] = R[S32MAX] = l | 0;
  R[U32MIN] = R[U32MAX] = l;
}

/** scalar32_min_max_{and,or,xor} (var_off already holds the result) */
function bitwise32(op: number): void {
  if (Q[M_L] === 0 && R[M_L] === 0) { markKnown32(); return; }
  const tmax = (R[V_L] | R[M_L]) >>> 0;
  if (op === BPF_AND) {
    R[U32MIN] = R[V_L];
    R[U32MAX] = Math.min(R[U32MAX], Q[U32MAX]);
  } else if (op === BPF_OR) {
    R[U32MIN] = Math.max(R[U32MIN], Q[U32MIN]);
    R[U32MAX] = tmax;
  } else {
    R[U32MIN] = R[V_L];
    R[U32MAX] = tmax;
  }
  // the s32 bounds from the u32 ones when they do not cross the sign boundary
  if ((R[U32MIN] | 0) <= (R[U32MAX] | 0)) {
    R[S32MIN] = R[U32MIN] | 0;
    R[S32MAX] = R[U32MAX] | 0;
  } else {
    R[S32MIN] = S32_MIN_F;
    R[S32MAX] = S32_MAX_F;
  }
}

/** scalar_min_max_{and,or,xor}; true when both are constants (__mark_reg_known: the id goes) */
function bitwise64(op: number): boolean {
  if (Q[M_H] === 0 && Q[M_L] === 0 && R[M_H] === 0 && R[M_L] === 0) {
    markKnown(R[V_H], R[V_L]);
    return true;
  }
  const tmaxH = (R[V_H] | R[M_H]) >>> 0;
  const tmaxL = (R[V_L] | R[M_L]) >>> 0;
  if (op === BPF_AND) {
    R[UMIN_H] = R[V_H]; R[UMIN_L] = R[V_L];
    if (ltU(Q[UMAX_H], Q[UMAX_L], R[UMAX_H], R[UMAX_L])) { R[UMAX_H] = Q[UMAX_H]; R[UMAX_L] = Q[UMAX_L]; }
  } else if (op === BPF_OR) {
    if (ltU(R[UMIN_H], R[UMIN_L], Q[UMIN_H], Q[UMIN_L])) { R[UMIN_H] = Q[UMIN_H]; R[UMIN_L] = Q[UMIN_L]; }
    R[UMAX_H] = tmaxH; R[UMAX_L] = tmaxL;
  } else {
    R[UMIN_H] = R[V_H]; R[UMIN_L] = R[V_L];
    R[UMAX_H] = tmaxH; R[UMAX_L] = tmaxL;
  }
  // the s64 bounds from the u64 ones when they do not cross the sign boundary
  if (!ltS(R[UMAX_H], R[UMAX_L], R[UMIN_H], R[UMIN_L])) {
    R[SMIN_H] = R[UMIN_H]; R[SMIN_L] = R[UMIN_L];
    R[SMAX_H] = R[UMAX_H]; R[SMAX_L] = R[UMAX_L];
  } else {
    R[SMIN_H] = 0x8000_0000; R[SMIN_L] = 0;
    R[SMAX_H] = 0x7fff_ffff; R[SMAX_L] = 0xffff_ffff;
  }
  updateBounds32();
  updateBounds64();
  return false;
}

/**
 * The BPF_AND / BPF_OR / BPF_XOR case of adjust_scalar_min_max_vals after
 * maybe_fork_scalars: var_off, the 32-bit and 64-bit bounds, zext_32_to_64
 * for ALU32, reg_bounds_sync. Two constants unlink the register.
 */
export function mBitwiseSync(d: MutScalar, s: Scalar, op: number, alu32: boolean): void {
  load(d);
  loadSrc(s);
  bitwiseTnumQ(op);
  bitwise32(op);
  const known = bitwise64(op);
  if (alu32) zext32To64();
  boundsSync();
  store(d);
  if (known) {
    d.id = 0;
    d.addConst = 0;
    d.delta = 0;
  }
}

// ---------------------------------------------------------------------------
// BPF_MUL (tnum_mul, scalar{32,}_min_max_mul), with R the destination and Q the source.
// 32-bit products are computed in doubles: exact up to 2^53, and beyond that monotonic,
// which decides the 32-bit overflows exactly; 64-bit products exactly on halves (mul64h).

/** var_off = tnum_mul(var_off, Q's var_off): tnumMul's long multiplication (tnum.ts) on halves */
function tnumMulQ(): void {
  let avH = R[V_H], avL = R[V_L], amH = R[M_H], amL = R[M_L];
  let bvH = Q[V_H], bvL = Q[V_L], bmH = Q[M_H], bmL = Q[M_L];
  let cvH = 0, cvL = 0, cmH = 0, cmL = 0;
  while ((avH | avL | amH | amL) !== 0) {
    if (((avL | amL) & 1) !== 0) {
      // t = tnum_add(acc, b)
      add64h(cmH, cmL, bmH, bmL);
      const smH = sumH, smL = sumL;
      add64h(cvH, cvL, bvH, bvL);
      const svH = sumH, svL = sumL;
      add64h(smH, smL, svH, svL);
      const tmH = ((sumH ^ svH) | cmH | bmH) >>> 0;
      const tmL = ((sumL ^ svL) | cmL | bmL) >>> 0;
      const tvH = (svH & ~tmH) >>> 0;
      const tvL = (svL & ~tmL) >>> 0;
      if ((avL & 1) !== 0) {
        cvH = tvH; cvL = tvL; cmH = tmH; cmL = tmL;
      } else {
        // an unknown bit: acc = tnum_union(acc, t)
        const uH = ((cvH ^ tvH) | cmH | tmH) >>> 0;
        const uL = ((cvL ^ tvL) | cmL | tmL) >>> 0;
        cvH = (cvH & tvH & ~uH) >>> 0; cvL = (cvL & tvL & ~uL) >>> 0;
        cmH = uH; cmL = uL;
      }
    }
    // a >>= 1, b <<= 1
    avL = ((avL >>> 1) | (avH << 31)) >>> 0; avH = avH >>> 1;
    amL = ((amL >>> 1) | (amH << 31)) >>> 0; amH = amH >>> 1;
    bvH = ((bvH << 1) | (bvL >>> 31)) >>> 0; bvL = (bvL << 1) >>> 0;
    bmH = ((bmH << 1) | (bmL >>> 31)) >>> 0; bmL = (bmL << 1) >>> 0;
  }
  R[V_H] = cvH; R[V_L] = cvL; R[M_H] = cmH; R[M_L] = cmL;
}

/** scalar32_min_max_mul (below 2^53 a product is exact; above, rounding keeps it above the u32/s32 range) */
function mul32(): void {
  const hi = R[U32MAX] * Q[U32MAX];
  const lo = R[U32MIN] * Q[U32MIN];
  if (hi > 0xffff_ffff || lo > 0xffff_ffff) {
    R[U32MIN] = 0; R[U32MAX] = 0xffff_ffff;
  } else {
    R[U32MIN] = lo; R[U32MAX] = hi;
  }
  // + 0: a zero product of a negative bound is -0 in doubles
  const a = R[S32MIN] * Q[S32MIN] + 0, b = R[S32MIN] * Q[S32MAX] + 0;
  const c = R[S32MAX] * Q[S32MIN] + 0, d = R[S32MAX] * Q[S32MAX] + 0;
  const min = Math.min(a, b, c, d), max = Math.max(a, b, c, d);
  if (min < S32_MIN_F || max > S32_MAX_F) {
    R[S32MIN] = S32_MIN_F; R[S32MAX] = S32_MAX_F;
  } else {
    R[S32MIN] = min; R[S32MAX] = max;
  }
}

// The product of mul64h: a u64 when it did not overflow.
let prodH = 0, prodL = 0;

/** x * y for x, y below 2^32 into prodH, prodL (exact: each partial product is below 2^53). */
function mul32x32(x: number, y: number): void {
  const xh = Math.floor(x / 0x1_0000), xl = x - xh * 0x1_0000;
  const t1 = xl * y, t2 = xh * y; // below 2^48
  const t2h = Math.floor(t2 / 0x1_0000);
  const low = (t2 - t2h * 0x1_0000) * 0x1_0000 + t1; // below 2^49
  const c = Math.floor(low / TWO32);
  prodL = low - c * TWO32;
  prodH = t2h + c;
}

/**
 * The u64 product of (xh, xl) and (yh, yl) into prodH, prodL; true when it overflowed
 * (check_mul_overflow on u64). Exact in every case: two factors of 2^32 or more always
 * overflow, and otherwise the high product is decided before any rounding matters.
 */
function mul64h(xh: number, xl: number, yh: number, yl: number): boolean {
  if (xh !== 0 && yh !== 0) return true;
  if (xh === 0 && yh === 0) { mul32x32(xl, yl); return false; }
  // one factor below 2^32 (s), the other (bh, bl) with bh != 0
  const s = xh === 0 ? xl : yl, bh = xh === 0 ? yh : xh, bl = xh === 0 ? yl : xl;
  const high = bh * s; // when the true value is below 2^32 it is exact; at or above, so is the double
  if (high >= TWO32) return true;
  mul32x32(bl, s);
  prodH += high;
  return prodH >= TWO32;
}

// The s64 product of mulS64h: halves, when it did not overflow.
let sprodH = 0, sprodL = 0;

/** The s64 product of (xh, xl) and (yh, yl) into sprodH, sprodL; true when it overflowed (check_mul_overflow on s64). */
function mulS64h(xh: number, xl: number, yh: number, yl: number): boolean {
  const xneg = (xh & 0x8000_0000) !== 0, yneg = (yh & 0x8000_0000) !== 0;
  // magnitudes (|S64_MIN| = 2^63 is a u64)
  if (xneg) { sub64h(0, 0, xh, xl); xh = sumH; xl = sumL; }
  if (yneg) { sub64h(0, 0, yh, yl); yh = sumH; yl = sumL; }
  if (mul64h(xh, xl, yh, yl)) return true;
  const neg = xneg !== yneg && (prodH | prodL) !== 0;
  // a positive product fits below 2^63, a negative one down to -2^63
  if (prodH > 0x8000_0000 || (prodH === 0x8000_0000 && (prodL !== 0 || !neg))) return true;
  if (neg) { sub64h(0, 0, prodH, prodL); sprodH = sumH; sprodL = sumL; } else { sprodH = prodH; sprodL = prodL; }
  return false;
}

/** Is the s64 (ah, al) below (bh, bl)? */
const sLess = (ah: number, al: number, bh: number, bl: number): boolean =>
  (ah | 0) < (bh | 0) || (ah === bh && al < bl);

/** scalar_min_max_mul on halves: exact u64 and s64 products with the kernel's overflow checks. */
function mul64(): void {
  if (mul64h(R[UMAX_H], R[UMAX_L], Q[UMAX_H], Q[UMAX_L])) {
    R[UMIN_H] = R[UMIN_L] = 0; R[UMAX_H] = R[UMAX_L] = 0xffff_ffff;
  } else {
    const hiH = prodH, hiL = prodL;
    mul64h(R[UMIN_H], R[UMIN_L], Q[UMIN_H], Q[UMIN_L]); // below the umax product: no overflow
    R[UMIN_H] = prodH; R[UMIN_L] = prodL; R[UMAX_H] = hiH; R[UMAX_L] = hiL;
  }
  let minH = 0, minL = 0, maxH = 0, maxL = 0, first = true;
  const corners = [SMIN_H, SMIN_L, SMAX_H, SMAX_L];
  for (let i = 0; i < 4; i += 2) {
    for (let j = 0; j < 4; j += 2) {
      if (mulS64h(R[corners[i]], R[corners[i + 1]], Q[corners[j]], Q[corners[j + 1]])) {
        R[SMIN_H] = 0x8000_0000; R[SMIN_L] = 0; R[SMAX_H] = 0x7fff_ffff; R[SMAX_L] = 0xffff_ffff;
        return;
      }
      if (first || sLess(sprodH, sprodL, minH, minL)) { minH = sprodH; minL = sprodL; }
      if (first || sLess(maxH, maxL, sprodH, sprodL)) { maxH = sprodH; maxL = sprodL; }
      first = false;
    }
  }
  R[SMIN_H] = minH; R[SMIN_L] = minL; R[SMAX_H] = maxH; R[SMAX_L] = maxL;
}

/**
 * The BPF_MUL case of adjust_scalar_min_max_vals: tnum_mul, scalar32_min_max_mul,
 * scalar_min_max_mul, zext_32_to_64 for ALU32, reg_bounds_sync.
 */
export function mMulSync(d: MutScalar, s: Scalar, alu32: boolean): void {
  load(d);
  loadSrc(s);
  // ALU32: zext_32_to_64 overwrites the 64-bit bounds
  if (!alu32) mul64();
  tnumMulQ();
  mul32();
  if (alu32) zext32To64();
  boundsSync();
  store(d);
}

// ---------------------------------------------------------------------------
// BPF_LSH and BPF_RSH, 64-bit, by a constant n in [0, 63] (is_safe_to_compute_dst_reg_range):
// scalar_min_max_lsh (__scalar64_min_max_lsh, __scalar32_min_max_lsh with the u64 shift
// amount), scalar_min_max_rsh, tnum_lshift, tnum_rshift, then reg_bounds_sync.

/** (h, l) << n modulo 2^64 into sumH, sumL (n in [0, 63]; JS shifts count modulo 32). */
function shl64h(h: number, l: number, n: number): void {
  if (n === 0) { sumH = h; sumL = l; } else if (n < 32) {
    sumH = ((h << n) | (l >>> (32 - n))) >>> 0;
    sumL = (l << n) >>> 0;
  } else { sumH = (l << (n - 32)) >>> 0; sumL = 0; }
}

/** (h, l) >> n (logical) into sumH, sumL (n in [0, 63]). */
function shr64h(h: number, l: number, n: number): void {
  if (n === 0) { sumH = h; sumL = l; } else if (n < 32) {
    sumL = ((l >>> n) | (h << (32 - n))) >>> 0;
    sumH = h >>> n;
  } else { sumL = h >>> (n - 32); sumH = 0; }
}

/** scalar_min_max_lsh and tnum_lshift by n, then __update_reg_bounds */
function lsh64n(n: number): void {
  // __scalar64_min_max_lsh: <<32 keeps the s32 bounds' sign ((s64)s32 << 32)
  if (n === 32) {
    R[SMAX_H] = R[S32MAX] >>> 0; R[SMAX_L] = 0;
    R[SMIN_H] = R[S32MIN] >>> 0; R[SMIN_L] = 0;
  } else {
    R[SMIN_H] = 0x8000_0000; R[SMIN_L] = 0; R[SMAX_H] = 0x7fff_ffff; R[SMAX_L] = 0xffff_ffff;
  }
  // umax > 1 << (63 - n): the shift may lose bits
  const k = 63 - n;
  const kH = k >= 32 ? 2 ** (k - 32) : 0;
  const kL = k >= 32 ? 0 : 2 ** k;
  if (ltU(kH, kL, R[UMAX_H], R[UMAX_L])) {
    R[UMIN_H] = R[UMIN_L] = 0; R[UMAX_H] = R[UMAX_L] = 0xffff_ffff;
  } else {
    shl64h(R[UMIN_H], R[UMIN_L], n); R[UMIN_H] = sumH; R[UMIN_L] = sumL;
    shl64h(R[UMAX_H], R[UMAX_L], n); R[UMAX_H] = sumH; R[UMAX_L] = sumL;
  }
  // __scalar32_min_max_lsh (u32max <= 2^(31 - n): the shifted bounds fit in 32 bits)
  R[S32MIN] = S32_MIN_F; R[S32MAX] = S32_MAX_F;
  if (n > 31 || R[U32MAX] > 2 ** (31 - n)) {
    R[U32MIN] = 0; R[U32MAX] = 0xffff_ffff;
  } else {
    R[U32MIN] = R[U32MIN] * 2 ** n; R[U32MAX] = R[U32MAX] * 2 ** n;
  }
  shl64h(R[V_H], R[V_L], n); R[V_H] = sumH; R[V_L] = sumL;
  shl64h(R[M_H], R[M_L], n); R[M_H] = sumH; R[M_L] = sumL;
  updateBounds32();
  updateBounds64();
}

/** scalar_min_max_rsh and tnum_rshift by n, then __update_reg_bounds */
function rsh64n(n: number): void {
  R[SMIN_H] = 0x8000_0000; R[SMIN_L] = 0; R[SMAX_H] = 0x7fff_ffff; R[SMAX_L] = 0xffff_ffff;
  shr64h(R[V_H], R[V_L], n); R[V_H] = sumH; R[V_L] = sumL;
  shr64h(R[M_H], R[M_L], n); R[M_H] = sumH; R[M_L] = sumL;
  shr64h(R[UMIN_H], R[UMIN_L], n); R[UMIN_H] = sumH; R[UMIN_L] = sumL;
  shr64h(R[UMAX_H], R[UMAX_L], n); R[UMAX_H] = sumH; R[UMAX_L] = sumL;
  // __mark_reg32_unbounded
  R[S32MIN] = S32_MIN_F; R[S32MAX] = S32_MAX_F; R[U32MIN] = 0; R[U32MAX] = 0xffff_ffff;
  updateBounds32();
  updateBounds64();
}

/**
 * The 64-bit BPF_LSH / BPF_RSH case of adjust_scalar_min_max_vals by the constant `n`
 * (below 64): the transfer function, tnum shift, __update_reg_bounds and reg_bounds_sync.
 */
export function mShift64Sync(d: MutScalar, n: number, right: boolean): void {
  load(d);
  if (right) rsh64n(n); else lsh64n(n);
  boundsSync();
  store(d);
}

// ---------------------------------------------------------------------------
// Pointer arithmetic with a variable offset (adjust_ptr_min_max_vals, BPF_ADD and
// BPF_SUB): the pointer's var_off and 64-bit bounds, with R the pointer's variable
// part and Q the offset register.

/** The 64-bit bounds of `ptr + off`: each pair unbounded when one of its sums overflows. */
function ptrAdd64(): void {
  addSigned64();
  add64h(R[UMIN_H], R[UMIN_L], Q[UMIN_H], Q[UMIN_L]);
  const bH = sumH, bL = sumL, ob = carry;
  add64h(R[UMAX_H], R[UMAX_L], Q[UMAX_H], Q[UMAX_L]);
  if (ob || carry) {
    R[UMIN_H] = R[UMIN_L] = 0; R[UMAX_H] = R[UMAX_L] = 0xffff_ffff;
  } else {
    R[UMIN_H] = bH; R[UMIN_L] = bL; R[UMAX_H] = sumH; R[UMAX_L] = sumL;
  }
}

/** The 64-bit bounds of `ptr - off`: s64 unbounded on overflow, u64 unbounded when umin may go below 0. */
function ptrSub64(): void {
  subSigned64();
  if (ltU(R[UMIN_H], R[UMIN_L], Q[UMAX_H], Q[UMAX_L])) {
    R[UMIN_H] = R[UMIN_L] = 0; R[UMAX_H] = R[UMAX_L] = 0xffff_ffff;
  } else {
    sub64h(R[UMIN_H], R[UMIN_L], Q[UMAX_H], Q[UMAX_L]);
    const bH = sumH, bL = sumL;
    sub64h(R[UMAX_H], R[UMAX_L], Q[UMIN_H], Q[UMIN_L]);
    R[UMIN_H] = bH; R[UMIN_L] = bL; R[UMAX_H] = sumH; R[UMAX_L] = sumL;
  }
}

/**
 * adjust_ptr_min_max_vals' `ptr += off` / `ptr -= off` of a variable offset on the
 * pointer's variable part `d`: 64-bit bounds and tnum_add / tnum_sub. The 32-bit
 * bounds are left alone (the caller marks them unbounded, then syncs).
 */
export function mPtrAddSub(d: MutScalar, off: Scalar, sub: boolean): void {
  load(d);
  loadSrc(off);
  if (sub) { ptrSub64(); tnumSubQ(); } else { ptrAdd64(); tnumAddQ(); }
  store(d);
}
