// Helper calls: check_helper_call (kernel/bpf/verifier.c). The program type's
// get_func_proto (helper_access.ts: `invalid func`, `program of this type cannot
// use helper`), the prototype's flags (gpl_only, allowed(), might_sleep), the
// arguments (helper_args.ts), record_func_map / record_func_key, the raw-mode
// byte writes, releasing a reference, the per-helper work (tail calls, callbacks
// in callbacks.ts, get_local_storage, get_func_ip), then R0 from the return
// type (*_OR_NULL with a fresh id, acquired references, do_refine_retval_range),
// check_map_func_compatibility and clear_all_pkt_pointers.
import { unmarkDynptr } from './dynptr';
import { Insn, isHelperCall } from '../isa/insn';
import { subprogReaches } from './subprogs';
import { HELPER_NAMES, BPF_FUNC_MAX_ID } from '../isa/helpers';
import { VerifierEnv, curFrame, fail, notModelled, text } from './env';
import { scratchReg, markPrecise } from './regs';
import { RegState, FuncState, ptrReg, scalarReg, isPointer, regTypeStr, PTR_MAYBE_NULL, MEM_RINGBUF, PTR_TRUSTED, BPF_F_RDONLY_PROG, notInit, mapSpilledRegs, ptrWithIds, UNKNOWN_SCALAR_REG } from './state';
import { Scalar, scalarUnknown, scalarIsConst } from './scalar_bridge';
import { cloneScalar, mBoundsSync } from './scalar';

/** MAX_ERRNO */
const MAX_ERRNO = 4095n;
import { HELPER_PROTOS, HelperProto } from './helper_protos';
import { HELPER_ACCESS, HelperAccessEntry, GPL_ONLY_HELPERS, MIGHT_SLEEP_HELPERS } from './helper_access';
import { MAP_ONLY_FUNCS, FUNC_ONLY_MAPS, MAP_WRITING_FUNCS, mayUpdateSockmap } from './map_funcs';
import { CallArgMeta, newCallArgMeta, checkFuncArg } from './helper_args';
import { markRawModeWrites, registerIsNull } from './helper_mem';
import { acquireReference, releaseReference, checkResourceLeak, checkCallWhileLocked } from './refs';
import { pushHelperCallback } from './callbacks';
import { pushStack, updateLiveStackOfCur } from './states';
import { prepareFuncExit } from './calls';
import { PROG_TYPE as P, ATTACH_TYPE as A, MAP_TYPE as MAP_TYPES } from '../isa/uapi';
import { VerifierReject } from './types';
import { vmlinuxStructRef } from './kfunc_btf';

/** Whether `id` is in a helper-id range list ("1-3,5"). */
export function inRanges(list: string, id: number): boolean {
  let bounds = parsedRanges.get(list);
  if (!bounds) {
    bounds = [];
    for (const part of list.split(',')) {
      if (!part) continue;
      const [a, b] = part.split('-').map(Number);
      bounds.push(a, b ?? a);
    }
    parsedRanges.set(list, bounds);
  }
  for (let i = 0; i < bounds.length; i += 2) if (id >= bounds[i] && id <= bounds[i + 1]) return true;
  return false;
}
/** The range lists met so far as flat [first, last, ...] pairs (the lists are constants of the tables). */
const parsedRanges = new Map<string, number[]>();

/** The program type's entry of the helper access table, undefined when not recorded. */
function accessEntry(env: VerifierEnv): HelperAccessEntry | undefined {
  const entries = HELPER_ACCESS[env.input.progType];
  if (!entries) return undefined;
  const attach = env.input.expectedAttachType ?? 0;
  return entries.find((e) => e.attach === undefined || e.attach === attach);
}

/** get_helper_proto finds helper `funcId` for the program type (true where the access table has no entry). */
export function helperAllowed(env: VerifierEnv, funcId: number): boolean {
  const access = accessEntry(env);
  return !access || inRanges(access.allowed, funcId);
}

const helperName = (id: number): string => (id >= 0 && id < BPF_FUNC_MAX_ID ? HELPER_NAMES[id] : 'unknown');

/** Sleepable programs (in_sleepable): BPF_F_SLEEPABLE, as syscall programs must be. */
const inSleepable = (env: VerifierEnv): boolean => env.input.progType === P.syscall || !!env.input.sleepable;

/** The helpers that passed helperProto's checks in one verification (they depend on the input only). */
const PROTO_CHECKED = new WeakMap<VerifierEnv, Set<number>>();

