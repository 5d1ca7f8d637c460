// struct xdp_md as BPF_PROG_TEST_RUN builds it (net/bpf/test_run.c
// bpf_prog_test_run_xdp, xdp_convert_md_to_buff / xdp_convert_buff_to_md),
// and the flow dissector's view (bpf_prog_test_run_flow_dissector,
// bpf_flow_dissect in net/core/flow_dissector.c). Checked against Linux 6.18
// in test/runtime/context.test.ts.
import { XDP, XDP_MD_SIZE, SKB, SK_BUFF_SIZE, FLOW_KEYS, BPF_FLOW_KEYS_SIZE } from './layout';
import { ETH_HLEN, PAGE_SIZE, SHINFO_TAILROOM, ctxInit, findDevice, loopback, putU16, putU32, rangeIsZero, refuse, u32 } from './common';
import { ContextRequest, ContextResult, NetDevice, PointerField } from './types';

const XDP_PACKET_HEADROOM = 256;
/** sizeof(struct xdp_frame): the metadata must leave room for it in the headroom. */
const XDP_FRAME_SIZE = 40;
/** MAX_SKB_FRAGS: data beyond the linear part goes to at most this many page frags. */
const MAX_SKB_FRAGS = 17;

/** Build the xdp_md of a test run (no live frames, no devmap/cpumap attach types). */
export function buildXdp(req: ContextRequest): ContextResult {
  const size = req.data.length;
  const ctxSizeOut = req.ctxSizeOut ?? (req.ctxIn?.length ? XDP_MD_SIZE : 0);
  const user = ctxInit(req.ctxIn, ctxSizeOut, XDP_MD_SIZE, 'struct xdp_md');
  if (user !== null && !(user instanceof Uint8Array)) return user;
  let meta = 0, linear = size;
  if (user) {
    const d = u32(user, XDP.data.offset), end = u32(user, XDP.data_end.offset);
    if (u32(user, XDP.data_meta.offset) !== 0) return refuse('EINVAL', 'ctx_in data_meta must be 0');
    if (end > size) return refuse('EINVAL', `ctx_in data_end ${end} is beyond data_in (${size} bytes)`);
    if (d > end) return refuse('EINVAL', `ctx_in data ${d} is beyond data_end ${end}`);
    if (d & 3 || d > XDP_PACKET_HEADROOM - XDP_FRAME_SIZE) return refuse('EINVAL', `ctx_in data ${d} (the metadata length) must be a multiple of 4 and at most ${XDP_PACKET_HEADROOM - XDP_FRAME_SIZE}`);
    meta = d;
    linear = end;
  }
  const maxLinear = PAGE_SIZE - (XDP_PACKET_HEADROOM - meta) - SHINFO_TAILROOM;
  linear = Math.min(linear, maxLinear);
  if (size - meta < ETH_HLEN) return refuse('EINVAL', `data_in after the metadata is ${size - meta} bytes, less than an Ethernet header (14)`);

  let dev: NetDevice = loopback(req.devices), queue = 0;
  if (user) {
    if (u32(user, XDP.egress_ifindex.offset) !== 0) return refuse('EINVAL', 'ctx_in egress_ifindex must be 0');
    const ifindex = u32(user, XDP.ingress_ifindex.offset);
    queue = u32(user, XDP.rx_queue_index.offset);
    if (!ifindex && queue) return refuse('EINVAL', 'ctx_in rx_queue_index needs an ingress_ifindex');
    if (ifindex) {
      const d = findDevice(req.devices, ifindex);
      if ('ok' in d) return d;
      if (queue >= d.rxQueues) return refuse('EINVAL', `ctx_in rx_queue_index ${queue}: device ${d.name ?? ifindex} has ${d.rxQueues} rx queues`);
      dev = d;
    }
  }
  if (Math.ceil((size - linear) / PAGE_SIZE) > MAX_SKB_FRAGS) return refuse('ENOMEM', `data_in needs more than ${MAX_SKB_FRAGS} page frags`);

  const ctx = new Uint8Array(XDP_MD_SIZE);
  putU32(ctx, XDP.ingress_ifindex.offset, dev.ifindex);
  putU32(ctx, XDP.rx_queue_index.offset, queue);
  const pointerFields: PointerField[] = [
    { name: 'data', offset: XDP.data.offset, size: 4, target: 'packet', delta: meta },
    { name: 'data_end', offset: XDP.data_end.offset, size: 4, target: 'packet', delta: linear },
    { name: 'data_meta', offset: XDP.data_meta.offset, size: 4, target: 'packet', delta: 0 },
  ];
  return {
    ok: true,
    context: {
      layout: 'xdp_md', progType: req.progType, ctxAddress: 0n,
      regions: [
        { name: 'ctx', base: 0n, bytes: ctx, writable: true },
        { name: 'packet', base: 0n, bytes: req.data.slice(0, linear), writable: true },
      ],
      pointerFields,
      finish: {
        dataOutPrefix: 0, dataOutTail: req.data.slice(linear), dataOutFromAux: false,
        ctxOutBase: user, ctxOutFields: [], ctxOutXdpOffsets: true, clampFlowKeys: null,
        ctxSizeOut, dataSizeOut: req.dataSizeOut ?? 0,
      },
    },
  };
}

