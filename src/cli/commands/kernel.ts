// bpfx kernel FILE [--prog NAME] [--type TYPE] [--log-level N] [--json] [--run]
//   [--data-in HEX] [--ctx-in HEX] [--repeat N] [--dump xlated|jited] [--mem-mapping map-value|syscall-ctx] [--wide-retval]
// Load programs into the live kernel (src/kernel) and print its verdict and
// verifier log; with --run also the BPF_PROG_TEST_RUN return value; with
// --dump the kernel's rewritten instructions or its JIT image. FILE is an
// object file, a bpf_conformance .data file, kernel-syntax assembly, or raw
// instruction bytes. Exit 0 when every program is accepted (and ran, with
// --run), 1 otherwise, 2 on bad input.
import * as fs from 'fs';
import * as path from 'path';
import { Command, ParsedArgs, UsageError, flagString } from '../command';
import * as isa from '../../isa';
import { Insn } from '../../isa/insn';
import { kernelAvailable } from '../../kernel/avail';
import { progTypeNum } from '../../kernel/types';
import { kernelRun, verdictJson, KernelProgram, KernelInput, KernelVerdict } from '../../kernel/run';
import { runObjectFile } from '../../kernel/object';
import { HostFacts, kfuncId } from '../../kernel/host';
import { hostFactsFor } from '../host';
import { xlatedDumpLines } from '../xlated-dump';
import { kernelSymbols } from '../../kernel/kallsyms';

interface Job { prog: KernelProgram; input: KernelInput }

