// How test_loader.c (validate_msgs) holds a log to a list of message
// patterns: positive patterns are found in order, each after the end of the
// previous match; a negative pattern (__not_msg) must not occur between the
// positive matches around it; a pattern marked onNextLine (__xlated, __jited)
// must match on the line right after the previous match. Pure.
import { MsgPattern } from './annotations';

interface Match { start: number; end: number; line: number }

/** One pattern searched from `from`: the match's start and end, or null. */
function find(log: string, p: MsgPattern, from: number): { start: number; end: number } | null {
  if (p.regex === null) {
    const at = log.indexOf(p.text, from);
    return at < 0 ? null : { start: at, end: at + p.text.length };
  }
  // regexec on the rest of the log: `^` matches where the search starts, as POSIX does without REG_NOTBOL.
  const m = new RegExp(p.regex, 'm').exec(log.slice(from));
  return m ? { start: from + m.index, end: from + m.index + m[0].length } : null;
}

const countLines = (s: string, a: number, b: number): number => {
  let n = 0;
  for (let i = a; i < b; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
};

export type MsgStatus = 'EXPECTED' | 'WRONG LINE' | 'UNEXPECTED';

/** The first pattern the log does not meet, with what test_loader prints about it. */
export interface MsgFailure {
  index: number;
  status: MsgStatus;
  pattern: MsgPattern;
  /** Patterns before it, all met. */
  matched: MsgPattern[];
  /** Line (0-based) where the search stood, or where the unexpected/wrong-line match is. */
  line: number;
  /** For WRONG LINE: the line expected. */
  expectedLine?: number;
}

/** Null when the log meets every pattern; else the first unmet one. */
export function validateMsgs(log: string, patterns: readonly MsgPattern[]): MsgFailure | null {
  const matches: (Match | null)[] = patterns.map(() => null);
  // Positive patterns, in order.
  let pos = 0, line = 0, prevStart = 0;
  patterns.forEach((p, i) => {
    if (p.negative) return;
    const m = find(log, p, pos);
    if (!m) return;
    line += countLines(log, prevStart, m.start);
    matches[i] = { start: m.start, end: m.end, line };
    prevStart = m.start;
    pos = m.end;
  });
  // Negative patterns: each is looked for between the end of the positive match before it and the start of the next one.
  let spanStart = 0;
  for (let i = 0; i < patterns.length; i++) {
    if (!patterns[i].negative) { spanStart = matches[i]?.end ?? spanStart; continue; }
    let next = i + 1;
    while (next < patterns.length && patterns[next].negative) next++;
    const spanEnd = next < patterns.length ? (matches[next]?.start ?? log.length) : log.length;
    for (let j = i; j < next; j++) {
      const m = find(log, patterns[j], spanStart);
      if (m && m.end <= spanEnd) matches[j] = { ...m, line: countLines(log, 0, m.start) };
    }
    i = next - 1;
  }
  let prev: Match | null = null;
  for (let i = 0; i < patterns.length; i++) {
    const p = patterns[i], m = matches[i];
    const noMatch = !p.negative && !m;
    const wrongLine = !p.negative && !!m && p.onNextLine && prev !== null && prev.line + 1 !== m.line;
    const unexpected = p.negative && !!m;
    if (noMatch || wrongLine || unexpected) {
      return {
        index: i, status: noMatch ? 'EXPECTED' : wrongLine ? 'WRONG LINE' : 'UNEXPECTED', pattern: p,
        matched: patterns.slice(0, i).filter((q) => !q.negative), line: m ? m.line : prev ? prev.line : 0,
        expectedLine: wrongLine && prev ? prev.line + 1 : undefined,
      };
    }
    if (!p.negative) prev = m;
  }
  return null;
}

/** test_loader's report of a failure: MATCHED lines for the patterns met, then the failing one. */
export function describeMsgFailure(f: MsgFailure): string[] {
  const kind = (p: MsgPattern): string => (p.regex === null ? 'SUBSTR' : ' REGEX');
  const out = f.matched.map((p) => `MATCHED    ${kind(p)}: '${p.text}'`);
  out.push(`${f.status.padEnd(10)} ${kind(f.pattern)}: '${f.pattern.text}'`);
  if (f.expectedLine !== undefined) out.push(`expecting match at line ${f.expectedLine}, actual match is at line ${f.line}`);
  return out;
}

/** Up to `radius` lines either side of line `at` of the log (the log around a failure). */
export function logAround(log: string, at: number, radius = 4): string[] {
  const lines = log.split('\n');
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const from = Math.max(0, at - radius), to = Math.min(lines.length, at + radius + 1);
  return lines.slice(from, to).map((l, i) => `${String(from + i).padStart(5)}| ${l}`);
}
