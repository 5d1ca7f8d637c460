#!/usr/bin/env node
// Purity of the pure stages, checked by the compiler: tsconfig.pure.json
// compiles their folders with the ES2022 library and no Node types, so a use of
// process, Buffer, require or a Node module there is a type error. A relative
// import from a pure folder into another folder of src/ that is not pure
// (kernel, harness, cli) is reported too. Prints the problems and exits 1, or
// prints `purity: ok (...)`.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const config = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.pure.json'), 'utf8'));
// The pure folders are the include globs of tsconfig.pure.json: src/<folder>/**/*.ts.
const pure = config.include.map((g) => /^src\/([^/]+)\//.exec(g)?.[1]).filter(Boolean);

const problems = [];
const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.pure.json'],
  { cwd: root, encoding: 'utf8' });
const tscOut = ((tsc.stdout || '') + (tsc.stderr || '')).trim();
if (tsc.status !== 0) problems.push(tscOut || `tsc -p tsconfig.pure.json exited with ${tsc.status}`);

function tsFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const srcDir = path.join(root, 'src');
const importRe = /(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"](\.[^'"]*)['"]/gm;
for (const folder of pure) {
  for (const file of tsFiles(path.join(srcDir, folder))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const target = path.relative(srcDir, path.resolve(path.dirname(file), m[1]));
      const top = target.split(path.sep)[0];
      if (target.startsWith('..') || pure.includes(top)) continue;
      const line = text.slice(0, m.index).split('\n').length;
      problems.push(`${path.relative(root, file)}(${line}): pure folder '${folder}' imports '${m[1]}' from src/${top}, which is not pure`);
    }
  }
}

if (problems.length) {
  process.stdout.write(problems.join('\n') + '\n');
  process.stdout.write(`purity: ${problems.length} problem(s) in the pure stages (${pure.join(', ')})\n`);
  process.exitCode = 1;
} else {
  process.stdout.write(`purity: ok (${pure.join(', ')})\n`);
}
