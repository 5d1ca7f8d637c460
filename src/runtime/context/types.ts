// Types of the program-context builder (see index.ts for the functions).
// Plain data only: a built context is regions of bytes plus the list of
// pointer fields, so any runtime (the interpreter, native code) can place the
// regions where it likes and patch the pointers.
import type { Errno } from '../../verifier/types';

/** Which user-visible struct r1 points to. */
export type ContextLayout = 'sk_buff' | 'xdp_md' | 'flow_dissector';

/** A network device as BPF_PROG_TEST_RUN sees it (the loopback device unless ctx_in names another ifindex). */
export interface NetDevice {
  ifindex: number;
  /** For messages. */
  name?: string;
  /** dev_addr (6 bytes): eth_type_trans compares the destination MAC with it (pkt_type). */
  addr: Uint8Array;
  /** broadcast (6 bytes): a multicast destination equal to it is PACKET_BROADCAST. */
  broadcast: Uint8Array;
  /** real_num_rx_queues: an XDP ctx_in's rx_queue_index must be below it. */
  rxQueues: number;
}

/** What the caller gives BPF_PROG_TEST_RUN. */
export interface ContextRequest {
  /** Kernel program type name (socket_filter, sched_cls, xdp, ...). */
  progType: string;
  /** data_in: the packet. */
  data: Uint8Array;
  /** ctx_in; absent or empty: none. */
  ctxIn?: Uint8Array;
  /**
   * ctx_size_out. Absent: as large as the struct when there is a ctx_in, else no ctx_out.
   * Smaller than the struct: the run ends with ENOSPC (bpf_ctx_finish).
   */
  ctxSizeOut?: number;
  /** data_size_out. Absent or 0: no limit. Smaller than data_out: ENOSPC (bpf_test_finish). */
  dataSizeOut?: number;
  /**
   * The host's network devices, for ctx_in ifindex / ingress_ifindex (absent ones
   * are ENODEV). Default: only the loopback device (LOOPBACK).
   */
  devices?: readonly NetDevice[];
}

/** Where the caller places each region: 64-bit addresses in its own address space. */
export interface ContextAddresses {
  /** The ctx struct (r1 at entry). */
  ctx: bigint;
  /**
   * The packet (data_meta .. data_end). `data`, `data_end` and `data_meta` are
   * 32-bit fields of the struct as written, so packet + its length must stay below 2^32.
   */
  packet: bigint;
  /** Side structs a 64-bit pointer field points to: `struct bpf_sock` (skb->sk) or `struct bpf_flow_keys`. */
  aux: bigint;
}

export type ContextRegionName = 'ctx' | 'packet' | 'aux';

/** A block of memory the program may touch (compatible with the interpreter's RegionSpec). */
export interface ContextRegion {
  name: ContextRegionName;
  base: bigint;
  bytes: Uint8Array;
  writable: boolean;
}

/**
 * A field of the ctx struct that holds an address: value = address of
 * `target` + `delta`. `size` 4 for the u32 fields (`data`, `data_end`,
 * `data_meta`), 8 for `__bpf_md_ptr` fields (`sk`, `flow_keys`).
 */
export interface PointerField {
  name: string;
  offset: number;
  size: 4 | 8;
  target: Exclude<ContextRegionName, 'ctx'>;
  delta: number;
}

/** What finishContext needs to rebuild data_out and ctx_out; plain data. */
export interface FinishPlan {
  /** Bytes put back in front of the packet region in data_out (non-L2 skb programs: the zeroed Ethernet header). */
  dataOutPrefix: number;
  /** Packet bytes that lie outside the program's reach (XDP frags), appended to data_out. */
  dataOutTail: Uint8Array;
  /** data_out is the aux region instead of the packet (flow dissector: the flow keys). */
  dataOutFromAux: boolean;
  /** ctx_out before the run's fields are copied in (ctx_in, zero-padded to the struct size); null: no ctx. */
  ctxOutBase: Uint8Array | null;
  /** Byte ranges of the ctx region copied to ctx_out after the run (skb: convert_skb_to___skb). */
  ctxOutFields: ReadonlyArray<readonly [number, number]>;
  /** xdp_md: ctx_out's data/data_end are offsets from data_meta. */
  ctxOutXdpOffsets: boolean;
  /** flow dissector: nhoff/thoff clamped to [14, hlen] after the run (bpf_flow_dissect). */
  clampFlowKeys: number | null;
  ctxSizeOut: number;
  dataSizeOut: number;
}

/** A context ready to run: regions, r1, the pointer fields, and how to finish. */
export interface BuiltContext {
  layout: ContextLayout;
  progType: string;
  /** r1 at entry (= the ctx region's base). */
  ctxAddress: bigint;
  /** ctx, packet and (when the struct has one) aux. */
  regions: ContextRegion[];
  pointerFields: PointerField[];
  /** Region legacy LD_ABS/LD_IND read (starts at skb->data); undefined where they are not allowed. */
  packetRegion?: ContextRegionName;
  finish: FinishPlan;
}

/** The kernel refuses the test run (before running the program): errno and why. */
export interface ContextRefusal {
  errno: Errno;
  reason: string;
}

export type ContextResult = { ok: true; context: BuiltContext } | ({ ok: false } & ContextRefusal);

/** data_out and ctx_out after a run, or the kernel's error when it would fail to copy them. */
export type ContextOutput = { ok: true; dataOut: Uint8Array; ctxOut: Uint8Array | null } | ({ ok: false } & ContextRefusal);
