#!/usr/bin/env node
// The verifier rule table: every rejection message the verifier model can emit
// (the keys of src/verifier/messages.ts used where it rejects: fail(env, ...) and
// `throw new VerifierReject(...)`), where it is emitted, and the specs and scenarios
// that reach it (from the rule trace npm test writes: reports/.rule-trace.jsonl), in
// the text of any kernel profile (src/verifier/profiles.ts: a profile may word a key its own way).
// Messages no program can reach on this kernel are listed, with their reasons, from
// src/verifier/message_reach.ts (`unreachable`, with the unit test that drives the
// model there when there is one) and counted apart; `not_yet` ones count as
// reachable and unreached, with the reason shown.
// Writes reports/verifier-rules.json ({message, key, source, scenarios, reach?}) and
// reports/verifier-rules.html; prints `reached X of Y reachable, Z unreachable with reasons`.
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const { BASE_TEXTS } = require(path.join(root, 'dist/src/verifier/messages.js'));
const { PROFILES } = require(path.join(root, 'dist/src/verifier/profiles.js'));
const { MESSAGE_REACH } = require(path.join(root, 'dist/src/verifier/message_reach.js'));
const traceFile = process.argv[2] ?? path.join(root, 'reports', '.rule-trace.jsonl');

/** Every rejection site in src/verifier: the message key and file:line. */
function rejectionSites() {
  const dir = path.join(root, 'src', 'verifier');
  const sites = new Map();
  const patterns = [
    /\bfail\(env,\s*(?:'E\w+'|\w+),\s*'(\w+)'/g,
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
    // a message is reached in the text of whichever kernel profile the run answered as
    const texts = [...new Set([BASE_TEXTS[key], ...PROFILES.map((p) => p.texts[key])])];
    const res = texts.map(formatRegex);
    // a message of several lines (`...lock,\nuse static function instead`) is matched on as many log lines
    const span = Math.max(...texts.map((t) => t.split('\n').length));
    const scenarios = new Set();
    for (const t of trace) {
      // a message may run into the statistics line when the kernel prints it without a newline
      const lines = t.log.replace(/(\S)(processed \d+ insns \(limit)/g, '$1\n$2').split('\n').map((l) => l.trimEnd());
      const at = (i) => lines.slice(i, i + span).join('\n');
      if (lines.some((_, i) => res.some((re) => re.test(at(i)) || re.test(lines[i])))) scenarios.add(t.source);
    }
    const reach = MESSAGE_REACH[key];
    return { message: BASE_TEXTS[key], key, source, scenarios: [...scenarios].sort(), ...(reach ? { reach } : {}) };
  }).sort((a, b) => a.source.localeCompare(b.source, 'en', { numeric: true }));
  const f = figures(rules);
  fs.mkdirSync(path.join(root, 'reports'), { recursive: true });
  fs.writeFileSync(path.join(root, 'reports', 'verifier-rules.json'), JSON.stringify(rules, null, 1) + '\n');
  fs.writeFileSync(path.join(root, 'reports', 'verifier-rules.html'), page(rules, f));
  process.stdout.write(`verifier rules: ${f.line} (${rules.length} rejection messages, ${trace.length} traced runs)\n`);
  // a message listed unreachable that a spec reaches is a wrong reason: say so
  for (const r of f.contradicted) process.stdout.write(`verifier rules: ${r.key} is listed unreachable but reached by ${r.scenarios.join(', ')}\n`);
  for (const key of Object.keys(MESSAGE_REACH).filter((k) => !sites.has(k))) process.stdout.write(`verifier rules: ${key} is in message_reach.ts but no rejection site emits it\n`);
}

/** Reached of reachable, and the unreachable ones apart. */
function figures(rules) {
  const unreachable = rules.filter((r) => r.reach?.kind === 'unreachable');
  const reachable = rules.filter((r) => r.reach?.kind !== 'unreachable');
  const reached = reachable.filter((r) => r.scenarios.length).length;
  const byTest = unreachable.filter((r) => r.reach.test).length;
  const pct = reachable.length ? (100 * reached / reachable.length).toFixed(1) : '100.0';
  return {
    reached, reachable: reachable.length, unreachable: unreachable.length,
    contradicted: unreachable.filter((r) => r.scenarios.length),
    line: `reached ${reached} of ${reachable.length} reachable (${pct}%), ${unreachable.length} unreachable with reasons (${byTest} of them driven on the model by a unit test)`,
  };
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));

function page(rules, f) {
  const cls = (r) => (r.scenarios.length ? 'hit' : r.reach?.kind === 'unreachable' ? 'unreach' : 'miss');
  const reachedBy = (r) => {
    if (r.scenarios.length) return r.scenarios.map(esc).join('<br>');
    if (r.reach?.kind === 'unreachable') {
      return `<b>unreachable</b> (${esc(r.reach.scope)}): ${esc(r.reach.reason)}${r.reach.test ? `<br>model: ${esc(r.reach.test)}` : ''}`;
    }
    return `<b>uncovered</b>${r.reach ? `: ${esc(r.reach.reason)}` : ''}`;
  };
  const rows = rules.map((r) => `<tr class="${cls(r)}"><td><code>${esc(r.message)}</code></td>`
    + `<td>${esc(r.source)}</td><td>${reachedBy(r)}</td></tr>`).join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bpfx verifier rules</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}tr.miss td{background:#fff3f0}
tr.unreach td{background:#f4f4f4;color:#555}code{font-size:13px}</style></head><body>
<h1>Verifier rules</h1><p>Rejection messages reached by at least one spec or scenario: ${esc(f.line)}.</p>
<table><tr><th>message</th><th>emitted at</th><th>reached by</th></tr>
${rows}
</table></body></html>
`;
}

main();
