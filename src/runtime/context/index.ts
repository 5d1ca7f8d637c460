// The program context as the kernel's BPF_PROG_TEST_RUN builds it: one pure
// implementation, for the interpreter and for native execution.
//
//   const r = buildContext({ progType: 'sched_cls', data }, DEFAULT_CONTEXT_ADDRESSES);
//   if (!r.ok) -> the kernel's errno (EINVAL, E2BIG, ENODEV, ENOMEM) and why
//   run with r1 = r.context.ctxAddress and r.context.regions mapped
//   const out = finishContext(r.context);   // data_out, ctx_out (or ENOSPC)
//
// A program runs as written, before the verifier's ctx rewrites, so it reads
// the user-visible struct (__sk_buff, xdp_md): `data`, `data_end` and
// `data_meta` are 32-bit fields holding the packet's address, so the packet
// must be placed below 4 GiB; `sk` and `flow_keys` are 64-bit. Every pointer
// field is listed in `pointerFields`; relocateContext moves the regions to
// other addresses (a native runtime builds first, maps memory of the region
// sizes, relocates, copies the bytes in, and copies them back before finishing).
//
// Covered program types (the ones whose test run takes a packet):
//   sk_buff:        socket_filter, sched_cls, sched_act, cgroup_skb, lwt_in, lwt_out, lwt_xmit
//   xdp_md:         xdp
//   flow_dissector: flow_dissector (__sk_buff with data, data_end, flow_keys)
// contextLayout() answers undefined for every other type: the caller keeps
// its own convention for those (the interpreter engine passes the input bytes
// as r1/r2) and must say so.
import { BpfRuntimeError, hexAddr } from '../errors';
import { buildSkb, SKB_PROG_TYPES } from './skb';
import { buildXdp, buildFlowDissector } from './xdp';
import { FLOW_KEYS, XDP } from './layout';
import { refuse, u16, putU16, u32, putU32 } from './common';
import { BuiltContext, ContextAddresses, ContextLayout, ContextOutput, ContextRegion, ContextRegionName, ContextRequest, ContextResult } from './types';

export type {
  BuiltContext, ContextAddresses, ContextLayout, ContextOutput, ContextRefusal, ContextRegion, ContextRegionName,
  ContextRequest, ContextResult, FinishPlan, NetDevice, PointerField,
} from './types';
export { LOOPBACK } from './common';
export {
  SK_BUFF_FIELDS, SK_BUFF_SIZE, XDP_MD_FIELDS, XDP_MD_SIZE, BPF_SOCK_FIELDS, BPF_SOCK_SIZE,
  BPF_FLOW_KEYS_FIELDS, BPF_FLOW_KEYS_SIZE, SKB, XDP as XDP_MD, SOCK, FLOW_KEYS,
} from './layout';
export type { CtxField } from './layout';

/**
 * data_in of a test run given no packet: 64 zero bytes, as the kernel
 * selftests' test_loader (do_prog_test_run) passes for __retval checks.
 */
export const DEFAULT_DATA_IN_SIZE = 64;

/**
 * Default placement, clear of the interpreter's stack, map and code windows:
 * the packet below 4 GiB (its address fits the u32 fields), ctx and aux above.
 */
export const DEFAULT_CONTEXT_ADDRESSES: Readonly<ContextAddresses> = {
  ctx: 0x0000_5000_0000_0000n,
  aux: 0x0000_5000_0001_0000n,
  packet: 0x0000_0000_4000_0000n,
};

/** The struct r1 points to for a program type, or undefined when the type is not covered. */
export function contextLayout(progType: string): ContextLayout | undefined {
  if (SKB_PROG_TYPES.has(progType)) return 'sk_buff';
  if (progType === 'xdp') return 'xdp_md';
  if (progType === 'flow_dissector') return 'flow_dissector';
  return undefined;
}

/**
 * Build the context of one test run, placed at `addrs`. Refusals are the
 * kernel's (the test run would fail with that errno before running the
 * program). Throws BpfRuntimeError for a program type that is not covered or
 * addresses that cannot hold the regions.
 */
