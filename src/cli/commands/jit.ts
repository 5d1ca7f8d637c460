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
import { disasmInsn } from '../../isa/disasm';
import { jitProgram, JitImage, JitInput, describeTarget } from '../../jit';
import { prepareForJit, JitRefused } from '../../harness/jit-program';
import { hostJitOptions } from '../../harness/jit-kernel';
import { hostFactsFor } from '../host';

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/** The image, function by function: each BPF instruction's text and the bytes it became. */
export function dumpLines(img: JitImage, input: JitInput, names: readonly string[] = []): string[] {
  const out: string[] = [];
  const relocAt = new Map(img.relocs.map((r) => [r.at, r]));
  input.funcs.forEach((f, k) => {
    const fi = img.funcs[k];
    out.push(`func #${k}${names[k] ? ` ${names[k]}` : ''}${f.exceptionCb ? ' [exception callback]' : ''} (${fi.size} bytes, stack ${f.stackDepth}, ${fi.passes} passes):`);
    const line = (at: number, end: number, text: string): void => {
      const bytes = img.code.subarray(at, end);
      const rel = [...relocAt.values()].filter((r) => r.at >= at && r.at < end).map((r) => ` -> ${describeTarget(r.target)}`).join('');
      for (let i = 0; i < Math.max(bytes.length, 1); i += 16) {
        const chunk = hex(bytes.subarray(i, i + 16));
        out.push(`  ${(at - fi.offset + i).toString(16).padStart(4)}:  ${chunk.padEnd(48)}${i === 0 ? `  ; ${text}${rel}` : ''}`);
      }
    };
    line(fi.offset, img.insnOffsets[f.start], 'prologue');
    for (let pc = f.start; pc < f.start + f.len; pc++) {
      if (img.insnOffsets[pc] < 0) continue;
      line(img.insnOffsets[pc], img.insnEnds[pc], `${pc}: ${disasmInsn(input.insns, pc)}`);
      if (input.insns[pc].code === 0x18) pc++;
    }
  });
  return out;
}

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
      if (args.flags.dump === true) process.stdout.write(dumpLines(img, prepared.fixed.input, names).join('\n') + '\n');
      if (kernel) {
        if (kernel.result === 'match') process.stdout.write(`kernel: identical instruction sequences (${kernel.funcs.map((f) => f.kernel).join('+')} bytes; addresses masked)\n`);
        else if (kernel.result === 'skip') process.stdout.write(`kernel: not compared: ${kernel.reason}\n`);
        else {
          const d = kernel.funcs.find((f) => f.firstDiff)?.firstDiff;
          process.stdout.write(`kernel: differs at ${kernel.reason}${d ? `: ours ${hex(d.ours)}, kernel ${hex(d.kernel)}` : ''}\n`);
        }
      }
    }
    return kernel && kernel.result === 'differ' ? 'reject' : 'ok';
  },
};
