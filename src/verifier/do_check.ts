// The walk: do_check_common (entry registers of the main program, a global subprog
// or the exception callback), do_check (the main loop: complexity limit, prune points,
// the instruction line, then one instruction; exits pop the next branch) and
// do_check_insn (the dispatch on the instruction's class to alu.ts, mem.ts, ld_imm.ts,
// jmp.ts, calls.ts, helpers.ts, kfuncs.ts, exit.ts) (kernel/bpf/verifier.c).
// What this model does not decide is rejected as `not modelled yet: ...`.
import { Insn } from '../isa/insn';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_K, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32,
  BPF_JA, BPF_CALL, BPF_EXIT, BPF_JCOND, BPF_HELPER_CALL, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, MAX_BPF_REG, BPF_MODE, BPF_ATOMIC,
  BPF_ABS, BPF_IND,
} from '../isa/opcodes';
import { verbose } from './log';
import { checkReservedFields } from './reserved_fields';
import { VerifierEnv, BPF_COMPLEXITY_LIMIT_INSNS, PRUNE_POINT, JMP_POINT, logOn, fail, notModelled, resetWalk, text } from './env';
import { VState, newFuncState, ctxReg, ptrReg, PTR_MAYBE_NULL, UNKNOWN_SCALAR_REG } from './state';
import { setCurrentOf, resetWrites, commitWrites } from './stack_liveness';
import { prepareFuncArgs, prepareMainArgs } from './func_args';
import { popStack, isStateVisited, updateBranchCounts, updateLiveStackOfCur } from './states';
import { logInsn } from './print';
import { PathEntry, pathEntry, setInJmpHistory } from './precision';
import { checkAluOp } from './alu';
import { checkLoad, checkStoreReg, checkStoreImm } from './mem';
import { checkLdImm } from './ld_imm';
import { checkJa, checkCondJmpOp, checkMayGoto } from './jmp';
import { checkAtomic, checkLdAbs } from './atomic';
import { checkFuncCall, prepareFuncExit } from './calls';
import { checkHelperCall } from './helpers';
import { checkKfuncCall } from './kfuncs';
import { checkReturnCode } from './exit';
import { checkResourceLeak } from './refs';

/**
 * What an instruction does to the walk, as a number (no object per instruction): the index
 * to go on at (>= 0), leave the function (EXIT: BPF_EXIT), leave the program by bpf_throw
 * (THROW), or go on at `NEW_FRAME - out` after a call entered a frame or a global call
 * returned (out <= NEW_FRAME: the stack liveness restarts).
 */
type InsnOutcome = number;
const EXIT = -1, THROW = -2, NEW_FRAME = -3;
const next = (idx: number): InsnOutcome => idx;
const newFrameAt = (idx: number): InsnOutcome => NEW_FRAME - idx;

/** The entry state of do_check_common for `subprog` (0 = main). */
function entryState(env: VerifierEnv, subprog: number): VState {
  const st: VState = { frames: [newFuncState(0, subprog, -1)], curframe: 0, refs: [] };
  const f = st.frames[0];
  if (!subprog) {
    prepareMainArgs(env);
    f.regs[1] = ctxReg();
    return st;
  }
  const layout = env.layout;
  verbose(env.log, text(env, 'validating', [layout.subprogs[subprog].name, subprog]) + '\n');
  const args = prepareFuncArgs(env, subprog);
  if (subprog === layout.exceptionCallback) {
    f.inExceptionCallback = true;
    if (args.length !== 1 || args[0].kind !== 'scalar') fail(env, 'EINVAL', 'exceptionCbSingleIntArg');
  }
  args.forEach((a, i) => {
    if (a.kind === 'ctx') f.regs[i + 1] = ctxReg();
    else if (a.kind === 'scalar') f.regs[i + 1] = UNKNOWN_SCALAR_REG;
    // a global function's dynptr: assumed a local one, read-only (__mark_dynptr_reg)
    else if (a.kind === 'dynptr') f.regs[i + 1] = ptrReg('dynptr_ptr', { dtype: 'local' }, { id: ++env.idGen });
    else f.regs[i + 1] = a.nullable ? ptrReg('mem', { size: a.size, dynptrId: 0 }, { flags: PTR_MAYBE_NULL, id: ++env.idGen }) : ptrReg('mem', { size: a.size, dynptrId: 0 });
  });
  return st;
}

/** bpf_update_live_stack of the current state (nothing to do while no instance changed). */
function updateLive(env: VerifierEnv): void {
  if (env.liveness.dirty === 0) env.liveness.cur = null;
  else updateLiveStackOfCur(env);
}

/** process_bpf_exit: the path is done (exit or pruned); go on with the next branch. Returns false when none is left. */
function processBpfExit(env: VerifierEnv): boolean {
  env.allScratched = true;
  updateBranchCounts(env);
  updateLive(env);
  if (!popStack(env)) return false;
  env.liveness.cur = null;
  updateLive(env);
  env.doPrintState = true;
  return true;
}

/**
 * push_jmp_history's entries of do_check (precision.ts walks them): before the prune point,
 * an arrival from elsewhere than the instruction before (a jump, a call, a return, a popped
 * branch; a forked instruction run again has its first run's entry unless it is a jump
 * point). Returns the entry made, or null.
 */
function arrivalEntry(env: VerifierEnv, idx: number, flags: number): PathEntry | null {
  const prev = env.prevInsnIdx;
  if (prev === idx - 1 || (prev === idx && !(flags & JMP_POINT)) || env.path === null) return null;
  return (env.path = pathEntry(idx, prev, env.path));
}

