// bpfx fuzz: robustness runs.
//   bpfx fuzz --parsers [--target T[,T...]] [--count N] [--seed S] [--bound-ms MS] [--jobs J] [--out DIR]
//     mutated fixtures into every parser (src/cli/fuzz/parsers.ts); per target the
//     counts of results, typed errors, crashes, hangs and memory blow-ups; findings saved under DIR.
//   bpfx fuzz [--count N] [--seed S] [--profile P[,P...]] [--jobs J] [--out DIR] [--no-runtime]
//     differential: generated programs on the verifier model and the live kernel, accepted
//     ones on interp, jit and kernel (src/harness/fuzz/diff.ts); disagreements shrunk and
//     saved as YAML specs under DIR (default reports/fuzz/). Ends with the `fuzz: ...` line.
import * as fs from 'fs';
import * as path from 'path';
import { Command, ParsedArgs, RunContext, UsageError, flagInt, flagString } from '../command';
import { Outcome } from '../outcome';

/** A non-negative integer option, or its default (the one integer parser: flagInt). */
function intFlag(args: ParsedArgs, name: string, dflt: number): number {
  return flagInt(args, name, 0, Number.MAX_SAFE_INTEGER) ?? dflt;
}

async function parsers(args: ParsedArgs, ctx: RunContext): Promise<Outcome> {
  const { parserTargets } = await import('../fuzz/parsers');
  const { fuzzParser } = await import('../fuzz/parse-run');
  const all = parserTargets().map((t) => t.name);
  const chosen = (flagString(args, 'target') ?? all.join(',')).split(',').filter(Boolean);
  for (const c of chosen) if (!all.includes(c)) throw new UsageError(`unknown parser target '${c}' (known: ${all.join(', ')})`);
  const opts = {
    seed: intFlag(args, 'seed', 1), count: intFlag(args, 'count', 10000), boundMs: intFlag(args, 'bound-ms', 2000),
    memoryMb: intFlag(args, 'memory-mb', 512), jobs: Math.max(1, intFlag(args, 'jobs', 2)),
  };
  const out = flagString(args, 'out') ?? path.join('reports', 'fuzz', 'parsers');
  const json = ctx.json;
  let bad = 0;
  const reports = [];
  for (const name of chosen) {
    // a progress line every 10,000 inputs on stderr (a long run stopped early still has its figures)
    let shown = 0;
    const r = await fuzzParser(name, opts, (done) => {
      if (Math.floor(done / 10000) > Math.floor(shown / 10000)) { shown = done; process.stderr.write(`progress ${name}: ${done} inputs\n`); }
    });
    reports.push({ ...r, findings: r.findings.map(({ bytes: _b, ...f }) => f) });
    for (const f of r.findings) {
      const dir = path.join(out, name);
      fs.mkdirSync(dir, { recursive: true });
      const base = path.join(dir, `${f.outcome}-seed${opts.seed}-${f.index}`);
      fs.writeFileSync(`${base}.bin`, f.bytes);
      fs.writeFileSync(`${base}.txt`, `${name} input ${f.index} of seed ${opts.seed} (from ${f.seedName}): ${f.outcome}\n${f.detail}\n`);
    }
    bad += r.counts.crash + r.counts.hang + r.counts.memory;
    if (!json) {
      const c = r.counts;
      process.stdout.write(`${name.padEnd(17)} ${String(opts.count).padStart(8)} inputs: ${c.result} results, ${c['typed-error']} typed errors, `
        + `${c.crash} crashes, ${c.hang} hangs, ${c.memory} memory (${r.seconds.toFixed(1)} s)\n`);
      const kinds = new Map<string, number>();
      for (const f of r.findings) { const k = `${f.outcome}: ${f.detail.split('\n')[0]}`; kinds.set(k, (kinds.get(k) ?? 0) + 1); }
      for (const [k, n] of kinds) process.stdout.write(`  ${n} x ${k}\n`);
    }
  }
  if (json) ctx.emit({ seed: opts.seed, count: opts.count, targets: reports });
  return bad ? 'reject' : 'ok';
}

export const command: Command = {
  name: 'fuzz',
  summary: 'fuzz the parsers (--parsers) or the verifier model and runtimes against the kernel',
  usage: 'bpfx fuzz --parsers [options]\nbpfx fuzz [options]',
  options: [
    { name: 'parsers', type: 'boolean', description: 'fuzz the parsers and front doors instead of the verifier against the kernel' },
    { name: 'target', type: 'string', value: 'T[,T...]', description: 'with --parsers: only these parser targets' },
    { name: 'count', type: 'string', value: 'N', description: 'inputs per parser, or generated programs (default 10000 / 1000)' },
    { name: 'seed', type: 'string', value: 'S', description: 'the seed; a run reproduces from it (default 1)' },
    { name: 'bound-ms', type: 'string', value: 'MS', description: 'with --parsers: time bound per input (default 2000)' },
    { name: 'memory-mb', type: 'string', value: 'MB', description: 'with --parsers: memory bound per worker (default 512)' },
    { name: 'jobs', type: 'string', value: 'J', description: 'worker processes or threads (default 2)' },
    { name: 'out', type: 'string', value: 'DIR', description: 'where findings and shrunk specs go (default reports/fuzz/)' },
    { name: 'profile', type: 'string', value: 'P[,P...]', description: 'generator profiles of the differential run' },
    { name: 'no-runtime', type: 'boolean', description: 'do not run accepted programs on interp, jit and kernel' },
    { name: 'no-shrink', type: 'boolean', description: 'keep disagreeing programs whole' },
    { name: 'range', type: 'string', value: 'FROM:TO', description: '(internal) the seed range of a child process' },
  ],
  examples: ['bpfx fuzz --parsers --count 100000', 'npm run fuzz -- --count 20000 --seed 7 --profile mem'],
  exits: { 0: 'no crash, hang or disagreement', 1: 'a crash, hang, memory blow-up or disagreement was found', 2: 'usage, or the kernel cannot be used' },
  async run(args, ctx) {
    if (args.positional.length) throw new UsageError(`unexpected argument '${args.positional[0]}'`);
    if (args.flags.parsers === true) return parsers(args, ctx);
    const { differentialCommand } = await import('../../harness/fuzz/diff');
    const { PROFILES } = await import('../../harness/fuzz/gen');
    const profiles = flagString(args, 'profile')?.split(',').filter(Boolean);
    const unknown = profiles?.find((p) => !(PROFILES as readonly string[]).includes(p));
    if (unknown !== undefined) throw new UsageError(`unknown profile '${unknown}' for --profile (known: ${PROFILES.join(', ')})`);
    const rc = await differentialCommand({
      count: intFlag(args, 'count', 1000), seed: intFlag(args, 'seed', 1), profiles,
      jobs: Math.max(1, intFlag(args, 'jobs', 2)), out: flagString(args, 'out') ?? path.join('reports', 'fuzz'),
      runtime: args.flags['no-runtime'] !== true, shrink: args.flags['no-shrink'] !== true,
      range: flagString(args, 'range'), ...(ctx.json ? { emit: (d: unknown) => ctx.emit(d) } : {}),
    });
    return rc === 0 ? 'ok' : rc === 1 ? 'reject' : 'bad-input';
  },
};
