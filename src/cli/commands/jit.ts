// bpfx jit FILE [--prog NAME] [--type TYPE] [--dump] [--json] [--kernel] [--trust-kernel]
// Compile a program with bpfx's x86-64 JIT (src/jit) in the kernel's layout.
// Only a program the verifier model accepts is jitted; one it cannot decide
// is jitted on the live kernel's word with --trust-kernel. --dump prints the
// image beside the BPF instruction each part came from (bpftool's
// `prog dump jited opcodes` style); --kernel compares it with the image the
// live kernel jits for the same program. Exit 0 when jitted (and identical
// with --kernel), 1 when refused or different, 2 on bad input.
import * as fs from 'fs';
import { Command, UsageError, flagString } from '../command';
import { loadProgram } from './run';
import { jitProgram, JitImage, describeTarget } from '../../jit';
import { dumpImage } from '../../jit/dump';
import { decodeAll, formatInsn } from '../../jit/x86/decode';
import { prepareForJit, JitRefused } from '../../harness/jit-program';
import { hostJitOptions } from '../../harness/jit-kernel';
import { hostFactsFor } from '../host';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
/** A few bytes of code as text and bytes (offsets relative to the bytes shown). */
const asm = (b: Uint8Array): string => `${decodeAll(b).map((d) => formatInsn(d)).join('; ')} (${hex(b)})`;

export const command: Command = {
  name: 'jit',
  summary: 'compile a program with the x86-64 JIT (kernel layout); --dump the image, --kernel compare with the live kernel\'s',
  usage: 'bpfx jit FILE [--prog NAME] [--type TYPE] [--dump] [--json] [--kernel] [--trust-kernel] [--kernel-profile NAME]',
  booleanFlags: ['dump', 'json', 'kernel', 'trust-kernel'],
  run(args) {
    const file = args.positional[0];
    if (!file) throw new UsageError('missing FILE');
    if (args.positional.length > 1) throw new UsageError(`unexpected argument '${args.positional[1]}'`);
    if (!fs.existsSync(file)) throw new UsageError(`no such file '${file}'`);
    const json = args.flags.json === true;
    const fail = (kind: string, message: string): number => {
      if (json) process.stdout.write(JSON.stringify({ file, error: { kind, message } }) + '\n');
      else process.stderr.write(`bpfx jit: ${file}: ${message}\n`);
      return 1;
    };
    const host = hostFactsFor(args, { probe: true });
    let loaded;
    try {
      loaded = loadProgram(file, flagString(args, 'prog'), flagString(args, 'type'), host);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      return fail('load', `${(e as Error).name}: ${(e as Error).message}`);
    }
    const p = loaded.prog;
    const unverified = p.helperAbi === 'ubpf';
    let prepared;
    try {
      prepared = prepareForJit(p, { trustKernel: args.flags['trust-kernel'] === true, unverified, profile: host.profile });
    } catch (e) {
      if (e instanceof JitRefused) return fail(e.kind, e.message);
      throw e;
    }
    const opts = hostJitOptions();
    const t0 = process.hrtime.bigint();
    let img: JitImage;
    try {
      img = jitProgram(prepared.fixed.input, opts);
    } catch (e) {
      return fail('jit', (e as Error).message);
    }
    const ns = Number(process.hrtime.bigint() - t0);
    const names = p.object ? ['main', ...p.object.linked.subprogs] : [];
    let kernel: import('../../harness/jit-kernel').JitComparison | undefined;
    if (args.flags.kernel === true) {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { compareWithKernel } = require('../../harness/jit-kernel') as typeof import('../../harness/jit-kernel');
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { kernelAvailable } = require('../../kernel') as typeof import('../../kernel');
      const avail = kernelAvailable();
      if (!avail.ok) return fail('kernel', `the kernel is not available: ${avail.reason}`);
      kernel = compareWithKernel(p, { mem: loaded.mem.length ? loaded.mem : undefined });
    }
    const insnCount = prepared.fixed.input.insns.length;
    if (json) {
      const fin = prepared.fixed.input;
      process.stdout.write(JSON.stringify({
        file, prog: p.name, basis: prepared.basis, note: prepared.note || undefined, bytes: img.code.length, insns: insnCount,
        compile_ns: ns, funcs: img.funcs.map((f, k) => ({ ...f, start: fin.funcs[k].start, stack: fin.funcs[k].stackDepth, exceptionCb: fin.funcs[k].exceptionCb })),
        image: hex(img.code).replace(/ /g, ''),
        insn_offsets: Array.from(img.insnOffsets),
        relocs: img.relocs.map((r) => ({ at: r.at, kind: r.kind, target: describeTarget(r.target), pc: r.pc })),
        kernel: kernel && { result: kernel.result, reason: kernel.reason || undefined },
      }) + '\n');
    } else {
      process.stdout.write(`${p.name}: ${img.code.length} bytes, ${img.funcs.length} function${img.funcs.length === 1 ? '' : 's'}, ${insnCount} insns (${prepared.basis === 'verifier' ? 'the verifier model accepts it' : prepared.basis === 'kernel' ? prepared.note : 'not verified'})\n`);
      if (args.flags.dump === true) process.stdout.write(dumpImage(img, prepared.fixed.input, names).join('\n') + '\n');
      if (kernel) {
        if (kernel.result === 'match') process.stdout.write(`kernel: identical instruction sequences (${kernel.funcs.map((f) => f.kernel).join('+')} bytes; addresses masked)\n`);
        else if (kernel.result === 'skip') process.stdout.write(`kernel: not compared: ${kernel.reason}\n`);
        else {
          const d = kernel.funcs.find((f) => f.firstDiff)?.firstDiff;
          process.stdout.write(`kernel: differs at ${kernel.reason}${d ? `: ours ${asm(d.ours)}, kernel ${asm(d.kernel)}` : ''}\n`);
        }
      }
    }
    return kernel && kernel.result === 'differ' ? 1 : 0;
  },
};
