// Exploring states (kernel/bpf/verifier.c): push_stack / pop_stack (branches left
// to explore, with the log rewind of level 1), the explored checkpoints
// (struct bpf_verifier_state_list in explored_state()'s buckets, with their
// branch counts, parents and hit/miss counters), is_state_visited (prune when an
// explored state with no pending branches is equal, the infinite-loop check and
// the callback loop's convergence against states still being explored, the
// add_new_state heuristics, eviction to the free list), update_branch_counts,
// clean_live_states / clean_func_state (dead registers and stack slots forgotten
// once a checkpoint's subtree is done) and the counters of print_verification_stats.
import { verbose, logReset, BPF_LOG_LEVEL2 } from './log';
import { VerifierEnv, BranchElem, BPF_COMPLEXITY_LIMIT_JMP_SEQ, FORCE_CHECKPOINT, logOn, fail, text } from './env';
import { VState, FuncState, RefState, cloneState, cloneFunc, scalarReg, notInit, BPF_REG_SIZE, formatFuncState, withSpilled, INVALID_STACK_SLOT } from './state';
import { VerifierReject, Errno } from './types';
import { BPF_REG_FP } from '../isa/opcodes';
import { PathEntry, propagatePrecision, ownFrame } from './precision';
import { statesEqual, statesMaybeLooping, frameInsnIdx, EqualCtx, MissHint } from './states_equal';
import { Callchain, SlotMask, stackAliveMask, updateLiveStack } from './stack_liveness';
import { maybeEnterScc, maybeExitScc, addSccBackedge, incompleteReadMarks, updatePeakStates } from './scc';
import { scalarWithPrecise } from './scalar';

/**
 * A checkpoint: an explored state (struct bpf_verifier_state in a bpf_verifier_state_list). Its
 * MissHint (`missAt`): where a current state last differed from it (statesEqual tests that first).
 */
export interface Checkpoint extends MissHint {
  st: VState;
  insnIdx: number;
  /** The history of the path from the parent checkpoint to here (jmp_history), newest first. */
  path: PathEntry | null;
  firstInsnIdx: number;
  lastInsnIdx: number;
  parent: Checkpoint | null;
  /** States still to be explored below this one (branches). */
  branches: number;
  hitCnt: number;
  missCnt: number;
  inFreeList: boolean;
  cleaned: boolean;
  /** dfs_depth: checkpoints above it on its path. */
  dfsDepth: number;
  /** The list of its instruction and bucket, and whether it is still listed there (not evicted). */
  list: InsnCheckpoints;
  listed: boolean;
  /** compute_scc_callchain's key of it (scc.ts), undefined until asked. */
  sccChain: string | null | undefined;
  /**
   * Bit i: frame i of `st` is this checkpoint's own (written in place). A frame without its bit
   * is shared with another checkpoint (addCheckpoint) and copied before a write (ownFrame).
   */
  ownFrames: number;
}

/**
 * The checkpoints of one instruction in one explored_state() bucket, oldest first (env.explored[insn],
 * then `other`: the instruction's list in another bucket, reached from other call sites), and how
 * many of them are complete (no branches left) and listed but not cleaned yet: clean_live_states has
 * nothing to do when none is, and skips its walk of the list. The kernel's bucket also lists the
 * states of other instructions, which its walk skips; what the model keeps of them is the bucket's
 * size (env.bucketSizes: states_cnt).
 */
export interface InsnCheckpoints { cps: Checkpoint[]; uncleaned: number; bucket: number; other: InsnCheckpoints | null }

/** The references of a checkpoint that holds none (a checkpoint's are never changed; frozen: a change would throw). */
const NO_REFS: RefState[] = Object.freeze([]) as unknown as RefState[];

/** BPF_COMPLEXITY_LIMIT_STATES: without CAP_BPF, no new checkpoint where this many are listed. */
const BPF_COMPLEXITY_LIMIT_STATES = 64;

