// The scalar part of struct bpf_reg_state and the bound bookkeeping the
// verifier does on it. Models these kernel/bpf/verifier.c functions:
// ___mark_reg_known, __mark_reg_known, __mark_reg32_known, __mark_reg_unknown,
// __mark_reg_unbounded, __mark_reg64_unbounded, __mark_reg32_unbounded,
// reset_reg64_and_tnum, reset_reg32_and_tnum, reg_bounds_sanity_check,
// __reg32_bound_s64, __reg_assign_32_into_64, zext_32_to_64,
// coerce_reg_to_size, set_sext64_default_val, coerce_reg_to_size_sx,
// set_sext32_default_val, coerce_subreg_to_size_sx, is_reg_const,
// reg_const_value, get_reg_width, range_within (+ tnum_in: the scalar part of
// regsafe), __mark_reg_s32_range, scalars_exact_for_widen (scalarSameValue).
//
// Representation: every bound is a bigint holding the value of the C field
// with its C type: smin/smax in [-2^63, 2^63), umin/umax in [0, 2^64),
// s32min/s32max in [-2^31, 2^31), u32min/u32max in [0, 2^32).
// reg_bounds_sync and its parts (__update_reg_bounds, __reg_deduce_bounds,
// __reg_bound_offset) work on 32-bit halves instead (halves.ts; index.ts
// exports them).
//
// The exported functions are pure: they never modify their arguments. The
// `m*` functions are the in-place building blocks (they mutate a MutScalar
// that the caller owns), named after the kernel functions they model.
import {
  Tnum, TNUM_UNKNOWN, tnumConst, tnumRange, tnumSubreg,
  tnumCast, tnumConstSubreg, tnumIsConst, tnumSubregIsConst, tnumIn, fls64,
  U64_MAX, U32_MAX, S64_MAX, S64_MIN, S32_MAX, S32_MIN,
} from './tnum';
import { ScalarDomainError } from './errors';

export interface Scalar {
  /** reg->var_off */
  readonly varOff: Tnum;
  readonly smin: bigint;
  readonly smax: bigint;
  readonly umin: bigint;
  readonly umax: bigint;
  readonly s32min: bigint;
  readonly s32max: bigint;
  readonly u32min: bigint;
  readonly u32max: bigint;
  /** reg->id without flag bits; 0 = not linked to other registers. Managed by the caller. */
  readonly id: number;
  /**
   * BPF_ADD_CONST flags of reg->id: 64 (BPF_ADD_CONST64, after rX += K) or 32
   * (BPF_ADD_CONST32, after wX += K): this register is `linked + delta`; 0 otherwise.
   */
  readonly addConst: 0 | 32 | 64;
  /** reg->off of a linked scalar (the constant delta), meaningful when addConst. */
  readonly delta: number;
  /** reg->precise */
  readonly precise: boolean;
}

/** A Scalar whose fields may be assigned: the working copy of the in-place helpers. */
export type MutScalar = { -readonly [K in keyof Scalar]: Scalar[K] };

export const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
export const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
export const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
export const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
export const bmax = (a: bigint, b: bigint): bigint => (a > b ? a : b);
export const bmin = (a: bigint, b: bigint): bigint => (a < b ? a : b);

// Every scalar is built by one object literal with its fields in one order, so that
// V8 gives them all one hidden class and the hot functions stay monomorphic.
export const cloneScalar = (s: Scalar): MutScalar => ({
  varOff: s.varOff, smin: s.smin, smax: s.smax, umin: s.umin, umax: s.umax,
  s32min: s.s32min, s32max: s.s32max, u32min: s.u32min, u32max: s.u32max,
  id: s.id, addConst: s.addConst, delta: s.delta, precise: s.precise,
});

/** A scalar with no knowledge at all (__mark_reg_unknown on a fresh register; not precise). */
export function scalarUnknown(precise = false): Scalar {
  return {
    varOff: TNUM_UNKNOWN, smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64_MAX,
    s32min: S32_MIN, s32max: S32_MAX, u32min: 0n, u32max: U32_MAX,
    id: 0, addConst: 0, delta: 0, precise,
  };
}

