// Control flow checks: check_subprogs (jumps stay inside their subprog, no
// fall-through between subprogs) and check_cfg / visit_insn / push_insn
// (non-recursive DFS: jumps out of range, back-edges when unprivileged,
// unreachable insns, jumps into the middle of ld_imm64). The exception callback
// is walked as a second root, as the kernel does.
import { Insn, isLdImm64, isPseudoFunc } from '../isa/insn';
import { BPF_CLASS, BPF_OP, BPF_SRC, BPF_MODE, BPF_JMP, BPF_JMP32, BPF_LD, BPF_ABS, BPF_IND, BPF_EXIT, BPF_CALL,
  BPF_JA, BPF_K, BPF_JCOND, BPF_PSEUDO_KFUNC_CALL } from '../isa/opcodes';
import { successorTable, Successors } from '../isa/flow';
import { msg } from './messages';
import { VerifierReject } from './types';
import { SubprogLayout } from './subprogs';
import { BPF_FUNC_TAIL_CALL, BPF_FUNC_LOOP } from './helper_protos';
import { KFUNC_TABLE } from './kfuncs';
import { isSyncCallbackKfunc } from './graph';
import { PRUNE_POINT, JMP_POINT, FORCE_CHECKPOINT } from './env';

/** check_subprogs */
export function checkSubprogs(insns: readonly Insn[], layout: SubprogLayout, succ: readonly Successors[] = successorTable(insns)): void {
  const sp = layout.subprogs;
  let cur = 0;
  let start = sp[0].start;
  let end = sp.length > 1 ? sp[1].start : insns.length;
  for (let i = 0; i < insns.length; i++) {
    const code = insns[i].code;
    if (code === (BPF_JMP | BPF_CALL) && insns[i].src === 0 && insns[i].imm === BPF_FUNC_TAIL_CALL) {
      sp[cur].hasTailCall = true;
      sp[cur].tailCallReachable = true;
    }
    if (BPF_CLASS(code) === BPF_LD && (BPF_MODE(code) === BPF_ABS || BPF_MODE(code) === BPF_IND)) sp[cur].hasLdAbs = true;
    const jump = succ[i].jump;
    if (jump !== null && (jump < start || jump >= end)) throw new VerifierReject('EINVAL', msg('jumpOutOfRange', [i, jump]));
    if (i === end - 1) {
      if (code !== (BPF_JMP | BPF_EXIT) && code !== (BPF_JMP32 | BPF_JA) && code !== (BPF_JMP | BPF_JA))
        throw new VerifierReject('EINVAL', msg('lastInsnNotExit'));
      start = end;
      cur++;
      if (cur < sp.length) end = cur + 1 < sp.length ? sp[cur + 1].start : insns.length;
    }
  }
}

const DISCOVERED = 0x10, EXPLORED = 0x20, FALLTHROUGH = 1, BRANCH = 2;
const DONE = 0, KEEP = 1;

export interface CfgResult {
  /** Instructions that are targets of a back-edge (loop heads), for the model's loop handling. */
  backEdges: [number, number][];
  /** Jump targets and other prune points (mark_prune_point); also PRUNE_POINT in the point flags. */
  prunePoints: Set<number>;
  /** mark_calls_callback: calls of sync-callback helpers. */
  callsCallback: Set<number>;
  /** Calls of an iterator's next kfunc (is_iter_next_insn). */
  iterNext: Set<number>;
}

/** is_sync_callback_calling_function: bpf_for_each_map_elem, bpf_find_vma, bpf_loop, bpf_user_ringbuf_drain. */
const SYNC_CALLBACK_HELPERS: ReadonlySet<number> = new Set([164, 180, BPF_FUNC_LOOP, 209]);

/**
 * check_cfg. Marks `pointFlags` (one byte per instruction) with PRUNE_POINT (mark_prune_point),
 * JMP_POINT (mark_jmp_point: branch and jump targets, return addresses, callback-calling calls)
 * and FORCE_CHECKPOINT (mark_force_checkpoint: sync-callback calls, iterator next, may_goto).
 */
