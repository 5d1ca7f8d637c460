// Context access per program type: the is_valid_access of each struct
// bpf_verifier_ops (net/core/filter.c: bpf_skb_is_valid_access,
// sk_filter_is_valid_access, cg_skb_is_valid_access, lwt_is_valid_access,
// tc_cls_act_is_valid_access, xdp_is_valid_access, sk_skb_is_valid_access,
// sk_msg_is_valid_access, flow_dissector_is_valid_access, bpf_sock_is_valid_access
// with sock_filter_is_valid_access, sock_addr_is_valid_access,
// sock_ops_is_valid_access; kernel/trace/bpf_trace.c: kprobe_prog_is_valid_access,
// tp_prog_is_valid_access, pe_prog_is_valid_access, raw_tp_prog_is_valid_access;
// kernel/bpf/cgroup.c: cgroup_dev_is_valid_access, sysctl_is_valid_access,
// cg_sockopt_is_valid_access) with bpf_ctx_narrow_access_ok and
// bpf_ctx_wide_access_ok (include/linux/filter.h). The context structs' layouts
// are data (offsets of include/uapi/linux/bpf.h on x86-64, checked against the
// kernel's BTF in test/verifier/ctx.test.ts).
import { PROG_TYPES as P, ATTACH_TYPES as A } from './types';

/** What a context load yields besides a scalar (info->reg_type). */
export type CtxRegType = 'scalar' | 'pkt' | 'pkt_meta' | 'pkt_end' | 'sock_common_or_null' | 'sock' | 'sock_or_null' | 'flow_keys';

export interface CtxAccess {
  /** Offset into the context (insn off; the register's fixed offset is known 0 here). */
  off: number;
  size: number;
  write: boolean;
  /** The program's expected attach type. */
  attach: number;
  /** bpf_capable() of the loader. */
  capable: boolean;
}

/** is_valid_access: false, or the register type a read gives. */
export type CtxAnswer = false | CtxRegType;
export type CtxRule = (a: CtxAccess) => CtxAnswer;

/** A field of a context struct: [offset, size]. */
type Field = readonly [number, number];
const end = (f: Field): number => f[0] + f[1];
/** bpf_ctx_range(T, f): every offset of the field. */
const inField = (off: number, f: Field): boolean => off >= f[0] && off < end(f);
/** bpf_ctx_range_till(T, a, b): from a's start to b's last byte. */
const inTill = (off: number, a: Field, b: Field): boolean => off >= a[0] && off < end(b);

/** struct __sk_buff */
export const SK_BUFF = {
  size: 192,
  len: [0, 4], pkt_type: [4, 4], mark: [8, 4], queue_mapping: [12, 4], protocol: [16, 4], vlan_present: [20, 4],
  vlan_tci: [24, 4], vlan_proto: [28, 4], priority: [32, 4], ingress_ifindex: [36, 4], ifindex: [40, 4], tc_index: [44, 4],
  cb: [48, 20], hash: [68, 4], tc_classid: [72, 4], data: [76, 4], data_end: [80, 4], napi_id: [84, 4], family: [88, 4],
  remote_ip4: [92, 4], local_ip4: [96, 4], remote_ip6: [100, 16], local_ip6: [116, 16], remote_port: [132, 4],
  local_port: [136, 4], data_meta: [140, 4], flow_keys: [144, 8], tstamp: [152, 8], wire_len: [160, 4], gso_segs: [164, 4],
  sk: [168, 8], gso_size: [176, 4], tstamp_type: [180, 1], hwtstamp: [184, 8],
} as const;
/** struct xdp_md */
export const XDP_MD = {
  size: 24, data: [0, 4], data_end: [4, 4], data_meta: [8, 4], ingress_ifindex: [12, 4], rx_queue_index: [16, 4], egress_ifindex: [20, 4],
} as const;
/** struct bpf_sock */
export const BPF_SOCK = {
  size: 80, bound_dev_if: [0, 4], family: [4, 4], type: [8, 4], protocol: [12, 4], mark: [16, 4], priority: [20, 4],
  src_ip4: [24, 4], src_ip6: [28, 16], src_port: [44, 4], dst_port: [48, 2], dst_ip4: [52, 4], dst_ip6: [56, 16],
  state: [72, 4], rx_queue_mapping: [76, 4],
} as const;
/** struct bpf_sock_addr */
export const BPF_SOCK_ADDR = {
  size: 72, user_family: [0, 4], user_ip4: [4, 4], user_ip6: [8, 16], user_port: [24, 4], family: [28, 4], type: [32, 4],
  protocol: [36, 4], msg_src_ip4: [40, 4], msg_src_ip6: [44, 16], sk: [64, 8],
} as const;
/** struct bpf_sock_ops */
export const BPF_SOCK_OPS = {
  size: 224, op: [0, 4], reply: [4, 4], family: [20, 4], sk_txhash: [164, 4], bytes_received: [168, 8], bytes_acked: [176, 8],
  sk: [184, 8], skb_data: [192, 8], skb_data_end: [200, 8], skb_len: [208, 4], skb_tcp_flags: [212, 4], skb_hwtstamp: [216, 8],
} as const;
/** struct bpf_sockopt */
export const BPF_SOCKOPT = {
  size: 40, sk: [0, 8], optval: [8, 8], optval_end: [16, 8], level: [24, 4], optname: [28, 4], optlen: [32, 4], retval: [36, 4],
} as const;
/** struct sk_msg_md */
export const SK_MSG_MD = {
  size: 80, data: [0, 8], data_end: [8, 8], family: [16, 4], remote_ip4: [20, 4], local_ip4: [24, 4], remote_ip6: [28, 16],
  local_ip6: [44, 16], remote_port: [60, 4], local_port: [64, 4], msg_size: [68, 4], sk: [72, 8],
} as const;
/** struct bpf_perf_event_data (x86-64: regs are a struct pt_regs of 168 bytes) */
export const PERF_EVENT_DATA = { size: 184, sample_period: [168, 8], addr: [176, 8] } as const;
/** sizeof(struct pt_regs) on x86-64 */
export const PT_REGS_SIZE = 168;
/** struct bpf_cgroup_dev_ctx */
export const CGROUP_DEV_CTX = { size: 12, access_type: [0, 4] } as const;
/** struct bpf_sysctl */
export const BPF_SYSCTL = { size: 8, write: [0, 4], file_pos: [4, 4] } as const;

