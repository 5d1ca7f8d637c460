// Log text of a scalar register as the verifier prints it. Models
// kernel/bpf/log.c: is_unum_decimal, is_snum_decimal, verbose_unum,
// verbose_snum, tnum_strn, print_scalar_ranges and the SCALAR_VALUE part of
// print_reg_state (Linux 6.18: numbers beyond 16 bits print in hex).
import { Tnum, tnumIsConst, tnumIsUnknown, S64_MIN, S64_MAX, S32_MIN, S32_MAX, U64_MAX, U32_MAX } from './tnum';
import { Scalar, u64, s64, u32 } from './scalar';

/** is_unum_decimal: u64 values up to U16_MAX print in decimal. */
const isUnumDecimal = (n: bigint): boolean => u64(n) <= 0xffffn;
/** is_snum_decimal: s64 values in [S16_MIN, S16_MAX] print in decimal. */
const isSnumDecimal = (n: bigint): boolean => {
  const v = s64(n);
  return v >= -0x8000n && v <= 0x7fffn;
};

/** verbose_unum: "%llu" for small values, "%#llx" otherwise. */
export const formatUnum = (n: bigint): string => (isUnumDecimal(n) ? u64(n).toString() : '0x' + u64(n).toString(16));

/** verbose_snum: "%lld" for small values, "%#llx" of the 64-bit pattern otherwise. */
export const formatSnum = (n: bigint): string => (isSnumDecimal(n) ? s64(n).toString() : '0x' + u64(n).toString(16));

/** tnum_strn (6.18, in log.c): a constant prints as a number, else "(%#llx; %#llx)". */
export function tnumStrn(t: Tnum): string {
  if (t.mask === 0n) return formatUnum(t.value);
  return `(0x${t.value.toString(16)}; 0x${t.mask.toString(16)})`;
}

/**
 * print_scalar_ranges: the non-default bounds in the order smin, smax, umin,
 * umax, smin32, smax32, umin32, umax32; a bound equal to a later one of the
 * same kind (min or max) prints as "a=b=value", without mixing negative and
 * non-negative signed values. 32-bit signed values that need hex print as
 * their u32 pattern.
 */
export function formatScalarRanges(s: Scalar): string[] {
  const s32val = (v: bigint): bigint => (isSnumDecimal(v) ? u64(v) : u32(v));
  const items: { name: string; val: bigint; omit: boolean }[] = [
    { name: 'smin', val: u64(s.smin), omit: s.smin === S64_MIN },
    { name: 'smax', val: u64(s.smax), omit: s.smax === S64_MAX },
    { name: 'umin', val: s.umin, omit: s.umin === 0n },
    { name: 'umax', val: s.umax, omit: s.umax === U64_MAX },
    { name: 'smin32', val: s32val(s.s32min), omit: s.s32min === S32_MIN },
    { name: 'smax32', val: s32val(s.s32max), omit: s.s32max === S32_MAX },
    { name: 'umin32', val: s.u32min, omit: s.u32min === 0n },
    { name: 'umax32', val: s.u32max, omit: s.u32max === U32_MAX },
  ];
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const m1 = items[i];
    if (m1.omit) continue;
    const signed1 = m1.name[0] === 's';
    const neg1 = signed1 && s64(m1.val) < 0n;
    let text = m1.name + '=';
    for (let j = i + 2; j < items.length; j += 2) {
      const m2 = items[j];
      if (m2.omit || m2.val !== m1.val) continue;
      const neg2 = m2.name[0] === 's' && s64(m2.val) < 0n;
      if (neg2 !== neg1) continue;
      m2.omit = true;
      text += m2.name + '=';
    }
    text += signed1 ? formatSnum(m1.val) : formatUnum(m1.val);
    out.push(text);
  }
  return out;
}

/**
 * print_reg_state for a SCALAR_VALUE: "P" when precise, then the constant
 * (verbose_snum) or "scalar(" id[+delta], ranges, var_off ")".
 */
export function formatScalar(s: Scalar): string {
  const p = s.precise ? 'P' : '';
  if (tnumIsConst(s.varOff)) return p + formatSnum(s.varOff.value);
  const parts: string[] = [];
  if (s.id) parts.push(`id=${s.id}` + (s.addConst ? (s.delta >= 0 ? `+${s.delta}` : `${s.delta}`) : ''));
  parts.push(...formatScalarRanges(s));
  if (!tnumIsUnknown(s.varOff)) parts.push(`var_off=${tnumStrn(s.varOff)}`);
  return `${p}scalar(${parts.join(',')})`;
}
