#!/usr/bin/env node
// Function lengths in lines, measured with the TypeScript compiler's parser:
// every function declaration, method, arrow function and function expression
// under the given folders (default src/). Prints the longest N (default 10) and,
// with --max L, exits 1 when one is longer than L lines.
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');
const { parseArgs } = require('util');

const { values, positionals } = parseArgs({
  options: { top: { type: 'string', default: '10' }, max: { type: 'string' }, json: { type: 'boolean', default: false } },
  allowPositionals: true, strict: true,
});
const roots = positionals.length ? positionals : ['src'];

function files(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const fns = [];
for (const root of roots) {
  for (const file of files(root)) {
    const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const visit = (node) => {
      if (ts.isFunctionLike(node) && node.body) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        const end = sf.getLineAndCharacterOfPosition(node.end).line + 1;
        const name = node.name ? node.name.getText(sf) : (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(sf) : '(anonymous)');
        fns.push({ file, line: start, name, lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
}
fns.sort((a, b) => b.lines - a.lines);
const top = fns.slice(0, Number(values.top));
if (values.json) console.log(JSON.stringify({ functions: fns.length, longest: top }, null, 1));
else for (const f of top) console.log(`${String(f.lines).padStart(5)}  ${f.file}:${f.line}  ${f.name}`);
if (values.max !== undefined && top.length && top[0].lines > Number(values.max)) {
  console.error(`longest function has ${top[0].lines} lines (max ${values.max})`);
  process.exit(1);
}
