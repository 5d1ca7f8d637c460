// bpfx compare [FILE|DIR ...] [--json] [--kernel-profile NAME]: the verifier model
// against the live kernel on every program of the given object files and specs
// (default: fixtures/obj and specs/); the model answers as the kernel's probed
// profile unless --kernel-profile names another. Prints one line per program and the agreement
// figures; exit 1 when the model accepts a program Linux rejects.
import * as fs from 'fs';
import * as path from 'path';
import { Command, UsageError } from '../command';
import { getEngine } from '../../harness/engines';
import { ProgramUnderTest } from '../../harness/engine';
import { loadObjectPrograms } from '../../harness/object';
import { findSpecFiles, programFromSpec, readSpecFile } from '../../harness/program';
import { compareAll, summarize, Comparison } from '../../harness/compare';
import { summarizeStats, StatsSummary } from '../../harness/stats-compare';
import { HostFacts, packageRoot } from '../../kernel/host';
import { hostFactsFor } from '../host';

function programsIn(paths: string[], host: HostFacts): { programs: ProgramUnderTest[]; refused: string[] } {
  const programs: ProgramUnderTest[] = [];
  const refused: string[] = [];
  const files: string[] = [];
  for (const p of paths) {
    if (!fs.existsSync(p)) throw new UsageError(`no such file or directory '${p}'`);
    if (fs.statSync(p).isDirectory()) {
      for (const e of fs.readdirSync(p).sort()) if (e.endsWith('.o')) files.push(path.join(p, e));
      files.push(...findSpecFiles([p]));
    } else files.push(p);
  }
  for (const f of files) {
    try {
      if (f.endsWith('.o')) {
        for (const p of loadObjectPrograms(f, host)) programs.push({ ...p, name: `${path.basename(f)}:${p.name}` });
      } else {
        const spec = readSpecFile(f);
        programs.push({ ...programFromSpec(spec, host), name: path.basename(f) });
      }
    } catch (e) {
      refused.push(`${f}: ${(e as Error).message}`); // libbpf refuses it before any verifier sees it
    }
  }
  return { programs, refused };
}

export const command: Command = {
  name: 'compare',
  summary: 'the verifier model against the live kernel: verdict and message agreement',
  usage: 'bpfx compare [FILE.o|SPEC.yaml|DIR ...] [--json] [--stats] [--kernel-profile NAME]',
  booleanFlags: ['json', 'stats'],
  async run(args) {
    const root = packageRoot();
    const paths = args.positional.length ? args.positional : [path.join(root, 'fixtures', 'obj'), path.join(root, 'specs')];
    const host = hostFactsFor(args, { probe: true });
    const kernel = getEngine('kernel', host);
    const avail = kernel.available();
    if (!avail.ok) { process.stderr.write(`bpfx compare: the kernel engine is not available: ${avail.reason}\n`); return 2; }
    const { programs, refused } = programsIn(paths, host);
    const logs = new Map<string, { verifier: string | null; kernel: string | null }>();
    const rows: Comparison[] = await compareAll(programs, async (engine, p) => {
      const r = await getEngine(engine, host).run(p, {});
      const l = logs.get(p.name) ?? { verifier: null, kernel: null };
      l[engine] = r.log;
      logs.set(p.name, l);
      return r;
    });
    const s = summarize(rows);
    const stats = args.flags.stats === true
      ? summarizeStats(rows.map((r) => ({ ...r, oursLog: logs.get(r.program)?.verifier ?? null, kernelLog: logs.get(r.program)?.kernel ?? null })))
      : undefined;
    if (args.flags.json === true) {
      process.stdout.write(JSON.stringify({ ...s, rows, refused_by_loader: refused, ...(stats ? { stats } : {}) }) + '\n');
    } else if (stats) {
      printStats(stats);
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
    return s.wrongAccepts.length ? 1 : 0;
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
