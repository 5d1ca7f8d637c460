// kfunc calls: check_kfunc_call (kernel/bpf/verifier.c). The kfunc's prototype
// comes from vmlinux BTF (kfunc_btf.ts); its KF_* flags and the id set it belongs
// to are a table (the BTF_ID_FLAGS lists of kernel/bpf/helpers.c: the generic set
// registered for some program types, the common set for all); the arguments are
// check_kfunc_args (kfunc_args.ts); then the RCU read section, releasing a
// reference, bpf_throw (an exceptional exit, process_bpf_exit_full), and R0 from
// the BTF return type (scalars, PTR_TO_MEM of a sized type, PTR_TO_BTF_ID of a
// struct, KF_RET_NULL with an id, KF_ACQUIRE with a new reference; bpf_obj_new_impl's
// allocated object of a program BTF struct, released by bpf_obj_drop_impl; the graph
// kfuncs of graph.ts: bpf_rbtree_add_impl's callback, an inserted node's conversion to
// non-owning references, the nodes they return). A kfunc that
// is not in the table, or whose handling is special beyond this, is `not modelled yet`.
import { Insn } from '../isa/insn';
import { VerifierEnv, curFrame, fail, notModelled } from './env';
import { scratchReg } from './regs';
import { RegState, PointerReg, PtrExtra, UNKNOWN_SCALAR_REG, ptrReg, isPointer, PTR_MAYBE_NULL, PTR_UNTRUSTED, MEM_RDONLY, MEM_RCU, MEM_ALLOC, MEM_PERCPU, notInit, mapSpilledRegs, ptrWithIds } from './state';
import { progTypeInfo } from './prog_types';
import { checkReturnCode } from './exit';
import { kfuncProto, btfTypeStr, KfuncProto } from './kfunc_btf';
import { KfuncArgMeta, checkKfuncArgs } from './kfunc_args';
import { acquireReference, releaseReference, checkCallWhileLocked } from './refs';
import { processIterNextCall } from './iters';
import { PROG_TYPES as P } from './types';
import { btfTypeAt, skipModifiers } from './btf_view';
import { GRAPH_KFUNCS, GraphKfunc, graphCallStart, pushRbtreeAddCallback, convertInsertedNode, graphReturn } from './graph';

/** KF_* flags (include/linux/btf.h). */
export type KfuncFlag = 'acquire' | 'release' | 'ret_null' | 'trusted_args' | 'sleepable' | 'destructive' | 'rcu' | 'iter_new' | 'iter_next' | 'iter_destroy';

/**
 * The kfunc id sets the model knows: `generic` (registered for some program types), `common`
 * (all), `skb` (net/core/filter.c's bpf_kfunc_set_skb, for the program types of SKB_SET_TYPES),
 * and `rstat` (kernel/cgroup/rstat.c's bpf_rstat_kfunc_set, for BPF_PROG_TYPE_TRACING).
 */
export type KfuncSet = 'generic' | 'common' | 'skb' | 'rstat';

/** The program types bpf_kfunc_init registers bpf_kfunc_set_skb for. */
const SKB_SET_TYPES: readonly number[] = [P.sched_cls, P.sched_act, P.sk_skb, P.socket_filter, P.cgroup_skb, P.lwt_out, P.lwt_in,
  P.lwt_xmit, P.lwt_seg6local, P.netfilter, P.tracing];

export interface KfuncDesc {
  set: KfuncSet;
  flags: readonly KfuncFlag[];
  /** Special handling (the kernel's special_kfunc_list) the model does. */
  special?: 'throw' | 'rcu_read_lock' | 'rcu_read_unlock' | 'preempt_disable' | 'preempt_enable' | 'untrusted_ret' | 'obj_new' | 'percpu_obj_new' | 'obj_drop'
    | 'rdonly_cast' | 'irq_save' | 'graph';
}

const generic = (...flags: KfuncFlag[]): KfuncDesc => ({ set: 'generic', flags });
const common = (...flags: KfuncFlag[]): KfuncDesc => ({ set: 'common', flags });
const skb = (...flags: KfuncFlag[]): KfuncDesc => ({ set: 'skb', flags });

