// The context builder's table: one small program per (program type, input,
// field) that returns the field (cgroup skb programs, which may only return
// 0 or 1, store it in cb[0..1] and the case reads ctx_out), plus the test
// run's refusals (EINVAL, E2BIG, ENODEV, ENOSPC) and data_out/ctx_out after
// writes. What Linux answered is recorded in golden/context.json
// (test/kernel/context.test.ts re-checks it on the live kernel, and records it
// again with BPFX_RECORD_CONTEXT=1); test/runtime/context.test.ts holds the
// interpreter to it.
import * as fs from 'fs';
import * as path from 'path';
import { assemble } from '../../src/isa';
import {
  buildContext, finishContext, createVm, run, NetDevice, LOOPBACK, SKB, XDP_MD, SOCK, FLOW_KEYS, BpfRuntimeError,
} from '../../src/runtime';
import { eth, ipv4, ipv6, tcp, udp, pktV4, ETH_P_IP, ETH_P_IPV6, IPPROTO_UDP, IPPROTO_TCP } from './packets';

export interface CtxInput { data: Uint8Array; ctx?: Uint8Array }

/** One case: a program (kernel assembly) run once on an input. */
export interface CtxCase {
  name: string;
  progType: string;
  input: string;
  asm: string;
  /** The answer is r0 ('retval') or cb[0] | cb[1] << 32 of ctx_out ('cb'). */
  measure: 'retval' | 'cb';
  /** Also record data_out and ctx_out in full. */
  outputs?: boolean;
}

/** What a run gave: a verifier rejection, a test-run errno, or the answer. */
export type Observation =
  | { kernel: 'reject' }
  | { errno: string }
  | { value: string; data_out?: string; ctx_out?: string };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const zeros = (n: number): Uint8Array => new Uint8Array(n);
const u8 = (xs: number[]): Uint8Array => Uint8Array.from(xs);

function skbCtx(set: Array<[string, number | bigint, number?]>, size = 192): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  for (const [f, v, at] of set) {
    const off = (SKB[f]?.offset ?? 0) + (at ?? 0);
    if (typeof v === 'bigint') dv.setBigUint64(off, v, true); else if (f === 'tstamp_type') b[off] = v; else dv.setUint32(off, v >>> 0, true);
  }
  return b;
}
function xdpCtx(v: Partial<Record<'data' | 'data_end' | 'data_meta' | 'ingress_ifindex' | 'rx_queue_index' | 'egress_ifindex', number>>, size = 24): Uint8Array {
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  for (const [k, x] of Object.entries(v)) if (XDP_MD[k].offset + 4 <= size) dv.setUint32(XDP_MD[k].offset, x!, true);
  return b;
}

const pattern = (n: number, proto: number): Uint8Array => { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = (i * 7 + 1) & 0xff; b[12] = proto >> 8; b[13] = proto & 0xff; return b; };
const V4_ADDRS = { saddr: [10, 0, 0, 1], daddr: [192, 168, 7, 2] };
const V6_SRC = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V6_DST = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 2];

