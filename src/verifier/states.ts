// Exploring states: push_stack/pop_stack (branches left to explore, with the log
// rewind of level 1), is_state_visited (the part modelled: states are counted as the
// kernel adds them; a state is pruned only at a forced checkpoint, a bpf_loop call,
// whose earlier state it equals exactly, which implies the kernel's states_equal),
// and the `infinite loop detected` check at loop heads (kernel/bpf/verifier.c).
import { verbose, logReset, BPF_LOG_LEVEL2 } from './log';
import { VerifierEnv, BPF_COMPLEXITY_LIMIT_JMP_SEQ, logOn, fail, notModelled, text } from './env';
import { VState, cloneState, stateKey } from './state';

/** push_stack: explore `target` (reached from `from`) in state `s` later. */
export function pushStack(env: VerifierEnv, target: number, from: number, s: VState): void {
  if (env.branches.length + 1 > BPF_COMPLEXITY_LIMIT_JMP_SEQ) fail(env, 'E2BIG', 'jumpSeqTooComplex', [env.branches.length + 1]);
  env.branches.push({ st: cloneState(s), insnIdx: target, prevInsnIdx: from, logPos: env.log.len, path: env.path, loops: env.loopSeen,
    cbVisits: env.cbVisits, widened: env.widened });
}

/** pop_stack: the next branch to explore; false when there is none. */
export function popStack(env: VerifierEnv): boolean {
  const e = env.branches.pop();
  if (!e) return false;
  env.cur = e.st;
  env.path = e.path;
  env.loopSeen = e.loops;
  env.cbVisits = e.cbVisits;
  env.widened = e.widened;
  env.insnIdx = e.insnIdx;
  env.prevInsnIdx = e.prevInsnIdx;
  if (!(env.log.level & BPF_LOG_LEVEL2) && logOn(env)) logReset(env.log, e.logPos);
  return true;
}

/** is_state_visited at a prune point. Returns true when the current state is pruned (safe). */
export function isStateVisited(env: VerifierEnv): boolean {
  const idx = env.insnIdx;
  const forced = env.forceCheckpoints.has(idx);
  const list = env.explored.get(idx) ?? [];
  const key = forced ? stateKey(env.cur) : '';
  if (forced && list.includes(key)) {
    if (logOn(env)) {
      verbose(env.log, env.doPrintState ? '\n' + text(env, 'fromToSafe', [env.prevInsnIdx, idx]) + '\n' : text(env, 'safe', [idx]) + '\n');
    }
    return true;
  }
  if (env.maxStatesPerInsn < list.length) env.maxStatesPerInsn = list.length;
  // add_new_state: at a forced checkpoint, or after 2 jumps and 8 instructions since the last one
  if (forced || (env.jmpsProcessed - env.prevJmpsProcessed >= 2 && env.insnProcessed - env.prevInsnProcessed >= 8)) {
    env.totalStates++;
    env.peakStates++;
    env.prevJmpsProcessed = env.jmpsProcessed;
    env.prevInsnProcessed = env.insnProcessed;
    list.push(key);
    env.explored.set(idx, list);
  }
  return false;
}

/** How many states back a loop head remembers on the current path. */
const LOOP_WINDOW = 64;

/** At a loop head: an exact repeat of a state seen there on this path can never terminate. */
export function checkLoopHead(env: VerifierEnv): void {
  const idx = env.insnIdx;
  if (!env.loopHeads.has(idx)) return;
  const key = stateKey(env.cur);
  let n = 0;
  for (let e = env.loopSeen; e && n < LOOP_WINDOW; e = e.prev, n++) {
    if (e.idx === idx && e.key === key) fail(env, 'EINVAL', 'infiniteLoop', [idx]);
  }
  env.loopSeen = { idx, key, prev: env.loopSeen };
}
