// Running unverified programs natively without risking this process: the
// bpf_conformance files go to a child process that runs them one by one on
// the jit engine and reports each verdict as a line of JSON. A program that
// faults (SIGSEGV, SIGILL, ...) ends the child; the case it was running is
// failed with the signal's name and a new child goes on with the rest.
import { spawnSync } from 'child_process';
import * as path from 'path';
import { ConformanceVerdict, runConformanceFile } from './conformance';

const CHILD = path.join(__dirname, 'isolate.js');

interface Line { start?: string; done?: { name: string; pass: boolean; why: string; retval: string | null; error: string | null } }

export function runConformanceIsolated(files: readonly string[], engine = 'jit'): ConformanceVerdict[] {
  const out: ConformanceVerdict[] = [];
  let rest = files.slice();
  while (rest.length) {
    const r = spawnSync(process.execPath, [CHILD, engine, ...rest], { encoding: 'utf8', maxBuffer: 1 << 28 });
    let running: string | undefined;
    let done = 0;
    for (const l of (r.stdout ?? '').split('\n')) {
      if (!l.startsWith('{')) continue;
      const m = JSON.parse(l) as Line;
      if (m.start !== undefined) running = m.start;
      if (m.done) {
        const d = m.done;
        out.push({ name: d.name, pass: d.pass, why: d.why, run: { retval: d.retval === null ? null : BigInt(d.retval), error: d.error } });
        running = undefined;
        done++;
      }
    }
    rest = rest.slice(done);
    if (r.status === 0 && !rest.length) break;
    if (running === undefined || !rest.length) {
      // The child died before starting a case (or after the last): report the rest as not run
      const why = `the native runner failed: ${r.error?.message ?? (r.signal ? `killed by ${r.signal}` : `exit ${r.status}`)} ${(r.stderr ?? '').trim().split('\n').pop() ?? ''}`.trim();
      for (const f of rest) out.push({ name: path.basename(f, '.data'), pass: false, why, run: null });
      break;
    }
    const why = `native fault: the program ended its process with ${r.signal ?? `exit status ${r.status}`}`;
    out.push({ name: running, pass: false, why, run: { retval: null, error: why } });
    rest = rest.slice(1);
  }
  return out;
}

/** The child: `node isolate.js ENGINE FILE...`. */
function child(argv: string[]): void {
  const [engine, ...files] = argv;
  for (const f of files) {
    process.stdout.write(JSON.stringify({ start: path.basename(f, '.data') }) + '\n');
    const v = runConformanceFile(f, engine);
    const done = { name: v.name, pass: v.pass, why: v.why, retval: v.run?.retval === null || v.run === null ? null : String(v.run.retval), error: v.run?.error ?? null };
    process.stdout.write(JSON.stringify({ done }) + '\n');
  }
}

if (require.main === module) child(process.argv.slice(2));
