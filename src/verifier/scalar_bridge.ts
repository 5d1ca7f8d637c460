// Bridge to the scalar domain (src/verifier/scalar/ is owned by another engineer).
// Until their range type and ALU transfer land, this file holds a small SOUND
// stand-in: tnum (theirs) plus the eight bounds, kept consistent by a simplified
// reg_bounds_sync, exact results when both operands are constants, tnum transfer
// otherwise. Over-approximating can only cause extra rejections, never a wrong
// accept. Models (simplified): __mark_reg_known, __mark_reg_unknown,
// reg_bounds_sync, adjust_scalar_min_max_vals, is_branch_taken, reg_set_min_max,
// print_scalar_ranges (kernel/bpf/verifier.c, kernel/bpf/log.c).
import {
  Tnum, TNUM_UNKNOWN, tnumConst, tnumRange, tnumIntersect, tnumAdd, tnumSub, tnumAnd, tnumOr, tnumXor, tnumMul,
  tnumLshift, tnumRshift, tnumArshift, tnumCast, tnumIsConst, tnumIsUnknown, tnumStr,
  U64_MAX, U32_MAX, S64_MAX, S64_MIN, S32_MAX, S32_MIN,
} from './scalar/tnum';

export interface Scalar {
  varOff: Tnum;
  smin: bigint; smax: bigint; umin: bigint; umax: bigint;
  s32min: bigint; s32max: bigint; u32min: bigint; u32max: bigint;
}

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const u32 = (x: bigint): bigint => BigInt.asUintN(32, x);
const s32 = (x: bigint): bigint => BigInt.asIntN(32, x);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

export const scalarUnknown = (): Scalar => ({
  varOff: TNUM_UNKNOWN, smin: S64_MIN, smax: S64_MAX, umin: 0n, umax: U64_MAX,
  s32min: S32_MIN, s32max: S32_MAX, u32min: 0n, u32max: U32_MAX,
});

export function scalarConst(v: bigint): Scalar {
  const x = u64(v);
  return { varOff: tnumConst(x), smin: s64(x), smax: s64(x), umin: x, umax: x,
    s32min: s32(x), s32max: s32(x), u32min: u32(x), u32max: u32(x) };
}

export const scalarIsConst = (s: Scalar): boolean => tnumIsConst(s.varOff);
export const scalarConstValue = (s: Scalar): bigint => s.varOff.value;

/** A scalar from a tnum only (bounds derived), then synced. */
export function scalarFromTnum(t: Tnum): Scalar {
  const s = scalarUnknown();
  s.varOff = t;
  return sync(s);
}

/** Zero-extended unknown 32-bit value (result of an unknown ALU32 op). */
export const scalarUnknown32 = (): Scalar => scalarFromTnum(tnumCast(TNUM_UNKNOWN, 4));

/** Simplified reg_bounds_sync: tnum <-> u64/s64 <-> u32/s32, iterated twice. Sound, not always as tight as the kernel. */
export function sync(s0: Scalar): Scalar {
  const s = { ...s0 };
  for (let k = 0; k < 2; k++) {
    const t = s.varOff;
    // from tnum
    s.umin = max(s.umin, t.value); s.umax = min(s.umax, t.value | t.mask);
    const signBit = 1n << 63n;
    if (!(t.mask & signBit)) {
      const lo = s64(t.value), hi = s64(t.value | t.mask);
      s.smin = max(s.smin, min(lo, hi)); s.smax = min(s.smax, max(lo, hi));
    } else {
      s.smin = max(s.smin, s64(t.value | signBit)); s.smax = min(s.smax, s64((t.value | t.mask) & ~signBit));
    }
    const t32v = u32(t.value), t32m = u32(t.mask);
    s.u32min = max(s.u32min, t32v); s.u32max = min(s.u32max, t32v | t32m);
    if (!(t32m & 0x80000000n)) {
      const lo = s32(t32v), hi = s32(t32v | t32m);
      s.s32min = max(s.s32min, min(lo, hi)); s.s32max = min(s.s32max, max(lo, hi));
    } else {
      s.s32min = max(s.s32min, s32(t32v | 0x80000000n)); s.s32max = min(s.s32max, s32((t32v | t32m) & 0x7fffffffn));
    }
    // u64 <-> s64
    if (s.umax <= S64_MAX || s.umin > S64_MAX) {
      s.smin = max(s.smin, s64(s.umin)); s.smax = min(s.smax, s64(s.umax));
    }
    if (s.smin >= 0n || s.smax < 0n) {
      s.umin = max(s.umin, u64(s.smin)); s.umax = min(s.umax, u64(s.smax));
    }
    // 64 -> 32 when the upper 32 bits are the same across the range
    if ((s.umin >> 32n) === (s.umax >> 32n)) {
      s.u32min = max(s.u32min, u32(s.umin)); s.u32max = min(s.u32max, u32(s.umax));
      if (s32(s.umin) <= s32(s.umax)) { s.s32min = max(s.s32min, s32(s.umin)); s.s32max = min(s.s32max, s32(s.umax)); }
    }
    // u32 <-> s32
    if (s.u32max <= BigInt(S32_MAX) || s.u32min > BigInt(S32_MAX)) {
      s.s32min = max(s.s32min, s32(s.u32min)); s.s32max = min(s.s32max, s32(s.u32max));
    }
    if (s.s32min >= 0n || s.s32max < 0n) {
      s.u32min = max(s.u32min, u32(s.s32min)); s.u32max = min(s.u32max, u32(s.s32max));
    }
    // back to tnum
    s.varOff = tnumIntersect(s.varOff, tnumRange(s.umin, s.umax));
    const sub = tnumIntersect(tnumCast(s.varOff, 4), tnumRange(s.u32min, s.u32max));
    s.varOff = { value: (s.varOff.value & ~U32_MAX) | sub.value, mask: (s.varOff.mask & ~U32_MAX) | sub.mask };
  }
  if (tnumIsConst(s.varOff)) return scalarConst(s.varOff.value);
  return s;
}

