#!/usr/bin/env node
// The verifier rule table: every rejection message the verifier model can emit
// (the keys of src/verifier/messages.ts used where it rejects: fail(env, ...) and
// `throw new VerifierReject(...)`), where it is emitted, and the specs and scenarios
// that reach it (from the rule trace npm test writes: reports/.rule-trace.jsonl).
// Writes reports/verifier-rules.json ({message, key, source, scenarios}) and
// reports/verifier-rules.html; prints how many rules are reached.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const { BASE_TEXTS } = require(path.join(root, 'dist/src/verifier/messages.js'));
const traceFile = process.argv[2] ?? path.join(root, 'reports', '.rule-trace.jsonl');

/** Every rejection site in src/verifier: the message key and file:line. */
function rejectionSites() {
  const dir = path.join(root, 'src', 'verifier');
  const sites = new Map();
  const patterns = [
    /\bfail\(env,\s*'E\w+',\s*'(\w+)'/g,
    /\bfail\(env,\s*'E\w+',\s*\w+\s*\?\s*'(\w+)'\s*:\s*'(\w+)'/g,
    /VerifierReject\(\s*'E\w+',\s*(?:msg|text)\((?:env,\s*)?'(\w+)'/g,
    /VerifierReject\([^;]*?\+\s*text\(env,\s*'(\w+)'/g,
  ];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { walk(p); continue; }
      if (!p.endsWith('.ts')) continue;
      const lines = fs.readFileSync(p, 'utf8').split('\n');
      lines.forEach((l, i) => {
        for (const re of patterns) {
          for (const m of l.matchAll(re)) {
            for (const key of m.slice(1).filter(Boolean)) {
              if (key === 'notModelled' || !(key in BASE_TEXTS)) continue;
              if (!sites.has(key)) sites.set(key, `${path.relative(root, p)}:${i + 1}`);
            }
          }
        }
      });
    }
  };
  walk(dir);
  return sites;
}

/** A format string (%d %u %s %lld %02x) as a regular expression matching a whole log line. */
function formatRegex(format) {
  let out = '';
  let last = 0;
  for (const m of format.matchAll(/%(0?\d*)(lld|llu|ld|lu|d|u|s|x)/g)) {
    out += format.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out += m[2] === 's' ? '.*' : m[2] === 'x' ? '[0-9a-f]+' : '-?\\d+';
    last = m.index + m[0].length;
  }
  out += format.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${out}$`);
}

function main() {
  const sites = rejectionSites();
  const trace = fs.existsSync(traceFile)
    ? fs.readFileSync(traceFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  const rules = [...sites].map(([key, source]) => {
    const re = formatRegex(BASE_TEXTS[key]);
    const scenarios = new Set();
    for (const t of trace) {
      // a message may run into the statistics line when the kernel prints it without a newline
      const lines = t.log.replace(/(\S)(processed \d+ insns \(limit)/g, '$1\n$2').split('\n').map((l) => l.trimEnd());
      if (lines.some((l) => re.test(l))) scenarios.add(t.source);
    }
    return { message: BASE_TEXTS[key], key, source, scenarios: [...scenarios].sort() };
  }).sort((a, b) => a.source.localeCompare(b.source, 'en', { numeric: true }));
  const reached = rules.filter((r) => r.scenarios.length).length;
  fs.mkdirSync(path.join(root, 'reports'), { recursive: true });
  fs.writeFileSync(path.join(root, 'reports', 'verifier-rules.json'), JSON.stringify(rules, null, 1) + '\n');
  fs.writeFileSync(path.join(root, 'reports', 'verifier-rules.html'), page(rules, reached));
  process.stdout.write(`verifier rules: ${reached} of ${rules.length} rejection messages reached by a spec or scenario (${trace.length} traced runs)\n`);
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

function page(rules, reached) {
  const rows = rules.map((r) => `<tr class="${r.scenarios.length ? 'hit' : 'miss'}"><td><code>${esc(r.message)}</code></td>`
    + `<td>${esc(r.source)}</td><td>${r.scenarios.length ? r.scenarios.map(esc).join('<br>') : '<b>uncovered</b>'}</td></tr>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bpfx verifier rules</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}tr.miss td{background:#fff3f0}
code{font-size:13px}</style></head><body>
<h1>Verifier rules</h1><p>${reached} of ${rules.length} rejection messages are reached by at least one spec or scenario.</p>
<table><tr><th>message</th><th>emitted at</th><th>reached by</th></tr>
${rows}
</table></body></html>
`;
}

main();