/** MAX_BPF_FUNC_ARGS */
const MAX_BPF_FUNC_ARGS = 12;
/** PERF_MAX_TRACE_SIZE */
const PERF_MAX_TRACE_SIZE = 8192;

/** bpf_ctx_narrow_access_ok */
const narrowOk = (size: number, sizeDefault: number): boolean => size <= sizeDefault && (size & (size - 1)) === 0;
/** bpf_ctx_wide_access_ok */
const wideOk = (off: number, size: number, f: Field): boolean => size === 8 && off >= f[0] && off + 8 <= end(f) && off % 8 === 0;

/** bpf_skb_is_valid_access: the __sk_buff rules every skb program type ends with. */
function skbAccess(a: CtxAccess, read: CtxRegType = 'scalar'): CtxAnswer {
  const S = SK_BUFF;
  const { off, size, write } = a;
  if (off < 0 || off >= S.size || off % size !== 0) return false;
  if (inField(off, S.cb)) return off + size > end(S.cb) ? false : read;
  if (inField(off, S.remote_ip6) || inField(off, S.local_ip6) || inField(off, S.remote_ip4) || inField(off, S.local_ip4)
    || inField(off, S.data) || inField(off, S.data_meta) || inField(off, S.data_end)) return size !== 4 ? false : read;
  if (inField(off, S.flow_keys)) return false;
  if (inField(off, S.hwtstamp)) return write || size !== 8 ? false : read;
  if (inField(off, S.tstamp)) return size !== 8 ? false : read;
  if (inField(off, S.sk)) return write || size !== 8 ? false : 'sock_common_or_null';
  if (off === S.tstamp_type[0]) return false;
  if (off >= end(S.tstamp_type) && off < S.hwtstamp[0]) return false;
  if (write) return size !== 4 ? false : read;
  return narrowOk(size, 4) ? read : false;
}

/** The packet pointer fields of __sk_buff for the types that have them. */
function skbPacketField(off: number, meta: boolean): CtxRegType | null {
  if (inField(off, SK_BUFF.data)) return 'pkt';
  if (inField(off, SK_BUFF.data_end)) return 'pkt_end';
  if (meta && inField(off, SK_BUFF.data_meta)) return 'pkt_meta';
  return null;
}

const anyOf = (off: number, fields: readonly Field[]): boolean => fields.some((f) => inField(off, f));
const S = SK_BUFF;
const SOCK_FIELDS: readonly Field[] = [S.family, S.remote_ip4, S.local_ip4, S.remote_ip6, S.local_ip6, S.remote_port, S.local_port];

/** sk_filter_is_valid_access (socket filters) */
const skFilterAccess: CtxRule = (a) => {
  if (anyOf(a.off, [S.tc_classid, S.data, S.data_meta, S.data_end, ...SOCK_FIELDS, S.tstamp, S.wire_len, S.hwtstamp])) return false;
  if (a.write && !inField(a.off, S.cb)) return false;
  return skbAccess(a);
};