/** Every input of the table. */
export const INPUTS: Record<string, CtxInput> = {
  zero64: { data: zeros(64) },
  pkt_v4: { data: pktV4() },
  udp_v4: { data: u8([...eth({ src: [2, 0, 0, 0, 0, 9], proto: ETH_P_IP }), ...ipv4({ proto: IPPROTO_UDP, totLen: 36, ttl: 64, ...V4_ADDRS }), ...udp({ sport: 5353, dport: 53, len: 16 }), 1, 2, 3, 4, 5, 6, 7, 8]) },
  tcp_v6: { data: u8([...eth({ proto: ETH_P_IPV6 }), ...ipv6({ next: IPPROTO_TCP, payloadLen: 20, saddr: V6_SRC, daddr: V6_DST }), ...tcp({ sport: 443, dport: 5000 })]) },
  bcast_v4: { data: u8([...eth({ dst: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], proto: ETH_P_IP }), ...ipv4({ proto: IPPROTO_TCP, totLen: 40, ...V4_ADDRS }), ...tcp()]) },
  mcast_v6: { data: u8([...eth({ dst: [0x33, 0x33, 0, 0, 0, 1], proto: ETH_P_IPV6 }), ...ipv6({ next: IPPROTO_UDP, payloadLen: 8, saddr: V6_SRC, daddr: V6_DST }), ...udp({ sport: 1, dport: 2, len: 8 })]) },
  other_mac: { data: u8([...eth({ dst: [2, 0, 0, 0, 0, 1], proto: 0x0806 }), ...zeros(28)]) },
  raw_8023: { data: u8([...eth({ proto: 0x0005 }), 0xff, 0xff, ...zeros(30)]) },
  eth_only_v4: { data: u8(eth({ proto: ETH_P_IP })) },
  pattern: { data: pattern(80, ETH_P_IPV6) },
  ctx_all: {
    data: pktV4(),
    ctx: skbCtx([['mark', 0x11], ['priority', 0x22], ['ingress_ifindex', 0x33], ['ifindex', 1], ['cb', 0x44], ['cb', 0x45, 4], ['cb', 0x48, 16],
      ['tstamp', 0x1234567890n], ['wire_len', 100], ['gso_segs', 3], ['gso_size', 1400], ['hwtstamp', 0x99n]]),
  },
  ctx_zero: { data: pktV4(), ctx: skbCtx([]) },
  ctx_wire0_v6: { data: INPUTS_V6(), ctx: skbCtx([['mark', 5]]) },
};
function INPUTS_V6(): Uint8Array { return u8([...eth({ proto: ETH_P_IPV6 }), ...ipv6({ next: IPPROTO_TCP, payloadLen: 20, saddr: V6_SRC, daddr: V6_DST }), ...tcp()]); }

/** Inputs that only make sense as refusals or specific outputs. */
const SKB_ERROR_INPUTS: Record<string, CtxInput> = {
  short13: { data: zeros(13) },
  len14: { data: u8(eth({ proto: ETH_P_IP })) },
  max3712: { data: zeros(3712) },
  over3713: { data: zeros(3713) },
  ctx_stray_len: { data: zeros(64), ctx: skbCtx([['len', 1]]) },
  ctx_stray_queue_mapping: { data: zeros(64), ctx: skbCtx([['queue_mapping', 1]]) },
  ctx_stray_tc_index: { data: zeros(64), ctx: skbCtx([['tc_index', 9]]) },
  ctx_stray_data: { data: zeros(64), ctx: skbCtx([['data', 9]]) },
  ctx_stray_sk: { data: zeros(64), ctx: skbCtx([['sk', 1n]]) },
  ctx_stray_tstamp_type: { data: zeros(64), ctx: skbCtx([['tstamp_type', 1]]) },
  ctx_tail_nonzero: { data: zeros(64), ctx: u8([...skbCtx([]), 0, 0, 0, 1]) },
  ctx_tail_zero: { data: zeros(64), ctx: u8([...skbCtx([['mark', 3]]), 0, 0, 0, 0]) },
  ctx_ifindex_99: { data: zeros(64), ctx: skbCtx([['ifindex', 99]]) },
  ctx_ifindex_99_and_stray: { data: zeros(64), ctx: skbCtx([['ifindex', 99], ['len', 1]]) },
  ctx_wire_len_small: { data: zeros(64), ctx: skbCtx([['wire_len', 10]]) },
  ctx_wire_len_big: { data: zeros(64), ctx: skbCtx([['wire_len', 0x20000]]) },
  ctx_gso_segs_big: { data: zeros(64), ctx: skbCtx([['gso_segs', 70000]]) },
  ctx_short_100: { data: zeros(64), ctx: skbCtx([['mark', 5]]).subarray(0, 100) },
};
const XDP_INPUTS: Record<string, CtxInput> = {
  short13: { data: zeros(13) },
  len14: { data: zeros(14) },
  big4000: { data: pattern(4000, ETH_P_IP) },
  ctx_meta8: { data: pattern(64, ETH_P_IP), ctx: xdpCtx({ data: 8, data_end: 64 }) },
  ctx_meta216: { data: zeros(300), ctx: xdpCtx({ data: 216, data_end: 300 }) },
  ctx_meta220: { data: zeros(300), ctx: xdpCtx({ data: 220, data_end: 300 }) },
  ctx_meta3: { data: zeros(64), ctx: xdpCtx({ data: 3, data_end: 64 }) },
  ctx_end32: { data: pattern(64, ETH_P_IP), ctx: xdpCtx({ data_end: 32 }) },
  ctx_end65: { data: zeros(64), ctx: xdpCtx({ data_end: 65 }) },
  ctx_data_gt_end: { data: zeros(64), ctx: xdpCtx({ data: 40, data_end: 32 }) },
  ctx_meta_field: { data: zeros(64), ctx: xdpCtx({ data_end: 64, data_meta: 4 }) },
  ctx_egress: { data: zeros(64), ctx: xdpCtx({ data_end: 64, egress_ifindex: 1 }) },
  ctx_lo: { data: zeros(64), ctx: xdpCtx({ data_end: 64, ingress_ifindex: 1 }) },
  ctx_lo_q1: { data: zeros(64), ctx: xdpCtx({ data_end: 64, ingress_ifindex: 1, rx_queue_index: 1 }) },
  ctx_q1_no_dev: { data: zeros(64), ctx: xdpCtx({ data_end: 64, rx_queue_index: 1 }) },
  ctx_dev99: { data: zeros(64), ctx: xdpCtx({ data_end: 64, ingress_ifindex: 99 }) },
  ctx_meta_too_little_data: { data: zeros(20), ctx: xdpCtx({ data: 8, data_end: 20 }) },
  ctx_4_bytes: { data: zeros(64), ctx: xdpCtx({}, 4) },
  ctx_short_8: { data: zeros(64), ctx: xdpCtx({ data_end: 64 }, 8) },
};
const FLOW_INPUTS: Record<string, CtxInput> = {
  short13: { data: zeros(13) },
  page4096: { data: zeros(4096) },
  over4097: { data: zeros(4097) },
  ctx_flags: { data: pktV4(), ctx: (() => { const b = zeros(56); b[FLOW_KEYS.flags.offset] = 3; return b; })() },
  ctx_nhoff: { data: pktV4(), ctx: (() => { const b = zeros(56); b[0] = 1; return b; })() },
};
for (const [k, v] of Object.entries(SKB_ERROR_INPUTS)) INPUTS[`skb_${k}`] = v;
for (const [k, v] of Object.entries(XDP_INPUTS)) INPUTS[`xdp_${k}`] = v;
for (const [k, v] of Object.entries(FLOW_INPUTS)) INPUTS[`flow_${k}`] = v;

