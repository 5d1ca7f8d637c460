// The verifier environment, struct bpf_verifier_env (include/linux/bpf_verifier.h):
// the program and its facts, the profile of the kernel answered for, the log, the
// counters of is_state_visited, and the walk of one do_check_common (current state,
// instruction index, branches left to explore, scratch marks). Every check_* takes
// it as its first argument. Also the two ways a check ends a walk: a rejection with
// the profile's message text, or `not modelled yet`.
import { Insn } from '../isa/insn';
import { VerifierLog, verbose, BPF_LOG_LEVEL1, BPF_LOG_LEVEL2 } from './log';
import { MessageArgs, MessageKey, fmt } from './messages';
import { KernelProfile } from './profiles';
import { Errno, VerifyInput, VerifierReject } from './types';
import { SubprogLayout, findSubprog } from './subprogs';
import { FuncState, VState, newFuncState, MapRef } from './state';
import { PathEntry } from './precision';
import type { Checkpoint, InsnCheckpoints } from './states';
import type { Backedge } from './scc';
import type { PreparedArgs } from './func_args';
import { Liveness, LivenessCtx, newLiveness } from './stack_liveness';

export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** BPF_COMPLEXITY_LIMIT_JMP_SEQ */
export const BPF_COMPLEXITY_LIMIT_JMP_SEQ = 8192;
export const MAX_CALL_FRAMES = 8;
/** Bits of VerifierEnv.pointFlags (8 is RESERVED_OK, reserved_fields.ts). */
export const PRUNE_POINT = 1, JMP_POINT = 2, FORCE_CHECKPOINT = 4;

/** struct bpf_verifier_stack_elem: a branch left to explore, with the log position to rewind to. */
export interface BranchElem {
  st: VState; insnIdx: number; prevInsnIdx: number; logPos: number; path: PathEntry | null;
  cbVisits: CbVisit | null;
  /** The branch's parent checkpoint, where its history starts, and the history's kernel entry count. */
  parent: Checkpoint | null; firstInsnIdx: number; jmpHistoryCnt: number; dfsDepth: number;
}

/** A call of a callback-calling helper on the current path (callbacks explored in a row). */
export interface CbVisit {
  callsite: number; prev: CbVisit | null;
  /** Visits of `callsite` in a row up to this one (this one included). */
  run: number;
}

/** bpf_loop_inline_state of one bpf_loop call (optimize_bpf_loop). */
export interface LoopInlineState { fit: boolean; subprogno: number }