/** get_helper_proto and the checks of the prototype's flags (undefined: a helper whose prototype is not modelled). */
function helperProto(env: VerifierEnv, funcId: number): HelperProto | undefined {
  let checked = PROTO_CHECKED.get(env);
  if (checked?.has(funcId)) return HELPER_PROTOS[funcId];
  const proto = checkHelperProto(env, funcId);
  if (!checked) PROTO_CHECKED.set(env, checked = new Set());
  checked.add(funcId);
  return proto;
}

/** helperProto's checks, in the kernel's order. */
function checkHelperProto(env: VerifierEnv, funcId: number): HelperProto | undefined {
  const name = helperName(funcId);
  if (funcId < 0 || funcId >= BPF_FUNC_MAX_ID) fail(env, 'EINVAL', 'invalidFunc', [name, funcId]);
  if (env.input.unprivileged) notModelled(env, 'helper calls without CAP_BPF');
  const access = accessEntry(env);
  if (!access) notModelled(env, `which helpers program type ${env.input.progType} may call`);
  if (!inRanges(access.allowed, funcId)) fail(env, 'EINVAL', 'helperNotAllowed', [name, funcId]);
  if (env.input.gplCompatible === false && inRanges(GPL_ONLY_HELPERS, funcId)) fail(env, 'EINVAL', 'gplOnlyHelper');
  if (inRanges(access.probeDenied, funcId)) fail(env, 'EINVAL', 'helperNotAllowedInProbe');
  if (!inSleepable(env) && inRanges(MIGHT_SLEEP_HELPERS, funcId)) fail(env, 'EINVAL', 'helperMightSleep');
  return HELPER_PROTOS[funcId];
}

/** check_helper_call; returns where the walk goes on (after a tail call in a subprog: the caller). */
export function checkHelperCall(env: VerifierEnv, insn: Insn, idx: number): number {
  const funcId = insn.imm;
  checkCallWhileLocked(env, insn);
  const proto = helperProto(env, funcId);
  if (inRanges(MIGHT_SLEEP_HELPERS, funcId)) {
    // a helper that might sleep, in a section that must not (checked before the arguments)
    if (env.cur.refs.some((r) => r.kind === 'rcu')) fail(env, 'EINVAL', 'helperSleepsInRcu', [helperName(funcId), funcId]);
    if (env.cur.refs.some((r) => r.kind === 'preempt')) fail(env, 'EINVAL', 'helperSleepsInPreempt', [helperName(funcId), funcId]);
    if (env.cur.refs.some((r) => r.kind === 'irq')) fail(env, 'EINVAL', 'helperSleepsInIrq', [helperName(funcId), funcId]);
  }
  if (!proto) return notModelled(env, `helper ${helperName(funcId)}#${funcId}`);
  const meta = newCallArgMeta(funcId);
  for (let i = 0; i < 5; i++) checkFuncArg(env, proto, i, meta);
  recordFuncMap(env, meta, proto);
  // insn_aux_data's map_ptr_state: the call's map, poisoned (null) when paths differ
  if (meta.map) env.callMaps.set(idx, env.callMaps.get(idx) === undefined || env.callMaps.get(idx)?.fd === meta.map.fd ? meta.map : null);
  if (proto.special === 'tail_call') recordFuncKey(env, meta);
  if (meta.access) markRawModeWrites(env, meta.access);
  const regs = curFrame(env).regs;
  if (meta.releaseRegno && proto.args[meta.releaseRegno - 1].base === 'dynptr') unmarkDynptr(env, meta.releaseRegno, meta.dynptrRefObjId);
  else if (meta.releaseRegno) {
    const ok = meta.refObjId ? releaseReference(env, meta.refObjId) : registerIsNull(regs[meta.releaseRegno]);
    if (!ok) fail(env, 'EINVAL', 'helperRefNotAcquired', [helperName(funcId), funcId]);
  }
  helperSpecial(env, proto, meta, idx);
  // clear_caller_saved_regs
  for (let r = 0; r <= 5; r++) { regs[r] = notInit(); scratchReg(env, r); }
  regs[0] = returnValue(env, proto, meta, idx);
  checkMapFuncCompatibility(env, meta, funcId);
  if (proto.special === 'get_func_ip') checkGetFuncIp(env, funcId);
  if (proto.changesPktData) clearAllPktPointers(env);
  return proto.special === 'tail_call' && env.cur.curframe > 0 ? tailCallExitsSubprog(env, idx) : idx + 1;
}

/**
 * A tail call in a subprog: the failed call goes on after it (a branch), the taken
 * one leaves the subprog as its exit would, with R0 unknown (prepare_func_exit).
 */