/** BTF_ID_FLAGS of generic_btf_ids and common_btf_ids (kernel/bpf/helpers.c) and of net/core/filter.c's sets, the kfuncs modelled. */
export const KFUNC_TABLE: Readonly<Record<string, KfuncDesc>> = {
  bpf_throw: { ...generic(), special: 'throw' },
  bpf_obj_new_impl: { ...generic('acquire', 'ret_null'), special: 'obj_new' },
  bpf_obj_drop_impl: { ...generic('release'), special: 'obj_drop' },
  bpf_percpu_obj_new_impl: { ...generic('acquire', 'ret_null'), special: 'percpu_obj_new' },
  // the graph kfuncs (graph.ts); 6.18 refuses a maybe-NULL node as for KF_TRUSTED_ARGS (observed:
  // `Possibly NULL pointer passed to trusted arg1` for bpf_list_push_front_impl and bpf_rbtree_remove)
  bpf_list_push_front_impl: { ...generic('trusted_args'), special: 'graph' },
  bpf_list_push_back_impl: { ...generic('trusted_args'), special: 'graph' },
  bpf_list_pop_front: { ...generic('acquire', 'ret_null', 'trusted_args'), special: 'graph' },
  bpf_list_pop_back: { ...generic('acquire', 'ret_null', 'trusted_args'), special: 'graph' },
  bpf_rbtree_remove: { ...generic('acquire', 'ret_null', 'trusted_args'), special: 'graph' },
  bpf_rbtree_add_impl: { ...generic('trusted_args'), special: 'graph' },
  bpf_rbtree_first: { ...generic('ret_null', 'trusted_args'), special: 'graph' },
  bpf_rbtree_root: { ...generic('ret_null', 'trusted_args'), special: 'graph' },
  bpf_rbtree_left: { ...generic('ret_null', 'trusted_args'), special: 'graph' },
  bpf_rbtree_right: { ...generic('ret_null', 'trusted_args'), special: 'graph' },
  bpf_list_front: { ...generic('ret_null', 'trusted_args'), special: 'graph' },
  bpf_list_back: { ...generic('ret_null', 'trusted_args'), special: 'graph' },
  bpf_task_acquire: generic('acquire', 'rcu', 'ret_null'),
  bpf_task_release: generic('release'),
  bpf_task_from_pid: generic('acquire', 'ret_null'),
  bpf_task_from_vpid: generic('acquire', 'ret_null'),
  bpf_cgroup_acquire: generic('acquire', 'rcu', 'ret_null'),
  bpf_cgroup_release: generic('release'),
  bpf_cgroup_ancestor: generic('acquire', 'rcu', 'ret_null'),
  bpf_cgroup_from_id: generic('acquire', 'ret_null'),
  bpf_task_under_cgroup: generic('rcu'),
  bpf_task_get_cgroup1: generic('acquire', 'rcu', 'ret_null'),
  bpf_send_signal_task: generic('trusted_args'),
  bpf_rcu_read_lock: { ...common(), special: 'rcu_read_lock' },
  bpf_rcu_read_unlock: { ...common(), special: 'rcu_read_unlock' },
  bpf_preempt_disable: { ...common(), special: 'preempt_disable' },
  bpf_preempt_enable: { ...common(), special: 'preempt_enable' },
  bpf_get_kmem_cache: { ...common(), special: 'untrusted_ret' },
  bpf_rdonly_cast: { ...common(), special: 'rdonly_cast' },
  bpf_local_irq_save: { ...common(), special: 'irq_save' },
  bpf_copy_from_user_str: common('sleepable'),
  bpf_copy_from_user_task_str: common('sleepable'),
  bpf_strcmp: common(), bpf_strchr: common(), bpf_strchrnul: common(), bpf_strnchr: common(), bpf_strrchr: common(),
  bpf_strlen: common(), bpf_strnlen: common(), bpf_strspn: common(), bpf_strcspn: common(), bpf_strstr: common(),
  bpf_strnstr: common(),
  bpf_dynptr_adjust: common(), bpf_dynptr_is_null: common(), bpf_dynptr_is_rdonly: common(), bpf_dynptr_size: common(),
  bpf_dynptr_from_skb: skb('trusted_args'),
  bpf_iter_num_new: common('iter_new'),
  bpf_iter_num_next: common('iter_next', 'ret_null'),
  bpf_iter_num_destroy: common('iter_destroy'),
  // no KF_ flags in its set, yet 6.18 checks its pointer as a trusted one (observed: "R1 must be referenced or trusted")
  css_rstat_updated: { set: 'rstat', flags: ['trusted_args'] },
};