/** cg_skb_is_valid_access */
const cgSkbAccess: CtxRule = (a) => {
  if (anyOf(a.off, [S.tc_classid, S.data_meta, S.wire_len])) return false;
  if ((inField(a.off, S.data) || inField(a.off, S.data_end)) && !a.capable) return false;
  if (a.write && !anyOf(a.off, [S.mark, S.priority, S.cb]) && !(inField(a.off, S.tstamp) && a.capable)) return false;
  const ok = skbAccess(a);
  return ok && (skbPacketField(a.off, false) ?? ok);
};

/** lwt_is_valid_access */
const lwtAccess: CtxRule = (a) => {
  if (anyOf(a.off, [S.tc_classid, ...SOCK_FIELDS, S.data_meta, S.tstamp, S.wire_len, S.hwtstamp])) return false;
  if (a.write && !anyOf(a.off, [S.mark, S.priority, S.cb])) return false;
  const ok = skbAccess(a);
  return ok && (skbPacketField(a.off, false) ?? ok);
};

/** tc_cls_act_is_valid_access */
const tcAccess: CtxRule = (a) => {
  if (a.write && !anyOf(a.off, [S.mark, S.tc_index, S.priority, S.tc_classid, S.cb, S.tstamp, S.queue_mapping])) return false;
  const pkt = skbPacketField(a.off, true);
  if (anyOf(a.off, SOCK_FIELDS)) return false;
  if (a.off === S.tstamp_type[0]) return a.size === 1 ? 'scalar' : false;
  const ok = skbAccess(a);
  return ok && (pkt ?? ok);
};

/** sk_skb_is_valid_access */
const skSkbAccess: CtxRule = (a) => {
  if (anyOf(a.off, [S.tc_classid, S.data_meta, S.tstamp, S.wire_len, S.hwtstamp])) return false;
  if (a.write && !anyOf(a.off, [S.tc_index, S.priority])) return false;
  if (inField(a.off, S.mark)) return false;
  const ok = skbAccess(a);
  return ok && (skbPacketField(a.off, false) ?? ok);
};

/** flow_dissector_is_valid_access */
const flowDissectorAccess: CtxRule = (a) => {
  if (a.off < 0 || a.off >= S.size || a.write || a.off % a.size !== 0) return false;
  if (inField(a.off, S.data)) return a.size === 4 ? 'pkt' : false;
  if (inField(a.off, S.data_end)) return a.size === 4 ? 'pkt_end' : false;
  if (inField(a.off, S.flow_keys)) return a.size === 8 ? 'flow_keys' : false;
  return false;
};

/** xdp_is_valid_access (programs not bound to a device) */
const xdpAccess: CtxRule = (a) => {
  const X = XDP_MD;
  if (a.attach !== A.xdp_devmap && a.off === X.egress_ifindex[0]) return false;
  if (a.write) return false;
  if (a.off < 0 || a.off >= X.size || a.off % a.size !== 0 || a.size !== 4) return false;
  if (a.off === X.data[0]) return 'pkt';
  if (a.off === X.data_meta[0]) return 'pkt_meta';
  if (a.off === X.data_end[0]) return 'pkt_end';
  return 'scalar';
};

/** bpf_sock_is_valid_access */
export function bpfSockAccess(a: CtxAccess): boolean {
  const K = BPF_SOCK;
  const { off, size } = a;
  if (off < 0 || off >= K.size || off % size !== 0) return false;
  if (([K.state[0], K.family[0], K.type[0], K.protocol[0], K.src_port[0], K.rx_queue_mapping[0]] as number[]).includes(off)
    || anyOf(off, [K.src_ip4, K.src_ip6, K.dst_ip4, K.dst_ip6])) return narrowOk(size, 4);
  if (inField(off, K.dst_port)) return narrowOk(size, size === 4 ? 4 : K.dst_port[1]);
  if (off >= end(K.dst_port) && off < K.dst_ip4[0]) return false;
  return size === 4;
}

/** bpf_sock_common_is_valid_access: type .. priority are not sock_common fields. */
export const bpfSockCommonAccess = (a: CtxAccess): boolean =>
  !(a.off >= BPF_SOCK.type[0] && a.off < BPF_SOCK.priority[0] + 4) && bpfSockAccess(a);

/** sizeof(struct bpf_flow_keys) */
export const FLOW_KEYS_SIZE = 56;

