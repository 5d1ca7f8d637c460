// The context of BTF-typed tracing programs: tracing_prog_is_valid_access (kernel/trace/
// bpf_trace.c) over btf_ctx_access (kernel/bpf/btf.c). The context is an array of u64
// argument slots typed by the attach target's FUNC_PROTO in vmlinux BTF (attach_btf_id):
// for tp_btf the `btf_trace_<name>` typedef, whose first parameter (the tracepoint's
// `void *__data`) is not the program's; for fentry/fexit/fmod_ret the FUNC, whose return
// value follows the arguments for fexit and fmod_ret. Scalars read as unknown scalars;
// pointers to structs read as PTR_TO_BTF_ID, trusted for tp_btf (prog_args_trusted).
import { Btf } from '../btf/btf';
import { BtfFuncProto, BtfType } from '../btf/types';
import { VerifierEnv, notModelled } from './env';
import { verbose } from './log';
import { RegState, PTR_TRUSTED, ptrReg, scalarReg } from './state';
import { scalarUnknown } from './scalar_bridge';
import { btfTypeAt, skipModifiers } from './btf_view';
import { btfTypeStr } from './kfunc_btf';
import { ATTACH_TYPES as A, PROG_TYPES as P } from './types';

/** MAX_BPF_FUNC_ARGS */
const MAX_BPF_FUNC_ARGS = 12;

/**
 * Tracepoints whose BTF arguments the kernel never marks PTR_MAYBE_NULL (they are not in
 * raw_tp_null_args), checked on this machine's kernel; for the ones listed with a mask,
 * argument i is nullable when bit 4*i is set (the kernel's nibble per argument). Other
 * tracepoints' pointer arguments are `not modelled yet`: their nullability is a kernel table.
 */
const RAW_TP_NULL_ARGS: Readonly<Record<string, number>> = {
  task_newtask: 0, task_rename: 0, sys_enter: 0, sys_exit: 0, sched_switch: 0, sched_wakeup: 0, sched_wakeup_new: 0,
  sched_process_exec: 0, sched_process_fork: 0, sched_process_exit: 0, sched_process_free: 0, kfree_skb: 0x1000,
  consume_skb: 0, netif_receive_skb: 0, net_dev_queue: 0,
};

/** The attach target's name, prototype and whether its first parameter is the tracepoint's data. */
interface Target { tname: string; proto: BtfFuncProto; tp: boolean }

function attachTarget(env: VerifierEnv, btf: Btf): Target {
  const id = env.input.attachBtfId ?? 0;
  const t = btfTypeAt(btf, id);
  if (t?.kind === 'typedef' && t.name.startsWith('btf_trace_')) {
    const ptr = btfTypeAt(btf, t.type);
    const proto = ptr?.kind === 'ptr' ? btfTypeAt(btf, ptr.type) : undefined;
    if (proto?.kind === 'func_proto') return { tname: t.name.slice('btf_trace_'.length), proto, tp: true };
  }
  if (t?.kind === 'func') {
    const proto = btfTypeAt(btf, t.type);
    if (proto?.kind === 'func_proto') return { tname: t.name, proto, tp: false };
  }
  return notModelled(env, `the attach target ${id} of a tracing program`);
}

const isScalarArg = (t: BtfType | undefined): boolean =>
  !!t && ((t.kind === 'int' && t.size <= 8) || t.kind === 'enum' || t.kind === 'enum64' || t.kind === 'struct' || t.kind === 'union');

/** The result of a context read of a tracing program, false when btf_ctx_access refuses it (it says why in the log). */
export function tracingCtxAccess(env: VerifierEnv, off: number, size: number, write: boolean): RegState | false {
  const attach = env.input.expectedAttachType ?? 0;
  if (env.input.progType !== P.tracing || attach !== A.trace_raw_tp) return notModelled(env, 'the context of fentry, fexit, fmod_ret and iterator programs');
  if (off < 0 || off >= 8 * MAX_BPF_FUNC_ARGS || write || off % size !== 0) return false;
  const btf = env.input.vmlinuxBtf;
  if (!btf) return notModelled(env, 'kernel BTF (btf_vmlinux) is not given');
  const { tname, proto, tp } = attachTarget(env, btf);
  const say = (s: string): void => verbose(env.log, s + '\n');
  if (off % 8) { say(`func '${tname}' offset ${off} is not multiple of 8`); return false; }
  const arg = off / 8;
  const params = tp ? proto.params.slice(1) : proto.params;
  if (arg >= params.length) { say(`func '${tname}' doesn't have ${arg + 1}-th argument`); return false; }
  const t = btfTypeAt(btf, skipModifiers(btf, params[arg].type));
  if (isScalarArg(t)) return scalarReg(scalarUnknown());
  if (t?.kind !== 'ptr') return notModelled(env, `a tracing argument of BTF kind ${t?.kind ?? 'void'}`);
  if (size !== 8) { say(`func '${tname}' size ${size} must be 8`); return false; }
  const pointeeId = skipModifiers(btf, t.type);
  const pointee = btfTypeAt(btf, pointeeId);
  if (btfTypeAt(btf, t.type)?.kind === 'type_tag') return notModelled(env, 'type-tagged tracing arguments');
  if (pointee?.kind !== 'struct') return notModelled(env, `a tracing argument pointing to ${btfTypeStr(pointee)}`);
  const nullMask = RAW_TP_NULL_ARGS[tname];
  if (nullMask === undefined) return notModelled(env, `whether the kernel marks the arguments of tracepoint ${tname} nullable (raw_tp_null_args)`);
  if ((nullMask >> (4 * arg)) & 0xf) return notModelled(env, `nullable argument ${arg} of tracepoint ${tname}`);
  say(`func '${tname}' arg${arg} has btf_id ${pointeeId} type STRUCT '${pointee.name}'`);
  return ptrReg('btf_id', { btf: { name: pointee.name, id: pointeeId, vmlinux: true } }, { flags: PTR_TRUSTED });
}
