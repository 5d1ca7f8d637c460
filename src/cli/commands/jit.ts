// bpfx jit FILE [--prog NAME] [--type TYPE] [--dump] [--json] [--kernel] [--trust-kernel]
// Compile a program with bpfx's x86-64 JIT (src/jit) in the kernel's layout.
// Only a program the verifier model accepts is jitted; one it cannot decide
// is jitted on the live kernel's word with --trust-kernel. --dump prints the
// image beside the BPF instruction each part came from (bpftool's
// `prog dump jited opcodes` style); --kernel compares it with the image the
// live kernel jits for the same program. Exit 0 when jitted (and identical
// with --kernel), 1 when refused or different, 2 on bad input.
import { Command, UsageError, flagString } from '../command';
import { loadOneProgram } from './run';
import { Outcome } from '../outcome';
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
  usage: 'bpfx jit FILE [options]',
  options: [
    { name: 'prog', type: 'string', value: 'NAME', description: 'the program of an object file (needed when it has several)' },
    { name: 'type', type: 'string', value: 'PROGTYPE', description: 'program type of a flat program (default socket_filter)' },
    { name: 'dump', type: 'boolean', description: 'print the image beside each BPF instruction (bpftool prog dump jited opcodes style)' },
    { name: 'kernel', type: 'boolean', description: 'compare the image with the one the live kernel jits' },
    { name: 'trust-kernel', type: 'boolean', description: 'jit what the model cannot decide when the live kernel accepts it' },
    { name: 'kernel-profile', type: 'string', value: 'NAME', description: 'the verifier model answers as this kernel (default: probed)' },
    { name: 'btf', type: 'string', value: 'VMLINUX_BTF', description: 'kernel BTF instead of this machine\'s' },
    { name: 'kconfig', type: 'string', value: 'KCONFIG', description: 'kernel config instead of this machine\'s' },
  ],
  examples: ['bpfx jit prog.s --dump', 'bpfx jit obj.o --prog NAME --kernel', 'bpfx jit obj.o --prog NAME --json'],
  exits: { 0: 'jitted (and identical to the kernel\'s with --kernel)', 1: 'refused (the model rejects it) or different from the kernel\'s', 3: 'the model cannot decide (try --trust-kernel)' },
  run(args, ctx) {
    const file = args.positional[0];
    if (!file) throw new UsageError('missing FILE');
    if (args.positional.length > 1) throw new UsageError(`unexpected argument '${args.positional[1]}'`);
    const json = ctx.json;
    const fail = (kind: string, message: string): Outcome => {
      if (json) ctx.emit({ file, jitted: false, refused: kind, verdict: kind === 'not-modelled' ? 'unknown' : 'reject', reason: message });
      else process.stderr.write(`bpfx jit: ${file}: ${message}\n`);
      return kind === 'not-modelled' ? 'unknown' : 'reject';
    };
    const host = hostFactsFor(args, { probe: true });
    const loaded = loadOneProgram(file, flagString(args, 'prog'), flagString(args, 'type'), host);
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
      return fail('jit', `${(e as Error).name}: ${(e as Error).message}`);
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
      if (!avail.ok) throw new UsageError(`--kernel: the kernel is not available: ${avail.reason}`);
      kernel = compareWithKernel(p, { mem: loaded.mem.length ? loaded.mem : undefined });
    }
    const insnCount = prepared.fixed.input.insns.length;
    if (json) {
      const fin = prepared.fixed.input;
      ctx.emit({
        file, prog: p.name, basis: prepared.basis, note: prepared.note || undefined, bytes: img.code.length, insns: insnCount,
        compile_ns: ns, funcs: img.funcs.map((f, k) => ({ ...f, start: fin.funcs[k].start, stack: fin.funcs[k].stackDepth, exceptionCb: fin.funcs[k].exceptionCb })),
        image: hex(img.code).replace(/ /g, ''),
        insn_offsets: Array.from(img.insnOffsets),
        relocs: img.relocs.map((r) => ({ at: r.at, kind: r.kind, target: describeTarget(r.target), pc: r.pc })),
        kernel: kernel && { result: kernel.result, reason: kernel.reason || undefined },
      });
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
    return kernel && kernel.result === 'differ' ? 'reject' : 'ok';
  },
};
