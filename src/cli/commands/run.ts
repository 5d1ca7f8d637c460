// bpfx run FILE [--engine interp|verifier|kernel|jit] [--data-in HEX] [--ctx-in HEX]
// [--mem HEX] [--json] [--prog NAME] [--type PROGTYPE] [--kernel-profile NAME]
// [--repeat N] [--trust-kernel]: run a program on an engine of the harness
// registry. FILE is assembly text (kernel syntax, or ubpf syntax when it uses
// %rN registers), a bpf_conformance .data file (its `-- mem` is the input unless
// --mem is given), or an object file with --prog. A program of a type with a
// test-run context (socket filter, tc, cgroup skb, lwt, xdp, flow dissector)
// gets it built from --data-in (default 64 zero bytes) and --ctx-in, as
// BPF_PROG_TEST_RUN does; with --mem (and for bpf_conformance programs) the
// bytes go in r1 with their length in r2. --data-in/--ctx-in take a file or hex,
// --data-out FILE writes the packet after the run (bpftool prog run's options).
// --repeat N: N runs and the duration of one (`duration`, ns): the jit loops in
// native code, the kernel in BPF_PROG_TEST_RUN, the interpreter here;
// --trust-kernel: the jit may compile what the verifier model cannot decide
// when the live kernel accepts it. FILE is any input kind (src/cli/input.ts).
import * as fs from 'fs';
import { Command, ParsedArgs, UsageError, flagString, flagInt } from '../command';
import { parseHexBytes } from './conformance-plugin';
import { EngineResult, resultJson, hex64 } from '../../harness/engine';
import { getEngine, engineNames } from '../../harness/engines';
import { EngineName } from '../../harness/engine';
import { hostFactsFor } from '../host';
import { readInput, readInputBytes, programsOf, LoadedProgram } from '../input';
import { Outcome } from '../outcome';

/** The one program of FILE an engine runs (an object with several programs needs --prog). */
export function loadOneProgram(file: string, progName: string | undefined, progType: string | undefined, host: import('../../kernel/host').HostFacts): LoadedProgram {
  const progs = programsOf(readInput(file), { prog: progName, type: progType, host });
  if (progs.length !== 1) {
    throw new UsageError(`${file} has ${progs.length} programs (${progs.map((p) => p.prog.name).join(', ') || 'none'}): choose one with --prog NAME`);
  }
  return progs[0];
}

/** --data-in / --ctx-in: a file of raw bytes when one has that name, else hex bytes (bpftool's data_in FILE). */
export function bytesFlag(args: ParsedArgs, flag: string): Uint8Array | undefined {
  const text = flagString(args, flag);
  if (text === undefined) return undefined;
  if (fs.existsSync(text)) return readInputBytes(text);
  try {
    return parseHexBytes(text);
  } catch (e) {
    throw new UsageError(`--${flag}: '${text.length > 40 ? text.slice(0, 40) + '...' : text}' is neither a file nor hex bytes (${(e as Error).message})`);
  }
}

/** What a run's result says: a runtime error or a reject is 1, `not modelled yet` 3. */
export function runOutcome(r: EngineResult): Outcome {
  if (r.notModelled) return 'unknown';
  return r.error !== null || r.retval === null || r.verdict === 'reject' ? 'reject' : 'ok';
}