export type AluOp = 'add' | 'sub' | 'mul' | 'div' | 'sdiv' | 'or' | 'and' | 'lsh' | 'rsh' | 'neg' | 'mod' | 'smod' | 'xor' | 'arsh';

function constAlu(op: AluOp, a: bigint, b: bigint, is64: boolean): bigint {
  const bits = is64 ? 64 : 32;
  const un = (x: bigint): bigint => BigInt.asUintN(bits, x);
  const sn = (x: bigint): bigint => BigInt.asIntN(bits, x);
  a = un(a); b = un(b);
  switch (op) {
    case 'add': return un(a + b);
    case 'sub': return un(a - b);
    case 'mul': return un(a * b);
    case 'div': return b === 0n ? 0n : a / b;
    case 'sdiv': return b === 0n ? 0n : un(sn(a) / sn(b));
    case 'mod': return b === 0n ? a : a % b;
    case 'smod': return b === 0n ? a : un(sn(a) % sn(b));
    case 'or': return a | b;
    case 'and': return a & b;
    case 'xor': return a ^ b;
    case 'lsh': return un(a << (b & BigInt(bits - 1)));
    case 'rsh': return a >> (b & BigInt(bits - 1));
    case 'arsh': return un(sn(a) >> (b & BigInt(bits - 1)));
    case 'neg': return un(-a);
  }
}

/** ALU on two scalars (dst op= src); 32-bit ops zero-extend. */
export function scalarAlu(op: AluOp, dst: Scalar, src: Scalar, is64: boolean): Scalar {
  if (scalarIsConst(dst) && (op === 'neg' || scalarIsConst(src))) {
    return scalarConst(constAlu(op, dst.varOff.value, src.varOff.value, is64));
  }
  const d = is64 ? dst.varOff : tnumCast(dst.varOff, 4);
  const sv = is64 ? src.varOff : tnumCast(src.varOff, 4);
  const bits = is64 ? 64 : 32;
  let t: Tnum;
  switch (op) {
    case 'add': t = tnumAdd(d, sv); break;
    case 'sub': t = tnumSub(d, sv); break;
    case 'mul': t = tnumMul(d, sv); break;
    case 'and': t = tnumAnd(d, sv); break;
    case 'or': t = tnumOr(d, sv); break;
    case 'xor': t = tnumXor(d, sv); break;
    case 'lsh': t = scalarIsConst(src) ? tnumLshift(d, Number(src.varOff.value)) : TNUM_UNKNOWN; break;
    case 'rsh': t = scalarIsConst(src) ? tnumRshift(d, Number(src.varOff.value)) : TNUM_UNKNOWN; break;
    case 'arsh': t = scalarIsConst(src) ? tnumArshift(d, Number(src.varOff.value), bits as 32 | 64) : TNUM_UNKNOWN; break;
    default: t = TNUM_UNKNOWN;
  }
  if (!is64) t = tnumCast(t, 4);
  return scalarFromTnum(t);
}

