// convert_ctx_accesses (kernel/bpf/verifier.c) with the convert_ctx_access of each
// bpf_verifier_ops as data (net/core/filter.c: bpf_convert_ctx_access,
// tc_cls_act_convert_ctx_access, sk_filter/cg_skb's, xdp_convert_ctx_access,
// sock_filter_convert_ctx_access / bpf_sock_convert_ctx_access,
// sock_ops_convert_ctx_access, flow_dissector_convert_ctx_access). Loads and stores
// through the context become loads and stores of the kernel's own structs (sk_buff,
// xdp_buff, sock, bpf_sock_ops_kern, ...) at the offsets of the kernel answered for,
// read from its BTF (never the offsets of one build); narrow loads of a wider field
// load the field and shift and mask, as the kernel does. Program types whose ops
// have no convert_ctx_access (kprobe, tracepoint, raw tracepoint, tracing) keep
// their loads. Templates were read off the 6.18 kernel's xlated dumps. PURE.
import { Insn, insn } from '../isa/insn';
import {
  BPF_CLASS, BPF_MODE, BPF_SIZE, BPF_LDX, BPF_STX, BPF_ST, BPF_MEM, BPF_MEMSX, BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32,
  BPF_AND, BPF_RSH, BPF_LSH, BPF_ADD, BPF_SUB, BPF_MOV, BPF_XOR, BPF_X, BPF_K, BPF_JEQ, BPF_JNE, BPF_JGE, BPF_JSET, BPF_JA, BPF_CALL, BPF_EXIT,
  BPF_B, BPF_H, BPF_W, BPF_DW,
} from '../isa/opcodes';
import { Btf } from '../btf/btf';
import { helperId } from '../isa/helpers';
import { findByName, findMember, typeSize } from '../btf/lookup';
import { PROG_TYPES as P } from './types';
import { SK_BUFF, XDP_MD, BPF_SOCK, BPF_SOCK_OPS, SK_MSG_MD, PERF_EVENT_DATA, PT_REGS_SIZE, BPF_SYSCTL, BPF_SOCKOPT, BPF_SOCK_ADDR } from './ctx';

/** BPF_REG_AX */
const AX = 11;

/** A register of a template: the access's dst_reg or src_reg (as the kernel's convert functions name them), or AX. */
type Reg = 'dst' | 'src' | 'ax';

/**
 * One step of a conversion. A kernel field is `struct.member` (anonymous members looked
 * through) or a sum of them with `+` (`sk_buff.cb+qdisc_skb_cb.data`); `:N` forces the
 * size (a zero-length marker such as `__pkt_type_offset` reads one byte).
 */
type Step =
  /** to = *(field size *)(base + field); `access`: plus the access's offset into the ctx field, at the access size. */
  | { ld: Reg; base: Reg; field: string; access?: boolean }
  /** *(size *)(base + field) = the access's value (register or immediate) */
  | { st: Reg; field: string; access?: boolean }
  /** *(field size *)(base + field) = reg */
  | { stReg: Reg; base: Reg; field: string }
  | { alu32: number; reg: Reg; imm: number }
  | { alu64: number; reg: Reg; imm: number }
  | { alu64x: number; reg: Reg; src: Reg }
  | { jmp: number; reg: Reg; imm: number; off: number; w32?: boolean }
  /** *target_size, when it is not the last load's field size */
  | { target: number }
  /** the sequence needs dst_reg and src_reg to differ (the kernel has another one otherwise) */
  | { distinct: true };

interface FieldConv {
  /** [offset, size] in the uapi struct */
  at: readonly [number, number];
  /** Reads record ctx_field_size (narrow loads of this field are allowed and masked). */
  narrow: boolean;
  read?: readonly Step[];
  write?: readonly Step[];
  /** The conversion when the program also reads __sk_buff's tstamp_type (prog->tstamp_type_access). */
  withTstampTypeAccess?: { read: readonly Step[]; write: readonly Step[] };
}

/** A program type's convert_ctx_access as a table; null: the type's ops have none (loads stay). */
export type CtxConvTable = readonly FieldConv[] | null;

const ld = (field: string, base: Reg = 'src', to: Reg = 'dst'): Step => ({ ld: to, base, field });
const st = (field: string): Step => ({ st: 'dst', field });
const and32 = (imm: number): Step => ({ alu32: BPF_AND, reg: 'dst', imm });
const f = (at: readonly [number, number], read: readonly Step[] | undefined, write?: readonly Step[], narrow = true): FieldConv => ({ at, narrow, read, write });
/** A 4-byte field read and written as one kernel field. */
const rw = (at: readonly [number, number], field: string): FieldConv => f(at, [ld(field)], [st(field)]);
/** u32 elements of an array field (remote_ip6[4], ...), each its own field of the kernel. */
const words = (at: readonly [number, number], field: (i: number) => string, base: Reg = 'src', via?: string): FieldConv[] =>
  Array.from({ length: at[1] / 4 }, (_, i) => f([at[0] + 4 * i, 4], [...(via ? [ld(via, base)] : []), ld(field(i), via ? 'dst' : base)]));