export function checkCfg(insns: readonly Insn[], layout: SubprogLayout, privileged: boolean, pointFlags: Uint8Array,
  succ: readonly Successors[] = successorTable(insns)): CfgResult {
  const n = insns.length;
  const state = new Uint8Array(n); // (states fit a byte; a small Uint8Array is allocated on the heap, an Int32Array of over 16 entries is not)
  const stack: number[] = [];
  const backEdges: [number, number][] = [];
  const prunePoints = new Set<number>();
  const prune = (i: number): void => { prunePoints.add(i); pointFlags[i] |= PRUNE_POINT; };
  const jmp = (i: number): void => { pointFlags[i] |= JMP_POINT; };
  const force = (i: number): void => { pointFlags[i] |= FORCE_CHECKPOINT; };
  const callsCallback = new Set<number>();
  const iterNext = new Set<number>();

  const push = (t: number, w: number, e: number): number => {
    if (e === FALLTHROUGH && state[t] >= (DISCOVERED | FALLTHROUGH)) return DONE;
    if (e === BRANCH && state[t] >= (DISCOVERED | BRANCH)) return DONE;
    if (w < 0 || w >= n) throw new VerifierReject('EINVAL', msg('jumpOutOfRange', [t, w]));
    if (e === BRANCH) { prune(w); jmp(w); }
    if (state[w] === 0) {
      state[t] = DISCOVERED | e;
      state[w] = DISCOVERED;
      stack.push(w);
      return KEEP;
    } else if ((state[w] & 0xf0) === DISCOVERED) {
      backEdges.push([t, w]);
      if (privileged) return DONE;
      throw new VerifierReject('EINVAL', msg('backEdge', [t, w]));
    } else if (state[w] === EXPLORED) {
      state[t] = DISCOVERED | e;
    }
    return DONE;
  };

  /** visit_func_call_insn: fall through to the return address; walk the callee (bpf-to-bpf call, callback address) as a branch. */
  const visitCall = (t: number, s: Successors): number => {
    let ret = push(t, s.next!, FALLTHROUGH);
    if (ret) return ret;
    prune(s.next!);
    jmp(s.next!);
    if (s.callee !== null) {
      prune(t);
      ret = push(t, s.callee, BRANCH);
    }
    return ret;
  };

  const visit = (t: number): number => {
    const insn = insns[t];
    const s = succ[t];
    if (isPseudoFunc(insn)) return visitCall(t, s);
    const cls = BPF_CLASS(insn.code);
    if (cls !== BPF_JMP && cls !== BPF_JMP32) return push(t, s.next!, FALLTHROUGH);
    switch (BPF_OP(insn.code)) {
      case BPF_EXIT: return DONE;
      case BPF_CALL:
        // is_sync_callback_calling_insn (bpf_loop, bpf_for_each_map_elem, bpf_find_vma,
        // bpf_user_ringbuf_drain): mark_force_checkpoint + mark_prune_point
        // and is_sync_callback_calling_kfunc (bpf_rbtree_add_impl)
        {
          const kfunc = insn.src === BPF_PSEUDO_KFUNC_CALL ? layout.kfuncs.get(t)?.name ?? '' : null;
          if ((insn.src === 0 && SYNC_CALLBACK_HELPERS.has(insn.imm)) || (kfunc !== null && isSyncCallbackKfunc(kfunc))) {
            force(t); prune(t); jmp(t); callsCallback.add(t);
          }
          // is_iter_next_kfunc: mark_prune_point + mark_force_checkpoint (the open-coded loop's convergence point)
          if (kfunc !== null && KFUNC_TABLE[kfunc]?.flags.includes('iter_next')) {
            prune(t); force(t); iterNext.add(t);
          }
        }
        return visitCall(t, s);
      case BPF_JA: {
        if (BPF_SRC(insn.code) !== BPF_K) throw new VerifierReject('EINVAL', '', false, true);
        // an unconditional jump is the fall-through edge of check_cfg
        const ret = push(t, s.jump!, FALLTHROUGH);
        if (ret) return ret;
        prune(s.jump!);
        jmp(s.jump!);
        return ret;
      }
      default: {
        prune(t);
        // is_may_goto_insn: mark_force_checkpoint
        if (BPF_OP(insn.code) === BPF_JCOND) force(t);
        const ret = push(t, s.next!, FALLTHROUGH);
        if (ret) return ret;
        return push(t, s.jump!, BRANCH);
      }
    }
  };

  const walk = (root: number): void => {
    state[root] = DISCOVERED;
    stack.length = 0;
    stack.push(root);
    while (stack.length > 0) {
      const t = stack[stack.length - 1];
      const r = visit(t);
      if (r === DONE) { state[t] = EXPLORED; stack.pop(); }
    }
  };
  walk(0);
  if (layout.exceptionCallback) walk(layout.subprogs[layout.exceptionCallback].start);

  for (let i = 0; i < n; i++) {
    if (state[i] !== EXPLORED) throw new VerifierReject('EINVAL', msg('unreachableInsn', [i]));
    if (isLdImm64(insns[i])) {
      if (i + 1 < n && state[i + 1] !== 0) throw new VerifierReject('EINVAL', msg('jumpIntoLdImm64', [i]));
      i++;
    }
  }
  return { backEdges, prunePoints, callsCallback, iterNext };
}
