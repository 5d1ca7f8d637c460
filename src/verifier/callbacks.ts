// Callbacks of helpers (kernel/bpf/verifier.c): push_callback_call (the callback is
// explored as a new frame on a branch of its own while the caller goes on after the
// call) with the set_*_callback_state of bpf_loop and bpf_for_each_map_elem,
// bpf_loop's iteration bound (callback_depth against nr_loops' umax, the
// `bpf_loop iteration limit reached` line), update_loop_inline_state, and
// widen_imprecise_scalars at a callback's return to its callsite (scalars no
// checkpoint needed precise become unknown; convergence is is_state_visited's).
// bpf_timer_set_callback's callback is async (push_async_cb with
// set_timer_callback_state): a state of its own whose entry frame is the callback,
// explored after the caller's path, returning 0. bpf_user_ringbuf_drain's callback
// gets its record as a const dynptr (CONST_PTR_TO_DYNPTR of type local).
import { verbose, BPF_LOG_LEVEL2 } from './log';
import { VerifierEnv, MAX_CALL_FRAMES, curFrame, fail, notModelled, text } from './env';
import { markPrecise } from './regs';
import { RegState, VState, FuncState, cloneStateWithCallee, newFuncState, withSpilled, ptrReg, UNKNOWN_SCALAR_REG } from './state';
import { scalarIsConst } from './scalar_bridge';
import { scalarSameValue } from './scalar';
import { MAP_TYPE as M } from '../isa/uapi';
import { HelperSpecial } from './helper_protos';
import { CallArgMeta } from './helper_args';
import { btfCheckSubprogCall } from './func_args';
import { pushOwnedState, pushAsyncCbState, findPrevEntry } from './states';
import { IdMap, scratchIdMap, checkIds } from './states_equal';

/** Map types whose ops have map_for_each_callback. */
const FOR_EACH_MAPS: ReadonlySet<number> = new Set([M.hash, M.percpu_hash, M.lru_hash, M.lru_percpu_hash, M.array, M.percpu_array]);

/** Callback visits of one callsite in a row beyond which the model stops (the kernel has RANGE_WITHIN pruning). */
const MAX_CALLBACK_UNROLL = 64;

const isConstZero = (r: RegState): boolean => r.type === 'scalar' && scalarIsConst(r.s) && r.s.varOff.value === 0n;

export type SetCallee = (caller: FuncState, callee: FuncState, env: VerifierEnv) => void;

/** set_loop_callback_state: callback_fn(u64 index, void *callback_ctx) */
const setLoopCallbackState: SetCallee = (caller, callee) => {
  callee.regs[1] = UNKNOWN_SCALAR_REG;
  callee.regs[2] = caller.regs[3];
};

/** map_set_for_each_callback_args: callback_fn(map, key, value, callback_ctx); the value has an id of its own (6.18 log). */
const setMapElemCallbackState: SetCallee = (caller, callee, env) => {
  const map = caller.regs[1];
  if (map.type !== 'map_ptr') return;
  callee.regs[1] = map;
  callee.regs[2] = ptrReg('map_key', { map: map.map });
  callee.regs[3] = ptrReg('map_value', { map: map.map }, { id: ++env.idGen });
  callee.regs[4] = caller.regs[3];
};

/** The helpers' callbacks, by the helper's special kind. */
export function pushHelperCallback(env: VerifierEnv, kind: HelperSpecial, meta: CallArgMeta, callsite: number): void {
  if (kind === 'timer_set_callback') return pushTimerCallback(env, meta.subprogno, callsite);
  if (kind === 'user_ringbuf_drain') {
    if (meta.subprogno < 0) return notModelled(env, 'a callback argument that is not a static function');
    // set_user_ringbuf_callback_state: callback_fn(const struct bpf_dynptr *dynptr, void *ctx)
    return pushCallbackCall(env, meta.subprogno, callsite, (caller, callee) => {
      callee.regs[1] = ptrReg('dynptr_ptr', { dtype: 'local' }, { id: ++env.idGen });
      callee.regs[2] = caller.regs[3];
    });
  }
  const sub = meta.subprogno;
  if (sub < 0) return notModelled(env, 'a callback argument that is not a static function');
  const regs = curFrame(env).regs;
  if (kind === 'for_each_map_elem') {
    if (!meta.map || !FOR_EACH_MAPS.has(meta.map.type)) fail(env, 'ENOTSUPP', 'callbackNotAllowedForMap');
    return pushCallbackCall(env, sub, callsite, setMapElemCallbackState);
  }
  // bpf_loop
  updateLoopInlineState(env, callsite, sub, regs[4]);
  markPrecise(env, 1);
  const nr = regs[1];
  if (nr.type !== 'scalar') return notModelled(env, 'bpf_loop with a pointer as nr_loops');
  const f = curFrame(env);
  if (BigInt(f.callbackDepth) < nr.s.umax) return pushCallbackCall(env, sub, callsite, setLoopCallbackState);
  f.callbackDepth = 0;
  if (env.log.level & BPF_LOG_LEVEL2) verbose(env.log, text(env, 'loopLimitReached', [env.cur.curframe]) + '\n');
}

