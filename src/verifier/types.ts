// Input and output of the verifier model: what BPF_PROG_LOAD gives the kernel's
// bpf_check() (insns, prog type, expected attach type, func_info, program BTF,
// kfunc resolution through vmlinux BTF) and what it returns (verdict, errno, log).
import { Insn } from '../isa/insn';
import { Btf } from '../btf/btf';

/** enum bpf_prog_type (include/uapi/linux/bpf.h). */
export const PROG_TYPES: Readonly<Record<string, number>> = {
  socket_filter: 1, kprobe: 2, sched_cls: 3, sched_act: 4, tracepoint: 5, xdp: 6, perf_event: 7,
  cgroup_skb: 8, cgroup_sock: 9, lwt_in: 10, lwt_out: 11, lwt_xmit: 12, sock_ops: 13, sk_skb: 14,
  cgroup_device: 15, sk_msg: 16, raw_tracepoint: 17, cgroup_sock_addr: 18, lwt_seg6local: 19,
  lirc_mode2: 20, sk_reuseport: 21, flow_dissector: 22, cgroup_sysctl: 23, raw_tracepoint_writable: 24,
  cgroup_sockopt: 25, tracing: 26, struct_ops: 27, ext: 28, lsm: 29, sk_lookup: 30, syscall: 31, netfilter: 32,
};
/** Common aliases (libbpf section names). */
export const PROG_TYPE_ALIASES: Readonly<Record<string, string>> = {
  tc: 'sched_cls', classifier: 'sched_cls', socket: 'socket_filter', fentry: 'tracing', fexit: 'tracing',
  raw_tp: 'raw_tracepoint', tp: 'tracepoint',
};

/** enum bpf_attach_type values the model looks at (check_return_code). */
export const ATTACH_TYPES: Readonly<Record<string, number>> = {
  cgroup_inet_ingress: 0, cgroup_inet_egress: 1, cgroup_inet_sock_create: 2, cgroup_inet4_bind: 8, cgroup_inet6_bind: 9,
  cgroup_inet4_connect: 10, cgroup_inet6_connect: 11, cgroup_inet4_post_bind: 12, cgroup_inet6_post_bind: 13,
  cgroup_udp4_sendmsg: 14, cgroup_udp6_sendmsg: 15, cgroup_getsockopt: 21, cgroup_setsockopt: 22, cgroup_inet_sock_release: 34,
  sk_lookup: 36, netfilter: 45, xdp_devmap: 33, xdp_cpumap: 35, xdp: 37, cgroup_sock_ops: 3,
  trace_raw_tp: 23, trace_fentry: 24, trace_fexit: 25, modify_return: 26, lsm_mac: 27, trace_iter: 28,
  cgroup_udp4_recvmsg: 19, cgroup_udp6_recvmsg: 20, cgroup_inet4_getpeername: 29, cgroup_inet6_getpeername: 30,
  cgroup_inet4_getsockname: 31, cgroup_inet6_getsockname: 32, lsm_cgroup: 43, trace_kprobe_session: 56,
  cgroup_unix_connect: 49, trace_kprobe_multi: 42, sk_reuseport_select: 39, sk_reuseport_select_or_migrate: 40, cgroup_unix_sendmsg: 50, cgroup_unix_recvmsg: 51, cgroup_unix_getpeername: 52, cgroup_unix_getsockname: 53,
};

/** Resolve a prog type name ("xdp", "tc", "sched_cls") or number to enum bpf_prog_type. */
export function progTypeNumber(t: string | number): number | undefined {
  if (typeof t === 'number') return t;
  const k = t.toLowerCase().replace(/^bpf_prog_type_/, '');
  return PROG_TYPES[PROG_TYPE_ALIASES[k] ?? k];
}

export function progTypeName(t: number): string {
  for (const [k, v] of Object.entries(PROG_TYPES)) if (v === t) return k;
  return `unknown(${t})`;
}

/** One struct bpf_func_info record. */
export interface FuncInfo { insnOff: number; typeId: number }

/** A kernel function known through vmlinux (or module) BTF. */
export interface KfuncInfo { name: string; argCount?: number }

export interface VerifyOptions {
  /** BPF_LOG_LEVEL: 0, 1, 2 (and 4 = stats), as in attr->log_level. */
  logLevel?: number;
  /** Model a loader without CAP_BPF (allow_uninit_stack etc. off). Default: privileged. */
  unprivileged?: boolean;
  /** Instruction limit (BPF_COMPLEXITY_LIMIT_INSNS). */
  insnLimit?: number;
  /** Monotonic clock in ns for the `verification time` line; pure callers may pass a fake. */
  clockNs?: () => bigint;
  /** The kernel answered for (messages and behaviours); default: the newest profile. */
  profile?: import('./profiles').KernelProfile;
}