/** A known constant (__mark_reg_known on a SCALAR_VALUE register). `value` is taken modulo 2^64. */
export function scalarConst(value: bigint, precise = false): Scalar {
  if (value >= 0n && value <= S32_MAX) {
    // the value of every field, as u64, s64, u32 and s32 alike
    return {
      varOff: { value, mask: 0n }, smin: value, smax: value, umin: value, umax: value,
      s32min: value, s32max: value, u32min: value, u32max: value,
      id: 0, addConst: 0, delta: 0, precise,
    };
  }
  const v = u64(value);
  const sv = s64(v);
  return {
    varOff: { value: v, mask: 0n }, smin: sv, smax: sv, umin: v, umax: v,
    s32min: s32(v), s32max: s32(v), u32min: u32(v), u32max: u32(v),
    id: 0, addConst: 0, delta: 0, precise,
  };
}

/**
 * The fake register the kernel builds for a BPF_K operand (__mark_reg_known(&off_reg, insn->imm)):
 * the s32 immediate sign-extended to 64 bits.
 */
export const scalarFromImm = (imm: number): Scalar => {
  let s = immScalars.get(imm | 0);
  if (!s) {
    if (immScalars.size >= 4096) immScalars.clear();
    s = scalarConst(BigInt(imm | 0));
    immScalars.set(imm | 0, s);
  }
  return s;
};
/** The BPF_K operands met so far (scalars are values, so one per immediate serves every use). */
const immScalars = new Map<number, Scalar>();

/** The same scalar with reg->precise set to `precise`. */
export const scalarWithPrecise = (s: Scalar, precise: boolean): Scalar => {
  if (precise && isSmallUnlinkedConst(s)) return preciseSmallConst(Number(s.varOff.value));
  const r = cloneScalar(s);
  r.precise = precise;
  return r;
};

/** An unlinked known constant in [0, 2^31) (every bound equal to it): scalarConst(value) but for `precise`. */
function isSmallUnlinkedConst(s: Scalar): boolean {
  const v = s.varOff.value;
  return s.varOff.mask === 0n && v <= S32_MAX && s.id === 0 && s.addConst === 0 && s.delta === 0 &&
    s.umin === v && s.umax === v && s.smin === v && s.smax === v && s.s32min === v && s.s32max === v && s.u32min === v && s.u32max === v;
}

/**
 * The precise constants in [0, 2^31), shared (scalars are values): marking a branch explosion's
 * constants precise on every path would copy one each time (INTERNED_MAX-like bound: emptied when full).
 */
const PRECISE_SMALL_CONSTS = new Map<number, Scalar>();
export function preciseSmallConst(n: number): Scalar {
  let c = PRECISE_SMALL_CONSTS.get(n);
  if (c === undefined) {
    if (PRECISE_SMALL_CONSTS.size >= 4096) PRECISE_SMALL_CONSTS.clear();
    PRECISE_SMALL_CONSTS.set(n, c = scalarConst(BigInt(n), true));
  }
  return c;
}

/** clear_scalar_id: unlink a register (id, its BPF_ADD_CONST flags and the delta). */
export const scalarClearId = (s: Scalar): Scalar => {
  const r = cloneScalar(s);
  r.id = 0;
  r.addConst = 0;
  r.delta = 0;
  return r;
};

/** Build a scalar from explicit fields (no normalisation; use scalarSync to make it consistent). */
export function scalarOf(f: Partial<Scalar>): Scalar {
  return { ...scalarUnknown(), ...f };
}

// ---------------------------------------------------------------------------
// In-place helpers (mutate `r`)

/** ___mark_reg_known: all bounds and var_off become the constant (id untouched). */
export function mMarkKnownKeepId(r: MutScalar, imm: bigint): void {
  const v = u64(imm);
  r.varOff = tnumConst(v);
  r.smin = s64(v);
  r.smax = s64(v);
  r.umin = v;
  r.umax = v;
  r.s32min = s32(v);
  r.s32max = s32(v);
  r.u32min = u32(v);
  r.u32max = u32(v);
}

/** __mark_reg_known: like ___mark_reg_known and also clears id (and the linked delta). */
export function mMarkKnown(r: MutScalar, imm: bigint): void {
  r.id = 0;
  r.addConst = 0;
  r.delta = 0;
  mMarkKnownKeepId(r, imm);
}