// ---- the probes: assembly that leaves the measured value in r0

const ld = (size: 'u8' | 'u16' | 'u32' | 'u64', off: number, reg = 'r1'): string => `*(${size} *)(${reg} +${off})`;
const field = (f: string, size: 'u8' | 'u32' | 'u64' = 'u32', hi = false): string => `r0 = ${ld(size, SKB[f].offset)}${hi ? '\nr0 >>= 32' : ''}`;
const diff = (a: number, b: number): string => `r2 = ${ld('u32', a)}\nr3 = ${ld('u32', b)}\nr0 = r3\nr0 -= r2`;
const pktByte = (dataOff: number, endOff: number, n: number): string =>
  `r2 = ${ld('u32', dataOff)}\nr3 = ${ld('u32', endOff)}\nr4 = r2\nr4 += ${n + 1}\nr0 = 0xffff\nif r4 > r3 goto +1\nr0 = *(u8 *)(r2 +${n})`;
const sockField = (off: number): string => `r2 = ${ld('u64', SKB.sk.offset)}\nr0 = 0xdead\nif r2 == 0x0 goto +1\nr0 = ${ld('u32', off, 'r2')}`;
const keysField = (off: number, size: 'u8' | 'u16' | 'u32'): string => `r2 = ${ld('u64', SKB.flow_keys.offset)}\nr0 = ${ld(size, off, 'r2')}`;

/** Epilogue: return r0, or (cgroup skb) store it in cb[0..1] and return 1. */
function finishAsm(progType: string, body: string): { asm: string; measure: 'retval' | 'cb' } {
  if (progType !== 'cgroup_skb') return { asm: `${body}\nexit`, measure: 'retval' };
  const cb = SKB.cb.offset;
  return { asm: `${body}\n*(u32 *)(r1 +${cb}) = r0\nr0 >>= 32\n*(u32 *)(r1 +${cb + 4}) = r0\nr0 = 1\nexit`, measure: 'cb' };
}

