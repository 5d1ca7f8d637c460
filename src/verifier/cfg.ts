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
  loopHeads: ReadonlySet<number>;
  /** mark_calls_callback: calls of sync-callback helpers. */
  callsCallback: ReadonlySet<number>;
  /** Calls of an iterator's next kfunc (is_iter_next_insn). */
  iterNext: ReadonlySet<number>;
}

/** is_sync_callback_calling_function: bpf_for_each_map_elem, bpf_find_vma, bpf_loop, bpf_user_ringbuf_drain. */
const SYNC_CALLBACK_HELPERS: ReadonlySet<number> = new Set([164, 180, BPF_FUNC_LOOP, 209]);

/** The sets of a program without such instructions (most programs): one shared, never written. */
const NONE: ReadonlySet<number> = new Set();

/**
 * The walk of one check_cfg (insn_state, insn_stack and what it finds). One object, its arrays
 * reused by every verification (pure scratch: check_cfg runs to its end before the next begins),
 * and plain functions instead of closures: the fixed cost of a small program's verification.
 */
interface CfgWalk {
  insns: readonly Insn[];
  layout: SubprogLayout;
  privileged: boolean;
  pointFlags: Uint8Array;
  succ: readonly Successors[];
  /** insn_state, the first `n` bytes of a buffer grown as needed. */
  state: Uint8Array;
  /** insn_stack and its top (each instruction is pushed once a walk; typed: `length = 0` would free a plain array's store). */
  stack: Int32Array;
  sp: number;
  loopHeads: Set<number> | null;
  callsCallback: Set<number> | null;
  iterNext: Set<number> | null;
}
const NO_LAYOUT: SubprogLayout = { subprogs: [], exceptionCallback: 0, kfuncs: new Map() };
const NO_FLAGS = new Uint8Array(0);
const NONE_INSNS: readonly never[] = [];
const W: CfgWalk = {
  insns: [], layout: NO_LAYOUT, privileged: true, pointFlags: NO_FLAGS, succ: [],
  state: new Uint8Array(256), stack: new Int32Array(256), sp: 0, loopHeads: null, callsCallback: null, iterNext: null,
};

/** mark_prune_point (with its PRUNE_POINT flag), mark_jmp_point, mark_force_checkpoint */
const prune = (w: CfgWalk, i: number): void => { w.pointFlags[i] |= PRUNE_POINT; };
const jmp = (w: CfgWalk, i: number): void => { w.pointFlags[i] |= JMP_POINT; };
const force = (w: CfgWalk, i: number): void => { w.pointFlags[i] |= FORCE_CHECKPOINT; };

/** push_insn: edge t -> v of kind e. */
function push(w: CfgWalk, t: number, v: number, e: number): number {
  const state = w.state;
  if (e === FALLTHROUGH && state[t] >= (DISCOVERED | FALLTHROUGH)) return DONE;
  if (e === BRANCH && state[t] >= (DISCOVERED | BRANCH)) return DONE;
  if (v < 0 || v >= w.insns.length) throw new VerifierReject('EINVAL', msg('jumpOutOfRange', [t, v]));
  if (e === BRANCH) { prune(w, v); jmp(w, v); }
  if (state[v] === 0) {
    state[t] = DISCOVERED | e;
    state[v] = DISCOVERED;
    w.stack[w.sp++] = v;
    return KEEP;
  } else if ((state[v] & 0xf0) === DISCOVERED) {
    (w.loopHeads ??= new Set()).add(v);
    if (w.privileged) return DONE;
    throw new VerifierReject('EINVAL', msg('backEdge', [t, v]));
  } else if (state[v] === EXPLORED) {
    state[t] = DISCOVERED | e;
  }
  return DONE;
}

/** visit_func_call_insn: fall through to the return address; walk the callee (bpf-to-bpf call, callback address) as a branch. */
function visitCall(w: CfgWalk, t: number, s: Successors): number {
  let ret = push(w, t, s.next!, FALLTHROUGH);
  if (ret) return ret;
  prune(w, s.next!);
  jmp(w, s.next!);
  if (s.callee !== null) {
    prune(w, t);
    ret = push(w, t, s.callee, BRANCH);
  }
  return ret;
}

