// Conditional jumps between scalars. Models kernel/bpf/verifier.c:
// is_scalar_branch_taken, flip_opcode, rev_opcode, regs_refine_cond_op,
// reg_set_min_max (the scalar part of check_cond_jmp_op) and the scalar
// part of is_branch_taken.
//
// 6.18 behaviour notes (checked against the live kernel): JEQ/JNE use
// tnum_overlap; the false branch of JSET forgets the ranges before narrowing
// the tnum; comparing a register with itself has no special case (both
// operands are the same state, refined in place).
import { tnumSubreg, tnumIsConst, tnumOverlap, tnumIntersect, tnumWithSubreg, tnumOr, tnumAnd, tnumConst, U64_MAX } from './tnum';
import { Scalar, MutScalar, cloneScalar, bmin, bmax, u32, s32, mMarkUnbounded, scalarIsConst, scalarConstValue, scalarConst } from './scalar';
import { mBoundsSync } from './halves';
import {
  BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE, BPF_X,
} from '../../isa/opcodes';
import { ScalarDomainError } from './errors';

/** 1: the branch is always taken, 0: never taken, -1: unknown. */
export type BranchTaken = 1 | 0 | -1;

/** flip_opcode: the op that makes "a op b" into "b op' a". */
export function flipOpcode(op: number): number {
  switch (op) {
    case BPF_JEQ: case BPF_JNE: case BPF_JSET: return op;
    case BPF_JGE: return BPF_JLE;
    case BPF_JGT: return BPF_JLT;
    case BPF_JLE: return BPF_JGE;
    case BPF_JLT: return BPF_JGT;
    case BPF_JSGE: return BPF_JSLE;
    case BPF_JSGT: return BPF_JSLT;
    case BPF_JSLE: return BPF_JSGE;
    case BPF_JSLT: return BPF_JSGT;
    default: return 0;
  }
}

/** rev_opcode: the condition of the false branch; JSET's reverse is JSET|BPF_X. */
export function revOpcode(op: number): number {
  switch (op) {
    case BPF_JEQ: return BPF_JNE;
    case BPF_JNE: return BPF_JEQ;
    case BPF_JSET: return BPF_JSET | BPF_X;
    case BPF_JSET | BPF_X: return BPF_JSET;
    case BPF_JGE: return BPF_JLT;
    case BPF_JGT: return BPF_JLE;
    case BPF_JLE: return BPF_JGT;
    case BPF_JLT: return BPF_JGE;
    case BPF_JSGE: return BPF_JSLT;
    case BPF_JSGT: return BPF_JSLE;
    case BPF_JSLE: return BPF_JSGT;
    case BPF_JSLT: return BPF_JSGE;
    default: return 0;
  }
}

/**
 * is_scalar_branch_taken: does "if (a op b)" jump? `op` is BPF_OP of the
 * jump (BPF_JEQ ... BPF_JSLE); `jmp32` compares the low 32 bits.
 */
