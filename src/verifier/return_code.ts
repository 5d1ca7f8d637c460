// The return value rules of check_return_code per program type and expected
// attach type (kernel/bpf/verifier.c). `null`: any value is allowed.
// 'unsupported': a type whose rule depends on what this model does not know
// (LSM hook return ranges, struct_ops function prototypes).
import { PROG_TYPES, ATTACH_TYPES } from './types';

export interface RetvalRange { min: number; max: number }

export function returnRange(progType: number, attach: number, hasAttachBtfId: boolean): RetvalRange | null | 'unsupported' {
  const P = PROG_TYPES, A = ATTACH_TYPES;
  switch (progType) {
    case P.cgroup_sock_addr:
      if ([A.cgroup_udp4_recvmsg, A.cgroup_udp6_recvmsg, A.cgroup_unix_recvmsg, A.cgroup_inet4_getpeername,
        A.cgroup_inet6_getpeername, A.cgroup_unix_getpeername, A.cgroup_inet4_getsockname, A.cgroup_inet6_getsockname,
        A.cgroup_unix_getsockname].includes(attach)) return { min: 1, max: 1 };
      if (attach === A.cgroup_inet4_bind || attach === A.cgroup_inet6_bind) return { min: 0, max: 3 };
      return { min: 0, max: 1 };
    case P.cgroup_skb:
      if (attach === A.cgroup_inet_egress) return 'unsupported';
      return { min: 0, max: 1 };
    case P.cgroup_sock: case P.sock_ops: case P.cgroup_device: case P.cgroup_sysctl: case P.cgroup_sockopt:
      return { min: 0, max: 1 };
    case P.raw_tracepoint:
      return hasAttachBtfId ? { min: 0, max: 0 } : null;
    case P.tracing:
      if (attach === A.trace_fentry || attach === A.trace_fexit) return { min: 0, max: 0 };
      if (attach === A.trace_raw_tp || attach === A.modify_return) return null;
      if (attach === A.trace_iter) return { min: 0, max: 1 };
      return 'unsupported';
    case P.kprobe:
      return attach === A.trace_kprobe_session ? { min: 0, max: 1 } : null;
    case P.sk_lookup:
      return { min: 0, max: 1 };
    case P.netfilter:
      return { min: 0, max: 1 };
    case P.lsm: case P.struct_ops:
      return 'unsupported';
    default:
      return null;
  }
}
