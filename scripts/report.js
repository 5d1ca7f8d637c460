#!/usr/bin/env node
// One HTML page per test run, reports/index.html: every suite with its counts;
// the specs by spec and engine; the scenarios by feature with the engines each
// uses; the model against the kernel (agreement figures, and for every case
// where they disagree both logs side by side with the first differing line
// marked); coverage of src/verifier and the verifier rule table. Reads what
// scripts/test.js left in reports/ (summary.json, specs.jsonl or specs.log, cucumber.json,
// compare.json, coverage/coverage-summary.json, verifier-rules.json).
'use strict';
const fs = require('fs');
const path = require('path');
const { verifierCoverage, verifierCoverageLine } = require('./coverage-verifier');

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

/** A spec's feature: its folder under specs/ and the first word of its file name (exc-asm-*, rules/*, kfunc-*). */
function featureOf(file) {
  const rel = file.replace(/^specs\//, '');
  const dir = path.dirname(rel);
  const word = path.basename(rel).split('-')[0].replace(/\.ya?ml$/, '');
  return dir === '.' ? word : `${dir}/`;
}

/** Specs from reports/specs.jsonl: by feature and engine, the model against the kernel on the same specs, and the logs of every failing or disagreeing spec side by side. */
function specsSection(lines, log) {
  const rows = lines.split('\n').filter(Boolean).map((l) => JSON.parse(l));
  if (!rows.length) return specsFromLog(log);
  const engines = ['verifier', 'kernel', 'interp', 'jit'].filter((e) => rows.some((r) => r.engine === e));
  const bySpec = new Map();
  for (const r of rows) {
    if (!bySpec.has(r.file)) bySpec.set(r.file, {});
    bySpec.get(r.file)[r.engine] = r;
  }
  const features = new Map();
  for (const [file, r] of bySpec) {
    const f = featureOf(file);
    if (!features.has(f)) features.set(f, []);
    features.get(f).push([file, r]);
  }
  // the model against the kernel, spec by spec
  let both = 0, verdicts = 0, bothReject = 0, messages = 0, notModelled = 0, wrongAccept = 0;
  const disagree = [];
  for (const [file, r] of bySpec) {
    const v = r.verifier, k = r.kernel;
    if (!v || !k || !v.verdict || !k.verdict) continue;
    both++;
    if (v.notModelled) { notModelled++; continue; }
    if (v.verdict === k.verdict) verdicts++;
    if (v.verdict === 'accept' && k.verdict === 'reject') wrongAccept++;
    if (v.verdict === 'reject' && k.verdict === 'reject') { bothReject++; if (v.errorLine === k.errorLine) messages++; }
    if (v.verdict !== k.verdict || v.errorLine !== k.errorLine) disagree.push([file, v, k]);
  }
  const cell = (x) => (x ? `<td class="${x.status}" title="${esc(x.why.join('; '))}">${x.status}</td>` : '<td class="na" title="nothing for this engine to check">–</td>');
  const count = (list, e, st) => list.filter(([, r]) => r[e]?.status === st).length;
  const summary = `<table><tr><th>feature</th><th>specs</th>${engines.map((e) => `<th>${esc(e)}<br><small>pass / fail / skip</small></th>`).join('')}</tr>`
    + [...features].map(([f, list]) => `<tr><td><a href="#spec-${esc(f)}">${esc(f)}</a></td><td>${list.length}</td>${engines.map((e) => {
      const [p, fl, sk] = ['pass', 'fail', 'skip'].map((st) => count(list, e, st));
      return `<td>${p} / ${badge(!fl, String(fl))} / ${sk}</td>`;
    }).join('')}</tr>`).join('') + '</table>';
  const agreement = `<p>Specs run on both the verifier model and the kernel: <b>${both}</b>; verdicts agree <b>${verdicts}/${both - notModelled}</b>,
both reject ${bothReject}, same message <b>${messages}/${bothReject}</b>; not modelled yet ${notModelled} (counted apart);
wrong accepts ${badge(!wrongAccept, String(wrongAccept))}.</p>`;
  const failing = rows.filter((r) => r.status === 'fail');
  const details = [
    ...failing.map((r) => {
      const other = bySpec.get(r.file)[r.engine === 'kernel' ? 'verifier' : 'kernel'];
      const logs = r.log !== null && other?.log ? sideBySide(r.engine === 'kernel' ? other.log : r.log, r.engine === 'kernel' ? r.log : other.log)
        : `<pre>${esc(r.log ?? '(no log)')}</pre>`;
      return `<details open><summary class="fail">FAIL ${esc(r.file)} [${esc(r.engine)}]: ${esc(r.why.join('; '))}</summary>${logs}</details>`;
    }),
    ...disagree.filter(([file]) => !failing.some((r) => r.file === file)).map(([file, v, k]) => `<details><summary>${esc(file)}: model ${esc(v.verdict)}${v.errorLine ? ` (${esc(v.errorLine)})` : ''};
kernel ${esc(k.verdict)}${k.errorLine ? ` (${esc(k.errorLine)})` : ''}</summary>${sideBySide(v.log ?? '', k.log ?? '')}</details>`),
  ].join('\n');
  const tables = [...features].map(([f, list]) => `<h3 id="spec-${esc(f)}">${esc(f)}</h3><table class="grid"><tr><th>spec</th>${engines.map((e) => `<th>${esc(e)}</th>`).join('')}</tr>`
    + list.map(([file, r]) => `<tr><td>${esc(path.basename(file))}</td>${engines.map((e) => cell(r[e])).join('')}</tr>`).join('\n') + '</table>').join('\n');
  return `${summary}${agreement}${details ? `<h3>Failing and disagreeing specs: the model's log and the kernel's</h3>${details}` : '<p>No spec fails and none disagrees with the kernel.</p>'}
<details><summary>Every spec by feature and engine</summary>${tables}</details>`;
}

/** Older runs: the PASS/FAIL/SKIP lines of reports/specs.log. */
function specsFromLog(log) {
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

/** Two logs side by side; the first line where they differ is marked (and said, with its number). */
function sideBySide(a, b) {
  const la = a.replace(/\n$/, '').split('\n'), lb = b.replace(/\n$/, '').split('\n');
  let first = -1;
  for (let i = 0; i < Math.max(la.length, lb.length); i++) if (la[i] !== lb[i]) { first = i; break; }
  const col = (lines) => lines.map((l, i) => (i === first ? `<mark>${esc(l)}</mark>` : esc(l))).join('\n')
    + (first >= lines.length ? '\n<mark>(the log ends here)</mark>' : '');
  const where = first < 0 ? 'the logs are the same' : `first difference at line ${first + 1}`;
  return `<div class="sbs"><div><b>model</b><pre>${col(la)}</pre></div><div><b>kernel</b> <small>(${where})</small><pre>${col(lb)}</pre></div></div>`;
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
  const ver = verifierCoverage(cov);
  // messages no program reaches on this kernel (src/verifier/message_reach.ts) are counted apart
  const reachable = rules ? rules.filter((r) => r.reach?.kind !== 'unreachable') : [];
  const reached = reachable.filter((r) => r.scenarios.length).length;
  const unreachable = rules ? rules.length - reachable.length : 0;
  return `<table><tr><th></th><th>lines</th><th>branches</th><th>functions</th></tr>
<tr><td>all of src/</td><td>${pct(cov.total.lines)}</td><td>${pct(cov.total.branches)}</td><td>${pct(cov.total.functions)}</td></tr>
<tr><td>src/verifier/ (${ver.files} files)</td><td>${pct(ver.lines)}</td><td>${pct(ver.branches)}</td><td>${pct(ver.functions)}</td></tr></table>
<p><b>${esc(verifierCoverageLine(ver))}</b> (target 90%: ${badge(ver.branches.pct >= 90, ver.branches.pct >= 90 ? 'met' : 'not met')})</p>
<p>Verifier rejection messages reached by a spec or scenario: <b>${rules ? `${reached} of ${reachable.length} reachable, ${unreachable} unreachable with reasons` : 'n/a'}</b>
(<a href="verifier-rules.html">the rule table</a>, <a href="coverage/index.html">coverage by file</a>).</p>`;
}

const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bpfx test report</title>
<style>
body{font:14px system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
.ok,.pass{color:#176b2c}.bad,.fail{color:#b00020;font-weight:bold}.skip{color:#888}.na{color:#bbb}\ntable.grid td{padding:1px 8px}h3{margin:1.2em 0 .3em}small{color:#666;font-weight:normal}
pre{margin:0;font-size:12px;white-space:pre-wrap}mark{background:#ffd54f}
.sbs{display:grid;grid-template-columns:1fr 1fr;gap:1em;margin:.5em 0 1em}.sbs pre{background:#f6f6f6;padding:6px;max-height:30em;overflow:auto}
summary{cursor:pointer;margin:.3em 0}
</style></head><body>
<h1>bpfx test report</h1>
<h2>Suites</h2>${suitesSection(readJson('summary.json'))}
<h2>The model against the kernel</h2>${compareSection(readJson('compare.json'))}
<h2>Specs by feature and engine</h2>${specsSection(readText('specs.jsonl'), readText('specs.log'))}
<h2>Scenarios</h2>${featuresSection(readJson('cucumber.json'))}
<h2>Engines that cannot apply, and known differences</h2>${notesSection(readText('scenario-notes.jsonl'))}
<h2>Coverage</h2>${coverageSection(readJson('coverage/coverage-summary.json'), readJson('verifier-rules.json'))}
</body></html>
`;
fs.writeFileSync(rep('index.html'), html);
process.stdout.write(`report: ${path.relative(process.cwd(), rep('index.html'))}\n`);
