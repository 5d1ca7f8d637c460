// bpfx run FILE [--engine interp|verifier|kernel|jit] [--data-in HEX] [--ctx-in HEX]
// [--mem HEX] [--json] [--prog NAME] [--type PROGTYPE] [--kernel-profile NAME]
// [--repeat N] [--trust-kernel]: run a program on an engine of the harness
// registry. FILE is assembly text (kernel syntax, or ubpf syntax when it uses
// %rN registers), a bpf_conformance .data file (its `-- mem` is the input unless
// --mem is given), or an object file with --prog. A program of a type with a
// test-run context (socket filter, tc, cgroup skb, lwt, xdp, flow dissector)
// gets it built from --data-in (default 64 zero bytes) and --ctx-in, as
// BPF_PROG_TEST_RUN does; with --mem (and for bpf_conformance programs) the
// bytes go in r1 with their length in r2. --repeat N: N runs, the jit engine
// loops in native code and reports ns_per_run; --trust-kernel: the jit may
// compile what the verifier model cannot decide when the live kernel accepts it.
import * as fs from 'fs';
import * as path from 'path';
import { Command, UsageError, flagString } from '../command';
import { loadConformanceCase } from '../../harness/conformance-data';
import { parseHexBytes } from './conformance-plugin';
import { EngineResult, ProgramUnderTest, resultJson, hex64, runResult } from '../../harness/engine';
import { getEngine, isEngineName, engineNames } from '../../harness/engines';
import { programFromObject, programFromSource } from '../../harness/program';
import { HostFacts } from '../../kernel/host';
import { hostFactsFor } from '../host';

export interface Loaded { prog: ProgramUnderTest; mem: Uint8Array }

function hexFlag(flag: string, text: string | undefined): Uint8Array | undefined {
  if (text === undefined) return undefined;
  try {
    return parseHexBytes(text);
  } catch (e) {
    throw new UsageError(`--${flag}: ${(e as Error).message}`);
  }
}

/** A program from a file: assembly (kernel or ubpf syntax), a bpf_conformance .data file, or an object with --prog. */
export function loadProgram(file: string, progName: string | undefined, progType: string | undefined, host: HostFacts): Loaded {
  const name = path.basename(file);
  if (file.endsWith('.o')) {
    if (!progName) throw new UsageError('an object file needs --prog NAME');
    return { prog: programFromObject(file, progName, host, { progType }), mem: new Uint8Array(0) };
  }
  const text = fs.readFileSync(file, 'utf8');
  const type = progType ?? 'socket_filter';
  if (file.endsWith('.data')) {
    const c = loadConformanceCase(text, path.basename(file, '.data'), name);
    return { prog: { name: c.name, insns: c.insns, progType: type, license: 'GPL', helperAbi: 'ubpf' }, mem: c.mem };
  }
  const src = /%r\d/.test(text) ? { ubpf: text } : { asm: text };
  return { prog: programFromSource(src, { name, progType: type, source: file, host }), mem: new Uint8Array(0) };
}

export const command: Command = {
  name: 'run',
  summary: 'run a program (assembly, .data or object file) on an engine and print r0',
  usage: 'bpfx run FILE [--engine interp|verifier|kernel|jit] [--data-in HEX] [--ctx-in HEX] [--mem HEX] [--json] [--prog NAME] [--type PROGTYPE] [--kernel-profile NAME] [--repeat N] [--trust-kernel]',
  booleanFlags: ['json', 'trust-kernel'],
  async run(args) {
    const file = args.positional[0];
    if (!file) throw new UsageError('missing FILE');
    if (args.positional.length > 1) throw new UsageError(`unexpected argument '${args.positional[1]}'`);
    const engineName = flagString(args, 'engine') ?? 'interp';
    if (!isEngineName(engineName)) throw new UsageError(`unknown engine '${engineName}' (known: ${engineNames.join(', ')})`);
    const json = args.flags.json === true;
    const memText = flagString(args, 'mem');
    const mem = memText !== undefined ? parseHexBytes(memText) : undefined;
    const dataText = flagString(args, 'data-in'), ctxText = flagString(args, 'ctx-in');
    if (mem && (dataText !== undefined || ctxText !== undefined)) throw new UsageError('--mem (raw memory in r1/r2) cannot be combined with --data-in or --ctx-in (a test-run context)');
    const packet = hexFlag('data-in', dataText);
    const ctx = hexFlag('ctx-in', ctxText);
    if (!fs.existsSync(file)) throw new UsageError(`no such file '${file}'`);
    // The verifier model answers with the live kernel's profile (probed) or --kernel-profile.
    const host = hostFactsFor(args, { probe: engineName === 'verifier' });

    let loaded: Loaded;
    try {
      loaded = loadProgram(file, flagString(args, 'prog'), flagString(args, 'type'), host);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      const msg = `${(e as Error).name}: ${(e as Error).message}`;
      if (json) process.stdout.write(resultJson(path.basename(file), runResult(null, msg)) + '\n');
      else process.stderr.write(`bpfx run: ${msg}\n`);
      return 1;
    }
    const engine = getEngine(engineName, host);
    const avail = engine.available();
    if (!avail.ok) throw new UsageError(`engine '${engineName}' is not available: ${avail.reason ?? 'unknown reason'}`);
    const repeatText = flagString(args, 'repeat');
    const repeat = repeatText === undefined ? undefined : Number(repeatText);
    if (repeat !== undefined && !(Number.isInteger(repeat) && repeat >= 1 && repeat <= 1e9)) throw new UsageError('--repeat takes an integer from 1 to 1000000000');
    const input = { ...(packet || ctx ? { packet, ctx } : { mem: mem ?? loaded.mem }), repeat, trustKernel: args.flags['trust-kernel'] === true };
    const r: EngineResult = await engine.run(loaded.prog, input);
    const failed = r.error !== null || r.retval === null;
    if (json) process.stdout.write(resultJson(loaded.prog.name, r) + '\n');
    else if (failed) process.stderr.write(`bpfx run: ${r.error ?? `no result (verdict ${r.verdict}, errno ${r.errno})`}\n${r.log ? r.log + '\n' : ''}`);
    else process.stdout.write(`${hex64(r.retval ?? 0n)}${r.nsPerRun !== undefined ? `  (${r.nsPerRun.toFixed(2)} ns/run)` : ''}\n`);
    return failed ? 1 : 0;
  },
};
