// npm run bench: runs every bench/*.bench.ts module (compiled to
// dist/bench/*.bench.js). Each exports `async function bench(): Promise<BenchResult[]>`.
// Usage: node dist/bench/run.js [NAME-FILTER...]
import * as fs from 'fs';
import * as path from 'path';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

interface BenchModule { bench?: () => Promise<BenchResult[]> }

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.bench.js')).sort()
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
  if (files.length === 0) { process.stderr.write(`no *.bench.js modules in ${__dirname}\n`); return 1; }
  const rows: [string, string, string, string, string][] = [];
  let failed = 0;
  for (const f of files) {
    const label = f.replace(/\.bench\.js$/, '');
    let results: BenchResult[];
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const mod = require(path.join(__dirname, f)) as BenchModule;
      if (typeof mod.bench !== 'function') throw new Error('does not export bench()');
      results = await mod.bench();
    } catch (e) {
      failed++;
      process.stderr.write(`bench ${label}: ${(e as Error).stack ?? String(e)}\n`);
      continue;
    }
    for (const r of results) rows.push([label, r.name, fmt(r.value), r.unit, r.note ?? '']);
  }
  const head: [string, string, string, string, string] = ['module', 'benchmark', 'value', 'unit', 'note'];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 2 ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ').trimEnd();
  process.stdout.write(line(head) + '\n' + w.map((n) => '-'.repeat(n)).join('  ') + '\n');
  for (const r of rows) process.stdout.write(line(r) + '\n');
  return failed ? 1 : 0;
}

if (require.main === module) main().then((c) => { process.exitCode = c; });