/**
 * After the prune point: the first instruction after a checkpoint always has an entry (the
 * walk ends there), and a jump point is in the kernel's jmp_history.
 */
function insnEntry(env: VerifierEnv, idx: number, flags: number, arrival: PathEntry | null): void {
  let e = env.path === null ? (env.path = pathEntry(idx, env.prevInsnIdx, null)) : arrival;
  if (!(flags & JMP_POINT)) return;
  e ??= env.path = pathEntry(idx, idx - 1, env.path);
  setInJmpHistory(e);
  env.jmpHistoryCnt++;
}

/** do_check_common for `subprog` (0 = main). Returns normally when every path is safe. */
export function doCheckCommon(env: VerifierEnv, subprog: number): void {
  resetWalk(env, subprog, entryState(env, subprog));
  const lv = env.liveness;
  const limit = env.input.insnLimit ?? BPF_COMPLEXITY_LIMIT_INSNS;
  const logging = logOn(env);
  for (;;) {
    const idx = env.insnIdx;
    if (idx >= env.insns.length) fail(env, 'EFAULT', 'invalidInsnIdx', [idx, env.insns.length]);
    if (++env.insnProcessed > limit) fail(env, 'E2BIG', 'tooLarge', [env.insnProcessed]);
    const flags = env.pointFlags[idx];
    const arrival = arrivalEntry(env, idx, flags);
    if ((flags & PRUNE_POINT) && isStateVisited(env)) {
      if (!processBpfExit(env)) return;
      continue;
    }
    if (logging) logInsn(env);
    env.seen[idx] = 1;
    insnEntry(env, idx, flags, arrival);
    if (!lv.cur) setCurrentOf(lv, env.lvCtx, env.cur.frames, env.cur.curframe, env.layout.subprogs);
    resetWrites(lv, idx);
    const out = doCheckInsn(env, env.insns[idx]);
    commitWrites(lv);
    if (out >= 0 || out <= NEW_FRAME) {
      env.prevInsnIdx = idx;
      if (out >= 0) env.insnIdx = out;
      else { env.insnIdx = NEW_FRAME - out; lv.cur = null; }
      continue;
    }
    // process_bpf_exit_full: no reference (and in the main frame, or at a throw where the
    // profile says so, no lock) may be held (nothing to check, and no array filtered, when none is held)
    if (env.cur.refs.length !== 0) {
      const throwChecksLocks = out === THROW && env.profile.behaviour.throwChecksLocksInEveryFrame;
      checkResourceLeak(env, out === THROW, throwChecksLocks || env.cur.curframe === 0,
        out === THROW ? 'bpf_throw' : 'BPF_EXIT instruction in main prog');
    }
    if (out === EXIT && env.cur.curframe > 0) {
      updateLive(env);
      env.prevInsnIdx = idx;
      env.insnIdx = prepareFuncExit(env);
      lv.cur = null;
      env.doPrintState = true;
      continue;
    }
    if (out === EXIT) checkReturnCode(env, 0, 'R0');
    if (!processBpfExit(env)) return;
  }
}

/** do_check_insn: one instruction by its class. */
function doCheckInsn(env: VerifierEnv, insn: Insn): InsnOutcome {
  const idx = env.insnIdx;
  const cls = BPF_CLASS(insn.code);
  switch (cls) {
    case BPF_ALU: case BPF_ALU64:
      checkAluOp(env, insn, BPF_CLASS(insn.code) === BPF_ALU64);
      return next(idx + 1);
    case BPF_LDX: checkLoad(env, insn); return next(idx + 1);
    case BPF_STX:
      if (BPF_MODE(insn.code) === BPF_ATOMIC) checkAtomic(env, insn);
      else checkStoreReg(env, insn);
      return next(idx + 1);
    case BPF_ST: checkStoreImm(env, insn); return next(idx + 1);
    case BPF_LD:
      if (BPF_MODE(insn.code) === BPF_ABS || BPF_MODE(insn.code) === BPF_IND) { checkLdAbs(env, insn); return next(idx + 1); }
      return next(checkLdImm(env, insn));
    default: return checkJmpClass(env, insn);
  }
}

/** BPF_JMP and BPF_JMP32: calls, jumps, exit, conditional jumps. */
function checkJmpClass(env: VerifierEnv, insn: Insn): InsnOutcome {
  const cls = BPF_CLASS(insn.code);
  env.jmpsProcessed++;
  switch (BPF_OP(insn.code)) {
    case BPF_CALL: return checkCall(env, insn, cls);
    case BPF_JA: return next(checkJa(env, insn));
    case BPF_EXIT:
      checkReservedFields(env, insn, 'BPF_EXIT');
      return EXIT;
    case BPF_JCOND: return next(checkMayGoto(env, insn));
    default: return next(checkCondJmpOp(env, insn, cls === BPF_JMP));
  }
}

/** BPF_CALL: reserved fields, then a bpf-to-bpf call, a kfunc or a helper. */
function checkCall(env: VerifierEnv, insn: Insn, cls: number): InsnOutcome {
  checkReservedFields(env, insn, 'BPF_CALL');
  const idx = env.insnIdx;
  if (insn.src === BPF_PSEUDO_CALL) return newFrameAt(checkFuncCall(env, insn));
  if (insn.src === BPF_PSEUDO_KFUNC_CALL) return checkKfuncCall(env, insn, idx) === 'throw' ? THROW : next(idx + 1);
  const to = checkHelperCall(env, insn, idx);
  return to === idx + 1 ? next(to) : newFrameAt(to);
}

