// Kernel enums by name: enum bpf_prog_type, enum bpf_attach_type and
// enum bpf_map_type of include/uapi/linux/bpf.h, with the lower-case names
// libbpf prints (libbpf.c prog_type_name[], attach_type_name[], map_type_name[]).
import { KernelError } from './errors';

export const PROG_TYPES: readonly string[] = [
  'unspec', 'socket_filter', 'kprobe', 'sched_cls', 'sched_act', 'tracepoint', 'xdp', 'perf_event',
  'cgroup_skb', 'cgroup_sock', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sock_ops', 'sk_skb', 'cgroup_device',
  'sk_msg', 'raw_tracepoint', 'cgroup_sock_addr', 'lwt_seg6local', 'lirc_mode2', 'sk_reuseport',
  'flow_dissector', 'cgroup_sysctl', 'raw_tracepoint_writable', 'cgroup_sockopt', 'tracing',
  'struct_ops', 'ext', 'lsm', 'sk_lookup', 'syscall', 'netfilter',
];

export const ATTACH_TYPES: readonly string[] = [
  'cgroup_inet_ingress', 'cgroup_inet_egress', 'cgroup_inet_sock_create', 'cgroup_sock_ops',
  'sk_skb_stream_parser', 'sk_skb_stream_verdict', 'cgroup_device', 'sk_msg_verdict',
  'cgroup_inet4_bind', 'cgroup_inet6_bind', 'cgroup_inet4_connect', 'cgroup_inet6_connect',
  'cgroup_inet4_post_bind', 'cgroup_inet6_post_bind', 'cgroup_udp4_sendmsg', 'cgroup_udp6_sendmsg',
  'lirc_mode2', 'flow_dissector', 'cgroup_sysctl', 'cgroup_udp4_recvmsg', 'cgroup_udp6_recvmsg',
  'cgroup_getsockopt', 'cgroup_setsockopt', 'trace_raw_tp', 'trace_fentry', 'trace_fexit',
  'modify_return', 'lsm_mac', 'trace_iter', 'cgroup_inet4_getpeername', 'cgroup_inet6_getpeername',
  'cgroup_inet4_getsockname', 'cgroup_inet6_getsockname', 'xdp_devmap', 'cgroup_inet_sock_release',
  'xdp_cpumap', 'sk_lookup', 'xdp', 'sk_skb_verdict', 'sk_reuseport_select',
  'sk_reuseport_select_or_migrate', 'perf_event', 'trace_kprobe_multi', 'lsm_cgroup', 'struct_ops',
  'netfilter', 'tcx_ingress', 'tcx_egress', 'trace_uprobe_multi', 'cgroup_unix_connect',
  'cgroup_unix_sendmsg', 'cgroup_unix_recvmsg', 'cgroup_unix_getpeername', 'cgroup_unix_getsockname',
  'netkit_primary', 'netkit_peer', 'trace_kprobe_session', 'trace_uprobe_session',
];

export const MAP_TYPES: readonly string[] = [
  'unspec', 'hash', 'array', 'prog_array', 'perf_event_array', 'percpu_hash', 'percpu_array',
  'stack_trace', 'cgroup_array', 'lru_hash', 'lru_percpu_hash', 'lpm_trie', 'array_of_maps',
  'hash_of_maps', 'devmap', 'sockmap', 'cpumap', 'xskmap', 'sockhash', 'cgroup_storage',
  'reuseport_sockarray', 'percpu_cgroup_storage', 'queue', 'stack', 'sk_storage', 'devmap_hash',
  'struct_ops', 'ringbuf', 'inode_storage', 'task_storage', 'bloom_filter', 'user_ringbuf',
  'cgrp_storage', 'arena',
];

function lookup(kind: string, table: readonly string[], prefix: string, v: number | string): number {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v < 1 << 16) return v;
    throw new KernelError('bad-request', kind, `${kind} ${v} is not a valid number`);
  }
  let s = v.trim().toLowerCase();
  if (/^\d+$/.test(s)) return Number(s);
  if (s.startsWith(prefix)) s = s.slice(prefix.length);
  const i = table.indexOf(s);
  if (i < 0) throw new KernelError('bad-request', kind, `unknown ${kind} '${v}' (known: ${table.filter((n) => n !== 'unspec').join(', ')})`);
  return i;
}

/** 'xdp' | 'BPF_PROG_TYPE_XDP' | 6 -> 6 */
export const progTypeNum = (v: number | string): number => lookup('prog type', PROG_TYPES, 'bpf_prog_type_', v);
/** 'trace_fentry' | 'BPF_TRACE_FENTRY' | 24 -> 24 */
export const attachTypeNum = (v: number | string): number => lookup('attach type', ATTACH_TYPES, 'bpf_', v);
/** 'array' | 'BPF_MAP_TYPE_ARRAY' | 2 -> 2 */
export const mapTypeNum = (v: number | string): number => lookup('map type', MAP_TYPES, 'bpf_map_type_', v);

export const progTypeName = (n: number): string => PROG_TYPES[n] ?? `prog_type_${n}`;
export const mapTypeName = (n: number): string => MAP_TYPES[n] ?? `map_type_${n}`;