function hexArg(args: ParsedArgs, name: string): Uint8Array | undefined {
  const v = flagString(args, name);
  if (v === undefined) return undefined;
  const clean = v.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new UsageError(`--${name} must be hex bytes, e.g. 0a0b0c`);
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

function isText(b: Uint8Array): boolean {
  if (b.includes(0)) return false;
  try { new TextDecoder('utf-8', { fatal: true }).decode(b); return true; } catch { return false; }
}

function jobsFromFlat(file: string, bytes: Uint8Array, type: string, host: () => HostFacts): Job[] {
  const name = path.basename(file).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15);
  const text = isText(bytes) ? new TextDecoder().decode(bytes) : undefined;
  if (text !== undefined && (file.endsWith('.data') || /^-- (asm|raw)\s*$/m.test(text))) {
    const d = isa.parseConformanceData(text, file);
    const insns: Insn[] = d.raw ? isa.decode(isa.rawWordsToBytes(d.raw)) : isa.assembleUbpf(d.asm ?? '', file);
    return [{ prog: { name, insns, progType: type }, input: { mem: d.mem } }];
  }
  if (text !== undefined) {
    const insns = isa.assemble(text, { source: file, kfuncId: (n: string) => kfuncId(host(), n) });
    return [{ prog: { name, insns, progType: type }, input: {} }];
  }
  return [{ prog: { name, insns: isa.decode(bytes), progType: type }, input: {} }];
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
        out.push(`  ${at.toString(16).padStart(4, ' ')}:  ${hex.padEnd(32)} ${fmt.format(ins)}`);
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

export const command: Command = {
  name: 'kernel',
  summary: 'load programs into the live kernel: verdict, verifier log, test-run value, xlated/jited dumps',
  usage: 'bpfx kernel FILE [--prog NAME] [--type TYPE] [--log-level N] [--json] [--run] [--data-in HEX] [--ctx-in HEX] [--repeat N] [--dump xlated|jited] [--mem-mapping map-value|syscall-ctx] [--wide-retval]',
  booleanFlags: ['json', 'run', 'wide-retval'],
  run(args: ParsedArgs): number {
    const file = args.positional[0];
    if (!file || args.positional.length > 1) throw new UsageError('need exactly one FILE');
    const dump = flagString(args, 'dump');
    if (dump !== undefined && dump !== 'xlated' && dump !== 'jited') throw new UsageError('--dump takes xlated or jited');
    const mapping = flagString(args, 'mem-mapping') ?? 'map-value';
    if (mapping !== 'map-value' && mapping !== 'syscall-ctx') throw new UsageError('--mem-mapping takes map-value or syscall-ctx');
    const ll = flagString(args, 'log-level');
    const logLevel = ll === undefined ? undefined : Number(ll);
    if (logLevel !== undefined && (!Number.isInteger(logLevel) || logLevel < 0 || logLevel > 7)) throw new UsageError('--log-level takes 0..7');
    const rp = flagString(args, 'repeat');
    const repeat = rp === undefined ? undefined : Number(rp);
    if (repeat !== undefined && (!Number.isInteger(repeat) || repeat < 0)) throw new UsageError('--repeat takes a count');
    const dataIn = hexArg(args, 'data-in');
    const ctxIn = hexArg(args, 'ctx-in');
    const progName = flagString(args, 'prog');
    const type = flagString(args, 'type');
    const json = args.flags.json === true;
    const run = args.flags.run === true;

    if (type !== undefined) progTypeNum(type); // typed error for a bad name before any work
    const avail = kernelAvailable();
    if (!avail.ok) { process.stderr.write(`bpfx kernel: cannot use the kernel: ${avail.reason}\n`); return 2; }

    let bytes: Uint8Array;
    try { bytes = new Uint8Array(fs.readFileSync(file)); } catch (e) { throw new UsageError(`cannot read ${file}: ${(e as Error).message}`); }
    const wideRetval = args.flags['wide-retval'] === true;
    const opts = { logLevel, run, dump: dump as 'xlated' | 'jited' | undefined, memMapping: mapping as 'map-value' | 'syscall-ctx', repeat, wideRetval };
    let verdicts: KernelVerdict[];
    // The kernel's facts (kfunc ids for assembly, BTF and Kconfig for objects), read when first needed.
    let facts: HostFacts | undefined;
    const host = (): HostFacts => (facts ??= hostFactsFor(args, { probe: false }));
    if (bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
      const res = runObjectFile(file, { ...opts, only: progName ? [progName] : undefined, input: { packet: dataIn, ctx: ctxIn }, host: host() });
      for (const w of res.warnings) process.stderr.write(`libbpf: ${w}\n`);
      verdicts = res.verdicts;
      if (progName && !verdicts.length) throw new UsageError(`no program '${progName}' in ${file}`);
      if (type !== undefined) process.stderr.write('bpfx kernel: --type is ignored for object files (the section name decides)\n');
    } else {
      const jobs = jobsFromFlat(file, bytes, type ?? 'socket_filter', host);
      verdicts = jobs.map((j) => kernelRun(j.prog, { ...j.input, packet: dataIn ?? j.input.packet, ctx: ctxIn }, opts));
    }

    let bad = false;
    for (const v of verdicts) {
      if (v.verdict === 'reject' || (run && v.retval === null)) bad = true;
      if (json) { process.stdout.write(verdictJson(v) + '\n'); continue; }
      const facts = [
        v.verifiedInsns !== null ? `verified ${v.verifiedInsns} insns` : '',
        v.xlatedInsns !== null ? `xlated ${v.xlatedInsns} insns` : '',
        v.jitedBytes !== null ? `jited ${v.jitedBytes} bytes` : '',
        v.prologueInsns ? `${v.prologueInsns}-insn ${wideRetval ? 'wide-retval wrapper' : `mem prologue (${mapping})`}` : '',
      ].filter((s) => s).join(', ');
      process.stdout.write(`${v.prog}: ${v.verdict}${v.errno ? ` (${v.errno})` : ''}${facts ? `  [${facts}]` : ''}\n`);
      if (v.log) process.stdout.write(v.log.endsWith('\n') ? v.log : v.log + '\n');
      if (run) process.stdout.write(v.retval !== null ? `retval: 0x${v.retval.toString(16)}\n` : v.verdict === 'accept' ? `test run failed: ${v.runError}\n` : '');
      if (v.xlated) {
        process.stdout.write('--- xlated ---\n' + xlatedDumpLines(v.xlated, kernelSymbols(), false).join('\n') + '\n');
      }
      if (v.jited) process.stdout.write('--- jited ---\n' + printJited(v, v.jitedKsyms).join('\n') + '\n');
    }
    return bad ? 1 : 0;
  },
};