/** __mark_reg32_known: the low 32 bits become the constant. */
export function mMarkKnown32(r: MutScalar, imm: bigint): void {
  r.varOff = tnumConstSubreg(r.varOff, u32(imm));
  r.s32min = s32(imm);
  r.s32max = s32(imm);
  r.u32min = u32(imm);
  r.u32max = u32(imm);
}

/** __mark_reg_unbounded */
export function mMarkUnbounded(r: MutScalar): void {
  mMarkUnbounded64(r);
  mMarkUnbounded32(r);
}

/** __mark_reg64_unbounded */
export function mMarkUnbounded64(r: MutScalar): void {
  r.smin = S64_MIN;
  r.smax = S64_MAX;
  r.umin = 0n;
  r.umax = U64_MAX;
}

/** __mark_reg32_unbounded */
export function mMarkUnbounded32(r: MutScalar): void {
  r.s32min = S32_MIN;
  r.s32max = S32_MAX;
  r.u32min = 0n;
  r.u32max = U32_MAX;
}

/** reset_reg64_and_tnum */
export function mResetReg64AndTnum(r: MutScalar): void {
  mMarkUnbounded64(r);
  r.varOff = TNUM_UNKNOWN;
}

/** reset_reg32_and_tnum */
export function mResetReg32AndTnum(r: MutScalar): void {
  mMarkUnbounded32(r);
  r.varOff = TNUM_UNKNOWN;
}

/** __mark_reg_unknown (imprecise; `precise` is the caller's: !env->bpf_capable). */
export function mMarkUnknown(r: MutScalar, precise = false): void {
  r.id = 0;
  r.addConst = 0;
  r.delta = 0;
  r.varOff = TNUM_UNKNOWN;
  r.precise = precise;
  mMarkUnbounded(r);
}

// reg_bounds_sync and its parts work on 32-bit halves, without bigint (halves.ts).
import { mBoundsSync, mUpdateBounds, mDeduceBounds, mBoundOffset } from './halves';

/** Nothing known and every bound unbounded: a fixpoint of reg_bounds_sync. */
const isUnknownFixpoint = (r: Scalar): boolean =>
  r.varOff.mask === U64_MAX && r.varOff.value === 0n && r.umin === 0n && r.umax === U64_MAX &&
  r.smin === S64_MIN && r.smax === S64_MAX && r.u32min === 0n && r.u32max === U32_MAX && r.s32min === S32_MIN && r.s32max === S32_MAX;

/** __reg32_bound_s64 */
const reg32BoundS64 = (a: bigint): boolean => a >= 0n && a <= S32_MAX;

/** __reg_assign_32_into_64 */
export function mAssign32Into64(r: MutScalar): void {
  r.umin = r.u32min;
  r.umax = r.u32max;
  if (reg32BoundS64(r.s32min) && reg32BoundS64(r.s32max)) {
    r.smin = r.s32min;
    r.smax = r.s32max;
  } else {
    r.smin = 0n;
    r.smax = U32_MAX;
  }
}

/** zext_32_to_64: what every ALU32 result goes through. */
export function mZext32To64(r: MutScalar): void {
  r.varOff = tnumSubreg(r.varOff);
  mAssign32Into64(r);
}

/** The fields coerce_reg_to_size gives an unknown scalar, by size (1, 2, 4), computed once each. */
const coercedUnknown: (MutScalar | undefined)[] = [];

/** coerce_reg_to_size: truncate to `size` bytes (1, 2 or 4), zero-extending. */
export function mCoerceToSize(r: MutScalar, size: number): void {
  if (isUnknownFixpoint(r)) {
    // a load of an unknown value: the same bounds every time (id and precision untouched)
    let c = coercedUnknown[size];
    if (!c) {
      c = cloneScalar(r);
      mCoerceToSizeSlow(c, size);
      coercedUnknown[size] = c;
    }
    r.varOff = c.varOff;
    r.smin = c.smin; r.smax = c.smax; r.umin = c.umin; r.umax = c.umax;
    r.s32min = c.s32min; r.s32max = c.s32max; r.u32min = c.u32min; r.u32max = c.u32max;
    return;
  }
  mCoerceToSizeSlow(r, size);
}