function tailCallExitsSubprog(env: VerifierEnv, idx: number): number {
  scratchReg(env, 0);
  pushStack(env, idx + 1, idx, env.cur);
  clearAllPktPointers(env);
  curFrame(env).regs[0] = UNKNOWN_SCALAR_REG;
  // the subprog's exit: its stack liveness is brought up to date first, as at BPF_EXIT
  updateLiveStackOfCur(env);
  return prepareFuncExit(env);
}

/** The per-func_id switch of check_helper_call before the registers are cleared. */
function helperSpecial(env: VerifierEnv, proto: HelperProto, meta: CallArgMeta, idx: number): void {
  switch (proto.special) {
    case 'tail_call': return checkResourceLeak(env, false, true, 'tail_call');
    case 'get_local_storage':
      if (!registerIsNull(curFrame(env).regs[2])) fail(env, 'EINVAL', 'localStorageFlags');
      return;
    case 'loop': case 'for_each_map_elem': case 'timer_set_callback': case 'user_ringbuf_drain':
      return pushHelperCallback(env, proto.special, meta, idx);
    case 'dynptr_from_mem': {
      // the data of a local dynptr must be a map value (the stack and others are refused)
      const data = curFrame(env).regs[1];
      if (data.type !== 'map_value' || data.flags) fail(env, 'EACCES', 'dynptrFromMemRegType', [regTypeStr(data)]);
      return;
    }
    default: return;
  }
}

/** record_func_map: a read-only map cannot be written by helpers. */
function recordFuncMap(env: VerifierEnv, meta: CallArgMeta, proto: HelperProto): void {
  if (!proto.args.some((a) => a.base === 'const_map_ptr') || !MAP_WRITING_FUNCS.has(meta.funcId)) return;
  if (meta.map && (meta.map.flags ?? 0) & BPF_F_RDONLY_PROG) fail(env, 'EACCES', 'helperWritesRdonlyMap');
}

/** record_func_key: a constant index within the prog array is marked precise. */
function recordFuncKey(env: VerifierEnv, meta: CallArgMeta): void {
  if (meta.map?.type !== MAP_TYPES.prog_array) {
    throw new VerifierReject('EINVAL', text(env, 'tailCallNeedsProgArray'), false, true);
  }
  const key = curFrame(env).regs[3];
  if (meta.map && key.type === 'scalar' && scalarIsConst(key.s) && key.s.varOff.value < BigInt(meta.map.maxEntries)) markPrecise(env, 3);
}

/** R0 after the call, from the prototype's return type. */
function returnValue(env: VerifierEnv, proto: HelperProto, meta: CallArgMeta, idx: number): RegState {
  const ret = proto.ret;
  let r0: RegState;
  switch (ret.kind) {
    case 'integer': r0 = proto.refine ? scalarReg(refineRetval(env, proto, meta)) : UNKNOWN_SCALAR_REG; break;
    case 'void': return notInit();
    case 'map_value': {
      if (!meta.map) fail(env, 'EINVAL', 'subsystemMisconfigured');
      const elide = meta.funcId === 1 && meta.constMapKey >= 0n && meta.constMapKey < BigInt(meta.map.maxEntries);
      const nullable = ret.nullable && !elide;
      // a NULL-able value gets its id here (not below: one pointer made, not two); one that cannot be NULL
      // keeps an id of its own when a spin lock may be in it (the lock's reference names it)
      const id = nullable || (meta.map.fields ?? []).some((f) => f.kind === 'bpf_spin_lock' || f.kind === 'bpf_res_spin_lock') ? ++env.idGen : 0;
      r0 = ptrReg('map_value', { map: meta.map }, { flags: nullable ? PTR_MAYBE_NULL : 0, id });
      break;
    }
    case 'sock': case 'tcp_sock': case 'sock_common':
      r0 = ptrReg(ret.kind, {}, { flags: PTR_MAYBE_NULL });
      break;
    case 'dynptr_mem':
      // a slice of the dynptr: dropped with it (dynptr_id) or with its reference (ref_obj_id)
      r0 = ptrReg('mem', { size: meta.memSize, dynptrId: meta.dynptrId }, { flags: PTR_MAYBE_NULL, refObjId: meta.dynptrRefObjId });
      break;
    case 'ringbuf_mem':
      r0 = ptrReg('mem', { size: meta.memSize, dynptrId: 0 }, { flags: MEM_RINGBUF | PTR_MAYBE_NULL });
      break;
    case 'btf_id': {
      const btf = vmlinuxStructRef(env, ret.struct);
      r0 = ptrReg('btf_id', { btf }, { flags: (ret.trusted ? PTR_TRUSTED : 0) | (ret.nullable ? PTR_MAYBE_NULL : 0) });
      break;
    }
  }
  if (isPointer(r0) && r0.flags & PTR_MAYBE_NULL && r0.id === 0) r0 = ptrWithIds(r0, ++env.idGen, r0.refObjId, r0.flags);
  if (isPointer(r0) && proto.ptrCast) r0 = ptrWithIds(r0, r0.id, meta.refObjId, r0.flags);
  else if (isPointer(r0) && proto.acquire) {
    const id = acquireReference(env, idx);
    r0 = ptrWithIds(r0, id, id, r0.flags);
  }
  return r0;
}

