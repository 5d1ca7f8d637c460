// bpfx verify FILE... [options]: run the verifier model (src/verifier) on every
// program of the given files (object files, assembly, bytes, hex, .data files,
// YAML specs: any input kind), answering as the live kernel's profile (probed,
// cached per boot) or the one named; without a kernel, the newest. A file that
// cannot be read is reported and the others still run (as veristat does).
// --stats prints veristat's columns (table, or CSV with -o csv / --csv), with
// veristat's -f filters, -s sort and -e columns; -C compares two CSV runs
// (ours against the kernel's from `bpfx kernel --stats --csv`, or two versions).
// --dump xlated prints the rewritten program of an accepted one, as
// `bpfx kernel --dump xlated` prints the kernel's.
import * as fs from 'fs';
import * as path from 'path';
import { Command, ParsedArgs, RunContext, UsageError, flagString } from '../command';
import { verify, VerifyResult, XlatedResult, BPF_LOG_SIZE_MAX } from '../../verifier';
import { xlatedDumpLines } from '../xlated-dump';
import { KernelSymbols, kernelSymbols } from '../../kernel/kallsyms';
import { verifierInputFor } from '../../harness/engines/verifier';
import { HostFacts } from '../../kernel/host';
import { hostFactsFor, typeFlag } from '../host';
import { readInput, programsOf, LoadedProgram } from '../input';
import { describeError, errorLine, ErrorJson, InFile, Outcome, verdictOutcome, worst } from '../outcome';
import {
  StatsRow, Filter, parseFilter, filtersFromText, parseSort, parseColumns, rowAllowed, sortRows, formatRows, globAllows,
  parseStatsCsv, joinRuns, joinedAllowed, sortJoined, formatComparison, statsFromLog, StatDef,
} from '../stats';

/** The xlated dump's lines (bpftool's form), or the reason the model cannot give it. */
function xlatedText(x: XlatedResult, syms: KernelSymbols | undefined): string[] {
  return 'insns' in x ? xlatedDumpLines(x.insns, syms, true) : [`not modelled yet: ${x.notModelled}`];
}

type Verdict = 'accept' | 'reject' | 'unknown';
const verdictOf = (r: VerifyResult): Verdict => (r.notModelled ? 'unknown' : r.verdict);

/** -f filters, `@FILE` read here. */
export function filtersOf(args: ParsedArgs): Filter[] {
  const out: Filter[] = [];
  for (const f of args.lists.filter ?? []) {
    if (f.startsWith('@')) {
      const file = f.slice(1);
      let text: string;
      try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw new UsageError(`-f @${file}: cannot read the filter file: ${(e as Error).message}`); }
      out.push(...filtersFromText(text));
    } else out.push(parseFilter(f));
  }
  return out;
}

/** The format and columns of --stats output (veristat's -o, -e). */
export function statsFormat(args: ParsedArgs): { format: 'table' | 'csv'; columns?: StatDef[] } {
  const format = args.flags.csv === true ? 'csv' : (flagString(args, 'output-format') as 'table' | 'csv' | undefined) ?? 'table';
  const emit = flagString(args, 'emit');
  return { format, columns: emit !== undefined ? parseColumns(emit) : undefined };
}

/** veristat's row for a program the model verified. */
function statsRow(file: string, lp: LoadedProgram, r: VerifyResult): StatsRow {
  const fromLog = statsFromLog(r.log);
  return {
    file: path.basename(file), prog: lp.prog.name,
    verdict: r.notModelled ? 'unknown' : r.verdict === 'accept' ? 'success' : 'failure',
    duration: r.stats.durationUsec, totalInsns: r.stats.insnProcessed, totalStates: r.stats.totalStates,
    peakStates: r.stats.peakStates, maxStatesPerInsn: r.stats.maxStatesPerInsn, markRead: fromLog.markRead,
    progSize: r.xlated && 'insns' in r.xlated ? r.xlated.insns.length : 0, jitedSize: 0,
    progType: lp.prog.progType, attachType: lp.prog.object?.linked.attachType ?? '',
    stackDepth: r.stats.stackDepths.reduce((s, d) => s + d, 0), memPeak: 0,
  };
}

/** The JSON of one program's stats (`verify --stats --json`). */
export function statsJson(row: StatsRow, reason: string | null): Record<string, unknown> {
  return {
    file: row.file, prog: row.prog, verdict: row.verdict === 'success' ? 'accept' : row.verdict === 'failure' ? 'reject' : 'unknown',
    ...(reason !== null ? { reason } : {}),
    verification_time_usec: row.duration, processed_insns: row.totalInsns, total_states: row.totalStates,
    peak_states: row.peakStates, max_states_per_insn: row.maxStatesPerInsn, stack_depth: row.stackDepth,
  };
}

