// The verifier log buffer (kernel/bpf/log.c: bpf_verifier_vlog, bpf_vlog_reset,
// vlog_alignment; verifier.c: verbose). Levels as attr->log_level: 1 = BPF_LOG_LEVEL1,
// 2 = BPF_LOG_LEVEL2, 4 = BPF_LOG_STATS. Kept as chunks so that the frequent
// rewinds (print_insn_state drops the last newline; pop_stack rewinds to a
// branch's position) cost what they remove, not the size of the log.

export const BPF_LOG_LEVEL1 = 1;
export const BPF_LOG_LEVEL2 = 2;
export const BPF_LOG_STATS = 4;
const BPF_LOG_MIN_ALIGNMENT = 8;
const BPF_LOG_ALIGNMENT = 40;

export interface VerifierLog {
  level: number;
  parts: string[];
  /** Total length of parts (the kernel's log->end_pos). */
  len: number;
}

export const newLog = (level: number): VerifierLog => ({ level, parts: [], len: 0 });

export const logText = (log: VerifierLog): string => {
  if (log.parts.length > 1) log.parts = [log.parts.join('')];
  return log.parts[0] ?? '';
};

/** verbose(): append text when any log is requested (bpf_verifier_log_needed: any non-zero level). */
export function verbose(log: VerifierLog, s: string): void {
  if (!log.level || !s) return;
  log.parts.push(s);
  log.len += s.length;
}

/** verbose(env, "...\n") */
export function verboseLine(log: VerifierLog, s: string): void {
  verbose(log, s + '\n');
}

/** Write regardless of level 1/2 (print_verification_stats uses BPF_LOG_STATS too). */
export function logStats(log: VerifierLog, s: string): void {
  verbose(log, s);
}

/** bpf_vlog_reset: truncate the log to `pos` characters. */
export function logReset(log: VerifierLog, pos: number): void {
  while (log.len > pos && log.parts.length) {
    const last = log.parts[log.parts.length - 1];
    const cut = log.len - pos;
    if (cut >= last.length) { log.parts.pop(); log.len -= last.length; }
    else { log.parts[log.parts.length - 1] = last.slice(0, last.length - cut); log.len -= cut; }
  }
}

/** vlog_alignment: the printf width of the padding after an instruction line of `len` bytes (newline included). */
export function vlogAlignment(len: number): number {
  const p = Math.max(len + BPF_LOG_MIN_ALIGNMENT / 2, BPF_LOG_ALIGNMENT);
  return Math.ceil(p / BPF_LOG_MIN_ALIGNMENT) * BPF_LOG_MIN_ALIGNMENT - len - 1;
}