const SKB_TYPES = ['socket_filter', 'sched_cls', 'sched_act', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit'];
/** __sk_buff probes whose value depends on the packet. */
const SKB_PACKET_PROBES: Record<string, string> = {
  len: field('len'), pkt_type: field('pkt_type'), protocol: field('protocol'), ifindex: field('ifindex'),
  family: field('family'), remote_ip4: field('remote_ip4'), local_ip4: field('local_ip4'),
  remote_ip6_0: field('remote_ip6'), local_ip6_3: `r0 = ${ld('u32', SKB.local_ip6.offset + 12)}`,
  wire_len: field('wire_len'), data_len: diff(SKB.data.offset, SKB.data_end.offset), meta_len: diff(SKB.data_meta.offset, SKB.data.offset),
  pkt_byte0: pktByte(SKB.data.offset, SKB.data_end.offset, 0), pkt_byte12: pktByte(SKB.data.offset, SKB.data_end.offset, 12),
  pkt_byte23: pktByte(SKB.data.offset, SKB.data_end.offset, 23),
  sk_family: sockField(SOCK.family.offset), sk_src_ip4: sockField(SOCK.src_ip4.offset), sk_dst_ip4: sockField(SOCK.dst_ip4.offset),
  sk_src_ip6_0: sockField(SOCK.src_ip6.offset), sk_dst_ip6_3: sockField(SOCK.dst_ip6.offset + 12), sk_state: sockField(SOCK.state.offset),
  sk_rx_queue_mapping: sockField(SOCK.rx_queue_mapping.offset), sk_bound_dev_if: sockField(SOCK.bound_dev_if.offset),
  sk_src_port: sockField(SOCK.src_port.offset),
  ld_abs_b0: 'r6 = r1\nr0 = *(u8 *)skb[0]', ld_abs_h12: 'r6 = r1\nr0 = *(u16 *)skb[12]', ld_abs_w20: 'r6 = r1\nr0 = *(u32 *)skb[20]',
};
/** __sk_buff probes of fields the packet does not change (zero64 and the ctx_in inputs). */
const SKB_FIELD_PROBES: Record<string, string> = {
  mark: field('mark'), queue_mapping: field('queue_mapping'), vlan_present: field('vlan_present'), vlan_tci: field('vlan_tci'),
  vlan_proto: field('vlan_proto'), priority: field('priority'), ingress_ifindex: field('ingress_ifindex'), tc_index: field('tc_index'),
  cb0: `r0 = ${ld('u32', SKB.cb.offset)}`, cb1: `r0 = ${ld('u32', SKB.cb.offset + 4)}`, cb4: `r0 = ${ld('u32', SKB.cb.offset + 16)}`,
  hash: field('hash'), tc_classid: field('tc_classid'), napi_id: field('napi_id'), remote_port: field('remote_port'),
  local_port: field('local_port'), tstamp_lo: field('tstamp', 'u64'), tstamp_hi: field('tstamp', 'u64', true), gso_segs: field('gso_segs'),
  gso_size: field('gso_size'), tstamp_type: field('tstamp_type', 'u8'), hwtstamp: field('hwtstamp', 'u64'),
};
const XDP_PROBES: Record<string, string> = {
  data_len: diff(XDP_MD.data.offset, XDP_MD.data_end.offset), meta_len: diff(XDP_MD.data_meta.offset, XDP_MD.data.offset),
  ingress_ifindex: `r0 = ${ld('u32', XDP_MD.ingress_ifindex.offset)}`, rx_queue_index: `r0 = ${ld('u32', XDP_MD.rx_queue_index.offset)}`,
  pkt_byte0: pktByte(XDP_MD.data.offset, XDP_MD.data_end.offset, 0), pkt_byte13: pktByte(XDP_MD.data.offset, XDP_MD.data_end.offset, 13),
  meta_byte0: pktByte(XDP_MD.data_meta.offset, XDP_MD.data.offset, 0),
};
const FLOW_PROBES: Record<string, string> = {
  data_len: diff(SKB.data.offset, SKB.data_end.offset), pkt_byte12: pktByte(SKB.data.offset, SKB.data_end.offset, 12),
  nhoff: keysField(FLOW_KEYS.nhoff.offset, 'u16'), thoff: keysField(FLOW_KEYS.thoff.offset, 'u16'),
  n_proto: keysField(FLOW_KEYS.n_proto.offset, 'u16'), flags: keysField(FLOW_KEYS.flags.offset, 'u32'),
  ip_proto: keysField(FLOW_KEYS.ip_proto.offset, 'u8'),
};

/** Programs that write: the case records data_out and ctx_out. */
const WRITERS: Array<{ name: string; types: string[]; inputs: string[]; asm: string }> = [
  {
    name: 'write_fields', types: ['sched_cls', 'cgroup_skb', 'socket_filter'], inputs: ['ctx_zero', 'ctx_all', 'pattern'],
    asm: `r2 = 7\n*(u32 *)(r1 +${SKB.mark.offset}) = r2\n*(u32 *)(r1 +${SKB.priority.offset}) = r2\n*(u32 *)(r1 +${SKB.cb.offset + 8}) = r2\nr0 = ${ld('u32', SKB.mark.offset)}\nr0 &= 1`,
  },
  {
    name: 'write_tc_only', types: ['sched_cls'], inputs: ['ctx_zero', 'pattern'],
    asm: `r2 = 9\n*(u32 *)(r1 +${SKB.tc_index.offset}) = r2\n*(u32 *)(r1 +${SKB.queue_mapping.offset}) = r2\nr3 = 0x12345\n*(u64 *)(r1 +${SKB.tstamp.offset}) = r3\nr0 = ${ld('u32', SKB.tc_index.offset)}`,
  },
  {
    name: 'write_packet', types: ['sched_cls', 'lwt_xmit'], inputs: ['pattern', 'ctx_zero'],
    asm: `r2 = ${ld('u32', SKB.data.offset)}\nr3 = ${ld('u32', SKB.data_end.offset)}\nr4 = r2\nr4 += 4\nr0 = 0\nif r4 > r3 goto +3\nr5 = 0xab\n*(u8 *)(r2 +1) = r5\nr0 = 1`,
  },
  {
    name: 'write_packet', types: ['xdp'], inputs: ['pattern', 'xdp_ctx_meta8', 'xdp_big4000', 'xdp_ctx_end32'],
    asm: `r2 = ${ld('u32', XDP_MD.data.offset)}\nr3 = ${ld('u32', XDP_MD.data_end.offset)}\nr4 = r2\nr4 += 4\nr0 = 0\nif r4 > r3 goto +3\nr5 = 0xab\n*(u8 *)(r2 +1) = r5\nr0 = 2`,
  },
  {
    name: 'write_keys', types: ['flow_dissector'], inputs: ['pkt_v4', 'flow_ctx_flags'],
    asm: `r2 = ${ld('u64', SKB.flow_keys.offset)}\nr3 = 100\n*(u16 *)(r2 +0) = r3\nr3 = 1\n*(u16 *)(r2 +2) = r3\nr3 = 0x77\n*(u8 *)(r2 +9) = r3\nr0 = 0`,
  },
  { name: 'ret0', types: ['socket_filter', 'sched_cls'], inputs: ['pattern', 'ctx_all', 'tcp_v6'], asm: 'r0 = 0' },
];

/** The whole table, in a stable order. */
export function contextCases(): CtxCase[] {
  const out: CtxCase[] = [];
  const add = (progType: string, input: string, probe: string, body: string, outputs = false): void => {
    const { asm, measure } = finishAsm(progType, body);
    out.push({ name: `${progType} ${input} ${probe}`, progType, input, asm, measure, ...(outputs ? { outputs } : {}) });
  };
  const packetInputs = ['zero64', 'pkt_v4', 'udp_v4', 'tcp_v6', 'bcast_v4', 'mcast_v6', 'other_mac', 'raw_8023', 'eth_only_v4', 'ctx_all', 'ctx_wire0_v6'];
  for (const t of SKB_TYPES) {
    for (const i of packetInputs) for (const [p, body] of Object.entries(SKB_PACKET_PROBES)) add(t, i, p, body);
    for (const i of ['zero64', 'ctx_all', 'ctx_zero']) for (const [p, body] of Object.entries(SKB_FIELD_PROBES)) add(t, i, p, body);
    for (const i of Object.keys(SKB_ERROR_INPUTS)) add(t, `skb_${i}`, 'len', field('len'));
  }
  for (const i of ['zero64', 'pkt_v4', 'tcp_v6', ...Object.keys(XDP_INPUTS).map((k) => `xdp_${k}`)]) {
    for (const [p, body] of Object.entries(XDP_PROBES)) add('xdp', i, p, body);
  }
  for (const i of ['zero64', 'pkt_v4', 'udp_v4', 'tcp_v6', ...Object.keys(FLOW_INPUTS).map((k) => `flow_${k}`)]) {
    for (const [p, body] of Object.entries(FLOW_PROBES)) add('flow_dissector', i, p, body);
  }
  for (const w of WRITERS) for (const t of w.types) for (const i of w.inputs) add(t, i, w.name, w.asm, true);
  return out;
}

// ---- running a case on the interpreter

/** Devices for the interpreter's runs: the loopback device only (the table names no other). */
export const TEST_DEVICES: readonly NetDevice[] = [LOOPBACK];

/** The answer of a run, as the golden file records it. */
export function answer(c: CtxCase, retval: bigint, dataOut: Uint8Array | undefined, ctxOut: Uint8Array | undefined): Observation {
  let value: bigint;
  if (c.measure === 'cb') {
    if (!ctxOut) return { errno: 'no ctx_out' };
    const dv = new DataView(ctxOut.buffer, ctxOut.byteOffset, ctxOut.byteLength);
    value = BigInt(dv.getUint32(SKB.cb.offset, true)) | (BigInt(dv.getUint32(SKB.cb.offset + 4, true)) << 32n);
  } else value = BigInt.asUintN(32, retval); // BPF_PROG_TEST_RUN reports 32 bits
  const o: Observation = { value: '0x' + value.toString(16) };
  if (c.outputs) {
    if (dataOut) o.data_out = hex(dataOut);
    if (ctxOut) o.ctx_out = hex(ctxOut);
  }
  return o;
}

/** The test-run sizes both engines use: ctx_size_out = the ctx_in length, data_size_out = data + 512 (src/kernel/prog.ts testRun). */
export function runSizes(input: CtxInput): { ctxSizeOut: number; dataSizeOut: number } {
  return { ctxSizeOut: input.ctx?.length ?? 0, dataSizeOut: input.data.length + 512 };
}

/** The cgroup skb probes read ctx_out: they run with a zero ctx_in when the input has none. */
export function effectiveInput(c: CtxCase): CtxInput {
  const i = INPUTS[c.input];
  return c.measure === 'cb' && !i.ctx ? { ...i, ctx: new Uint8Array(192) } : i;
}

export function observeInterp(c: CtxCase, devices: readonly NetDevice[] = TEST_DEVICES): Observation {
  const input = effectiveInput(c);
  const r = buildContext({ progType: c.progType, data: input.data, ctxIn: input.ctx, ...runSizes(input), devices });
  if (!r.ok) return { errno: r.errno };
  try {
    const vm = createVm(assemble(c.asm, { source: c.name }));
    const res = run(vm, { args: [r.context.ctxAddress], regions: r.context.regions, packetRegion: r.context.packetRegion });
    const out = finishContext(r.context);
    if (!out.ok) return { errno: out.errno };
    return answer(c, res.retval, out.dataOut, out.ctxOut ?? undefined);
  } catch (e) {
    if (e instanceof BpfRuntimeError) return { errno: `runtime error: ${e.message}` };
    throw e;
  }
}

export const GOLDEN_FILE = path.join(__dirname, '../../../test/runtime/golden/context.json');

export function readGolden(): Record<string, Observation> {
  return JSON.parse(fs.readFileSync(GOLDEN_FILE, 'utf8')) as Record<string, Observation>;
}