/** -C: two CSV runs side by side. */
function compareMode(args: ParsedArgs, ctx: RunContext): Outcome {
  if (args.positional.length !== 2) throw new UsageError('comparison mode (-C) expects exactly two CSV files');
  const [fa, fb] = args.positional;
  const read = (f: string): ReturnType<typeof parseStatsCsv> => {
    const input = readInput(f);
    return parseStatsCsv(Buffer.from(input.bytes).toString('utf8'), f);
  };
  const a = read(fa), b = read(fb);
  const sameCols = a.columns.length === b.columns.length && a.columns.every((c, i) => c.id === b.columns[i].id);
  if (!sameCols) throw new UsageError(`stats composition differs between '${fa}' and '${fb}'`);
  const filters = filtersOf(args);
  const sortSpec = flagString(args, 'sort');
  let rows = joinRuns(a.rows, b.rows).filter((j) => joinedAllowed(filters, j));
  rows = sortJoined(rows, sortSpec ? parseSort(sortSpec) : []);
  const { format, columns } = statsFormat(args);
  const cols = columns ?? a.columns;
  if (ctx.json) {
    ctx.emit({
      base: fa, comp: fb,
      programs: rows.map((j) => ({
        file: j.file, prog: j.prog,
        base: j.a && { verdict: j.a.verdict, total_insns: j.a.totalInsns, total_states: j.a.totalStates, peak_states: j.a.peakStates, duration: j.a.duration },
        comp: j.b && { verdict: j.b.verdict, total_insns: j.b.totalInsns, total_states: j.b.totalStates, peak_states: j.b.peakStates, duration: j.b.duration },
        verdict_match: !!j.a && !!j.b && j.a.verdict === j.b.verdict,
      })),
    });
  } else process.stdout.write(formatComparison(rows, format, cols));
  // a verdict that differs between the runs is a failed expectation
  return rows.some((j) => j.a && j.b && j.a.verdict !== j.b.verdict) ? 'reject' : 'ok';
}

/** --log-size: a whole number of bytes, 1 to UINT_MAX >> 2 (bpf_verifier_log_attr_valid). */
function logSizeFlag(args: ParsedArgs): number | undefined {
  const v = flagString(args, 'log-size');
  if (v === undefined) return undefined;
  const n = /^[0-9]+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= BPF_LOG_SIZE_MAX)) throw new UsageError(`--log-size: expected a number of bytes from 1 to ${BPF_LOG_SIZE_MAX}, got '${v}'`);
  return n;
}

interface Done { file: string; lp: LoadedProgram; r: VerifyResult; verdict: Verdict }

/** Verify every program of every file; a bad file is recorded and the rest still run. */
function verifyAll(args: ParsedArgs, host: HostFacts, opts: { stats: boolean; xlated: boolean; level: number; logSize?: number; filters: Filter[] }): { done: Done[]; errors: ErrorJson[]; raw: unknown[] } {
  const done: Done[] = [], errors: ErrorJson[] = [], raw: unknown[] = [];
  const prog = flagString(args, 'prog');
  const type = typeFlag(args);
  const clockNs = (): bigint => process.hrtime.bigint();
  // call targets and kernel symbols as the live kernel has them (root reads /proc/kallsyms, on the first lookup)
  const kernelSymbol = host.kernelSymbol;
  for (const file of args.positional) {
    if (!globAllows(opts.filters, path.basename(file), null)) continue;
    let progs: LoadedProgram[];
    try {
      progs = programsOf(readInput(file), { prog, type, host });
    } catch (e) {
      if ((e as Error).name === 'UsageError') throw e;
      errors.push(describeError(e, file));
      raw.push(new InFile(file, e));
      continue;
    }
    for (const lp of progs) {
      if (!globAllows(opts.filters, path.basename(file), lp.prog.name)) continue;
      const input = verifierInputFor(lp.prog, host.profile, 1, host);
      const r = verify({ ...input, logLevel: opts.stats ? (opts.level | 4) : opts.level, logSize: opts.logSize, clockNs, xlated: opts.xlated, kernelSymbol });
      done.push({ file, lp, r, verdict: verdictOf(r) });
    }
  }
  return { done, errors, raw };
}