export interface VerifierEnv {
  readonly input: VerifyInput;
  readonly insns: readonly Insn[];
  readonly profile: KernelProfile;
  layout: SubprogLayout;
  readonly log: VerifierLog;
  /** check_cfg's prune points, as a set for the level-2 log's liveness lines (empty at other levels: pointFlags has them). */
  prunePoints: Set<number>;
  /**
   * check_cfg's marks per instruction (entries past the program's length unused): PRUNE_POINT (mark_prune_point), JMP_POINT (mark_jmp_point:
   * instructions the kernel's jump history records), FORCE_CHECKPOINT (mark_force_checkpoint).
   */
  pointFlags: Uint8Array;
  /** bpf_calls_callback: calls of callback-calling helpers. */
  callsCallback: ReadonlySet<number>;
  /** is_iter_next_insn: calls of an iterator's next kfunc. */
  iterNext: ReadonlySet<number>;
  /** live_regs_before per instruction (compute_live_registers), bit n = Rn. */
  liveRegs: number[];
  /** compute_scc: the loop (SCC number) of each instruction, 0 outside loops. */
  sccOf: Int32Array;
  /** bpf_scc_visit: the checkpoint that entered each loop's call chain, while it is explored (made on first use, like the Maps and Sets below marked so). */
  sccVisits: Map<string, Checkpoint | null> | null;
  /** bpf_scc_visit's backedges, oldest first: loop states pruned against a checkpoint of the visit still explored. */
  sccBackedges: Map<string, Backedge[]> | null;
  /** num_backedges: backedges kept (they count in peak_states). */
  numBackedges: number;
  /** Precision marks made in checkpoints so far (propagate_backedges' `changed`). */
  preciseMarks: number;
  /** Targets of back-edges (loops are walked iteration by iteration). */
  loopHeads: ReadonlySet<number>;
  /** Global subprogs called (to be validated later), by subprog index (made on first use). */
  calledGlobals: Set<number> | null;
  /** func_info_aux[].unreliable: subprogs whose BTF check failed once (not checked again). */
  unreliableSubprogs: Set<number> | null;
  /** sub->args_cached: btf_prepare_func_args's answers so far, by subprog (made on first use). */
  argsCached: Map<number, PreparedArgs> | null;
  seenException: boolean;
  idGen: number;
  loopInline: Map<number, LoopInlineState>;
  /** insn_aux_data[].ptr_type: the pointer type each load or store first saw (save_aux_ptr_type). */
  ptrTypeAt: Map<number, string>;
  /** insn_aux_data[].map_ptr_state of helper calls with a map argument: the map, null when paths disagree (poisoned). */
  callMaps: Map<number, MapRef | null>;
  /** insn_aux_data[i].seen: instructions the walk reached (dead code is removed from xlated); entries past the program's length unused. */
  seen: Uint8Array;
  // is_state_visited's counters
  insnProcessed: number;
  totalStates: number;
  peakStates: number;
  maxStatesPerInsn: number;
  jmpsProcessed: number;
  prevJmpsProcessed: number;
  prevInsnProcessed: number;
  /** explored_states_size, free_list_size (checkpoints evicted while still being explored) */
  exploredStatesSize: number;
  freeListSize: number;
  /** is_state_visited's add_new_state of the current visit. */
  addNewState: boolean;
  /** 6.18 stack liveness (level-2 log lines only). */
  liveness: Liveness;
  lvCtx: LivenessCtx;
  // ---- the walk of one do_check_common ----
  /** Subprog being verified as an entry point. */
  entry: number;
  cur: VState;
  insnIdx: number;
  prevInsnIdx: number;
  branches: BranchElem[];
  /**
   * Explored checkpoints by instruction, each instruction's by explored_state() bucket (states.ts
   * InsnCheckpoints: a bucket's walk only compares the checkpoints of its instruction); holes where none.
   */
  explored: (InsnCheckpoints | undefined)[];
  /** The instructions with a list in `explored` (emptied when the next walk begins). */
  exploredAt: number[];
  /** The checkpoints listed in each explored_state() bucket (is_state_visited's states_cnt); entries past the program's length unused. */
  bucketSizes: Int32Array;
  /** The current state's parent checkpoint (cur->parent) and its first instruction (first_insn_idx). */
  parent: Checkpoint | null;
  firstInsnIdx: number;
  /** jmp_history_cnt and dfs_depth of the current state. */
  jmpHistoryCnt: number;
  dfsDepth: number;
  /** Callback-calling helper calls on the current path, newest first. */
  cbVisits: CbVisit | null;
  /** The current state's instruction path (its jump history), for precision backtracking. */
  path: PathEntry | null;
  scratchedRegs: Set<number>;
  scratchedSlots: Set<number>;
  allScratched: boolean;
  prevLogPos: number;
  prevInsnPrintPos: number;
  doPrintState: boolean;
  /** env->prev_linfo: the index of the line info printed last (-1: none since do_check_common began). */
  prevLinfo: number;
}

/**
 * Tables of one verification that are pure scratch, reused by the next (verifications do not
 * overlap): check_cfg's marks, the instructions seen and the bucket sizes. A typed array of over 64 bytes costs a
 * malloc and the collector's tracking of its store, each verification.
 */
const SCRATCH = { pointFlags: new Uint8Array(256), seen: new Uint8Array(256), bucketSizes: new Int32Array(256) };
const NO_BUCKETS = new Int32Array(0);

/** Scratch table `which`, its first `n` entries zero (grown as needed). */
function scratchTable<K extends keyof typeof SCRATCH>(which: K, n: number): (typeof SCRATCH)[K] {
  let t = SCRATCH[which];
  if (t.length < n) {
    const size = Math.max(n, 2 * t.length);
    t = SCRATCH[which] = (which === 'bucketSizes' ? new Int32Array(size) : new Uint8Array(size)) as (typeof SCRATCH)[K];
  } else t.fill(0, 0, n);
  return t;
}

/** An empty set of instructions, shared (check_cfg gives the sets of a program that has some). */
const NONE: ReadonlySet<number> = new Set();
/** The prune points at log levels other than 2: read by nothing, shared, never written. */
const NO_PRUNE_POINTS = new Set<number>();

/** The scratch marks' set: written only when level 1 or 2 logs (regs.ts), so a shared empty one serves the other levels. */
const NO_SCRATCH = new Set<number>();
const scratchSet = (log: VerifierLog): Set<number> => ((log.level & (BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2)) !== 0 ? new Set() : NO_SCRATCH);