export const command: Command = {
  name: 'run',
  summary: 'run a program (assembly, .data, hex, bytes, spec or object file) on an engine and print r0',
  usage: 'bpfx run FILE [options]',
  options: [
    { name: 'engine', type: 'string', short: 'e', choices: engineNames, default: 'interp', description: 'where the program runs' },
    { name: 'prog', type: 'string', value: 'NAME', description: 'the program of an object file (needed when it has several)' },
    { name: 'type', type: 'string', value: 'PROGTYPE', description: 'program type of a flat program (default socket_filter), or override an object\'s' },
    { name: 'data-in', type: 'string', value: 'FILE|HEX', description: 'packet bytes of the test-run context (bpftool\'s data_in; default 64 zero bytes)' },
    { name: 'data-out', type: 'string', value: 'FILE', description: 'write the packet after the run to FILE (bpftool\'s data_out)' },
    { name: 'ctx-in', type: 'string', value: 'FILE|HEX', description: 'context bytes (ctx_in); ctx_out comes back in --json' },
    { name: 'mem', type: 'string', value: 'HEX', description: 'raw memory in r1 with its length in r2 (bpf_conformance style), instead of a context' },
    { name: 'repeat', type: 'string', value: 'N', description: 'run N times and report the duration of one run (bpftool\'s repeat)' },
    { name: 'kernel-profile', type: 'string', value: 'NAME', description: 'the verifier model answers as this kernel (default: probed)' },
    { name: 'btf', type: 'string', value: 'VMLINUX_BTF', description: 'kernel BTF instead of this machine\'s' },
    { name: 'kconfig', type: 'string', value: 'KCONFIG', description: 'kernel config instead of this machine\'s' },
    { name: 'trust-kernel', type: 'boolean', description: 'the jit may compile what the model cannot decide when the live kernel accepts it' },
  ],
  examples: ['bpfx run prog.s --mem 0011 --json', 'bpfx run obj.o --prog NAME --data-in pkt.bin --data-out out.bin', 'bpfx run prog.s --engine jit --repeat 1000000'],
  exits: { 0: 'the program ran', 1: 'a runtime error, or the engine rejected it', 3: 'the verifier model cannot decide' },
  async run(args, ctx) {
    const file = args.positional[0];
    if (!file) throw new UsageError('missing FILE');
    if (args.positional.length > 1) throw new UsageError(`unexpected argument '${args.positional[1]}'`);
    const engineName = flagString(args, 'engine') as EngineName;
    const memText = flagString(args, 'mem');
    const mem = memText !== undefined ? bytesFlag(args, 'mem') : undefined;
    const packet = bytesFlag(args, 'data-in'), ctxIn = bytesFlag(args, 'ctx-in');
    if (mem && (packet || ctxIn)) throw new UsageError('--mem (raw memory in r1/r2) cannot be combined with --data-in or --ctx-in (a test-run context)');
    const repeat = flagInt(args, 'repeat', 1, 1e9);
    const dataOut = flagString(args, 'data-out');
    // The verifier model answers with the live kernel's profile (probed) or --kernel-profile.
    const host = hostFactsFor(args, { probe: engineName === 'verifier' });
    const loaded = loadOneProgram(file, flagString(args, 'prog'), flagString(args, 'type'), host);
    const engine = getEngine(engineName, host);
    const avail = engine.available();
    if (!avail.ok) throw new UsageError(`engine '${engineName}' is not available: ${avail.reason ?? 'unknown reason'}`);
    const input = { ...(packet || ctxIn ? { packet, ctx: ctxIn } : { mem: mem ?? loaded.mem }), repeat, trustKernel: args.flags['trust-kernel'] === true };
    const t0 = process.hrtime.bigint();
    let r: EngineResult = await engine.run(loaded.prog, input);
    if (repeat !== undefined && r.nsPerRun === undefined && r.error === null) {
      // an engine without its own loop (the interpreter): time the repeats here
      for (let i = 1; i < repeat; i++) await engine.run(loaded.prog, input);
      r = { ...r, nsPerRun: Number(process.hrtime.bigint() - t0) / repeat };
    }
    if (dataOut !== undefined) {
      if (!r.dataOut) throw new UsageError(`--data-out: the run has no data_out (program type ${loaded.prog.progType} on ${engineName} takes no packet)`);
      fs.writeFileSync(dataOut, r.dataOut);
    }
    const outcome = runOutcome(r);
    if (ctx.json) {
      const doc = JSON.parse(resultJson(loaded.prog.name, r)) as Record<string, unknown>;
      if (r.nsPerRun !== undefined) doc.duration = Math.round(r.nsPerRun);
      if (r.notModelled) { doc.verdict = 'unknown'; doc.reason = r.errorLine; }
      ctx.emit(doc);
    } else if (outcome !== 'ok') {
      process.stderr.write(`bpfx run: ${file}: ${r.notModelled ? `unknown: ${r.errorLine}` : r.error ?? `no result (verdict ${r.verdict}, errno ${r.errno})`}\n${r.log ? r.log + '\n' : ''}`);
    } else {
      process.stdout.write(`${hex64(r.retval ?? 0n)}\n`);
      if (r.nsPerRun !== undefined) process.stdout.write(`duration: ${Math.round(r.nsPerRun)} ns (${r.nsPerRun.toFixed(2)} ns/run, ${repeat} runs)\n`);
    }
    return outcome;
  },
};
