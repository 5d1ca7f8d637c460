// veristat's columns, filters, sort and log parsing (src/cli/stats.ts) as tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  statsFromLog, globMatches, parseFilter, parseSort, parseStatRef, formatRows, rowAllowed, sortRows, StatsRow, TABLE_COLUMNS,
} from '../../src/cli/stats';

const row = (prog: string, insns: number, verdict: StatsRow['verdict'] = 'success'): StatsRow => ({
  file: 'x.o', prog, verdict, duration: 5, totalInsns: insns, totalStates: 1, peakStates: 1, maxStatesPerInsn: 0, markRead: 0,
  progSize: 2, jitedSize: 0, progType: 'xdp', attachType: '', stackDepth: 8, memPeak: 0,
});

test('statsFromLog reads the statistics lines of a level-4 log (as the kernel prints them)', () => {
  const log = 'verification time 686 usec\nstack depth 8+0+16\nprocessed 37 insns (limit 1000000) max_states_per_insn 2 total_states 3 peak_states 4 mark_read 1\n';
  assert.deepEqual(statsFromLog(log), { duration: 686, totalInsns: 37, totalStates: 3, peakStates: 4, maxStatesPerInsn: 2, markRead: 1, stackDepth: 24 });
  assert.deepEqual(statsFromLog(''), { duration: 0, totalInsns: 0, totalStates: 0, peakStates: 0, maxStatesPerInsn: 0, markRead: 0, stackDepth: 0 });
});

test('stat names and their aliases, variants and |abs|', () => {
  const cases: [string, string, string | null, boolean][] = [
    ['insns', 'totalInsns', null, false], ['total_insns', 'totalInsns', null, false], ['states_diff', 'totalStates', 'diff', false],
    ['|insns_pct|', 'totalInsns', 'pct', true], ['verdict_b', 'verdict', 'b', false], ['mark_read', 'markRead', null, false],
    ['stack', 'stackDepth', null, false], ['prog', 'prog', null, false],
  ];
  for (const [text, id, variant, abs] of cases) {
    const r = parseStatRef(text);
    assert.deepEqual([r.def.id, r.variant, r.abs], [id, variant, abs], text);
  }
  assert.throws(() => parseStatRef('insnz'), /unrecognized stat name 'insnz'/);
});

test('globs and filters as veristat reads them', () => {
  assert.ok(globMatches('exc_valid.bpf.o', 'exc_*.o'));
  assert.ok(!globMatches('exc_valid.bpf.o', 'exc_*.c'));
  assert.ok(globMatches('a.b', 'a.b') && !globMatches('axb', 'a.b'));
  const rows = [row('p1', 10), row('p2', 200), row('big', 5000, 'failure')];
  const keep = (...fs: string[]): string[] => rows.filter((r) => rowAllowed(fs.map(parseFilter), r)).map((r) => r.prog);
  assert.deepEqual(keep(), ['p1', 'p2', 'big']);
  assert.deepEqual(keep('insns>100'), ['p2', 'big']);
  assert.deepEqual(keep('insns>100', '!verdict=failure'), ['p2']);
  assert.deepEqual(keep('x.o/p*'), ['p1', 'p2']);
  assert.deepEqual(keep('!x.o/big'), ['p1', 'p2']);
  assert.deepEqual(keep('y.o'), []);
});

test('-s: numbers descend by default, names ascend; :asc / :desc choose', () => {
  const rows = [row('b', 10), row('a', 30), row('c', 20)];
  assert.deepEqual(sortRows(rows, parseSort('insns')).map((r) => r.prog), ['a', 'c', 'b']);
  assert.deepEqual(sortRows(rows, parseSort('insns:asc')).map((r) => r.prog), ['b', 'c', 'a']);
  assert.deepEqual(sortRows(rows, parseSort('prog')).map((r) => r.prog), ['a', 'b', 'c']);
  assert.deepEqual(sortRows(rows, []).map((r) => r.prog), ['a', 'b', 'c']); // file, then program
});

test('the table: veristat\'s default columns, strings left- and numbers right-aligned, underlined', () => {
  assert.deepEqual(TABLE_COLUMNS.map((c) => c.header), ['File', 'Program', 'Verdict', 'Duration (us)', 'Insns', 'States', 'Program size', 'Jited size']);
  const t = formatRows([row('p1', 10), row('prog2', 1234)], 'table').split('\n');
  assert.equal(t[0], 'File  Program  Verdict  Duration (us)  Insns  States  Program size  Jited size');
  assert.equal(t[2], 'x.o   p1       success              5     10       1             2           0');
  assert.equal(t[3], 'x.o   prog2    success              5   1234       1             2           0');
  assert.equal(t[1], t[4]);
});
