// The runtime helpers beyond maps (src/runtime/helpers.ts), one
// implementation called by the interpreter and, through trampolines, by
// native code: each program runs on the interpreter, the JIT and, where the
// kernel can test-run it, the kernel; all must return the same value and the
// same data_out. bpf_trace_printk's formatting is table-tested on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEngine } from '../../src/harness/engines';
import { EngineResult, ProgramUnderTest, RunInput } from '../../src/harness/engine';
import { programFromSource } from '../../src/harness/program';
import { nativeAvailable } from '../../src/harness/native-run';
import { kernelAvailable } from '../../src/kernel';
import { hostFacts } from '../../src/kernel/host';
import { AddressSpace, formatTracePrintk, HelperContext, fixedHelperEnv, runtimeHelpers, helperId } from '../../src/runtime';
import { INPUTS } from '../runtime/context-cases';

const host = hostFacts();
const asm = (name: string, progType: string, text: string): ProgramUnderTest => programFromSource({ asm: text }, { name, progType, host });

interface Case { name: string; type: string; asm: string; packet?: Uint8Array; want?: bigint; kernel: boolean }

/** A string on the stack: `*(u64 *)(r10 off) = bytes` lines for a NUL-padded string. */
function stackString(s: string, off: number): string {
  const b = Buffer.alloc(Math.ceil((s.length + 1) / 8) * 8);
  b.write(s, 'latin1');
  const lines: string[] = [];
  for (let k = 0; k < b.length; k += 8) lines.push(`r1 = 0x${b.readBigUInt64LE(k).toString(16)} ll`, `*(u64 *)(r10 ${off + k}) = r1`);
  return lines.join('\n');
}

const CASES: Case[] = [
  {
    name: 'skb_load_bytes inside the packet', type: 'sched_cls', kernel: true, packet: INPUTS.pkt_v4.data,
    asm: 'r2 = 12\nr3 = r10\nr3 += -8\nr4 = 4\ncall bpf_skb_load_bytes\nr1 = *(u32 *)(r10 -8)\nr0 <<= 32\nr0 |= r1\nexit',
  },
  {
    name: 'skb_load_bytes past the end: -EFAULT and a cleared buffer', type: 'sched_cls', kernel: true, packet: INPUTS.pkt_v4.data,
    asm: '*(u64 *)(r10 -8) = -1\nr2 = 52\nr3 = r10\nr3 += -8\nr4 = 4\ncall bpf_skb_load_bytes\nr1 = *(u64 *)(r10 -8)\nr0 += r1\nexit',
  },
  {
    name: 'skb_store_bytes rewrites the packet (data_out)', type: 'sched_cls', kernel: true, packet: INPUTS.pkt_v4.data,
    asm: '*(u32 *)(r10 -4) = 0x11223344\nr2 = 6\nr3 = r10\nr3 += -4\nr4 = 4\nr5 = 0\ncall bpf_skb_store_bytes\nexit',
  },
  {
    name: 'skb_store_bytes with an unknown flag: -EINVAL', type: 'sched_cls', kernel: true,
    asm: '*(u32 *)(r10 -4) = 1\nr2 = 0\nr3 = r10\nr3 += -4\nr4 = 4\nr5 = 8\ncall bpf_skb_store_bytes\nexit',
  },
  {
    name: 'trace_printk returns the length of its line', type: 'sched_cls', kernel: true,
    asm: `${stackString('v=%d %x %s', -16)}\nr1 = r10\nr1 += -16\nr2 = 16\nr3 = -5\nr4 = 255\nr5 = r10\nr5 += -16\ncall bpf_trace_printk\nexit`,
  },
  {
    name: 'trace_printk with a bad conversion: -EINVAL', type: 'sched_cls', kernel: true,
    asm: `${stackString('%q', -8)}\nr1 = r10\nr1 += -8\nr2 = 8\ncall bpf_trace_printk\nexit`,
  },
  {
    name: 'ktime_get_ns and ktime_get_boot_ns advance', type: 'sched_cls', kernel: true, want: 1n,
    asm: 'call bpf_ktime_get_ns\nr6 = r0\ncall bpf_ktime_get_ns\nr7 = r0\ncall bpf_ktime_get_boot_ns\nr8 = r0\ncall bpf_ktime_get_boot_ns\nr9 = r0\nr0 = 0\nif r7 < r6 goto +2\nif r9 < r8 goto +1\nr0 = 1\nexit',
  },
  {
    name: 'probe_read_kernel of the input, then of the null page (-EFAULT, zeros)', type: 'kprobe', kernel: false,
    asm: 'r6 = r1\n*(u64 *)(r10 -8) = -1\nr1 = r10\nr1 += -8\nr2 = 8\nr3 = r6\ncall bpf_probe_read_kernel\nr7 = *(u64 *)(r10 -8)\nr1 = r10\nr1 += -8\nr2 = 8\nr3 = 16\ncall bpf_probe_read_kernel\nr1 = *(u64 *)(r10 -8)\nr0 += r1\nr0 += r7\nexit',
  },
  {
    name: 'probe_read_kernel_str: the length with the NUL, truncated to the buffer', type: 'kprobe', kernel: false,
    asm: `${stackString('hello', -32)}\nr1 = r10\nr1 += -16\nr2 = 16\nr3 = r10\nr3 += -32\ncall bpf_probe_read_kernel_str\nr6 = r0\nr1 = r10\nr1 += -16\nr2 = 3\nr3 = r10\nr3 += -32\ncall bpf_probe_read_kernel_str\nr6 <<= 8\nr0 |= r6\nr1 = *(u8 *)(r10 -14)\nr1 <<= 16\nr0 |= r1\nexit`,
    want: 0x000603n,
  },
];