export const command: Command = {
  name: 'verify',
  summary: 'run the verifier model on object files, assembly, bytes or specs; veristat-style --stats',
  usage: 'bpfx verify FILE... [options]\nbpfx verify -C BASELINE.csv COMPARISON.csv [-f FILTER] [-s SORT]',
  options: [
    { name: 'prog', type: 'string', value: 'NAME', description: 'only this program of an object file' },
    { name: 'type', type: 'string', value: 'PROGTYPE', description: 'program type of flat programs (default socket_filter), or override an object\'s' },
    { name: 'log-level', type: 'string', choices: ['0', '1', '2', '4', '5', '6'], default: '1', description: 'verifier log level (BPF_LOG_LEVEL1/2, 4 = stats)' },
    { name: 'log-size', type: 'string', value: 'BYTES', description: 'log buffer size (attr->log_size): a rotating log of its last BYTES - 1 bytes; a longer log fails the load with ENOSPC (default: the kernel\'s largest, 1 GiB - 1)' },
    { name: 'dump', type: 'string', choices: ['xlated'], description: 'print the rewritten program of an accepted one (as the kernel\'s xlated dump)' },
    { name: 'stats', type: 'boolean', description: 'veristat\'s statistics instead of the log' },
    { name: 'output-format', type: 'string', short: 'o', choices: ['table', 'csv'], description: 'format of --stats and -C output (veristat -o)' },
    { name: 'csv', type: 'boolean', description: 'the same as -o csv' },
    { name: 'emit', type: 'string', short: 'e', value: 'SPEC', description: 'the stats columns to print, comma-separated (veristat -e)' },
    { name: 'filter', type: 'string', short: 'f', value: 'FILTER', multiple: true, description: 'OBJ_GLOB[/PROG_GLOB], STAT OP VALUE, !FILTER to deny, @FILE of filters (veristat -f)' },
    { name: 'sort', type: 'string', short: 's', value: 'SPEC', description: 'sort --stats rows by stats, comma-separated, STAT[:asc|:desc] (veristat -s)' },
    { name: 'compare', type: 'boolean', short: 'C', description: 'compare two CSV runs (veristat -C): FILE arguments are BASELINE.csv COMPARISON.csv' },
    { name: 'kernel-profile', type: 'string', value: 'NAME', description: 'the model answers as this kernel (default: probed on the live kernel)' },
    { name: 'btf', type: 'string', value: 'VMLINUX_BTF', description: 'kernel BTF instead of this machine\'s' },
    { name: 'kconfig', type: 'string', value: 'KCONFIG', description: 'kernel config instead of this machine\'s' },
  ],
  examples: [
    'bpfx verify a.bpf.o b.bpf.o prog.s',
    'bpfx verify obj.o --prog NAME --log-level 2',
    'bpfx verify fixtures/obj/*.o --stats -o csv > ours.csv',
    'bpfx verify -C ours.csv kernel.csv -f "insns_diff!=0"',
  ],
  exits: { 0: 'every program accepted (-C: every verdict matches)', 1: 'a program rejected (-C: a verdict differs)', 2: 'bad input or usage (a file that cannot be read or parsed, even if others ran)' },
  run(args, ctx) {
    if (args.flags.compare === true) return compareMode(args, ctx);
    if (!args.positional.length) throw new UsageError('missing FILE');
    const level = Number(flagString(args, 'log-level'));
    const logSize = logSizeFlag(args);
    const stats = args.flags.stats === true;
    const dump = flagString(args, 'dump');
    const filters = filtersOf(args);
    const sortSpec = flagString(args, 'sort');
    const sortKeys = sortSpec !== undefined ? parseSort(sortSpec) : [];
    const fmt = statsFormat(args);
    const host = hostFactsFor(args, { probe: true });
    const { done, errors, raw } = verifyAll(args, host, { stats, xlated: dump === 'xlated' || stats, level, logSize, filters });
    // one bad file and nothing else: the error is the answer (main prints it)
    if (errors.length && !done.length && args.positional.length === 1) throw raw[0];
    const outcomes: Outcome[] = done.map((d) => verdictOutcome(d.verdict));
    if (errors.length) outcomes.push('bad-input');
    if (!ctx.json) for (const e of errors) process.stderr.write(errorLine('verify', e) + '\n');
    const reason = (d: Done): string | null => (d.r.notModelled ? d.r.error : null);
    if (stats) {
      const rows = sortRows(done.map((d) => statsRow(d.file, d.lp, d.r)).filter((r) => rowAllowed(filters, r)), sortKeys);
      if (ctx.json) {
        const byKey = new Map(done.map((d) => [`${path.basename(d.file)}/${d.lp.prog.name}`, d]));
        const progs = rows.map((r) => statsJson(r, reason(byKey.get(`${r.file}/${r.prog}`) as Done)));
        ctx.emit(progs.length === 1 && !errors.length ? progs[0] : { programs: progs, ...(errors.length ? { errors } : {}) });
      } else process.stdout.write(formatRows(rows, fmt.format, fmt.columns));
      return worst(outcomes);
    }
    const docs = done.map((d) => ({
      ...(args.positional.length > 1 ? { file: d.file } : {}),
      prog: d.lp.prog.name, verdict: d.verdict, errno: d.r.errno, log: d.r.log,
      ...(d.r.notModelled ? { reason: d.r.error } : {}),
      ...(d.r.xlated && dump === 'xlated' ? { xlated: xlatedText(d.r.xlated, kernelSymbols()) } : {}),
    }));
    if (ctx.json) ctx.emit(docs.length === 1 && !errors.length ? docs[0] : { programs: docs, ...(errors.length ? { errors } : {}) });
    else {
      for (const d of done) {
        process.stdout.write(d.r.log + (d.r.log.endsWith('\n') || !d.r.log ? '' : '\n'));
        const label = args.positional.length > 1 ? `${d.file}:${d.lp.prog.name}` : d.lp.prog.name;
        process.stdout.write(`${label}: ${d.verdict}${d.r.errno && d.verdict !== 'unknown' ? ` (${d.r.errno})` : ''}${d.verdict === 'unknown' ? ` (${d.r.error})` : ''}\n`);
        if (d.r.xlated && dump === 'xlated') process.stdout.write('--- xlated ---\n' + xlatedText(d.r.xlated, kernelSymbols()).join('\n') + '\n');
      }
    }
    return worst(outcomes);
  },
};
