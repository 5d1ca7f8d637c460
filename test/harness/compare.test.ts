// The verifier model against the live kernel over every fixture and spec:
// never a wrong accept; and the classification itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { classify, summarize } from '../../src/harness/compare';
import { EngineResult } from '../../src/harness/engine';
import { kernelAvailable } from '../../src/kernel';

const root = path.join(__dirname, '..', '..', '..');
const res = (verdict: 'accept' | 'reject', line?: string): EngineResult =>
  ({ verdict, errno: verdict === 'reject' ? 'EACCES' : null, log: line ? `0: (95) exit\n${line}\nprocessed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n` : '', retval: null, error: null,
    errorLine: verdict === 'reject' ? line ?? null : null, notModelled: line?.startsWith('not modelled yet:') ?? false });

test('classify: every agreement kind', () => {
  assert.equal(classify('p', res('accept'), res('accept')).agreement, 'accept-both');
  assert.equal(classify('p', res('accept'), res('reject', 'R0 !read_ok')).agreement, 'wrong-accept');
  assert.equal(classify('p', res('reject', 'R0 !read_ok'), res('reject', 'R0 !read_ok')).agreement, 'reject-same-message');
  assert.equal(classify('p', res('reject', 'R1 !read_ok'), res('reject', 'R0 !read_ok')).agreement, 'reject-other-message');
  assert.equal(classify('p', res('reject', 'not modelled yet: helper call #1'), res('accept')).agreement, 'not-modelled');
  // the model could not decide: not agreement even where Linux rejects too
  assert.equal(classify('p', res('reject', 'not modelled yet: helper call #1'), res('reject', 'R0 !read_ok')).agreement, 'not-modelled');
  assert.equal(classify('p', res('reject', 'R0 !read_ok'), res('accept')).agreement, 'wrong-reject');
  const s = summarize([classify('a', res('accept'), res('accept')), classify('b', res('accept'), res('reject', 'x'))]);
  assert.equal(s.total, 2);
  assert.equal(s.verdictsAgree, 1);
  assert.deepEqual(s.wrongAccepts.map((r) => r.program), ['b']);
});

const avail = kernelAvailable();
test('bpfx compare: no wrong accepts over every fixture and spec, and the model decides most exception cases',
  { skip: avail.ok ? false : `kernel unavailable: ${avail.reason}` }, () => {
    const r = spawnSync(process.execPath, [path.join(root, 'dist/src/cli/main.js'), 'compare', '--json'], { encoding: 'utf8', cwd: root });
    assert.equal(r.status, 0, r.stderr || r.stdout.slice(0, 2000));
    const s = JSON.parse(r.stdout);
    assert.deepEqual(s.wrongAccepts, [], 'wrong accepts');
    assert.ok(s.total >= 40, `programs compared: ${s.total}`);
    const exc = (s.rows as { program: string; agreement: string }[]).filter((x) => x.program.startsWith('exc_'));
    const decided = exc.filter((x) => x.agreement === 'accept-both' || x.agreement === 'reject-same-message');
    assert.ok(decided.length >= 7, `exception fixtures decided like Linux: ${decided.length}/${exc.length}`);
  });
