// bpfx conformance [DIR] [--engine interp|kernel|jit]: run every bpf_conformance .data
// file of DIR and print one line per failure, then `N passed, N failed`. The
// jit engine runs the programs natively in child processes (src/harness/isolate).
import * as fs from 'fs';
import * as path from 'path';
import { Command, UsageError, flagString } from '../command';
import { readInputBytes } from '../input';
import { InputError } from '../outcome';
import { CONFORMANCE_ENGINES, listConformanceFiles, parseKnownFailures, runConformanceFile } from '../../harness/conformance';
import { runConformanceIsolated } from '../../harness/isolate';
import { kernelAvailable } from '../../kernel/avail';
import { packageRoot } from '../../kernel/host';

export function defaultConformanceDir(): string | undefined {
  const rel = path.join('..', 'shared', 'bpf_conformance', 'tests');
  const candidates = [path.resolve(packageRoot(), rel), path.resolve(process.cwd(), rel),
    path.resolve(process.cwd(), 'bpf_conformance', 'tests')];
  return candidates.find((d) => fs.existsSync(d) && fs.statSync(d).isDirectory());
}

export const command: Command = {
  name: 'conformance',
  summary: 'run the bpf_conformance suite (.data files) on an engine',
  usage: 'bpfx conformance [DIR|FILE.data] [options]   (default DIR: ../shared/bpf_conformance/tests)',
  options: [
    { name: 'engine', type: 'string', short: 'e', choices: CONFORMANCE_ENGINES, default: 'interp', description: 'where the programs run (jit: in child processes)' },
    { name: 'known-failures', type: 'string', value: 'FILE', description: 'expected failures, one `name reason` a line (default: conformance-known-failures[.ENGINE].txt)' },
  ],
  examples: ['bpfx conformance', 'bpfx conformance ../shared/bpf_conformance/tests --engine kernel --json'],
  exits: { 0: 'every test passed (known failures counted apart)', 1: 'a test failed', 3: '(not used)' },
  run(args, ctx) {
    const engine = flagString(args, 'engine') as string;
    if (args.positional.length > 1) throw new UsageError(`unexpected argument '${args.positional[1]}'`);
    if (engine === 'kernel') {
      const avail = kernelAvailable();
      if (!avail.ok) throw new InputError('kernel', null, `the kernel engine is not available: ${avail.reason ?? 'unknown reason'}`);
    }
    if (engine === 'jit') {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const avail = (require('../../harness/native-run') as typeof import('../../harness/native-run')).nativeAvailable();
      if (!avail.ok) throw new InputError('jit', null, `the jit engine is not available: ${avail.reason ?? 'unknown reason'}`);
    }
    const dir = args.positional[0] ?? defaultConformanceDir();
    if (!dir) throw new UsageError('no test directory given and ../shared/bpf_conformance/tests not found');
    let st: fs.Stats;
    try { st = fs.statSync(dir); } catch { throw new InputError('read', dir, 'no such file or directory'); }
    if (!st.isDirectory()) readInputBytes(dir); // a FIFO, a device: refused before anything reads it
    const single = st.isFile();
    // known failures: conformance-known-failures.txt for the interpreter, conformance-known-failures.ENGINE.txt for others
    const kfGiven = flagString(args, 'known-failures');
    const kfFile = kfGiven ?? path.join(packageRoot(), engine === 'interp' ? 'conformance-known-failures.txt' : `conformance-known-failures.${engine}.txt`);
    const known = kfGiven !== undefined || fs.existsSync(kfFile)
      ? parseKnownFailures(Buffer.from(readInputBytes(kfFile)).toString('utf8')) : new Map<string, string>();
    const files = single ? [dir] : listConformanceFiles(dir);
    if (files.length === 0) throw new InputError('read', dir, 'has no .data files');
    let passed = 0, failed = 0, knownCount = 0;
    const results: { name: string; status: 'pass' | 'fail' | 'known' | 'fixed'; why: string | null; reason?: string }[] = [];
    // Native code of unverified programs runs in child processes: a fault fails its case, not the run
    const verdicts = engine === 'jit' ? runConformanceIsolated(files) : undefined;
    const say = (line: string): void => { if (!ctx.json) process.stdout.write(line + '\n'); };
    for (const [k, file] of files.entries()) {
      const v = verdicts ? verdicts[k] : runConformanceFile(file, engine as typeof CONFORMANCE_ENGINES[number]);
      const reason = known.get(v.name);
      if (v.pass) {
        passed++;
        results.push({ name: v.name, status: reason !== undefined ? 'fixed' : 'pass', why: null });
        if (reason !== undefined) say(`FIXED ${v.name}: listed in ${path.basename(kfFile)} but passes`);
      } else if (reason !== undefined) {
        knownCount++;
        results.push({ name: v.name, status: 'known', why: v.why, reason });
        say(`KNOWN ${v.name}: ${reason} (${v.why})`);
      } else {
        failed++;
        results.push({ name: v.name, status: 'fail', why: v.why });
        say(`FAIL ${v.name}: ${v.why}`);
      }
    }
    if (ctx.json) ctx.emit({ engine, passed, failed, known_failures: knownCount, known_failures_file: path.basename(kfFile), tests: results });
    say(`${knownCount} known failures (${path.basename(kfFile)}), counted as neither passed nor failed`);
    say(`${passed} passed, ${failed} failed`);
    return failed ? 'reject' : 'ok';
  },
};