/** skb_shinfo(skb): head + end */
const SHINFO: readonly Step[] = [ld('sk_buff.end', 'src', 'ax'), ld('sk_buff.head'), { alu64x: BPF_ADD, reg: 'dst', src: 'ax' }];
/** The sock_common fields __sk_buff and bpf_sock_ops read through the socket (sk_buff.sk / bpf_sock_ops_kern.sk). */
const sockCommon = (sk: string, o: { family: readonly [number, number]; remote_ip4: readonly [number, number]; local_ip4: readonly [number, number];
  remote_ip6: readonly [number, number]; local_ip6: readonly [number, number]; remote_port: readonly [number, number]; local_port: readonly [number, number] }): FieldConv[] => [
  f(o.family, [ld(sk), ld('sock_common.skc_family', 'dst')]),
  f(o.remote_ip4, [ld(sk), ld('sock_common.skc_daddr', 'dst')]),
  f(o.local_ip4, [ld(sk), ld('sock_common.skc_rcv_saddr', 'dst')]),
  ...words(o.remote_ip6, (i) => `sock_common.skc_v6_daddr+in6_addr.in6_u:${4}+${4 * i}`, 'src', sk),
  ...words(o.local_ip6, (i) => `sock_common.skc_v6_rcv_saddr+in6_addr.in6_u:${4}+${4 * i}`, 'src', sk),
  f(o.remote_port, [ld(sk), ld('sock_common.skc_dport', 'dst'), { alu32: BPF_LSH, reg: 'dst', imm: 16 }, { target: 4 }]),
  f(o.local_port, [ld(sk), ld('sock_common.skc_num', 'dst')]),
];

/** TC_AT_INGRESS_MASK and SKB_TSTAMP_TYPE_MASK in the byte at __mono_tc_offset */
const TC_AT_INGRESS_MASK = 0x4, SKB_TSTAMP_TYPE_MASK = 0x3;
const MONO_TC = 'sk_buff.__mono_tc_offset:1';
/**
 * __sk_buff.tstamp (bpf_convert_tstamp_read/_write): at tc ingress a delivery time reads
 * as 0 and a write clears the timestamp type, unless the program reads tstamp_type itself.
 */
const TSTAMP: FieldConv = {
  at: SK_BUFF.tstamp, narrow: false,
  read: [ld(MONO_TC, 'src', 'ax'), { jmp: BPF_JSET, reg: 'ax', imm: TC_AT_INGRESS_MASK, off: 1, w32: true }, { jmp: BPF_JA, reg: 'dst', imm: 0, off: 4 },
    { jmp: BPF_JSET, reg: 'ax', imm: SKB_TSTAMP_TYPE_MASK, off: 1, w32: true }, { jmp: BPF_JA, reg: 'dst', imm: 0, off: 2 },
    { alu64: BPF_MOV, reg: 'dst', imm: 0 }, { jmp: BPF_JA, reg: 'dst', imm: 0, off: 1 }, ld('sk_buff.tstamp')],
  write: [{ ld: 'ax', base: 'dst', field: MONO_TC }, { jmp: BPF_JSET, reg: 'ax', imm: TC_AT_INGRESS_MASK, off: 1, w32: true },
    { jmp: BPF_JA, reg: 'dst', imm: 0, off: 2 }, { alu32: BPF_AND, reg: 'ax', imm: ~SKB_TSTAMP_TYPE_MASK }, { stReg: 'ax', base: 'dst', field: MONO_TC },
    st('sk_buff.tstamp')],
  withTstampTypeAccess: { read: [ld('sk_buff.tstamp')], write: [st('sk_buff.tstamp')] },
};

