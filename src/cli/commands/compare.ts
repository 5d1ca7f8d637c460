// bpfx compare [FILE|DIR ...] [--json] [--kernel-profile NAME]: the verifier model
// against the live kernel on every program of the given object files and specs
// (default: fixtures/obj and specs/); the model answers as the kernel's probed
// profile unless --kernel-profile names another. Prints one line per program and the agreement
// figures; exit 1 when the model accepts a program Linux rejects. Files are any input kind;
// a directory gives its .o files and its specs.
import * as fs from 'fs';
import * as path from 'path';
import { Command, flagInt } from '../command';
import { readInput, programsOf } from '../input';
import { InputError } from '../outcome';
import { getEngine } from '../../harness/engines';
import { ProgramUnderTest } from '../../harness/engine';
import { findSpecFiles } from '../../harness/program';
import { compareAll, summarize, Comparison } from '../../harness/compare';
import { summarizeStats, StatsSummary, summarizeLogs, LogSummary } from '../../harness/stats-compare';
import { HostFacts, packageRoot } from '../../kernel/host';
import { hostFactsFor } from '../host';

function programsIn(paths: string[], host: HostFacts): { programs: ProgramUnderTest[]; refused: string[] } {
  const programs: ProgramUnderTest[] = [];
  const refused: string[] = [];
  const files: string[] = [];
  for (const p of paths) {
    if (!fs.existsSync(p)) throw new InputError('read', p, 'no such file or directory');
    if (fs.statSync(p).isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) if (e.endsWith('.o')) files.push(path.join(p, e));
      files.push(...findSpecFiles([p]));
    } else files.push(p);
  }
  for (const f of files) {
    const input = readInput(f); // a file that cannot be read is bad input, not a refusal
    try {
      const progs = programsOf(input, { host });
      for (const { prog } of progs) programs.push({ ...prog, name: input.kind === 'elf' ? `${path.basename(f)}:${prog.name}` : path.basename(f) });
    } catch (e) {
      refused.push(`${f}: ${(e as Error).message}`); // libbpf refuses it before any verifier sees it
    }
  }
  return { programs, refused };
}

