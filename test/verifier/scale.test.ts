// State pruning at the kernel's scale: the scale fixtures (fixtures/obj/scale_*.bpf.o,
// a packet parser with unrolled loops, a protocol state machine, trees of static and
// global subprograms, a branch explosion, throw-based assertions: from a hundred to
// about 400,000 processed instructions) and every other fixture and spec, on the
// model and the live kernel in the same run (bpfx compare --stats): accepted programs
// explore exactly as many instructions and states as Linux does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { kernelAvailable } from '../../src/kernel';
import { parseExplorationStats, summarizeStats } from '../../src/harness/stats-compare';
import type { StatsSummary } from '../../src/harness/stats-compare';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const objDir = path.join(root, 'fixtures/obj');
const scaleObjs = fs.readdirSync(objDir).filter((f) => /^scale_.*\.bpf\.o$/.test(f)).map((f) => path.join(objDir, f));
const avail = kernelAvailable();
const skip = avail.ok ? false : `kernel unavailable: ${avail.reason}`;

function compareStats(paths: string[]): StatsSummary {
  const r = spawnSync(process.execPath, [cli, 'compare', '--stats', '--json', ...paths], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 28 });
  assert.ok(r.status === 0, r.stderr || r.stdout.slice(0, 2000));
  return (JSON.parse(r.stdout) as { stats: StatsSummary }).stats;
}

test('the stats line is read from a verifier log', () => {
  const log = 'func#0 @0\n0: (b7) r0 = 0\n1: (95) exit\nprocessed 2 insns (limit 1000000) max_states_per_insn 3 total_states 4 peak_states 5 mark_read 0\n';
  assert.deepEqual(parseExplorationStats(log), { processed: 2, maxStatesPerInsn: 3, totalStates: 4, peakStates: 5 });
  assert.equal(parseExplorationStats('no stats here'), null);
});

test('stats summary: exact matches and the largest difference', () => {
  const line = (n: number): string => `processed ${n} insns (limit 1000000) max_states_per_insn 1 total_states 2 peak_states 2 mark_read 0\n`;
  const row = (program: string, ours: number, kernel: number) =>
    ({ program, agreement: 'accept-both' as const, ours: null, kernel: null, oursLog: line(ours), kernelLog: line(kernel) });
  const s = summarizeStats([row('a', 10, 10), row('b', 90, 100), row('c', 7, 7)]);
  assert.equal(s.compared, 3);
  assert.equal(s.processedEqual, 2);
  assert.deepEqual(s.largestDiff, { program: 'b', ours: 90, kernel: 100, relative: 0.1 });
});

test('scale fixtures: processed instructions and states as the kernel counts them', { skip }, () => {
  assert.ok(scaleObjs.length >= 5, `scale fixtures found: ${scaleObjs.length}`);
  const s = compareStats(scaleObjs);
  assert.ok(s.compared >= 9, `accepted scale programs compared: ${s.compared}`);
  const off = s.rows.filter((r) => JSON.stringify(r.ours) !== JSON.stringify(r.kernel));
  assert.deepEqual(off, []);
  assert.ok(Math.max(...s.rows.map((r) => r.kernel.processed)) > 300_000, 'a program near half a million processed instructions');
});

test('every fixture and spec: processed instructions as the kernel counts them (90% exact, the rest within 1%)', { skip }, () => {
  const s = compareStats([objDir, path.join(root, 'specs')]);
  assert.ok(s.processedEqual >= 0.9 * s.compared, `${s.processedEqual}/${s.compared} exact`);
  assert.ok(!s.largestDiff || s.largestDiff.relative <= 0.01, JSON.stringify(s.largestDiff));
});
