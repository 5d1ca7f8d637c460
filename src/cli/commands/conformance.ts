// bpfx conformance [DIR] [--engine interp|kernel|jit]: run every bpf_conformance .data
// file of DIR and print one line per failure, then `N passed, N failed`. The
// jit engine runs the programs natively in child processes (src/harness/isolate).
import * as fs from 'fs';
import * as path from 'path';
import { Command, UsageError, flagString } from '../command';
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
  usage: 'bpfx conformance [DIR|FILE.data] [--engine interp|kernel|jit] [--known-failures FILE]',
  run(args) {
    const engine = flagString(args, 'engine') ?? 'interp';
    if (!(CONFORMANCE_ENGINES as readonly string[]).includes(engine)) throw new UsageError(`engine '${engine}' cannot run the conformance suite (known: ${CONFORMANCE_ENGINES.join(', ')})`);
    if (engine === 'kernel') {
      const avail = kernelAvailable();
      if (!avail.ok) throw new UsageError(`the kernel engine is not available: ${avail.reason ?? 'unknown reason'}`);
    }
    if (engine === 'jit') {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const avail = (require('../../harness/native-run') as typeof import('../../harness/native-run')).nativeAvailable();
      if (!avail.ok) throw new UsageError(`the jit engine is not available: ${avail.reason ?? 'unknown reason'}`);
    }
    const dir = args.positional[0] ?? defaultConformanceDir();
    if (!dir) throw new UsageError('no test directory given and ../shared/bpf_conformance/tests not found');
    if (!fs.existsSync(dir)) throw new UsageError(`no such file or directory '${dir}'`);
    const single = fs.statSync(dir).isFile();
    // known failures: conformance-known-failures.txt for the interpreter, conformance-known-failures.ENGINE.txt for others
    const kfFile = flagString(args, 'known-failures') ??
      path.join(packageRoot(), engine === 'interp' ? 'conformance-known-failures.txt' : `conformance-known-failures.${engine}.txt`);
    const known = fs.existsSync(kfFile) ? parseKnownFailures(fs.readFileSync(kfFile, 'utf8')) : new Map<string, string>();
    const files = single ? [dir] : listConformanceFiles(dir);
    if (files.length === 0) throw new UsageError(`no .data files in '${dir}'`);
    let passed = 0, failed = 0, knownCount = 0;
    // Native code of unverified programs runs in child processes: a fault fails its case, not the run
    const verdicts = engine === 'jit' ? runConformanceIsolated(files) : undefined;
    for (const [k, file] of files.entries()) {
      const v = verdicts ? verdicts[k] : runConformanceFile(file, engine);
      const reason = known.get(v.name);
      if (v.pass) {
        passed++;
        if (reason !== undefined) process.stdout.write(`FIXED ${v.name}: listed in ${path.basename(kfFile)} but passes\n`);
      } else if (reason !== undefined) {
        knownCount++;
        process.stdout.write(`KNOWN ${v.name}: ${reason} (${v.why})\n`);
      } else {
        failed++;
        process.stdout.write(`FAIL ${v.name}: ${v.why}\n`);
      }
    }
    process.stdout.write(`${knownCount} known failures (${path.basename(kfFile)}), counted as neither passed nor failed\n`);
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
    return failed ? 1 : 0;
  },
};
