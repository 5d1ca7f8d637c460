// check_map_func_compatibility as data (kernel/bpf/verifier.c): the two-way check
// between a helper's map argument and the helper. First from the map's side: some
// map types may only be passed to a few helpers; then from the helper's side: some
// helpers take only a few map types. may_update_sockmap's program types, and
// record_func_map's refusal to write into a BPF_F_RDONLY_PROG map.
import { MAP_TYPE as M, PROG_TYPE as P, ATTACH_TYPE as A } from '../isa/uapi';
import { helperId } from '../isa/helpers';

const ids = (...names: string[]): number[] => names.map((n) => {
  const v = helperId(n);
  if (v === undefined) throw new Error(`helper ${n} missing from the helper id table`);
  return v;
});

const STORAGE_FUNCS = (kind: string): number[] => ids(`bpf_${kind}_storage_get`, `bpf_${kind}_storage_delete`, 'bpf_kptr_xchg');
const RINGBUF_FUNCS = ids('bpf_ringbuf_output', 'bpf_ringbuf_reserve', 'bpf_ringbuf_query', 'bpf_ringbuf_reserve_dynptr',
  'bpf_ringbuf_submit_dynptr', 'bpf_ringbuf_discard_dynptr');
const PERF_FUNCS = ids('bpf_perf_event_read', 'bpf_perf_event_output', 'bpf_skb_output', 'bpf_perf_event_read_value', 'bpf_xdp_output');
const SOCKMAP_FUNCS = ids('bpf_sk_redirect_map', 'bpf_sock_map_update', 'bpf_msg_redirect_map', 'bpf_sk_select_reuseport', 'bpf_map_lookup_elem');
const SOCKHASH_FUNCS = ids('bpf_sk_redirect_hash', 'bpf_sock_hash_update', 'bpf_msg_redirect_hash', 'bpf_sk_select_reuseport', 'bpf_map_lookup_elem');

/** Map types that may be passed only to the listed helpers. */
export const MAP_ONLY_FUNCS: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  [M.prog_array, ids('bpf_tail_call')],
  [M.perf_event_array, PERF_FUNCS],
  [M.ringbuf, RINGBUF_FUNCS],
  [M.user_ringbuf, ids('bpf_user_ringbuf_drain')],
  [M.stack_trace, ids('bpf_get_stackid')],
  [M.cgroup_array, ids('bpf_skb_under_cgroup', 'bpf_current_task_under_cgroup')],
  [M.cgroup_storage, ids('bpf_get_local_storage')],
  [M.percpu_cgroup_storage, ids('bpf_get_local_storage')],
  [M.devmap, ids('bpf_redirect_map', 'bpf_map_lookup_elem')],
  [M.devmap_hash, ids('bpf_redirect_map', 'bpf_map_lookup_elem')],
  [M.cpumap, ids('bpf_redirect_map')],
  [M.xskmap, ids('bpf_redirect_map', 'bpf_map_lookup_elem')],
  [M.array_of_maps, ids('bpf_map_lookup_elem')],
  [M.hash_of_maps, ids('bpf_map_lookup_elem')],
  [M.sockmap, SOCKMAP_FUNCS],
  [M.sockhash, SOCKHASH_FUNCS],
  [M.reuseport_sockarray, ids('bpf_sk_select_reuseport')],
  [M.queue, ids('bpf_map_peek_elem', 'bpf_map_pop_elem', 'bpf_map_push_elem')],
  [M.stack, ids('bpf_map_peek_elem', 'bpf_map_pop_elem', 'bpf_map_push_elem')],
  [M.sk_storage, STORAGE_FUNCS('sk')],
  [M.inode_storage, STORAGE_FUNCS('inode')],
  [M.task_storage, STORAGE_FUNCS('task')],
  [M.cgrp_storage, STORAGE_FUNCS('cgrp')],
  [M.bloom_filter, ids('bpf_map_peek_elem', 'bpf_map_push_elem')],
]);

