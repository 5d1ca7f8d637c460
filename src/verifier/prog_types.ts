// What the verifier knows per program type, as data: the kernel's bpf_verifier_ops
// and the per-type rules spread over verifier.c and syscall.c. One entry per type:
// expected attach types checked at load (bpf_prog_load_check_attach), the return
// value range (check_return_code, by expected attach type), which fields of the
// context read as plain scalars (is_valid_access, the part modelled), whether the
// generic kfunc set with bpf_throw is registered for it (observed on 6.18), and
// the types whose load-time requirements this model does not check.
import { PROG_TYPES as P, ATTACH_TYPES as A } from './types';

/** check_return_code's range: inclusive bounds, any value, or a rule this model does not know. */
export type RetRange = { min: number; max: number } | 'any' | 'unsupported';

export interface RetRule {
  default: RetRange;
  /** Ranges for given expected attach types, first match wins. */
  byAttach?: ReadonlyArray<readonly [readonly number[], RetRange]>;
  /** The range when the program has an attach BTF id (raw_tp with BTF). */
  withAttachBtfId?: RetRange;
}

/** Context offsets that read as an unknown u32 with an aligned 4-byte load. */
export interface CtxU32Reads { from: number; to: number }

export interface ProgTypeInfo {
  /** Expected attach types accepted at load; absent: any. */
  expectedAttach?: readonly number[];
  /** bpf_prog_load_fixup_attach_type: the expected attach type a load without one gets. */
  defaultAttach?: number;
  ret: RetRule;
  ctxU32Reads: readonly CtxU32Reads[];
  /** The generic kfunc set (bpf_throw among it) is registered for this type. */
  genericKfuncs: boolean;
  /** Load-time requirements this model does not check: the verdict is `not modelled yet: ...`. */
  unmodelled?: string;
  /** The same for some expected attach types only. */
  unmodelledAttach?: readonly (readonly [readonly number[], string])[];
}

const ANY: RetRule = { default: 'any' };
const ZERO_ONE: RetRange = { min: 0, max: 1 };
/** __sk_buff: len .. ifindex are u32 fields read as they are (the ctx rewrite loads the skb field). */
const SKB_U32: readonly CtxU32Reads[] = [{ from: 0, to: 40 }];
/** xdp_md: ingress_ifindex and rx_queue_index (data, data_end, data_meta are packet pointers). */
const XDP_U32: readonly CtxU32Reads[] = [{ from: 12, to: 16 }];

const info = (over: Partial<ProgTypeInfo>): ProgTypeInfo => ({ ret: ANY, ctxU32Reads: [], genericKfuncs: false, ...over });

const SOCK_ADDR_ATTACH = [A.cgroup_inet4_bind, A.cgroup_inet6_bind, A.cgroup_inet4_connect, A.cgroup_inet6_connect,
  A.cgroup_udp4_sendmsg, A.cgroup_udp6_sendmsg, A.cgroup_udp4_recvmsg, A.cgroup_udp6_recvmsg, A.cgroup_inet4_getpeername,
  A.cgroup_inet6_getpeername, A.cgroup_inet4_getsockname, A.cgroup_inet6_getsockname, A.cgroup_unix_connect,
  A.cgroup_unix_sendmsg, A.cgroup_unix_recvmsg, A.cgroup_unix_getpeername, A.cgroup_unix_getsockname];
const SOCK_ADDR_ONE = [A.cgroup_udp4_recvmsg, A.cgroup_udp6_recvmsg, A.cgroup_unix_recvmsg, A.cgroup_inet4_getpeername,
  A.cgroup_inet6_getpeername, A.cgroup_unix_getpeername, A.cgroup_inet4_getsockname, A.cgroup_inet6_getsockname,
  A.cgroup_unix_getsockname];

