// The numbers of the kernel's user-space API that bpfx needs, in one place:
// enum bpf_prog_type, enum bpf_attach_type and enum bpf_map_type
// (include/uapi/linux/bpf.h) with the lower-case names libbpf prints
// (libbpf.c prog_type_name[], attach_type_name[], map_type_name[]), and the
// errno values (include/uapi/asm-generic/errno-base.h, errno.h, and the
// kernel-internal ones of include/linux/errno.h that leak out of bpf(), such
// as ENOTSUPP). The ld_imm64 and call pseudo sources (BPF_PSEUDO_*) are with
// the other opcode fields in opcodes.ts; helper ids in helpers.ts.
//
// Every lookup by name accepts the libbpf name ('xdp'), the UAPI constant
// ('BPF_PROG_TYPE_XDP', any case), the number (6 or '6'), and for program types
// the SEC() prefixes users write for them ('tc', 'fentry', ...). A lookup
// returns undefined for what it does not know; callers throw their own typed
// error, with the text of unknownUapiName().

/** enum bpf_prog_type, indexed by number. */
export const PROG_TYPE_NAMES = [
  'unspec', 'socket_filter', 'kprobe', 'sched_cls', 'sched_act', 'tracepoint', 'xdp', 'perf_event',
  'cgroup_skb', 'cgroup_sock', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sock_ops', 'sk_skb', 'cgroup_device',
  'sk_msg', 'raw_tracepoint', 'cgroup_sock_addr', 'lwt_seg6local', 'lirc_mode2', 'sk_reuseport',
  'flow_dissector', 'cgroup_sysctl', 'raw_tracepoint_writable', 'cgroup_sockopt', 'tracing', 'struct_ops',
  'ext', 'lsm', 'sk_lookup', 'syscall', 'netfilter',
] as const;
export type ProgTypeName = typeof PROG_TYPE_NAMES[number];

/** enum bpf_attach_type, indexed by number (trace_fsession: newer than Linux 6.18). */
export const ATTACH_TYPE_NAMES = [
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
  'netkit_primary', 'netkit_peer', 'trace_kprobe_session', 'trace_uprobe_session', 'trace_fsession',
] as const;
export type AttachTypeName = typeof ATTACH_TYPE_NAMES[number];

/** enum bpf_map_type, indexed by number (insn_array: newer than Linux 6.18). */
export const MAP_TYPE_NAMES = [
  'unspec', 'hash', 'array', 'prog_array', 'perf_event_array', 'percpu_hash', 'percpu_array',
  'stack_trace', 'cgroup_array', 'lru_hash', 'lru_percpu_hash', 'lpm_trie', 'array_of_maps',
  'hash_of_maps', 'devmap', 'sockmap', 'cpumap', 'xskmap', 'sockhash', 'cgroup_storage',
  'reuseport_sockarray', 'percpu_cgroup_storage', 'queue', 'stack', 'sk_storage', 'devmap_hash',
  'struct_ops', 'ringbuf', 'inode_storage', 'task_storage', 'bloom_filter', 'user_ringbuf',
  'cgrp_storage', 'arena', 'insn_array',
] as const;
export type MapTypeName = typeof MAP_TYPE_NAMES[number];

const byName = <N extends string>(names: readonly N[]): Readonly<Record<N, number>> =>
  Object.freeze(Object.fromEntries(names.map((n, i) => [n, i])) as Record<N, number>);

/** Program type numbers by name: PROG_TYPE.xdp === 6. */
export const PROG_TYPE = byName(PROG_TYPE_NAMES);
/** Attach type numbers by name: ATTACH_TYPE.trace_fentry === 24. */
export const ATTACH_TYPE = byName(ATTACH_TYPE_NAMES);
/** Map type numbers by name: MAP_TYPE.prog_array === 3. */
export const MAP_TYPE = byName(MAP_TYPE_NAMES);

/**
 * libbpf SEC() names users write for a program type whose own name differs
 * (each resolves to the type libbpf's section table gives that SEC name).
 */
export const PROG_TYPE_ALIASES: Readonly<Record<string, ProgTypeName>> = {
  socket: 'socket_filter', tc: 'sched_cls', classifier: 'sched_cls', action: 'sched_act',
  tp: 'tracepoint', raw_tp: 'raw_tracepoint', 'raw_tp.w': 'raw_tracepoint_writable',
  'raw_tracepoint.w': 'raw_tracepoint_writable', tp_btf: 'tracing', fentry: 'tracing', fexit: 'tracing',
  fmod_ret: 'tracing', iter: 'tracing', freplace: 'ext', sockops: 'sock_ops', uprobe: 'kprobe',
  kretprobe: 'kprobe', uretprobe: 'kprobe', usdt: 'kprobe', ksyscall: 'kprobe',
};

