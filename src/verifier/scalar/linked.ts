// Linked scalars: registers that hold the same unknown value, or that value
// plus a constant. Models the scalar-id parts of kernel/bpf/verifier.c:
// assign_scalar_id_before_mov, the BPF_ADD_CONST tail of
// adjust_reg_min_max_vals, and the per-register step of sync_linked_regs.
// Id allocation (env->id_gen) stays with the caller: pass the next id in.
import { BPF_ADD, BPF_SUB, BPF_ALU64, BPF_CLASS, BPF_OP } from '../../isa/opcodes';
import { tnumAdd, tnumIsConst, U32_MAX } from './tnum';
import {
  Scalar, MutScalar, cloneScalar, scalarConst, scalarIsConst, scalarConstValue, s32, s64,
  mZext32To64,
} from './scalar';
import { AluInsn } from './alu';
import { mAddBounds, mBoundsSync } from './halves';

/**
 * assign_scalar_id_before_mov: the source register of `rX = rY` gets an id
 * (if it is not a constant and has none) so both registers are linked; a
 * source that is itself `linked + delta` loses that link first.
 * Returns the new source state (`src` itself when nothing changes; no result object per
 * mov): usedNextId says whether it took `nextId`.
 */
export function assignScalarIdBeforeMov(src: Scalar, nextId: number): Scalar {
  // already linked without a delta, or a constant without one: nothing changes
  if (!src.addConst && (src.id || tnumIsConst(src.varOff))) return src;
  const r = cloneScalar(src);
  if (r.addConst) {
    r.id = 0;
    r.addConst = 0;
    r.delta = 0;
  }
  if (!r.id && !tnumIsConst(r.varOff)) r.id = nextId;
  return r;
}

/**
 * Did assignScalarIdBeforeMov(src, nextId) give `linked` the new id? Only a new state has
 * it (a source keeping its own id, even one equal to nextId, comes back as itself).
 */
export const usedNextId = (src: Scalar, linked: Scalar, nextId: number): boolean => linked !== src && linked.id === nextId;

/**
 * The id of a scalar destination after `dst op= src` (adjust_reg_min_max_vals):
 * `rX += K` / `rX -= K` (K an s32, or any constant register) on a linked
 * register makes it `linked + K` when the program is bpf_capable; any other
 * ALU result is unlinked. `dstUmaxBefore` is dst's umax before the operation.
 */
export function linkAfterAlu(insn: AluInsn, dstUmaxBefore: bigint, dst: Scalar, src: Scalar, bpfCapable: boolean): Scalar {
  // nothing to clear: the same scalar
  if (!dst.id && !dst.addConst && !dst.delta) return dst;
  const r = cloneScalar(dst);
  const op = BPF_OP(insn.code);
  const alu32 = BPF_CLASS(insn.code) !== BPF_ALU64;
  const clear = (): Scalar => {
    r.delta = 0;
    r.id = 0;
    r.addConst = 0;
    return r;
  };
  if (bpfCapable && (op === BPF_ADD || op === BPF_SUB) && r.id && scalarIsConst(src, alu32)) {
    const val = scalarConstValue(src, alu32);
    if (!alu32 && (s64(val) < -0x8000_0000n || s64(val) > 0x7fff_ffffn)) return clear();
    if (alu32 && dstUmaxBefore > U32_MAX) return clear();
    let off = Number(s32(val));
    if (op === BPF_SUB) {
      if (off === -0x8000_0000) return clear();
      off = -off;
    }
    if (r.addConst) return clear();
    r.addConst = alu32 ? 32 : 64;
    r.delta = off;
    return r;
  }
  return clear(); // clear_scalar_id: the delta goes too (a stale delta would skew a later sync)
}

/**
 * One step of sync_linked_regs: `reg` linked to `known` (same base id) takes
 * known's state, shifted by the difference of their deltas; its own id and
 * delta are kept in the shifted case. Unlinked registers, and a pair linked
 * by a 32-bit and a 64-bit add, come back unchanged.
 */
export function syncLinkedScalar(reg: Scalar, known: Scalar): Scalar {
  if (!reg.id || reg.id !== known.id) return reg;
  // A delta from a 32-bit add and one from a 64-bit add do not compose: no sync.
  if (reg.addConst && known.addConst && reg.addConst !== known.addConst) return reg;
  if ((!reg.addConst && !known.addConst) || reg.delta === known.delta) {
    return cloneScalar(known);
  }
  const fake = scalarConst(BigInt(reg.delta) - BigInt(known.delta));
  const r: MutScalar = cloneScalar(known);
  r.delta = reg.delta;
  r.id = reg.id;
  r.addConst = reg.addConst;
  mAddBounds(r, fake); // scalar32_min_max_add, scalar_min_max_add
  r.varOff = tnumAdd(r.varOff, fake.varOff);
  if (reg.addConst === 32 || known.addConst === 32) mZext32To64(r); // either side linked by a 32-bit add
  mBoundsSync(r);
  return r;
}
