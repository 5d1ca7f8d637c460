// Every spec (specs/**/*.yaml) on the live kernel, through the spec runner the
// CLI and npm test use (src/harness/spec-runner.ts): the kernel engine loads
// (objects and declared functions/maps with their BTF and maps), test-runs, and
// the result is held to the spec's expectations. A documented divergence
// (known_differences.kernel) is a skip with its reason, never a pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { kernelAvailable } from '../../src/kernel';
import { findSpecFiles, readSpecFile } from '../../src/harness/program';
import { defaultHostFacts } from '../../src/kernel/host';
import { specAppliesTo } from '../../src/harness/expect';
import { runSpecOn } from '../../src/harness/spec-runner';

const ROOT = path.join(__dirname, '../../..');
const SPECS = path.join(ROOT, 'specs');
const avail = kernelAvailable();
const skip = !avail.ok ? `kernel unavailable: ${avail.reason}` : false;
const files = !skip && fs.existsSync(SPECS) ? findSpecFiles([SPECS]) : [];
if (skip || files.length === 0) test('specs on the kernel', { skip: skip || 'no specs/*.yaml yet' }, () => undefined);

const host = defaultHostFacts();
for (const file of files) {
  const spec = readSpecFile(file);
  const applies = specAppliesTo(spec, 'kernel');
  test(`spec ${path.relative(ROOT, file)} on the kernel`, { skip: applies ? false : 'nothing for the kernel to check' }, async (t) => {
    const o = await runSpecOn(spec, 'kernel', host);
    if (o.status === 'skip') { t.skip(o.reason); return; }
    assert.deepEqual(o.status === 'fail' ? o.problems : [], []);
  });
}
