// bpfx disasm FILE [--prog NAME] [--syntax kernel|ubpf] [--symbolic] [--btf VMLINUX_BTF]:
// print instructions in the kernel verifier log syntax (src/isa/disasm.ts),
// one `N: (xx) text` line per instruction. FILE is raw instruction bytes,
// a hex text file (byte pairs, hex strings, or bpf_conformance-style 0x...
// 64-bit words), assembly text (kernel or ubpf syntax, or a .data file), or
// an ELF object with --prog NAME (linked by src/loader via objdump.ts).
// kfunc calls are named from vmlinux BTF, as the verifier's cb_call does.
// --symbolic prints the assembler's canonical text (round-trips through
// bpfx asm); --bpftool names pseudo ld_imm64 operands as bpftool does
// (map[id:N], map[id:N][0]+OFF, subprog[+N]).
import { Command, UsageError, flagString } from '../command';
import { decode, disassemble, Insn, bpftoolImmName } from '../../isa';
import { assembleText, syntaxFlag } from './asm';
import { linkedProgramFromFile, loadObjectFile } from './objdump';
import { hostFacts } from '../../kernel/host';
import { Btf, typeById, typeCount } from '../../btf';
import { readInput, parseHexText, asText, programsOf, InputFile } from '../input';
import { inFile } from '../outcome';

export interface NamedInsns { name: string; insns: Insn[] }

/** The programs of FILE, whatever its kind: an object's (all, or --prog), a spec's, hex, bytes or assembly. */
export function readPrograms(file: string, opts: { prog?: string; syntax?: 'kernel' | 'ubpf'; btfPath?: string }): NamedInsns[] {
  const input = readInput(file);
  return inFile(file, () => programsIn(input, opts));
}

function programsIn(input: InputFile, opts: { prog?: string; syntax?: 'kernel' | 'ubpf'; btfPath?: string }): NamedInsns[] {
  const file = input.file;
  const source = file === '-' ? '<stdin>' : file;
  if (opts.prog !== undefined && input.kind !== 'elf') throw new UsageError('--prog is only for ELF object files');
  switch (input.kind) {
    case 'elf':
      if (opts.prog !== undefined) return [{ name: opts.prog, insns: linkedProgramFromFile(file, opts.prog, opts.btfPath).insns }];
      return loadObjectFile(file, { btfPath: opts.btfPath }).programs.map((p) => ({ name: p.name, insns: p.insns }));
    case 'raw': return [{ name: file, insns: decode(input.bytes) }];
    case 'spec':
      return programsOf(input, { host: hostFacts({ btfPath: opts.btfPath, probe: false }) }).map((p) => ({ name: p.prog.name, insns: p.prog.insns }));
    default: {
      const text = asText(input.bytes) ?? '';
      const hex = input.kind === 'hex' && opts.syntax === undefined ? parseHexText(text) : undefined;
      return [{ name: file, insns: hex ? decode(hex) : assembleText(text, source, opts.syntax, opts.btfPath) }];
    }
  }
}

/** kfunc BTF id -> name from the host's vmlinux BTF, read on the first kfunc call only. */
export function kfuncNamer(btfPath?: string): (i: Insn) => string | undefined {
  let btf: { v: Btf | undefined } | undefined;
  return (i) => {
    if (i.off !== 0) return undefined; // module BTF: not available here
    btf ??= { v: hostFacts({ btfPath, probe: false }).vmlinuxBtf };
    const b = btf.v, id = i.imm;
    if (!b || id <= 0 || id >= typeCount(b)) return undefined;
    const t = typeById(b, id);
    return t.kind === 'func' ? t.name : undefined;
  };
}

export const command: Command = {
  name: 'disasm',
  summary: 'print BPF instructions in kernel verifier log syntax',
  usage: 'bpfx disasm FILE [options]   (raw bytes, hex text, assembly, a .data file, a spec, or an object file)',
  options: [
    { name: 'prog', type: 'string', value: 'NAME', description: 'only this program of an object file (default: every program)' },
    { name: 'syntax', type: 'string', choices: ['kernel', 'ubpf'], description: 'read FILE as assembly in this syntax (default: detected)' },
    { name: 'symbolic', type: 'boolean', description: 'print the assembler\'s canonical text (round-trips through bpfx asm)' },
    { name: 'bpftool', type: 'boolean', description: 'name ld_imm64 map and subprog operands as bpftool does' },
    { name: 'btf', type: 'string', value: 'VMLINUX_BTF', description: 'kernel BTF that names kfunc calls (default: this machine\'s)' },
  ],
  examples: ['bpfx disasm prog.bin', 'bpfx disasm fixtures/obj/exc_subprog_throw.bpf.o --prog subprog_throws', 'bpfx disasm prog.s --symbolic'],
  exits: { 0: 'printed', 1: '(not used)', 3: '(not used)' },
  run(args, ctx) {
    const file = args.positional[0];
    if (!file || args.positional.length > 1) throw new UsageError('expected one input file');
    if (args.flags.symbolic === true && args.flags.bpftool === true) throw new UsageError('--symbolic and --bpftool cannot be combined');
    const btfPath = flagString(args, 'btf');
    const progs = readPrograms(file, { prog: flagString(args, 'prog'), syntax: syntaxFlag(args), btfPath });
    const namer = kfuncNamer(btfPath);
    const listed = progs.map((p) => ({
      name: p.name,
      lines: disassemble(p.insns, { symbolic: args.flags.symbolic === true, kfuncName: namer, immName: args.flags.bpftool === true ? bpftoolImmName : undefined }),
    }));
    if (ctx.json) ctx.emit(listed.length === 1 ? { file, prog: listed[0].name, insns: listed[0].lines } : { file, programs: listed.map((l) => ({ prog: l.name, insns: l.lines })) });
    else {
      const out: string[] = [];
      for (const l of listed) {
        if (listed.length > 1) out.push(`${out.length ? '\n' : ''}${l.name}:`);
        out.push(...l.lines);
      }
      process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
    }
    return 'ok';
  },
};