/**
 * The call chains of the frames of the last state asked about (shared, read only: stack
 * liveness copies one when it keeps it). A frame's chain depends only on the frames up to
 * it, so the chains of the frames before the first one whose subprog start or call site
 * differs are kept (a call adds one chain, an exit none).
 */
const CHAINS: { starts: number[]; sites: number[]; chains: Callchain[] } = { starts: [], sites: [], chains: [] };

/** The call chain of every frame of `st`, outermost first, as stack liveness keys its instances. */
function callchainsOf(env: VerifierEnv, st: VState): Callchain[] {
  const frames = st.frames, n = frames.length, c = CHAINS, subprogs = env.layout.subprogs;
  const known = Math.min(n, c.chains.length);
  let k = 0;
  while (k < known && c.starts[k] === subprogs[frames[k].subprogno].start && c.sites[k] === frames[k].callsite) k++;
  if (k === n && c.chains.length === n) return c.chains;
  const starts = c.starts.slice(0, k), sites = c.sites.slice(0, k), chains = c.chains.slice(0, k);
  for (let f = k; f < n; f++) {
    starts.push(subprogs[frames[f].subprogno].start);
    sites.push(frames[f].callsite);
    const callsites: number[] = [];
    for (let i = 0; i <= f; i++) callsites.push(i < f ? frames[i + 1].callsite : starts[i]);
    chains.push({ callsites, spStarts: starts.slice(), curframe: f });
  }
  c.starts = starts; c.sites = sites; c.chains = chains;
  return chains;
}

/** bpf_update_live_stack: the stack liveness of every frame of the current state, innermost first. */
export function updateLiveStackOfCur(env: VerifierEnv): void {
  updateLiveStack(env.liveness, env.lvCtx, callchainsOf(env, env.cur));
}

/** push_stack: explore `target` (reached from `from`) in state `s` later (a copy of `s` is kept). */
export function pushStack(env: VerifierEnv, target: number, from: number, s: VState, errno: Errno = 'E2BIG'): void {
  pushOwnedState(env, target, from, cloneState(s), errno);
}

/**
 * push_stack of a state the caller built for the branch and gives away (no copy is made). Past the limit
 * push_stack returns NULL and each caller picks the errno: check_cond_jmp_op answers EFAULT (observed on 6.18).
 */
export function pushOwnedState(env: VerifierEnv, target: number, from: number, st: VState, errno: Errno = 'E2BIG'): void {
  if (env.branches.length + 1 > BPF_COMPLEXITY_LIMIT_JMP_SEQ) fail(env, errno, 'jumpSeqTooComplex', [env.branches.length + 1]);
  const e = FREE_BRANCHES.pop();
  if (e === undefined) {
    env.branches.push({ st, insnIdx: target, prevInsnIdx: from, logPos: env.log.len, path: env.path,
      cbVisits: env.cbVisits, parent: env.parent, firstInsnIdx: env.firstInsnIdx, jmpHistoryCnt: env.jmpHistoryCnt, dfsDepth: env.dfsDepth });
  } else {
    e.st = st; e.insnIdx = target; e.prevInsnIdx = from; e.logPos = env.log.len; e.path = env.path; e.cbVisits = env.cbVisits;
    e.parent = env.parent; e.firstInsnIdx = env.firstInsnIdx; e.jmpHistoryCnt = env.jmpHistoryCnt; e.dfsDepth = env.dfsDepth;
    env.branches.push(e);
  }
  if (env.parent) env.parent.branches++;
}

/**
 * Popped branch entries, reused by the next pushes (of any verification): a branch entry is
 * plain data read once by pop_stack, and reusing it saves an allocation per branch (5% of
 * branches_13's bytes). A free entry holds nothing of a verification (released by popStack).
 */
const FREE_BRANCHES: BranchElem[] = [];
const NO_STATE: VState = Object.freeze({ frames: Object.freeze([]) as unknown as FuncState[], curframe: 0, refs: NO_REFS });

