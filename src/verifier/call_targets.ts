// do_misc_fixups' patch_call_imm: a helper call's imm becomes the address of the
// function the program type's get_func_proto chose (bpf_func_proto.func), and a
// map helper's the map type's ops function; a kfunc call's the kfunc's address
// (fixup_kfunc_call). As data: which kernel function each helper reaches, by
// program type and map type (read off the 6.18 xlated dumps through kallsyms). The
// addresses themselves come from the caller (VerifyInput.kernelCallImm). PURE.
import { MAP_TYPE, PROG_TYPE as P } from '../isa/uapi';
import { helperName } from '../isa/helpers';

/** Helpers whose function has another name, for every program type. */
const RENAMED: Readonly<Record<string, string>> = {
  bpf_get_prandom_u32: 'bpf_user_rnd_u32',
  bpf_get_smp_processor_id: 'bpf_get_raw_cpu_id',
};

/** Helpers whose proto differs by program type: [types, function]; the first match wins. */
const BY_PROG_TYPE: Readonly<Record<string, ReadonlyArray<readonly [readonly number[], string]>>> = {
  bpf_perf_event_output: [[[P.tracepoint], 'bpf_perf_event_output_tp'], [[P.raw_tracepoint, P.tracing], 'bpf_perf_event_output_raw_tp'],
    [[P.sched_cls, P.sched_act, P.socket_filter, P.cgroup_skb, P.lwt_in, P.lwt_out, P.lwt_xmit, P.sk_skb], 'bpf_skb_event_output'],
    [[P.xdp], 'bpf_xdp_event_output']],
  bpf_redirect: [[[P.xdp], 'bpf_xdp_redirect']],
  bpf_sk_lookup_tcp: [[[P.sched_cls, P.sched_act], 'bpf_tc_sk_lookup_tcp'], [[P.xdp], 'bpf_xdp_sk_lookup_tcp'], [[P.cgroup_sock_addr], 'bpf_sock_addr_sk_lookup_tcp']],
  bpf_sk_lookup_udp: [[[P.sched_cls, P.sched_act], 'bpf_tc_sk_lookup_udp'], [[P.xdp], 'bpf_xdp_sk_lookup_udp'], [[P.cgroup_sock_addr], 'bpf_sock_addr_sk_lookup_udp']],
  bpf_skc_lookup_tcp: [[[P.sched_cls, P.sched_act], 'bpf_tc_skc_lookup_tcp'], [[P.xdp], 'bpf_xdp_skc_lookup_tcp'], [[P.cgroup_sock_addr], 'bpf_sock_addr_skc_lookup_tcp']],
  bpf_get_stackid: [[[P.perf_event], 'bpf_get_stackid_pe'], [[P.tracepoint], 'bpf_get_stackid_tp'], [[P.raw_tracepoint, P.tracing], 'bpf_get_stackid_raw_tp']],
  bpf_get_stack: [[[P.perf_event], 'bpf_get_stack_pe'], [[P.tracepoint], 'bpf_get_stack_tp'], [[P.raw_tracepoint, P.tracing], 'bpf_get_stack_raw_tp']],
};

/** The map ops function names of a map type: the prefix of its map_*_elem functions and its for_each. */
interface MapOps { elem?: string; lookup?: string; forEach?: string }
const MAP_OPS: Readonly<Record<number, MapOps>> = {
  [MAP_TYPE.array]: { elem: 'array_map', forEach: 'bpf_for_each_array_elem' },
  [MAP_TYPE.percpu_array]: { elem: 'array_map', lookup: 'percpu_array_map_lookup_elem', forEach: 'bpf_for_each_array_elem' },
  [MAP_TYPE.hash]: { elem: 'htab_map', forEach: 'bpf_for_each_hash_elem' },
  [MAP_TYPE.lru_hash]: { elem: 'htab_lru_map', forEach: 'bpf_for_each_hash_elem' },
  [MAP_TYPE.percpu_hash]: { elem: 'htab_percpu_map', forEach: 'bpf_for_each_hash_elem' },
  [MAP_TYPE.lru_percpu_hash]: { elem: 'htab_lru_percpu_map', forEach: 'bpf_for_each_hash_elem' },
};

/** The map helpers do_misc_fixups sends to the map's ops, and the ops member each calls. */
const MAP_HELPER_OP: Readonly<Record<string, 'lookup_elem' | 'update_elem' | 'delete_elem' | 'for_each'>> = {
  bpf_map_lookup_elem: 'lookup_elem', bpf_map_update_elem: 'update_elem', bpf_map_delete_elem: 'delete_elem', bpf_for_each_map_elem: 'for_each',
};
const MAP_HELPERS_OTHER = new Set(['bpf_map_push_elem', 'bpf_map_pop_elem', 'bpf_map_peek_elem', 'bpf_redirect_map', 'bpf_map_lookup_percpu_elem']);

/**
 * The kernel function a helper call reaches, or undefined where this table does not
 * know it (the call keeps the helper id; comparisons mask it). `mapType`: the call's
 * map (map_ptr_state), null when there is none or it is poisoned.
 */
export function helperFunction(helperId: number, progType: number, mapType: number | null): string | undefined {
  const name = helperName(helperId);
  if (name === 'unknown') return undefined;
  const op = MAP_HELPER_OP[name];
  if (op || MAP_HELPERS_OTHER.has(name)) {
    // no map known (poisoned): the helper's own function
    if (mapType === null) return name;
    const ops = MAP_OPS[mapType];
    if (!ops || !op) return undefined;
    if (op === 'for_each') return ops.forEach;
    if (op === 'lookup_elem' && ops.lookup) return ops.lookup;
    return ops.elem && `${ops.elem}_${op}`;
  }
  for (const [types, fn] of BY_PROG_TYPE[name] ?? []) if (types.includes(progType)) return fn;
  return RENAMED[name] ?? name;
}

/** Functions the rewrites call directly (BPF_EMIT_CALL): the inline hash lookup, gen_ld_abs's loads. */
export const EMITTED_CALLS = {
  htabLookup: '__htab_map_lookup_elem',
  skbLoad: { 1: 'bpf_skb_load_helper_8_no_cache', 2: 'bpf_skb_load_helper_16_no_cache', 4: 'bpf_skb_load_helper_32_no_cache' },
} as const;