/** Helpers that take only the listed map types. */
export const FUNC_ONLY_MAPS: ReadonlyMap<number, readonly number[]> = new Map<number, readonly number[]>([
  ...ids('bpf_tail_call').map((f) => [f, [M.prog_array]] as [number, number[]]),
  ...PERF_FUNCS.map((f) => [f, [M.perf_event_array]] as [number, number[]]),
  ...RINGBUF_FUNCS.map((f) => [f, [M.ringbuf]] as [number, number[]]),
  [ids('bpf_user_ringbuf_drain')[0], [M.user_ringbuf]],
  [ids('bpf_get_stackid')[0], [M.stack_trace]],
  ...ids('bpf_current_task_under_cgroup', 'bpf_skb_under_cgroup').map((f) => [f, [M.cgroup_array]] as [number, number[]]),
  [ids('bpf_redirect_map')[0], [M.devmap, M.devmap_hash, M.cpumap, M.xskmap]],
  ...ids('bpf_sk_redirect_map', 'bpf_msg_redirect_map', 'bpf_sock_map_update').map((f) => [f, [M.sockmap]] as [number, number[]]),
  ...ids('bpf_sk_redirect_hash', 'bpf_msg_redirect_hash', 'bpf_sock_hash_update').map((f) => [f, [M.sockhash]] as [number, number[]]),
  [ids('bpf_get_local_storage')[0], [M.cgroup_storage, M.percpu_cgroup_storage]],
  [ids('bpf_sk_select_reuseport')[0], [M.reuseport_sockarray, M.sockmap, M.sockhash]],
  [ids('bpf_map_pop_elem')[0], [M.queue, M.stack]],
  ...ids('bpf_map_peek_elem', 'bpf_map_push_elem').map((f) => [f, [M.queue, M.stack, M.bloom_filter]] as [number, number[]]),
  [ids('bpf_map_lookup_percpu_elem')[0], [M.percpu_array, M.percpu_hash, M.lru_percpu_hash]],
  ...ids('bpf_sk_storage_get', 'bpf_sk_storage_delete').map((f) => [f, [M.sk_storage]] as [number, number[]]),
  ...ids('bpf_inode_storage_get', 'bpf_inode_storage_delete').map((f) => [f, [M.inode_storage]] as [number, number[]]),
  ...ids('bpf_task_storage_get', 'bpf_task_storage_delete').map((f) => [f, [M.task_storage]] as [number, number[]]),
  ...ids('bpf_cgrp_storage_get', 'bpf_cgrp_storage_delete').map((f) => [f, [M.cgrp_storage]] as [number, number[]]),
]);

const [MAP_UPDATE, MAP_DELETE] = ids('bpf_map_update_elem', 'bpf_map_delete_elem');

/**
 * may_update_sockmap: bpf_map_update_elem / bpf_map_delete_elem on a sockmap or sockhash
 * from program types that cannot hold a locked socket. `null` when the helper is neither.
 */
export function mayUpdateSockmap(progType: number, attach: number, funcId: number): boolean | null {
  if (funcId !== MAP_UPDATE && funcId !== MAP_DELETE) return null;
  switch (progType) {
    case P.tracing: return attach === A.trace_iter;
    case P.sock_ops: return funcId === MAP_DELETE;
    case P.socket_filter: case P.sched_cls: case P.sched_act: case P.xdp: case P.sk_reuseport: case P.flow_dissector:
    case P.sk_lookup:
      return true;
    default: return false;
  }
}

/** record_func_map: helpers that write into the map (refused for BPF_F_RDONLY_PROG maps). */
export const MAP_WRITING_FUNCS: ReadonlySet<number> = new Set(ids('bpf_map_delete_elem', 'bpf_map_update_elem', 'bpf_map_push_elem', 'bpf_map_pop_elem'));