/** __sk_buff fields every skb program type converts alike (bpf_convert_ctx_access). */
const SKB_COMMON: FieldConv[] = [
  f(SK_BUFF.len, [ld('sk_buff.len')]),
  f(SK_BUFF.pkt_type, [ld('sk_buff.__pkt_type_offset:1'), and32(7), { target: 1 }]),
  f(SK_BUFF.queue_mapping, [ld('sk_buff.queue_mapping')],
    [{ jmp: BPF_JGE, reg: 'src', imm: 0xffff, off: 1 }, st('sk_buff.queue_mapping')]),
  f(SK_BUFF.protocol, [ld('sk_buff.protocol')]),
  f(SK_BUFF.vlan_present, [ld('sk_buff.vlan_all'), { jmp: BPF_JEQ, reg: 'dst', imm: 0, off: 1 }, { alu32: BPF_MOV, reg: 'dst', imm: 1 }]),
  f(SK_BUFF.vlan_tci, [ld('sk_buff.vlan_tci')]),
  f(SK_BUFF.vlan_proto, [ld('sk_buff.vlan_proto')]),
  f(SK_BUFF.ingress_ifindex, [ld('sk_buff.skb_iif')]),
  f(SK_BUFF.hash, [ld('sk_buff.hash')]),
  f(SK_BUFF.napi_id, [ld('sk_buff.napi_id'), { jmp: BPF_JGE, reg: 'dst', imm: 0x101, off: 1 }, { alu64: BPF_MOV, reg: 'dst', imm: 0 }]),
  f(SK_BUFF.cb, [{ ld: 'dst', base: 'src', field: 'sk_buff.cb+qdisc_skb_cb.data', access: true }],
    [{ st: 'dst', field: 'sk_buff.cb+qdisc_skb_cb.data', access: true }], false),
  f(SK_BUFF.data, [ld('sk_buff.data')], undefined, false),
  f(SK_BUFF.data_end, [ld('sk_buff.cb+bpf_skb_data_end.data_end')], undefined, false),
  f(SK_BUFF.wire_len, [ld('sk_buff.cb+qdisc_skb_cb.pkt_len')]),
  f(SK_BUFF.gso_segs, [...SHINFO, ld('skb_shared_info.gso_segs', 'dst')]),
  f(SK_BUFF.gso_size, [...SHINFO, ld('skb_shared_info.gso_size', 'dst')]),
  f(SK_BUFF.hwtstamp, [...SHINFO, ld('skb_shared_info.hwtstamps', 'dst')], undefined, false),
  f(SK_BUFF.sk, [ld('sk_buff.sk')], undefined, false),
  f(SK_BUFF.tstamp_type, [ld('sk_buff.__mono_tc_offset:1'), and32(3), { target: 1 }]),
  TSTAMP,
  rw(SK_BUFF.mark, 'sk_buff.mark'),
  rw(SK_BUFF.priority, 'sk_buff.priority'),
  ...sockCommon('sk_buff.sk', { family: SK_BUFF.family, remote_ip4: SK_BUFF.remote_ip4, local_ip4: SK_BUFF.local_ip4,
    remote_ip6: SK_BUFF.remote_ip6, local_ip6: SK_BUFF.local_ip6, remote_port: SK_BUFF.remote_port, local_port: SK_BUFF.local_port }),
];
/** ifindex: through skb->dev, checked for NULL where the device may be missing. */
const IFINDEX_CHECKED = f(SK_BUFF.ifindex, [ld('sk_buff.dev'), { jmp: BPF_JEQ, reg: 'dst', imm: 0, off: 1 }, ld('net_device.ifindex', 'dst')]);
/** tc_cls_act_convert_ctx_access: the device is always there; tc_classid and data_meta live in the cb. */
const TC: FieldConv[] = [
  f(SK_BUFF.ifindex, [ld('sk_buff.dev'), ld('net_device.ifindex', 'dst')]),
  rw(SK_BUFF.tc_classid, 'sk_buff.cb+qdisc_skb_cb.tc_classid'),
  f(SK_BUFF.data_meta, [ld('sk_buff.cb+bpf_skb_data_end.data_meta')], undefined, false),
  f(SK_BUFF.tc_index, [ld('sk_buff.tc_index')], [st('sk_buff.tc_index')]),
  ...SKB_COMMON,
];
const CGROUP_SKB: FieldConv[] = [IFINDEX_CHECKED, f(SK_BUFF.tc_index, [ld('sk_buff.tc_index')]), ...SKB_COMMON];
const SOCKET_FILTER: FieldConv[] = [IFINDEX_CHECKED, f(SK_BUFF.tc_index, [ld('sk_buff.tc_index')]), ...SKB_COMMON];