/** sock_filter_is_valid_access with __sock_filter_check_attach_type (cgroup_sock) */
const sockFilterAccess: CtxRule = (a) => {
  const K = BPF_SOCK;
  if (!bpfSockAccess(a)) return false;
  const readOnly = a.write ? false : 'scalar';
  if (([K.bound_dev_if[0], K.mark[0], K.priority[0]] as number[]).includes(a.off)) {
    return a.attach === A.cgroup_inet_sock_create || a.attach === A.cgroup_inet_sock_release ? 'scalar' : false;
  }
  if (inField(a.off, K.src_ip4)) return a.attach === A.cgroup_inet4_post_bind ? readOnly : false;
  if (inField(a.off, K.src_ip6)) return a.attach === A.cgroup_inet6_post_bind ? readOnly : false;
  if (inField(a.off, K.src_port)) return a.attach === A.cgroup_inet4_post_bind || a.attach === A.cgroup_inet6_post_bind ? readOnly : false;
  return readOnly;
};

const SOCK_ADDR_IP4 = [A.cgroup_inet4_bind, A.cgroup_inet4_connect, A.cgroup_inet4_getpeername, A.cgroup_inet4_getsockname,
  A.cgroup_udp4_sendmsg, A.cgroup_udp4_recvmsg];
const SOCK_ADDR_IP6 = [A.cgroup_inet6_bind, A.cgroup_inet6_connect, A.cgroup_inet6_getpeername, A.cgroup_inet6_getsockname,
  A.cgroup_udp6_sendmsg, A.cgroup_udp6_recvmsg];

/** sock_addr_is_valid_access (cgroup_sock_addr) */
const sockAddrAccess: CtxRule = (a) => {
  const K = BPF_SOCK_ADDR;
  const { off, size, write, attach } = a;
  if (off < 0 || off >= K.size || off % size !== 0) return false;
  if (inField(off, K.user_ip4) && !SOCK_ADDR_IP4.includes(attach)) return false;
  if (inField(off, K.user_ip6) && !SOCK_ADDR_IP6.includes(attach)) return false;
  if (inField(off, K.msg_src_ip4) && attach !== A.cgroup_udp4_sendmsg) return false;
  if (inField(off, K.msg_src_ip6) && attach !== A.cgroup_udp6_sendmsg) return false;
  if (anyOf(off, [K.user_ip4, K.user_ip6, K.msg_src_ip4, K.msg_src_ip6, K.user_port])) {
    if (wideOk(off, size, K.user_ip6) || wideOk(off, size, K.msg_src_ip6)) return 'scalar';
    return (write ? size === 4 : narrowOk(size, 4)) ? 'scalar' : false;
  }
  if (inField(off, K.sk)) return !write && size === 8 ? 'sock' : false;
  // the padding before sk
  if (off >= end(K.msg_src_ip6) && off < K.sk[0]) return false;
  return !write && size === 4 ? 'scalar' : false;
};

/** sock_ops_is_valid_access */
const sockOpsAccess: CtxRule = (a) => {
  const K = BPF_SOCK_OPS;
  const { off, size } = a;
  if (off < 0 || off >= K.size || off % size !== 0) return false;
  if (a.write) return (off === K.reply[0] || off === K.sk_txhash[0]) && size === 4 ? 'scalar' : false;
  if (off >= K.bytes_received[0] && off < end(K.bytes_acked)) return size === 8 ? 'scalar' : false;
  if (inField(off, K.sk)) return size === 8 ? 'sock_or_null' : false;
  if (inField(off, K.skb_data)) return size === 8 ? 'pkt' : false;
  if (inField(off, K.skb_data_end)) return size === 8 ? 'pkt_end' : false;
  if (inField(off, K.skb_hwtstamp)) return size === 8 ? 'scalar' : false;
  if (off === K.skb_tcp_flags[0]) return narrowOk(size, 4) ? 'scalar' : false;
  return size === 4 ? 'scalar' : false;
};

/** sk_msg_is_valid_access */
const skMsgAccess: CtxRule = (a) => {
  const K = SK_MSG_MD;
  if (a.write || a.off % a.size !== 0) return false;
  if (a.off === K.data[0]) return a.size === 8 ? 'pkt' : false;
  if (a.off === K.data_end[0]) return a.size === 8 ? 'pkt_end' : false;
  if (a.off === K.sk[0]) return a.size === 8 ? 'sock' : false;
  if (anyOf(a.off, [K.family, K.remote_ip4, K.local_ip4, K.remote_ip6, K.local_ip6, K.remote_port, K.local_port, K.msg_size])) {
    return a.size === 4 ? 'scalar' : false;
  }
  return false;
};