export function isScalarBranchTaken(a: Scalar, b: Scalar, op: number, jmp32: boolean): BranchTaken {
  if (revOpcode(op) === 0 || op === (BPF_JSET | BPF_X)) {
    throw new ScalarDomainError('bad-jmp-op', `isBranchTaken(op 0x${op.toString(16)})`, 'not a conditional jump comparison');
  }
  let r1 = a;
  let r2 = b;
  let t1 = jmp32 ? tnumSubreg(r1.varOff) : r1.varOff;
  let t2 = jmp32 ? tnumSubreg(r2.varOff) : r2.varOff;
  const umin1 = jmp32 ? r1.u32min : r1.umin;
  const umax1 = jmp32 ? r1.u32max : r1.umax;
  const smin1 = jmp32 ? r1.s32min : r1.smin;
  const smax1 = jmp32 ? r1.s32max : r1.smax;
  const umin2 = jmp32 ? r2.u32min : r2.umin;
  const umax2 = jmp32 ? r2.u32max : r2.umax;
  const smin2 = jmp32 ? r2.s32min : r2.smin;
  const smax2 = jmp32 ? r2.s32max : r2.smax;

  switch (op) {
    case BPF_JEQ:
    case BPF_JNE: {
      const eq: BranchTaken = op === BPF_JEQ ? 1 : 0;
      const ne: BranchTaken = op === BPF_JEQ ? 0 : 1;
      if (tnumIsConst(t1) && tnumIsConst(t2)) return t1.value === t2.value ? eq : ne;
      if (!tnumOverlap(t1, t2)) return ne;
      if (umin1 > umax2 || umax1 < umin2) return ne;
      if (smin1 > smax2 || smax1 < smin2) return ne;
      if (!jmp32) {
        if (r1.u32min > r2.u32max || r1.u32max < r2.u32min) return ne;
        if (r1.s32min > r2.s32max || r1.s32max < r2.s32min) return ne;
      }
      return -1;
    }
    case BPF_JSET: {
      if (!scalarIsConst(r2, jmp32)) {
        [r1, r2] = [r2, r1];
        [t1, t2] = [t2, t1];
      }
      if (!scalarIsConst(r2, jmp32)) return -1;
      if ((t1.value & (U64_MAX ^ t1.mask)) & t2.value) return 1;
      if (((t1.mask | t1.value) & t2.value) === 0n) return 0;
      return -1;
    }
    case BPF_JGT:
      if (umin1 > umax2) return 1;
      if (umax1 <= umin2) return 0;
      return -1;
    case BPF_JSGT:
      if (smin1 > smax2) return 1;
      if (smax1 <= smin2) return 0;
      return -1;
    case BPF_JLT:
      if (umax1 < umin2) return 1;
      if (umin1 >= umax2) return 0;
      return -1;
    case BPF_JSLT:
      if (smax1 < smin2) return 1;
      if (smin1 >= smax2) return 0;
      return -1;
    case BPF_JGE:
      if (umin1 >= umax2) return 1;
      if (umax1 < umin2) return 0;
      return -1;
    case BPF_JSGE:
      if (smin1 >= smax2) return 1;
      if (smax1 < smin2) return 0;
      return -1;
    case BPF_JLE:
      if (umax1 <= umin2) return 1;
      if (umin1 > umax2) return 0;
      return -1;
    case BPF_JSLE:
      if (smax1 <= smin2) return 1;
      if (smin1 > smax2) return 0;
      return -1;
    default:
      return -1;
  }
}

/** is_branch_taken for two scalars (same as isScalarBranchTaken). */
export const isBranchTaken = isScalarBranchTaken;

/**
 * regs_refine_cond_op: narrow r1 and r2 (which may be the same object) to
 * the states where "r1 op r2" holds. `op` may be BPF_JSET | BPF_X, the
 * reverse of JSET. Mutates its arguments; does not sync bounds.
 */