/** Build a flow dissector's context: __sk_buff with data, data_end and flow_keys only. */
export function buildFlowDissector(req: ContextRequest): ContextResult {
  const size = req.data.length;
  if (size < ETH_HLEN) return refuse('EINVAL', `data_in is ${size} bytes, less than an Ethernet header (14)`);
  if (size > PAGE_SIZE) return refuse('EINVAL', `data_in is ${size} bytes, more than a page`);
  const ctxSizeOut = req.ctxSizeOut ?? (req.ctxIn?.length ? BPF_FLOW_KEYS_SIZE : 0);
  const user = ctxInit(req.ctxIn, ctxSizeOut, BPF_FLOW_KEYS_SIZE, 'struct bpf_flow_keys');
  if (user !== null && !(user instanceof Uint8Array)) return user;
  const flagsAt = FLOW_KEYS.flags.offset;
  if (user && !(rangeIsZero(user, 0, flagsAt) && rangeIsZero(user, flagsAt + 4, BPF_FLOW_KEYS_SIZE))) {
    return refuse('EINVAL', 'ctx_in (struct bpf_flow_keys) may only set flags');
  }
  const keys = new Uint8Array(BPF_FLOW_KEYS_SIZE);
  putU16(keys, FLOW_KEYS.nhoff.offset, ETH_HLEN);
  putU16(keys, FLOW_KEYS.thoff.offset, ETH_HLEN);
  keys[FLOW_KEYS.n_proto.offset] = req.data[12];
  keys[FLOW_KEYS.n_proto.offset + 1] = req.data[13];
  if (user) putU32(keys, flagsAt, u32(user, flagsAt));
  const pointerFields: PointerField[] = [
    { name: 'data', offset: SKB.data.offset, size: 4, target: 'packet', delta: 0 },
    { name: 'data_end', offset: SKB.data_end.offset, size: 4, target: 'packet', delta: size },
    { name: 'flow_keys', offset: SKB.flow_keys.offset, size: 8, target: 'aux', delta: 0 },
  ];
  return {
    ok: true,
    context: {
      layout: 'flow_dissector', progType: req.progType, ctxAddress: 0n,
      regions: [
        { name: 'ctx', base: 0n, bytes: new Uint8Array(SK_BUFF_SIZE), writable: false },
        { name: 'packet', base: 0n, bytes: req.data.slice(), writable: false },
        { name: 'aux', base: 0n, bytes: keys, writable: true },
      ],
      pointerFields,
      finish: {
        dataOutPrefix: 0, dataOutTail: new Uint8Array(0), dataOutFromAux: true,
        ctxOutBase: user, ctxOutFields: [], ctxOutXdpOffsets: false, clampFlowKeys: size,
        ctxSizeOut, dataSizeOut: req.dataSizeOut ?? 0,
      },
    },
  };
}
