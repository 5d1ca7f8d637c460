// The host side of the runtime helpers (src/runtime/helpers.ts): this
// machine's clocks (clock_gettime through libc when it loads, else Node's
// monotonic clock for all of them), a random source, the CPU, and the
// bpf_trace_printk lines of one run.
import { randomInt } from 'crypto';
import { HelperEnv } from '../runtime/helpers';

const CLOCK_IDS = { monotonic: 1, coarse: 6, boottime: 7, tai: 11 } as const;
/** CONFIG_HZ of the kernels we model (jiffies advance HZ times a second). */
const HZ = 250n;
/** Lines kept of one run (a --repeat loop would print its line each time). */
const MAX_TRACE_LINES = 1000;

/** A HelperEnv on this machine; the trace lines of the run collect in `lines`. */
export function hostHelperEnv(): HelperEnv & { lines: string[] } {
  let clockNs: (c: keyof typeof CLOCK_IDS) => bigint = () => process.hrtime.bigint();
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const L = (require('../native/libc') as typeof import('../native/libc')).loadLibc();
    clockNs = (c) => L.clockNs(CLOCK_IDS[c]);
  } catch {
    // no libc through koffi: Node's clock (CLOCK_MONOTONIC) for every clock
  }
  const lines: string[] = [];
  return {
    clockNs,
    random32: () => randomInt(0, 2 ** 32 - 1) >>> 0,
    cpu: 0,
    jiffies: () => (clockNs('monotonic') * HZ) / 1_000_000_000n,
    trace: (l) => { if (lines.length < MAX_TRACE_LINES) lines.push(l); },
    lines,
  };
}
