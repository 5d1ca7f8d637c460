// Helpers beyond maps, one implementation each, for the interpreter and for
// native code (which calls them through its trampolines): clocks, random
// numbers, the CPU id, bpf_trace_printk, the probe reads and the packet
// copies of an __sk_buff. Written from the helpers' documented contracts in
// include/uapi/linux/bpf.h and their behaviour on the live kernel. PURE: the
// clocks, the random source and the trace output come from a HelperEnv.
import { HELPER_NAMES } from '../isa/helpers';
import { ERRNO, Errno } from '../isa/uapi';
import { SKB } from './context';
import { HelperContext, HelperFn } from './types';

/** What the helpers need from the host. */
export interface HelperEnv {
  /** ns of a clock: CLOCK_MONOTONIC (ktime_get_ns), CLOCK_BOOTTIME, CLOCK_MONOTONIC_COARSE, CLOCK_TAI. */
  clockNs(clock: 'monotonic' | 'boottime' | 'coarse' | 'tai'): bigint;
  /** A pseudo-random u32. */
  random32(): number;
  /** The CPU the program runs on (bpf_get_smp_processor_id). */
  cpu: number;
  /** jiffies (bpf_jiffies64). */
  jiffies(): bigint;
  /** One bpf_trace_printk line (what /sys/kernel/tracing/trace_pipe shows after the task prefix). */
  trace(line: string): void;
}

/**
 * A deterministic environment (tests, and where the host gives none): clocks
 * that advance 1000 ns per read, a xorshift random sequence from `seed`,
 * CPU 0, trace lines collected in `lines`.
 */
export function fixedHelperEnv(seed = 0x2545f491): HelperEnv & { lines: string[] } {
  let t = 1_000_000n, s = seed >>> 0 || 1;
  const lines: string[] = [];
  return {
    clockNs: () => (t += 1000n),
    random32: () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; },
    cpu: 0,
    jiffies: () => t / 4_000_000n,
    trace: (l) => { lines.push(l); },
    lines,
  };
}

/** Helpers whose value differs from run to run (engines running the same program need not agree on it). */
export const NONDETERMINISTIC_HELPERS: readonly string[] = [
  'bpf_get_prandom_u32', 'bpf_ktime_get_ns', 'bpf_ktime_get_boot_ns', 'bpf_ktime_get_coarse_ns', 'bpf_ktime_get_tai_ns', 'bpf_jiffies64',
];

/** The first helper of `insns` whose value differs from run to run, if any. */
export function callsNondeterministicHelper(insns: readonly { code: number; src: number; imm: number }[]): string | undefined {
  const n = insns.find((x) => x.code === 0x85 && x.src === 0 && NONDETERMINISTIC_HELPERS.includes(HELPER_NAMES[x.imm]));
  return n && HELPER_NAMES[n.imm];
}

/** The helper id of a kernel helper name (`bpf_ktime_get_ns`): one table, src/isa/helpers.ts. */
export function helperId(name: string): number {
  const id = HELPER_NAMES.indexOf(name);
  if (id < 0) throw new Error(`no helper named ${name}`);
  return id;
}

const neg = (e: Errno): bigint => BigInt.asUintN(64, -BigInt(ERRNO[e]));
const u32 = (v: bigint): number => Number(v & 0xffffffffn);

/** A probe read: `len` bytes from any address, zeros and -EFAULT where nothing is mapped. */
function probeRead(ctx: HelperContext, dst: bigint, len: bigint, src: bigint): bigint {
  const n = u32(len);
  const bytes = ctx.mem.tryRead(src, n);
  ctx.mem.write(dst, bytes ?? new Uint8Array(n), ctx.pc);
  return bytes ? 0n : neg('EFAULT');
}

/**
 * A probe read of a string: at most `len` bytes including the NUL, always
 * NUL-terminated; the length copied including the NUL, or -EFAULT with dst
 * cleared when a byte before the end of the string is not readable.
 */
