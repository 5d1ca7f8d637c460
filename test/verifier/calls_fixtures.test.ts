// The calls fixtures (fixtures/obj/calls_*.bpf.o: helpers, kfuncs, global
// functions, callbacks) on the verifier model and the live kernel in the same run
// (bpfx compare): every program decided like Linux, same verdict and first error line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { kernelAvailable } from '../../src/kernel';

const root = path.resolve(__dirname, '../../..');
const objDir = path.join(root, 'fixtures/obj');
const objs = fs.existsSync(objDir) ? fs.readdirSync(objDir).filter((f) => /^calls_.*\.bpf\.o$/.test(f)).map((f) => path.join(objDir, f)) : [];
const avail = kernelAvailable();

test('calls fixtures: every program decided as Linux decides it', { skip: avail.ok ? false : `kernel unavailable: ${avail.reason}` }, () => {
  assert.ok(objs.length >= 4, `calls fixtures found: ${objs.length}`);
  const r = spawnSync(process.execPath, [path.join(root, 'dist/src/cli/main.js'), 'compare', ...objs, '--json'], { encoding: 'utf8', cwd: root, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr || r.stdout.slice(0, 2000));
  const s = JSON.parse(r.stdout) as { total: number; rows: { program: string; agreement: string; ours: string | null; kernel: string | null }[] };
  const off = s.rows.filter((x) => x.agreement !== 'accept-both' && x.agreement !== 'reject-same-message');
  assert.deepEqual(off, []);
  assert.ok(s.total >= 50, `programs compared: ${s.total}`);
});