export function refineCondOp(reg1: MutScalar, reg2: MutScalar, op0: number, jmp32: boolean): void {
  let r1 = reg1;
  let r2 = reg2;
  let op = op0;
  if (op === BPF_JGE || op === BPF_JGT || op === BPF_JSGE || op === BPF_JSGT) {
    op = flipOpcode(op);
    [r1, r2] = [r2, r1];
  }
  switch (op) {
    case BPF_JEQ:
      if (jmp32) {
        r1.u32min = bmax(r1.u32min, r2.u32min);
        r1.u32max = bmin(r1.u32max, r2.u32max);
        r1.s32min = bmax(r1.s32min, r2.s32min);
        r1.s32max = bmin(r1.s32max, r2.s32max);
        r2.u32min = r1.u32min;
        r2.u32max = r1.u32max;
        r2.s32min = r1.s32min;
        r2.s32max = r1.s32max;
        const t = tnumIntersect(tnumSubreg(r1.varOff), tnumSubreg(r2.varOff));
        r1.varOff = tnumWithSubreg(r1.varOff, t);
        r2.varOff = tnumWithSubreg(r2.varOff, t);
      } else {
        r1.umin = bmax(r1.umin, r2.umin);
        r1.umax = bmin(r1.umax, r2.umax);
        r1.smin = bmax(r1.smin, r2.smin);
        r1.smax = bmin(r1.smax, r2.smax);
        r2.umin = r1.umin;
        r2.umax = r1.umax;
        r2.smin = r1.smin;
        r2.smax = r1.smax;
        r1.varOff = tnumIntersect(r1.varOff, r2.varOff);
        r2.varOff = r1.varOff;
      }
      break;
    case BPF_JNE: {
      if (!scalarIsConst(r2, jmp32)) [r1, r2] = [r2, r1];
      if (!scalarIsConst(r2, jmp32)) break;
      // A constant at the edge of the other range shrinks the range by one.
      const val = scalarConstValue(r2, jmp32);
      if (jmp32) {
        if (r1.u32min === u32(val)) r1.u32min = u32(r1.u32min + 1n);
        if (r1.u32max === u32(val)) r1.u32max = u32(r1.u32max - 1n);
        if (r1.s32min === s32(val)) r1.s32min = s32(r1.s32min + 1n);
        if (r1.s32max === s32(val)) r1.s32max = s32(r1.s32max - 1n);
      } else {
        if (r1.umin === val) r1.umin = BigInt.asUintN(64, r1.umin + 1n);
        if (r1.umax === val) r1.umax = BigInt.asUintN(64, r1.umax - 1n);
        if (r1.smin === BigInt.asIntN(64, val)) r1.smin = BigInt.asIntN(64, r1.smin + 1n);
        if (r1.smax === BigInt.asIntN(64, val)) r1.smax = BigInt.asIntN(64, r1.smax - 1n);
      }
      break;
    }
    case BPF_JSET: {
      if (!scalarIsConst(r2, jmp32)) [r1, r2] = [r2, r1];
      if (!scalarIsConst(r2, jmp32)) break;
      const val = scalarConstValue(r2, jmp32);
      // Only a single-bit mask tells which bit is set.
      if (val === 0n || (val & (val - 1n)) !== 0n) break;
      if (jmp32) {
        const t = tnumOr(tnumSubreg(r1.varOff), tnumConst(val));
        r1.varOff = tnumWithSubreg(r1.varOff, t);
      } else {
        r1.varOff = tnumOr(r1.varOff, tnumConst(val));
      }
      break;
    }
    case BPF_JSET | BPF_X: {
      if (!scalarIsConst(r2, jmp32)) [r1, r2] = [r2, r1];
      if (!scalarIsConst(r2, jmp32)) break;
      const val = scalarConstValue(r2, jmp32);
      mMarkUnbounded(r1);
      const inv = U64_MAX ^ val;
      if (jmp32) {
        const t = tnumAnd(tnumSubreg(r1.varOff), tnumConst(inv));
        r1.varOff = tnumWithSubreg(r1.varOff, t);
      } else {
        r1.varOff = tnumAnd(r1.varOff, tnumConst(inv));
      }
      break;
    }
    case BPF_JLE:
      if (jmp32) {
        r1.u32max = bmin(r1.u32max, r2.u32max);
        r2.u32min = bmax(r1.u32min, r2.u32min);
      } else {
        r1.umax = bmin(r1.umax, r2.umax);
        r2.umin = bmax(r1.umin, r2.umin);
      }
      break;
    case BPF_JLT:
      // The kernel's u32/u64 arithmetic wraps here (only on dead branches).
      if (jmp32) {
        r1.u32max = bmin(r1.u32max, u32(r2.u32max - 1n));
        r2.u32min = bmax(u32(r1.u32min + 1n), r2.u32min);
      } else {
        r1.umax = bmin(r1.umax, BigInt.asUintN(64, r2.umax - 1n));
        r2.umin = bmax(BigInt.asUintN(64, r1.umin + 1n), r2.umin);
      }
      break;
    case BPF_JSLE:
      if (jmp32) {
        r1.s32max = bmin(r1.s32max, r2.s32max);
        r2.s32min = bmax(r1.s32min, r2.s32min);
      } else {
        r1.smax = bmin(r1.smax, r2.smax);
        r2.smin = bmax(r1.smin, r2.smin);
      }
      break;
    case BPF_JSLT:
      if (jmp32) {
        r1.s32max = bmin(r1.s32max, s32(r2.s32max - 1n));
        r2.s32min = bmax(s32(r1.s32min + 1n), r2.s32min);
      } else {
        r1.smax = bmin(r1.smax, BigInt.asIntN(64, r2.smax - 1n));
        r2.smin = bmax(BigInt.asIntN(64, r1.smin + 1n), r2.smin);
      }
      break;
    default:
      break;
  }
}

