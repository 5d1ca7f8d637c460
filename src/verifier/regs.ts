// Register access of the current frame: check_reg_arg (SRC_OP, DST_OP) with the
// scratch marks of mark_reg_scratched, and mark_chain_precision (precision.ts) (kernel/bpf/verifier.c).
import { VerifierEnv, curFrame, fail, logOn } from './env';
import { MAX_BPF_REG, BPF_REG_FP } from '../isa/opcodes';
import { RegState, PointerReg, AnyPtr, notInit } from './state';
import type { Scalar } from './scalar/scalar';
import { markChainPrecision } from './precision';

/**
 * mark_reg_scratched: the marks only say which registers the level-1 and -2 lines print, so
 * without such a log none is kept (a Set.add is ~9 ns, 2-3% of a walk at two marks an instruction).
 */
function scratch(env: VerifierEnv, r: number): void {
  if (logOn(env)) env.scratchedRegs.add(r);
}

/** check_reg_arg(SRC_OP): the register must be readable. */
export function readReg(env: VerifierEnv, r: number): RegState {
  if (r >= MAX_BPF_REG) fail(env, 'EINVAL', 'invalidRegNo', [r]);
  scratch(env, r);
  const reg = curFrame(env).regs[r];
  if (reg.type === 'not_init') fail(env, 'EACCES', 'regNotReadOk', [r]);
  return reg;
}

/** check_reg_arg(DST_OP): the register may be written. */
export function checkDst(env: VerifierEnv, r: number): void {
  if (r >= MAX_BPF_REG) fail(env, 'EINVAL', 'invalidRegNo', [r]);
  scratch(env, r);
  if (r === BPF_REG_FP) fail(env, 'EACCES', 'frameReadOnly');
}

export function setReg(env: VerifierEnv, r: number, v: RegState): void {
  curFrame(env).regs[r] = v;
}

/** mark_reg_scratched */
export function scratchReg(env: VerifierEnv, r: number): void {
  scratch(env, r);
}

/** R1..R5 become unreadable after a call (clear_caller_saved_regs without R0). */
export function clearArgRegs(env: VerifierEnv): void {
  const regs = curFrame(env).regs;
  for (let r = 1; r <= 5; r++) regs[r] = notInit();
}

/**
 * A copy of pointer `p` with new off, var_off, id and flags, and `range` for packet pointers
 * (`{ ...p, off, v, id, flags, range }`), built as one literal of every pointer field: in V8 an
 * object spread costs 10-20 times a literal (measured, Node 20), and pointer arithmetic and
 * branches copy a pointer per instruction.
 */
export function ptrWith(p: PointerReg, off: number, v: Scalar, id: number, flags: number, range: number): PointerReg {
  const a = p as unknown as AnyPtr;
  const q: AnyPtr = {
    type: a.type, off, v, id, refObjId: a.refObjId, flags, range: a.type === 'pkt' || a.type === 'pkt_meta' ? range : a.range,
    frameno: a.frameno, map: a.map, btf: a.btf, size: a.size, dynptrId: a.dynptrId, dtype: a.dtype, subprogno: a.subprogno,
  };
  return q as unknown as PointerReg;
}

/** mark_chain_precision(regno): the scalar's history is wanted precise in the parent checkpoints (precision.ts). */
export function markPrecise(env: VerifierEnv, regno: number): void {
  markChainPrecision(env, regno);
}