/**
 * push_async_cb: a fresh state of its own (not a copy of the current one): no parent
 * checkpoint, an empty history from instruction 0 (first_insn_idx of a zeroed state).
 */
export function pushAsyncCbState(env: VerifierEnv, target: number, from: number, st: VState): void {
  if (env.branches.length + 1 > BPF_COMPLEXITY_LIMIT_JMP_SEQ) fail(env, 'E2BIG', 'jumpSeqTooComplex', [env.branches.length + 1]);
  env.branches.push({ st, insnIdx: target, prevInsnIdx: from, logPos: env.log.len, path: null,
    cbVisits: null, parent: null, firstInsnIdx: 0, jmpHistoryCnt: 0, dfsDepth: 0 });
}

/** pop_stack: the next branch to explore; false when there is none. */
export function popStack(env: VerifierEnv): boolean {
  const e = env.branches.pop();
  if (!e) return false;
  env.cur = e.st;
  env.path = e.path;
  env.cbVisits = e.cbVisits;
  env.insnIdx = e.insnIdx;
  env.prevInsnIdx = e.prevInsnIdx;
  env.parent = e.parent;
  env.firstInsnIdx = e.firstInsnIdx;
  env.jmpHistoryCnt = e.jmpHistoryCnt;
  env.dfsDepth = e.dfsDepth;
  if (!(env.log.level & BPF_LOG_LEVEL2) && logOn(env)) logReset(env.log, e.logPos);
  e.st = NO_STATE; e.path = null; e.cbVisits = null; e.parent = null;
  FREE_BRANCHES.push(e);
  return true;
}

/** maybe_free_verifier_state: an evicted checkpoint goes when nothing below it is left to explore. */
function maybeFree(env: VerifierEnv, cp: Checkpoint): void {
  if (!cp.inFreeList || cp.branches !== 0) return;
  cp.inFreeList = false;
  env.freeListSize--;
}

/** update_branch_counts: the current path is done; checkpoints with nothing left below them are complete. */
export function updateBranchCounts(env: VerifierEnv): void {
  for (let cp = env.parent; cp; cp = cp.parent) {
    if (--cp.branches) break;
    if (cp.listed) cp.list.uncleaned++;
    maybeExitScc(env, cp);
    maybeFree(env, cp);
  }
}

/** (2^32 - 1) % n for the last program size n asked about (bucketOf of the entry frame). */
const TOP_MOD = { n: 0, mod: 0 };

/** explored_state(): the bucket of (insn, callsite of the current frame). */
const bucketOf = (env: VerifierEnv, idx: number): number => {
  const callsite = env.cur.frames[env.cur.curframe].callsite, n = env.insns.length;
  if (callsite >= 0) {
    // both below 2^20: a small integer
    const h = idx ^ callsite;
    return h < n ? h : h % n;
  }
  if (callsite === -1 && idx < n) {
    // the entry frame: (idx ^ -1) as u32 is 2^32 - 1 - idx, and idx < n (no division by a number above 2^31 per call)
    if (TOP_MOD.n !== n) { TOP_MOD.n = n; TOP_MOD.mod = 4294967295 % n; }
    const r = TOP_MOD.mod - idx;
    return r < 0 ? r + n : r;
  }
  const h = (idx ^ callsite) >>> 0;
  return h - Math.floor(h / n) * n;
};

function sameCallsites(a: VState, b: VState): boolean {
  if (a.curframe !== b.curframe) return false;
  for (let i = 0; i < a.frames.length; i++) if (a.frames[i].callsite !== b.frames[i].callsite) return false;
  return true;
}

/**
 * find_prev_entry: the checkpoint at `idx` on the current path (still being explored,
 * same call chain, shallower), newest first.
 */
