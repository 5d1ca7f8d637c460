// The verifier rule trace: when BPFX_RULE_TRACE names a file (scripts/test.js sets
// it), every spec and scenario that loads a program on the verifier engine appends
// one JSON line {source, log} there, so that scripts/rules.js can list, for every
// rejection message the verifier can emit, the specs and scenarios that reach it.
import * as fs from 'fs';
import { EngineName, EngineResult } from './engine';

export interface RuleTraceEntry { source: string; engine: EngineName; log: string }

export function traceVerifierRun(source: string, engine: EngineName, result: EngineResult): void {
  const file = process.env.BPFX_RULE_TRACE;
  if (!file || engine !== 'verifier' || !result.log) return;
  const entry: RuleTraceEntry = { source, engine, log: result.log };
  fs.appendFileSync(file, JSON.stringify(entry) + '\n');
}