/** Zero-extend the low 32 bits (mov32, any ALU32 result). */
export const scalarZext32 = (s: Scalar): Scalar =>
  scalarIsConst(s) ? scalarConst(u32(s.varOff.value)) : scalarFromTnum(tnumCast(s.varOff, 4));

export type CondOp = 'jeq' | 'jne' | 'jgt' | 'jge' | 'jlt' | 'jle' | 'jsgt' | 'jsge' | 'jslt' | 'jsle' | 'jset';

interface Bounds { umin: bigint; umax: bigint; smin: bigint; smax: bigint }
const bounds = (s: Scalar, is64: boolean): Bounds => (is64
  ? { umin: s.umin, umax: s.umax, smin: s.smin, smax: s.smax }
  : { umin: s.u32min, umax: s.u32max, smin: s.s32min, smax: s.s32max });

/** is_branch_taken: 1 taken, 0 not taken, -1 unknown. */
export function branchTaken(op: CondOp, a: Scalar, b: Scalar, is64: boolean): number {
  const x = bounds(a, is64), y = bounds(b, is64);
  const ta = is64 ? a.varOff : tnumCast(a.varOff, 4), tb = is64 ? b.varOff : tnumCast(b.varOff, 4);
  switch (op) {
    case 'jeq':
      if (tnumIsConst(ta) && tnumIsConst(tb)) return ta.value === tb.value ? 1 : 0;
      if (x.umin > y.umax || x.umax < y.umin || x.smin > y.smax || x.smax < y.smin) return 0;
      if (((ta.value ^ tb.value) & ~(ta.mask | tb.mask)) !== 0n) return 0;
      return -1;
    case 'jne': { const r = branchTaken('jeq', a, b, is64); return r < 0 ? -1 : 1 - r; }
    case 'jset':
      if ((ta.value & tb.value) !== 0n) return 1;
      if (((ta.value | ta.mask) & (tb.value | tb.mask)) === 0n) return 0;
      return -1;
    case 'jgt': if (x.umin > y.umax) return 1; if (x.umax <= y.umin) return 0; return -1;
    case 'jge': if (x.umin >= y.umax) return 1; if (x.umax < y.umin) return 0; return -1;
    case 'jlt': if (x.umax < y.umin) return 1; if (x.umin >= y.umax) return 0; return -1;
    case 'jle': if (x.umax <= y.umin) return 1; if (x.umin > y.umax) return 0; return -1;
    case 'jsgt': if (x.smin > y.smax) return 1; if (x.smax <= y.smin) return 0; return -1;
    case 'jsge': if (x.smin >= y.smax) return 1; if (x.smax < y.smin) return 0; return -1;
    case 'jslt': if (x.smax < y.smin) return 1; if (x.smin >= y.smax) return 0; return -1;
    case 'jsle': if (x.smax <= y.smin) return 1; if (x.smin > y.smax) return 0; return -1;
  }
}

const NEG: Record<CondOp, CondOp> = { jeq: 'jne', jne: 'jeq', jgt: 'jle', jge: 'jlt', jlt: 'jge', jle: 'jgt',
  jsgt: 'jsle', jsge: 'jslt', jslt: 'jsge', jsle: 'jsgt', jset: 'jset' };

