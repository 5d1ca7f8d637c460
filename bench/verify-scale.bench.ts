// Verification speed against the kernel's, program by program (never timed tests):
// every fixture object program and spec both verifiers accept with at least a
// hundred processed instructions (the scale fixtures reach ~400,000). The kernel's
// time is its own `verification time` at log level 4; ours is measured the same
// way (the model's whole check, VerifyStats.durationUsec). Ours is measured warm:
// the kernel's verifier is compiled ahead of time, ours by V8 while it runs (a
// function is optimised only after many calls), so each program is first verified
// until WARM_MS have passed (at most WARM_RUNS times; a small program such as
// tc_sum takes about 3,000 runs to reach its steady speed: 290 us after 200 runs,
// 125 us after 1,000, 87 us after 5,000 on one machine). Then both sides run in
// alternating rounds, a kernel load and one of our verifications per round, for at
// least MIN_ROUNDS rounds and until ROUND_MS have passed (at most MAX_ROUNDS): both
// see the same machine load, and each side's figure is its fastest run, the usual
// estimate of a program's own cost on a shared machine. The first, cold run of each
// program is reported too (`cold` in the note, and its own median), and the CPU time
// of our fastest run (`cpu`: on a loaded machine the wall clock also counts the time
// other processes ran).
// A ratio is ours / kernel's: at most 1.0 is the target.
import * as fs from 'fs';
import * as path from 'path';
import { kernelAvailable, progLoad, closeFd } from '../src/kernel';
import { openObject } from '../src/kernel/object';
import { hostFacts } from '../src/kernel/host';
import { verify } from '../src/verifier';
import { verifierInputFor } from '../src/harness/engines/verifier';
import { loadObjectPrograms } from '../src/harness/object';
import { findSpecFiles, programFromSpec, readSpecFile } from '../src/harness/program';
import { ProgramUnderTest } from '../src/harness/engine';
import { parseExplorationStats } from '../src/harness/stats-compare';
import type { BenchResult } from './run';

const VERIFY_TIME = /verification time (\d+) usec/;
const WARM_MS = 1500;
const WARM_RUNS = 5000;
const ROUND_MS = 2000;
const MIN_ROUNDS = 3;
const MAX_ROUNDS = 400;

/** The log buffer of a level-4 load: its few stats lines (progLoad grows it if they did not fit). */
const STATS_LOG_SIZE = 1 << 14;

/** The kernel's side of one program's rounds: each load's level-4 log, or null when it rejects. */
interface KernelSide { load(): string | null; close(): void }

/**
 * An object's BTF and maps are created once and every round loads only the program
 * (libbpf creates them once for all of an object's programs). Its log buffer is sized
 * for level 4's stats lines: neither a fresh object nor a 1 MiB log buffer per round
 * (zeroed, then garbage for V8 to collect during our next run) belongs to either
 * side's verification.
 */
function kernelSide(p: ProgramUnderTest): KernelSide {
  if (p.object) {
    const linked = p.object.linked;
    const o = openObject({ ...p.object.loaded, programs: [linked] }, { logLevel: 4 });
    if (Array.isArray(o)) return { load: () => null, close: () => undefined };
    return {
      load: () => {
        const v = o.load(linked, { logLevel: 4, logSize: STATS_LOG_SIZE });
        return v.verdict === 'accept' ? v.log : null;
      },
      close: o.close,
    };
  }
  if (p.btf) return { load: () => null, close: () => undefined };
  return {
    load: () => {
      const r = progLoad({ insns: p.insns, progType: p.progType, license: p.license, logLevel: 4, logSize: STATS_LOG_SIZE });
      if (r.ok) closeFd(r.fd);
      return r.ok ? r.log : null;
    },
    close: () => undefined,
  };
}

/** The kernel's `verification time` of one load at log level 4, or null when it rejects. */
function kernelUsec(k: KernelSide): number | null {
  const log = k.load();
  const usec = log ? Number(VERIFY_TIME.exec(log)?.[1]) : NaN;
  return Number.isFinite(usec) ? usec : null;
}

