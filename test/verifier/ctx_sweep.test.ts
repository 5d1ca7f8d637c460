// Every context access of every program type the model has rules for
// (src/verifier/ctx.ts, the is_valid_access of each bpf_verifier_ops), swept:
// offsets from -8 to 8 past the end of the context struct, sizes 1, 2, 4 and 8,
// loads and stores, aligned offsets and offsets one past a 4-byte boundary.
// Each program `rX = *(size *)(r1 + off)` or `*(size *)(r1 + off) = r2` runs on
// the model and, in the same test, on the live kernel: same verdict and the same
// level-1 log (so the same message). How many loads and stores the kernel
// (Linux 6.18) accepted for each row was recorded when the table was written;
// the model must accept as many even where no kernel is at hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from '../../src/verifier';
import { PROG_TYPES, ATTACH_TYPES } from '../../src/verifier/types';
import { Insn, insn } from '../../src/isa/insn';
import { kernelAvailable } from '../../src/kernel';
import { firstErrorLine } from '../../src/verifier/error_line';
import { kernelDisagreements } from './sweep';

/** [program type, expected attach type, sizeof(context struct), loads accepted, stores accepted] as Linux 6.18 answered. */
type Row = readonly [string, string | undefined, number, number, number];
const ROWS: readonly Row[] = [
  ['socket_filter', undefined, 192, 150, 37],
  ['sched_cls', undefined, 192, 170, 43],
  ['sched_act', undefined, 192, 170, 43],
  ['cgroup_skb', 'cgroup_inet_ingress', 192, 185, 40],
  ['lwt_in', undefined, 192, 152, 39],
  ['lwt_out', undefined, 192, 152, 39],
  ['lwt_xmit', undefined, 192, 152, 39],
  ['sk_skb', undefined, 192, 176, 2],
  ['sk_msg', undefined, 80, 17, 0],
  ['flow_dissector', undefined, 192, 3, 0],
  ['xdp', undefined, 24, 5, 0],
  ['xdp', 'xdp_devmap', 24, 6, 0],
  ['cgroup_sock', 'cgroup_inet_sock_create', 80, 57, 3],
  ['cgroup_sock', 'cgroup_inet_sock_release', 80, 57, 3],
  ['cgroup_sock', 'cgroup_inet4_post_bind', 80, 64, 0],
  ['cgroup_sock', 'cgroup_inet6_post_bind', 80, 85, 0],
  ['cgroup_sock_addr', 'cgroup_inet4_bind', 72, 19, 2],
  ['cgroup_sock_addr', 'cgroup_inet6_connect', 72, 42, 7],
  ['cgroup_sock_addr', 'cgroup_udp4_sendmsg', 72, 26, 3],
  ['cgroup_sock_addr', 'cgroup_udp6_sendmsg', 72, 71, 12],
  ['cgroup_sock_addr', 'cgroup_udp6_recvmsg', 72, 42, 7],
  ['cgroup_sock_addr', 'cgroup_unix_connect', 72, 12, 1],
  ['sock_ops', undefined, 224, 52, 2],
  ['cgroup_sockopt', 'cgroup_getsockopt', 40, 7, 2],
  ['cgroup_sockopt', 'cgroup_setsockopt', 40, 6, 3],
  ['kprobe', undefined, 168, 315, 0],
  ['tracepoint', undefined, 32, 75, 0],
  ['perf_event', undefined, 184, 51, 0],
  ['raw_tracepoint', undefined, 96, 180, 0],
  ['cgroup_device', 'cgroup_device', 12, 9, 0],
  ['cgroup_sysctl', 'cgroup_sysctl', 8, 14, 1],
];

/** BPF_SIZE bits of a load or store of 1, 2, 4, 8 bytes. */
const SIZE_BITS: Readonly<Record<number, number>> = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 };
const BPF_LDX_MEM = 0x61, BPF_STX_MEM = 0x63, MOV64_IMM = 0xb7, EXIT = 0x95;

/** One access of the sweep: its program (r0 = 1 is a valid return value of every type here). */
interface Access { off: number; size: number; store: boolean; insns: Insn[] }

function accesses(structSize: number): Access[] {
  const out: Access[] = [];
  for (let off = -8; off < structSize + 8; off++) {
    for (const size of [1, 2, 4, 8]) {
      if (off % size !== 0 && off % 4 !== 1) continue;
      for (const store of [false, true]) {
        const insns = store
          ? [insn(MOV64_IMM, 2, 0, 0, 0), insn(BPF_STX_MEM | SIZE_BITS[size], 1, 2, off, 0), insn(MOV64_IMM, 0, 0, 0, 1), insn(EXIT)]
          : [insn(BPF_LDX_MEM | SIZE_BITS[size], 2, 1, off, 0), insn(MOV64_IMM, 0, 0, 0, 1), insn(EXIT)];
        out.push({ off, size, store, insns });
      }
    }
  }
  return out;
}

const k = kernelAvailable();
const kernelSkip = k.ok ? false : k.reason;
const rowName = ([type, attach]: Row): string => `${type}${attach ? `/${attach}` : ''}`;
const what = (a: Access): string => `${a.store ? 'store' : 'load'} off=${a.off} size=${a.size}`;

for (const row of ROWS) {
  const [type, attach, structSize, loads, stores] = row;
  const progType = PROG_TYPES[type], expectedAttachType = attach ? ATTACH_TYPES[attach] : undefined;
  const model = (a: Access): ReturnType<typeof verify> => verify({ insns: a.insns, progType, expectedAttachType, logLevel: 1 });

  test(`context sweep ${rowName(row)}: the model accepts the kernel's ${loads} loads and ${stores} stores`, () => {
    const ok = { loads: 0, stores: 0 };
    for (const a of accesses(structSize)) {
      const m = model(a);
      assert.notEqual(m.notModelled, true, `${what(a)}: ${m.log}`);
      if (m.verdict === 'accept') ok[a.store ? 'stores' : 'loads']++;
      else assert.match(firstErrorLine(m.log) ?? '', /^invalid bpf_context access off=-?\d+ size=\d|misaligned|BPF_ST|cannot write/, `${what(a)}: ${m.log}`);
    }
    assert.deepEqual(ok, { loads, stores });
  });

  test(`context sweep ${rowName(row)}: the model and the kernel give the same verdict and log`, { skip: kernelSkip }, () => {
    const cases = accesses(structSize).map((a) => ({ name: what(a), progType, expectedAttachType, insns: a.insns }));
    assert.deepEqual(kernelDisagreements(cases), []);
  });
}