/** reg_set_min_max, restricted to a constant right-hand side: refine `a` assuming `a op k` holds (or, when !holds, its negation). */
export function refineAgainstConst(op0: CondOp, a: Scalar, k: bigint, is64: boolean, holds: boolean): Scalar {
  if (op0 === 'jset') {
    if (holds) return a;
    // no bit of k is set in a
    const mask = is64 ? u64(k) : u32(k);
    return sync({ ...a, varOff: { value: a.varOff.value & ~mask, mask: a.varOff.mask & ~mask } });
  }
  const op = holds ? op0 : NEG[op0];
  const s = { ...a };
  const ku = is64 ? u64(k) : u32(k);
  const ks = is64 ? s64(k) : s32(k);
  if (is64) {
    switch (op) {
      case 'jeq': return scalarConst(ku);
      case 'jne': if (s.umin === ku) s.umin = ku + 1n; if (s.umax === ku && ku > 0n) s.umax = ku - 1n;
        if (s.smin === ks) s.smin = ks + 1n; if (s.smax === ks) s.smax = ks - 1n; break;
      case 'jgt': s.umin = max(s.umin, ku + 1n); break;
      case 'jge': s.umin = max(s.umin, ku); break;
      case 'jlt': s.umax = min(s.umax, ku - 1n); break;
      case 'jle': s.umax = min(s.umax, ku); break;
      case 'jsgt': s.smin = max(s.smin, ks + 1n); break;
      case 'jsge': s.smin = max(s.smin, ks); break;
      case 'jslt': s.smax = min(s.smax, ks - 1n); break;
      case 'jsle': s.smax = min(s.smax, ks); break;
    }
  } else {
    switch (op) {
      case 'jeq': s.u32min = s.u32max = ku; s.s32min = s.s32max = ks; break;
      case 'jne': if (s.u32min === ku) s.u32min = ku + 1n; if (s.u32max === ku && ku > 0n) s.u32max = ku - 1n;
        if (s.s32min === ks) s.s32min = ks + 1n; if (s.s32max === ks) s.s32max = ks - 1n; break;
      case 'jgt': s.u32min = max(s.u32min, ku + 1n); break;
      case 'jge': s.u32min = max(s.u32min, ku); break;
      case 'jlt': s.u32max = min(s.u32max, ku - 1n); break;
      case 'jle': s.u32max = min(s.u32max, ku); break;
      case 'jsgt': s.s32min = max(s.s32min, ks + 1n); break;
      case 'jsge': s.s32min = max(s.s32min, ks); break;
      case 'jslt': s.s32max = min(s.s32max, ks - 1n); break;
      case 'jsle': s.s32max = min(s.s32max, ks); break;
    }
  }
  return sync(s);
}

const SNUM_MIN = -32768n, SNUM_MAX = 32767n, UNUM_MAX = 65535n;
const unum = (v: bigint): string => (v <= UNUM_MAX ? v.toString() : '0x' + v.toString(16));
const snum = (v: bigint): string => (v >= SNUM_MIN && v <= SNUM_MAX ? v.toString() : '0x' + u64(v).toString(16));

/** print_scalar_ranges + var_off: the inside of `scalar(...)`. */
export function formatScalarRanges(s: Scalar): string[] {
  const dec32 = (v: bigint): bigint => (v >= SNUM_MIN && v <= SNUM_MAX ? v : u32(v));
  const items: { name: string; val: bigint; omit: boolean }[] = [
    { name: 'smin', val: s.smin, omit: s.smin === S64_MIN },
    { name: 'smax', val: s.smax, omit: s.smax === S64_MAX },
    { name: 'umin', val: s.umin, omit: s.umin === 0n },
    { name: 'umax', val: s.umax, omit: s.umax === U64_MAX },
    { name: 'smin32', val: dec32(s.s32min), omit: s.s32min === S32_MIN },
    { name: 'smax32', val: dec32(s.s32max), omit: s.s32max === S32_MAX },
    { name: 'umin32', val: s.u32min, omit: s.u32min === 0n },
    { name: 'umax32', val: s.u32max, omit: s.u32max === U32_MAX },
  ];
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const m1 = items[i];
    if (m1.omit) continue;
    const neg1 = m1.name[0] === 's' && m1.val < 0n;
    let text = m1.name + '=';
    for (let j = i + 2; j < items.length; j += 2) {
      const m2 = items[j];
      if (m2.omit || u64(m2.val) !== u64(m1.val)) continue;
      const neg2 = m2.name[0] === 's' && m2.val < 0n;
      if (neg1 !== neg2) continue;
      m2.omit = true;
      text += m2.name + '=';
    }
    text += m1.name[0] === 's' ? snum(m1.val) : unum(u64(m1.val));
    out.push(text);
  }
  if (!tnumIsUnknown(s.varOff)) out.push('var_off=' + tnumStr(s.varOff));
  return out;
}

/** print_reg_state for a scalar: `42`, `-1`, `scalar()`, `scalar(smin=...)`. `id` is printed first when non-zero. */
export function formatScalar(s: Scalar, id = 0, precise = false): string {
  const p = precise ? 'P' : '';
  if (tnumIsConst(s.varOff)) return p + snum(s64(s.varOff.value));
  const parts = id ? [`id=${id}`] : [];
  parts.push(...formatScalarRanges(s));
  return `${p}scalar(${parts.join(',')})`;
}

/** verbose_invalid_scalar's middle part: ` smin=.. smax=..` or ` unknown scalar value`. */
export function formatInvalidScalar(s: Scalar): string {
  let out = '';
  if (s.smin > S64_MIN) out += ` smin=${s.smin}`;
  if (s.smax < S64_MAX) out += ` smax=${s.smax}`;
  return out || ' unknown scalar value';
}
