// The verifier model's exploration figures against the live kernel's, read from
// both logs' stats line (print_verification_stats: `processed N insns (limit L)
// max_states_per_insn M total_states T peak_states P mark_read R`): how many
// accepted programs match exactly, and the largest difference.
import { Comparison } from './compare';

/** The figures of one stats line. */
export interface ExplorationStats { processed: number; maxStatesPerInsn: number; totalStates: number; peakStates: number }

const STATS = /processed (\d+) insns \(limit \d+\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+)/;

/** The stats line of a verifier log (the last one), or null when there is none. */
export function parseExplorationStats(log: string | null | undefined): ExplorationStats | null {
  if (!log) return null;
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = STATS.exec(lines[i]);
    if (m) return { processed: Number(m[1]), maxStatesPerInsn: Number(m[2]), totalStates: Number(m[3]), peakStates: Number(m[4]) };
  }
  return null;
}

export interface StatsRow { program: string; ours: ExplorationStats; kernel: ExplorationStats }

export interface StatsSummary {
  /** Programs both engines accepted, with a stats line in both logs. */
  compared: number;
  processedEqual: number;
  allEqual: number;
  /** Largest |ours - kernel| / kernel of the processed count, and its program. */
  largestDiff: { program: string; ours: number; kernel: number; relative: number } | null;
  rows: StatsRow[];
}

export const statsEqual = (a: ExplorationStats, b: ExplorationStats): boolean =>
  a.processed === b.processed && a.maxStatesPerInsn === b.maxStatesPerInsn && a.totalStates === b.totalStates && a.peakStates === b.peakStates;

/** Compare the figures of the programs both engines accepted. */
export function summarizeStats(rows: readonly (Comparison & { oursLog: string | null; kernelLog: string | null })[]): StatsSummary {
  const out: StatsRow[] = [];
  for (const r of rows) {
    if (r.agreement !== 'accept-both') continue;
    const ours = parseExplorationStats(r.oursLog), kernel = parseExplorationStats(r.kernelLog);
    if (ours && kernel) out.push({ program: r.program, ours, kernel });
  }
  let largest: StatsSummary['largestDiff'] = null;
  for (const r of out) {
    const relative = Math.abs(r.ours.processed - r.kernel.processed) / Math.max(1, r.kernel.processed);
    if (!largest || relative > largest.relative) largest = { program: r.program, ours: r.ours.processed, kernel: r.kernel.processed, relative };
  }
  return {
    compared: out.length,
    processedEqual: out.filter((r) => r.ours.processed === r.kernel.processed).length,
    allEqual: out.filter((r) => statsEqual(r.ours, r.kernel)).length,
    largestDiff: largest,
    rows: out,
  };
}
