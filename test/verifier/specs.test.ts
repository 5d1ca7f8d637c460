// The verifier model on every spec under specs/ against the live kernel in the
// same run, both through their engines with the spec's program as every engine
// gets it (license, declared functions and maps, objects with their BTF) and
// its load options (prog flags): no wrong accepts ever; where the model decides
// (no `not modelled yet`), the same verdict and the same first error line, unless the
// spec documents a known difference (`known_differences`: never one that lets the model accept).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { kernelAvailable } from '../../src/kernel';
import { defaultHostFacts } from '../../src/kernel/host';
import { findSpecFiles, readSpecFile, programFromSpec } from '../../src/harness/program';
import { getEngine } from '../../src/harness/engines';
import { specProgFlags } from '../../src/spec';

const root = path.resolve(__dirname, '../../..');
const k = kernelAvailable();
const files = findSpecFiles([path.join(root, 'specs')]);
const tally = { n: 0, verdict: 0, rejects: 0, message: 0, notModelled: 0 };
const host = defaultHostFacts();

for (const f of files) {
  test(`spec ${path.basename(f)}`, { skip: k.ok ? false : k.reason }, async () => {
    const spec = readSpecFile(f);
    const p = programFromSpec(spec, host);
    const load = { logLevel: 1, progFlags: specProgFlags(spec.load?.flags) };
    const kr = await getEngine('kernel', host).run(p, { load });
    const m = await getEngine('verifier', host).run(p, { load });
    tally.n++;
    if (m.notModelled) tally.notModelled++;
    if (kr.verdict === m.verdict) tally.verdict++;
    if (kr.verdict === 'reject') { tally.rejects++; if (kr.errorLine === m.errorLine) tally.message++; }
    if (kr.verdict === 'reject') assert.equal(m.verdict, 'reject', `WRONG ACCEPT\nkernel:\n${kr.log}`);
    if (m.notModelled) return;
    if (spec.known_differences?.kernel || spec.known_differences?.verifier) return;
    assert.equal(m.verdict, kr.verdict, `kernel:\n${kr.log}\nours:\n${m.log}`);
    if (kr.verdict === 'reject') assert.equal(m.errorLine, kr.errorLine);
  });
}
test('spec agreement summary', { skip: k.ok ? false : k.reason }, () => {
  process.stdout.write(`# specs: ${tally.n}, verdict agrees ${tally.verdict}, kernel rejections ${tally.rejects} with the same message ${tally.message}, not modelled ${tally.notModelled}\n`);
  assert.equal(tally.n, files.length);
});
