// Helper prototypes as data: the kernel's struct bpf_func_proto (ret_type,
// arg1_type..arg5_type with their type flags, arg_size, arg_btf_id, pkt_access)
// for the helpers the model checks, keyed by enum bpf_func_id, and the per-helper
// facts verifier.c keeps in lists (is_acquire_function, is_ptr_cast_function,
// bpf_helper_changes_pkt_data, do_refine_retval_range, the callback setters).
// Read from kernel/bpf/helpers.c, net/core/filter.c, kernel/trace/bpf_trace.c,
// kernel/bpf/ringbuf.c, kernel/bpf/bpf_iter.c, kernel/bpf/stackmap.c. Where a
// helper has several prototypes (one per program type family) they agree on what
// is modelled here. A helper without an entry is `not modelled yet`; which program
// types may call a helper is helper_access.ts.
import { helperId } from '../isa/helpers';

/** enum bpf_arg_type's base types. */
export type ArgBase =
  | 'anything' | 'const_map_ptr' | 'map_key' | 'map_value' | 'mem' | 'const_size' | 'const_size_or_zero' | 'ctx'
  | 'spin_lock' | 'sock_common' | 'socket' | 'btf_id' | 'ringbuf_mem' | 'alloc_size_or_zero' | 'btf_id_sock_common'
  | 'percpu_btf_id' | 'func' | 'stack' | 'const_str' | 'timer' | 'kptr_xchg_dest' | 'dynptr';

/** One argument: its base type and the bpf_type_flag bits of the prototype. */
export interface HelperArg {
  base: ArgBase;
  /** PTR_MAYBE_NULL: NULL (a known zero) is accepted. */
  nullable?: boolean;
  /** MEM_RDONLY: the helper only reads the memory. */
  rdonly?: boolean;
  /** MEM_UNINIT: the memory need not be initialised (the helper fills it). */
  uninit?: boolean;
  /** MEM_WRITE: the helper writes the memory. */
  write?: boolean;
  /** MEM_FIXED_SIZE: arg_size bytes. */
  size?: number;
  /** MEM_ALIGNED */
  aligned?: boolean;
  /** OBJ_RELEASE: the helper releases the reference passed here. */
  release?: boolean;
  /** arg_btf_id: the vmlinux struct an ARG_PTR_TO_BTF_ID must point to. */
  btfStruct?: string;
  /** DYNPTR_TYPE_*: the dynptr type an ARG_PTR_TO_DYNPTR requires or creates. */
  dynptr?: import('./state').DynptrType;
}

/** enum bpf_return_type with its flags. */
export type HelperRet =
  | { kind: 'integer' } | { kind: 'void' }
  | { kind: 'map_value'; nullable: boolean }
  | { kind: 'sock' | 'tcp_sock' | 'sock_common'; nullable: true }
  /** RET_PTR_TO_RINGBUF_MEM_OR_NULL: PTR_TO_MEM | MEM_RINGBUF of the size argument's bytes. */
  | { kind: 'ringbuf_mem'; nullable: true }
  /** RET_PTR_TO_DYNPTR_MEM_OR_NULL: a slice of the dynptr argument, of the size argument's bytes. */
  | { kind: 'dynptr_mem'; nullable: true }
  /** RET_PTR_TO_BTF_ID (ret_btf_id: a vmlinux struct) */
  | { kind: 'btf_id'; struct: string; nullable: boolean; trusted: boolean };

/** What check_helper_call does for a helper beyond its prototype (the kernel's per-func_id code). */
export type HelperSpecial =
  | 'tail_call' | 'loop' | 'for_each_map_elem' | 'timer_set_callback' | 'user_ringbuf_drain' | 'get_local_storage'
  | 'get_func_ip' | 'dynptr_from_mem';

export interface HelperProto {
  ret: HelperRet;
  args: readonly HelperArg[];
  /** fn->pkt_access: packet pointers may be passed where the program type reads packets. */
  pktAccess?: boolean;
  /** is_acquire_function: R0 is a new reference (ref_obj_id). */
  acquire?: boolean;
  /** is_ptr_cast_function: R0 shares the argument's reference. */
  ptrCast?: boolean;
  /** bpf_helper_changes_pkt_data: every packet pointer is invalid after the call. */
  changesPktData?: boolean;
  /** do_refine_retval_range: R0 <= the size argument (or an errno), or a CPU number. */
  refine?: 'msize' | 'cpu';
  special?: HelperSpecial;
}

