// Strongly connected components of the instruction graph (kernel/bpf/verifier.c
// compute_scc: an iterative Tarjan/Pearce walk, calls falling through, an SCC
// numbered from 1 in the order its root completes, single instructions without a
// self edge left at 0) and the SCC visits of the walk (maybe_enter_scc when a
// checkpoint is made inside a loop, maybe_exit_scc when that checkpoint's
// exploration is complete), with their level-2 lines `SCC enter (1)` and
// `SCC exit (1)`; the backedges of a visit (add_scc_backedge: a state of an iterator
// loop pruned against a checkpoint of the visit that is still explored, whose precision
// marks may not be final), incomplete_read_marks while a visit has some, and
// propagate_backedges when the visit ends.
import { Insn } from '../isa/insn';
import { Successors, successorTable } from '../isa/flow';
import { verbose, BPF_LOG_LEVEL2 } from './log';
import { VerifierEnv, notModelled } from './env';
import type { Checkpoint } from './states';
import { frameInsnIdx } from './states_equal';
import { VState, cloneState } from './state';
import { PathEntry, propagatePrecision } from './precision';

/** struct bpf_scc_backedge: the pruned state (with its place in the walk) and the checkpoint it equals. */
export interface Backedge {
  st: VState;
  insnIdx: number;
  parent: Checkpoint | null;
  path: PathEntry | null;
  firstInsnIdx: number;
  equal: Checkpoint;
}

/** MAX_BACKEDGE_ITERS */
const MAX_BACKEDGE_ITERS = 64;

/**
 * compute_scc's walk tables, reused by every verification and grown as needed (no tables made
 * per program): pre, low (written before it is read), and the two stacks (each instruction is
 * pushed at most once on each; typed with a top index: `length = 0` would free a plain array's store).
 */
const SCRATCH = { pre: new Int32Array(256), low: new Int32Array(256), stack: new Int32Array(256), dfs: new Int32Array(256), out: new Int32Array(256) };

/** A table for computeScc's answer of one verification (reused by the next: they do not overlap); entries past `n` unused. */
export function sccScratch(n: number): Int32Array {
  if (SCRATCH.out.length < n) SCRATCH.out = new Int32Array(Math.max(n, 2 * SCRATCH.out.length));
  return SCRATCH.out;
}

/**
 * compute_scc: the SCC number of every instruction (0 outside loops), in `scc` (its first
 * insns.length entries); `succ` is the successor table of `insns`.
 */
export function computeScc(insns: readonly Insn[], succ: readonly Successors[] = successorTable(insns),
  scc: Int32Array = new Int32Array(insns.length)): Int32Array {
  const n = insns.length;
  const NOT_ON_STACK = 0x3fffffff;
  if (SCRATCH.pre.length < n) {
    const size = Math.max(n, 2 * SCRATCH.pre.length);
    SCRATCH.pre = new Int32Array(size); SCRATCH.low = new Int32Array(size); SCRATCH.stack = new Int32Array(size); SCRATCH.dfs = new Int32Array(size);
  }
  const pre = SCRATCH.pre, low = SCRATCH.low, stack = SCRATCH.stack, dfs = SCRATCH.dfs;
  pre.fill(0, 0, n);
  scc.fill(0, 0, n);
  let sp = 0, dp = 0, nextPre = 1, nextScc = 1;
  for (let i = 0; i < n; i++) {
    if (pre[i]) continue;
    dfs[dp++] = i;
    while (dp) {
      const w = dfs[dp - 1];
      if (!pre[w]) { pre[w] = low[w] = nextPre++; stack[sp++] = w; }
      // bpf_insn_successors: fall-through first, then the jump target (those inside the program)
      const sw = succ[w];
      const next = sw.next !== null && sw.next < n ? sw.next : -1, jump = sw.jump !== null && sw.jump >= 0 && sw.jump < n ? sw.jump : -1;
      if (next >= 0) {
        if (!pre[next]) { dfs[dp++] = next; continue; }
        if (low[next] < low[w]) low[w] = low[next];
      }
      if (jump >= 0) {
        if (!pre[jump]) { dfs[dp++] = jump; continue; }
        if (low[jump] < low[w]) low[w] = low[jump];
      }
      dp--;
      if (low[w] < pre[w]) continue;
      // w is the root of a component: number it when it is a loop
      const assign = stack[sp - 1] !== w || next === w || jump === w;
      for (let t = -1; t !== w;) {
        t = stack[--sp];
        low[t] = NOT_ON_STACK;
        if (assign) scc[t] = nextScc;
      }
      if (assign) nextScc++;
    }
  }
  return scc;
}

/** The call chain of a loop in the entry frame, `(scc)`, by loop number. */
const LOOP_CHAINS: string[] = [];

/**
 * compute_scc_callchain: the call sites down to the first frame standing in a loop, and that loop; null outside
 * loops. Found once per checkpoint (its frames and instruction do not change) and kept in `cp.sccChain`.
 */
