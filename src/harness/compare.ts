// Verifier model versus the live kernel over many programs: the figures that
// say how far the model can be trusted. The worst outcome is a wrong accept
// (the model accepts what Linux rejects).
import { EngineResult, ProgramUnderTest } from './engine';

export type Agreement =
  | 'accept-both'          // both accept
  | 'reject-same-message'  // both reject with the same first error line
  | 'reject-other-message' // both reject, messages differ
  | 'not-modelled'         // the model cannot decide (`not modelled yet`), whatever Linux says: never agreement
  | 'wrong-reject'         // the model rejects (with a real message), Linux accepts
  | 'wrong-accept';        // the model accepts, Linux rejects

export interface Comparison {
  program: string;
  agreement: Agreement;
  ours: string | null;
  kernel: string | null;
  /** Both logs where the engines do not agree (verdict or message), for side-by-side reports. */
  logs?: { ours: string; kernel: string };
}

export function classify(program: string, ours: EngineResult, kernel: EngineResult): Comparison {
  const base = { program, ours: ours.errorLine, kernel: kernel.errorLine };
  const agreement: Agreement = ours.notModelled ? 'not-modelled'
    : ours.verdict === 'accept'
      ? (kernel.verdict === 'accept' ? 'accept-both' : 'wrong-accept')
      : kernel.verdict === 'reject'
        ? (ours.errorLine === kernel.errorLine ? 'reject-same-message' : 'reject-other-message')
        : 'wrong-reject';
  const agree = agreement === 'accept-both' || agreement === 'reject-same-message';
  return agree ? { ...base, agreement } : { ...base, agreement, logs: { ours: ours.log ?? '', kernel: kernel.log ?? '' } };
}

export interface CompareSummary {
  total: number;
  verdictsAgree: number;
  bothReject: number;
  messagesEqual: number;
  counts: Record<Agreement, number>;
  wrongAccepts: Comparison[];
}

export function summarize(rows: readonly Comparison[]): CompareSummary {
  const counts: Record<Agreement, number> = {
    'accept-both': 0, 'reject-same-message': 0, 'reject-other-message': 0, 'not-modelled': 0, 'wrong-reject': 0, 'wrong-accept': 0,
  };
  for (const r of rows) counts[r.agreement]++;
  const bothReject = counts['reject-same-message'] + counts['reject-other-message'];
  return {
    total: rows.length,
    verdictsAgree: counts['accept-both'] + bothReject,
    bothReject,
    messagesEqual: counts['reject-same-message'],
    counts,
    wrongAccepts: rows.filter((r) => r.agreement === 'wrong-accept'),
  };
}

/** Compare two engines on programs; `run` loads one program on one engine. */
export async function compareAll(
  programs: readonly ProgramUnderTest[],
  run: (engine: 'verifier' | 'kernel', p: ProgramUnderTest) => Promise<EngineResult>,
): Promise<Comparison[]> {
  const out: Comparison[] = [];
  for (const p of programs) out.push(classify(p.name, await run('verifier', p), await run('kernel', p)));
  return out;
}
