// The context builder (src/runtime/context) field by field: every case of the
// table (context-cases.ts) run on the interpreter gives the answer Linux 6.18
// gave (golden/context.json, re-checked on the live kernel by
// test/kernel/context.test.ts); cases the kernel's verifier rejects are skipped.
// Plus the builder's API: placement, relocation, refusals, devices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextCases, observeInterp, readGolden } from './context-cases';
import { eth, ETH_P_IP } from './packets';
import {
  buildContext, relocateContext, finishContext, contextLayout, DEFAULT_CONTEXT_ADDRESSES, LOOPBACK, SKB, XDP_MD, BpfRuntimeError,
} from '../../src/runtime';

test('context table: the interpreter answers as Linux did, case by case', () => {
  const golden = readGolden();
  const cases = contextCases();
  const wrong: string[] = [];
  let checked = 0;
  for (const c of cases) {
    const want = golden[c.name];
    assert.ok(want, `no recorded answer for '${c.name}' (record with BPFX_RECORD_CONTEXT=1 node --test dist/test/kernel/context.test.js)`);
    if ('kernel' in want) continue;
    checked++;
    const got = observeInterp(c);
    if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${c.name}: interp ${JSON.stringify(got)}, Linux ${JSON.stringify(want)}`);
  }
  assert.deepEqual(wrong, []);
  assert.ok(checked > 2000, `${checked} cases checked`);
});

test('contextLayout: the program types with a test-run context', () => {
  assert.deepEqual(
    ['socket_filter', 'sched_cls', 'sched_act', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'xdp', 'flow_dissector', 'kprobe', 'tracepoint', 'syscall', 'lwt_seg6local'].map(contextLayout),
    ['sk_buff', 'sk_buff', 'sk_buff', 'sk_buff', 'sk_buff', 'sk_buff', 'sk_buff', 'xdp_md', 'flow_dissector', undefined, undefined, undefined, undefined],
  );
  assert.throws(() => buildContext({ progType: 'kprobe', data: new Uint8Array(64) }), (e: unknown) => e instanceof BpfRuntimeError && /no context model for program type 'kprobe'/.test(e.message));
});

test('buildContext: regions, r1 and pointer fields at the default addresses', () => {
  const r = buildContext({ progType: 'sched_cls', data: new Uint8Array(65) });
  assert.ok(r.ok);
  const c = r.context;
  assert.equal(c.ctxAddress, DEFAULT_CONTEXT_ADDRESSES.ctx);
  assert.deepEqual(c.regions.map((x) => [x.name, x.base, x.bytes.length, x.writable]), [
    ['ctx', DEFAULT_CONTEXT_ADDRESSES.ctx, 192, true], ['packet', DEFAULT_CONTEXT_ADDRESSES.packet, 65, true], ['aux', DEFAULT_CONTEXT_ADDRESSES.aux, 80, false],
  ]);
  assert.deepEqual(c.pointerFields.map((f) => [f.name, f.offset, f.size, f.target, f.delta]), [
    ['data', 76, 4, 'packet', 0], ['data_end', 80, 4, 'packet', 65], ['data_meta', 140, 4, 'packet', 0], ['sk', 168, 8, 'aux', 0],
  ]);
  const dv = new DataView(c.regions[0].bytes.buffer);
  assert.equal(dv.getUint32(SKB.len.offset, true), 65); // skb->len & 0xff is 0x41, as in the kernel
  assert.equal(BigInt(dv.getUint32(SKB.data_end.offset, true)), DEFAULT_CONTEXT_ADDRESSES.packet + 65n);
  assert.equal(dv.getBigUint64(SKB.sk.offset, true), DEFAULT_CONTEXT_ADDRESSES.aux);
  assert.equal(c.packetRegion, 'packet');
});

test('relocateContext: new bases, pointer fields rewritten, a packet above 4 GiB refused', () => {
  const r = buildContext({ progType: 'xdp', data: new Uint8Array(64), ctxIn: Uint8Array.from([8, 0, 0, 0, 64, 0, 0, 0]) });
  assert.ok(r.ok);
  const moved = relocateContext(r.context, { ctx: 0x7000_0000_0000n, packet: 0x1000n, aux: 0x9000n });
  assert.equal(moved.ctxAddress, 0x7000_0000_0000n);
  const dv = new DataView(moved.regions[0].bytes.buffer);
  assert.deepEqual([XDP_MD.data, XDP_MD.data_end, XDP_MD.data_meta].map((f) => dv.getUint32(f.offset, true)), [0x1008, 0x1040, 0x1000]);
  assert.throws(() => relocateContext(r.context, { ctx: 0n, packet: 0x1_0000_0000n, aux: 0n }),
    (e: unknown) => e instanceof BpfRuntimeError && /does not fit the 32-bit ctx field 'data'/.test(e.message));
  // the original is untouched
  assert.equal(new DataView(r.context.regions[0].bytes.buffer).getUint32(XDP_MD.data.offset, true), Number(DEFAULT_CONTEXT_ADDRESSES.packet) + 8);
});

test('finishContext: data_out from copies of the regions (a native runtime passes them back)', () => {
  const r = buildContext({ progType: 'socket_filter', data: Uint8Array.from({ length: 20 }, (_, i) => i + 1) });
  assert.ok(r.ok);
  const pkt = Uint8Array.from([9, 9, 9, 9, 9, 9]);
  const out = finishContext(r.context, { packet: pkt });
  assert.ok(out.ok);
  // non-L2 programs: the Ethernet header comes back zeroed in front of the packet
  assert.deepEqual([...out.dataOut], [...new Array(14).fill(0), 9, 9, 9, 9, 9, 9]);
  assert.equal(out.ctxOut, null);
});

test('buildContext: a ctx_in ifindex picks the device; its MAC decides pkt_type (eth_type_trans)', () => {
  // what Linux 6.18 answered on a host with eth0 = ifindex 4, 02:fc:00:00:00:01
  const eth0 = { ifindex: 4, name: 'eth0', addr: Uint8Array.from([2, 0xfc, 0, 0, 0, 1]), broadcast: new Uint8Array(6).fill(0xff), rxQueues: 1 };
  const ctx = new Uint8Array(192);
  new DataView(ctx.buffer).setUint32(SKB.ifindex.offset, 4, true);
  const pktType = (dst: number[]): number => {
    const r = buildContext({ progType: 'sched_cls', data: Uint8Array.from([...eth({ dst, proto: ETH_P_IP }), ...new Array(50).fill(0)]), ctxIn: ctx, devices: [LOOPBACK, eth0] });
    assert.ok(r.ok);
    const dv = new DataView(r.context.regions[0].bytes.buffer);
    assert.equal(dv.getUint32(SKB.ifindex.offset, true), 4);
    return dv.getUint32(SKB.pkt_type.offset, true);
  };
  assert.deepEqual([pktType([2, 0xfc, 0, 0, 0, 1]), pktType([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), pktType([0x33, 0x33, 0, 0, 0, 1]), pktType([0, 0, 0, 0, 0, 0])],
    [0, 1, 2, 3]); // PACKET_HOST, _BROADCAST, _MULTICAST, _OTHERHOST
  const none = buildContext({ progType: 'sched_cls', data: new Uint8Array(64), ctxIn: ctx, devices: [LOOPBACK] });
  assert.deepEqual(none.ok ? null : [none.errno, none.reason], ['ENODEV', 'no network device with ifindex 4']);
});