/** cg_sockopt_is_valid_access */
const sockoptAccess: CtxRule = (a) => {
  const K = BPF_SOCKOPT;
  const { off, size, attach } = a;
  if (off < 0 || off >= K.size || off % size !== 0) return false;
  if (a.write) {
    if (off === K.retval[0]) return size === 4 && attach === A.cgroup_getsockopt ? 'scalar' : false;
    if (off === K.optname[0] || off === K.level[0]) return size === 4 && attach === A.cgroup_setsockopt ? 'scalar' : false;
    if (off === K.optlen[0]) return size === 4 ? 'scalar' : false;
    return false;
  }
  if (inField(off, K.sk)) return size === 8 ? 'sock' : false;
  if (inField(off, K.optval)) return size === 8 ? 'pkt' : false;
  if (inField(off, K.optval_end)) return size === 8 ? 'pkt_end' : false;
  if (inField(off, K.retval)) return size === 4 && attach === A.cgroup_getsockopt ? 'scalar' : false;
  return size === 4 ? 'scalar' : false;
};

/** kprobe_prog_is_valid_access */
const kprobeAccess: CtxRule = (a) =>
  a.off >= 0 && a.off < PT_REGS_SIZE && !a.write && a.off % a.size === 0 && a.off + a.size <= PT_REGS_SIZE ? 'scalar' : false;

/** tp_prog_is_valid_access (`off < sizeof(void *)` compares unsigned: negative offsets pass it) */
const tracepointAccess: CtxRule = (a) =>
  (a.off >>> 0) >= 8 && a.off < PERF_MAX_TRACE_SIZE && !a.write && a.off % a.size === 0 ? 'scalar' : false;

/** pe_prog_is_valid_access */
const perfEventAccess: CtxRule = (a) => {
  const K = PERF_EVENT_DATA;
  if (a.off < 0 || a.off >= K.size || a.write || a.off % a.size !== 0) return false;
  if (inField(a.off, K.sample_period) || inField(a.off, K.addr)) return narrowOk(a.size, 8) ? 'scalar' : false;
  return a.size === 8 ? 'scalar' : false;
};

/** raw_tp_prog_is_valid_access (bpf_tracing_ctx_access) */
const rawTpAccess: CtxRule = (a) =>
  a.off >= 0 && a.off < 8 * MAX_BPF_FUNC_ARGS && !a.write && a.off % a.size === 0 ? 'scalar' : false;

/** cgroup_dev_is_valid_access */
const cgroupDevAccess: CtxRule = (a) => {
  if (a.write || a.off < 0 || a.off + a.size > CGROUP_DEV_CTX.size || a.off % a.size !== 0) return false;
  if (inField(a.off, CGROUP_DEV_CTX.access_type)) return narrowOk(a.size, 4) ? 'scalar' : false;
  return a.size === 4 ? 'scalar' : false;
};

/** sysctl_is_valid_access */
const sysctlAccess: CtxRule = (a) => {
  if (a.off < 0 || a.off + a.size > BPF_SYSCTL.size || a.off % a.size !== 0) return false;
  if (inField(a.off, BPF_SYSCTL.write)) return !a.write && narrowOk(a.size, 4) ? 'scalar' : false;
  if (inField(a.off, BPF_SYSCTL.file_pos)) return (a.write ? a.size === 4 : narrowOk(a.size, 4)) ? 'scalar' : false;
  return false;
};

/** The is_valid_access of each program type the model knows; others are `not modelled yet`. */
export const CTX_RULES: Readonly<Record<number, CtxRule>> = {
  [P.socket_filter]: skFilterAccess,
  [P.sched_cls]: tcAccess,
  [P.sched_act]: tcAccess,
  [P.cgroup_skb]: cgSkbAccess,
  [P.lwt_in]: lwtAccess,
  [P.lwt_out]: lwtAccess,
  [P.lwt_xmit]: lwtAccess,
  [P.sk_skb]: skSkbAccess,
  [P.sk_msg]: skMsgAccess,
  [P.flow_dissector]: flowDissectorAccess,
  [P.xdp]: xdpAccess,
  [P.cgroup_sock]: sockFilterAccess,
  [P.cgroup_sock_addr]: sockAddrAccess,
  [P.sock_ops]: sockOpsAccess,
  [P.cgroup_sockopt]: sockoptAccess,
  [P.kprobe]: kprobeAccess,
  [P.tracepoint]: tracepointAccess,
  [P.perf_event]: perfEventAccess,
  [P.raw_tracepoint]: rawTpAccess,
  [P.cgroup_device]: cgroupDevAccess,
  [P.cgroup_sysctl]: sysctlAccess,
};
