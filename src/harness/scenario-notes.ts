// Scenario notes: where a scenario says an engine cannot apply, or that an
// engine differs from the kernel on purpose (a known difference), the step
// appends one JSON line {source, engine, kind, reason, answer} to the file
// BPFX_SCENARIO_NOTES names (scripts/test.js sets it), so that the report lists
// every such case with its reason and nothing passes silently.
import * as fs from 'fs';
import { EngineName, EngineResult, hex64 } from './engine';

export type ScenarioNoteKind = 'cannot-apply' | 'known-difference';

export interface ScenarioNote {
  /** `features/x.feature:LINE` of the scenario (the example row's line). */
  source: string;
  engine: EngineName;
  kind: ScenarioNoteKind;
  reason: string;
  /** What the engine answered, in one line (verdict and message, or return value or error), and the kernel where it decides. */
  answer: string;
}

/** One line for an engine's answer: `reject: <message>`, `accept`, `retval 0x..`, `error: ...`. */
export function answerLine(r: EngineResult): string {
  if (r.verdict === 'reject') return `reject (${r.errno ?? 'no errno'}): ${r.errorLine ?? '(empty log)'}`;
  if (r.verdict === 'accept') return r.retval === null ? 'accept' : `accept, retval ${hex64(r.retval)}`;
  return r.retval !== null ? `retval ${hex64(r.retval)}` : `error: ${r.error}`;
}

export function noteScenario(note: ScenarioNote): void {
  const file = process.env.BPFX_SCENARIO_NOTES;
  if (file) fs.appendFileSync(file, JSON.stringify(note) + '\n');
}
