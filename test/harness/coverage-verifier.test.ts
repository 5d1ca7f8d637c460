// scripts/coverage-verifier.js: the verifier's own figure from c8's json-summary,
// summed over the files under src/verifier/ only, rounded down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';

interface Metric { covered: number; total: number; pct: number }
type Summary = Record<string, Record<'lines' | 'statements' | 'branches' | 'functions', Metric>>;
const { verifierCoverage, verifierCoverageLine } = require(path.resolve(__dirname, '../../../scripts/coverage-verifier.js')) as {
  verifierCoverage: (s: Summary) => Record<'lines' | 'statements' | 'branches' | 'functions', Metric> & { files: number };
  verifierCoverageLine: (c: { branches: Metric }) => string;
};

const entry = (covered: number, total: number): Summary[string] => {
  const m = { covered, total, pct: 0 };
  return { lines: m, statements: m, branches: m, functions: m };
};

test('the verifier figure sums src/verifier/ and its subfolders, nothing else', () => {
  const cov = verifierCoverage({
    total: entry(1, 1000),
    '/r/dist/src/verifier/alu.ts': entry(80, 100),
    '/r/dist/src/verifier/scalar/tnum.ts': entry(9, 10),
    '/r/dist/src/verifier_extra/x.ts': entry(0, 50),
    '/r/dist/src/jit/verifier.ts': entry(0, 50),
  });
  assert.equal(cov.files, 2);
  assert.deepEqual(cov.branches, { covered: 89, total: 110, pct: 80.9 });
  assert.equal(verifierCoverageLine(cov), 'verifier branch coverage: 80.9% (89/110)');
});

test('the figure is rounded down: 8999 of 10000 is 89.9%, not 90%', () => {
  assert.equal(verifierCoverage({ 'a/src/verifier/a.ts': entry(8999, 10000) }).branches.pct, 89.9);
  assert.equal(verifierCoverage({}).branches.pct, 100);
});
