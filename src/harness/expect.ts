// Compare an engine's result with a spec's expectations. Each engine is held
// to the expectations it can answer: the interpreter to return values and
// runtime errors, the verifier to verdicts and logs, the kernel to both.
import { Spec, expectedRetval } from '../spec';
import { EngineName, EngineResult, hex64 } from './engine';

const verifying: EngineName[] = ['verifier', 'kernel'];
const running: EngineName[] = ['interp', 'kernel', 'jit'];

/** Whether a spec says anything this engine can check. */
export function specAppliesTo(spec: Spec, engine: EngineName): boolean {
  if (spec.engines && !spec.engines.includes(engine)) return false;
  const e = spec.expect;
  const saysVerdict = e.verdict !== undefined || e.errno !== undefined || e.error_line !== undefined || e.log !== undefined;
  const saysRun = (e.retval !== undefined || e.runtime_error !== undefined) && e.verdict !== 'reject';
  return (verifying.includes(engine) && saysVerdict) || (running.includes(engine) && saysRun);
}

/** Mismatches between expectation and result; empty when the spec holds. */
export function checkResult(spec: Spec, engine: EngineName, r: EngineResult): string[] {
  const e = spec.expect;
  const bad: string[] = [];
  if (verifying.includes(engine)) {
    if (e.verdict !== undefined && r.verdict !== e.verdict) {
      bad.push(`verdict: expected ${e.verdict}, got ${r.verdict}${r.verdict === 'reject' ? ` (${r.errorLine})` : ''}`);
    }
    if (e.errno !== undefined && r.errno !== e.errno) bad.push(`errno: expected ${e.errno}, got ${r.errno}`);
    if (e.error_line !== undefined) {
      if (r.errorLine !== e.error_line) bad.push(`error line: expected '${e.error_line}', got '${r.errorLine}'`);
    }
    if (e.log) {
      const lines = new Set((r.log ?? '').split('\n').map((l) => l.trim()));
      for (const want of e.log) if (!lines.has(want.trim())) bad.push(`log: no line '${want}'`);
    }
  }
  if (running.includes(engine) && e.verdict !== 'reject') {
    if (e.retval !== undefined) {
      const want = expectedRetval(e.retval);
      if (r.retval === null) bad.push(`retval: expected ${hex64(want)}, program did not run (${r.error ?? r.errorLine ?? 'no result'})`);
      else if (r.retval !== want) bad.push(`retval: expected ${hex64(want)}, got ${hex64(r.retval)}`);
    }
    if (e.runtime_error !== undefined) {
      if (!r.error || !r.error.includes(e.runtime_error)) bad.push(`runtime error: expected '${e.runtime_error}', got ${r.error === null ? 'none' : `'${r.error}'`}`);
    } else if (r.error && engine !== 'kernel') {
      bad.push(`runtime error: ${r.error}`);
    }
  }
  return bad;
}
