// Scenario notes: the one-line answer of each kind of engine result, and the
// JSON lines written where BPFX_SCENARIO_NOTES points (nothing without it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { answerLine, noteScenario, ScenarioNote } from '../../src/harness/scenario-notes';
import { runResult, verifierResult, EngineResult } from '../../src/harness/engine';

test('answerLine: a verdict with its message, a return value, a runtime error', () => {
  const rows: Array<[EngineResult, string]> = [
    [verifierResult({ verdict: 'reject', errno: 'EINVAL', log: 'x\n', error: 'bad thing', notModelled: false }), 'reject (EINVAL): bad thing'],
    [{ ...verifierResult({ verdict: 'reject', errno: 'EPERM', log: '', error: '', notModelled: false }), errorLine: null }, 'reject (EPERM): (empty log)'],
    [verifierResult({ verdict: 'accept', errno: null, log: '', error: '', notModelled: false }), 'accept'],
    [{ ...verifierResult({ verdict: 'accept', errno: null, log: '', error: '', notModelled: false }), retval: 24n }, 'accept, retval 0x18'],
    [runResult(0xffffffffffffffffn, null), 'retval 0xffffffffffffffff'],
    [runResult(null, 'no implementation for helper 5 (pc 0)'), 'error: no implementation for helper 5 (pc 0)'],
  ];
  for (const [r, want] of rows) assert.equal(answerLine(r), want);
});

test('noteScenario: one JSON line per note in BPFX_SCENARIO_NOTES, nothing without it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-notes-'));
  const file = path.join(dir, 'notes.jsonl');
  const note: ScenarioNote = { source: 'features/x.feature:3', engine: 'jit', kind: 'cannot-apply', reason: 'why', answer: 'error: e' };
  const saved = process.env.BPFX_SCENARIO_NOTES;
  try {
    delete process.env.BPFX_SCENARIO_NOTES;
    noteScenario(note);
    assert.equal(fs.existsSync(file), false);
    process.env.BPFX_SCENARIO_NOTES = file;
    noteScenario(note);
    noteScenario({ ...note, kind: 'known-difference', engine: 'verifier' });
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines, [note, { ...note, kind: 'known-difference', engine: 'verifier' }]);
  } finally {
    if (saved === undefined) delete process.env.BPFX_SCENARIO_NOTES; else process.env.BPFX_SCENARIO_NOTES = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
