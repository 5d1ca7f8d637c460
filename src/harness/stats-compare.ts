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

/** Where two logs first differ: the 1-based line number and each side's line (null past the end). */
export interface LogDifference { line: number; ours: string | null; kernel: string | null }

/** The immediate of an ld_imm64 in a log line (an instruction line, a live-registers line, a backtracking line). */
const LD_IMM64 = /(\(18\) r\d+ = )0x([0-9a-f]+)( +(?=;)|$)/;

/** A kernel address (x86-64 and arm64 put the kernel in the upper half). */
const isKernelAddress = (hex: string): boolean => hex.length === 16 && hex.startsWith('ffff');

/**
 * Whether the model's log line and the kernel's are the same, the immediate of an ld_imm64
 * aside where the kernel printed a kernel address (a map, a map value, a kernel variable):
 * the privileged kernel prints it (allow_ptr_leaks) and no model can know it, as `jit
 * --kernel` masks the addresses of its dumps. The padding before `;` follows the immediate.
 */
export function sameLogLine(ours: string | undefined, kernel: string | undefined): boolean {
  if (ours === kernel) return true;
  if (ours === undefined || kernel === undefined) return false;
  const k = LD_IMM64.exec(kernel);
  if (!k || !isKernelAddress(k[2])) return false;
  const mask = (l: string): string => l.replace(LD_IMM64, (_m, head: string, _v: string, pad: string) => `${head}<address>${pad ? ' ' : ''}`);
  return mask(ours) === mask(kernel);
}

/** The first line where the model's log and the kernel's differ (kernel addresses aside), or null when they are identical. */
export function firstLogDifference(ours: string, kernel: string): LogDifference | null {
  if (ours === kernel) return null;
  const a = ours.split('\n'), b = kernel.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (!sameLogLine(a[i], b[i])) return { line: i + 1, ours: a[i] ?? null, kernel: b[i] ?? null };
  }
  return null;
}

export interface LogRow { program: string; agreement: Comparison['agreement']; ours: string; kernel: string; difference: LogDifference | null }

export interface LogSummary {
  /** Every program compared (both logs at the same level). */
  compared: number;
  /** Programs whose whole logs are identical. */
  identical: number;
  rows: LogRow[];
}

/** Whole-log identity over every program (a program the model cannot decide counts as different). */
export function summarizeLogs(rows: readonly (Comparison & { oursLog: string | null; kernelLog: string | null })[]): LogSummary {
  const out: LogRow[] = rows.map((r) => {
    const ours = r.oursLog ?? '', kernel = r.kernelLog ?? '';
    return { program: r.program, agreement: r.agreement, ours, kernel, difference: firstLogDifference(ours, kernel) };
  });
  return { compared: out.length, identical: out.filter((r) => r.difference === null).length, rows: out };
}