/** The three enums a name can be looked up in; the words are those of the error texts. */
export type UapiEnum = 'prog type' | 'attach type' | 'map type';

interface EnumTable { names: readonly string[]; prefix: string; aliases: Readonly<Record<string, string>> }
const TABLES: Readonly<Record<UapiEnum, EnumTable>> = {
  'prog type': { names: PROG_TYPE_NAMES, prefix: 'bpf_prog_type_', aliases: PROG_TYPE_ALIASES },
  'attach type': { names: ATTACH_TYPE_NAMES, prefix: 'bpf_', aliases: {} },
  'map type': { names: MAP_TYPE_NAMES, prefix: 'bpf_map_type_', aliases: {} },
};

/** Largest number a lookup accepts as a value of one of the enums (the kernel checks the rest). */
const MAX_ENUM_VALUE = 0xffff;

/**
 * The number of a name or number in one of the enums: 'xdp' | 'BPF_PROG_TYPE_XDP'
 * | 'tc' | 6 | '6' -> 6. A number is taken as it is when it is an integer in
 * 0..65535 (the kernel itself refuses numbers it does not know); undefined for
 * anything else.
 */
export function uapiNumber(kind: UapiEnum, v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= MAX_ENUM_VALUE ? v : undefined;
  const t = TABLES[kind];
  let s = v.trim().toLowerCase();
  if (/^\d+$/.test(s)) return uapiNumber(kind, Number(s));
  if (s.startsWith(t.prefix)) s = s.slice(t.prefix.length);
  const i = t.names.indexOf(t.aliases[s] ?? s);
  return i < 0 ? undefined : i;
}

/** The text for a value uapiNumber() does not know: "unknown prog type 'x' (known: ...)". */
export function unknownUapiName(kind: UapiEnum, v: string | number): string {
  if (typeof v === 'number') return `${kind} ${v} is not a valid number`;
  return `unknown ${kind} '${v}' (known: ${TABLES[kind].names.filter((n) => n !== 'unspec').join(', ')})`;
}

export const progTypeNumber = (v: string | number): number | undefined => uapiNumber('prog type', v);
export const attachTypeNumber = (v: string | number): number | undefined => uapiNumber('attach type', v);
export const mapTypeNumber = (v: string | number): number | undefined => uapiNumber('map type', v);

/** The libbpf name of a program type number, undefined when the UAPI has none. */
export const progTypeName = (n: number): ProgTypeName | undefined => PROG_TYPE_NAMES[n];
export const attachTypeName = (n: number): AttachTypeName | undefined => ATTACH_TYPE_NAMES[n];
export const mapTypeName = (n: number): MapTypeName | undefined => MAP_TYPE_NAMES[n];

/** BPF_PROG_LOAD prog_flags (BPF_F_STRICT_ALIGNMENT ...), the ones test annotations name. */
export const PROG_LOAD_FLAGS = {
  BPF_F_STRICT_ALIGNMENT: 1 << 0,
  BPF_F_ANY_ALIGNMENT: 1 << 1,
  BPF_F_TEST_RND_HI32: 1 << 2,
  BPF_F_TEST_STATE_FREQ: 1 << 3,
  BPF_F_SLEEPABLE: 1 << 4,
  BPF_F_XDP_HAS_FRAGS: 1 << 5,
  BPF_F_XDP_DEV_BOUND_ONLY: 1 << 6,
  BPF_F_TEST_REG_INVARIANTS: 1 << 7,
} as const;

