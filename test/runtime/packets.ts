// Test packets, written with small header builders: Ethernet, IPv4, IPv6,
// TCP, UDP. `pktV4()` is the kernel selftests' pkt_v4 (tools/testing/
// selftests/bpf/test_progs.c): 54 bytes, zero MACs, ETH_P_IP, an IPv4 header
// with only ihl = 5, protocol = TCP and tot_len = 123 set, and a TCP header
// with doff = 5 and urg_ptr = 123.

export const ETH_P_IP = 0x0800, ETH_P_IPV6 = 0x86dd;
export const IPPROTO_TCP = 6, IPPROTO_UDP = 17;

const be16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];

export function eth(opts: { dst?: number[]; src?: number[]; proto: number }): number[] {
  return [...(opts.dst ?? [0, 0, 0, 0, 0, 0]), ...(opts.src ?? [0, 0, 0, 0, 0, 0]), ...be16(opts.proto)];
}

/** An IPv4 header (20 bytes); `version` defaults to 4 (pkt_v4 leaves it 0). */
export function ipv4(opts: { proto: number; totLen: number; saddr?: number[]; daddr?: number[]; ttl?: number; version?: number }): number[] {
  const h = new Array<number>(20).fill(0);
  h[0] = ((opts.version ?? 4) << 4) | 5;
  h.splice(2, 2, ...be16(opts.totLen));
  h[8] = opts.ttl ?? 0;
  h[9] = opts.proto;
  h.splice(12, 4, ...(opts.saddr ?? [0, 0, 0, 0]));
  h.splice(16, 4, ...(opts.daddr ?? [0, 0, 0, 0]));
  return h;
}

/** An IPv6 header (40 bytes). */
export function ipv6(opts: { next: number; payloadLen: number; saddr?: number[]; daddr?: number[] }): number[] {
  const h = new Array<number>(40).fill(0);
  h[0] = 0x60;
  h.splice(4, 2, ...be16(opts.payloadLen));
  h[6] = opts.next;
  h[7] = 64;
  h.splice(8, 16, ...(opts.saddr ?? new Array<number>(16).fill(0)));
  h.splice(24, 16, ...(opts.daddr ?? new Array<number>(16).fill(0)));
  return h;
}

export function tcp(opts: { sport?: number; dport?: number; urgPtr?: number } = {}): number[] {
  const h = new Array<number>(20).fill(0);
  h.splice(0, 2, ...be16(opts.sport ?? 0));
  h.splice(2, 2, ...be16(opts.dport ?? 0));
  h[12] = 5 << 4; // doff
  h.splice(18, 2, ...be16(opts.urgPtr ?? 0));
  return h;
}

export function udp(opts: { sport: number; dport: number; len: number }): number[] {
  return [...be16(opts.sport), ...be16(opts.dport), ...be16(opts.len), 0, 0];
}

/** The selftests' pkt_v4. */
export function pktV4(): Uint8Array {
  return Uint8Array.from([...eth({ proto: ETH_P_IP }), ...ipv4({ proto: IPPROTO_TCP, totLen: 123, version: 0 }), ...tcp({ urgPtr: 123 })]);
}
