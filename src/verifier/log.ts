// The verifier log buffer (kernel/bpf/log.c: bpf_verifier_vlog, bpf_vlog_reset,
// bpf_vlog_finalize, vlog_alignment; verifier.c: verbose). Levels as attr->log_level:
// 1 = BPF_LOG_LEVEL1, 2 = BPF_LOG_LEVEL2, 4 = BPF_LOG_STATS. Kept as chunks so that
// the frequent rewinds (print_insn_state drops the last newline; pop_stack rewinds to
// a branch's position) cost what they remove, not the size of the log. With a
// log_size the log rotates as the kernel's does: only its last log_size - 1 bytes
// are kept (and held in memory), and a log that ever needed more fails the load
// with ENOSPC at the end. Without a log_size the log is as big as the kernel's
// largest (what the kernel engine gets by growing its buffer), of which the model
// holds the last LOG_HELD_MAX bytes: a JavaScript string cannot be much longer.

export const BPF_LOG_LEVEL1 = 1;
export const BPF_LOG_LEVEL2 = 2;
export const BPF_LOG_STATS = 4;
const BPF_LOG_MIN_ALIGNMENT = 8;
const BPF_LOG_ALIGNMENT = 40;

/** The largest log_size the kernel takes (bpf_verifier_log_attr_valid: UINT_MAX >> 2). */
export const BPF_LOG_SIZE_MAX = 0xffffffff >>> 2;
/** The most log text the model holds: its tail (the whole log's size is still counted). */
export const LOG_HELD_MAX = 128 << 20;

export interface VerifierLog {
  level: number;
  parts: string[];
  /** Length of the whole log written so far (the kernel's log->end_pos). */
  len: number;
  /** The buffer's size, attr->log_size (log->len_total). */
  size: number;
  /** Where parts[0] begins in the whole log (what came before was rotated out). */
  base: number;
  /** log->start_pos: the first byte a rotating log still holds. */
  start: number;
  /** log->len_max: the longest the log ever was, its terminating zero included (log_true_size). */
  maxLen: number;
  /** How many leading parts are joined chunks (many small strings cost more than their text). */
  joined: number;
}

/** Small parts joined into one chunk once there are this many. */
const PARTS_PER_CHUNK = 8192;

export const newLog = (level: number, size = BPF_LOG_SIZE_MAX): VerifierLog => ({ level, parts: [], len: 0, size, base: 0, start: 0, maxLen: 0, joined: 0 });

/** Where the text the log returns begins: the rotating log's start, or the held tail's. */
const heldFrom = (log: VerifierLog): number => Math.max(log.start, log.len - LOG_HELD_MAX);

export const logText = (log: VerifierLog): string => {
  if (log.parts.length > 1) { log.parts = [log.parts.join('')]; log.joined = 1; }
  const all = log.parts[0] ?? '';
  const from = heldFrom(log);
  return from > log.base ? all.slice(from - log.base) : all;
};

/** verbose(): append text when any log is requested (bpf_verifier_log_needed: any non-zero level). */
export function verbose(log: VerifierLog, s: string): void {
  if (!log.level || !s) return;
  log.parts.push(s);
  log.len += s.length;
  // bpf_vlog_update_len_max; a rotating log moves its start past what no longer fits
  if (log.len + 1 > log.maxLen) log.maxLen = log.len + 1;
  if (log.len + 1 - log.start >= log.size) log.start = log.len + 1 - log.size;
  if (log.len - log.base > 2 * Math.min(log.size, LOG_HELD_MAX) + 65536) dropRotatedOut(log);
  else if (log.parts.length - log.joined > PARTS_PER_CHUNK) log.parts[log.joined] = log.parts.splice(log.joined).join('');
  if (log.parts.length - log.joined === 1 && log.parts[log.joined].length > 4096) log.joined++;
}

/** Forget the text the log no longer returns (memory stays about twice what it holds). */
function dropRotatedOut(log: VerifierLog): void {
  const from = heldFrom(log);
  log.parts = [log.parts.join('').slice(from - log.base)];
  log.joined = 1;
  log.base = from;
}

/**
 * bpf_vlog_finalize: the size the whole log needed (log_true_size, 0 without a log) and
 * whether it was truncated (the load then fails with ENOSPC).
 */
export function logFinalize(log: VerifierLog): { trueSize: number; truncated: boolean } {
  if (!log.level) return { trueSize: 0, truncated: false };
  return { trueSize: log.maxLen, truncated: log.maxLen > log.size };
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
  if (pos <= log.base) {
    log.parts = [];
    log.len = log.base = pos;
  }
  while (log.len > pos && log.parts.length) {
    const last = log.parts[log.parts.length - 1];
    const cut = log.len - pos;
    if (cut >= last.length) { log.parts.pop(); log.len -= last.length; }
    else { log.parts[log.parts.length - 1] = last.slice(0, last.length - cut); log.len -= cut; }
  }
  log.joined = Math.min(log.joined, log.parts.length);
  // a reset before the rotating log's window leaves it empty
  if (log.len < log.start) log.start = log.len;
}

/** vlog_alignment: the printf width of the padding after an instruction line of `len` bytes (newline included). */
export function vlogAlignment(len: number): number {
  const p = Math.max(len + BPF_LOG_MIN_ALIGNMENT / 2, BPF_LOG_ALIGNMENT);
  return Math.ceil(p / BPF_LOG_MIN_ALIGNMENT) * BPF_LOG_MIN_ALIGNMENT - len - 1;
}
