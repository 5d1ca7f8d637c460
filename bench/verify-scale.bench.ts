// Verification speed against the kernel's, program by program (never timed tests):
// every fixture object program and spec both verifiers accept with at least a
// hundred processed instructions (the scale fixtures reach ~400,000). The kernel's
// time is its own `verification time` at log level 4; ours is measured the same
// way (the model's whole check, VerifyStats.durationUsec), best of a few runs.
// A ratio is ours / kernel's: at most 1.0 is the target.
import * as fs from 'fs';
import * as path from 'path';
import { kernelAvailable, progLoad, closeFd } from '../src/kernel';
import { loadLinkedObject } from '../src/kernel/object';
import { hostFacts } from '../src/kernel/host';
import { verify } from '../src/verifier';
import { verifierInputFor } from '../src/harness/engines/verifier';
import { loadObjectPrograms } from '../src/harness/object';
import { findSpecFiles, programFromSpec, readSpecFile } from '../src/harness/program';
import { ProgramUnderTest } from '../src/harness/engine';
import { parseExplorationStats } from '../src/harness/stats-compare';
import type { BenchResult } from './run';

const VERIFY_TIME = /verification time (\d+) usec/;

/** The kernel's verdict log at level 4 (stats only) for a program under test. */
function kernelStatsLog(p: ProgramUnderTest): string | null {
  if (p.object) {
    const [v] = loadLinkedObject({ ...p.object.loaded, programs: [p.object.linked] }, { logLevel: 4 });
    return v.verdict === 'accept' ? v.log : null;
  }
  if (p.btf) return null;
  const r = progLoad({ insns: p.insns, progType: p.progType, license: p.license, logLevel: 4 });
  if (r.ok) closeFd(r.fd);
  return r.ok ? r.log : null;
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
  const clockNs = (): bigint => process.hrtime.bigint();
  for (const p of programs(root)) {
    const klog = kernelStatsLog(p);
    const kus = klog ? Number(VERIFY_TIME.exec(klog)?.[1]) : NaN;
    const kstats = parseExplorationStats(klog);
    if (!kstats || kstats.processed < 100 || !Number.isFinite(kus)) continue;
    const input = { ...verifierInputFor(p, host.profile, 4, host), clockNs };
    let best = Infinity;
    let accepted = true;
    const reps = kstats.processed > 50_000 ? 2 : 5;
    for (let i = 0; i < reps; i++) {
      const r = verify(input);
      accepted = r.verdict === 'accept';
      best = Math.min(best, r.stats.durationUsec);
    }
    if (!accepted) continue;
    const ratio = best / Math.max(1, kus);
    ratios.push(ratio);
    out.push({ name: `verify ${p.name}`, value: ratio, unit: 'ours/kernel', note: `${kstats.processed} insns: ours ${best} us, kernel ${kus} us` });
  }
  out.push({ name: 'verify time ours/kernel, median', value: median(ratios), unit: 'ratio', note: `${ratios.length} programs of 100+ processed insns; target <= 1.0` });
  return out;
}
