// bpfx verify FILE [--prog NAME] [--type TYPE] [--log-level 1|2] [--json] [--stats [--csv]] [--dump xlated]
// [--kernel-profile NAME]: run the verifier model (src/verifier) on an object file,
// kernel-syntax assembly or a YAML spec, answering as the live kernel's profile
// (probed, cached per boot) or the one named; without a kernel, the newest. Exit 0
// when every program is accepted, 1 when one is rejected, 2 on bad input. --stats
// prints veristat's columns; --dump xlated the rewritten program of an accepted one,
// as `bpfx kernel --dump xlated` prints the kernel's.
import * as fs from 'fs';
import * as path from 'path';
import { Command, UsageError, flagString } from '../command';
import { verify, VerifyInput, VerifyResult, XlatedResult, progTypeNumber } from '../../verifier';
import { ProgramUnderTest } from '../../harness/engine';
import { verifierInputFor } from '../../harness/engines/verifier';
import { loadObjectPrograms } from '../../harness/object';
import { programFromSource, programFromSpec, readSpecFile } from '../../harness/program';
import { HostFacts } from '../../kernel/host';
import { hostFactsFor } from '../host';
import { xlatedDumpLines } from '../xlated-dump';
import { KernelSymbols, kernelSymbols } from '../../kernel/kallsyms';

interface Target { name: string; input: Omit<VerifyInput, 'logLevel'> }

/** The programs FILE names: an object's (all, or --prog), a spec's, or assembly text. */
function programsOf(file: string, prog: string | undefined, type: string | undefined, host: HostFacts): ProgramUnderTest[] {
  if (type !== undefined && progTypeNumber(type) === undefined) throw new UsageError(`unknown program type '${type}'`);
  if (file.endsWith('.o')) {
    const progs = loadObjectPrograms(file, host, prog ? [prog] : undefined, type);
    if (prog && !progs.length) throw new UsageError(`no program '${prog}' in ${file}`);
    return progs;
  }
  if (/\.ya?ml$/.test(file)) {
    const p = programFromSpec(readSpecFile(file), host);
    return [type ? { ...p, progType: type } : p];
  }
  return [programFromSource({ asm: fs.readFileSync(file, 'utf8') }, { name: path.basename(file), progType: type ?? 'socket_filter', source: file, host })];
}

/** The xlated dump's lines (bpftool's form), or the reason the model cannot give it. */
function xlatedText(x: XlatedResult, syms: KernelSymbols | undefined): string[] {
  return 'insns' in x ? xlatedDumpLines(x.insns, syms, true) : [`not modelled yet: ${x.notModelled}`];
}

function csvField(s: string): string { return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s; }

export const command: Command = {
  name: 'verify',
  summary: 'run the verifier model on an object file, assembly or spec',
  usage: 'bpfx verify FILE [--prog NAME] [--type TYPE] [--log-level 1|2] [--json] [--stats [--csv]] [--dump xlated] [--kernel-profile NAME]',
  booleanFlags: ['json', 'stats', 'csv'],
  run(args) {
    const file = args.positional[0];
    if (!file) throw new UsageError('missing FILE');
    if (!fs.existsSync(file)) throw new UsageError(`no such file '${file}'`);
    const prog = flagString(args, 'prog');
    const type = flagString(args, 'type');
    const levelText = flagString(args, 'log-level') ?? '1';
    const level = Number(levelText);
    if (![0, 1, 2, 4, 5, 6].includes(level)) throw new UsageError(`--log-level ${levelText}: expected 1 or 2`);
    const dump = flagString(args, 'dump');
    if (dump !== undefined && dump !== 'xlated') throw new UsageError('--dump takes xlated');
    const host = hostFactsFor(args, { probe: true });
    const targets: Target[] = programsOf(file, prog, type, host).map((p) => ({ name: p.name, input: verifierInputFor(p, host.profile, 1, host) }));
    const stats = args.flags.stats === true;
    const rows: { t: Target; r: VerifyResult }[] = [];
    const clockNs = (): bigint => process.hrtime.bigint();
    // call targets and kernel symbols as the live kernel has them (root reads /proc/kallsyms)
    const syms = dump === 'xlated' && host.source === 'live' ? kernelSymbols() : undefined;
    const kernelSymbol = syms ? (name: string): bigint | undefined => syms.byName.get(name) : undefined;
    for (const t of targets) {
      const r = verify({ ...t.input, logLevel: stats ? (level | 4) : level, clockNs, xlated: dump === 'xlated', kernelSymbol });
      rows.push({ t, r });
      if (stats) continue;
      if (args.flags.json === true) {
        const xlated = r.xlated ? { xlated: xlatedText(r.xlated, syms) } : {};
        process.stdout.write(JSON.stringify({ prog: t.name, verdict: r.verdict, errno: r.errno, log: r.log, ...xlated }) + '\n');
      } else {
        process.stdout.write(r.log + (r.log.endsWith('\n') || !r.log ? '' : '\n'));
        process.stdout.write(`${t.name}: ${r.verdict}${r.errno ? ` (${r.errno})` : ''}\n`);
        if (r.xlated) process.stdout.write('--- xlated ---\n' + xlatedText(r.xlated, syms).join('\n') + '\n');
      }
    }
    if (stats) {
      const header = ['file_name', 'prog_name', 'verdict', 'duration', 'total_insns', 'total_states', 'peak_states'];
      const data = rows.map(({ t, r }) => [path.basename(file), t.name, r.verdict === 'accept' ? 'success' : 'failure',
        String(r.stats.durationUsec), String(r.stats.insnProcessed), String(r.stats.totalStates), String(r.stats.peakStates)]);
      if (args.flags.csv === true) {
        process.stdout.write(header.join(',') + '\n');
        for (const d of data) process.stdout.write(d.map(csvField).join(',') + '\n');
      } else {
        const titles = ['File', 'Program', 'Verdict', 'Duration (us)', 'Insns', 'States', 'Peak states'];
        const w = titles.map((h, i) => Math.max(h.length, ...data.map((d) => d[i].length)));
        const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
        process.stdout.write(line(titles) + '\n' + w.map((n) => '-'.repeat(n)).join('  ') + '\n');
        for (const d of data) process.stdout.write(line(d) + '\n');
      }
    }
    return rows.every(({ r }) => r.verdict === 'accept') ? 0 : 1;
  },
};