function mCoerceToSizeSlow(r: MutScalar, size: number): void {
  r.varOff = tnumCast(r.varOff, size);
  const mask = (1n << BigInt(size * 8)) - 1n;
  const notMask = U64_MAX ^ mask;
  if ((r.umin & notMask) === (r.umax & notMask)) {
    r.umin &= mask;
    r.umax &= mask;
  } else {
    r.umin = 0n;
    r.umax = mask;
  }
  r.smin = r.umin;
  r.smax = r.umax;
  if (size < 4) mMarkUnbounded32(r);
  mBoundsSync(r);
}

const sext = (x: bigint, bytes: number): bigint => BigInt.asIntN(bytes * 8, x);

/** set_sext64_default_val */
function mSext64Default(r: MutScalar, size: number): void {
  const bits = BigInt(size * 8);
  r.smin = r.s32min = -(1n << (bits - 1n));
  r.smax = r.s32max = (1n << (bits - 1n)) - 1n;
  r.umin = r.u32min = 0n;
  r.umax = U64_MAX;
  r.u32max = U32_MAX;
  r.varOff = TNUM_UNKNOWN;
}

/** coerce_reg_to_size_sx: sign-extend the low `size` bytes (1, 2 or 4) to 64 bits. */
export function mCoerceToSizeSx(r: MutScalar, size: number): void {
  if (tnumIsConst(r.varOff)) {
    const v = u64(sext(r.varOff.value, size));
    r.varOff = tnumConst(v);
    r.smin = r.smax = s64(v);
    r.umin = r.umax = v;
    r.s32min = r.s32max = s32(v);
    r.u32min = r.u32max = u32(v);
    return;
  }
  const bits = BigInt(size * 8);
  const topMax = (u64(r.smax) >> bits) << bits;
  const topMin = (u64(r.smin) >> bits) << bits;
  if (topMax !== topMin) {
    mSext64Default(r, size);
    return;
  }
  const a = sext(r.smax, size);
  const b = sext(r.smin, size);
  const hi = bmax(a, b);
  const lo = bmin(a, b);
  if ((hi >= 0n) === (lo >= 0n)) {
    // C assigns the s64 values into s32/u32/u64 fields: plain truncation.
    r.s32min = s32(lo);
    r.smin = lo;
    r.s32max = s32(hi);
    r.smax = hi;
    r.u32min = u32(lo);
    r.umin = u64(lo);
    r.u32max = u32(hi);
    r.umax = u64(hi);
    r.varOff = tnumRange(lo, hi);
    return;
  }
  mSext64Default(r, size);
}

/** set_sext32_default_val */
function mSext32Default(r: MutScalar, size: number): void {
  const bits = BigInt(size * 8);
  r.s32min = -(1n << (bits - 1n));
  r.s32max = (1n << (bits - 1n)) - 1n;
  r.u32min = 0n;
  r.u32max = U32_MAX;
  r.varOff = tnumSubreg(TNUM_UNKNOWN);
}

/** coerce_subreg_to_size_sx: sign-extend the low `size` bytes (1 or 2) into the 32-bit subregister. */
export function mCoerceSubregToSizeSx(r: MutScalar, size: number): void {
  if (tnumIsConst(r.varOff)) {
    // The kernel reads var_off.value into a u32 and builds tnum_const((s8/s16)v):
    // the result is sign-extended to 64 bits in var_off, bounds keep 32 bits.
    const v = u64(sext(u32(r.varOff.value), size));
    r.varOff = tnumConst(v);
    const v32 = u32(v);
    r.s32min = r.s32max = s32(v32);
    r.u32min = r.u32max = v32;
    return;
  }
  const bits = BigInt(size * 8);
  const topMax = (u32(r.s32max) >> bits) << bits;
  const topMin = (u32(r.s32min) >> bits) << bits;
  if (topMax !== topMin) {
    mSext32Default(r, size);
    return;
  }
  const a = sext(r.s32max, size);
  const b = sext(r.s32min, size);
  const hi = bmax(a, b);
  const lo = bmin(a, b);
  if ((lo >= 0n) === (hi >= 0n)) {
    r.s32min = lo;
    r.s32max = hi;
    r.u32min = u32(lo);
    r.u32max = u32(hi);
    r.varOff = tnumSubreg(tnumRange(lo, hi));
    return;
  }
  mSext32Default(r, size);
}