const id = (name: string): number => {
  const n = helperId(name);
  if (n === undefined) throw new Error(`helper ${name} missing from the helper id table`);
  return n;
};

// ---- argument shorthands (the kernel's ARG_* macros) ----
const ANY: HelperArg = { base: 'anything' };
const MAP: HelperArg = { base: 'const_map_ptr' };
const KEY: HelperArg = { base: 'map_key' };
const VALUE: HelperArg = { base: 'map_value' };
const CTX: HelperArg = { base: 'ctx' };
const SIZE: HelperArg = { base: 'const_size' };
const SIZE0: HelperArg = { base: 'const_size_or_zero' };
/** ARG_PTR_TO_MEM | MEM_RDONLY */
const MEM_RO: HelperArg = { base: 'mem', rdonly: true };
/** ARG_PTR_TO_MEM | PTR_MAYBE_NULL | MEM_RDONLY */
const MEM_RO_OR_NULL: HelperArg = { base: 'mem', rdonly: true, nullable: true };
/** ARG_PTR_TO_UNINIT_MEM = ARG_PTR_TO_MEM | MEM_UNINIT | MEM_WRITE */
const UNINIT_MEM: HelperArg = { base: 'mem', uninit: true, write: true };
const FUNC: HelperArg = { base: 'func' };
const STACK_OR_NULL: HelperArg = { base: 'stack', nullable: true };
const TIMER: HelperArg = { base: 'timer' };

const INT: HelperRet = { kind: 'integer' };
const VOID: HelperRet = { kind: 'void' };
const p = (ret: HelperRet, args: readonly HelperArg[], more: Omit<HelperProto, 'ret' | 'args'> = {}): HelperProto => ({ ret, args, ...more });