/** The kernel's level-4 log of one load of a program. */
function kernelStatsLog(p: ProgramUnderTest): string | null {
  const k = kernelSide(p);
  try {
    return k.load();
  } finally {
    k.close();
  }
}

function programs(root: string): ProgramUnderTest[] {
  const host = hostFacts();
  const out: ProgramUnderTest[] = [];
  const objDir = path.join(root, 'fixtures', 'obj');
  for (const f of fs.readdirSync(objDir).filter((x) => x.endsWith('.o')).sort()) {
    try {
      for (const p of loadObjectPrograms(path.join(objDir, f), host)) out.push({ ...p, name: `${f}:${p.name}` });
    } catch { /* refused by the loader: no verifier sees it */ }
  }
  for (const file of findSpecFiles([path.join(root, 'specs')])) {
    try { out.push({ ...programFromSpec(readSpecFile(file), host), name: path.basename(file) }); } catch { /* not loadable */ }
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function bench(): Promise<BenchResult[]> {
  const avail = kernelAvailable();
  if (!avail.ok) return [{ name: 'verify speed vs kernel', value: NaN, unit: '', note: `skipped: ${avail.reason}` }];
  const root = path.resolve(__dirname, '..', '..');
  const host = hostFacts();
  const out: BenchResult[] = [];
  const ratios: number[] = [];
  const coldRatios: number[] = [];
  const cpuRatios: number[] = [];
  const clockNs = (): bigint => process.hrtime.bigint();
  const selected: { p: ProgramUnderTest; processed: number }[] = [];
  for (const p of programs(root)) {
    const kstats = parseExplorationStats(kernelStatsLog(p));
    if (kstats && kstats.processed >= 100) selected.push({ p, processed: kstats.processed });
  }
  // the cold run of every program first (each is the first verification of its own code paths
  // only as far as the programs before it did not reach them)
  const cold = selected.map(({ p }) => verify({ ...verifierInputFor(p, host.profile, 4, host), clockNs }).stats.durationUsec);
  selected.forEach(({ p, processed }, k) => {
    const input = { ...verifierInputFor(p, host.profile, 4, host), clockNs };
    const warmUntil = Date.now() + WARM_MS;
    for (let i = 0; i < WARM_RUNS && Date.now() < warmUntil; i++) verify(input);
    let kernelBest = Infinity;
    let best = Infinity;
    let bestCpu = Infinity;
    let rounds = 0;
    const until = Date.now() + ROUND_MS;
    const kernel = kernelSide(p);
    try {
      for (; rounds < MAX_ROUNDS && (rounds < MIN_ROUNDS || Date.now() < until); rounds++) {
        const usec = kernelUsec(kernel);
        if (usec === null) return;
        kernelBest = Math.min(kernelBest, usec);
        const c0 = process.cpuUsage();
        const r = verify(input);
        const c = process.cpuUsage(c0);
        if (r.verdict !== 'accept') return;
        best = Math.min(best, r.stats.durationUsec);
        bestCpu = Math.min(bestCpu, c.user + c.system);
      }
    } finally {
      kernel.close();
    }
    const kus = Math.max(1, kernelBest);
    ratios.push(best / kus);
    coldRatios.push(cold[k] / kus);
    cpuRatios.push(bestCpu / kus);
    out.push({ name: `verify ${p.name}`, value: best / kus, unit: 'ours/kernel',
      note: `${processed} insns: ours ${best} us (cpu ${bestCpu} us, cold ${cold[k]} us), kernel ${kernelBest} us, fastest of ${rounds} rounds` });
  });
  out.push({ name: 'verify time ours/kernel, median', value: median(ratios), unit: 'ratio', note: `${ratios.length} programs of 100+ processed insns, warm; target <= 1.0` });
  out.push({ name: 'verify time ours/kernel cold, median', value: median(coldRatios), unit: 'ratio', note: 'the first run of each program' });
  out.push({ name: 'verify CPU time ours/kernel, median', value: median(cpuRatios), unit: 'ratio', note: 'our CPU time against the kernel\'s own time: the fairer figure on a loaded machine' });
  return out;
}
