#!/usr/bin/env node
// The verifier's own coverage figure (issue 13: c8 branch coverage of src/verifier/):
// c8's json-summary (reports/coverage/coverage-summary.json, written by a full
// `npm test`) restricted to the files under src/verifier/, summed per metric.
// scripts/test.js prints it at the end of a full run and keeps it in
// reports/summary.json; scripts/report.js shows it in reports/index.html.
// Run alone it prints the figure of the last full run:
//   verifier branch coverage: 88.0% (4639/5271)
'use strict';
const fs = require('fs');
const path = require('path');

const METRICS = ['lines', 'statements', 'branches', 'functions'];
const IS_VERIFIER = /[\\/]src[\\/]verifier[\\/]/;

/** Sums of one c8 json-summary over the files of src/verifier: {lines, statements, branches, functions, files}, each metric {covered, total, pct}. */
function verifierCoverage(summary) {
  const out = { files: 0 };
  for (const k of METRICS) out[k] = { covered: 0, total: 0, pct: 100 };
  for (const [file, v] of Object.entries(summary)) {
    if (file === 'total' || !IS_VERIFIER.test(file)) continue;
    out.files++;
    for (const k of METRICS) {
      out[k].covered += v[k].covered;
      out[k].total += v[k].total;
    }
  }
  // one decimal, rounded down: 89.96% is not 90%
  for (const k of METRICS) out[k].pct = out[k].total ? Math.floor(1000 * out[k].covered / out[k].total) / 10 : 100;
  return out;
}

/** The one line a run prints. */
function verifierCoverageLine(cov) {
  return `verifier branch coverage: ${cov.branches.pct}% (${cov.branches.covered}/${cov.branches.total})`;
}

/** The figure of reports/coverage/coverage-summary.json under root, or null when no full run wrote one. */
function readVerifierCoverage(root) {
  const file = path.join(root, 'reports', 'coverage', 'coverage-summary.json');
  let summary;
  try { summary = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { return null; }
  return verifierCoverage(summary);
}

module.exports = { verifierCoverage, verifierCoverageLine, readVerifierCoverage };

if (require.main === module) {
  const root = path.resolve(__dirname, '..');
  const cov = readVerifierCoverage(root);
  if (!cov) {
    process.stderr.write('coverage-verifier: no reports/coverage/coverage-summary.json (a full `npm test` writes it)\n');
    process.exitCode = 2;
  } else {
    process.stdout.write(verifierCoverageLine(cov) + '\n');
  }
}