export function newEnv(input: VerifyInput, profile: KernelProfile, log: VerifierLog): VerifierEnv {
  const env: VerifierEnv = {
    input, insns: input.insns, profile, log, layout: { subprogs: [], exceptionCallback: 0, kfuncs: new Map() },
    prunePoints: NO_PRUNE_POINTS, pointFlags: scratchTable('pointFlags', input.insns.length), callsCallback: NONE, iterNext: NONE, liveRegs: [], sccOf: new Int32Array(0), sccVisits: null, sccBackedges: null, numBackedges: 0, preciseMarks: 0, loopHeads: NONE, calledGlobals: null, unreliableSubprogs: null, argsCached: null,
    seenException: false, idGen: 0, loopInline: new Map(), ptrTypeAt: new Map(), callMaps: new Map(), seen: scratchTable('seen', input.insns.length),
    insnProcessed: 0, totalStates: 0, peakStates: 0, maxStatesPerInsn: 0, jmpsProcessed: 0, prevJmpsProcessed: 0, prevInsnProcessed: 0,
    exploredStatesSize: 0, freeListSize: 0, addNewState: false,
    liveness: newLiveness(), lvCtx: undefined as unknown as LivenessCtx,
    entry: 0, cur: { frames: [newFuncState(0, 0, -1)], curframe: 0, refs: [] }, insnIdx: 0, prevInsnIdx: -1, branches: [],
    explored: [], exploredAt: [], bucketSizes: NO_BUCKETS, parent: null, firstInsnIdx: 0, jmpHistoryCnt: 0, dfsDepth: 0, cbVisits: null, path: null,
    scratchedRegs: scratchSet(log), scratchedSlots: scratchSet(log), allScratched: true, prevLogPos: 0, prevInsnPrintPos: 0, doPrintState: false, prevLinfo: -1,
  };
  env.lvCtx = {
    insns: input.insns, prunePoints: env.prunePoints,
    subprogEnd: (start: number) => {
      const sp = env.layout.subprogs;
      const i = findSubprog(sp, start);
      return i + 1 < sp.length ? sp[i + 1].start : input.insns.length;
    },
    logLines: (log.level & BPF_LOG_LEVEL2) !== 0,
    successors: [],
    log: (t: string) => { if (log.level & BPF_LOG_LEVEL2) verbose(log, t); },
  };
  return env;
}

/** Start the walk of do_check_common for `subprog` from `st`. */
export function resetWalk(env: VerifierEnv, subprog: number, st: VState): void {
  env.entry = subprog;
  env.cur = st;
  env.insnIdx = env.layout.subprogs[subprog].start;
  env.prevInsnIdx = -1;
  env.branches = [];
  clearExplored(env);
  env.parent = null;
  env.firstInsnIdx = env.insnIdx;
  env.jmpHistoryCnt = 0;
  env.dfsDepth = 0;
  env.cbVisits = null;
  env.path = null;
  env.scratchedRegs.clear();
  env.scratchedSlots.clear();
  env.allScratched = true;
  env.prevLogPos = 0;
  env.prevInsnPrintPos = 0;
  env.doPrintState = false;
  env.prevLinfo = -1;
  env.lvCtx.prunePoints = env.prunePoints;
}

/**
 * Empty the explored checkpoints of the last walk: the arrays are made once per verification
 * (plain arrays: a typed array's allocation costs more than a walk of a small subprogram).
 */
function clearExplored(env: VerifierEnv): void {
  const n = env.insns.length;
  if (env.explored.length !== n) {
    env.explored = new Array(n);
    env.bucketSizes = scratchTable('bucketSizes', n);
    return;
  }
  for (const idx of env.exploredAt) {
    for (let list = env.explored[idx] ?? null; list; list = list.other) env.bucketSizes[list.bucket] = 0;
    env.explored[idx] = undefined;
  }
  env.exploredAt.length = 0;
}

/** The frame of the current state that executes (cur_func). */
export const curFrame = (env: VerifierEnv): FuncState => env.cur.frames[env.cur.curframe];

/** Whether level 1 or 2 logging is on (what most verbose() calls of do_check test). */
export const logOn = (env: VerifierEnv): boolean => (env.log.level & (BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2)) !== 0;

/** The profile's text of a message. */
export const text = (env: VerifierEnv, key: MessageKey, args: MessageArgs = []): string => fmt(env.profile.texts[key], args);

/** Reject the program with the profile's text of `key`. */
export function fail(env: VerifierEnv, errno: Errno, key: MessageKey, args: MessageArgs = []): never {
  throw new VerifierReject(errno, text(env, key, args));
}

/** Reject the program with a message already in the profile's text (several lines: the kernel's verbose lines up to the error). */
export function failText(env: VerifierEnv, errno: Errno, message: string): never {
  void env;
  throw new VerifierReject(errno, message);
}

/** The model cannot decide: `not modelled yet: <what>`, a verdict of its own. */
export function notModelled(env: VerifierEnv, what: string): never {
  throw new VerifierReject('EINVAL', text(env, 'notModelled', [what]), true);
}

/** The kfunc name of a call instruction, for the log. */
export const kfuncName = (env: VerifierEnv, i: Insn): string | undefined => env.input.kfunc?.(i.imm, i.off)?.name;
