#!/usr/bin/env node
// The whole test run: purity of the pure stages (scripts/purity.js), unit
// tests (node:test on compiled tests), the bpf_conformance suite, the specs and
// the Gherkin scenarios. Each suite's counts
// are read from its own output; a line is printed as each suite starts and ends,
// and the run ends with one line `N passed, N failed`. Reports (generated, in
// reports/): each suite's log, JUnit XML (node's and cucumber's own reporters) in
// reports/junit/, summary.json, the verifier rule trace, and, for a full run only,
// c8 coverage (a partial run never overwrites the full run's coverage) with the
// verifier's branch figure printed and kept in summary.json (coverage.verifier).
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { readVerifierCoverage, verifierCoverageLine } = require('./coverage-verifier');

const root = path.resolve(__dirname, '..');
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
fs.mkdirSync(path.join(root, 'reports', 'junit'), { recursive: true });
// Coverage: every child writes V8 coverage here; c8 turns it into reports/coverage.
const v8dir = path.join(root, 'reports', only ? '.v8-coverage-partial' : '.v8-coverage');
// Which verifier messages each spec and scenario reaches (scripts/rules.js reads it).
const ruleTrace = path.join(root, 'reports', only ? '.rule-trace-partial.jsonl' : '.rule-trace.jsonl');
fs.rmSync(ruleTrace, { force: true });
// Scenarios' engines that cannot apply and known differences (src/harness/scenario-notes.ts; report.js lists them).
const scenarioNotes = path.join(root, 'reports', only ? 'scenario-notes-partial.jsonl' : 'scenario-notes.jsonl');
fs.rmSync(scenarioNotes, { force: true });
fs.rmSync(v8dir, { recursive: true, force: true });
fs.mkdirSync(v8dir, { recursive: true });

function run(label, cmd, args, parse, env = {}) {
  process.stdout.write(`\n=== ${label}: started (${path.basename(cmd)} ${args.slice(0, 4).join(' ')}${args.length > 4 ? ' ...' : ''})\n`);
  const t0 = Date.now();
  const r = spawnSync(cmd, args, {
    cwd: root, encoding: 'utf8', maxBuffer: 1 << 30,
    env: { ...process.env, NODE_V8_COVERAGE: v8dir, BPFX_RULE_TRACE: ruleTrace, BPFX_SCENARIO_NOTES: scenarioNotes, ...env },
  });
  const out = (r.stdout || '') + (r.stderr || '');
  fs.writeFileSync(path.join(root, 'reports', `${label}.log`), out);
  let counts = parse(out);
  if (!counts) {
    process.stdout.write(out.slice(-4000));
    process.stdout.write(`\n${label}: could not read its counts (exit ${r.status})\n`);
    counts = { passed: 0, failed: 1 };
  }
  if (r.status !== 0 && counts.failed === 0) counts.failed = 1; // a crash is a failure
  counts.seconds = Math.round((Date.now() - t0) / 100) / 10;
  process.stdout.write(`=== ${label}: ended, ${counts.passed} passed, ${counts.failed} failed (${counts.seconds} s)\n`);
  return counts;
}

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findTests(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const suites = [];
if (!only || only === 'purity') {
  // One check: the pure stages compile without Node types and import no impure folder.
  suites.push(['purity', run('purity', process.execPath, [path.join(root, 'scripts', 'purity.js')], (out) => {
    if (/^purity: ok/m.test(out)) return { passed: 1, failed: 0 };
    if (!/^purity: \d+ problem/m.test(out)) return null;
    process.stdout.write(out);
    return { passed: 0, failed: 1 };
  })]);
}
if (!only || only === 'unit') {
  const files = findTests(path.join(root, 'dist', 'test')).map((f) => path.relative(root, f));
  if (files.length) {
    const junit = path.join('reports', 'junit', 'unit.xml');
    suites.push(['unit', run('unit', process.execPath, ['--test', '--test-reporter=tap', '--test-reporter-destination=stdout',
      '--test-reporter=junit', `--test-reporter-destination=${junit}`, ...files], (out) => {
      const p = /^# pass (\d+)$/m.exec(out), f = /^# fail (\d+)$/m.exec(out);
      if (!p || !f) return null;
      for (const m of out.matchAll(/^not ok \d+ - (.*)$/gm)) process.stdout.write(`FAIL unit: ${m[1]}\n`);
      return { passed: +p[1], failed: +f[1] };
    })]);
  }
}
if (!only || only === 'conformance') {
  suites.push(['conformance', run('conformance', process.execPath, ['dist/src/cli/main.js', 'conformance'], (out) => {
    const m = [...out.matchAll(/^(\d+) passed, (\d+) failed/gm)].pop();
    for (const l of out.split('\n')) if (l.startsWith('FAIL')) process.stdout.write(l + '\n');
    return m ? { passed: +m[1], failed: +m[2] } : null;
  })]);
}
if (!only || only === 'specs') {
  // Each spec's result on each engine with its logs, for the report (scripts/report.js).
  const specResults = path.join(root, 'reports', only ? '.spec-results-partial.jsonl' : 'specs.jsonl');
  fs.rmSync(specResults, { force: true });
  suites.push(['specs', run('specs', process.execPath, ['dist/src/cli/main.js', 'spec', 'specs', '--engine', 'all'], (out) => {
    const m = [...out.matchAll(/^(\d+) passed, (\d+) failed/gm)].pop();
    for (const l of out.split('\n')) if (l.startsWith('FAIL') || l.startsWith('SKIP')) process.stdout.write(l + '\n');
    return m ? { passed: +m[1], failed: +m[2] } : null;
  }, { BPFX_SPEC_RESULTS: specResults })]);
}
if (!only || only === 'features') {
  suites.push(['features', run('features', process.execPath, [path.join(root, 'node_modules', '@cucumber', 'cucumber', 'bin', 'cucumber-js'),
    '--format', 'junit:reports/junit/features.xml'], (out) => {
    const m = /^(\d+) scenarios? \(([^)]*)\)/m.exec(out);
    if (!m) return /^0 scenarios/m.test(out) ? { passed: 0, failed: 0 } : null;
    const get = (w) => { const x = new RegExp(`(\\d+) ${w}`).exec(m[2]); return x ? +x[1] : 0; };
    const failed = get('failed') + get('undefined') + get('ambiguous') + get('pending');
    if (failed) process.stdout.write(out.split('\n').filter((l) => /✖|Error|failed|undefined/.test(l)).slice(0, 80).join('\n') + '\n');
    return { passed: get('passed'), failed };
  }, { TS_NODE_TRANSPILE_ONLY: 'true' })]);
}