const show = (r: EngineResult): string => (r.error ? `error ${r.error}` : `0x${r.retval!.toString(16)}`);

test('helpers beyond maps: the interpreter, the JIT and the kernel return the same', async (t) => {
  const nat = nativeAvailable();
  if (!nat.ok) { t.skip(`native execution is not available: ${nat.reason}`); return; }
  const ker = kernelAvailable().ok;
  for (const c of CASES) {
    const p = asm(c.name, c.type, c.asm);
    const input: RunInput = { trustKernel: true, ...(c.type === 'kprobe' ? { mem: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]) } : { packet: c.packet }) };
    const engines = ['interp', 'jit', ...(c.kernel && ker ? ['kernel'] : [])];
    const rs = await Promise.all(engines.map((e) => getEngine(e, host).run(p, input)));
    for (const [k, r] of rs.entries()) assert.ok(r.error === null && r.retval !== null, `${c.name}: ${engines[k]}: ${show(r)}`);
    const [i, ...rest] = rs;
    for (const [k, r] of rest.entries()) {
      assert.equal(show(r), show(i), `${c.name}: ${engines[k + 1]} against the interpreter`);
      assert.deepEqual(r.dataOut, i.dataOut, `${c.name}: ${engines[k + 1]} data_out`);
    }
    if (c.want !== undefined) assert.equal(i.retval, c.want, c.name);
  }
});

test('the JIT and the interpreter print the same trace_printk lines', async (t) => {
  const nat = nativeAvailable();
  if (!nat.ok) { t.skip(`native execution is not available: ${nat.reason}`); return; }
  const c = CASES.find((x) => x.name.startsWith('trace_printk returns'))!;
  const p = asm(c.name, c.type, c.asm);
  const [i, j] = await Promise.all(['interp', 'jit'].map((e) => getEngine(e, host).run(p, {})));
  assert.deepEqual(i.trace, ['v=-5 ff v=%d %x %s']);
  assert.deepEqual(j.trace, i.trace);
});

test('trace_printk formatting: conversions, lengths, widths, and what it refuses', () => {
  const mem = new AddressSpace();
  mem.map({ name: 's', base: 0x1000n, bytes: Uint8Array.from(Buffer.from('abc\0')) });
  const ctx = { pc: 0, depth: 0, insnsExecuted: 0, mem } as unknown as HelperContext;
  const cases: [string, bigint[], string | undefined][] = [
    ['%d', [BigInt.asUintN(64, -1n)], '-1'],
    ['%u', [BigInt.asUintN(64, -1n)], '4294967295'],
    ['%lu', [BigInt.asUintN(64, -1n)], '18446744073709551615'],
    ['%lld %llx', [BigInt.asUintN(64, -2n), 0xabcn], '-2 abc'],
    ['%x %X', [255n, 255n], 'ff FF'],
    ['%5d|%-4d|%03d', [7n, 8n, 9n], '    7|8   |009'],
    ['%c%s', [0x41n, 0x1000n], 'Aabc'],
    ['%s', [0x9000n], ''],
    ['100%%', [], '100%'],
    ['%d %d %d %d', [1n, 2n, 3n, 4n], undefined],
    ['%q', [], undefined],
    ['%lc', [65n], undefined],
    ['\x01', [], undefined],
  ];
  for (const [fmt, args, want] of cases) assert.equal(formatTracePrintk(ctx, fmt, args), want, fmt);
});

test('helper ids come from the one helper table; a fixed environment is deterministic', () => {
  const a = runtimeHelpers(fixedHelperEnv(7)), b = fixedHelperEnv(7);
  assert.ok(a.has(helperId('bpf_ktime_get_ns')) && a.has(helperId('bpf_skb_store_bytes')) && a.has(helperId('bpf_probe_read_kernel_str')));
  assert.equal(helperId('bpf_get_prandom_u32'), 7);
  const ctx = {} as HelperContext;
  const r1 = a.get(7)!(ctx, 0n, 0n, 0n, 0n, 0n);
  assert.equal(r1, BigInt(b.random32()));
  assert.throws(() => helperId('bpf_no_such_helper'));
});