/** Prototypes by helper name; HELPER_PROTOS keys them by id. */
const BY_NAME: Readonly<Record<string, HelperProto>> = {
  // kernel/bpf/helpers.c
  bpf_map_lookup_elem: p({ kind: 'map_value', nullable: true }, [MAP, KEY], { pktAccess: true }),
  bpf_map_update_elem: p(INT, [MAP, KEY, VALUE, ANY], { pktAccess: true }),
  bpf_map_delete_elem: p(INT, [MAP, KEY], { pktAccess: true }),
  bpf_map_push_elem: p(INT, [MAP, VALUE, ANY], { pktAccess: true }),
  bpf_map_pop_elem: p(INT, [MAP, { base: 'map_value', uninit: true, write: true }]),
  bpf_map_peek_elem: p(INT, [MAP, { base: 'map_value', uninit: true, write: true }]),
  bpf_map_lookup_percpu_elem: p({ kind: 'map_value', nullable: true }, [MAP, KEY, ANY], { pktAccess: true }),
  bpf_get_prandom_u32: p(INT, []),
  bpf_get_smp_processor_id: p(INT, [], { refine: 'cpu' }),
  bpf_get_numa_node_id: p(INT, []),
  bpf_ktime_get_ns: p(INT, []),
  bpf_ktime_get_boot_ns: p(INT, []),
  bpf_ktime_get_coarse_ns: p(INT, []),
  bpf_ktime_get_tai_ns: p(INT, []),
  bpf_jiffies64: p(INT, []),
  bpf_get_current_pid_tgid: p(INT, []),
  bpf_get_current_uid_gid: p(INT, []),
  bpf_get_current_comm: p(INT, [UNINIT_MEM, SIZE]),
  bpf_get_current_cgroup_id: p(INT, []),
  bpf_get_current_ancestor_cgroup_id: p(INT, [ANY]),
  bpf_spin_lock: p(VOID, [{ base: 'spin_lock' }]),
  bpf_spin_unlock: p(VOID, [{ base: 'spin_lock' }]),
  bpf_get_local_storage: p({ kind: 'map_value', nullable: false }, [MAP, ANY], { special: 'get_local_storage' }),
  bpf_strtol: p(INT, [MEM_RO, SIZE, ANY, { base: 'mem', uninit: true, write: true, size: 8, aligned: true }]),
  bpf_strtoul: p(INT, [MEM_RO, SIZE, ANY, { base: 'mem', uninit: true, write: true, size: 8, aligned: true }]),
  bpf_timer_init: p(INT, [TIMER, MAP, ANY]),
  bpf_timer_set_callback: p(INT, [TIMER, FUNC], { special: 'timer_set_callback' }),
  bpf_timer_start: p(INT, [TIMER, ANY, ANY]),
  bpf_timer_cancel: p(INT, [TIMER]),
  bpf_loop: p(INT, [ANY, FUNC, STACK_OR_NULL, ANY], { special: 'loop' }),
  bpf_get_current_task: p(INT, []),
  bpf_get_current_task_btf: p({ kind: 'btf_id', struct: 'task_struct', nullable: false, trusted: true }, []),
  // kernel/bpf/bpf_iter.c, ringbuf.c, stackmap.c
  bpf_for_each_map_elem: p(INT, [MAP, FUNC, STACK_OR_NULL, ANY], { special: 'for_each_map_elem' }),
  bpf_ringbuf_reserve: p({ kind: 'ringbuf_mem', nullable: true }, [MAP, { base: 'alloc_size_or_zero' }, ANY], { acquire: true }),
  bpf_ringbuf_submit: p(VOID, [{ base: 'ringbuf_mem', release: true }, ANY]),
  bpf_ringbuf_discard: p(VOID, [{ base: 'ringbuf_mem', release: true }, ANY]),
  bpf_ringbuf_output: p(INT, [MAP, MEM_RO, SIZE0, ANY]),
  bpf_ringbuf_query: p(INT, [MAP, ANY]),
  bpf_user_ringbuf_drain: p(INT, [MAP, FUNC, STACK_OR_NULL, ANY], { special: 'user_ringbuf_drain' }),
  bpf_ringbuf_reserve_dynptr: p(INT, [MAP, ANY, ANY, { base: 'dynptr', dynptr: 'ringbuf', uninit: true, write: true }]),
  bpf_ringbuf_submit_dynptr: p(VOID, [{ base: 'dynptr', dynptr: 'ringbuf', release: true }, ANY]),
  bpf_ringbuf_discard_dynptr: p(VOID, [{ base: 'dynptr', dynptr: 'ringbuf', release: true }, ANY]),
  // kernel/bpf/helpers.c: dynptrs
  bpf_dynptr_from_mem: p(INT, [UNINIT_MEM, SIZE0, ANY, { base: 'dynptr', dynptr: 'local', uninit: true, write: true }], { special: 'dynptr_from_mem' }),
  bpf_dynptr_read: p(INT, [UNINIT_MEM, SIZE0, { base: 'dynptr', rdonly: true }, ANY, ANY]),
  bpf_dynptr_write: p(INT, [{ base: 'dynptr', rdonly: true }, ANY, MEM_RO, SIZE0, ANY]),
  bpf_dynptr_data: p({ kind: 'dynptr_mem', nullable: true }, [{ base: 'dynptr', rdonly: true }, ANY, { base: 'alloc_size_or_zero' }]),
  // kernel/trace/bpf_trace.c
  bpf_probe_read: p(INT, [UNINIT_MEM, SIZE0, ANY]),
  bpf_probe_read_str: p(INT, [UNINIT_MEM, SIZE0, ANY], { refine: 'msize' }),
  bpf_probe_read_user: p(INT, [UNINIT_MEM, SIZE0, ANY]),
  bpf_copy_from_user: p(INT, [UNINIT_MEM, SIZE0, ANY]), // kernel/bpf/helpers.c, might_sleep
  bpf_probe_read_kernel: p(INT, [UNINIT_MEM, SIZE0, ANY]),
  bpf_probe_read_user_str: p(INT, [UNINIT_MEM, SIZE0, ANY], { refine: 'msize' }),
  bpf_probe_read_kernel_str: p(INT, [UNINIT_MEM, SIZE0, ANY], { refine: 'msize' }),
  bpf_trace_printk: p(INT, [MEM_RO, SIZE]),
  bpf_trace_vprintk: p(INT, [MEM_RO, SIZE, MEM_RO_OR_NULL, SIZE0]),
  bpf_perf_event_output: p(INT, [CTX, MAP, ANY, MEM_RO, SIZE0]),
  bpf_get_stackid: p(INT, [CTX, MAP, ANY]),
  bpf_get_func_ip: p(INT, [CTX], { special: 'get_func_ip' }),
  // net/core/filter.c
  bpf_tail_call: p(VOID, [CTX, MAP, ANY], { special: 'tail_call' }),
  bpf_skb_load_bytes: p(INT, [CTX, ANY, UNINIT_MEM, SIZE]),
  bpf_skb_load_bytes_relative: p(INT, [CTX, ANY, UNINIT_MEM, SIZE, ANY]),
  bpf_skb_store_bytes: p(INT, [CTX, ANY, MEM_RO, SIZE, ANY], { changesPktData: true }),
  bpf_l3_csum_replace: p(INT, [CTX, ANY, ANY, ANY, ANY], { changesPktData: true }),
  bpf_l4_csum_replace: p(INT, [CTX, ANY, ANY, ANY, ANY], { changesPktData: true }),
  bpf_csum_diff: p(INT, [MEM_RO_OR_NULL, SIZE0, MEM_RO_OR_NULL, SIZE0, ANY], { pktAccess: true }),
  bpf_redirect: p(INT, [ANY, ANY]),
  bpf_redirect_map: p(INT, [MAP, ANY, ANY]),
  bpf_clone_redirect: p(INT, [CTX, ANY, ANY], { changesPktData: true }),
  bpf_get_cgroup_classid: p(INT, [CTX]),
  bpf_get_hash_recalc: p(INT, [CTX]),
  bpf_skb_pull_data: p(INT, [CTX, ANY], { changesPktData: true }),
  bpf_skb_change_tail: p(INT, [CTX, ANY, ANY], { changesPktData: true }),
  bpf_skb_change_head: p(INT, [CTX, ANY, ANY], { changesPktData: true }),
  bpf_skb_vlan_push: p(INT, [CTX, ANY, ANY], { changesPktData: true }),
  bpf_skb_vlan_pop: p(INT, [CTX], { changesPktData: true }),
  bpf_xdp_adjust_head: p(INT, [CTX, ANY], { changesPktData: true }),
  bpf_xdp_adjust_tail: p(INT, [CTX, ANY], { changesPktData: true }),
  bpf_xdp_adjust_meta: p(INT, [CTX, ANY], { changesPktData: true }),
  bpf_get_socket_cookie: p(INT, [CTX]),
  bpf_sk_lookup_tcp: p({ kind: 'sock', nullable: true }, [CTX, MEM_RO, SIZE, ANY, ANY], { pktAccess: true, acquire: true }),
  bpf_sk_lookup_udp: p({ kind: 'sock', nullable: true }, [CTX, MEM_RO, SIZE, ANY, ANY], { pktAccess: true, acquire: true }),
  bpf_skc_lookup_tcp: p({ kind: 'sock_common', nullable: true }, [CTX, MEM_RO, SIZE, ANY, ANY], { pktAccess: true, acquire: true }),
  bpf_sk_release: p(INT, [{ base: 'btf_id_sock_common', release: true }]),
  bpf_sk_fullsock: p({ kind: 'sock', nullable: true }, [{ base: 'sock_common' }], { ptrCast: true }),
  bpf_tcp_sock: p({ kind: 'tcp_sock', nullable: true }, [{ base: 'sock_common' }], { ptrCast: true }),
  // RET_PTR_TO_BTF_ID_OR_NULL: a plain (untrusted-for-kfuncs) BTF pointer to the tcp_sock, or NULL
  bpf_skc_to_tcp_sock: p({ kind: 'btf_id', struct: 'tcp_sock', nullable: true, trusted: false }, [{ base: 'btf_id_sock_common' }], { ptrCast: true }),
};

/** HELPER_PROTOS[func_id] */
export const HELPER_PROTOS: Readonly<Record<number, HelperProto>> = Object.fromEntries(
  Object.entries(BY_NAME).map(([name, proto]) => [id(name), proto]));

export const BPF_FUNC_TAIL_CALL = id('bpf_tail_call');
export const BPF_FUNC_LOOP = id('bpf_loop');
export const BPF_FUNC_MAP_LOOKUP_ELEM = id('bpf_map_lookup_elem');
export const BPF_FUNC_MAP_UPDATE_ELEM = id('bpf_map_update_elem');
export const BPF_FUNC_MAP_DELETE_ELEM = id('bpf_map_delete_elem');
export const BPF_FUNC_MAP_PUSH_ELEM = id('bpf_map_push_elem');
export const BPF_FUNC_MAP_POP_ELEM = id('bpf_map_pop_elem');
export const BPF_FUNC_MAP_PEEK_ELEM = id('bpf_map_peek_elem');
export const BPF_FUNC_SPIN_LOCK = id('bpf_spin_lock');
export const BPF_FUNC_SPIN_UNLOCK = id('bpf_spin_unlock');
export const BPF_FUNC_SK_RELEASE = id('bpf_sk_release');
