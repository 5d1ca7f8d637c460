// The verifier model on every spec under specs/ against the live kernel in the
// same run: no wrong accepts ever; where the model decides (no `not modelled
// yet`), the same verdict and the same first error line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { verify, progTypeNumber } from '../../src/verifier';
import { kernelAvailable, progLoad, closeFd } from '../../src/kernel';
import { vmlinuxFuncId, defaultHostFacts } from '../../src/kernel/host';
import { findSpecFiles, readSpecFile, programFromSpec } from '../../src/harness/program';
import { verifierInputFor } from '../../src/harness/engines/verifier';
import { firstErrorLine } from './cases';

const root = path.resolve(__dirname, '../../..');
let throwId = -1;
try { throwId = vmlinuxFuncId('bpf_throw'); } catch { /* no kernel BTF */ }
const k = kernelAvailable();
const files = findSpecFiles([path.join(root, 'specs')]);
const tally = { n: 0, verdict: 0, rejects: 0, message: 0, notModelled: 0 };

for (const f of files) {
  test(`spec ${path.basename(f)}`, { skip: k.ok ? false : k.reason }, () => {
    const host = defaultHostFacts();
    const p = programFromSpec(readSpecFile(f), host);
    const type = progTypeNumber(p.progType);
    assert.ok(type !== undefined, `unknown type ${p.progType}`);
    const kr = progLoad({ insns: p.insns, progType: p.progType, logLevel: 1 });
    if (kr.ok) closeFd(kr.fd);
    // object specs are loaded here as bare instructions on both sides (`bpfx compare` loads them with their BTF and maps)
    const m = p.object
      ? verify({ insns: p.insns, progType: type!, logLevel: 1, kfunc: (id, off) => (id === throwId && off === 0 ? { name: 'bpf_throw', argCount: 1 } : undefined) })
      : verify({ ...verifierInputFor(p, host.profile, 1, host) });
    const kv = kr.ok ? 'accept' : 'reject';
    tally.n++;
    if (m.notModelled) tally.notModelled++;
    if (kv === m.verdict) tally.verdict++;
    if (!kr.ok) { tally.rejects++; if (firstErrorLine(kr.log) === firstErrorLine(m.log)) tally.message++; }
    if (kv === 'reject') assert.equal(m.verdict, 'reject', `WRONG ACCEPT\nkernel:\n${kr.log}`);
    if (m.notModelled) return;
    assert.equal(m.verdict, kv, `kernel:\n${kr.log}\nours:\n${m.log}`);
    if (!kr.ok) assert.equal(firstErrorLine(m.log), firstErrorLine(kr.log));
  });
}
test('spec agreement summary', { skip: k.ok ? false : k.reason }, () => {
  process.stdout.write(`# specs: ${tally.n}, verdict agrees ${tally.verdict}, kernel rejections ${tally.rejects} with the same message ${tally.message}, not modelled ${tally.notModelled}\n`);
  assert.equal(tally.n, files.length);
});
