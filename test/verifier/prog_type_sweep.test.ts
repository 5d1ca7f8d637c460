// What each program type may do with the same program (may_update_sockmap,
// check_map_func_compatibility, may_access_direct_pkt_data for helper arguments),
// swept over 25 program types: bpf_map_delete_elem on a sockmap and on a sockhash,
// and bpf_map_lookup_elem with a key in the packet (bounds-checked) for the types
// whose context has packet pointers. Each program runs on the model and, in the same
// test, on the live kernel: same verdict and the same level-1 log. What the kernel
// (Linux 6.18) answered was recorded when the sweep was written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROG_TYPES, ATTACH_TYPES, MapInfo } from '../../src/verifier/types';
import { kernelAvailable } from '../../src/kernel';
import { SweepCase, modelTally, kernelDisagreements } from './sweep';

const SOCKMAP = 1, SOCKHASH = 2, HASH = 3;
const MAPS: ReadonlyMap<number, MapInfo> = new Map([
  [SOCKMAP, { type: 15, keySize: 4, valueSize: 4, maxEntries: 1, name: 'sockmap' }],
  [SOCKHASH, { type: 18, keySize: 4, valueSize: 4, maxEntries: 1, name: 'sockhash' }],
  [HASH, { type: 1, keySize: 4, valueSize: 8, maxEntries: 1, name: 'hash' }],
]);
/** Program types with the expected attach type they load with. */
const TYPES: readonly [string, string?][] = [
  ['socket_filter'], ['kprobe'], ['sched_cls'], ['sched_act'], ['tracepoint'], ['xdp'], ['perf_event'], ['cgroup_skb', 'cgroup_inet_ingress'],
  ['cgroup_sock', 'cgroup_inet_sock_create'], ['lwt_in'], ['lwt_out'], ['lwt_xmit'], ['sock_ops'], ['sk_skb'], ['cgroup_device', 'cgroup_device'],
  ['sk_msg'], ['raw_tracepoint'], ['cgroup_sock_addr', 'cgroup_inet4_connect'], ['lwt_seg6local'], ['sk_reuseport'],
  ['flow_dissector'], ['cgroup_sysctl', 'cgroup_sysctl'], ['cgroup_sockopt', 'cgroup_getsockopt'], ['sk_lookup', 'sk_lookup'], ['netfilter', 'netfilter'],
];
const SKB_PKT = ['r6 = *(u32 *)(r1 + 76)', 'r7 = *(u32 *)(r1 + 80)'];
/** Loads of data and data_end from the context, for the types the model has context rules for. */
const PACKET: Readonly<Record<string, readonly string[]>> = {
  sched_cls: SKB_PKT, sched_act: SKB_PKT, cgroup_skb: SKB_PKT, lwt_in: SKB_PKT, lwt_out: SKB_PKT, lwt_xmit: SKB_PKT, sk_skb: SKB_PKT,
  flow_dissector: SKB_PKT, xdp: ['r6 = *(u32 *)(r1 + 0)', 'r7 = *(u32 *)(r1 + 4)'], sk_msg: ['r6 = *(u64 *)(r1 + 0)', 'r7 = *(u64 *)(r1 + 8)'],
  cgroup_sockopt: ['r6 = *(u64 *)(r1 + 8)', 'r7 = *(u64 *)(r1 + 16)'], sock_ops: ['r6 = *(u64 *)(r1 + 208)', 'r7 = *(u64 *)(r1 + 216)'],
};

function sweep(): SweepCase[] {
  const out: SweepCase[] = [];
  for (const [type, attach] of TYPES) {
    const base = { progType: PROG_TYPES[type], expectedAttachType: attach ? ATTACH_TYPES[attach] : undefined, maps: MAPS };
    for (const [name, key] of [['sockmap', SOCKMAP], ['sockhash', SOCKHASH]] as const) {
      out.push({ ...base, name: `${type}: bpf_map_delete_elem on a ${name}`,
        asm: `r1 = map_fd(${key}) ll\n*(u32 *)(r10 - 4) = 0\nr2 = r10\nr2 += -4\ncall 3\nr0 = 1\nexit\n` });
    }
    const p = PACKET[type];
    if (p) {
      out.push({ ...base, name: `${type}: bpf_map_lookup_elem with a key in the packet`,
        asm: `${p[0]}\n${p[1]}\nr2 = r6\nr2 += 4\nif r2 > r7 goto out\nr1 = map_fd(${HASH}) ll\nr2 = r6\ncall 1\nout:\nr0 = 1\nexit\n` });
    }
  }
  return out;
}

const CASES = sweep();
const KERNEL_ACCEPTED = 27;
const KERNEL_REJECTED: Readonly<Record<string, number>> = {
  'cannot pass map_type 15 into func bpf_map_delete_elem#3': 17,
  'cannot pass map_type 18 into func bpf_map_delete_elem#3': 17,
  'invalid bpf_context access off=208 size=8': 1,
};

test(`program types: the model accepts the ${KERNEL_ACCEPTED} programs the kernel accepted and rejects the rest as it did`, () => {
  assert.equal(CASES.length, 62);
  assert.deepEqual(modelTally(CASES), { accepted: KERNEL_ACCEPTED, rejected: KERNEL_REJECTED, notModelled: [] });
});

const k = kernelAvailable();
test('program types: the model and the kernel give the same verdict and log', { skip: k.ok ? false : k.reason }, () => {
  assert.deepEqual(kernelDisagreements(CASES), []);
});