/** do_refine_retval_range: R0 <= the size argument (or -MAX_ERRNO..), or a CPU number (a helper with `refine`). */
function refineRetval(env: VerifierEnv, proto: HelperProto, meta: CallArgMeta): Scalar {
  const r = cloneScalar(scalarUnknown());
  if (proto.refine === 'msize') {
    const max = meta.msizeMax ?? 0n;
    r.smax = max; r.s32max = max; r.smin = -MAX_ERRNO; r.s32min = -MAX_ERRNO;
  } else {
    const n = env.input.nrCpuIds;
    if (!n) return notModelled(env, 'bpf_get_smp_processor_id without the number of possible CPUs');
    const max = BigInt(n - 1);
    r.umax = r.u32max = r.smax = r.s32max = max;
    r.umin = r.u32min = r.smin = r.s32min = 0n;
  }
  mBoundsSync(r);
  return r;
}

/** check_map_func_compatibility */
function checkMapFuncCompatibility(env: VerifierEnv, meta: CallArgMeta, funcId: number): void {
  const map = meta.map;
  if (!map) return;
  const bad = (): never => fail(env, 'EINVAL', 'mapTypeIntoFunc', [map.type, helperName(funcId), funcId]);
  const onlyFuncs = MAP_ONLY_FUNCS.get(map.type);
  if (onlyFuncs && !onlyFuncs.includes(funcId)) {
    const sock = mayUpdateSockmap(env.input.progType, env.input.expectedAttachType ?? 0, funcId);
    if (sock === null || ![15, 18].includes(map.type)) bad();
    // may_update_sockmap says why before check_map_func_compatibility's error
    if (!sock) throw new VerifierReject('EINVAL', text(env, 'cannotUpdateSockmap') + '\n' + text(env, 'mapTypeIntoFunc', [map.type, helperName(funcId), funcId]));
  }
  const onlyMaps = FUNC_ONLY_MAPS.get(funcId);
  if (onlyMaps && !onlyMaps.includes(map.type)) bad();
  if (funcId === 12 && env.layout.subprogs.length > 1 && env.input.jitted === false) fail(env, 'EINVAL', 'tailCallNoJit');
}

/** check_get_func_ip */
function checkGetFuncIp(env: VerifierEnv, funcId: number): void {
  const type = env.input.progType;
  if (type === P.kprobe) return;
  if (type === P.tracing) {
    const attach = env.input.expectedAttachType ?? 0;
    if ([A.trace_fentry, A.trace_fexit, A.modify_return].includes(attach)) return;
    fail(env, 'ENOTSUPP', 'funcIpTrampolineOnly', [helperName(funcId), funcId]);
  }
  fail(env, 'ENOTSUPP', 'funcIpNotSupported', [helperName(funcId), funcId, type]);
}

/** clear_all_pkt_pointers: packet pointers in every frame and spill become unknown scalars (CAP_BPF) */
export function clearAllPktPointers(env: VerifierEnv): void {
  const invalid = (r: RegState): RegState => (r.type === 'pkt' || r.type === 'pkt_meta' || r.type === 'pkt_end'
    ? (env.input.unprivileged ? notInit() : UNKNOWN_SCALAR_REG) : r);
  env.cur.frames.forEach((f: FuncState) => {
    f.regs.forEach((r, i) => { f.regs[i] = invalid(r); });
    mapSpilledRegs(f, invalid);
  });
}


/**
 * changes_pkt_data of a subprog (check_cfg): it, or a static subprog it calls, calls a
 * helper that changes packet data.
 */
export const subprogChangesPktData = (env: VerifierEnv, subprog: number): boolean =>
  subprogReaches(env.layout, env.insns, subprog, (x) => isHelperCall(x) && !!HELPER_PROTOS[x.imm]?.changesPktData);