export function buildContext(req: ContextRequest, addrs: ContextAddresses = DEFAULT_CONTEXT_ADDRESSES): ContextResult {
  const layout = contextLayout(req.progType);
  if (!layout) throw new BpfRuntimeError('bad-argument', -1, `no context model for program type '${req.progType}'`);
  const r = layout === 'sk_buff' ? buildSkb(req) : layout === 'xdp_md' ? buildXdp(req) : buildFlowDissector(req);
  return r.ok ? { ok: true, context: relocateContext(r.context, addrs) } : r;
}

/** The same context at other addresses: new region bases, pointer fields rewritten (every region's bytes copied). */
export function relocateContext(c: BuiltContext, addrs: ContextAddresses): BuiltContext {
  const regions: ContextRegion[] = c.regions.map((r) => ({ ...r, base: BigInt.asUintN(64, addrs[r.name]), bytes: r.bytes.slice() }));
  const byName = (n: ContextRegionName): ContextRegion => regions.find((r) => r.name === n)!;
  const ctx = byName('ctx');
  const dv = new DataView(ctx.bytes.buffer, ctx.bytes.byteOffset, ctx.bytes.byteLength);
  for (const f of c.pointerFields) {
    const target = byName(f.target);
    const value = target.base + BigInt(f.delta);
    if (f.size === 4) {
      if (target.base + BigInt(target.bytes.length) > 0xffff_ffffn) {
        throw new BpfRuntimeError('bad-region', -1, `${f.target} region at ${hexAddr(target.base)} does not fit the 32-bit ctx field '${f.name}': place it below 4 GiB`);
      }
      dv.setUint32(f.offset, Number(value), true);
    } else dv.setBigUint64(f.offset, value, true);
  }
  return { ...c, regions, ctxAddress: ctx.base };
}

/**
 * data_out and ctx_out after the run, from the regions' bytes (the
 * interpreter writes them in place; a native runtime passes copies in
 * `after`). ENOSPC where the kernel's copy-out would fail.
 */
export function finishContext(c: BuiltContext, after: Partial<Record<ContextRegionName, Uint8Array>> = {}): ContextOutput {
  const region = (n: ContextRegionName): ContextRegion | undefined => c.regions.find((r) => r.name === n);
  const bytes = (n: ContextRegionName): Uint8Array => after[n] ?? region(n)?.bytes ?? new Uint8Array(0);
  const p = c.finish;
  let dataOut: Uint8Array;
  if (p.dataOutFromAux) {
    dataOut = bytes('aux').slice();
    if (p.clampFlowKeys !== null) {
      const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);
      const nh = clamp(u16(dataOut, FLOW_KEYS.nhoff.offset), 14, p.clampFlowKeys);
      putU16(dataOut, FLOW_KEYS.nhoff.offset, nh);
      putU16(dataOut, FLOW_KEYS.thoff.offset, clamp(u16(dataOut, FLOW_KEYS.thoff.offset), nh, p.clampFlowKeys));
    }
  } else {
    const pkt = bytes('packet');
    dataOut = new Uint8Array(p.dataOutPrefix + pkt.length + p.dataOutTail.length);
    dataOut.set(pkt, p.dataOutPrefix);
    dataOut.set(p.dataOutTail, p.dataOutPrefix + pkt.length);
  }
  if (p.dataSizeOut && dataOut.length > p.dataSizeOut) return refuse('ENOSPC', `data_out is ${dataOut.length} bytes, data_size_out ${p.dataSizeOut}`);
  if (!p.ctxOutBase) return { ok: true, dataOut, ctxOut: null };
  const ctxOut = p.ctxOutBase.slice();
  const ctx = bytes('ctx');
  for (const [lo, hi] of p.ctxOutFields) ctxOut.set(ctx.subarray(lo, hi), lo);
  if (p.ctxOutXdpOffsets) {
    const meta = u32(ctx, XDP.data_meta.offset);
    putU32(ctxOut, XDP.data.offset, u32(ctx, XDP.data.offset) - meta);
    putU32(ctxOut, XDP.data_end.offset, u32(ctx, XDP.data_end.offset) - meta);
  }
  if (p.ctxSizeOut < ctxOut.length) return refuse('ENOSPC', `ctx_out is ${ctxOut.length} bytes, ctx_size_out ${p.ctxSizeOut}`);
  return { ok: true, dataOut, ctxOut };
}
