// Golden tests against the live kernel: each case is a scalar-only program
// and the log_level 2 verifier log Linux 6.18 printed for it (recorded with
// test/verifier-scalar/tools/record_golden.py, as root; the hand-written
// programs are in cases/handwritten.txt). The model replays the program
// (sim.ts) and must print every register state exactly as the kernel did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { replay, GoldenCase } from './sim';

const DIR = path.join(__dirname, '../../../test/verifier-scalar/golden');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

for (const f of files) {
  const data = JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')) as { kernel: string; cases: GoldenCase[] };
  test(`golden ${f} (${data.cases.length} programs, kernel ${data.kernel})`, () => {
    let compared = 0;
    const failures: string[] = [];
    for (const c of data.cases) {
      const r = replay(c);
      compared += r.compared;
      if (r.mismatches.length) failures.push(`case ${c.name ?? c.seed}:\n  ${c.asm.join('\n  ')}\n  => ${r.mismatches.slice(0, 3).join('\n  => ')}`);
    }
    assert.ok(compared > data.cases.length, 'compared at least one register per program');
    assert.deepEqual(failures.slice(0, 5), []);
  });
}