export function findPrevEntry(env: VerifierEnv, idx: number, below = env.dfsDepth): VState | null {
  const cps = listOf(env, idx, bucketOf(env, idx)).cps;
  for (let i = cps.length - 1; i >= 0; i--) {
    const cp = cps[i];
    if (cp.branches && sameCallsites(cp.st, env.cur) && cp.dfsDepth < below) return cp.st;
  }
  return null;
}


/** stackAliveMask's answer, one object refilled per frame cleaned. */
const ALIVE: SlotMask = { lo: 0, hi: 0 };

/** clean_verifier_state: registers not live and stack slots not alive where each frame stands become unset. */
function cleanVerifierState(env: VerifierEnv, cp: Checkpoint): void {
  const st = cp.st;
  cp.cleaned = true;
  cp.list.uncleaned--;
  const unset = notInit();
  for (let i = 0; i <= st.curframe; i++) {
    // a frame shared with another checkpoint is copied at its first change (ownFrame)
    const f = st.frames[i];
    const live = env.liveRegs[frameInsnIdx(st, cp.insnIdx, i)] ?? 0xffff;
    for (let r = 0; r < BPF_REG_FP; r++) if (!(live & (1 << r)) && f.regs[r] !== unset) ownFrame(cp, i).regs[r] = unset;
    if (!f.stack.length) continue;
    stackAliveMask(env.liveness, env.lvCtx, st.frames, env.layout.subprogs, cp.insnIdx, f.frameno, env.callsCallback, ALIVE);
    // a stack has at most 64 slots
    const lo = ALIVE.lo, hi = ALIVE.hi;
    for (let spi = 0; spi < f.stack.length; spi++) {
      if ((spi < 32 ? lo >>> spi : spi < 64 ? hi >>> (spi - 32) : 0) & 1) continue;
      if (f.stack[spi] !== INVALID_STACK_SLOT) ownFrame(cp, i).stack[spi] = INVALID_STACK_SLOT; // slots are shared values (copy-on-write)
    }
  }
}

/** No checkpoint at an instruction in a bucket (never added to: the pair gets its own list with its first checkpoint). */
const NO_CHECKPOINTS: InsnCheckpoints = Object.freeze({ cps: Object.freeze([]) as unknown as Checkpoint[], uncleaned: 0, bucket: -1, other: null });

/** The checkpoints of instruction `idx` in bucket `bucket`. */
function listOf(env: VerifierEnv, idx: number, bucket: number): InsnCheckpoints {
  let list = env.explored[idx] ?? null;
  while (list !== null && list.bucket !== bucket) list = list.other;
  return list ?? NO_CHECKPOINTS;
}

/** clean_live_states: the complete checkpoints at this instruction and call chain. */
function cleanLiveStates(env: VerifierEnv, list: InsnCheckpoints): void {
  if (!list.uncleaned) return;
  for (const cp of list.cps) {
    if (cp.cleaned || cp.branches || !sameCallsites(cp.st, env.cur)) continue;
    // a state of a loop visit with backedges may still gain marks: kept whole
    if (incompleteReadMarks(env, cp)) continue;
    cleanVerifierState(env, cp);
  }
}

/** The comparison's context, one object refilled per use (is_state_visited runs once per prune point). */
const EQUAL_CTX: EqualCtx = { liveRegs: [], idGen: 0, privileged: true };
function equalCtx(env: VerifierEnv): EqualCtx {
  EQUAL_CTX.liveRegs = env.liveRegs;
  EQUAL_CTX.idGen = env.idGen;
  EQUAL_CTX.privileged = !env.input.unprivileged;
  return EQUAL_CTX;
}

/**
 * The prune hit: precision the old state's continuation needed is needed here too; a
 * loop's state (an iterator's next call met again) is kept as a backedge of the visit.
 */
function hit(env: VerifierEnv, cp: Checkpoint, loop = false): true {
  cp.hitCnt++;
  propagatePrecision(env, cp.st);
  if (loop) addSccBackedge(env, cp, env.insnIdx);
  if (logOn(env)) {
    verbose(env.log, env.doPrintState ? '\n' + text(env, 'fromToSafe', [env.prevInsnIdx, env.insnIdx]) + '\n' : text(env, 'safe', [env.insnIdx]) + '\n');
  }
  return true;
}

