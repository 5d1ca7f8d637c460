// bpfx asm FILE [--syntax kernel|ubpf] [-o OUT] [--btf VMLINUX_BTF]: assemble
// kernel/clang syntax (src/isa/asm-kernel.ts) or ubpf/bpf_conformance syntax
// (src/isa/asm-ubpf.ts; a bpf_conformance .data file uses its `-- asm`
// section) and print the instruction bytes, one 8-byte slot per line.
// `call NAME` of a kfunc resolves through the host's vmlinux BTF (--btf, else
// this machine's, else fixtures/vmlinux), read only when such a call appears.
import * as fs from 'fs';
import { Command, ParsedArgs, UsageError, flagString } from '../command';
import { assemble, assembleUbpf, encode, parseConformanceData, Insn } from '../../isa';
import { InputError } from '../outcome';
import { readInputBytes, asText } from '../input';
import { hostFacts, kfuncId, HostFacts } from '../../kernel/host';

export type Syntax = 'kernel' | 'ubpf';

/** Guess the assembly syntax: ubpf uses `%rN` registers and mnemonics, kernel syntax `rN = ...`. */
export function detectSyntax(text: string): Syntax {
  if (/^-- asm\s*$/m.test(text) || /%r\d/.test(text)) return 'ubpf';
  if (/^\s*(lddw|ldx[sbhwd]+|stx?[bhwd]+|mov(32|64)?|add|sub|j[a-z]+|lock|neg|be\d+|le\d+)\s/m.test(text) && !/=/.test(text)) return 'ubpf';
  return 'kernel';
}

/** --syntax (its choices are checked by the parser). */
export function syntaxFlag(args: ParsedArgs): Syntax | undefined {
  return flagString(args, 'syntax') as Syntax | undefined;
}

/** A kfunc name -> BTF id resolver; the host facts (kernel BTF) are read on the first kfunc call only. */
export function vmlinuxKfuncResolver(btfPath?: string): (name: string) => number | undefined {
  let host: HostFacts | undefined;
  return (name) => kfuncId((host ??= hostFacts({ btfPath, probe: false })), name);
}

/** Assemble assembly text (or a bpf_conformance .data file) in the given or detected syntax. */
export function assembleText(text: string, source: string, syntax?: Syntax, btfPath?: string): Insn[] {
  if (/^-- asm\s*$/m.test(text)) {
    const d = parseConformanceData(text, source);
    if (syntax === 'kernel') throw new UsageError('bpf_conformance .data files are in ubpf syntax');
    return assembleUbpf(d.asm ?? '', source);
  }
  const s = syntax ?? detectSyntax(text);
  return s === 'ubpf' ? assembleUbpf(text, source) : assemble(text, { source, kfuncId: vmlinuxKfuncResolver(btfPath) });
}

/** One slot per line: `b7 00 00 00 2a 00 00 00`. */
export function hexLines(insns: readonly Insn[]): string[] {
  const bytes = encode(insns);
  const out: string[] = [];
  for (let o = 0; o < bytes.length; o += 8) {
    out.push(Array.from(bytes.subarray(o, o + 8), (b) => b.toString(16).padStart(2, '0')).join(' '));
  }
  return out;
}

export const command: Command = {
  name: 'asm',
  summary: 'assemble kernel-syntax or ubpf-syntax BPF assembly to instruction bytes',
  usage: 'bpfx asm FILE [options]   (FILE: assembly or a bpf_conformance .data file; - reads stdin)',
  options: [
    { name: 'syntax', type: 'string', choices: ['kernel', 'ubpf'], description: 'assembly syntax (default: detected: ubpf uses %rN registers)' },
    { name: 'out', type: 'string', short: 'o', value: 'OUT.bin', description: 'write the instruction bytes to OUT.bin instead of hex lines on stdout' },
    { name: 'btf', type: 'string', value: 'VMLINUX_BTF', description: 'kernel BTF for kfunc ids (default: this machine\'s, else fixtures/vmlinux)' },
  ],
  examples: ['bpfx asm prog.s', 'bpfx asm prog.s -o prog.bin', 'echo "r0 = 0; exit" | bpfx asm -'],
  exits: { 0: 'assembled', 1: '(not used)', 3: '(not used)' },
  run(args, ctx) {
    const file = args.positional[0];
    if (!file || args.positional.length > 1) throw new UsageError('expected one assembly file');
    const bytes = readInputBytes(file);
    const text = asText(bytes);
    if (text === undefined) throw new InputError('asm', file, 'is not text (binary bytes): bpfx disasm reads instruction bytes');
    const insns = assembleText(text, file === '-' ? '<stdin>' : file, syntaxFlag(args), flagString(args, 'btf'));
    const out = flagString(args, 'out');
    if (out !== undefined) fs.writeFileSync(out, encode(insns));
    if (ctx.json) ctx.emit({ file, insns: insns.length, hex: hexLines(insns), ...(out !== undefined ? { out } : {}) });
    else if (out === undefined) process.stdout.write(hexLines(insns).join('\n') + (insns.length ? '\n' : ''));
    return 'ok';
  },
};