/** visit_insn */
function visit(w: CfgWalk, t: number): number {
  const insn = w.insns[t];
  const s = w.succ[t];
  if (isPseudoFunc(insn)) return visitCall(w, t, s);
  const cls = BPF_CLASS(insn.code);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return push(w, t, s.next!, FALLTHROUGH);
  switch (BPF_OP(insn.code)) {
    case BPF_EXIT: return DONE;
    case BPF_CALL:
      // is_sync_callback_calling_insn (bpf_loop, bpf_for_each_map_elem, bpf_find_vma,
      // bpf_user_ringbuf_drain): mark_force_checkpoint + mark_prune_point
      // and is_sync_callback_calling_kfunc (bpf_rbtree_add_impl)
      {
        const kfunc = insn.src === BPF_PSEUDO_KFUNC_CALL ? w.layout.kfuncs.get(t)?.name ?? '' : null;
        if ((insn.src === 0 && SYNC_CALLBACK_HELPERS.has(insn.imm)) || (kfunc !== null && isSyncCallbackKfunc(kfunc))) {
          force(w, t); prune(w, t); jmp(w, t); (w.callsCallback ??= new Set()).add(t);
        }
        // is_iter_next_kfunc: mark_prune_point + mark_force_checkpoint (the open-coded loop's convergence point)
        if (kfunc !== null && KFUNC_TABLE[kfunc]?.flags.includes('iter_next')) {
          prune(w, t); force(w, t); (w.iterNext ??= new Set()).add(t);
        }
      }
      return visitCall(w, t, s);
    case BPF_JA: {
      if (BPF_SRC(insn.code) !== BPF_K) throw new VerifierReject('EINVAL', '', false, true);
      // an unconditional jump is the fall-through edge of check_cfg
      const ret = push(w, t, s.jump!, FALLTHROUGH);
      if (ret) return ret;
      prune(w, s.jump!);
      jmp(w, s.jump!);
      return ret;
    }
    default: {
      prune(w, t);
      // is_may_goto_insn: mark_force_checkpoint
      if (BPF_OP(insn.code) === BPF_JCOND) force(w, t);
      const ret = push(w, t, s.next!, FALLTHROUGH);
      if (ret) return ret;
      return push(w, t, s.jump!, BRANCH);
    }
  }
}

/** The non-recursive DFS of check_cfg from `root`. */
function walk(w: CfgWalk, root: number): void {
  w.state[root] = DISCOVERED;
  w.sp = 0;
  w.stack[w.sp++] = root;
  while (w.sp > 0) {
    const t = w.stack[w.sp - 1];
    const r = visit(w, t);
    if (r === DONE) { w.state[t] = EXPLORED; w.sp--; }
  }
}

/**
 * check_cfg. Marks `pointFlags` (one byte per instruction) with PRUNE_POINT (mark_prune_point:
 * jump targets and other prune points), JMP_POINT (mark_jmp_point: branch and jump targets,
 * return addresses, callback-calling calls) and FORCE_CHECKPOINT (mark_force_checkpoint:
 * sync-callback calls, iterator next, may_goto).
 */
export function checkCfg(insns: readonly Insn[], layout: SubprogLayout, privileged: boolean, pointFlags: Uint8Array,
  succ: readonly Successors[] = successorTable(insns)): CfgResult {
  const n = insns.length;
  const w = W;
  if (w.state.length < n + 1) {
    w.state = new Uint8Array(Math.max(n + 1, 2 * w.state.length));
    w.stack = new Int32Array(w.state.length);
  } else w.state.fill(0, 0, n);
  w.insns = insns; w.layout = layout; w.privileged = privileged; w.pointFlags = pointFlags; w.succ = succ;
  w.loopHeads = w.callsCallback = w.iterNext = null;
  try {
    walk(w, 0);
    if (layout.exceptionCallback) walk(w, layout.subprogs[layout.exceptionCallback].start);
    const state = w.state;
    for (let i = 0; i < n; i++) {
      if (state[i] !== EXPLORED) throw new VerifierReject('EINVAL', msg('unreachableInsn', [i]));
      if (isLdImm64(insns[i])) {
        if (i + 1 < n && state[i + 1] !== 0) throw new VerifierReject('EINVAL', msg('jumpIntoLdImm64', [i]));
        i++;
      }
    }
    return { loopHeads: w.loopHeads ?? NONE, callsCallback: w.callsCallback ?? NONE, iterNext: w.iterNext ?? NONE };
  } finally {
    // nothing of this program is held after the walk
    w.insns = w.succ = NONE_INSNS; w.layout = NO_LAYOUT; w.pointFlags = NO_FLAGS; w.loopHeads = w.callsCallback = w.iterNext = null;
  }
}

/** The prune points `pointFlags` marks (mark_prune_point), for the level-2 log's liveness lines. */
export function prunePointSet(pointFlags: Uint8Array, n: number): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < n; i++) if (pointFlags[i] & PRUNE_POINT) out.add(i);
  return out;
}