/** What a prune point with checkpoints still being explored is: an iterator's next call, a callback call, or other (Unasked: not found yet). */
const enum LoopKind { Unasked, Other, IterNext, CallsCallback }

/** The LoopKind of `idx`; iterator next calls and callback calls are forced checkpoints: the sets are asked only there. */
const loopKindOf = (env: VerifierEnv, idx: number, forced: boolean): LoopKind =>
  !forced ? LoopKind.Other : env.iterNext.has(idx) ? LoopKind.IterNext : env.callsCallback.has(idx) ? LoopKind.CallsCallback : LoopKind.Other;

/**
 * A checkpoint whose exploration is not finished (branches > 0) met again: a loop.
 * Returns 'hit' when a callback loop converged, otherwise whether a new state may be added.
 */
function loopingState(env: VerifierEnv, ctx: EqualCtx, cp: Checkpoint, idx: number, kind: LoopKind, force: boolean): 'hit' | 'loop' | 'miss' {
  if (kind === LoopKind.IterNext) {
    // an open-coded iterator's loop converges where an active iterator meets an equal state
    if (statesEqual(ctx, cp.st, env.cur, idx, 'range_within', cp) && iterArgActive(env)) return 'loop';
  } else if (kind === LoopKind.CallsCallback) {
    if (statesEqual(ctx, cp.st, env.cur, idx, 'range_within', cp)) return 'hit';
  } else if (sameCallsites(cp.st, env.cur) && statesMaybeLooping(cp.st, env.cur) && statesEqual(ctx, cp.st, env.cur, idx, 'exact', cp) && !iterActiveDepthsDiffer(cp.st, env.cur)) {
    const f = env.cur.curframe, none = new Set<number>();
    const states = `cur state:${formatFuncState(env.cur.frames[f], true, none, none, env.cur.refs)}`
      + `old state:${formatFuncState(cp.st.frames[f], true, none, none, cp.st.refs)}`;
    throw new VerifierReject('EINVAL', text(env, 'infiniteLoop', [idx]), false, false, states);
  }
  if (!force && env.jmpsProcessed - env.prevJmpsProcessed < 20 && env.insnProcessed - env.prevInsnProcessed < 100) env.addNewState = false;
  return 'miss';
}

/** The iterator the next call at the current instruction gets (R1, the first argument) is active. */
function iterArgActive(env: VerifierEnv): boolean {
  const r1 = env.cur.frames[env.cur.curframe].regs[1];
  if (r1.type !== 'stack') return false;
  const spi = Math.trunc((-(r1.off + Number(BigInt.asIntN(64, r1.v.varOff.value))) - 1) / BPF_REG_SIZE);
  const o = env.cur.frames[r1.frameno]?.stack[spi]?.obj;
  return o?.kind === 'iter' && o.state === 'active';
}

/** iter_active_depths_differ: an active iterator of `old` is at another depth in `cur` (not an infinite loop). */
function iterActiveDepthsDiffer(old: VState, cur: VState): boolean {
  for (let fr = old.curframe; fr >= 0; fr--) {
    const f = old.frames[fr];
    for (let spi = 0; spi < f.stack.length; spi++) {
      const o = f.stack[spi].obj;
      if (f.stack[spi].types[0] !== 'i' || o?.kind !== 'iter' || o.state !== 'active') continue;
      const c = cur.frames[fr].stack[spi]?.obj;
      if ((c?.kind === 'iter' ? c.depth : 0) !== o.depth) return true;
    }
  }
  return false;
}

