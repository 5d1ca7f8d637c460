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
import { Command, ParsedArgs, UsageError } from '../command';
import { decodeRaw } from '../../isa';
import { runConformanceInterp, runConformanceKernel, runConformanceJit } from '../../harness/conformance';

/** Hex bytes separated by whitespace (ubpf's base16_decode ignores what does not parse). */
export function parseHexBytes(s: string): Uint8Array {
  const out: number[] = [];
  for (const w of s.split(/\s+/)) {
    if (!w) continue;
    if (/^[0-9a-fA-F]{1,2}$/.test(w)) out.push(parseInt(w, 16));
    else if (/^[0-9a-fA-F]+$/.test(w) && w.length % 2 === 0) for (let i = 0; i < w.length; i += 2) out.push(parseInt(w.slice(i, i + 2), 16));
    else throw new UsageError(`'${w}' is not a hex byte`);
  }
  return Uint8Array.from(out);
}

/** Re-split options the runner passed as one argument ("--engine interp --elf"). */
export function pluginOptions(args: ParsedArgs): { positional: string[]; flags: Record<string, string | true> } {
  const words: string[] = [];
  for (const [k, v] of Object.entries(args.flags)) {
    words.push(...`--${k}`.split(/\s+/));
    if (v !== true) words.push(v);
  }
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (!w.startsWith('--')) throw new UsageError(`Invalid arguments: ${w}`);
    const eq = w.indexOf('=');
    if (eq > 0) { flags[w.slice(2, eq)] = w.slice(eq + 1); continue; }
    const name = w.slice(2);
    if ((name === 'program' || name === 'engine') && i + 1 < words.length) flags[name] = words[++i];
    else flags[name] = true;
  }
  return { positional: args.positional, flags };
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
  usage: 'bpfx conformance-plugin ["MEM HEX BYTES"] [--program "HEX"] [--engine interp|kernel|jit] [--jit] [--elf]',
  booleanFlags: ['elf', 'jit', 'interpret'],
  async run(raw) {
    const args = pluginOptions(raw);
    // uBPF's plugin selects its JIT with --jit: so does ours (--engine names one explicitly)
    const engine = typeof args.flags.engine === 'string' ? args.flags.engine : args.flags.jit === true ? 'jit' : 'interp';
    if (engine !== 'interp' && engine !== 'kernel' && engine !== 'jit') throw new UsageError(`engine '${engine}' cannot run plugin programs (known: interp, kernel, jit)`);
    const extra = args.positional.slice(1).filter((p) => p.trim().length > 0);
    if (extra.length) throw new UsageError(`Invalid arguments: ${extra[0]}`);
    const mem = parseHexBytes(args.positional[0] ?? '');
    const progText = typeof args.flags.program === 'string' ? args.flags.program : await readStdinLine();
    const fail = (msg: string): number => { process.stdout.write(msg + '\n'); return 1; };
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
    process.stdout.write(BigInt.asUintN(64, r.retval ?? 0n).toString(16) + '\n');
    return 0;
  },
};
