// bpfx spec [PATH...] [--engine NAME|all] [--kernel-profile NAME]: run YAML program
// specs on engines (the verifier model answers as the live kernel's profile or the one named).
import * as fs from 'fs';
import * as path from 'path';
import { Command, UsageError, flagString } from '../command';
import { engineNames, getEngine, isEngineName } from '../../harness/engines';
import { findSpecFiles, readSpecFile } from '../../harness/program';
import { runSpecOn, Outcome } from '../../harness/spec-runner';
import { EngineName } from '../../harness/engine';
import { specSchema } from '../../spec';
import { packageRoot } from '../../kernel/host';
import { hostFactsFor } from '../host';

/**
 * With BPFX_SPEC_RESULTS naming a file (scripts/test.js sets it), one JSON line per
 * spec and engine: status, problems or skip reason, and the load's verdict, error
 * line and log, for the report's side-by-side logs (scripts/report.js).
 */
function recordOutcome(file: string, o: Outcome): void {
  const out = process.env.BPFX_SPEC_RESULTS;
  if (!out || (o.status === 'skip' && o.reason.startsWith('nothing'))) return;
  const r = o.result;
  fs.appendFileSync(out, JSON.stringify({
    file: path.relative(packageRoot(), path.resolve(file)), engine: o.engine, status: o.status,
    why: o.status === 'fail' ? o.problems : o.status === 'skip' ? [o.reason] : o.unchecked ?? [],
    verdict: r?.verdict ?? null, errorLine: r?.errorLine ?? null, notModelled: r?.notModelled ?? false, log: r?.log ?? null,
  }) + '\n');
}

export const command: Command = {
  name: 'spec',
  summary: 'run YAML program specs on one engine or all of them',
  usage: 'bpfx spec [FILE|DIR ...] [--engine interp|verifier|kernel|jit|all] [--kernel-profile NAME] | bpfx spec --schema',
  booleanFlags: ['schema'],
  async run(args) {
    if (args.flags.schema === true) {
      process.stdout.write(JSON.stringify(specSchema, null, 2) + '\n');
      return 0;
    }
    const which = flagString(args, 'engine') ?? 'all';
    if (which !== 'all' && !isEngineName(which)) throw new UsageError(`unknown engine '${which}'`);
    const wanted: EngineName[] = which === 'all' ? engineNames : [which as EngineName];
    const host = hostFactsFor(args, { probe: wanted.includes('verifier') });
    // An engine that cannot run here is said once, not once per spec.
    const engines = wanted.filter((name) => {
      const a = getEngine(name, host).available();
      if (!a.ok) process.stdout.write(`SKIP engine ${name}: ${a.reason}\n`);
      return a.ok;
    });
    const files = findSpecFiles(args.positional.length ? args.positional : [path.join(packageRoot(), 'specs')]);
    let passed = 0, failed = 0, skipped = 0;
    for (const file of files) {
      let spec;
      try { spec = readSpecFile(file); } catch (e) {
        process.stdout.write(`FAIL ${file}: ${(e as Error).message}\n`); failed++; continue;
      }
      for (const engine of engines) {
        const o = await runSpecOn(spec, engine, host);
        recordOutcome(file, o);
        const label = `${path.relative(process.cwd(), file)} [${engine}]`;
        if (o.status === 'pass') { passed++; process.stdout.write(`PASS ${label}${o.unchecked ? ` (unchecked: ${o.unchecked.join('; ')})` : ''}\n`); }
        else if (o.status === 'skip') { skipped++; if (!o.reason.startsWith('nothing')) process.stdout.write(`SKIP ${label}: ${o.reason}\n`); }
        else { failed++; process.stdout.write(`FAIL ${label}: ${o.problems.join('; ')}\n`); }
      }
    }
    process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    return failed ? 1 : 0;
  },
};
