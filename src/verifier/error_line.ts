// The error line of a verifier log, the kernel's or the model's: the one place
// that reads it (engine results carry it as `errorLine`). PURE.

/** The closing statistics lines of a log (print_verification_stats). */
const STATS_LINE = /^(processed \d+ insns|verification time|stack depth |Verification time)/;

/** The states the kernel prints after `infinite loop detected at insn %d` (is_state_visited). */
const LOOP_STATE_LINE = /^(cur|old) state: /;

/** A statistics line glued to a message that was printed without its newline. */
const GLUED_STATS = /(\S)(processed \d+ insns \(limit)/g;

/**
 * The verifier's message in a log: the kernel prints the failing state and
 * instruction, then the message, then its closing statistics, so the message is
 * the last line before the statistics lines. Some 6.18 messages lack their
 * newline (`insn %d cannot call exception cb directly`, `invalid type id %d in
 * func info`); the statistics line glued to them is cut off. The states printed
 * after an infinite loop are not the message. Null when the log has no such line.
 */
export function firstErrorLine(log: string | null): string | null {
  if (!log) return null;
  const lines = log.replace(GLUED_STATS, '$1\n$2').split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  while (lines.length && STATS_LINE.test(lines[lines.length - 1])) lines.pop();
  while (lines.length && LOOP_STATE_LINE.test(lines[lines.length - 1])) lines.pop();
  return lines.length ? lines[lines.length - 1] : null;
}
