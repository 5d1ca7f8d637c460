// struct __sk_buff as BPF_PROG_TEST_RUN builds it (net/bpf/test_run.c
// bpf_prog_test_run_skb, convert___skb_to_skb / convert_skb_to___skb) for
// socket filters, tc (sched_cls, sched_act), cgroup skb and lwt programs, and
// the struct bpf_sock `skb->sk` points to. Values checked field by field
// against Linux 6.18 in test/runtime/context.test.ts.
import { SKB, SK_BUFF_SIZE, SOCK, BPF_SOCK_SIZE } from './layout';
import { ETH_HLEN, PAGE_SIZE, SHINFO_TAILROOM, ctxInit, ethTypeTrans, findDevice, loopback, putU32, rangeIsZero, refuse, u32 } from './common';
import { ContextRequest, ContextResult, FinishPlan, NetDevice, PointerField } from './types';

/** Program types whose test run builds an skb (bpf_prog_test_run_skb). */
export const SKB_PROG_TYPES: ReadonlySet<string> = new Set(['socket_filter', 'sched_cls', 'sched_act', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit']);
/** tc programs see the packet from the Ethernet header; the others from the network header. */
const L2_TYPES: ReadonlySet<string> = new Set(['sched_cls', 'sched_act']);

/** NET_SKB_PAD + NET_IP_ALIGN on x86-64: the headroom of the test skb. */
const SKB_HEADROOM = 64;
const GSO_LEGACY_MAX_SIZE = 65536, GSO_MAX_SEGS = 65535;
const AF_INET = 2, AF_INET6 = 10, TCP_CLOSE = 7;

/** ctx_in fields the test run takes (convert___skb_to_skb); every other byte must be zero. */
const CTX_IN_FIELDS = ['mark', 'priority', 'ingress_ifindex', 'ifindex', 'cb', 'tstamp', 'wire_len', 'gso_segs', 'gso_size', 'hwtstamp'];
/** Fields copied back to ctx_out after the run (convert_skb_to___skb). */
const CTX_OUT_FIELDS = ['mark', 'priority', 'ingress_ifindex', 'ifindex', 'tstamp', 'cb', 'wire_len', 'gso_segs', 'hwtstamp'];

const range = (name: string): readonly [number, number] => [SKB[name].offset, SKB[name].offset + SKB[name].size];

/** The first non-zero byte of ctx_in outside the fields the test run takes, or -1. */
function strayCtxByte(user: Uint8Array): number {
  const allowed = CTX_IN_FIELDS.map(range).sort((a, b) => a[0] - b[0]);
  let from = 0;
  for (const [lo, hi] of [...allowed, [SK_BUFF_SIZE, SK_BUFF_SIZE] as const]) {
    if (!rangeIsZero(user, from, lo)) for (let i = from; i < lo; i++) if (user[i] !== 0) return i;
    from = hi;
  }
  return -1;
}

/**
 * The socket the test run attaches (sk_alloc + sock_init_data, family and
 * addresses from the IP header); null when the IP header does not fit (Linux
 * 6.18 refuses such a run with EINVAL).
 */
function sockFor(pkt: Uint8Array, protocolField: number): { sock: Uint8Array; family: number; src: Uint8Array; dst: Uint8Array } | null {
  const sock = new Uint8Array(BPF_SOCK_SIZE);
  const headlen = pkt.length - ETH_HLEN;
  const proto = ((protocolField & 0xff) << 8) | (protocolField >> 8);
  let family = 0, src = new Uint8Array(0), dst = new Uint8Array(0);
  if (proto === 0x0800) {
    if (headlen < 20) return null;
    family = AF_INET;
    src = pkt.slice(ETH_HLEN + 12, ETH_HLEN + 16); dst = pkt.slice(ETH_HLEN + 16, ETH_HLEN + 20);
  } else if (proto === 0x86dd) {
    if (headlen < 40) return null;
    family = AF_INET6;
    src = pkt.slice(ETH_HLEN + 8, ETH_HLEN + 24); dst = pkt.slice(ETH_HLEN + 24, ETH_HLEN + 40);
  }
  putU32(sock, SOCK.family.offset, family);
  if (family === AF_INET) { sock.set(src, SOCK.src_ip4.offset); sock.set(dst, SOCK.dst_ip4.offset); }
  if (family === AF_INET6) { sock.set(src, SOCK.src_ip6.offset); sock.set(dst, SOCK.dst_ip6.offset); }
  putU32(sock, SOCK.state.offset, TCP_CLOSE);
  putU32(sock, SOCK.rx_queue_mapping.offset, 0xffffffff);
  return { sock, family, src, dst };
}

/** Check ctx_in as convert___skb_to_skb does; null when acceptable. */
function checkCtxIn(user: Uint8Array, len: number): string | null {
  const stray = strayCtxByte(user);
  if (stray >= 0) return `ctx_in byte ${stray} is not zero: only mark, priority, ingress_ifindex, ifindex, cb, tstamp, wire_len, gso_segs, gso_size and hwtstamp may be set`;
  const wire = u32(user, SKB.wire_len.offset);
  if (wire !== 0 && (wire < len || wire > GSO_LEGACY_MAX_SIZE)) return `ctx_in wire_len ${wire} is not in [${len}, ${GSO_LEGACY_MAX_SIZE}]`;
  const segs = u32(user, SKB.gso_segs.offset);
  if (segs > GSO_MAX_SEGS) return `ctx_in gso_segs ${segs} is above ${GSO_MAX_SEGS}`;
  return null;
}

/** Build the __sk_buff of a test run; the caller then writes the pointer fields (see index.ts). */
export function buildSkb(req: ContextRequest): ContextResult {
  const size = req.data.length;
  if (size < ETH_HLEN) return refuse('EINVAL', `data_in is ${size} bytes, less than an Ethernet header (14)`);
  const max = PAGE_SIZE - SKB_HEADROOM - SHINFO_TAILROOM;
  if (size > max) return refuse('EINVAL', `data_in is ${size} bytes, more than the ${max} an skb test run takes`);
  const ctxSizeOut = req.ctxSizeOut ?? (req.ctxIn?.length ? SK_BUFF_SIZE : 0);
  const user = ctxInit(req.ctxIn, ctxSizeOut, SK_BUFF_SIZE, 'struct __sk_buff');
  if (user !== null && !(user instanceof Uint8Array)) return user;

  let dev: NetDevice = loopback(req.devices);
  if (user && u32(user, SKB.ifindex.offset) > 1) {
    const d = findDevice(req.devices, u32(user, SKB.ifindex.offset));
    if ('ok' in d) return d;
    dev = d;
  }
  const { pktType, protocolField } = ethTypeTrans(req.data, dev);
  const sk = sockFor(req.data, protocolField);
  if (!sk) return refuse('EINVAL', `data_in is ${size} bytes: too short for the IP header its Ethernet type announces`);
  const l2 = L2_TYPES.has(req.progType);
  const packet = req.data.slice(l2 ? 0 : ETH_HLEN);
  const len = packet.length;
  if (user) {
    const bad = checkCtxIn(user, len);
    if (bad) return refuse('EINVAL', bad);
  }

  const ctx = new Uint8Array(SK_BUFF_SIZE);
  putU32(ctx, SKB.len.offset, len);
  putU32(ctx, SKB.pkt_type.offset, pktType);
  putU32(ctx, SKB.protocol.offset, protocolField);
  putU32(ctx, SKB.ifindex.offset, dev.ifindex);
  if (user) {
    for (const f of ['mark', 'priority', 'ingress_ifindex', 'cb', 'tstamp', 'gso_segs', 'gso_size', 'hwtstamp']) {
      const [lo, hi] = range(f);
      ctx.set(user.subarray(lo, hi), lo);
    }
    // qdisc_skb_cb pkt_len: set only when there is a ctx (0 otherwise)
    putU32(ctx, SKB.wire_len.offset, u32(user, SKB.wire_len.offset) || len);
  }
  const { sock, family, src, dst } = sk;
  putU32(ctx, SKB.family.offset, family);
  if (family === AF_INET) { ctx.set(dst, SKB.remote_ip4.offset); ctx.set(src, SKB.local_ip4.offset); }
  if (family === AF_INET6) { ctx.set(dst, SKB.remote_ip6.offset); ctx.set(src, SKB.local_ip6.offset); }

  const pointerFields: PointerField[] = [
    { name: 'data', offset: SKB.data.offset, size: 4, target: 'packet', delta: 0 },
    { name: 'data_end', offset: SKB.data_end.offset, size: 4, target: 'packet', delta: len },
    { name: 'data_meta', offset: SKB.data_meta.offset, size: 4, target: 'packet', delta: 0 },
    { name: 'sk', offset: SKB.sk.offset, size: 8, target: 'aux', delta: 0 },
  ];
  const finish: FinishPlan = {
    dataOutPrefix: l2 ? 0 : ETH_HLEN, dataOutTail: new Uint8Array(0), dataOutFromAux: false,
    ctxOutBase: user, ctxOutFields: CTX_OUT_FIELDS.map(range), ctxOutXdpOffsets: false, clampFlowKeys: null,
    ctxSizeOut, dataSizeOut: req.dataSizeOut ?? 0,
  };
  return {
    ok: true,
    context: {
      layout: 'sk_buff', progType: req.progType, ctxAddress: 0n,
      regions: [
        { name: 'ctx', base: 0n, bytes: ctx, writable: true },
        { name: 'packet', base: 0n, bytes: packet, writable: true },
        { name: 'aux', base: 0n, bytes: sock, writable: false },
      ],
      pointerFields, packetRegion: 'packet', finish,
    },
  };
}
