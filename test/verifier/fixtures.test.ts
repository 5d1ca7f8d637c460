// The verifier model on the fixture objects (fixtures/obj/exc_*.bpf.o) against
// the kernel verdicts recorded in fixtures/golden: never accept what Linux
// rejects; where we decide (not `not modelled yet`), agree on verdict and message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';

const root = path.resolve(__dirname, '../../..');
const golden = path.join(root, 'fixtures/golden');
const cli = path.join(root, 'dist/src/cli/main.js');
const objs = fs.existsSync(path.join(root, 'fixtures/obj'))
  ? fs.readdirSync(path.join(root, 'fixtures/obj')).filter((f) => /^exc_.*\.bpf\.o$/.test(f)) : [];

for (const o of objs) {
  test(`fixture ${o}`, () => {
    const r = spawnSync(process.execPath, [cli, 'verify', path.join(root, 'fixtures/obj', o), '--json'], { encoding: 'utf8' });
    if (r.status === 2) return; // libbpf-stage error (the loader rejects before BPF_PROG_LOAD)
    const base = o.replace(/\.bpf\.o$/, '');
    // one JSON document: the program's object, or { programs: [...] } for several
    type Verdict = { prog: string; verdict: string; log: string };
    const doc = JSON.parse(r.stdout) as Verdict | { programs: Verdict[] };
    const programs = 'programs' in doc ? doc.programs : [doc];
    assert.ok(programs.length > 0, `${o}: no programs verified`);
    for (const d of programs) {
      const gfile = path.join(golden, `${base}.${d.prog}.verdict`);
      if (!fs.existsSync(gfile)) continue;
      const g = fs.readFileSync(gfile, 'utf8');
      if (/libbpf error/.test(g)) continue; // libbpf refused this program before BPF_PROG_LOAD
      const kernelAccepts = /^verdict: ok/m.test(g);
      if (!kernelAccepts) assert.notEqual(d.verdict, 'accept', `${d.prog}: WRONG ACCEPT\n${d.log}`);
      if (d.verdict === 'unknown') continue; // not modelled yet: never a guess
      assert.equal(d.verdict, kernelAccepts ? 'accept' : 'reject', `${d.prog}\n${d.log}`);
      const m = /^message: (.*)$/m.exec(g);
      if (m && !kernelAccepts) assert.ok(d.log.includes(m[1]), `${d.prog}: expected '${m[1]}'\n${d.log}`);
    }
  });
}