/** xdp_convert_ctx_access */
const XDP: FieldConv[] = [
  f(XDP_MD.data, [ld('xdp_buff.data')], undefined, false),
  f(XDP_MD.data_end, [ld('xdp_buff.data_end')], undefined, false),
  f(XDP_MD.data_meta, [ld('xdp_buff.data_meta')], undefined, false),
  f(XDP_MD.ingress_ifindex, [ld('xdp_buff.rxq'), ld('xdp_rxq_info.dev', 'dst'), ld('net_device.ifindex', 'dst')], undefined, false),
  f(XDP_MD.rx_queue_index, [ld('xdp_buff.rxq'), ld('xdp_rxq_info.queue_index', 'dst')], undefined, false),
  f(XDP_MD.egress_ifindex, [ld('xdp_buff.txq'), ld('xdp_txq_info.dev', 'dst'), ld('net_device.ifindex', 'dst')], undefined, false),
];

/** bpf_sock_convert_ctx_access (the cgroup_sock context; sockets from lookups use the same rules). */
const SOCK: FieldConv[] = [
  rw(BPF_SOCK.bound_dev_if, 'sock_common.skc_bound_dev_if'),
  rw(BPF_SOCK.mark, 'sock.sk_mark'),
  rw(BPF_SOCK.priority, 'sock.sk_priority'),
  f(BPF_SOCK.family, [ld('sock_common.skc_family')]),
  f(BPF_SOCK.type, [ld('sock.sk_type')]),
  f(BPF_SOCK.protocol, [ld('sock.sk_protocol')]),
  f(BPF_SOCK.src_ip4, [ld('sock_common.skc_rcv_saddr')]),
  f(BPF_SOCK.dst_ip4, [ld('sock_common.skc_daddr')]),
  f(BPF_SOCK.src_port, [ld('sock_common.skc_num')]),
  f(BPF_SOCK.state, [ld('sock_common.skc_state')]),
  f(BPF_SOCK.dst_port, [ld('sock_common.skc_dport')]),
  f(BPF_SOCK.rx_queue_mapping, [ld('sock_common.skc_rx_queue_mapping'), { jmp: BPF_JNE, reg: 'dst', imm: 0xffff, off: 1 }, { alu32: BPF_MOV, reg: 'dst', imm: -1 }, { target: 4 }]),
  ...words(BPF_SOCK.src_ip6, (i) => `sock_common.skc_v6_rcv_saddr+in6_addr.in6_u:${4}+${4 * i}`),
  ...words(BPF_SOCK.dst_ip6, (i) => `sock_common.skc_v6_daddr+in6_addr.in6_u:${4}+${4 * i}`),
];

/**
 * SOCK_OPS_GET_TCP_SOCK_FIELD: a tcp_sock (or sock) field read only when the socket is a
 * locked full TCP socket, else 0 (the flag loaded into dst first: dst and src must differ;
 * the kernel's other sequence for dst == src is not modelled).
 */
const tcpField = (at: readonly [number, number], field: string): FieldConv => f(at, [{ distinct: true },
  ld('bpf_sock_ops_kern.is_locked_tcp_sock'), { jmp: BPF_JEQ, reg: 'dst', imm: 0, off: 2 }, ld('bpf_sock_ops_kern.sk'), ld(field, 'dst')], undefined, false);