// ---------------------------------------------------------------------------
// Pure wrappers

const pure = (f: (r: MutScalar) => void) => (s: Scalar): Scalar => {
  const r = cloneScalar(s);
  f(r);
  return r;
};

/** reg_bounds_sync on a copy. */
export const scalarSync = pure(mBoundsSync);
/** __update_reg_bounds on a copy. */
export const scalarUpdateBounds = pure(mUpdateBounds);
/** __reg_deduce_bounds on a copy (one round). */
export const scalarDeduceBounds = pure(mDeduceBounds);
/** __reg_bound_offset on a copy. */
export const scalarBoundOffset = pure(mBoundOffset);
/** zext_32_to_64 on a copy. */
export const scalarZext32To64 = pure(mZext32To64);
/** __reg_assign_32_into_64 on a copy. */
export const scalarAssign32Into64 = pure(mAssign32Into64);
/** __mark_reg_unbounded on a copy. */
export const scalarUnbounded = pure(mMarkUnbounded);
const checkSize = (where: string, size: number, sizes: number[]): void => {
  if (!sizes.includes(size)) throw new ScalarDomainError('bad-size', `${where}(size ${size})`, `size must be one of ${sizes.join(', ')}`);
};
/** coerce_reg_to_size (zero-extending narrow load / truncation), size 1, 2 or 4. */
export const scalarCoerceToSize = (s: Scalar, size: number): Scalar => {
  checkSize('scalarCoerceToSize', size, [1, 2, 4]);
  const r = cloneScalar(s);
  mCoerceToSize(r, size);
  return r;
};
/** coerce_reg_to_size_sx (sign-extending load, movsx64), size 1, 2 or 4. */
export const scalarCoerceToSizeSx = (s: Scalar, size: number): Scalar => {
  checkSize('scalarCoerceToSizeSx', size, [1, 2, 4]);
  return pure((r) => mCoerceToSizeSx(r, size))(s);
};
/** coerce_subreg_to_size_sx (movsx32), size 1 or 2. */
export const scalarCoerceSubregToSizeSx = (s: Scalar, size: number): Scalar => {
  checkSize('scalarCoerceSubregToSizeSx', size, [1, 2]);
  return pure((r) => mCoerceSubregToSizeSx(r, size))(s);
};

/** is_reg_const */
export const scalarIsConst = (s: Scalar, subreg32: boolean): boolean =>
  subreg32 ? tnumSubregIsConst(s.varOff) : tnumIsConst(s.varOff);


/** reg_const_value */
export const scalarConstValue = (s: Scalar, subreg32: boolean): bigint =>
  subreg32 ? u32(s.varOff.value) : s.varOff.value;

/** get_reg_width: number of significant bits of umax (fls64). */
export const scalarWidth = (s: Scalar): number => fls64(s.umax);

/** Does the concrete 64-bit value x satisfy every bound and the tnum of s? */
export function scalarContains(s: Scalar, x: bigint): boolean {
  const v = u64(x);
  const sv = s64(v);
  const v32 = u32(v);
  const sv32 = s32(v);
  return (v & (U64_MAX ^ s.varOff.mask)) === s.varOff.value &&
    sv >= s.smin && sv <= s.smax && v >= s.umin && v <= s.umax &&
    sv32 >= s.s32min && sv32 <= s.s32max && v32 >= s.u32min && v32 <= s.u32max;
}

/** Do the low 32 bits of x satisfy the 32-bit bounds and the low half of the tnum? */
export function scalarContains32(s: Scalar, x: bigint): boolean {
  const v32 = u32(x);
  const sv32 = s32(x);
  return (v32 & (U32_MAX ^ u32(s.varOff.mask))) === u32(s.varOff.value) &&
    sv32 >= s.s32min && sv32 <= s.s32max && v32 >= s.u32min && v32 <= s.u32max;
}

/**
 * reg_bounds_sanity_check: null when consistent, else the kernel's message
 * (the text after "verifier bug: "); the kernel then marks the register
 * unbounded (scalarUnbounded) unless env->test_reg_invariants.
 */
