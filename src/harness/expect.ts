// Compare an engine's result with a spec's expectations. Each engine is held
// to the expectations it can answer: the interpreter and the JIT to return
// values and runtime errors, the verifier to verdicts, logs and the rewritten
// program, the kernel to all of them. Messages and xlated lines are matched as
// test_loader matches __msg/__not_msg/__regex and __xlated: by the one matcher
// (test-loader/match.ts). Each problem is one line: what was expected, what came back.
import { Spec, SpecExpect, SpecMessage, SpecUnprivExpect, expectedRetval } from '../spec';
import { EngineName, EngineResult, hex64 } from './engine';
import { MsgPattern, disasmPatterns, msgPattern } from './test-loader/annotations';
import { MsgFailure, validateMsgs } from './test-loader/match';
import { xlatedText } from './test-loader/run';

const verifying: readonly EngineName[] = ['verifier', 'kernel'];
const running: readonly EngineName[] = ['interp', 'kernel', 'jit'];

/** What one load expects: the privileged expectation, or the unprivileged one merged over it. */
export type LoadExpect = Omit<SpecExpect, 'unpriv' | 'runtime_error' | 'jited'>;

/** The unprivileged expectation: each field it does not give is the privileged one (test_loader's _unpriv rule). */
export function unprivExpect(e: SpecExpect): LoadExpect | null {
  if (!e.unpriv) return null;
  const { unpriv, runtime_error: _r, jited: _j, ...priv } = e;
  return { ...priv, ...(unpriv as SpecUnprivExpect) };
}

const saysVerdict = (e: LoadExpect): boolean =>
  e.verdict !== undefined || e.errno !== undefined || e.error_line !== undefined || e.log !== undefined || e.messages !== undefined || e.xlated !== undefined;

/** Whether a spec says anything this engine can check. */
export function specAppliesTo(spec: Spec, engine: EngineName): boolean {
  if (spec.engines && !spec.engines.includes(engine)) return false;
  const e = spec.expect;
  const saysRun = (e.retval !== undefined || e.runtime_error !== undefined) && e.verdict !== 'reject';
  return (verifying.includes(engine) && (saysVerdict(e) || (engine === 'verifier' && e.unpriv !== undefined))) || (running.includes(engine) && saysRun);
}

/** expect.messages as test_loader's message patterns (__msg, __not_msg, __regex), in order. Throws on a bad regular expression. */
export function messagePatterns(list: readonly SpecMessage[]): MsgPattern[] {
  return list.map((m) => (typeof m === 'string' ? msgPattern(m)
    : 'not_msg' in m ? msgPattern(m.not_msg, { negative: true }) : msgPattern(m.regex, { wholeRegex: true })));
}

/** One line for the first pattern a text does not meet. */
export function describeUnmet(what: string, f: MsgFailure, text: string): string {
  const shown = f.pattern.regex !== null && !f.pattern.text.includes('{{') ? `regex '${f.pattern.text}'` : `'${f.pattern.text}'`;
  const after = f.matched.length ? ` after '${f.matched[f.matched.length - 1].text}'` : '';
  const lines = text.split('\n');
  if (f.status === 'UNEXPECTED') return `${what}: expected no ${shown} here, found it at line ${f.line + 1}: '${lines[f.line] ?? ''}'`;
  if (f.status === 'WRONG LINE') return `${what}: expected ${shown} on line ${f.expectedLine! + 1}, right after the previous match; it is at line ${f.line + 1}`;
  const tail = lines.filter((l) => l.trim()).slice(-2).join(' | ');
  return `${what}: expected ${shown}${after}, not found (${text.trim() ? `the text ends: '${tail}'` : 'the log is empty'})`;
}

/**
 * The log as a load at `logLevel` shows it: at level 0 libbpf asks for no log,
 * and only after a failure loads again at level 1 (test_loader's default).
 */
export function logAtLevel(r: EngineResult, logLevel: number): string {
  return logLevel === 0 && r.verdict === 'accept' ? '' : r.log ?? '';
}

/** What a check found: mismatches (one line each), and expectations the engine could not answer. */
export interface Checked { problems: string[]; unchecked: string[] }

/** Mismatches of a load (verifier or kernel) with what it expects; no problems when it holds. */
export function checkLoad(e: LoadExpect, r: EngineResult, logLevel: number): Checked {
  const bad: string[] = [];
  const unchecked: string[] = [];
  if (e.verdict !== undefined && r.verdict !== e.verdict) {
    bad.push(`verdict: expected ${e.verdict}, got ${r.verdict}${r.verdict === 'reject' ? ` (${r.errorLine})` : ''}`);
  }
  if (e.errno !== undefined && r.errno !== e.errno) bad.push(`errno: expected ${e.errno}, got ${r.errno}`);
  if (e.error_line !== undefined && r.errorLine !== e.error_line) bad.push(`error line: expected '${e.error_line}', got '${r.errorLine}'`);
  const log = logAtLevel(r, logLevel);
  if (e.log) {
    const lines = new Set(log.split('\n').map((l) => l.trim()));
    for (const want of e.log) if (!lines.has(want.trim())) bad.push(`log: expected the line '${want}', not in the log`);
  }
  if (e.messages) {
    const f = validateMsgs(log, messagePatterns(e.messages));
    if (f) bad.push(describeUnmet('messages', f, log));
  }
  if (e.xlated && r.verdict === 'accept') {
    const x = r.xlatedProgram;
    if (!x) bad.push('xlated: expected the rewritten program, the engine gave none');
    else if (!Array.isArray(x)) unchecked.push(`xlated (${x.unavailable})`);
    else {
      const text = xlatedText(x);
      const f = validateMsgs(text, disasmPatterns(e.xlated));
      if (f) bad.push(describeUnmet('xlated', f, text));
    }
  }
  return { problems: bad, unchecked };
}

/** Mismatches of a run (interp, jit, kernel) with what it expects. */
export function checkRun(e: SpecExpect, engine: EngineName, r: EngineResult): string[] {
  const bad: string[] = [];
  if (e.verdict === 'reject') return bad;
  if (e.retval !== undefined) {
    const want = expectedRetval(e.retval);
    if (r.retval === null) bad.push(`retval: expected ${hex64(want)}, the program did not run (${r.error ?? r.errorLine ?? 'no result'})`);
    else if (r.retval !== want) bad.push(`retval: expected ${hex64(want)}, got ${hex64(r.retval)}`);
  }
  if (e.runtime_error !== undefined) {
    if (!r.error || !r.error.includes(e.runtime_error)) bad.push(`runtime error: expected '${e.runtime_error}', got ${r.error === null ? 'none' : `'${r.error}'`}`);
  } else if (r.error && engine !== 'kernel') {
    bad.push(`runtime error: expected none, got '${r.error}'`);
  }
  return bad;
}

/** Mismatches between the privileged expectation and a result; empty when the spec holds. */
export function checkResult(spec: Spec, engine: EngineName, r: EngineResult): Checked {
  const load = verifying.includes(engine) ? checkLoad(spec.expect, r, spec.load?.log_level ?? 0) : { problems: [], unchecked: [] };
  // __jited: bpfx does not disassemble x86-64 images (test_loader uses LLVM's disassembler): said, never passed silently.
  const jited = spec.expect.jited && engine === 'kernel' ? ['jited (JIT images are not disassembled by bpfx)'] : [];
  return { problems: [...load.problems, ...(running.includes(engine) ? checkRun(spec.expect, engine, r) : [])], unchecked: [...load.unchecked, ...jited] };
}