const TCP_SOCK_FIELDS: ReadonlyArray<readonly [number, number, string]> = [
  [76, 4, 'snd_cwnd'], [80, 4, 'srtt_us'], [84, 4, 'bpf_sock_ops_cb_flags'], [96, 4, 'snd_ssthresh'], [100, 4, 'rcv_nxt'],
  [104, 4, 'snd_nxt'], [108, 4, 'snd_una'], [112, 4, 'mss_cache'], [116, 4, 'ecn_flags'], [120, 4, 'rate_delivered'],
  [124, 4, 'rate_interval_us'], [128, 4, 'packets_out'], [132, 4, 'retrans_out'], [136, 4, 'total_retrans'], [140, 4, 'segs_in'],
  [144, 4, 'data_segs_in'], [148, 4, 'segs_out'], [152, 4, 'data_segs_out'], [156, 4, 'lost_out'], [160, 4, 'sacked_out'],
  [168, 8, 'bytes_received'], [176, 8, 'bytes_acked'],
];
/** sock_ops_convert_ctx_access, the fields through the full socket and the skb. */
const SOCK_OPS_FULL: FieldConv[] = [
  ...TCP_SOCK_FIELDS.map(([off, size, name]) => tcpField([off, size], `tcp_sock.${name}`)),
  tcpField([164, 4], 'sock.sk_txhash'),
  f([88, 4], [ld('bpf_sock_ops_kern.sk'), ld('sock_common.skc_state', 'dst')], undefined, false),
  f([92, 4], [ld('bpf_sock_ops_kern.sk'), ld('tcp_sock.rtt_min+minmax_sample.v', 'dst')], undefined, false),
  f(BPF_SOCK_OPS.sk, [{ distinct: true }, ld('bpf_sock_ops_kern.is_fullsock'), { jmp: BPF_JEQ, reg: 'dst', imm: 0, off: 1 }, ld('bpf_sock_ops_kern.sk')], undefined, false),
  f(BPF_SOCK_OPS.skb_data, [ld('bpf_sock_ops_kern.skb'), { jmp: BPF_JEQ, reg: 'dst', imm: 0, off: 1 }, ld('sk_buff.data', 'dst')], undefined, false),
  f(BPF_SOCK_OPS.skb_data_end, [ld('bpf_sock_ops_kern.skb_data_end')], undefined, false),
  f(BPF_SOCK_OPS.skb_len, [ld('bpf_sock_ops_kern.skb'), { jmp: BPF_JEQ, reg: 'dst', imm: 0, off: 1 }, ld('sk_buff.len', 'dst')], undefined, false),
  f(BPF_SOCK_OPS.skb_tcp_flags, [ld('bpf_sock_ops_kern.skb'), { jmp: BPF_JEQ, reg: 'dst', imm: 0, off: 1 }, ld('sk_buff.cb+tcp_skb_cb.tcp_flags', 'dst')]),
  f(BPF_SOCK_OPS.skb_hwtstamp, [ld('bpf_sock_ops_kern.skb'), { jmp: BPF_JEQ, reg: 'dst', imm: 0, off: 4 }, ld('sk_buff.end', 'dst', 'ax'), ld('sk_buff.head', 'dst'),
    { alu64x: BPF_ADD, reg: 'dst', src: 'ax' }, ld('skb_shared_info.hwtstamps', 'dst')], undefined, false),
];

/** sock_ops_convert_ctx_access, the fields that do not need a full socket. */
const SOCK_OPS: FieldConv[] = [
  f(BPF_SOCK_OPS.op, [ld('bpf_sock_ops_kern.op')], undefined, false),
  f([4, 16], [{ ld: 'dst', base: 'src', field: 'bpf_sock_ops_kern.args', access: true }],
    [{ st: 'dst', field: 'bpf_sock_ops_kern.args', access: true }], false),
  f([72, 4], [ld('bpf_sock_ops_kern.is_fullsock')], undefined, false),
  ...sockCommon('bpf_sock_ops_kern.sk', { family: BPF_SOCK_OPS.family, remote_ip4: [24, 4], local_ip4: [28, 4], remote_ip6: [32, 16],
    local_ip6: [48, 16], remote_port: [64, 4], local_port: [68, 4] }).map((c) => ({ ...c, narrow: false })),
  ...SOCK_OPS_FULL,
];

/** flow_dissector_convert_ctx_access */
const FLOW_DISSECTOR: FieldConv[] = [
  f(SK_BUFF.data, [ld('bpf_flow_dissector.data')], undefined, false),
  f(SK_BUFF.data_end, [ld('bpf_flow_dissector.data_end')], undefined, false),
  f(SK_BUFF.flow_keys, [ld('bpf_flow_dissector.flow_keys')], undefined, false),
];

/** sk_skb_convert_ctx_access: the cb is sk_skb_cb's, data_end is computed from the length. */
const SK_SKB: FieldConv[] = [
  IFINDEX_CHECKED, f(SK_BUFF.tc_index, [ld('sk_buff.tc_index')], [st('sk_buff.tc_index')]),
  f(SK_BUFF.cb, [{ ld: 'dst', base: 'src', field: 'sk_buff.cb+sk_skb_cb.data', access: true }],
    [{ st: 'dst', field: 'sk_buff.cb+sk_skb_cb.data', access: true }], false),
  f(SK_BUFF.data_end, [ld('sk_buff.data'), ld('sk_buff.len', 'src', 'ax'), { alu64x: BPF_ADD, reg: 'dst', src: 'ax' },
    ld('sk_buff.data_len', 'src', 'ax'), { alu64x: BPF_SUB, reg: 'dst', src: 'ax' }], undefined, false),
  ...SKB_COMMON,
];

/** sk_msg_convert_ctx_access */
const SK_MSG: FieldConv[] = [
  f(SK_MSG_MD.data, [ld('sk_msg.data')], undefined, false),
  f(SK_MSG_MD.data_end, [ld('sk_msg.data_end')], undefined, false),
  f(SK_MSG_MD.msg_size, [ld('sk_msg.sg.size')], undefined, false),
  f(SK_MSG_MD.sk, [ld('sk_msg.sk')], undefined, false),
  ...sockCommon('sk_msg.sk', { family: SK_MSG_MD.family, remote_ip4: SK_MSG_MD.remote_ip4, local_ip4: SK_MSG_MD.local_ip4,
    remote_ip6: SK_MSG_MD.remote_ip6, local_ip6: SK_MSG_MD.local_ip6, remote_port: SK_MSG_MD.remote_port, local_port: SK_MSG_MD.local_port })
    .map((c) => ({ ...c, narrow: false })),
];