function probeReadStr(ctx: HelperContext, dst: bigint, len: bigint, src: bigint): bigint {
  const n = u32(len);
  if (n === 0) return 0n;
  const out = new Uint8Array(n);
  let i = 0;
  for (; i < n - 1; i++) {
    const b = ctx.mem.tryRead(src + BigInt(i), 1);
    if (!b) { ctx.mem.write(dst, new Uint8Array(n), ctx.pc); return neg('EFAULT'); }
    if (b[0] === 0) break;
    out[i] = b[0];
  }
  ctx.mem.write(dst, out.subarray(0, i + 1), ctx.pc);
  return BigInt(i + 1);
}

/** The packet of an __sk_buff: its data and data_end fields (32-bit addresses). */
function skbPacket(ctx: HelperContext, skb: bigint): { data: bigint; end: bigint } {
  const field = (off: number): bigint => {
    const { region, offset } = ctx.mem.resolve(skb + BigInt(off), 4, false, ctx.pc);
    return BigInt(region.dv.getUint32(offset, true));
  };
  return { data: field(SKB.data.offset), end: field(SKB.data_end.offset) };
}

/** bpf_skb_load_bytes(skb, offset, to, len): 0, or -EFAULT with `to` cleared when the bytes are not in the packet. */
const skbLoadBytes: HelperFn = (ctx, skb, off, to, len) => {
  const n = u32(len), o = BigInt.asIntN(64, off);
  const { data, end } = skbPacket(ctx, skb);
  if (o < 0n || o > 0x7fffffffn || data + o + BigInt(n) > end) {
    ctx.mem.write(to, new Uint8Array(n), ctx.pc);
    return neg('EFAULT');
  }
  ctx.mem.write(to, ctx.mem.read(data + o, n, ctx.pc), ctx.pc);
  return 0n;
};

/** BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH. */
const SKB_STORE_FLAGS = 3n;

/** bpf_skb_store_bytes(skb, offset, from, len, flags): -EINVAL for unknown flags, -EFAULT outside the packet. */
const skbStoreBytes: HelperFn = (ctx, skb, off, from, len, flags) => {
  const n = u32(len), o = BigInt.asIntN(64, off);
  if (flags & ~SKB_STORE_FLAGS) return neg('EINVAL');
  if (o < 0n || o > 0xffffn) return neg('EFAULT');
  const { data, end } = skbPacket(ctx, skb);
  if (data + o + BigInt(n) > end) return neg('EFAULT');
  // The test run's skb has CHECKSUM_NONE: recomputing the checksum changes nothing
  ctx.mem.write(data + o, ctx.mem.read(from, n, ctx.pc), ctx.pc);
  return 0n;
};

/**
 * bpf_skb_load_helper_{8,16,32} (the rewrite of LD_ABS/LD_IND in
 * src/jit/fixups.ts): the big-endian value at `off` in the packet, or -EFAULT.
 */
export function skbLoadHelper(size: 1 | 2 | 4): HelperFn {
  return (ctx, skb, off) => {
    const { data, end } = skbPacket(ctx, skb);
    const o = BigInt.asIntN(64, off);
    if (o < 0n || data + o + BigInt(size) > end) return neg('EFAULT');
    return ctx.mem.read(data + o, size, ctx.pc).reduce((v, x) => (v << 8n) | BigInt(x), 0n);
  };
}

/** The trace_printk conversions (bpf_bprintf_prepare): flags and width, then %d %i %u %x %X %c %s %p %px, with l / ll. */
type Conv = { spec: string; width: string; flags: string; long: boolean; kind: string };

/** Format `fmt` with at most 3 arguments as bpf_trace_printk does; undefined for a format it refuses (-EINVAL). */
export function formatTracePrintk(ctx: HelperContext, fmt: string, args: readonly bigint[]): string | undefined {
  let out = '', used = 0;
  for (let i = 0; i < fmt.length; i++) {
    const ch = fmt.charCodeAt(i);
    if (ch > 0x7e || (ch < 0x20 && !(ch >= 9 && ch <= 13))) return undefined; // non-printable
    if (fmt[i] !== '%') { out += fmt[i]; continue; }
    if (fmt[i + 1] === '%') { out += '%'; i++; continue; }
    if (used >= 3) return undefined;
    const m = /^%([0 +-]*)([1-9][0-9]*)?(ll|l)?(px|pK|p|d|i|u|x|X|c|s)/.exec(fmt.slice(i));
    if (!m) return undefined;
    const c: Conv = { spec: m[0], flags: m[1], width: m[2] ?? '', long: !!m[3], kind: m[4] };
    if (c.long && !'diuxX'.includes(c.kind)) return undefined;
    out += convert(ctx, c, args[used++] ?? 0n);
    i += m[0].length - 1;
  }
  return out;
}