export const command: Command = {
  name: 'compare',
  summary: 'the verifier model against the live kernel: verdict and message agreement',
  usage: 'bpfx compare [FILE|DIR ...] [options]   (default: fixtures/obj and specs/)',
  options: [
    { name: 'stats', type: 'boolean', description: 'also compare the exploration figures (processed insns, total, peak and per-insn states) of programs both accept' },
    { name: 'logs', type: 'boolean', description: 'list every program whose whole log differs from the kernel\'s, both logs with the first differing line marked' },
    { name: 'log-level', type: 'string', value: 'N', description: 'load both engines at this log level (default 1); --logs then compares those logs' },
    { name: 'kernel-profile', type: 'string', value: 'NAME', description: 'the model answers as this kernel (default: probed on the live kernel)' },
    { name: 'btf', type: 'string', value: 'VMLINUX_BTF', description: 'kernel BTF instead of this machine\'s' },
    { name: 'kconfig', type: 'string', value: 'KCONFIG', description: 'kernel config instead of this machine\'s' },
  ],
  examples: ['bpfx compare', 'bpfx compare fixtures/obj/exc_valid.bpf.o specs/ --json', 'bpfx compare --stats'],
  exits: { 0: 'no wrong accept (`not modelled yet` is counted apart, never as agreement)', 1: 'the model accepts a program Linux rejects', 2: 'bad input, or the kernel cannot be used', 3: '(not used)' },
  async run(args, ctx) {
    const root = packageRoot();
    const paths = args.positional.length ? args.positional : [path.join(root, 'fixtures', 'obj'), path.join(root, 'specs')];
    const host = hostFactsFor(args, { probe: true });
    const kernel = getEngine('kernel', host);
    const avail = kernel.available();
    if (!avail.ok) throw new InputError('kernel', null, `the kernel engine is not available: ${avail.reason}`);
    const logLevel = flagInt(args, 'log-level', 0, 7);
    const { programs, refused } = programsIn(paths, host);
    const logs = new Map<string, { verifier: string | null; kernel: string | null }>();
    const rows: Comparison[] = await compareAll(programs, async (engine, p) => {
      const r = await getEngine(engine, host).run(p, logLevel === undefined ? {} : { load: { logLevel } });
      const l = logs.get(p.name) ?? { verifier: null, kernel: null };
      l[engine] = r.log;
      logs.set(p.name, l);
      return r;
    });
    const s = summarize(rows);
    const withLogs = rows.map((r) => ({ ...r, oursLog: logs.get(r.program)?.verifier ?? null, kernelLog: logs.get(r.program)?.kernel ?? null }));
    const stats = args.flags.stats === true ? summarizeStats(withLogs) : undefined;
    const logSummary = args.flags.stats === true || args.flags.logs === true ? summarizeLogs(withLogs) : undefined;
    if (ctx.json) {
      const logsDoc = logSummary ? { compared: logSummary.compared, identical: logSummary.identical, differ: logSummary.rows.filter((r) => r.difference) } : undefined;
      ctx.emit({ ...s, rows, refused_by_loader: refused, ...(stats ? { stats } : {}), ...(logsDoc ? { logs: logsDoc } : {}) });
    } else if (stats || logSummary) {
      if (args.flags.logs === true && logSummary) printLogDifferences(logSummary);
      if (stats) printStats(stats);
      if (logSummary) printLogFigure(logSummary, logLevel ?? 1);
    } else {
      for (const r of rows) {
        const detail = r.agreement === 'accept-both' ? '' : `  ours: ${r.ours ?? 'accept'} | kernel: ${r.kernel ?? 'accept'}`;
        process.stdout.write(`${r.agreement.padEnd(21)} ${r.program}${detail}\n`);
      }
      for (const r of refused) process.stdout.write(`refused-by-loader     ${r}\n`);
      process.stdout.write(`\n${s.total} programs: verdicts agree ${s.verdictsAgree}/${s.total}; ` +
        `both reject ${s.bothReject}, same message ${s.messagesEqual}/${s.bothReject}; ` +
        `not modelled yet ${s.counts['not-modelled']}; wrong rejects ${s.counts['wrong-reject']}; ` +
        `wrong accepts ${s.counts['wrong-accept']}\n`);
    }
    return s.wrongAccepts.length ? 'reject' : 'ok';
  },
};

/** --stats: the exploration figures of every program both accept, then the summary. */
function printStats(st: StatsSummary): void {
  const f = (x: { processed: number; totalStates: number; peakStates: number; maxStatesPerInsn: number }): string =>
    `${x.processed}/${x.totalStates}/${x.peakStates}/${x.maxStatesPerInsn}`;
  for (const r of st.rows) {
    const same = f(r.ours) === f(r.kernel);
    process.stdout.write(`${same ? 'same ' : 'DIFF '} ${r.program.padEnd(48)} ours ${f(r.ours).padEnd(24)} kernel ${f(r.kernel)}\n`);
  }
  const ld = st.largestDiff;
  process.stdout.write(`\n${st.compared} accepted programs (processed/total_states/peak_states/max_states_per_insn): ` +
    `processed equal ${st.processedEqual}/${st.compared}, all four equal ${st.allEqual}/${st.compared}` +
    (ld ? `; largest processed difference ${(ld.relative * 100).toFixed(2)}% (${ld.program}: ours ${ld.ours}, kernel ${ld.kernel})` : '') + '\n');
}

/** --logs: every program whose whole log differs, both logs side by side, the first differing line marked `>>`. */
function printLogDifferences(ls: LogSummary): void {
  for (const r of ls.rows) {
    const d = r.difference;
    if (!d) continue;
    const mark = (log: string): string => log.split('\n').map((l, i) => `${i + 1 === d.line ? '>>' : '  '} ${l}`).join('\n');
    process.stdout.write(`=== ${r.program} (${r.agreement}) first difference at line ${d.line}\n` +
      `--- ours\n${mark(r.ours)}\n--- kernel\n${mark(r.kernel)}\n`);
  }
}

function printLogFigure(ls: LogSummary, level: number): void {
  const pct = ls.compared ? ((ls.identical / ls.compared) * 100).toFixed(1) : '0.0';
  process.stdout.write(`whole level-${level} logs identical ${ls.identical}/${ls.compared} (${pct}%)\n`);
}