/** pe_prog_convert_ctx_access: the registers through data->regs, the sample through data->data. */
const PERF_EVENT: FieldConv[] = [
  f(PERF_EVENT_DATA.sample_period, [ld('bpf_perf_event_data_kern.data'), ld('perf_sample_data.period', 'dst')]),
  f(PERF_EVENT_DATA.addr, [ld('bpf_perf_event_data_kern.data'), ld('perf_sample_data.addr', 'dst')]),
  f([0, PT_REGS_SIZE], [ld('bpf_perf_event_data_kern.regs'), { ld: 'dst', base: 'dst', field: '0', access: true }], undefined, false),
];

/** sysctl_convert_ctx_access (reads) */
const SYSCTL: FieldConv[] = [
  f(BPF_SYSCTL.write, [ld('bpf_sysctl_kern.write')]),
  f(BPF_SYSCTL.file_pos, [ld('bpf_sysctl_kern.ppos'), { ld: 'dst', base: 'dst', field: '0', access: true }]),
];

/** cg_sockopt_convert_ctx_access (reads) */
const SOCKOPT: FieldConv[] = [
  f(BPF_SOCKOPT.sk, [ld('bpf_sockopt_kern.sk')], undefined, false),
  f(BPF_SOCKOPT.optval, [ld('bpf_sockopt_kern.optval')], undefined, false),
  f(BPF_SOCKOPT.optval_end, [ld('bpf_sockopt_kern.optval_end')], undefined, false),
  f(BPF_SOCKOPT.level, [ld('bpf_sockopt_kern.level')], undefined, false),
  f(BPF_SOCKOPT.optname, [ld('bpf_sockopt_kern.optname')], undefined, false),
  f(BPF_SOCKOPT.optlen, [ld('bpf_sockopt_kern.optlen')], undefined, false),
  f(BPF_SOCKOPT.retval, [ld('bpf_sockopt_kern.current_task'), ld('task_struct.bpf_ctx', 'dst'), ld('bpf_cg_run_ctx.retval', 'dst')], undefined, false),
];

/** sock_addr_convert_ctx_access (the reads every attach type has) */
const SOCK_ADDR: FieldConv[] = [
  f(BPF_SOCK_ADDR.user_family, [ld('bpf_sock_addr_kern.uaddr'), ld('sockaddr.sa_family', 'dst')]),
  f(BPF_SOCK_ADDR.user_ip4, [ld('bpf_sock_addr_kern.uaddr'), ld('sockaddr_in.sin_addr', 'dst')]),
  f(BPF_SOCK_ADDR.user_port, [ld('bpf_sock_addr_kern.uaddr'), ld('sockaddr_in.sin_port', 'dst')]),
  f(BPF_SOCK_ADDR.family, [ld('bpf_sock_addr_kern.sk'), ld('sock_common.skc_family', 'dst')]),
  f(BPF_SOCK_ADDR.type, [ld('bpf_sock_addr_kern.sk'), ld('sock.sk_type', 'dst')]),
  f(BPF_SOCK_ADDR.protocol, [ld('bpf_sock_addr_kern.sk'), ld('sock.sk_protocol', 'dst')]),
  f(BPF_SOCK_ADDR.sk, [ld('bpf_sock_addr_kern.sk')]),
];

/** sk_lookup_convert_ctx_access: the IPv6 addresses through pointers that may be NULL */
const v6Words = (at: number, ptr: string): FieldConv[] => Array.from({ length: 4 }, (_, i) =>
  f([at + 4 * i, 4], [ld(ptr), { jmp: BPF_JEQ, reg: 'dst', imm: 0, off: 1 }, ld(`in6_addr.in6_u:4+${4 * i}`, 'dst')], undefined, false));
