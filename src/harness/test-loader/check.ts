// A load held to what a test spec expects of it, as test_loader.c's
// run_subtest does: the verdict (__success/__failure), then the ordered
// messages (__msg/__not_msg/__regex), then the rewritten program (__xlated).
// Pure; shared by bpfx test-loader and, later, spec fields and Gherkin steps.
import { EngineResult } from '../engine';
import { firstErrorLine } from '../../verifier/error_line';
import { Subspec } from './annotations';
import { describeMsgFailure, logAround, validateMsgs } from './match';

/** Checks the load against the subspec: verdict, then messages, then xlated lines. Null when all hold. */
export function checkLoad(sub: Pick<Subspec, 'expectFailure' | 'msgs' | 'xlated'>, r: Pick<EngineResult, 'verdict' | 'errno' | 'log' | 'error'>, xlated: string | null): { reason: string; details: string[] } | null {
  const log = r.log ?? '';
  const where = r.error ?? firstErrorLine(log) ?? 'no log';
  const end = log.split('\n').length - 3;
  if (sub.expectFailure && r.verdict === 'accept') return { reason: 'unexpected_load_success: expected the load to fail', details: logAround(log, end) };
  if (!sub.expectFailure && r.verdict === 'reject') {
    return { reason: `unexpected_load_failure: ${r.errno ?? ''}${r.errno ? ': ' : ''}${where}`, details: logAround(log, end) };
  }
  const m = validateMsgs(log, sub.msgs);
  if (m) {
    const what = m.status === 'UNEXPECTED' ? 'unexpected message' : m.status === 'WRONG LINE' ? 'message on the wrong line' : 'expected message not found';
    // Nothing matched yet: the end of the log (the error) says more than its start.
    const at = m.status === 'EXPECTED' && m.matched.length === 0 ? end : m.line;
    return { reason: `${what}: '${m.pattern.text}'`, details: [...describeMsgFailure(m), ...logAround(log, at)] };
  }
  if (xlated !== null) {
    const x = validateMsgs(xlated, sub.xlated);
    if (x) return { reason: `xlated: ${x.status === 'WRONG LINE' ? 'line out of place' : 'expected line not found'}: '${x.pattern.text}'`, details: [...describeMsgFailure(x), ...logAround(xlated, x.line)] };
  }
  return null;
}
