// Parser fuzzing in npm test: a short seeded run of every front door (src/cli/fuzz/parsers.ts),
// the crashing inputs the long runs found (fixtures/fuzz/TARGET/*), and the two size attacks of
// issue 14: a section claiming 1 GiB in a small file, a BTF with a million types.
// The long runs are `bpfx fuzz --parsers --count 100000` (docs/fuzzing.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { parserTargets } from '../../src/cli/fuzz/parsers';
import { classify, fuzzParserInProcess } from '../../src/cli/fuzz/parse-run';
import { parseElf, ElfError } from '../../src/elf';
import { parseBtf, typeCount, typeSize } from '../../src/btf';
import { packageRoot } from '../../src/kernel/host';

const COUNTS: Record<string, number> = { cli: 8, loader: 40, spec: 50 };
const bounds = { boundMs: 20000, memoryMb: 512 };

for (const t of parserTargets()) {
  test(`parser fuzz: ${t.name}, a short seeded run gives results and typed errors only`, async () => {
    const count = COUNTS[t.name] ?? 150;
    const r = await fuzzParserInProcess(t.name, { seed: 14, count, ...bounds });
    const bad = r.findings.map((f) => `input ${f.index} (${f.seedName}): ${f.outcome}: ${f.detail.split('\n')[0]}`);
    assert.deepEqual(bad, []);
    assert.equal(r.counts.result + r.counts['typed-error'], count);
    // the mutations bite: some inputs are refused (the CLI target answers with exit statuses only)
    if (t.name !== 'cli') assert.ok(r.counts['typed-error'] > 0, `${t.name}: no input was refused`);
  });
}

const corpus = path.join(packageRoot(), 'fixtures', 'fuzz');
for (const target of fs.existsSync(corpus) ? fs.readdirSync(corpus).sort() : []) {
  test(`parser fuzz regression: every kept ${target} input ends in a result or a typed error`, async () => {
    const t = parserTargets().find((x) => x.name === target);
    assert.ok(t, `fixtures/fuzz/${target}: no such parser target`);
    const seeds = t.seeds();
    const files = fs.readdirSync(path.join(corpus, target)).sort();
    assert.ok(files.length > 0);
    for (const f of files) {
      const bytes = new Uint8Array(fs.readFileSync(path.join(corpus, target, f)));
      const c = await classify(t, bytes, seeds[0], bounds);
      assert.ok(c.outcome === 'result' || c.outcome === 'typed-error', `${target}/${f}: ${c.outcome}: ${c.detail}`);
    }
  });
}

test('a section claiming 1 GiB in a small object is refused without allocating it', () => {
  const file = path.join(packageRoot(), 'fixtures', 'obj', 'exc_valid.bpf.o');
  const b = new Uint8Array(fs.readFileSync(file));
  const dv = new DataView(b.buffer);
  const shoff = Number(dv.getBigUint64(40, true));
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 1; i < dv.getUint16(60, true); i++) {
    const c = b.slice();
    new DataView(c.buffer).setBigUint64(shoff + i * 64 + 32, 1n << 30n, true);
    assert.throws(() => parseElf(c), (e: unknown) => e instanceof ElfError && e.kind === 'truncated', `section ${i}`);
  }
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 << 20);
});

test('a BTF with a million types parses and resolves (each type once: no quadratic walk)', () => {
  const n = 1_000_000;
  const types = new Uint8Array(16 + (n - 1) * 12);
  const dv = new DataView(types.buffer);
  // [1] int, then [k] const -> [k - 1]: the longest reference chains the format allows are cut at 32
  dv.setUint32(0, 1, true); dv.setUint32(4, 1 << 24, true); dv.setUint32(8, 4, true); dv.setUint32(12, 32, true);
  for (let k = 2; k <= n; k++) { const o = 16 + (k - 2) * 12; dv.setUint32(o + 4, 10 << 24, true); dv.setUint32(o + 8, k - 1, true); }
  const strs = new TextEncoder().encode('\0int\0');
  const bytes = new Uint8Array(24 + types.length + strs.length);
  const h = new DataView(bytes.buffer);
  h.setUint16(0, 0xeb9f, true); bytes[2] = 1; h.setUint32(4, 24, true); h.setUint32(12, types.length, true);
  h.setUint32(16, types.length, true); h.setUint32(20, strs.length, true);
  bytes.set(types, 24); bytes.set(strs, 24 + types.length);
  const btf = parseBtf(bytes);
  assert.equal(typeCount(btf), n + 1);
  assert.equal(typeSize(btf, 5), 4);
});