export interface BranchStates {
  /** dst and src on the jump (true) branch. */
  readonly trueDst: Scalar;
  readonly trueSrc: Scalar;
  /** dst and src on the fall-through (false) branch. */
  readonly falseDst: Scalar;
  readonly falseSrc: Scalar;
}

/**
 * reg_set_min_max for two scalars: the states of "if (dst op src)" on both
 * branches, each synced (reg_bounds_sync). For BPF_K pass scalarFromImm(imm)
 * as src (or use regSetMinMaxDst). `sameReg` says dst and src are the same register (if r1 > r1):
 * the refinements then apply to one shared state, as in the kernel, and
 * trueSrc/falseSrc equal trueDst/falseDst.
 * Check the results with scalarInvariantViolation (reg_bounds_sanity_check).
 */
export function regSetMinMax(dst: Scalar, src: Scalar, op: number, jmp32: boolean, sameReg = false): BranchStates {
  checkJmpOp(op);
  const [fd, fs] = refinedSide(dst, src, revOpcode(op), jmp32, sameReg, true);
  const [td, ts] = refinedSide(dst, src, op, jmp32, sameReg, true);
  return { trueDst: td, trueSrc: ts, falseDst: fd, falseSrc: fs };
}

/**
 * reg_set_min_max when only the destination's branch states are wanted (a BPF_K
 * comparison: the kernel's fake source register is refined and synced too, but
 * nothing reads it afterwards): the same trueDst and falseDst as regSetMinMax.
 */
export function regSetMinMaxDst(dst: Scalar, src: Scalar, op: number, jmp32: boolean): { trueDst: Scalar; falseDst: Scalar } {
  checkJmpOp(op);
  return { trueDst: refinedDst(dst, src, op, jmp32), falseDst: refinedDst(dst, src, revOpcode(op), jmp32) };
}

/** The fake source register of refinedDst: refined, then dropped (one object reused, not one per branch). */
const scratchSrc: MutScalar = cloneScalar(scalarConst(0n));

/** One branch of reg_set_min_max for dst only: regs_refine_cond_op on dst and a throwaway copy of src, then reg_bounds_sync of dst. */
function refinedDst(dst: Scalar, src: Scalar, op: number, jmp32: boolean): Scalar {
  const d = cloneScalar(dst);
  const s = scratchSrc;
  s.varOff = src.varOff; s.smin = src.smin; s.smax = src.smax; s.umin = src.umin; s.umax = src.umax;
  s.s32min = src.s32min; s.s32max = src.s32max; s.u32min = src.u32min; s.u32max = src.u32max;
  refineCondOp(d, s, op, jmp32);
  mBoundsSync(d);
  return d;
}

function checkJmpOp(op: number): void {
  if (revOpcode(op) === 0) {
    throw new ScalarDomainError('bad-jmp-op', `regSetMinMax(op 0x${op.toString(16)})`, 'not a conditional jump comparison');
  }
}

/** One branch of reg_set_min_max: regs_refine_cond_op, then reg_bounds_sync of dst (and of src when `syncSrc`). */
function refinedSide(dst: Scalar, src: Scalar, op: number, jmp32: boolean, sameReg: boolean, syncSrc: boolean): [Scalar, Scalar] {
  const d = cloneScalar(dst);
  const s = sameReg ? d : cloneScalar(src);
  refineCondOp(d, s, op, jmp32);
  mBoundsSync(d);
  if (syncSrc) mBoundsSync(s); // twice on one state when sameReg, like the kernel
  return [d, s];
}
