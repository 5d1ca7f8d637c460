// Pieces shared by the context builders: the test run's ctx_in handling
// (bpf_ctx_init with bpf_check_uarg_tail_zero), eth_type_trans, the devices.
import { ContextRefusal, NetDevice } from './types';

export const PAGE_SIZE = 4096;
export const ETH_HLEN = 14;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64: the tailroom of skb and XDP test buffers. */
export const SHINFO_TAILROOM = 320;

/** The loopback device of the caller's network namespace: what the test run uses unless ctx_in names another. */
export const LOOPBACK: NetDevice = {
  ifindex: 1, name: 'lo', addr: new Uint8Array(6), broadcast: new Uint8Array(6), rxQueues: 1,
};

export const refuse = (errno: ContextRefusal['errno'], reason: string): { ok: false } & ContextRefusal => ({ ok: false, errno, reason });

/**
 * bpf_ctx_init: null when neither ctx_in nor ctx_out is given; else `size`
 * zero bytes with ctx_in copied in. A longer ctx_in must be zero past `size`
 * (E2BIG), and at most a page.
 */
export function ctxInit(ctxIn: Uint8Array | undefined, ctxSizeOut: number, size: number, what: string): Uint8Array | null | ({ ok: false } & ContextRefusal) {
  const given = ctxIn !== undefined && ctxIn.length > 0;
  if (!given && ctxSizeOut === 0) return null;
  const buf = new Uint8Array(size);
  if (!given) return buf;
  if (ctxIn.length > PAGE_SIZE) return refuse('E2BIG', `ctx_in is ${ctxIn.length} bytes, more than a page`);
  for (let i = size; i < ctxIn.length; i++) {
    if (ctxIn[i] !== 0) return refuse('E2BIG', `ctx_in byte ${i} is not zero (${what} is ${size} bytes)`);
  }
  buf.set(ctxIn.subarray(0, Math.min(size, ctxIn.length)));
  return buf;
}

/** True when bytes [from, to) of `b` are all zero. */
export function rangeIsZero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

export const u32 = (b: Uint8Array, off: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, true);
export const putU32 = (b: Uint8Array, off: number, v: number): void => new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(off, v >>> 0, true);
export const putU16 = (b: Uint8Array, off: number, v: number): void => new DataView(b.buffer, b.byteOffset, b.byteLength).setUint16(off, v, true);
export const u16 = (b: Uint8Array, off: number): number => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(off, true);

/** The device ctx_in names (0 or 1: loopback), or a refusal (ENODEV). */
export function findDevice(devices: readonly NetDevice[] | undefined, ifindex: number): NetDevice | ({ ok: false } & ContextRefusal) {
  const list = devices ?? [LOOPBACK];
  const d = list.find((x) => x.ifindex === ifindex);
  return d ?? refuse('ENODEV', `no network device with ifindex ${ifindex}`);
}

/** The loopback device of `devices` (ifindex 1), or LOOPBACK. */
export const loopback = (devices: readonly NetDevice[] | undefined): NetDevice => devices?.find((d) => d.ifindex === 1) ?? LOOPBACK;

const PACKET_HOST = 0, PACKET_BROADCAST = 1, PACKET_MULTICAST = 2, PACKET_OTHERHOST = 3;
const ETH_P_802_3_MIN = 0x600, ETH_P_802_3 = 0x0001, ETH_P_802_2 = 0x0004;

const sameMac = (a: Uint8Array, off: number, b: Uint8Array): boolean => {
  for (let i = 0; i < 6; i++) if (a[off + i] !== (b[i] ?? 0)) return false;
  return true;
};

/**
 * eth_type_trans on a packet of at least ETH_HLEN bytes received on `dev`:
 * pkt_type from the destination MAC, and skb->protocol (network byte order,
 * returned as the host-order u16 a 16-bit load of the field gives on a
 * little-endian machine).
 */
export function ethTypeTrans(pkt: Uint8Array, dev: NetDevice): { pktType: number; protocolField: number } {
  let pktType = PACKET_HOST;
  if (!sameMac(pkt, 0, dev.addr)) {
    if (pkt[0] & 1) pktType = sameMac(pkt, 0, dev.broadcast) ? PACKET_BROADCAST : PACKET_MULTICAST;
    else pktType = PACKET_OTHERHOST;
  }
  const hProto = (pkt[12] << 8) | pkt[13];
  let proto: number;
  if (hProto >= ETH_P_802_3_MIN) proto = hProto;
  // Raw 802.3 (Novell): the payload starts with 0xFFFF; else 802.2 LLC.
  else proto = pkt.length >= ETH_HLEN + 2 && pkt[14] === 0xff && pkt[15] === 0xff ? ETH_P_802_3 : ETH_P_802_2;
  // __be16 read as little-endian
  return { pktType, protocolField: ((proto & 0xff) << 8) | (proto >> 8) };
}