function convert(ctx: HelperContext, c: Conv, arg: bigint): string {
  const v = c.long ? BigInt.asUintN(64, arg) : BigInt.asUintN(32, arg);
  let s: string;
  switch (c.kind) {
    case 'd': case 'i': s = (c.long ? BigInt.asIntN(64, v) : BigInt.asIntN(32, v)).toString(); break;
    case 'u': s = v.toString(); break;
    case 'x': s = v.toString(16); break;
    case 'X': s = v.toString(16).toUpperCase(); break;
    case 'c': s = String.fromCharCode(Number(arg & 0xffn)); break;
    case 's': {
      // an unreadable string prints as nothing
      let str = '';
      for (let k = 0; k < 512; k++) {
        const b = ctx.mem.tryRead(arg + BigInt(k), 1);
        if (!b || b[0] === 0) break;
        str += String.fromCharCode(b[0]);
      }
      s = str;
      break;
    }
    default: s = '0x' + BigInt.asUintN(64, arg).toString(16).padStart(16, '0'); // %p, %px, %pK: the raw value
  }
  const w = Number(c.width || 0);
  if (s.length >= w) return s;
  if (c.flags.includes('-')) return s.padEnd(w);
  if (c.flags.includes('0') && c.kind !== 's' && c.kind !== 'c') return s.startsWith('-') ? '-' + s.slice(1).padStart(w - 1, '0') : s.padStart(w, '0');
  return s.padStart(w);
}

/** bpf_trace_printk(fmt, fmt_size, a1, a2, a3): the length of the line, or -EINVAL. */
function tracePrintk(env: HelperEnv): HelperFn {
  return (ctx, fmtPtr, fmtSize, a1, a2, a3) => {
    const n = u32(fmtSize);
    if (n === 0) return neg('EINVAL');
    const raw = ctx.mem.read(fmtPtr, n, ctx.pc);
    if (raw[n - 1] !== 0) return neg('EINVAL');
    const end = raw.indexOf(0);
    const line = formatTracePrintk(ctx, String.fromCharCode(...raw.subarray(0, end)), [a1, a2, a3]);
    if (line === undefined) return neg('EINVAL');
    env.trace(line);
    return BigInt(line.length);
  };
}

/** The helpers of this file by id: name -> implementation, ids from the one helper table. */
export function runtimeHelpers(env: HelperEnv): Map<number, HelperFn> {
  const byName: [string, HelperFn][] = [
    ['bpf_ktime_get_ns', () => env.clockNs('monotonic')],
    ['bpf_ktime_get_boot_ns', () => env.clockNs('boottime')],
    ['bpf_ktime_get_coarse_ns', () => env.clockNs('coarse')],
    ['bpf_ktime_get_tai_ns', () => env.clockNs('tai')],
    ['bpf_jiffies64', () => env.jiffies()],
    ['bpf_get_prandom_u32', () => BigInt(env.random32() >>> 0)],
    ['bpf_get_smp_processor_id', () => BigInt(env.cpu)],
    ['bpf_trace_printk', tracePrintk(env)],
    ['bpf_probe_read', probeRead],
    ['bpf_probe_read_user', probeRead],
    ['bpf_probe_read_kernel', probeRead],
    ['bpf_probe_read_str', probeReadStr],
    ['bpf_probe_read_user_str', probeReadStr],
    ['bpf_probe_read_kernel_str', probeReadStr],
    ['bpf_skb_load_bytes', skbLoadBytes],
    ['bpf_skb_store_bytes', skbStoreBytes],
  ];
  return new Map(byName.map(([n, f]) => [helperId(n), f]));
}
