// The user-visible context structs of include/uapi/linux/bpf.h, as a program
// written in C sees them before the verifier's ctx rewrites
// (convert_ctx_access): field offsets and sizes. Checked against the vmlinux
// BTF of Linux 6.18 in test/runtime/context-layout.test.ts.

/** A field of a context struct: byte offset and size (arrays: the whole array). */
export interface CtxField {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

const fields = (list: ReadonlyArray<readonly [string, number, number]>): readonly CtxField[] =>
  list.map(([name, offset, size]) => ({ name, offset, size }));

/** struct __sk_buff (192 bytes). `flow_keys` and `sk` are 64-bit pointers (__bpf_md_ptr). */
export const SK_BUFF_FIELDS = fields([
  ['len', 0, 4], ['pkt_type', 4, 4], ['mark', 8, 4], ['queue_mapping', 12, 4], ['protocol', 16, 4],
  ['vlan_present', 20, 4], ['vlan_tci', 24, 4], ['vlan_proto', 28, 4], ['priority', 32, 4],
  ['ingress_ifindex', 36, 4], ['ifindex', 40, 4], ['tc_index', 44, 4], ['cb', 48, 20], ['hash', 68, 4],
  ['tc_classid', 72, 4], ['data', 76, 4], ['data_end', 80, 4], ['napi_id', 84, 4], ['family', 88, 4],
  ['remote_ip4', 92, 4], ['local_ip4', 96, 4], ['remote_ip6', 100, 16], ['local_ip6', 116, 16],
  ['remote_port', 132, 4], ['local_port', 136, 4], ['data_meta', 140, 4], ['flow_keys', 144, 8],
  ['tstamp', 152, 8], ['wire_len', 160, 4], ['gso_segs', 164, 4], ['sk', 168, 8], ['gso_size', 176, 4],
  ['tstamp_type', 180, 1], ['hwtstamp', 184, 8],
]);
export const SK_BUFF_SIZE = 192;

/** struct xdp_md (24 bytes). */
export const XDP_MD_FIELDS = fields([
  ['data', 0, 4], ['data_end', 4, 4], ['data_meta', 8, 4], ['ingress_ifindex', 12, 4],
  ['rx_queue_index', 16, 4], ['egress_ifindex', 20, 4],
]);
export const XDP_MD_SIZE = 24;

/** struct bpf_sock (80 bytes): what `skb->sk` points to. */
export const BPF_SOCK_FIELDS = fields([
  ['bound_dev_if', 0, 4], ['family', 4, 4], ['type', 8, 4], ['protocol', 12, 4], ['mark', 16, 4],
  ['priority', 20, 4], ['src_ip4', 24, 4], ['src_ip6', 28, 16], ['src_port', 44, 4], ['dst_port', 48, 2],
  ['dst_ip4', 52, 4], ['dst_ip6', 56, 16], ['state', 72, 4], ['rx_queue_mapping', 76, 4],
]);
export const BPF_SOCK_SIZE = 80;

/** struct bpf_flow_keys (56 bytes): what a flow dissector's `skb->flow_keys` points to. */
export const BPF_FLOW_KEYS_FIELDS = fields([
  ['nhoff', 0, 2], ['thoff', 2, 2], ['addr_proto', 4, 2], ['is_frag', 6, 1], ['is_first_frag', 7, 1],
  ['is_encap', 8, 1], ['ip_proto', 9, 1], ['n_proto', 10, 2], ['sport', 12, 2], ['dport', 14, 2],
  ['ipv4_src', 16, 4], ['ipv4_dst', 20, 4], ['ipv6_src', 16, 16], ['ipv6_dst', 32, 16],
  ['flags', 48, 4], ['flow_label', 52, 4],
]);
export const BPF_FLOW_KEYS_SIZE = 56;

function table(list: readonly CtxField[]): Readonly<Record<string, CtxField>> {
  const t: Record<string, CtxField> = {};
  for (const f of list) t[f.name] = f;
  return t;
}

/** Offsets by name, e.g. `SKB.mark.offset`. */
export const SKB = table(SK_BUFF_FIELDS);
export const XDP = table(XDP_MD_FIELDS);
export const SOCK = table(BPF_SOCK_FIELDS);
export const FLOW_KEYS = table(BPF_FLOW_KEYS_FIELDS);
