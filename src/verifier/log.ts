// The verifier log buffer (kernel/bpf/log.c: bpf_verifier_vlog, bpf_vlog_reset,
// vlog_alignment; verifier.c: verbose). Levels as attr->log_level: 1 = BPF_LOG_LEVEL1,
// 2 = BPF_LOG_LEVEL2, 4 = BPF_LOG_STATS.

export const BPF_LOG_LEVEL1 = 1;
export const BPF_LOG_LEVEL2 = 2;
export const BPF_LOG_STATS = 4;
const BPF_LOG_MIN_ALIGNMENT = 8;
const BPF_LOG_ALIGNMENT = 40;

export interface VerifierLog {
  level: number;
  text: string;
}

export const newLog = (level: number): VerifierLog => ({ level, text: '' });

/** verbose(): append text when any log is requested (bpf_verifier_log_needed: any non-zero level). */
export function verbose(log: VerifierLog, s: string): void {
  if (log.level) log.text += s;
}

/** verbose(env, "...\n") */
export function verboseLine(log: VerifierLog, s: string): void {
  verbose(log, s + '\n');
}

/** Write regardless of level 1/2 (print_verification_stats uses BPF_LOG_STATS too). */
export function logStats(log: VerifierLog, s: string): void {
  if (log.level) log.text += s;
}

/** bpf_vlog_reset */
export function logReset(log: VerifierLog, pos: number): void {
  log.text = log.text.slice(0, pos);
}

/** vlog_alignment: the printf width of the padding after an instruction line of `len` bytes (newline included). */
export function vlogAlignment(len: number): number {
  const p = Math.max(len + BPF_LOG_MIN_ALIGNMENT / 2, BPF_LOG_ALIGNMENT);
  return Math.ceil(p / BPF_LOG_MIN_ALIGNMENT) * BPF_LOG_MIN_ALIGNMENT - len - 1;
}
