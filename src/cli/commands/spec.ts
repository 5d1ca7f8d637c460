// bpfx spec [PATH...] [--engine NAME|all] [--kernel-profile NAME]: run YAML program
// specs on engines (the verifier model answers as the live kernel's profile or the one named).
import * as fs from 'fs';
import * as path from 'path';
import { Command, flagString } from '../command';
import { engineNames, getEngine } from '../../harness/engines';
import { findSpecFiles } from '../../harness/program';
import { runSpecOn, Outcome } from '../../harness/spec-runner';
import { EngineName } from '../../harness/engine';
import { specSchema, parseSpec } from '../../spec';
import { readInputBytes } from '../input';
import { describeError, ErrorJson, InFile, InputError, worst } from '../outcome';
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
  usage: 'bpfx spec [FILE|DIR ...] [options]   (default: specs/)\nbpfx spec --schema',
  options: [
    { name: 'engine', type: 'string', short: 'e', choices: ['all', ...engineNames], default: 'all', description: 'the engines to run each spec on' },
    { name: 'schema', type: 'boolean', description: 'print the spec\'s JSON Schema' },
    { name: 'kernel-profile', type: 'string', value: 'NAME', description: 'the verifier model answers as this kernel (default: probed on the live kernel)' },
    { name: 'btf', type: 'string', value: 'VMLINUX_BTF', description: 'kernel BTF instead of this machine\'s' },
    { name: 'kconfig', type: 'string', value: 'KCONFIG', description: 'kernel config instead of this machine\'s' },
  ],
  examples: ['bpfx spec', 'bpfx spec specs/throw.yaml --engine verifier', 'bpfx spec specs/ --json'],
  exits: { 0: 'every spec passed on every engine it applies to', 1: 'a spec failed', 2: 'bad input: a spec that cannot be read or parsed (the others still run), or usage', 3: '(not used)' },
  async run(args, ctx) {
    if (args.flags.schema === true) {
      if (ctx.json) ctx.emit(specSchema);
      else process.stdout.write(JSON.stringify(specSchema, null, 2) + '\n');
      return 'ok';
    }
    const which = flagString(args, 'engine') as string;
    const wanted: EngineName[] = which === 'all' ? engineNames : [which as EngineName];
    const host = hostFactsFor(args, { probe: wanted.includes('verifier') });
    const say = (line: string): void => { if (!ctx.json) process.stdout.write(line + '\n'); };
    // An engine that cannot run here is said once, not once per spec.
    const unavailable: { engine: string; reason: string }[] = [];
    const engines = wanted.filter((name) => {
      const a = getEngine(name, host).available();
      if (!a.ok) { unavailable.push({ engine: name, reason: a.reason ?? 'unavailable' }); say(`SKIP engine ${name}: ${a.reason}`); }
      return a.ok;
    });
    const roots = args.positional.length ? args.positional : [path.join(packageRoot(), 'specs')];
    for (const r of roots) if (!fs.existsSync(r)) throw new InputError('read', r, 'no such file or directory');
    // a file named on the command line is a spec whatever its name; directories give their .yaml/.yml files
    const files = roots.flatMap((r) => (fs.statSync(r).isDirectory() ? findSpecFiles([r]) : [r]));
    let passed = 0, failed = 0, skipped = 0;
    const results: { file: string; name: string; engine: string; status: string; problems?: string[]; reason?: string }[] = [];
    const errors: ErrorJson[] = [];
    const raw: unknown[] = [];
    for (const file of files) {
      let spec;
      try {
        const bytes = readInputBytes(file);
        spec = parseSpec(Buffer.from(bytes).toString('utf8'), file);
      } catch (e) {
        const err = describeError(e, file);
        errors.push(err); raw.push(new InFile(file, e));
        if (!ctx.json && files.length > 1) process.stdout.write(`FAIL ${file}: ${err.message}\n`);
        continue;
      }
      for (const engine of engines) {
        const o = await runSpecOn(spec, engine, host);
        recordOutcome(file, o);
        const label = `${path.relative(process.cwd(), file)} [${engine}]`;
        if (o.status === 'pass') { passed++; say(`PASS ${label}${o.unchecked ? ` (unchecked: ${o.unchecked.join('; ')})` : ''}`); results.push({ file, name: spec.name, engine, status: 'pass' }); }
        else if (o.status === 'skip') {
          skipped++;
          if (!o.reason.startsWith('nothing')) say(`SKIP ${label}: ${o.reason}`);
          results.push({ file, name: spec.name, engine, status: 'skip', reason: o.reason });
        } else { failed++; say(`FAIL ${label}: ${o.problems.join('; ')}`); results.push({ file, name: spec.name, engine, status: 'fail', problems: o.problems }); }
      }
    }
    if (files.length === 1 && errors.length === 1) throw raw[0]; // one spec named, and it is bad: the error is the answer
    if (ctx.json) ctx.emit({ passed, failed, skipped, bad_specs: errors.length, unavailable, results, errors });
    // a spec that cannot be read or built fails (alone): counted with the failures
    say(`${passed} passed, ${failed + errors.length} failed, ${skipped} skipped${errors.length ? ` (${errors.length} could not be read)` : ''}`);
    return worst([...(errors.length ? ['bad-input' as const] : []), ...(failed ? ['reject' as const] : [])]);
  },
};