/** The program types a kfunc set is registered for (observed on 6.18: generic with prog_types.ts's genericKfuncs). */
function setAllows(env: VerifierEnv, set: KfuncSet): boolean {
  if (set === 'common') return true;
  const t = env.input.progType;
  if (set === 'rstat') return t === P.tracing;
  if (set === 'skb') return SKB_SET_TYPES.includes(t);
  return progTypeInfo(t).genericKfuncs || t === P.struct_ops || t === P.syscall;
}

/** Whether the program type may call kfunc `name` (fetch_kfunc_meta); true for kfuncs the table does not know. */
export function kfuncAllowed(env: VerifierEnv, name: string): boolean {
  const desc = KFUNC_TABLE[name];
  return !desc || setAllows(env, desc.set);
}

/**
 * What check_kfunc_call reads of the tables for kfunc `name`: its descriptor, kfunc_spin_allowed
 * (the bpf_iter_num and graph kfuncs may be called with a lock held) and its graph entry. Found
 * once per name (the tables do not change): one lookup per call.
 */
interface KfuncFacts { desc: KfuncDesc | undefined; spinAllowed: boolean; graph: GraphKfunc | undefined }
const KFUNC_FACTS = new Map<string, KfuncFacts>();
function kfuncFacts(name: string): KfuncFacts {
  let f = KFUNC_FACTS.get(name);
  if (!f) {
    f = { desc: KFUNC_TABLE[name], spinAllowed: /^bpf_iter_num_(new|next|destroy)$/.test(name) || Object.hasOwn(GRAPH_KFUNCS, name), graph: GRAPH_KFUNCS[name] };
    KFUNC_FACTS.set(name, f);
  }
  return f;
}

/** What a kfunc call does to the walk: go on, or an exceptional exit. */
export type KfuncOutcome = 'next' | 'throw';

/** check_kfunc_call */
export function checkKfuncCall(env: VerifierEnv, insn: Insn, idx: number): KfuncOutcome {
  const info = env.layout.kfuncs.get(idx);
  const facts = info ? kfuncFacts(info.name) : undefined;
  const desc = facts?.desc;
  if (!info || !facts || !desc) return notModelled(env, `kfunc ${info?.name ?? insn.imm}`);
  checkCallWhileLocked(env, insn, facts.spinAllowed);
  if (!setAllows(env, desc.set)) fail(env, 'EACCES', 'kfuncNotAllowed', [info.name]);
  if (desc.special === 'throw' && !env.input.vmlinuxBtf) return throwWithoutBtf(env);
  const k = kfuncProto(env, insn.imm, insn.off);
  if (desc.flags.includes('sleepable') && env.input.progType !== P.syscall && !env.input.sleepable) {
    fail(env, 'EACCES', 'kfuncNeedsSleepable', [k.name]);
  }
  if (desc.special === 'graph') graphCallStart(env, k.name);
  const meta = checkKfuncArgs(env, k, desc);
  const graph: GraphKfunc | undefined = k.name === info.name ? facts.graph : GRAPH_KFUNCS[k.name];
  if (graph?.callback) pushRbtreeAddCallback(env, meta.graph, idx);
  rcuSection(env, k, desc);
  preemptSection(env, k, desc);
  if (desc.flags.includes('sleepable') && env.cur.refs.some((r) => r.kind === 'irq')) fail(env, 'EACCES', 'kfuncSleepableInIrq', [k.name]);
  const regs = curFrame(env).regs;
  if (meta.releaseRegno) {
    const r = regs[meta.releaseRegno];
    if (!isPointer(r) || !releaseReference(env, r.refObjId)) fail(env, 'EINVAL', 'kfuncRefNotAcquired', [k.name, k.funcId]);
  }
  if (graph?.insert) convertInsertedNode(env, k.name, k.funcId);
  if (desc.special === 'throw') {
    env.seenException = true;
    // without an exception callback the default one returns the cookie: it is checked as a return value
    if (!env.layout.exceptionCallback) checkReturnCode(env, 1, 'R1');
    for (let r = 0; r <= 5; r++) regs[r] = notInit();
    return 'throw';
  }
  for (let r = 0; r <= 5; r++) { regs[r] = notInit(); scratchReg(env, r); }
  regs[0] = kfuncReturn(env, k, desc, meta, idx);
  if (desc.flags.includes('iter_next') && meta.iter) processIterNextCall(env, meta.iter, idx);
  return 'next';
}

