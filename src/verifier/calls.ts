// bpf-to-bpf calls: check_func_call (a static subprog is walked in a new frame of
// the caller's state; a global one is checked against its BTF signature and assumed
// valid, verified later on its own) and prepare_func_exit (back to the caller, or to
// a bpf_loop callsite with the callback's return range) (kernel/bpf/verifier.c).
import { Insn, isKfuncCall } from '../isa/insn';
import { verbose } from './log';
import { VerifierEnv, MAX_CALL_FRAMES, curFrame, fail, notModelled, logOn, text } from './env';
import { VerifierReject } from './types';
import { SubprogLayout, findSubprog, subprogReaches } from './subprogs';
import { scratchReg, markPrecise } from './regs';
import { RefState, newFuncState, isRegionRef, notInit, UNKNOWN_SCALAR_REG } from './state';
import { KFUNC_TABLE } from './kfuncs';
import { MIGHT_SLEEP_HELPERS } from './helper_access';
import { inRanges } from './helpers';
import { BPF_HELPER_CALL } from '../isa/opcodes';
import { formatInvalidScalar } from './scalar_bridge';
import { btfCheckSubprogCall } from './func_args';
import { clearAllPktPointers, subprogChangesPktData } from './helpers';
import { printFrame } from './print';
import { widenAtCallbackReturn } from './callbacks';
import { checkResourceLeak } from './refs';

/** Kinds of held references (module-level predicates: no closure per call). */
const isLockRef = (r: RefState): boolean => r.kind === 'lock';
const isIrqRef = (r: RefState): boolean => r.kind === 'irq';

/** check_func_call; returns the index of the next instruction to walk. */
export function checkFuncCall(env: VerifierEnv, insn: Insn): number {
  const idx = env.insnIdx;
  const target = idx + insn.imm + 1;
  const subprogno = findSubprog(env.layout.subprogs, target);
  if (subprogno < 0) fail(env, 'EFAULT', 'noProgAtInsn', [target]);
  const callee = env.layout.subprogs[subprogno];
  const caller = curFrame(env);
  const argsErr = btfCheckSubprogCall(env, subprogno);
  if (callee.linkage === 'global') {
    if (env.cur.refs.some(isLockRef)) fail(env, 'EINVAL', 'globalCallInLock');
    if (env.cur.refs.some(isIrqRef)) notModelled(env, 'global function calls with IRQs disabled');
    if (env.cur.refs.some(isRegionRef) && subprogMightSleep(env, subprogno)) {
      notModelled(env, 'a global function that may sleep called in an RCU or preemption-disabled section');
    }
    if (argsErr) fail(env, argsErr, 'callerInvalidArgs', [subprogno, callee.name]);
    // (fixed 6.18) a global subprog that may throw is an exceptional exit here: no reference may be held
    if (env.profile.behaviour.globalThrowCheckedAtCallsite && subprogMayThrow(env, subprogno)) checkResourceLeak(env, true, false, 'bpf_throw');
    (env.calledGlobals ??= new Set()).add(subprogno);
    if (logOn(env)) verbose(env.log, text(env, 'globalAssumedValid', [subprogno, callee.name]) + '\n');
    if (subprogChangesPktData(env, subprogno)) clearAllPktPointers(env);
    for (let r = 0; r <= 5; r++) { caller.regs[r] = notInit(); scratchReg(env, r); }
    caller.regs[0] = UNKNOWN_SCALAR_REG;
    return idx + 1;
  }
  if (env.cur.curframe + 1 >= MAX_CALL_FRAMES) fail(env, 'E2BIG', 'callStackTooDeepCall', [env.cur.curframe + 2]);
  if (callee.isExceptionCb) throw new VerifierReject('EINVAL', text(env, 'callExceptionCbDirectly', [idx]), false, true);
  const calleeFrame = newFuncState(env.cur.curframe + 1, subprogno, idx);
  for (let r = 1; r <= 5; r++) calleeFrame.regs[r] = caller.regs[r];
  for (let r = 0; r <= 5; r++) caller.regs[r] = notInit(); // clear_caller_saved_regs, before the print
  if (logOn(env)) {
    verbose(env.log, text(env, 'callerHeader') + '\n');
    printFrame(env, caller);
    verbose(env.log, text(env, 'calleeHeader') + '\n');
    printFrame(env, calleeFrame);
  }
  env.cur.frames.push(calleeFrame);
  env.cur.curframe++;
  env.allScratched = true;
  // bpf_reset_live_stack_callchain: the call insn commits no stack writes of its own (its callee's come at its exit)
  env.liveness.cur = null;
  return target;
}

/** prepare_func_exit; returns the index to continue at in the caller. */
export function prepareFuncExit(env: VerifierEnv): number {
  const callee = curFrame(env);
  const r0 = callee.regs[0];
  // R0 is not read here: a static subprog may exit without writing it; the caller's R0 is
  // then unset until written, and a read of it fails there
  if (r0.type === 'stack') fail(env, 'EINVAL', 'cannotReturnStackPtr');
  if (r0.type === 'func') notModelled(env, 'returning a func pointer from a subprog');
  const caller = env.cur.frames[env.cur.curframe - 1];
  if (callee.inCallbackFn) {
    // a bpf_loop callback: R0 in [0, 1]; back to the callsite, which calls the callback again
    // unless the state there is one already seen
    if (r0.type !== 'scalar') fail(env, 'EACCES', 'callbackR0NotScalar');
    markPrecise(env, 0);
    if (!(0n <= r0.s.smin && r0.s.smax <= 1n)) {
      fail(env, 'EINVAL', 'retvalOutOfRange', ['At callback return', 'R0', formatInvalidScalar(r0.s), 0, 1]);
    }
  } else {
    caller.regs[0] = r0;
  }
  const retTo = callee.inCallbackFn ? callee.callsite : callee.callsite + 1;
  if (logOn(env)) {
    verbose(env.log, text(env, 'returningFromCallee') + '\n');
    printFrame(env, callee);
    verbose(env.log, text(env, 'toCallerAt', [retTo]) + '\n');
    printFrame(env, caller);
  }
  env.cur.frames.pop();
  env.cur.curframe--;
  if (callee.inCallbackFn) widenAtCallbackReturn(env, retTo);
  // (the kernel leaves no scratch marks here: no state line follows `from N to M:`)
  return retTo;
}

/** A call that might sleep: a sleepable kfunc or a helper that might sleep (module-level: no closure per walk). */
const mightSleepCall = (x: Insn, i: number, layout: SubprogLayout): boolean => (isKfuncCall(x)
  ? (KFUNC_TABLE[layout.kfuncs.get(i)?.name ?? '']?.flags.includes('sleepable') ?? true)
  : x.src === BPF_HELPER_CALL && inRanges(MIGHT_SLEEP_HELPERS, x.imm));

/** The subprog, or a subprog it calls, calls a helper that might sleep or a sleepable kfunc (subprog_info[].might_sleep). */
const subprogMightSleep = (env: VerifierEnv, subprog: number): boolean =>
  subprogReaches(env.layout, env.insns, subprog, mightSleepCall);

/** A bpf_throw call (module-level: no closure per walk). */
const throwCall = (x: Insn, i: number, layout: SubprogLayout): boolean => isKfuncCall(x) && layout.kfuncs.get(i)?.name === 'bpf_throw';

/** The subprog, or a subprog it calls, calls bpf_throw (subprog_info[].might_throw). */
const subprogMayThrow = (env: VerifierEnv, subprog: number): boolean =>
  subprogReaches(env.layout, env.insns, subprog, throwCall);
