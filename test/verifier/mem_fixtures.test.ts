// The C fixtures of the memory model (fixtures/src/mem_*.bpf.c) on the verifier
// model and the live kernel in the same run: each program's name ends in _ok or
// _bad for the verdict Linux gives it; the model must give the same verdict and,
// for a rejection, the same first error line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { loadObjectPrograms } from '../../src/harness/object';
import { getEngine } from '../../src/harness/engines';
import { firstErrorLine } from '../../src/verifier/error_line';
import { hostFacts } from '../../src/kernel/host';

const root = path.resolve(__dirname, '../../..');
const objDir = path.join(root, 'fixtures/obj');
const objs = fs.readdirSync(objDir).filter((f) => /^mem_.*\.bpf\.o$/.test(f));
const host = hostFacts();
const kernel = getEngine('kernel', host);
const avail = kernel.available();

test('memory fixtures exist', () => assert.ok(objs.length >= 3));

for (const o of objs) {
  for (const p of loadObjectPrograms(path.join(objDir, o), host)) {
    test(`${o}:${p.name} on the model and the kernel`, { skip: avail.ok ? false : avail.reason }, async () => {
      const expected = p.name.endsWith('_ok') ? 'accept' : 'reject';
      const k = await kernel.run(p, {});
      const m = await getEngine('verifier', host).run(p, {});
      assert.equal(k.verdict, expected, `the kernel's verdict on ${p.name}:\n${k.log}`);
      assert.equal(m.verdict, k.verdict, `kernel:\n${k.log}\nmodel:\n${m.log}`);
      if (k.verdict === 'reject') assert.equal(firstErrorLine(m.log), firstErrorLine(k.log));
    });
  }
}