/** bpf_throw(u64 cookie) when the kernel's BTF is not given: its one scalar argument is known. */
function throwWithoutBtf(env: VerifierEnv): KfuncOutcome {
  const regs = curFrame(env).regs;
  scratchReg(env, 1);
  if (regs[1].type !== 'scalar') fail(env, 'EINVAL', 'argNotScalar', [1]);
  env.seenException = true;
  if (!env.layout.exceptionCallback) checkReturnCode(env, 1, 'R1');
  for (let r = 0; r <= 5; r++) regs[r] = notInit();
  return 'throw';
}

/** bpf_rcu_read_lock / unlock and the sleepable kfuncs inside the section. */
function rcuSection(env: VerifierEnv, k: KfuncProto, desc: KfuncDesc): void {
  const refs = env.cur.refs;
  let inRcu = 0; // (the first RCU entry: refs.findIndex without a closure)
  while (inRcu < refs.length && refs[inRcu].kind !== 'rcu') inRcu++;
  if (inRcu === refs.length) inRcu = -1;
  if (inRcu >= 0) {
    if (desc.special === 'rcu_read_lock') fail(env, 'EINVAL', 'nestedRcuLock', [k.name]);
    if (desc.special === 'rcu_read_unlock') {
      for (const f of env.cur.frames) {
        const untrust = (r: RegState): RegState => (isPointer(r) && r.flags & MEM_RCU ? ptrWithIds(r, r.id, r.refObjId, (r.flags & ~(MEM_RCU | PTR_MAYBE_NULL)) | PTR_UNTRUSTED) : r);
        f.regs.forEach((r, i) => { f.regs[i] = untrust(r); });
        mapSpilledRegs(f, untrust);
      }
      refs.splice(inRcu, 1);
    } else if (desc.flags.includes('sleepable')) fail(env, 'EACCES', 'kfuncSleepableInRcu', [k.name]);
  } else if (desc.special === 'rcu_read_lock') {
    refs.push({ kind: 'rcu', id: 0, insnIdx: env.insnIdx });
  } else if (desc.special === 'rcu_read_unlock') fail(env, 'EINVAL', 'unmatchedRcuUnlock', [k.name]);
}

/**
 * bpf_preempt_disable / enable: the nesting count of the preemption-disabled region
 * (active_preempt_locks) and the sleepable kfuncs inside it.
 */
function preemptSection(env: VerifierEnv, k: KfuncProto, desc: KfuncDesc): void {
  const refs = env.cur.refs;
  let level = refs.length - 1;
  while (level >= 0 && refs[level].kind !== 'preempt') level--;
  if (desc.special === 'preempt_disable') refs.push({ kind: 'preempt', id: 0, insnIdx: env.insnIdx });
  else if (desc.special === 'preempt_enable') {
    if (level < 0) fail(env, 'EINVAL', 'unmatchedPreemptEnable', [k.name]);
    refs.splice(level, 1);
  } else if (level >= 0 && desc.flags.includes('sleepable')) fail(env, 'EACCES', 'kfuncSleepableInPreempt', [k.name]);
}

/**
 * bpf_obj_new_impl's R0 before KF_RET_NULL and KF_ACQUIRE apply: PTR_TO_BTF_ID | MEM_ALLOC of
 * the struct that the `local_type_id__k` constant names in the program's BTF.
 */
function objNewReturn(env: VerifierEnv, meta: KfuncArgMeta, percpu: boolean): RegState {
  const id = meta.constArg ?? 0n;
  if (BigInt.asUintN(32, id) !== id) fail(env, 'EINVAL', 'objNewTypeIdRange');
  const btf = env.input.btf;
  if (!btf) fail(env, 'EINVAL', 'objNewNeedsProgBtf');
  const t = btfTypeAt(btf, Number(id));
  if (t?.kind !== 'struct') fail(env, 'EINVAL', 'objNewNotStruct');
  // bpf_percpu_obj_new_impl: at most BPF_GLOBAL_PERCPU_MA_MAX_SIZE bytes of scalars (its refusals are not modelled)
  if (percpu && (t.size > 512 || !t.members.every((m) => ['int', 'enum', 'enum64'].includes(btfTypeAt(btf, skipModifiers(btf, m.type))?.kind ?? '')))) {
    return notModelled(env, 'bpf_percpu_obj_new of a struct that is not at most 512 bytes of scalars');
  }
  return ptrReg('btf_id', { btf: { name: t.name, id: Number(id), vmlinux: false } }, { flags: percpu ? MEM_ALLOC | MEM_PERCPU : MEM_ALLOC });
}