/** The table, by enum bpf_prog_type. */
export const PROG_TYPE_INFO: Readonly<Record<number, ProgTypeInfo>> = {
  [P.socket_filter]: info({ ctxU32Reads: SKB_U32 }),
  [P.kprobe]: info({ ret: { default: 'any', byAttach: [[[A.trace_kprobe_session], ZERO_ONE]] } }),
  [P.sched_cls]: info({ ctxU32Reads: SKB_U32, genericKfuncs: true }),
  [P.sched_act]: info({ ctxU32Reads: SKB_U32 }),
  [P.tracepoint]: info({ genericKfuncs: true }),
  [P.xdp]: info({ ctxU32Reads: XDP_U32, genericKfuncs: true }),
  [P.perf_event]: info({ genericKfuncs: true }),
  [P.cgroup_skb]: info({ ret: { default: ZERO_ONE, byAttach: [[[A.cgroup_inet_egress], 'unsupported']] }, genericKfuncs: true }),
  [P.cgroup_sock]: info({
    expectedAttach: [0, A.cgroup_inet_sock_create, A.cgroup_inet_sock_release, A.cgroup_inet4_post_bind, A.cgroup_inet6_post_bind],
    defaultAttach: A.cgroup_inet_sock_create, ret: { default: ZERO_ONE }, genericKfuncs: true,
  }),
  [P.sock_ops]: info({ ret: { default: ZERO_ONE }, genericKfuncs: true }),
  [P.cgroup_device]: info({ ret: { default: ZERO_ONE }, genericKfuncs: true }),
  [P.raw_tracepoint]: info({ ret: { default: 'any', withAttachBtfId: { min: 0, max: 0 } } }),
  [P.cgroup_sock_addr]: info({
    expectedAttach: SOCK_ADDR_ATTACH,
    ret: { default: ZERO_ONE, byAttach: [[SOCK_ADDR_ONE, { min: 1, max: 1 }], [[A.cgroup_inet4_bind, A.cgroup_inet6_bind], { min: 0, max: 3 }]] },
  }),
  [P.lirc_mode2]: info({ unmodelled: 'lirc_mode2 programs' }),
  [P.cgroup_sysctl]: info({ ret: { default: ZERO_ONE }, genericKfuncs: true }),
  [P.cgroup_sockopt]: info({ expectedAttach: [A.cgroup_getsockopt, A.cgroup_setsockopt], ret: { default: ZERO_ONE } }),
  [P.tracing]: info({
    ret: { default: 'unsupported', byAttach: [[[A.trace_fentry, A.trace_fexit], { min: 0, max: 0 }],
      [[A.trace_raw_tp, A.modify_return], 'any'], [[A.trace_iter], ZERO_ONE]] },
    genericKfuncs: true,
    // fentry, fexit and fmod_ret loads fail with EPERM and no log on this machine's kernel (no
    // CONFIG_FUNCTION_TRACER): the model does not claim to know which kernels load them
    unmodelledAttach: [[[A.trace_fentry, A.trace_fexit, A.modify_return], 'fentry, fexit and fmod_ret programs (this kernel refuses their load with EPERM before verifying)']],
  }),
  [P.struct_ops]: info({ ret: { default: 'unsupported' }, genericKfuncs: true, unmodelled: 'struct_ops programs' }),
  [P.ext]: info({ unmodelled: 'freplace (ext) programs' }),
  [P.lsm]: info({ ret: { default: 'unsupported' }, unmodelled: 'LSM programs' }),
  [P.sk_lookup]: info({ expectedAttach: [A.sk_lookup], ret: { default: ZERO_ONE } }),
  [P.syscall]: info({ genericKfuncs: true, unmodelled: 'syscall programs' }),
  [P.netfilter]: info({ expectedAttach: [A.netfilter], ret: { default: ZERO_ONE } }),
};

const DEFAULT_INFO: ProgTypeInfo = info({});

export const progTypeInfo = (progType: number): ProgTypeInfo => PROG_TYPE_INFO[progType] ?? DEFAULT_INFO;

/** check_return_code's range for a program of this type and expected attach type. */
export function returnRange(progType: number, attach: number, hasAttachBtfId: boolean): RetRange {
  const rule = progTypeInfo(progType).ret;
  if (hasAttachBtfId && rule.withAttachBtfId) return rule.withAttachBtfId;
  for (const [types, range] of rule.byAttach ?? []) if (types.includes(attach)) return range;
  return rule.default;
}
