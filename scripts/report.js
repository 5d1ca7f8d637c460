#!/usr/bin/env node
// One HTML page per test run, reports/index.html: every suite with its counts;
// the specs by spec and engine; the scenarios by feature with the engines each
// uses; the model against the kernel (agreement figures, and for every case
// where they disagree both logs side by side with the first differing line
// marked); coverage of src/verifier and the verifier rule table. Reads what
// scripts/test.js left in reports/ (summary.json, specs.log, cucumber.json,
// compare.json, coverage/coverage-summary.json, verifier-rules.json).
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const rep = (...p) => path.join(root, 'reports', ...p);
const readJson = (f) => { try { return JSON.parse(fs.readFileSync(rep(f), 'utf8')); } catch { return null; } };
const readText = (f) => { try { return fs.readFileSync(rep(f), 'utf8'); } catch { return ''; } };
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
const pct = (x) => (x === undefined ? 'n/a' : `${x.pct}% (${x.covered}/${x.total})`);
const badge = (ok, text) => `<span class="${ok ? 'ok' : 'bad'}">${esc(text)}</span>`;

function suitesSection(summary) {
  if (!summary) return '<p>No summary: run <code>npm test</code>.</p>';
  const rows = Object.entries(summary.suites).map(([name, c]) =>
    `<tr><td>${esc(name)}</td><td>${c.passed}</td><td>${badge(!c.failed, String(c.failed))}</td><td>${c.seconds ?? ''}</td></tr>`).join('');
  return `<p>${esc(summary.date)}: <b>${summary.passed} passed, ${summary.failed} failed</b></p>
<table><tr><th>suite</th><th>passed</th><th>failed</th><th>seconds</th></tr>${rows}</table>`;
}

function specsSection(log) {
  const bySpec = new Map();
  const engines = new Set();
  for (const l of log.split('\n')) {
    const m = /^(PASS|FAIL|SKIP) (\S+) \[(\w+)\](.*)$/.exec(l);
    if (!m) continue;
    engines.add(m[3]);
    if (!bySpec.has(m[2])) bySpec.set(m[2], {});
    bySpec.get(m[2])[m[3]] = { status: m[1], why: m[4].trim() };
  }
  if (!bySpec.size) return '<p>No spec results.</p>';
  const eng = [...engines];
  const rows = [...bySpec].map(([spec, r]) => `<tr><td>${esc(path.basename(spec))}</td>${eng.map((e) => {
    const x = r[e];
    if (!x) return '<td></td>';
    return `<td class="${x.status.toLowerCase()}" title="${esc(x.why)}">${x.status.toLowerCase()}</td>`;
  }).join('')}</tr>`).join('\n');
  return `<table><tr><th>spec</th>${eng.map((e) => `<th>${esc(e)}</th>`).join('')}</tr>${rows}</table>`;
}

/** Scenario notes (reports/scenario-notes.jsonl): engines that cannot apply, known differences, with their reasons. */
function notesSection(text) {
  const notes = text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  if (!notes.length) return '<p>No scenario says an engine cannot apply or differs from the kernel.</p>';
  const count = {};
  for (const n of notes) count[`${n.kind} ${n.engine}`] = (count[`${n.kind} ${n.engine}`] ?? 0) + 1;
  const summary = Object.entries(count).map(([k, v]) => `${esc(k)}: ${v}`).join('; ');
  const rows = notes.map((n) => `<tr><td>${esc(n.source)}</td><td>${esc(n.engine)}</td><td class="${n.kind === 'known-difference' ? 'fail' : 'skip'}">${esc(n.kind)}</td>`
    + `<td>${esc(n.reason)}</td><td><code>${esc(n.answer)}</code></td></tr>`).join('\n');
  return `<p>${summary}</p><table><tr><th>where</th><th>engine</th><th>kind</th><th>reason</th><th>the engine answered</th></tr>${rows}</table>`;
}

function featuresSection(cucumber) {
  if (!cucumber) return '<p>No scenario results.</p>';
  return cucumber.map((f) => {
    const rows = f.elements.map((sc) => {
      const failed = sc.steps.find((s) => s.result.status !== 'passed' && s.result.status !== 'skipped');
      const engines = [...new Set(sc.steps.map((s) => /"(\w+)" engine/.exec(s.name)?.[1]).filter(Boolean))];
      const status = failed ? failed.result.status : 'passed';
      const detail = failed ? `<pre>${esc(failed.name)}\n${esc(failed.result.error_message ?? '')}</pre>` : '';
      return `<tr><td>${esc(f.uri)}:${sc.line}</td><td>${esc(sc.name)}</td><td>${esc(engines.join(', '))}</td>`
        + `<td class="${status === 'passed' ? 'pass' : 'fail'}">${esc(status)}${detail}</td></tr>`;
    }).join('\n');
    return `<h3>${esc(f.name)}</h3><table><tr><th>where</th><th>scenario</th><th>engines</th><th>result</th></tr>${rows}</table>`;
  }).join('\n');
}

