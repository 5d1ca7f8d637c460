#!/usr/bin/env node
// Regenerate the table of bad inputs in docs/cli.md (between the BEGIN/END
// markers) by running every case of test/cli/bad-inputs-cases.ts (compiled to
// dist/) and recording its exit status and the one line it prints.
// Usage: npm run build && node scripts/cli-doc.js
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '..');
const { CASES, runAll } = require(path.join(root, 'dist/test/cli/bad-inputs-cases.js'));
const doc = path.join(root, 'docs/cli.md');
const BEGIN = '<!-- BEGIN bad-inputs (scripts/cli-doc.js) -->';
const END = '<!-- END bad-inputs -->';

const cell = (s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ').trim();

(async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-cli-doc-'));
  try {
    const results = await runAll(base);
    const rows = ['| # | bad input | command | exit | `--json` kind | message (stderr) |', '|---|---|---|---|---|---|'];
    CASES.forEach((c, k) => {
      const { text, json } = results[k];
      let kind = '?';
      try { kind = JSON.parse(json.stdout).error.kind; } catch { /* recorded as ? */ }
      const line = c.args.includes('--json') ? json.stdout.trim() : text.stderr.trim();
      rows.push(`| ${k + 1} | ${cell(c.what)} | \`bpfx ${cell(c.args.join(' '))}\` | ${text.status} | ${kind} | ${cell(line)} |`);
    });
    const text = fs.readFileSync(doc, 'utf8');
    const a = text.indexOf(BEGIN), b = text.indexOf(END);
    if (a < 0 || b < a) throw new Error(`${doc}: markers not found`);
    fs.writeFileSync(doc, text.slice(0, a + BEGIN.length) + '\n' + rows.join('\n') + '\n' + text.slice(b));
    process.stdout.write(`docs/cli.md: ${CASES.length} bad inputs\n`);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
})().catch((e) => { process.stderr.write(`cli-doc: ${e.message}\n`); process.exitCode = 1; });
