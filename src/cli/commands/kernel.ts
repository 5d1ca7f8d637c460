// bpfx kernel FILE [options] (bpfx kernel --help): load programs into the live
// kernel (src/kernel) and print its verdict and verifier log; with --run also
// the BPF_PROG_TEST_RUN return value (--data-in/--data-out/--ctx-in/--repeat as
// bpftool prog run has them); with --dump the kernel's rewritten instructions
// (kfunc calls named from vmlinux BTF) or its JIT image; with --stats veristat's
// columns from the log's statistics lines. FILE is any input kind
// (src/cli/input.ts). Exit 0 when every program is accepted (and ran, with
// --run), 1 otherwise, 2 on bad input or when bpf() cannot be used.
import * as fs from 'fs';
import * as path from 'path';
import { Command, ParsedArgs, UsageError, flagString, flagInt } from '../command';
import * as isa from '../../isa';
import { encodeBtf, encodeFuncInfo } from '../../btf';
import { kernelAvailable } from '../../kernel/avail';
import { kernelRun, verdictJson, KernelProgram, KernelInput, KernelVerdict, KernelRunOpts } from '../../kernel/run';
import { runObjectFile, loadLinkedObject, objectVerdict } from '../../kernel/object';
import { HostFacts } from '../../kernel/host';
import { hostFactsFor, typeFlag } from '../host';
import { readInput, programsOf, InputFile } from '../input';
import { InputError, Outcome, inFile, worst, describeError, errorLine, ErrorJson } from '../outcome';
import { StatsRow, statsFromLog, formatRows, sortRows } from '../stats';
import { statsFormat, statsJson } from './verify';
import { bytesFlag } from './run';
import { kernelSymbols } from '../../kernel/kallsyms';
import { xlatedDumpLines } from '../xlated-dump';
import { loadObjectFile } from './objdump';
import { ObjectSource } from '../../harness/engine';

interface Job { prog: KernelProgram; input: KernelInput; object?: ObjectSource }

/**
 * A program of any input kind but an object file, as BPF_PROG_LOAD takes it (a .data file's mem with it);
 * a spec that declares maps or functions carries the object its engines load (BTF, maps, fd relocations).
 */
function jobsOf(input: InputFile, type: string | undefined, host: () => HostFacts): Job[] {
  return programsOf(input, { type, host: host() }).map(({ prog: p, mem }) => ({
    object: p.object,
    prog: {
      name: p.name.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15), insns: p.insns, progType: p.progType, license: p.license,
      ...(p.btf ? { btf: encodeBtf(p.btf.btf), funcInfo: encodeFuncInfo(p.btf.funcInfo) } : {}),
    },
    input: mem.length ? { mem } : {},
  }));
}

/** Whether a dump has kfunc calls to name (kallsyms is read only then). */
const hasKfuncCalls = (vs: readonly KernelVerdict[]): boolean => vs.some((v) => v.xlated?.some((i) => i.code === 0x85 && i.src === 2));

/** veristat's row from the kernel's log statistics (log level 4) and its program info. */
function kernelStatsRow(file: string, v: KernelVerdict, progType: string, attachType: string): StatsRow {
  return {
    file: path.basename(file), prog: v.prog, verdict: v.verdict === 'accept' ? 'success' : 'failure', ...statsFromLog(v.log),
    progSize: v.xlatedInsns ?? 0, jitedSize: v.jitedBytes ?? 0, progType, attachType, memPeak: 0,
  };
}