/** R0 from the kfunc's BTF return type. */
function kfuncReturn(env: VerifierEnv, k: KfuncProto, desc: KfuncDesc, meta: KfuncArgMeta, idx: number): RegState {
  if (desc.special === 'rdonly_cast') return rdonlyCastReturn(env, k, meta);
  const t = k.ret;
  const acquire = desc.flags.includes('acquire');
  if (desc.special === 'obj_new' || desc.special === 'percpu_obj_new') {
    return nullAndReference(env, objNewReturn(env, meta, desc.special === 'percpu_obj_new'), desc, idx);
  }
  if (desc.special === 'graph' && GRAPH_KFUNCS[k.name].ret !== 'none') return nullAndReference(env, graphReturn(env, k.name, meta.graph), desc, idx);
  const target = k.retPointee;
  const isStructPtr = t?.kind === 'ptr' && target?.kind === 'struct';
  if (acquire && !isStructPtr) fail(env, 'EINVAL', 'kfuncAcquireNotBtfId');
  if (!t || t.kind !== 'ptr') {
    if (t && t.kind !== 'int' && t.kind !== 'enum' && t.kind !== 'enum64') return notModelled(env, `kfunc ${k.name} returning ${btfTypeStr(t)}`);
    return t ? UNKNOWN_SCALAR_REG : notInit();
  }
  if (!target) return UNKNOWN_SCALAR_REG; // void *: a scalar
  if (target.kind !== 'struct') {
    const size = meta.r0Size ?? k.retSize;
    if (size === undefined) fail(env, 'EINVAL', 'kfuncRetPtrUnsupported', [k.name, btfTypeStr(target), target.name]);
    return retPtr(env, desc, idx, 'mem', { size, dynptrId: 0 }, meta.r0Size !== undefined && !meta.r0Rdonly ? 0 : MEM_RDONLY, meta.refObjId);
  }
  return retPtr(env, desc, idx, 'btf_id', { btf: { name: target.name, id: skipModifiers(k.btf, t.type), vmlinux: true } },
    desc.special === 'untrusted_ret' ? PTR_UNTRUSTED : 0, 0);
}

/** A pointer R0 with nullAndReference's ids and flags given when it is built (one register, not one per step). */
function retPtr<T extends PointerReg['type']>(env: VerifierEnv, desc: KfuncDesc, idx: number, type: T, extra: PtrExtra<T>, flags: number,
  refObjId: number): RegState {
  let id = 0;
  const retNull = desc.flags.includes('ret_null');
  if (retNull) { id = ++env.idGen; flags |= PTR_MAYBE_NULL; }
  if (desc.flags.includes('acquire')) {
    refObjId = acquireReference(env, idx);
    if (retNull) id = refObjId;
  }
  return ptrReg(type, extra, { id, refObjId, flags });
}

/** KF_RET_NULL (a fresh id for the NULL check) and KF_ACQUIRE (a reference acquired at `idx`) on R0. */
function nullAndReference(env: VerifierEnv, r0: RegState, desc: KfuncDesc, idx: number): RegState {
  if (!isPointer(r0)) return r0;
  if (desc.flags.includes('ret_null')) r0 = ptrWithIds(r0, ++env.idGen, r0.refObjId, r0.flags | PTR_MAYBE_NULL);
  if (desc.flags.includes('acquire')) {
    const id = acquireReference(env, idx);
    r0 = ptrWithIds(r0, desc.flags.includes('ret_null') ? id : r0.id, id, r0.flags);
  }
  return r0;
}

/** bpf_rdonly_cast(obj, btf_id__k): an untrusted pointer to the vmlinux struct named by the constant. */
function rdonlyCastReturn(env: VerifierEnv, k: KfuncProto, meta: KfuncArgMeta): RegState {
  const id = Number(meta.constArg ?? 0n);
  const t = btfTypeAt(k.btf, id);
  if (t?.kind !== 'struct') return notModelled(env, `bpf_rdonly_cast to ${t ? btfTypeStr(t) : `type id ${id}`}`);
  return ptrReg('btf_id', { btf: { name: t.name, id, vmlinux: true } }, { flags: PTR_UNTRUSTED });
}