/** update_loop_inline_state (optimize_bpf_loop inlines calls with zero flags and one callback). */
function updateLoopInlineState(env: VerifierEnv, callsite: number, sub: number, flags: RegState): void {
  const flagsZero = isConstZero(flags);
  const st = env.loopInline.get(callsite);
  if (!st) {
    if (flagsZero) markPrecise(env, 4);
    env.loopInline.set(callsite, { fit: flagsZero, subprogno: sub });
  } else if (st.fit) {
    if (flagsZero) markPrecise(env, 4);
    st.fit = flagsZero && st.subprogno === sub;
  }
}

/** push_callback_call for a kfunc's synchronous callback (bpf_rbtree_add_impl's `less`), its callee set up by `setCallee`. */
export function pushKfuncCallback(env: VerifierEnv, sub: number, callsite: number, setCallee: SetCallee): void {
  pushCallbackCall(env, sub, callsite, setCallee);
}

/** push_callback_call for a synchronous callback: a branch that enters the callback in a new frame. */
function pushCallbackCall(env: VerifierEnv, sub: number, callsite: number, setCallee: SetCallee): void {
  btfCheckSubprogCall(env, sub);
  env.layout.subprogs[sub].isCb = true;
  const last = env.cbVisits;
  const unrolled = last && last.callsite === callsite ? last.run : 0;
  if (unrolled >= MAX_CALLBACK_UNROLL) notModelled(env, `a callback explored more than ${MAX_CALLBACK_UNROLL} times at insn ${callsite}`);
  env.cbVisits = { callsite, prev: last, run: unrolled + 1 };
  if (env.cur.curframe + 1 >= MAX_CALL_FRAMES) fail(env, 'E2BIG', 'callStackTooDeepCall', [env.cur.curframe + 2]);
  const callee = newFuncState(env.cur.curframe + 1, sub, callsite);
  const cbState: VState = cloneStateWithCallee(env.cur, callee);
  const caller = cbState.frames[cbState.curframe - 1];
  setCallee(caller, callee, env);
  callee.inCallbackFn = true;
  caller.callbackDepth++;
  curFrame(env).callbackDepth = 0;
  pushOwnedState(env, env.layout.subprogs[sub].start, callsite, cbState); // cbState is the branch's own copy
  env.allScratched = true; // init_func_state of the callback's frame (the 6.18 level-2 log prints every register after the call)
}

/**
 * maybe_widen_reg: an imprecise scalar that changed since the previous visit becomes unknown;
 * unchanged means regs_exact: the same value and ids paired consistently (one id map per widening).
 */
function maybeWidenReg(old: RegState, cur: RegState, ids: IdMap): RegState {
  if (old.type !== 'scalar' || cur.type !== 'scalar') return cur;
  if (old.s.precise || cur.s.precise || (scalarSameValue(old.s, cur.s) && checkIds(old.s.id, cur.s.id, ids))) return cur;
  return UNKNOWN_SCALAR_REG;
}

/**
 * widen_imprecise_scalars at a callback's return to `callsite`, against the checkpoint of
 * the previous visit of the callsite on this path (find_prev_entry): scalars nothing
 * needed precise become unknown, so that the loop converges.
 */
export function widenAtCallbackReturn(env: VerifierEnv, callsite: number): void {
  const prev = findPrevEntry(env, callsite);
  if (prev) widenImpreciseScalars(env, prev, env.cur);
}

/** widen_imprecise_scalars: the registers and spilled scalars of `cur`'s frames, against `old`'s (one id map). */
export function widenImpreciseScalars(env: VerifierEnv, old: VState, cur: VState): void {
  const prev = old;
  const ids = scratchIdMap(env.idGen);
  for (let fr = prev.curframe; fr >= 0; fr--) {
    const fold = prev.frames[fr], fcur = cur.frames[fr];
    const regs = fcur.regs;
    for (let i = 0; i < regs.length; i++) regs[i] = maybeWidenReg(fold.regs[i], regs[i], ids);
    for (let i = 0; i < fold.stack.length; i++) {
      const sl = fold.stack[i], cs = fcur.stack[i];
      if (!sl || !cs || !sl.spilled || !cs.spilled || sl.types[7] !== 'r' || cs.types[7] !== 'r') continue;
      const w = maybeWidenReg(sl.spilled, cs.spilled, ids);
      if (w !== cs.spilled) fcur.stack[i] = withSpilled(cs, w); // slots are shared values: a new one only when widened
    }
  }
}

/**
 * push_async_cb for bpf_timer_set_callback(timer, callback_fn): the callback is walked later
 * as the entry frame (frameno 0, no callsite) of a state of its own, with
 * set_timer_callback_state's arguments callback_fn(map, key, value) of the timer's map.
 */
function pushTimerCallback(env: VerifierEnv, sub: number, callsite: number): void {
  if (sub < 0) return notModelled(env, 'a callback argument that is not a static function');
  btfCheckSubprogCall(env, sub);
  const timer = curFrame(env).regs[1];
  if (timer.type !== 'map_value') return notModelled(env, `a timer in ${timer.type}`);
  const info = env.layout.subprogs[sub];
  info.isCb = info.isAsyncCb = true;
  const callee = newFuncState(0, sub, -1);
  callee.regs[1] = ptrReg('map_ptr', { map: timer.map });
  callee.regs[2] = ptrReg('map_key', { map: timer.map });
  callee.regs[3] = ptrReg('map_value', { map: timer.map }, { id: ++env.idGen });
  callee.inAsyncCallbackFn = true;
  pushAsyncCbState(env, info.start, callsite, { frames: [callee], curframe: 0, refs: [] });
  env.allScratched = true; // init_func_state of the async callback's frame
}