function sccCallchain(env: VerifierEnv, cp: Checkpoint): string | null {
  if (cp.sccChain !== undefined) return cp.sccChain;
  const st = cp.st;
  let chain: string | null = null;
  for (let i = 0; i <= st.curframe; i++) {
    const scc = env.sccOf[frameInsnIdx(st, cp.insnIdx, i)];
    if (!scc) continue;
    if (i === 0) { // the usual chain: one string per loop number (its hash kept for the maps' lookups)
      while (LOOP_CHAINS.length <= scc) LOOP_CHAINS.push(`(${LOOP_CHAINS.length})`);
      chain = LOOP_CHAINS[scc];
      break;
    }
    chain = '(';
    for (let j = 0; j < i; j++) chain += frameInsnIdx(st, cp.insnIdx, j) + ',';
    chain += scc + ')';
    break;
  }
  return (cp.sccChain = chain);
}

/** maybe_enter_scc: a checkpoint made inside a loop not being visited yet starts a visit. */
export function maybeEnterScc(env: VerifierEnv, cp: Checkpoint): void {
  const chain = sccCallchain(env, cp);
  if (chain === null || env.sccVisits?.get(chain)) return;
  (env.sccVisits ??= new Map()).set(chain, cp);
  if (env.log.level & BPF_LOG_LEVEL2) verbose(env.log, `SCC enter ${chain}\n`);
}

/** maybe_exit_scc: the visit's entry checkpoint has nothing left below it; its backedges are propagated. */
export function maybeExitScc(env: VerifierEnv, cp: Checkpoint): void {
  const chain = sccCallchain(env, cp);
  if (chain === null || !env.sccVisits || env.sccVisits.get(chain) !== cp) return;
  if (env.log.level & BPF_LOG_LEVEL2) verbose(env.log, `SCC exit ${chain}\n`);
  env.sccVisits.set(chain, null);
  const backedges = env.sccBackedges?.get(chain) ?? [];
  env.sccBackedges?.delete(chain);
  updatePeakStates(env);
  env.numBackedges -= backedges.length;
  propagateBackedges(env, backedges);
}

/** update_peak_states */
export function updatePeakStates(env: VerifierEnv): void {
  env.peakStates = Math.max(env.peakStates, env.exploredStatesSize + env.freeListSize + env.numBackedges);
}

/** add_scc_backedge: the current state, pruned at `insnIdx` against `equal` (a loop), is kept for the visit's end. */
export function addSccBackedge(env: VerifierEnv, equal: Checkpoint, insnIdx: number): void {
  const chain = sccCallchain(env, equal);
  if (chain === null || env.sccVisits?.get(chain) === undefined) {
    return notModelled(env, `an iterator loop outside a loop of the instruction graph (insn ${insnIdx})`);
  }
  if (env.log.level & BPF_LOG_LEVEL2) verbose(env.log, `SCC backedge ${chain}\n`);
  // (oldest first: the kernel's list is newest first, propagate_backedges walks this one backwards)
  const b: Backedge = { st: cloneState(env.cur), insnIdx, parent: env.parent, path: env.path, firstInsnIdx: env.firstInsnIdx, equal };
  const list = env.sccBackedges?.get(chain);
  if (list) list.push(b);
  else (env.sccBackedges ??= new Map()).set(chain, [b]);
  env.numBackedges++;
  updatePeakStates(env);
}

/** incomplete_read_marks: `cp` stands in a loop whose visit has backedges (its marks may not be final). */
export function incompleteReadMarks(env: VerifierEnv, cp: Checkpoint): boolean {
  if (env.numBackedges === 0) return false;
  const chain = sccCallchain(env, cp);
  return chain !== null && (env.sccBackedges?.get(chain)?.length ?? 0) > 0;
}

/** propagate_backedges: precision of each equal checkpoint into its backedge's path, until nothing changes. */
function propagateBackedges(env: VerifierEnv, backedges: readonly Backedge[]): void {
  if (!backedges.length) return;
  const saved = { cur: env.cur, insnIdx: env.insnIdx, parent: env.parent, path: env.path, firstInsnIdx: env.firstInsnIdx };
  try {
    for (let iter = 0; ; iter++) {
      if (iter > MAX_BACKEDGE_ITERS) return notModelled(env, 'propagate_backedges beyond its iteration limit');
      const before = env.preciseMarks;
      for (let i = backedges.length - 1; i >= 0; i--) {
        const b = backedges[i];
        env.cur = b.st; env.insnIdx = b.insnIdx; env.parent = b.parent; env.path = b.path; env.firstInsnIdx = b.firstInsnIdx;
        propagatePrecision(env, b.equal.st);
      }
      if (env.preciseMarks === before) break;
    }
  } finally {
    Object.assign(env, saved);
  }
}