function printJited(v: KernelVerdict, ksyms: bigint[] | undefined): string[] {
  const out: string[] = [];
  const image = v.jited ?? new Uint8Array(0);
  const lens = v.jitedFuncLens?.length ? v.jitedFuncLens : [image.length];
  let iced: typeof import('iced-x86') | undefined;
  // iced-x86 is a development dependency: optional, so loaded here and only here.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  try { iced = require('iced-x86') as typeof import('iced-x86'); } catch { iced = undefined; }
  let off = 0;
  lens.forEach((len, f) => {
    const bytes = image.subarray(off, off + len);
    out.push(`func #${f} (${len} bytes):`);
    if (iced) {
      const d = new iced.Decoder(64, bytes, iced.DecoderOptions.None);
      const base = ksyms?.[f] ?? 0n;
      d.ip = base;
      const fmt = new iced.Formatter(iced.FormatterSyntax.Gas);
      while (d.canDecode) {
        const ins = d.decode();
        const at = Number(ins.ip - base);
        const hex = Array.from(bytes.subarray(at, at + ins.length), (b) => b.toString(16).padStart(2, '0')).join(' ');
        // a call's target named: one of the program's functions, or a kernel function (kfunc, helper) from kallsyms
        const target = ins.isCallNear ? ins.nearBranchTarget : undefined;
        const k = target !== undefined ? (ksyms ?? []).indexOf(target) : -1;
        const name = target === undefined ? undefined : k >= 0 ? `func #${k}` : kernelSymbols()?.byAddress.get(target);
        out.push(`  ${at.toString(16).padStart(4, ' ')}:  ${hex.padEnd(32)} ${fmt.format(ins)}${name ? `  ; ${name}` : ''}`);
        ins.free();
      }
      d.free(); fmt.free();
    } else {
      for (let i = 0; i < bytes.length; i += 16) {
        out.push(`  ${i.toString(16).padStart(4, ' ')}:  ${Array.from(bytes.subarray(i, i + 16), (b) => b.toString(16).padStart(2, '0')).join(' ')}`);
      }
    }
    off += len;
  });
  return out;
}

interface Loaded { file: string; v: KernelVerdict; progType: string; attachType: string }

interface LoadOpts {
  args: ParsedArgs; opts: KernelRunOpts; progName?: string; type?: string; dataIn?: Uint8Array; ctxIn?: Uint8Array; stats: boolean; host: () => HostFacts;
}

let kernelChecked = false;
/** bpf() must work here: checked once, after the first file was read (a file that cannot be read says so first). */
function requireKernel(): void {
  if (kernelChecked) return;
  const avail = kernelAvailable();
  if (!avail.ok) throw new InputError('kernel', null, `cannot use the kernel: ${avail.reason}`);
  kernelChecked = true;
}

/** Load (and with --run, test-run) the programs of one file on the live kernel. */
function loadIntoKernel(file: string, o: LoadOpts): Loaded[] {
  const input = readInput(file);
  requireKernel();
  const { args, opts, progName, type } = o;
  if (input.kind === 'elf') {
    const res = inFile(file, () => runObjectFile(file, { ...opts, only: progName ? [progName] : undefined, input: { packet: o.dataIn, ctx: o.ctxIn }, host: o.host() }));
    for (const w of res.warnings) process.stderr.write(`libbpf: ${w}\n`);
    if (progName && !res.verdicts.length) throw new InputError('no-program', file, `no program '${progName}'`);
    if (type !== undefined) process.stderr.write('bpfx kernel: --type is ignored for object files (the section name decides)\n');
    const obj = o.stats ? inFile(file, () => loadObjectFile(file, { btfPath: flagString(args, 'btf'), kconfigPath: flagString(args, 'kconfig'), only: progName ? [progName] : undefined })) : undefined;
    return res.verdicts.map((v) => {
      const p = obj?.programs.find((x) => x.name === v.prog);
      return { file, v, progType: p?.type ?? '', attachType: p?.attachType ?? '' };
    });
  }
  if (progName !== undefined) throw new UsageError(`--prog is only for object files; ${file} is ${input.kind}`);
  return jobsOf(input, type, o.host).map((j) => {
    const runInput = { ...j.input, packet: o.dataIn ?? j.input.packet, ctx: o.ctxIn };
    const v = j.object
      ? objectVerdict(loadLinkedObject({ ...j.object.loaded, programs: [j.object.linked] }, { ...opts, input: runInput }))
      : kernelRun(j.prog, runInput, opts);
    return { file, v, progType: String(j.prog.progType), attachType: '' };
  });
}