/** A special field of a map value (the map's btf_record), named as btf_field_type_name prints it. */
export interface MapField { kind: 'bpf_spin_lock' | 'bpf_res_spin_lock' | 'bpf_timer' | 'bpf_wq' | 'kptr' | 'bpf_list_head' | 'bpf_rb_root' | 'bpf_refcount' | 'bpf_task_work'; offset: number; size: number }

/** A map the program references by fd (ld_imm64 src_reg BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE). */
export interface MapInfo {
  type: number; keySize: number; valueSize: number; maxEntries: number; name: string;
  /** map_flags: BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG matter to the verifier. */
  flags?: number;
  /** Frozen (BPF_MAP_FREEZE) before the program loads, as libbpf does for .rodata and .kconfig. */
  frozen?: boolean;
  /** The single value of an array map whose contents the verifier may read (frozen and read-only). */
  initialValue?: Uint8Array;
  /** Special fields of the value (spin lock, timer, kptr, ...), from the map's value BTF. */
  fields?: readonly MapField[];
  /** The inner map of a map-in-map (inner_map_meta). */
  inner?: MapInfo;
}

/** enum bpf_map_type (include/uapi/linux/bpf.h). */
export const MAP_TYPES = {
  hash: 1, array: 2, prog_array: 3, perf_event_array: 4, percpu_hash: 5, percpu_array: 6, stack_trace: 7,
  cgroup_array: 8, lru_hash: 9, lru_percpu_hash: 10, lpm_trie: 11, array_of_maps: 12, hash_of_maps: 13, devmap: 14,
  sockmap: 15, cpumap: 16, xskmap: 17, sockhash: 18, cgroup_storage: 19, reuseport_sockarray: 20,
  percpu_cgroup_storage: 21, queue: 22, stack: 23, sk_storage: 24, devmap_hash: 25, struct_ops: 26, ringbuf: 27,
  inode_storage: 28, task_storage: 29, bloom_filter: 30, user_ringbuf: 31, cgrp_storage: 32, arena: 33,
} as const;

export const BPF_MAP_TYPE_PROG_ARRAY = MAP_TYPES.prog_array;
export const BPF_MAP_TYPE_SOCKMAP = 15;
export const BPF_MAP_TYPE_XSKMAP = 17;
export const BPF_MAP_TYPE_SOCKHASH = 18;

export interface VerifyInput extends VerifyOptions {
  insns: readonly Insn[];
  progType: number;
  expectedAttachType?: number;
  /** attr->attach_btf_id for tracing/lsm programs (0 or absent: none). */
  attachBtfId?: number;
  funcInfo?: readonly FuncInfo[];
  /** The program's BTF (prog_btf_fd), src/btf's model. */
  btf?: Btf;
  /** Resolves a kfunc call (imm = vmlinux BTF id, off = module fd index). */
  kfunc?: (btfId: number, off: number) => KfuncInfo | undefined;
  /** Maps by fd, as the kernel finds them through the fd in ld_imm64. */
  maps?: ReadonlyMap<number, MapInfo>;
  /** The running kernel's BTF (btf_vmlinux): kfunc prototypes, struct ids, context types. */
  vmlinuxBtf?: Btf;
  /** nr_cpu_ids of the kernel answered for (bpf_get_smp_processor_id's range). */
  nrCpuIds?: number;
  /** The license is GPL-compatible (default true). */
  gplCompatible?: boolean;
  /** BPF_F_SLEEPABLE */
  sleepable?: boolean;
  /** The program is JIT-compiled (tail calls in programs with subprogs need it); default true. */
  jitted?: boolean;
}

export type Errno = 'EINVAL' | 'EACCES' | 'E2BIG' | 'EPERM' | 'EFAULT' | 'ENOTSUPP' | 'ENOENT' | 'EEXIST' | 'EOPNOTSUPP' | 'ENOSPC' | 'EBADF';

export interface VerifyStats {
  insnProcessed: number;
  totalStates: number;
  peakStates: number;
  maxStatesPerInsn: number;
  durationUsec: number;
  /** Per-subprog stack depth, as `stack depth` prints it. */
  stackDepths: number[];
}

export interface VerifyResult {
  verdict: 'accept' | 'reject';
  errno: Errno | null;
  log: string;
  /** The first error line (the kernel's message), '' when accepted. */
  error: string;
  /** True when the rejection is `not modelled yet: ...` (we could not decide). */
  notModelled: boolean;
  /** The program throws without an exception callback: the kernel appended its default one (r0 = 0; exit). */
  hiddenExceptionCallback: boolean;
  stats: VerifyStats;
}

/** Thrown inside the model to reject a program; caught by verify(). */
export class VerifierReject extends Error {
  readonly errno: Errno;
  readonly notModelled: boolean;
  /** The kernel prints this message without a trailing newline. */
  readonly noNewline: boolean;
  constructor(errno: Errno, message: string, notModelled = false, noNewline = false) {
    super(message);
    this.name = 'VerifierReject';
    this.errno = errno;
    this.notModelled = notModelled;
    this.noNewline = noNewline;
  }
}