let c8ok = false;
if (!only) {
  const c8 = spawnSync(process.execPath, [path.join(root, 'node_modules', 'c8', 'bin', 'c8.js'), 'report', '--temp-directory', v8dir,
    '--report-dir', path.join(root, 'reports', 'coverage'), '--reporter=html', '--reporter=text-summary', '--reporter=json-summary', '--reporter=lcovonly',
    '--include=dist/src/**', '--exclude-after-remap=false'], { cwd: root, encoding: 'utf8' });
  process.stdout.write('\n' + ((c8.stdout || '') + (c8.stderr || '')).trim() + '\n');
  c8ok = c8.status === 0;
}
// The figure: c8 branch coverage of src/verifier/ alone (scripts/coverage-verifier.js);
// never an older run's figure when this run's c8 failed.
const verifierCov = c8ok ? readVerifierCoverage(root) : null;
if (verifierCov) process.stdout.write(verifierCoverageLine(verifierCov) + '\n');

let passed = 0, failed = 0;
process.stdout.write('\n');
for (const [label, c] of suites) {
  process.stdout.write(`${label}: ${c.passed} passed, ${c.failed} failed\n`);
  passed += c.passed; failed += c.failed;
}
fs.writeFileSync(path.join(root, 'reports', only ? `summary-${only}.json` : 'summary.json'), JSON.stringify({
  date: new Date().toISOString(), passed, failed, suites: Object.fromEntries(suites),
  ...(verifierCov ? { coverage: { verifier: verifierCov } } : {}),
}, null, 1) + '\n');
if (!only) {
  // The model against the kernel, the rule table and the HTML page (reports/index.html).
  const cmp = spawnSync(process.execPath, ['dist/src/cli/main.js', 'compare', '--json'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (cmp.status === 0 && cmp.stdout.trim().startsWith('{')) fs.writeFileSync(path.join(root, 'reports', 'compare.json'), cmp.stdout);
  else fs.rmSync(path.join(root, 'reports', 'compare.json'), { force: true });
  for (const script of ['rules.js', 'report.js']) {
    const r = spawnSync(process.execPath, [path.join(__dirname, script)], { cwd: root, encoding: 'utf8' });
    process.stdout.write((r.stdout || '') + (r.status ? (r.stderr || '') : ''));
  }
}
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed ? 1 : 0;