export function scalarInvariantViolation(s: Scalar, ctx: string): string | null {
  let msg: string | null = null;
  if (s.umin > s.umax || s.smin > s.smax || s.u32min > s.u32max || s.s32min > s.s32max) {
    msg = 'range bounds violation';
  } else if (tnumIsConst(s.varOff) &&
    (s.umin !== s.varOff.value || s.umax !== s.varOff.value ||
      s.smin !== s64(s.varOff.value) || s.smax !== s64(s.varOff.value))) {
    msg = 'const tnum out of sync with range bounds';
  } else if (tnumSubregIsConst(s.varOff)) {
    const v = u32(s.varOff.value);
    if (s.u32min !== v || s.u32max !== v || s.s32min !== s32(v) || s.s32max !== s32(v)) {
      msg = 'const subreg tnum out of sync with range bounds';
    }
  }
  if (msg === null) return null;
  const hx = (x: bigint): string => '0x' + x.toString(16); // kernel %#llx prints 0 as 0x0
  return `REG INVARIANTS VIOLATION (${ctx}): ${msg} u64=[${hx(s.umin)}, ${hx(s.umax)}] ` +
    `s64=[${hx(u64(s.smin))}, ${hx(u64(s.smax))}] u32=[${hx(s.u32min)}, ${hx(s.u32max)}] ` +
    `s32=[${hx(u32(s.s32min))}, ${hx(u32(s.s32max))}] var_off=(${hx(s.varOff.value)}, ${hx(s.varOff.mask)})`;
}

/** range_within: every bound of `cur` lies inside the matching bound of `old`. */
export function scalarRangeWithin(old: Scalar, cur: Scalar): boolean {
  return old.umin <= cur.umin && old.umax >= cur.umax && old.smin <= cur.smin && old.smax >= cur.smax &&
    old.u32min <= cur.u32min && old.u32max >= cur.u32max && old.s32min <= cur.s32min && old.s32max >= cur.s32max;
}

/**
 * The value part of regsafe() for two scalars: `old` covers `cur` when its
 * ranges contain cur's and cur's tnum is in old's (range_within + tnum_in).
 * Precision and id mapping (check_scalar_ids) are the state comparison's job.
 */
export function scalarSubsumes(old: Scalar, cur: Scalar): boolean {
  return old === cur || scalarRangeWithin(old, cur) && tnumIn(old.varOff, cur.varOff);
}

/** __mark_reg_s32_range: intersect with [min, max] as s32 and as s64, then sync. */
export function scalarS32Range(s: Scalar, min: bigint, max: bigint): Scalar {
  const r = cloneScalar(s);
  r.s32min = bmax(r.s32min, min);
  r.s32max = bmin(r.s32max, max);
  r.smin = bmax(r.smin, min);
  r.smax = bmin(r.smax, max);
  mBoundsSync(r);
  return r;
}

/**
 * The value fields of two scalars are identical (tnum, the eight bounds and
 * the linked delta): the kernel's memcmp up to `id`, used by
 * scalars_exact_for_widen and regsafe under explore_alu_limits.
 */
export function scalarSameValue(a: Scalar, b: Scalar): boolean {
  // smax first: of two different scalars the memos compare, it differs almost always
  return a === b || a.smax === b.smax && a.delta === b.delta && a.varOff.mask === b.varOff.mask &&
    a.varOff.value === b.varOff.value && a.smin === b.smin && a.umin === b.umin && a.umax === b.umax &&
    a.s32min === b.s32min && a.s32max === b.s32max && a.u32min === b.u32min && a.u32max === b.u32max;
}

/**
 * The same value fields (scalarSameValue) and the same precision: two scalars that
 * differ at most in their id and BPF_ADD_CONST flags, which the transfer functions and
 * reg_set_min_max only carry along or clear (their memos key on this).
 */
export const scalarSameValuePrecise = (a: Scalar, b: Scalar): boolean => a === b || (a.precise === b.precise && scalarSameValue(a, b));

/** `s` with the id, BPF_ADD_CONST flags and delta of `from` (the same object when they already match). */
export function scalarWithIdOf(s: Scalar, from: Scalar): Scalar {
  if (s.id === from.id && s.addConst === from.addConst && s.delta === from.delta) return s;
  const r = cloneScalar(s);
  r.id = from.id;
  r.addConst = from.addConst;
  r.delta = from.delta;
  return r;
}