/** Errno values by their canonical names (the first name errno.h gives a number). */
export const ERRNO = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9, ECHILD: 10,
  EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15, EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19,
  ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28,
  ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33, ERANGE: 34, EDEADLK: 35, ENAMETOOLONG: 36,
  ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42, EIDRM: 43, ECHRNG: 44, EL2NSYNC: 45,
  EL3HLT: 46, EL3RST: 47, ELNRNG: 48, EUNATCH: 49, ENOCSI: 50, EL2HLT: 51, EBADE: 52, EBADR: 53, EXFULL: 54,
  ENOANO: 55, EBADRQC: 56, EBADSLT: 57, EBFONT: 59, ENOSTR: 60, ENODATA: 61, ETIME: 62, ENOSR: 63,
  ENONET: 64, ENOPKG: 65, EREMOTE: 66, ENOLINK: 67, EADV: 68, ESRMNT: 69, ECOMM: 70, EPROTO: 71,
  EMULTIHOP: 72, EDOTDOT: 73, EBADMSG: 74, EOVERFLOW: 75, ENOTUNIQ: 76, EBADFD: 77, EREMCHG: 78,
  ELIBACC: 79, ELIBBAD: 80, ELIBSCN: 81, ELIBMAX: 82, ELIBEXEC: 83, EILSEQ: 84, ERESTART: 85, ESTRPIPE: 86,
  EUSERS: 87, ENOTSOCK: 88, EDESTADDRREQ: 89, EMSGSIZE: 90, EPROTOTYPE: 91, ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93, ESOCKTNOSUPPORT: 94, EOPNOTSUPP: 95, EPFNOSUPPORT: 96, EAFNOSUPPORT: 97,
  EADDRINUSE: 98, EADDRNOTAVAIL: 99, ENETDOWN: 100, ENETUNREACH: 101, ENETRESET: 102, ECONNABORTED: 103,
  ECONNRESET: 104, ENOBUFS: 105, EISCONN: 106, ENOTCONN: 107, ESHUTDOWN: 108, ETOOMANYREFS: 109,
  ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTDOWN: 112, EHOSTUNREACH: 113, EALREADY: 114, EINPROGRESS: 115,
  ESTALE: 116, EUCLEAN: 117, ENOTNAM: 118, ENAVAIL: 119, EISNAM: 120, EREMOTEIO: 121, EDQUOT: 122,
  ENOMEDIUM: 123, EMEDIUMTYPE: 124, ECANCELED: 125, ENOKEY: 126, EKEYEXPIRED: 127, EKEYREVOKED: 128,
  EKEYREJECTED: 129, EOWNERDEAD: 130, ENOTRECOVERABLE: 131, ERFKILL: 132, EHWPOISON: 133,
  // kernel-internal (include/linux/errno.h); ENOTSUPP comes back from bpf() for features a kernel lacks
  ERESTARTSYS: 512, ERESTARTNOINTR: 513, ERESTARTNOHAND: 514, ENOIOCTLCMD: 515, ERESTART_RESTARTBLOCK: 516,
  EPROBE_DEFER: 517, EOPENSTALE: 518, ENOPARAM: 519, EBADHANDLE: 521, ENOTSYNC: 522, EBADCOOKIE: 523,
  ENOTSUPP: 524, ETOOSMALL: 525, ESERVERFAULT: 526, EBADTYPE: 527, EJUKEBOX: 528, EIOCBQUEUED: 529,
  ERECALLCONFLICT: 530, ENOGRACE: 531,
} as const;

/** An errno by name, e.g. 'EACCES': the one errno type of bpfx. */
export type Errno = keyof typeof ERRNO;
/** The name errnoName() gives a number: an Errno, or E<number> for numbers without one. */
export type ErrnoName = Errno | `E${number}`;

/** Second names errno.h gives a number (accepted by errnoNumber, never printed). */
export const ERRNO_ALIASES: Readonly<Record<string, Errno>> = { EWOULDBLOCK: 'EAGAIN', EDEADLOCK: 'EDEADLK', ENOTSUP: 'EOPNOTSUPP' };

const ERRNO_BY_NUMBER: ReadonlyMap<number, Errno> = new Map(
  (Object.entries(ERRNO) as [Errno, number][]).map(([name, n]) => [n, name]));

export const isErrno = (s: string): s is Errno => Object.prototype.hasOwnProperty.call(ERRNO, s);

/** 13 -> 'EACCES'; a number without a name gives 'E<n>'. The sign is ignored (-13 is EACCES too). */
export function errnoName(n: number): ErrnoName {
  const a = Math.abs(n);
  return ERRNO_BY_NUMBER.get(a) ?? `E${a}`;
}

/** 'EACCES' -> 13, aliases ('ENOTSUP' -> 95) and 'E<n>' included; undefined for other names. */
export function errnoNumber(name: string): number | undefined {
  if (isErrno(name)) return ERRNO[name];
  const alias = ERRNO_ALIASES[name];
  if (alias) return ERRNO[alias];
  const m = /^E(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