/** is_state_visited at a prune point. Returns true when the current state is pruned (safe). */
export function isStateVisited(env: VerifierEnv): boolean {
  const idx = env.insnIdx;
  const forced = (env.pointFlags[idx] & FORCE_CHECKPOINT) !== 0;
  const force = forced || env.jmpHistoryCnt > 40;
  env.addNewState = force || (env.jmpsProcessed - env.prevJmpsProcessed >= 2 && env.insnProcessed - env.prevInsnProcessed >= 8);
  const bucket = bucketOf(env, idx);
  const list = listOf(env, idx, bucket);
  cleanLiveStates(env, list);
  const ctx = equalCtx(env);
  // the kernel's walk counts every state of the bucket, of other instructions too
  const statesCnt = env.bucketSizes[bucket];
  let kind = LoopKind.Unasked;
  // newest first, as list_add puts new states at the head (an evicted state leaves the list as it is walked)
  const cps = list.cps;
  for (let k = cps.length - 1; k >= 0; k--) {
    const cp = cps[k];
    if (cp.branches) {
      if (kind === LoopKind.Unasked) kind = loopKindOf(env, idx, forced);
      const looping = loopingState(env, ctx, cp, idx, kind, force);
      if (looping !== 'miss') return hit(env, cp, looping === 'loop');
    } else {
      // a state of a loop visit with backedges: compared by ranges, and a hit is one more backedge
      const loop = incompleteReadMarks(env, cp);
      if (statesEqual(ctx, cp.st, env.cur, idx, loop ? 'range_within' : 'not_exact', cp)) return hit(env, cp, loop);
    }
    // miss
    if (env.addNewState) cp.missCnt++;
    const n = forced && cp.branches > 0 ? 64 : 3;
    if (cp.missCnt > cp.hitCnt * n + n) {
      // list.splice(k, 1) without its result array
      for (let j = k + 1; j < cps.length; j++) cps[j - 1] = cps[j];
      cps.pop();
      env.bucketSizes[bucket]--;
      cp.listed = false;
      if (!cp.branches && !cp.cleaned) list.uncleaned--;
      cp.inFreeList = true;
      env.freeListSize++;
      env.exploredStatesSize--;
      maybeFree(env, cp);
    }
  }
  if (env.maxStatesPerInsn < statesCnt) env.maxStatesPerInsn = statesCnt;
  if (env.input.unprivileged && statesCnt > BPF_COMPLEXITY_LIMIT_STATES) return false;
  if (!env.addNewState) return false;
  addCheckpoint(env, list, bucket);
  return false;
}

/** mark_all_scalars_imprecise: precision is found again by backtracking from a new checkpoint on. */
function markAllScalarsImprecise(st: VState): void {
  const unset = notInit();
  for (const f of st.frames) {
    const regs = f.regs;
    // R10 is the frame pointer, never a scalar; an unset register is skipped before its type (a megamorphic load) is read
    for (let i = 0; i < BPF_REG_FP; i++) {
      const r = regs[i];
      if (r !== unset && r.type === 'scalar' && r.s.precise) regs[i] = scalarReg(scalarWithPrecise(r.s, false));
    }
    for (let spi = 0; spi < f.stack.length; spi++) {
      const sl = f.stack[spi], r = sl.spilled;
      if (r?.type === 'scalar' && r.s.precise && sl.types[BPF_REG_SIZE - 1] === 'r') f.stack[spi] = withSpilled(sl, scalarReg(scalarWithPrecise(r.s, false)));
    }
  }
}

/**
 * Every field of two frames is the same (registers and slots are values: the same objects).
 * (FuncState's fields, as cloneFunc copies them.)
 */
function sameFrame(a: FuncState, b: FuncState): boolean {
  if (a.callsite !== b.callsite || a.subprogno !== b.subprogno || a.frameno !== b.frameno || a.callbackDepth !== b.callbackDepth
    || a.inCallbackFn !== b.inCallbackFn || a.inAsyncCallbackFn !== b.inAsyncCallbackFn || a.inExceptionCallback !== b.inExceptionCallback) return false;
  const ar = a.regs, br = b.regs, as = a.stack, bs = b.stack;
  for (let r = 0; r < ar.length; r++) if (ar[r] !== br[r]) return false;
  if (as.length !== bs.length) return false;
  for (let spi = 0; spi < as.length; spi++) if (as[spi] !== bs[spi]) return false;
  return true;
}