/** Two logs side by side; the first line where they differ is marked. */
function sideBySide(a, b) {
  const la = a.split('\n'), lb = b.split('\n');
  let first = -1;
  for (let i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) { first = i; break; }
  const col = (lines) => lines.map((l, i) => (i === first ? `<mark>${esc(l)}</mark>` : esc(l))).join('\n');
  return `<div class="sbs"><div><b>model</b><pre>${col(la)}</pre></div><div><b>kernel</b><pre>${col(lb)}</pre></div></div>`;
}

function compareSection(cmp) {
  if (!cmp) return '<p>No comparison with the kernel in this run (no <code>bpf()</code> here, or not a full run).</p>';
  const c = cmp.counts;
  const rows = cmp.rows.filter((r) => r.logs).map((r) => `<details><summary>${esc(r.program)}: ${esc(r.agreement)}`
    + ` (model: ${esc(r.ours ?? 'accept')}; kernel: ${esc(r.kernel ?? 'accept')})</summary>${sideBySide(r.logs.ours, r.logs.kernel)}</details>`).join('\n');
  return `<p>${cmp.total} programs: verdicts agree <b>${cmp.verdictsAgree}/${cmp.total}</b>; both reject ${cmp.bothReject}, same message
<b>${cmp.messagesEqual}/${cmp.bothReject}</b>; not modelled yet ${c['not-modelled']}; wrong rejects ${c['wrong-reject']};
wrong accepts ${badge(!c['wrong-accept'], String(c['wrong-accept']))}.</p>${rows}`;
}

function coverageSection(cov, rules) {
  if (!cov) return '<p>No coverage (a full <code>npm test</code> run writes it).</p>';
  const ver = { lines: { covered: 0, total: 0 }, branches: { covered: 0, total: 0 }, functions: { covered: 0, total: 0 } };
  for (const [file, v] of Object.entries(cov)) {
    if (!/[\\/]src[\\/]verifier[\\/]/.test(file)) continue;
    for (const k of Object.keys(ver)) { ver[k].covered += v[k].covered; ver[k].total += v[k].total; }
  }
  for (const k of Object.keys(ver)) ver[k].pct = ver[k].total ? Math.round(1000 * ver[k].covered / ver[k].total) / 10 : 100;
  const reached = rules ? rules.filter((r) => r.scenarios.length).length : 0;
  return `<table><tr><th></th><th>lines</th><th>branches</th><th>functions</th></tr>
<tr><td>all of src/</td><td>${pct(cov.total.lines)}</td><td>${pct(cov.total.branches)}</td><td>${pct(cov.total.functions)}</td></tr>
<tr><td>src/verifier/</td><td>${pct(ver.lines)}</td><td>${pct(ver.branches)}</td><td>${pct(ver.functions)}</td></tr></table>
<p>Verifier rejection messages reached by a spec or scenario: <b>${rules ? `${reached} of ${rules.length}` : 'n/a'}</b>
(<a href="verifier-rules.html">the rule table</a>, <a href="coverage/index.html">coverage by file</a>).</p>`;
}

const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bpfx test report</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
.ok,.pass{color:#176b2c}.bad,.fail{color:#b00020;font-weight:bold}.skip{color:#888}
pre{margin:0;font-size:12px;white-space:pre-wrap}mark{background:#ffd54f}
.sbs{display:grid;grid-template-columns:1fr 1fr;gap:1em;margin:.5em 0 1em}.sbs pre{background:#f6f6f6;padding:6px;max-height:30em;overflow:auto}
summary{cursor:pointer;margin:.3em 0}
</style></head><body>
<h1>bpfx test report</h1>
<h2>Suites</h2>${suitesSection(readJson('summary.json'))}
<h2>The model against the kernel</h2>${compareSection(readJson('compare.json'))}
<h2>Specs by engine</h2>${specsSection(readText('specs.log'))}
<h2>Scenarios</h2>${featuresSection(readJson('cucumber.json'))}
<h2>Engines that cannot apply, and known differences</h2>${notesSection(readText('scenario-notes.jsonl'))}
<h2>Coverage</h2>${coverageSection(readJson('coverage/coverage-summary.json'), readJson('verifier-rules.json'))}
</body></html>
`;
fs.writeFileSync(rep('index.html'), html);
process.stdout.write(`report: ${path.relative(process.cwd(), rep('index.html'))}\n`);
