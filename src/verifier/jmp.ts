// Jumps: check_cond_jmp_op (reserved fields, is_branch_taken, the other branch
// pushed with reg_set_min_max applied to both, sync_linked_regs), and the
// unconditional BPF_JA / gotol (kernel/bpf/verifier.c).
import { Insn } from '../isa/insn';
import {
  BPF_OP, BPF_SRC, BPF_X, BPF_K, BPF_JMP, BPF_JMP32, BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE,
  BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE, BPF_CLASS,
} from '../isa/opcodes';
import { VerifierEnv, curFrame, fail, notModelled, logOn } from './env';
import { readReg, markPrecise } from './regs';
import { RegState, VState, isPointer, scalarReg, cloneState } from './state';
import { Scalar, scalarFromImm, isBranchTaken, regSetMinMax, syncLinkedScalar } from './scalar_bridge';
import { pushStack } from './states';
import { printInsnState } from './print';

const COND_OPS: ReadonlySet<number> = new Set([BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE]);

/** BPF_JA (off) and BPF_JMP32 BPF_JA (gotol, imm); returns the target. */
export function checkJa(env: VerifierEnv, insn: Insn): number {
  const cls = BPF_CLASS(insn.code);
  if (BPF_SRC(insn.code) !== BPF_K || insn.src !== 0 || insn.dst !== 0
    || (cls === BPF_JMP && insn.imm !== 0) || (cls === BPF_JMP32 && insn.off !== 0)) fail(env, 'EINVAL', 'jaReserved');
  return env.insnIdx + (cls === BPF_JMP ? insn.off : insn.imm) + 1;
}

/** sync_linked_regs: every register and spilled scalar with `known`'s id takes its refined value. */
function syncLinked(st: VState, known: Scalar): void {
  if (!known.id) return;
  for (const f of st.frames) {
    f.regs.forEach((r, i) => { if (r.type === 'scalar' && r.s.id === known.id) f.regs[i] = scalarReg(syncLinkedScalar(r.s, known)); });
    for (const sl of f.stack) {
      if (sl.spilled && sl.spilled.type === 'scalar' && sl.spilled.s.id === known.id) sl.spilled = scalarReg(syncLinkedScalar(sl.spilled.s, known));
    }
  }
}

/** check_cond_jmp_op; returns the index to continue at (the target when the branch is always taken). */
export function checkCondJmpOp(env: VerifierEnv, insn: Insn, is64: boolean): number {
  const op = BPF_OP(insn.code);
  if (!COND_OPS.has(op)) fail(env, 'EINVAL', 'unknownOpcode', [insn.code]);
  const isX = BPF_SRC(insn.code) === BPF_X;
  let src: RegState;
  if (isX) {
    if (insn.imm !== 0) fail(env, 'EINVAL', 'condJmpReserved');
    src = readReg(env, insn.src);
  } else {
    if (insn.src !== 0) fail(env, 'EINVAL', 'condJmpReserved');
    src = scalarReg(scalarFromImm(insn.imm));
  }
  const dst = readReg(env, insn.dst);
  if (isPointer(dst) || isPointer(src) || dst.type !== 'scalar' || src.type !== 'scalar') return notModelled(env, 'comparison involving pointers');
  const jmp32 = !is64;
  const taken = isBranchTaken(dst.s, src.s, op, jmp32);
  const idx = env.insnIdx;
  const target = idx + insn.off + 1;
  if (taken >= 0) {
    markPrecise(env, insn.dst);
    if (isX) markPrecise(env, insn.src);
  }
  if (taken === 1 || taken === 0) {
    if (logOn(env)) printInsnState(env);
    return taken === 1 ? target : idx + 1;
  }
  const other = cloneState(env.cur);
  const b = regSetMinMax(dst.s, src.s, op, jmp32, isX && insn.src === insn.dst);
  const of = other.frames[other.curframe];
  of.regs[insn.dst] = scalarReg(b.trueDst);
  if (isX) of.regs[insn.src] = scalarReg(b.trueSrc);
  const cf = curFrame(env);
  cf.regs[insn.dst] = scalarReg(b.falseDst);
  if (isX) cf.regs[insn.src] = scalarReg(b.falseSrc);
  syncLinked(other, b.trueDst);
  syncLinked(env.cur, b.falseDst);
  if (isX) { syncLinked(other, b.trueSrc); syncLinked(env.cur, b.falseSrc); }
  pushStack(env, target, idx, other);
  if (logOn(env)) printInsnState(env);
  return idx + 1;
}
