// libbpf's SEC() name -> program type table (section_defs[] and
// sec_def_matches() in tools/lib/bpf/libbpf.c). A trailing '+' means the name
// matches exactly or followed by '/...'.

import { AttachTypeName, ProgTypeName } from '../isa/uapi';

/**
 * Attach types libbpf's table names that src/isa/uapi.ts does not number:
 * multi-function tracing, not in a kernel release yet (a load of such a
 * program is refused as an unknown attach type).
 */
export type UnnumberedAttachType = 'trace_fentry_multi' | 'trace_fexit_multi' | 'trace_fsession_multi';

export interface SecDef {
  sec: string;
  progType: ProgTypeName;
  /** Expected attach type name (BPF_* without the prefix, lower case), '' when 0. */
  attach: AttachTypeName | UnnumberedAttachType | '';
  sleepable?: boolean;
}

const D = (sec: string, progType: ProgTypeName, attach: SecDef['attach'] = '', sleepable = false): SecDef => ({ sec, progType, attach, sleepable });

export const SECTION_DEFS: readonly SecDef[] = [
  D('socket', 'socket_filter'),
  D('sk_reuseport/migrate', 'sk_reuseport', 'sk_reuseport_select_or_migrate'),
  D('sk_reuseport', 'sk_reuseport', 'sk_reuseport_select'),
  D('kprobe+', 'kprobe'), D('uprobe+', 'kprobe'), D('uprobe.s+', 'kprobe', '', true),
  D('kretprobe+', 'kprobe'), D('uretprobe+', 'kprobe'), D('uretprobe.s+', 'kprobe', '', true),
  D('kprobe.multi+', 'kprobe', 'trace_kprobe_multi'), D('kretprobe.multi+', 'kprobe', 'trace_kprobe_multi'),
  D('kprobe.session+', 'kprobe', 'trace_kprobe_session'),
  D('uprobe.multi+', 'kprobe', 'trace_uprobe_multi'), D('uretprobe.multi+', 'kprobe', 'trace_uprobe_multi'),
  D('uprobe.session+', 'kprobe', 'trace_uprobe_session'),
  D('uprobe.multi.s+', 'kprobe', 'trace_uprobe_multi', true), D('uretprobe.multi.s+', 'kprobe', 'trace_uprobe_multi', true),
  D('uprobe.session.s+', 'kprobe', 'trace_uprobe_session', true),
  D('ksyscall+', 'kprobe'), D('kretsyscall+', 'kprobe'), D('usdt+', 'kprobe'), D('usdt.s+', 'kprobe', '', true),
  D('tc/ingress', 'sched_cls', 'tcx_ingress'), D('tc/egress', 'sched_cls', 'tcx_egress'),
  D('tcx/ingress', 'sched_cls', 'tcx_ingress'), D('tcx/egress', 'sched_cls', 'tcx_egress'),
  D('tc', 'sched_cls'), D('classifier', 'sched_cls'), D('action', 'sched_act'),
  D('netkit/primary', 'sched_cls', 'netkit_primary'), D('netkit/peer', 'sched_cls', 'netkit_peer'),
  D('tracepoint+', 'tracepoint'), D('tp+', 'tracepoint'), D('tracepoint.s+', 'tracepoint', '', true), D('tp.s+', 'tracepoint', '', true),
  D('raw_tracepoint+', 'raw_tracepoint'), D('raw_tp+', 'raw_tracepoint'),
  D('raw_tracepoint.s+', 'raw_tracepoint', '', true), D('raw_tp.s+', 'raw_tracepoint', '', true),
  D('raw_tracepoint.w+', 'raw_tracepoint_writable'), D('raw_tp.w+', 'raw_tracepoint_writable'),
  D('tp_btf+', 'tracing', 'trace_raw_tp'), D('tp_btf.s+', 'tracing', 'trace_raw_tp', true),
  D('fentry+', 'tracing', 'trace_fentry'), D('fmod_ret+', 'tracing', 'modify_return'), D('fexit+', 'tracing', 'trace_fexit'),
  D('fentry.s+', 'tracing', 'trace_fentry', true), D('fmod_ret.s+', 'tracing', 'modify_return', true),
  D('fexit.s+', 'tracing', 'trace_fexit', true),
  D('fsession+', 'tracing', 'trace_fsession'), D('fsession.s+', 'tracing', 'trace_fsession', true),
  D('fsession.multi+', 'tracing', 'trace_fsession_multi'), D('fsession.multi.s+', 'tracing', 'trace_fsession_multi', true),
  D('fentry.multi+', 'tracing', 'trace_fentry_multi'), D('fexit.multi+', 'tracing', 'trace_fexit_multi'),
  D('fentry.multi.s+', 'tracing', 'trace_fentry_multi', true), D('fexit.multi.s+', 'tracing', 'trace_fexit_multi', true),
  D('freplace+', 'ext'), D('lsm+', 'lsm', 'lsm_mac'), D('lsm.s+', 'lsm', 'lsm_mac', true), D('lsm_cgroup+', 'lsm', 'lsm_cgroup'),
  D('iter+', 'tracing', 'trace_iter'), D('iter.s+', 'tracing', 'trace_iter', true),
  D('syscall', 'syscall', '', true),
  D('xdp.frags/devmap', 'xdp', 'xdp_devmap'), D('xdp/devmap', 'xdp', 'xdp_devmap'),
  D('xdp.frags/cpumap', 'xdp', 'xdp_cpumap'), D('xdp/cpumap', 'xdp', 'xdp_cpumap'),
  D('xdp.frags', 'xdp', 'xdp'), D('xdp', 'xdp', 'xdp'),
  D('perf_event', 'perf_event'), D('lwt_in', 'lwt_in'), D('lwt_out', 'lwt_out'), D('lwt_xmit', 'lwt_xmit'),
  D('lwt_seg6local', 'lwt_seg6local'), D('sockops', 'sock_ops', 'cgroup_sock_ops'),
  D('sk_skb/stream_parser', 'sk_skb', 'sk_skb_stream_parser'), D('sk_skb/stream_verdict', 'sk_skb', 'sk_skb_stream_verdict'),
  D('sk_skb/verdict', 'sk_skb', 'sk_skb_verdict'), D('sk_skb', 'sk_skb'), D('sk_msg', 'sk_msg', 'sk_msg_verdict'),
  D('lirc_mode2', 'lirc_mode2', 'lirc_mode2'), D('flow_dissector', 'flow_dissector', 'flow_dissector'),
  D('cgroup_skb/ingress', 'cgroup_skb', 'cgroup_inet_ingress'), D('cgroup_skb/egress', 'cgroup_skb', 'cgroup_inet_egress'),
  D('cgroup/skb', 'cgroup_skb'),
  D('cgroup/sock_create', 'cgroup_sock', 'cgroup_inet_sock_create'), D('cgroup/sock_release', 'cgroup_sock', 'cgroup_inet_sock_release'),
  D('cgroup/sock', 'cgroup_sock', 'cgroup_inet_sock_create'),
  D('cgroup/post_bind4', 'cgroup_sock', 'cgroup_inet4_post_bind'), D('cgroup/post_bind6', 'cgroup_sock', 'cgroup_inet6_post_bind'),
  D('cgroup/bind4', 'cgroup_sock_addr', 'cgroup_inet4_bind'), D('cgroup/bind6', 'cgroup_sock_addr', 'cgroup_inet6_bind'),
  D('cgroup/connect4', 'cgroup_sock_addr', 'cgroup_inet4_connect'), D('cgroup/connect6', 'cgroup_sock_addr', 'cgroup_inet6_connect'),
  D('cgroup/connect_unix', 'cgroup_sock_addr', 'cgroup_unix_connect'),
  D('cgroup/sendmsg4', 'cgroup_sock_addr', 'cgroup_udp4_sendmsg'), D('cgroup/sendmsg6', 'cgroup_sock_addr', 'cgroup_udp6_sendmsg'),
  D('cgroup/sendmsg_unix', 'cgroup_sock_addr', 'cgroup_unix_sendmsg'),
  D('cgroup/recvmsg4', 'cgroup_sock_addr', 'cgroup_udp4_recvmsg'), D('cgroup/recvmsg6', 'cgroup_sock_addr', 'cgroup_udp6_recvmsg'),
  D('cgroup/recvmsg_unix', 'cgroup_sock_addr', 'cgroup_unix_recvmsg'),
  D('cgroup/getpeername4', 'cgroup_sock_addr', 'cgroup_inet4_getpeername'), D('cgroup/getpeername6', 'cgroup_sock_addr', 'cgroup_inet6_getpeername'),
  D('cgroup/getpeername_unix', 'cgroup_sock_addr', 'cgroup_unix_getpeername'),
  D('cgroup/getsockname4', 'cgroup_sock_addr', 'cgroup_inet4_getsockname'), D('cgroup/getsockname6', 'cgroup_sock_addr', 'cgroup_inet6_getsockname'),
  D('cgroup/getsockname_unix', 'cgroup_sock_addr', 'cgroup_unix_getsockname'),
  D('cgroup/sysctl', 'cgroup_sysctl', 'cgroup_sysctl'),
  D('cgroup/getsockopt', 'cgroup_sockopt', 'cgroup_getsockopt'), D('cgroup/setsockopt', 'cgroup_sockopt', 'cgroup_setsockopt'),
  D('cgroup/dev', 'cgroup_device', 'cgroup_device'),
  D('struct_ops+', 'struct_ops'), D('struct_ops.s+', 'struct_ops', '', true),
  D('sk_lookup', 'sk_lookup', 'sk_lookup'), D('netfilter', 'netfilter', 'netfilter'),
];

/** sec_def_matches(): exact name, or for '+' defs the name followed by '/'. */
export function secDefMatches(def: SecDef, secName: string): boolean {
  if (def.sec.endsWith('+')) {
    const pfx = def.sec.slice(0, -1);
    if (!secName.startsWith(pfx)) return false;
    return secName.length === pfx.length || secName[pfx.length] === '/';
  }
  return secName === def.sec;
}

/** find_sec_def(): the first matching definition, or undefined (prog type unspec). */
export function findSecDef(secName: string): SecDef | undefined {
  return SECTION_DEFS.find((d) => secDefMatches(d, secName));
}