/**
 * The references of a new checkpoint: a copy of the current ones, or the parent checkpoint's array when it holds the
 * same entries in the same order (a checkpoint's references are never changed, the current state's are in place).
 */
function checkpointRefs(refs: RefState[], parent: Checkpoint | null): RefState[] {
  if (!refs.length) return NO_REFS;
  const pr = parent !== null ? parent.st.refs : NO_REFS;
  if (pr.length !== refs.length) return refs.slice();
  for (let i = 0; i < refs.length; i++) if (pr[i] !== refs[i]) return refs.slice();
  return pr;
}

/**
 * A new checkpoint of the current state (copy_verifier_state into a new state list entry). A
 * frame equal to the parent checkpoint's (a caller's frame while its callee runs, mostly) is
 * shared with it, not copied: checkpoints are written only by cleaning and precision marks,
 * which copy a shared frame first (ownFrame).
 */
function newCheckpoint(env: VerifierEnv, list: InsnCheckpoints): Checkpoint {
  const cur = env.cur, n = cur.frames.length, parent = env.parent;
  const frames: FuncState[] = new Array(n);
  let own = 0;
  for (let i = 0; i < n; i++) {
    const f = cur.frames[i], pf = parent !== null && i < parent.st.frames.length ? parent.st.frames[i] : null;
    if (pf !== null && sameFrame(f, pf)) {
      frames[i] = pf;
      parent!.ownFrames &= ~(1 << i);
    } else {
      frames[i] = cloneFunc(f);
      own |= 1 << i;
    }
  }
  // the fields is_state_visited reads of every checkpoint of a list first (object fields lie in this order: fewer
  // cache lines touched per checkpoint), then those of the walks up the parents (precision, branch counts)
  return {
    branches: 1, st: { frames, curframe: cur.curframe, refs: checkpointRefs(cur.refs, parent) }, missAt: -1, missReg: null,
    missCnt: 0, hitCnt: 0, cleaned: false, parent, path: env.path, insnIdx: env.insnIdx, firstInsnIdx: env.firstInsnIdx,
    lastInsnIdx: env.prevInsnIdx, listed: true, list, inFreeList: false, dfsDepth: env.dfsDepth, sccChain: undefined, ownFrames: own,
  };
}


/** The current state becomes a checkpoint and the parent of the path that goes on from here. */
function addCheckpoint(env: VerifierEnv, listed: InsnCheckpoints, bucket: number): void {
  let list = listed;
  if (list === NO_CHECKPOINTS) {
    const other = env.explored[env.insnIdx] ?? null;
    // its array is made with its first checkpoint below (at length 1, not a push's capacity of 17)
    env.explored[env.insnIdx] = list = { cps: NO_CHECKPOINTS.cps, uncleaned: 0, bucket, other };
    if (!other) env.exploredAt.push(env.insnIdx);
  }
  env.bucketSizes[bucket]++;
  env.totalStates++;
  env.exploredStatesSize++;
  updatePeakStates(env);
  env.prevJmpsProcessed = env.jmpsProcessed;
  env.prevInsnProcessed = env.insnProcessed;
  if (!env.input.unprivileged) markAllScalarsImprecise(env.cur);
  const cp = newCheckpoint(env, list);
  env.dfsDepth = cp.dfsDepth + 1;
  if (list.cps.length === 0) list.cps = [cp];
  else list.cps.push(cp);
  maybeEnterScc(env, cp);
  env.parent = cp;
  env.firstInsnIdx = env.insnIdx;
  env.path = null;
  env.jmpHistoryCnt = 0;
}
