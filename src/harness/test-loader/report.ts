// bpfx test-loader's figures and reports: per engine `N programs: P pass,
// F fail, S skip`, the model's agreement with the kernel on the same
// subtests (verdict, first error line; src/harness/compare.ts), the wrong
// accepts; as text, one JSON document, or JUnit XML. Pure.
import { EngineName, hex64 } from '../engine';
import { firstErrorLine } from '../../verifier/error_line';
import { classify, summarize, Comparison, CompareSummary } from '../compare';
import { SubtestResult } from './run';

export interface EngineSummary { engine: EngineName; total: number; pass: number; fail: number; skip: number; notModelled: number }

export interface TestLoaderSummary {
  engines: EngineSummary[];
  /** Verifier model vs kernel on the subtests both loaded; null unless both engines ran. */
  agreement: (CompareSummary & { rows: Comparison[] }) | null;
}

export function summarizeRun(results: readonly SubtestResult[], engines: readonly EngineName[]): TestLoaderSummary {
  const per = engines.map((engine): EngineSummary => {
    const rs = results.filter((r) => r.engine === engine);
    const n = (s: string): number => rs.filter((r) => r.status === s).length;
    return { engine, total: rs.length, pass: n('pass'), fail: n('fail'), skip: n('skip'), notModelled: rs.filter((r) => r.notModelled).length };
  });
  let agreement: TestLoaderSummary['agreement'] = null;
  if (engines.includes('verifier') && engines.includes('kernel')) {
    const key = (r: SubtestResult): string => `${r.file}\0${r.prog}\0${r.mode}`;
    const kernel = new Map(results.filter((r) => r.engine === 'kernel' && r.result).map((r) => [key(r), r]));
    const rows: Comparison[] = [];
    for (const v of results) {
      if (v.engine !== 'verifier' || !v.result) continue;
      const k = kernel.get(key(v));
      if (!k?.result) continue;
      const row = classify(`${baseName(v.file)}:${v.name}`, v.result, k.result);
      // `not modelled yet` is an answer of its own, never agreement, whatever the kernel said.
      rows.push(v.notModelled ? { ...row, agreement: 'not-modelled' } : row);
    }
    agreement = { ...summarize(rows), rows };
  }
  return { engines: per, agreement };
}

const baseName = (f: string): string => f.split('/').pop() ?? f;

export function engineLine(s: EngineSummary): string {
  return `${s.engine}: ${s.total} programs: ${s.pass} pass, ${s.fail} fail, ${s.skip} skip` + (s.notModelled ? ` (not modelled yet: ${s.notModelled})` : '');
}

export function agreementLine(a: CompareSummary): string {
  return `model vs kernel: ${a.total} programs: verdicts agree ${a.verdictsAgree}/${a.total}; ` +
    `both reject ${a.bothReject}, same first error line ${a.messagesEqual}/${a.bothReject}; ` +
    `not modelled yet ${a.counts['not-modelled']}; wrong rejects ${a.counts['wrong-reject']}; wrong accepts ${a.counts['wrong-accept']}`;
}

/** The human report: a line per subtest and engine, details under failures, the summary lines. */
export function textReport(results: readonly SubtestResult[], summary: TestLoaderSummary): string {
  const out: string[] = [];
  let file = '';
  for (const r of results) {
    if (r.file !== file) { file = r.file; out.push(file); }
    const why = r.reason ? `  ${r.reason}` : '';
    out.push(`  ${r.status.toUpperCase().padEnd(4)} ${r.engine.padEnd(8)} ${r.name}${why}`);
    if (r.status === 'fail') for (const d of r.details) out.push(`         ${d}`);
  }
  out.push('');
  for (const s of summary.engines) out.push(engineLine(s));
  const a = summary.agreement;
  if (a) {
    out.push(agreementLine(a));
    out.push(`wrong accepts: ${a.wrongAccepts.length ? a.wrongAccepts.map((w) => `${w.program} (kernel: ${w.kernel})`).join('; ') : 'none'}`);
  }
  return out.join('\n') + '\n';
}

function resultJson(r: SubtestResult): Record<string, unknown> {
  const e = r.result;
  return {
    file: r.file, prog: r.prog, name: r.name, mode: r.mode, engine: r.engine, status: r.status, reason: r.reason, details: r.details,
    unchecked: r.unchecked, not_modelled: r.notModelled,
    verdict: e?.verdict ?? null, errno: e?.errno ?? null, error_line: e && e.verdict === 'reject' ? (firstErrorLine(e.log) ?? e.error ?? null) : null,
    run_error: e && e.verdict !== 'reject' ? e.error : null,
    retval: e?.retval === null || e?.retval === undefined ? null : hex64(e.retval), log: e?.log ?? null,
  };
}

/** One JSON document: a `programs` array (one entry per subtest and engine) and the figures. */
export function jsonReport(results: readonly SubtestResult[], summary: TestLoaderSummary): string {
  const a = summary.agreement;
  return JSON.stringify({
    programs: results.map(resultJson),
    summary: summary.engines,
    agreement: a && {
      total: a.total, verdicts_agree: a.verdictsAgree, both_reject: a.bothReject, same_error_line: a.messagesEqual,
      counts: a.counts, wrong_accepts: a.wrongAccepts, rows: a.rows,
    },
  }) + '\n';
}

const xml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' }[c] as string))
  // XML 1.0 has no control characters other than tab and newlines.
  // eslint-disable-next-line no-control-regex
  .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/** JUnit XML: a testsuite per engine, a testcase per subtest (classname = object file). */
export function junitReport(results: readonly SubtestResult[], summary: TestLoaderSummary): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites name="bpfx test-loader">'];
  for (const s of summary.engines) {
    out.push(`  <testsuite name="${xml(s.engine)}" tests="${s.total}" failures="${s.fail}" skipped="${s.skip}" errors="0">`);
    for (const r of results.filter((x) => x.engine === s.engine)) {
      out.push(`    <testcase classname="${xml(baseName(r.file))}" name="${xml(r.name)}">`);
      if (r.status === 'fail') out.push(`      <failure message="${xml(r.reason ?? 'failed')}">${xml(r.details.join('\n'))}</failure>`);
      if (r.status === 'skip') out.push(`      <skipped message="${xml(r.reason ?? 'skipped')}"/>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