const SK_LOOKUP: FieldConv[] = [
  f([0, 8], [ld('bpf_sk_lookup_kern.selected_sk')], undefined, false),
  f([8, 4], [ld('bpf_sk_lookup_kern.family')], undefined, false),
  f([12, 4], [ld('bpf_sk_lookup_kern.protocol')], undefined, false),
  f([16, 4], [ld('bpf_sk_lookup_kern.v4.saddr')], undefined, false),
  ...v6Words(20, 'bpf_sk_lookup_kern.v6.saddr'),
  f([36, 4], [ld('bpf_sk_lookup_kern.sport')], undefined, false),
  f([40, 4], [ld('bpf_sk_lookup_kern.v4.daddr')], undefined, false),
  ...v6Words(44, 'bpf_sk_lookup_kern.v6.daddr'),
  f([60, 4], [ld('bpf_sk_lookup_kern.dport')], undefined, false),
  f([64, 4], [ld('bpf_sk_lookup_kern.ingress_ifindex')], undefined, false),
];

/** The table by program type; absent: not modelled yet. */
export const CTX_CONVERSIONS: Readonly<Record<number, CtxConvTable>> = {
  [P.sched_cls]: TC,
  [P.sched_act]: TC,
  [P.socket_filter]: SOCKET_FILTER,
  [P.cgroup_skb]: CGROUP_SKB,
  [P.xdp]: XDP,
  [P.cgroup_sock]: SOCK,
  [P.sock_ops]: SOCK_OPS,
  [P.flow_dissector]: FLOW_DISSECTOR,
  [P.sk_skb]: SK_SKB,
  [P.sk_msg]: SK_MSG,
  [P.perf_event]: PERF_EVENT,
  [P.cgroup_sysctl]: SYSCTL,
  [P.cgroup_sockopt]: SOCKOPT,
  [P.cgroup_sock_addr]: SOCK_ADDR,
  [P.sk_lookup]: SK_LOOKUP,
  [P.kprobe]: null,
  [P.tracepoint]: null,
  [P.raw_tracepoint]: null,
  [P.raw_tracepoint_writable]: null,
  [P.tracing]: null,
};

/** Pointer types whose loads convert_ctx_accesses rewrites with another table than the program's. */
export const SOCK_POINTER_TABLE: Readonly<Record<string, readonly FieldConv[]>> = { sock: SOCK, sock_common: SOCK };

/**
 * gen_prologue: a tc program that writes packet data unclones the skb first
 * (bpf_unclone_prologue: if skb->cloned, bpf_skb_pull_data(skb, 0), TC_ACT_SHOT when
 * it fails). Instructions before the program's first; a string: why not modelled.
 */
export function ctxPrologue(progType: number, directWrite: boolean, btf: Btf | undefined): Insn[] | string {
  if (!directWrite || (progType !== P.sched_cls && progType !== P.sched_act)) return [];
  if (!btf) return 'the kernel\'s BTF';
  const cloned = kernelField(btf, 'sk_buff.__cloned_offset:1');
  if (typeof cloned === 'string') return cloned;
  const pullData = helperId('bpf_skb_pull_data')!;
  const TC_ACT_SHOT = 2, CLONED_MASK = 1;
  return [
    insn(BPF_LDX | BPF_MEM | BPF_B, 6, 1, cloned.off, 0), insn(BPF_ALU | BPF_AND | BPF_K, 6, 0, 0, CLONED_MASK),
    insn(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 7, 0), insn(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0), insn(BPF_ALU64 | BPF_XOR | BPF_X, 2, 2, 0, 0),
    insn(BPF_JMP | BPF_CALL, 0, 0, 0, pullData), insn(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, 0), insn(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, TC_ACT_SHOT),
    insn(BPF_JMP | BPF_EXIT), insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
  ];
}

const SIZE_CODE: Record<number, number> = { 1: BPF_B, 2: BPF_H, 4: BPF_W, 8: BPF_DW };
const BYTES: Record<number, number> = { [BPF_B]: 1, [BPF_H]: 2, [BPF_W]: 4, [BPF_DW]: 8 };

/**
 * A kernel field's offset and size from BTF, or the reason it cannot be found:
 * `struct.member[.member...]` (nested through named and anonymous members), parts
 * summed with `+`, a plain number as an offset, `:N` forcing the size.
 */
function kernelField(btf: Btf, spec: string): { off: number; size: number } | string {
  let off = 0, size = 0;
  for (const part of spec.split('+')) {
    if (/^\d+$/.test(part)) { off += Number(part); continue; }
    const [path, forced] = part.split(':');
    const [struct, ...members] = path.split('.');
    let id = findByName(btf, struct, 'struct');
    if (id === undefined) return `struct ${struct} in the kernel's BTF`;
    for (const member of members) {
      const m = findMember(btf, id, member);
      if (!m || m.bitfieldSize || m.bitOffset % 8) return `${path} in the kernel's BTF`;
      off += m.bitOffset / 8;
      id = m.member.type;
    }
    size = forced ? Number(forced) : typeSize(btf, id);
  }
  return { off, size };
}

