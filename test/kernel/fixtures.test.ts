// Every fixture object (fixtures/**/*.o) on the live kernel: linked by
// src/loader, loaded by src/kernel/object.ts, each program's verdict compared
// with fixtures/golden/<object>.<prog>.verdict (made with libbpf 1.8 on this
// kernel): `verdict: ok`, or `verdict: error -ERRNO` with the verifier's (or
// libbpf's) last message. Objects libbpf refuses must be refused by the loader
// with the same message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { kernelAvailable, errnoName } from '../../src/kernel';
import { runObjectFile } from '../../src/kernel/object';
import { firstErrorLine as kernelErrorLine } from '../../src/verifier/error_line';

const ROOT = path.join(__dirname, '../../..');
const FIX = path.join(ROOT, 'fixtures');
const avail = kernelAvailable();
const skip = !avail.ok ? `kernel unavailable: ${avail.reason}` : !fs.existsSync(FIX) ? 'no fixtures/ directory' : false;

function findObjects(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findObjects(p));
    else if (e.name.endsWith('.o')) out.push(p);
  }
  return out.sort();
}

interface Golden { ok: boolean; errnoNum: number; libbpf: boolean; message: string }
function readGolden(obj: string, prog: string): Golden | undefined {
  const f = path.join(FIX, 'golden', `${obj}.${prog}.verdict`);
  if (!fs.existsSync(f)) return undefined;
  const text = fs.readFileSync(f, 'utf8');
  const v = /^verdict: (.*)$/m.exec(text)?.[1] ?? '';
  // the message line; libbpf refusals may give it as `libbpf: ...` (also in <obj>.libbpf-error)
  const libbpfFile = path.join(FIX, 'golden', `${obj}.libbpf-error`);
  const m = /^message: (.*)$/m.exec(text)?.[1] ?? /^libbpf: (.*)$/m.exec(text)?.[1]
    ?? (fs.existsSync(libbpfFile) ? /^libbpf: (.*)$/m.exec(fs.readFileSync(libbpfFile, 'utf8'))?.[1] : undefined) ?? '';
  const e = /^error -(\d+)/.exec(v);
  return { ok: v === 'ok', errnoNum: e ? Number(e[1]) : 0, libbpf: v.includes('libbpf error'), message: m };
}

const objects = skip ? [] : findObjects(FIX);
if (skip || objects.length === 0) test('fixtures on the kernel', { skip: skip || 'no fixtures/*.o yet' }, () => undefined);

for (const file of objects) {
  const objName = path.basename(file).replace(/\..*$/, '');
  test(`fixture ${path.relative(ROOT, file)} on the kernel`, () => {
    const bytes = new Uint8Array(fs.readFileSync(file));
    const goldens = fs.readdirSync(path.join(FIX, 'golden')).filter((g) => g.startsWith(`${objName}.`) && g.endsWith('.verdict'));
    let res;
    try {
      res = runObjectFile(file, { logLevel: 1, run: true });
    } catch (e) {
      // The loader refused the object: every golden of it must be a libbpf error with this message.
      const msg = (e as Error).message;
      assert.ok(goldens.length > 0, `loader error and no golden: ${msg}`);
      for (const g of goldens) {
        const gold = readGolden(objName, g.slice(objName.length + 1, -'.verdict'.length))!;
        assert.equal(gold.libbpf, true, `${g}: kernel verdict expected, loader failed: ${msg}`);
        assert.equal(msg, gold.message, g);
      }
      return;
    }
    assert.ok(res.verdicts.length > 0, 'no programs');
    for (const v of res.verdicts) {
      const gold = readGolden(objName, v.prog);
      assert.ok(gold, `no golden fixtures/golden/${objName}.${v.prog}.verdict`);
      if (gold.ok) {
        assert.equal(v.verdict, 'accept', `${v.prog}: ${kernelErrorLine(v.log)}`);
        // a program that runs (test-run supported for its type) must return the same as its bytes say
        if (v.runError === null) assert.notEqual(v.retval, null);
      } else {
        assert.equal(v.verdict, 'reject', v.prog);
        assert.equal(v.errno, errnoName(gold.errnoNum), v.prog);
        assert.equal(kernelErrorLine(v.log) ?? '', gold.message, v.prog); // '' both: no log (EPERM)
      }
    }
  });
}
