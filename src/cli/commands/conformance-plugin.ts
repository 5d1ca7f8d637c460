// bpfx conformance-plugin: the bpf_conformance plugin protocol (as
// iovisor/ubpf ubpf_plugin/ubpf_plugin.cc implements it), so that the
// official bpf_conformance_runner can score bpfx:
//   argv[1] (optional, unless it starts with --): input memory as hex bytes;
//   --program HEX: the program (else one line of hex bytes on stdin);
//   --elf: the program is an ELF object (not supported yet);
//   --jit (as uBPF's plugin) or --engine jit: run it natively with bpfx's JIT;
//   the runner may pass all plugin options as ONE argument ("--engine interp").
// Prints r0 in hex (no 0x) and exits 0; on failure prints the error on stdout
// and exits 1 (the runner compares that text with `-- error`).
import { Command, UsageError, flagString } from '../command';
import { Outcome } from '../outcome';
import { decodeRaw, parseHex, HEX_UBPF, HexError } from '../../isa';
import { runConformanceInterp, runConformanceKernel, runConformanceJit } from '../../harness/conformance';

/** Hex bytes separated by whitespace, as ubpf's plugin takes them (isa HEX_UBPF); a wrong token is a usage error naming it. */
export function parseHexBytes(s: string): Uint8Array {
  try {
    return parseHex(s, HEX_UBPF);
  } catch (e) {
    if (e instanceof HexError) throw new UsageError(`'${e.token}' is not a hex byte`);
    throw e;
  }
}

/** The runner may pass all plugin options as one argument ("--engine interp --elf"): split them into words. */
export function splitPluginArgv(argv: string[]): string[] {
  return argv.flatMap((a) => (a.startsWith('--') && !a.includes('=') && /\s/.test(a.trim()) ? a.trim().split(/\s+/) : [a]));
}

function readStdinLine(): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => { data += chunk; });
    process.stdin.on('end', () => resolve(data.split('\n')[0] ?? ''));
    process.stdin.on('error', reject);
  });
}

export const command: Command = {
  name: 'conformance-plugin',
  summary: 'bpf_conformance plugin: program hex on stdin, memory hex as argument, prints r0 in hex',
  usage: 'bpfx conformance-plugin ["MEM HEX BYTES"] [options]',
  options: [
    { name: 'program', type: 'string', value: 'HEX', description: 'the program as hex bytes (default: one line of hex on stdin)' },
    { name: 'engine', type: 'string', choices: ['interp', 'kernel', 'jit'], description: 'where the program runs (default interp)' },
    { name: 'jit', type: 'boolean', description: 'the same as --engine jit (uBPF\'s plugin option)' },
    { name: 'interpret', type: 'boolean', description: 'the same as --engine interp (uBPF\'s plugin option)' },
    { name: 'elf', type: 'boolean', description: 'the program is an ELF object (not supported: fails as the protocol says)' },
  ],
  preprocess: splitPluginArgv,
  examples: ['bpf_conformance_runner --test_file_directory tests --plugin_path bpfx --plugin_options "conformance-plugin --engine interp"',
    'echo "b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00" | bpfx conformance-plugin'],
  exits: { 0: 'ran: r0 printed in hex', 1: 'the program failed: the error on stdout (the protocol compares it with `-- error`)', 3: '(not used)' },
  async run(args, ctx) {
    const engine = flagString(args, 'engine') ?? (args.flags.jit === true ? 'jit' : 'interp');
    const extra = args.positional.slice(1).filter((p) => p.trim().length > 0);
    if (extra.length) throw new UsageError(`Invalid arguments: ${extra[0]}`);
    const mem = parseHexBytes(args.positional[0] ?? '');
    const progText = flagString(args, 'program') ?? await readStdinLine();
    const fail = (msg: string): Outcome => {
      if (ctx.json) ctx.emit({ retval: null, error: msg });
      else process.stdout.write(msg + '\n');
      return 'reject';
    };
    if (args.flags.elf === true) return fail('Failed to load code: ELF input is not supported by bpfx conformance-plugin yet');
    let insns;
    try {
      insns = decodeRaw(parseHexBytes(progText));
    } catch (e) {
      return fail(`Failed to load code: ${(e as Error).message}`);
    }
    // The jit runs the program natively in this process: the runner starts one per program, so a fault fails only it
    const r = engine === 'kernel' ? runConformanceKernel({ insns, mem }) : engine === 'jit' ? runConformanceJit({ name: 'plugin', insns, mem }) : runConformanceInterp({ insns, mem });
    if (r.error !== null) return fail(r.error);
    const hex = BigInt.asUintN(64, r.retval ?? 0n).toString(16);
    if (ctx.json) ctx.emit({ retval: `0x${hex}`, error: null });
    else process.stdout.write(hex + '\n');
    return 'ok';
  },
};