export const command: Command = {
  name: 'kernel',
  summary: 'load programs into the live kernel: verdict, verifier log, test-run value, xlated/jited dumps, veristat stats',
  usage: 'bpfx kernel FILE... [options]',
  options: [
    { name: 'prog', type: 'string', value: 'NAME', description: 'only this program of an object file (default: every program)' },
    { name: 'type', type: 'string', value: 'PROGTYPE', description: 'program type of a flat program (default socket_filter); objects use their section names' },
    { name: 'log-level', type: 'string', value: 'N', description: 'BPF_PROG_LOAD log_level 0..7 (default 1 when rejected)' },
    { name: 'run', type: 'boolean', description: 'BPF_PROG_TEST_RUN an accepted program and print its retval' },
    { name: 'data-in', type: 'string', value: 'FILE|HEX', description: 'packet bytes for the test run (bpftool\'s data_in)' },
    { name: 'data-out', type: 'string', value: 'FILE', description: 'write the packet after the test run to FILE (bpftool\'s data_out)' },
    { name: 'ctx-in', type: 'string', value: 'FILE|HEX', description: 'context bytes for the test run (ctx_in)' },
    { name: 'repeat', type: 'string', value: 'N', description: 'test-run N times; prints the duration of one run (bpftool\'s repeat)' },
    { name: 'dump', type: 'string', choices: ['xlated', 'jited'], description: 'print the kernel\'s rewritten instructions (kfunc calls named) or its JIT image' },
    { name: 'stats', type: 'boolean', description: 'veristat\'s columns from the kernel\'s log statistics line' },
    { name: 'output-format', type: 'string', short: 'o', choices: ['table', 'csv'], description: 'format of --stats (veristat -o)' },
    { name: 'csv', type: 'boolean', description: 'the same as -o csv' },
    { name: 'emit', type: 'string', short: 'e', value: 'SPEC', description: 'the stats columns to print (veristat -e)' },
    { name: 'mem-mapping', type: 'string', choices: ['map-value', 'syscall-ctx'], default: 'map-value', description: 'how a .data file\'s memory reaches r1' },
    { name: 'wide-retval', type: 'boolean', description: 'report all 64 bits of r0 (a wrapper program stores it)' },
    { name: 'btf', type: 'string', value: 'VMLINUX_BTF', description: 'kernel BTF instead of this machine\'s' },
    { name: 'kconfig', type: 'string', value: 'KCONFIG', description: 'kernel config instead of this machine\'s' },
  ],
  examples: ['bpfx kernel obj.o --prog NAME', 'bpfx kernel prog.s --run --json', 'bpfx kernel obj.o --dump xlated', 'bpfx kernel fixtures/obj/*.o --stats -o csv > kernel.csv'],
  exits: { 0: 'every program accepted (and ran, with --run)', 1: 'a program rejected, or its test run failed', 2: 'bad input or usage, or bpf() cannot be used here', 3: '(not used: the kernel always decides)' },
  run(args: ParsedArgs, ctx): Outcome {
    const files = args.positional;
    if (!files.length) throw new UsageError('missing FILE');
    const dump = flagString(args, 'dump') as 'xlated' | 'jited' | undefined;
    const mapping = flagString(args, 'mem-mapping') as 'map-value' | 'syscall-ctx';
    const stats = args.flags.stats === true;
    const ll = flagInt(args, 'log-level', 0, 7);
    const logLevel = stats ? (ll ?? 0) | 4 : ll;
    const repeat = flagInt(args, 'repeat', 1, 1e9);
    const dataIn = bytesFlag(args, 'data-in');
    const ctxIn = bytesFlag(args, 'ctx-in');
    const dataOut = flagString(args, 'data-out');
    const progName = flagString(args, 'prog');
    const type = typeFlag(args);
    const fmt = statsFormat(args);
    const json = ctx.json;
    const run = args.flags.run === true || repeat !== undefined || dataOut !== undefined;

    const wideRetval = args.flags['wide-retval'] === true;
    const opts = { logLevel, run, dump, memMapping: mapping, repeat, wideRetval };
    // The kernel's facts (kfunc ids for assembly, BTF and Kconfig for objects), read when first needed.
    let facts: HostFacts | undefined;
    const host = (): HostFacts => (facts ??= hostFactsFor(args, { probe: false }));
    const loaded: Loaded[] = [], errors: ErrorJson[] = [];
    for (const file of files) {
      try {
        loaded.push(...loadIntoKernel(file, { args, opts, progName, type, dataIn, ctxIn, stats, host }));
      } catch (e) {
        // one file: its error is the answer; several: reported, and the others still load (as veristat does)
        if (files.length === 1 || (e as Error).name === 'UsageError' || (e instanceof InputError && e.kind === 'kernel')) throw e;
        errors.push(describeError(e, file));
        if (!json) process.stderr.write(errorLine('kernel', errors[errors.length - 1]) + '\n');
      }
    }
    const verdicts = loaded.map((l) => l.v);
    if (dataOut !== undefined) {
      const withOut = verdicts.filter((v) => v.dataOut);
      if (withOut.length !== 1) throw new UsageError(`--data-out needs exactly one program with a data_out (${withOut.length} here)`);
      fs.writeFileSync(dataOut, withOut[0].dataOut as Uint8Array);
    }
    const outcome = (v: KernelVerdict): Outcome => (v.verdict === 'reject' || (run && v.retval === null) ? 'reject' : 'ok');
    const outcomes = [...verdicts.map(outcome), ...(errors.length ? ['bad-input' as const] : [])];
    const several = (docs: unknown[]): unknown => (docs.length === 1 && !errors.length ? docs[0] : { programs: docs, ...(errors.length ? { errors } : {}) });
    if (stats) {
      const rows = sortRows(loaded.map((l) => kernelStatsRow(l.file, l.v, l.progType, l.attachType)), []);
      if (json) ctx.emit(several(rows.map((r) => statsJson(r, null))));
      else process.stdout.write(formatRows(rows, fmt.format, fmt.columns));
      return worst(outcomes);
    }
    // kfunc calls in the xlated dump point at the function (imm = address - __bpf_call_base), named as bpftool does
    const syms = dump === 'xlated' || hasKfuncCalls(verdicts) ? kernelSymbols() : undefined;
    if (json) {
      const docs = loaded.map(({ file, v }) => {
        const d: Record<string, unknown> = { ...(files.length > 1 ? { file } : {}), ...JSON.parse(verdictJson(v)) as Record<string, unknown> };
        if (v.runError) d.error = v.runError;
        if (repeat !== undefined && v.duration !== undefined) d.duration = v.duration;
        if (v.dataOut && (dataIn || dataOut !== undefined)) d.data_out = Buffer.from(v.dataOut).toString('hex');
        if (v.xlated) d.xlated = xlatedDumpLines(v.xlated, syms, false);
        if (v.jited) d.jited = printJited(v, v.jitedKsyms);
        return d;
      });
      ctx.emit(several(docs));
      return worst(outcomes);
    }
    for (const { file, v } of loaded) {
      const facts = [
        v.verifiedInsns !== null ? `verified ${v.verifiedInsns} insns` : '',
        v.xlatedInsns !== null ? `xlated ${v.xlatedInsns} insns` : '',
        v.jitedBytes !== null ? `jited ${v.jitedBytes} bytes` : '',
        v.prologueInsns ? `${v.prologueInsns}-insn ${wideRetval ? 'wide-retval wrapper' : `mem prologue (${mapping})`}` : '',
      ].filter((s) => s).join(', ');
      process.stdout.write(`${files.length > 1 ? `${file}:` : ''}${v.prog}: ${v.verdict}${v.errno ? ` (${v.errno})` : ''}${facts ? `  [${facts}]` : ''}\n`);
      if (v.log) process.stdout.write(v.log.endsWith('\n') ? v.log : v.log + '\n');
      if (run) process.stdout.write(v.retval !== null ? `retval: 0x${v.retval.toString(16)}\n` : v.verdict === 'accept' ? `test run failed: ${v.runError}\n` : '');
      if (run && repeat !== undefined && v.duration !== undefined) process.stdout.write(`duration: ${v.duration} ns\n`);
      if (v.xlated) process.stdout.write('--- xlated ---\n' + xlatedDumpLines(v.xlated, syms, false).join('\n') + '\n');
      if (v.jited) process.stdout.write('--- jited ---\n' + printJited(v, v.jitedKsyms).join('\n') + '\n');
    }
    return worst(outcomes);
  },
};