/** One ctx access as the walk saw it. */
export interface CtxUse {
  insn: Insn;
  table: readonly FieldConv[];
  /** prog->tstamp_type_access: the program reads __sk_buff's tstamp_type somewhere. */
  tstampTypeAccess: boolean;
}

/** The __sk_buff offset whose access sets prog->tstamp_type_access. */
export const TSTAMP_TYPE_OFFSET = SK_BUFF.tstamp_type[0];

/**
 * The instructions one context load or store becomes (convert_ctx_accesses' loop body
 * with the type's convert_ctx_access), or the reason it is not modelled.
 */
export function convertCtxAccess(btf: Btf, use: CtxUse): Insn[] | string {
  const x = use.insn;
  const cls = BPF_CLASS(x.code);
  const write = cls === BPF_STX || cls === BPF_ST;
  const size = BYTES[BPF_SIZE(x.code)];
  const conv = use.table.find((c) => x.off >= c.at[0] && x.off < c.at[0] + c.at[1]);
  const variant = conv && use.tstampTypeAccess && conv.withTstampTypeAccess ? conv.withTstampTypeAccess : conv;
  const steps = variant && (write ? variant.write : variant.read);
  if (!conv || !steps) return `the ${write ? 'store to' : 'load from'} context offset ${x.off}`;
  const ctxFieldSize = !write && conv.narrow ? conv.at[1] : 0;
  const narrower = size < ctxFieldSize;
  const off = narrower ? x.off & ~(ctxFieldSize - 1) : x.off;
  const regs: Record<Reg, number> = { dst: x.dst, src: x.src, ax: AX };
  const out: Insn[] = [];
  let targetSize = 0;
  for (const s of steps) {
    if ('stReg' in s) {
      const k = kernelField(btf, s.field);
      if (typeof k === 'string') return k;
      out.push(insn(BPF_STX | BPF_MEM | SIZE_CODE[k.size], regs[s.base], regs[s.stReg], k.off, 0));
    } else if ('ld' in s || 'st' in s) {
      const k = kernelField(btf, s.field);
      if (typeof k === 'string') return k;
      const at = k.off + (s.access ? off - conv.at[0] : 0);
      // a narrowed load reads the whole ctx field
      const sz = s.access ? (narrower ? ctxFieldSize : size) : k.size;
      if (!(sz in SIZE_CODE)) return `a ${sz}-byte kernel field`;
      if ('ld' in s) { out.push(insn(BPF_LDX | BPF_MEM | SIZE_CODE[sz], regs[s.ld], regs[s.base], at, 0)); targetSize = sz; continue; }
      out.push(cls === BPF_ST ? insn(BPF_ST | BPF_MEM | SIZE_CODE[sz], regs[s.st], 0, at, x.imm) : insn(BPF_STX | BPF_MEM | SIZE_CODE[sz], regs[s.st], x.src, at, 0));
    } else if ('alu32' in s) out.push(insn(BPF_ALU | s.alu32 | BPF_K, regs[s.reg], 0, 0, s.imm));
    else if ('alu64' in s) out.push(insn(BPF_ALU64 | s.alu64 | BPF_K, regs[s.reg], 0, 0, s.imm));
    else if ('alu64x' in s) out.push(insn(BPF_ALU64 | s.alu64x | BPF_X, regs[s.reg], regs[s.src], 0, 0));
    else if ('jmp' in s) {
      if (cls === BPF_ST && s.reg === 'src') return 'a store of an immediate to a checked context field';
      out.push(s.jmp === BPF_JA ? insn(BPF_JMP | BPF_JA, 0, 0, s.off, 0) : insn((s.w32 ? BPF_JMP32 : BPF_JMP) | s.jmp | BPF_K, regs[s.reg], 0, s.off, s.imm));
    } else if ('distinct' in s) {
      if (x.dst === x.src) return 'a context load into its own base register (sock_ops temporaries)';
    } else targetSize = s.target;
  }
  if (narrower && size < targetSize) {
    const shift = (x.off & (ctxFieldSize - 1)) * 8;
    if (shift) out.push(insn((ctxFieldSize <= 4 ? BPF_ALU : BPF_ALU64) | BPF_RSH | BPF_K, x.dst, 0, 0, shift));
    out.push(insn(BPF_ALU | BPF_AND | BPF_K, x.dst, 0, 0, size === 4 ? -1 : (1 << (size * 8)) - 1));
  }
  if (BPF_MODE(x.code) === BPF_MEMSX) out.push(insn(BPF_ALU64 | BPF_MOV | BPF_X, x.dst, x.dst, size * 8, 0));
  return out;
}

