// check_max_stack_depth / check_max_stack_depth_subprog: the 512-byte combined
// stack limit across call chains, MAX_CALL_FRAMES, the tail-call rules, and the
// exception rules (no direct call of the exception callback, no tail call
// reachable from it, or from any callback where the profile says so, no
// bpf_throw reachable from a callback subprog). Messages are the profile's.
// Private stacks (bpf_enable_priv_stack) are not modelled: every subprog counts
// toward the combined limit, as for the networking program types.
import { Insn, isPseudoCall, isPseudoFunc, isKfuncCall } from '../isa/insn';
import { MAX_BPF_STACK } from '../isa/opcodes';
import { msg } from './messages';
import { KernelProfile } from './profiles';
import { VerifierReject } from './types';
import { SubprogLayout, findSubprog } from './subprogs';

export const MAX_CALL_FRAMES = 8;

/** round_up_stack_depth with the JIT requested (this machine: bpf_jit_enable=1). */
export const roundUpStackDepth = (depth: number, jit = true): number =>
  jit ? Math.ceil(depth / 16) * 16 : Math.ceil(Math.max(depth, 1) / 32) * 32;

const isThrow = (layout: SubprogLayout, insns: readonly Insn[], i: number): boolean =>
  isKfuncCall(insns[i]) && insns[i].off === 0 && layout.kfuncs.get(i)?.name === 'bpf_throw';

const refuseTailCall = (profile: KernelProfile): never => {
  throw new VerifierReject('EINVAL', msg('tailCallInCallback', [], profile.texts));
};

/**
 * Tail calls under callbacks, when subprog `idx` (entered by a call from `callers[0..n)`) has
 * been walked. Every profile refuses a tail call reachable from the exception callback;
 * with tailCallInAnyCallback a tail-calling subprog is refused under any callback
 * (itself included), else the callers are checked for the exception callback only.
 * (The caller stack with its depth, not a slice of it: this runs at every subprog's return.)
 */
function checkTailCallChain(sp: SubprogLayout['subprogs'], callers: readonly number[], n: number, idx: number, reachable: boolean, profile: KernelProfile): void {
  if (profile.behaviour.tailCallInAnyCallback && n && sp[idx].hasTailCall) {
    let underCb = sp[idx].isCb;
    for (let c = 0; c < n && !underCb; c++) underCb = sp[callers[c]].isCb;
    if (underCb) refuseTailCall(profile);
  }
  if (!reachable) return;
  for (let c = 0; c < n; c++) {
    if (sp[callers[c]].isExceptionCb) refuseTailCall(profile);
    sp[callers[c]].tailCallReachable = true;
  }
}

function checkFrom(insns: readonly Insn[], layout: SubprogLayout, root: number, profile: KernelProfile): void {
  const sp = layout.subprogs;
  const end = (idx: number): number => (idx + 1 < sp.length ? sp[idx + 1].start : insns.length);
  const retInsn: number[] = [];
  const retProg: number[] = [];
  let depth = 0, frame = 0, idx = root, i = sp[root].start;
  let tailCallReachable = false;
  for (;;) {
    // process_func
    if (sp[idx].hasLdAbs) {
      let inCb = sp[idx].isCb;
      for (let j = 0; j < frame && !inCb; j++) inCb = sp[retProg[j]].isCb;
      if (inCb) throw new VerifierReject('EINVAL', msg('ldAbsInCallback', [], profile.texts));
    }
    if (idx && sp[idx].hasTailCall && depth >= 256) throw new VerifierReject('EACCES', msg('tailCallStackTooLarge', [depth], profile.texts));
    depth += roundUpStackDepth(sp[idx].stackDepth);
    if (depth > MAX_BPF_STACK) throw new VerifierReject('EACCES', msg('combinedStackTooLarge', [frame + 1, depth], profile.texts));
    // continue_func
    let called = false;
    for (;;) {
      const subEnd = end(idx);
      for (; i < subEnd; i++) {
        if (isKfuncCall(insns[i]) && !insns[i].off) {
          if (!isThrow(layout, insns, i)) continue;
          let err = sp[idx].isCb;
          for (let c = 0; c < frame && !err; c++) if (sp[retProg[c]].isCb) err = true;
          if (!err) continue;
          throw new VerifierReject('EINVAL', msg('throwFromCallback', [i, idx], profile.texts));
        }
        if (!isPseudoCall(insns[i]) && !isPseudoFunc(insns[i])) continue;
        retInsn[frame] = i + 1;
        retProg[frame] = idx;
        const next = i + insns[i].imm + 1;
        const sidx = findSubprog(sp, next);
        if (sidx < 0) throw new VerifierReject('EFAULT', msg('noProgAtInsn', [next], profile.texts));
        if (sp[sidx].isAsyncCb) {
          if (!isPseudoCall(insns[i])) continue;
          if (sp[sidx].isExceptionCb) throw new VerifierReject('EINVAL', msg('callExceptionCbDirectly', [i], profile.texts), false, true); // 6.18 prints it without a newline
        }
        i = next;
        idx = sidx;
        if (sp[idx].hasTailCall) tailCallReachable = true;
        frame++;
        if (frame >= MAX_CALL_FRAMES) throw new VerifierReject('E2BIG', msg('callStackTooDeep', [frame], profile.texts));
        called = true;
        break;
      }
      if (called) break;
      checkTailCallChain(sp, retProg, frame, idx, tailCallReachable, profile);
      if (frame === 0) return;
      depth -= roundUpStackDepth(sp[idx].stackDepth);
      frame--;
      i = retInsn[frame];
      idx = retProg[frame];
    }
  }
}

/**
 * check_max_stack_depth: the main program and every async callback (exception callback
 * included) as roots, last first; rules and messages of `profile`.
 */
export function checkMaxStackDepth(insns: readonly Insn[], layout: SubprogLayout, profile: KernelProfile): void {
  for (let i = layout.subprogs.length - 1; i >= 0; i--) {
    if (!i || layout.subprogs[i].isAsyncCb) checkFrom(insns, layout, i, profile);
  }
}
