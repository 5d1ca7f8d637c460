// Public API of the verifier's scalar domain: tnums, the scalar register
// state with its bound bookkeeping, ALU transfer functions, branch logic,
// linked scalars and log formatting. Pure: no I/O, no mutation of arguments.
// Each file's header names the kernel functions it models
// (kernel/bpf/tnum.c, kernel/bpf/verifier.c, kernel/bpf/log.c); behaviour is
// that of the live Linux 6.18 kernel (6.18.44 stable), checked by replaying
// its log_level 2 output (test/verifier-scalar/golden).
//
// How do_check uses it (kernel function -> call):
//   mark_reg_unknown            scalarUnknown(precise = !bpf_capable)
//   __mark_reg_known / ld_imm64 scalarConst(value)
//   BPF_K operand (fake reg)    scalarFromImm(insn.imm)
//   BPF_MOV imm                 movImm(alu64, imm)
//   BPF_MOV reg / movsx         assignScalarIdBeforeMov(src, nextId) (usedNextId) when the
//                               kernel links (see movReg doc), then movReg(alu64, off, src)
//   other ALU ops, NEG, END     adjustScalar({code, off, imm}, dst, src)
//                               -> {dst, fork?}: push a state that re-runs the
//                               insn with dst = fork (maybe_fork_scalars)
//                               then linkAfterAlu(insn, dstUmaxBefore, dst, src, bpfCapable)
//                               (only for the adjust_reg_min_max_vals path, not NEG/END)
//   narrow loads                scalarCoerceToSize(s, size) / scalarCoerceToSizeSx(s, size)
//   helper ranges               scalarS32Range(s, min, max)
//   is_branch_taken (scalars)   isBranchTaken(dst, src, BPF_OP(code), jmp32) -> 1 | 0 | -1
//   reg_set_min_max             regSetMinMax(dst, src, op, jmp32, dst === src register)
//                               -> {trueDst, trueSrc, falseDst, falseSrc}
//   reg_bounds_sanity_check     scalarInvariantViolation(s, ctx) -> message | null
//                               (then scalarUnbounded(s), as the kernel does)
//   sync_linked_regs (one reg)  syncLinkedScalar(reg, known); the caller collects the
//                               live registers sharing the id (at most 6, others lose their id)
//   clear_scalar_id             scalarClearId(s) (mov32 of a wide value, movsx that
//                               sign-extends, narrowing fills: id, flags and delta go)
//   regsafe value check         scalarSubsumes(old, cur); scalarSameValue(a, b)
//   reg->precise = true/false   scalarWithPrecise(s, precise) (mark_chain_precision,
//                               mark_all_scalars_imprecise)
//   print_reg_state (scalar)    formatScalar(s); tnumStrn(t) for messages
//
// The exports are plain properties copied once from the defining files: TypeScript
// compiles `export *` to a getter per name, which every call through this module
// would run (1-2% of a verification's time).
import * as tnum_ from './tnum';
import * as scalar_ from './scalar';
import * as halves_ from './halves';
import * as alu_ from './alu';
import * as branch_ from './branch';
import * as linked_ from './linked';
import * as print_ from './print';
import * as errors_ from './errors';
export type { Tnum } from './tnum';
export type { Scalar, MutScalar } from './scalar';
export type { AluInsn, AluResult } from './alu';
export type { BranchTaken, BranchStates } from './branch';
export type { ScalarErrorKind } from './errors';
export const {
  U64_MAX, U32_MAX, S64_MAX, S64_MIN, S32_MAX, S32_MIN, tnum, TNUM_UNKNOWN, tnumConst, tnumLshift, tnumRshift,
  tnumNeg, tnumIsConst, tnumEqualsConst, tnumIsUnknown, tnumContains, tnumSubreg, tnumClearSubreg,
  tnumWithSubreg, tnumConstSubreg, tnumSubregIsConst, tnumBswap16, tnumBswap32, tnumBswap64, fls64, tnumRange,
  tnumArshift, tnumAdd, tnumSub, tnumAnd, tnumOr, tnumXor, tnumUnion, tnumMul, tnumIntersect, tnumCast,
  tnumIsAligned, tnumIn, tnumOverlap, tnumStr, tnumSbin, tnumStep,
} = tnum_;
export const {
  u64, s64, u32, s32, bmax, bmin, cloneScalar, scalarFromImm, scalarWithPrecise, preciseSmallConst, scalarClearId, scalarSync,
  scalarUpdateBounds, scalarDeduceBounds, scalarBoundOffset, scalarZext32To64, scalarAssign32Into64,
  scalarUnbounded, scalarCoerceToSize, scalarCoerceToSizeSx, scalarCoerceSubregToSizeSx, scalarIsConst,
  scalarConstValue, scalarWidth, scalarUnknown, scalarConst, scalarOf, mMarkKnownKeepId, mMarkKnown,
  mMarkKnown32, mMarkUnbounded, mMarkUnbounded64, mMarkUnbounded32, mResetReg64AndTnum, mResetReg32AndTnum,
  mMarkUnknown, mAssign32Into64, mZext32To64, mCoerceToSize, mCoerceToSizeSx, mCoerceSubregToSizeSx,
  scalarContains, scalarContains32, scalarInvariantViolation, scalarRangeWithin, scalarSubsumes,
  scalarS32Range, scalarSameValue, scalarSameValuePrecise, scalarWithIdOf,
} = scalar_;
export const {
  mBoundsSync, mUpdateBounds32, mUpdateBounds64, mUpdateBounds, mDeduceBounds32, mDeduceBounds64,
  mDeduceMixedBounds, mDeduceBounds, mBoundOffset, scalarIsKnownConst, mAddSubSync, mAddBounds, mBitwiseSync, mMulSync,
} = halves_;
export const {
  BPF_DIV, BPF_MOD, isSafeToComputeDstRange, adjustScalar, movImm, movReg, aluScalar,
} = alu_;
export const {
  isBranchTaken, flipOpcode, revOpcode, isScalarBranchTaken, refineCondOp, regSetMinMax, regSetMinMaxDst,
} = branch_;
export const {
  assignScalarIdBeforeMov, usedNextId, linkAfterAlu, syncLinkedScalar,
} = linked_;
export const {
  formatUnum, formatSnum, tnumStrn, formatScalarRanges, formatScalar,
} = print_;
export const { ScalarDomainError } = errors_;
export type ScalarDomainError = errors_.ScalarDomainError;
