// Bridge to the scalar domain of src/verifier/scalar/ (another engineer's
// module): the handful of calls do_check makes, under names that say what the
// abstract execution needs. Models nothing itself except verbose_invalid_scalar's
// range text (kernel/bpf/verifier.c).
// Imports come from the defining files and re-exports are plain consts: TypeScript
// compiles `export { x } from` to a getter run on every call.
import * as scalar from './scalar/scalar';
import * as alu from './scalar/alu';
import * as branch from './scalar/branch';
import * as linked from './scalar/linked';
import * as print from './scalar/print';
import { S64_MIN, S64_MAX } from './scalar/tnum';

import type { Scalar } from './scalar/scalar';
export type { Scalar };
export type { AluResult } from './scalar/alu';
export type { BranchStates } from './scalar/branch';
export const { scalarUnknown, scalarConst, scalarFromImm } = scalar;
export const { aluScalar } = alu;
export const { isBranchTaken, regSetMinMax, regSetMinMaxDst } = branch;
export const { formatScalar } = print;
export const { assignScalarIdBeforeMov, usedNextId, linkAfterAlu, syncLinkedScalar } = linked;
const { scalarIsConst: isConstW, scalarConstValue: constValueW, scalarCoerceToSize, scalarCoerceToSizeSx, scalarClearId } = scalar;
const { movReg } = alu;

/** tnum_is_const(reg->var_off) */
export const scalarIsConst = (s: Scalar): boolean => isConstW(s, false);
export const scalarConstValue = (s: Scalar): bigint => constValueW(s, false);
/** Zero-extend the low 32 bits (mov32). */
export const scalarZext32 = (s: Scalar): Scalar => movReg(false, 0, s);
/** An unknown value loaded with a 4-byte read (mark_reg_unknown + coerce_reg_to_size). */
export const scalarUnknown32 = (): Scalar => scalarCoerceToSize(scalarUnknown(), 4);
/** An unknown value of `size` bytes. */
export const scalarUnknownSized = (size: number): Scalar => (size >= 8 ? scalarUnknown() : scalarCoerceToSize(scalarUnknown(), size));
/** coerce_reg_to_size */
export const scalarCoerce = (s: Scalar, size: number): Scalar => scalarCoerceToSize(s, size);
/** coerce_reg_to_size_sx */
export const scalarCoerceSx = (s: Scalar, size: number): Scalar => scalarCoerceToSizeSx(s, size);
/** Drop the link (id) of a scalar. */
export const scalarUnlinked = (s: Scalar): Scalar => scalarClearId(s);

/** verbose_invalid_scalar's middle part: ` smin=.. smax=..` or ` unknown scalar value`. */
export function formatInvalidScalar(s: Scalar): string {
  let out = '';
  if (s.smin > S64_MIN) out += ` smin=${s.smin}`;
  if (s.smax < S64_MAX) out += ` smax=${s.smax}`;
  return out || ' unknown scalar value';
}
