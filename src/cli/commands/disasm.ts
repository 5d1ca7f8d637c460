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
import { decode, disassemble, Insn, IsaError, AsmError, bpftoolImmName } from '../../isa';
import { readInput, assembleText, syntaxFlag } from './asm';
import { linkedProgramFromFile } from './objdump';
import { hostFacts } from '../../kernel/host';
import { Btf, typeById, typeCount } from '../../btf';

/** Instructions of an ELF object's program (the loader links subprograms and callbacks in). */
function objectProgram(file: string, prog: string | undefined, btfPath?: string): Insn[] {
  if (!prog) throw new UsageError('object files need --prog NAME (see bpfx objdump FILE.o for the names)');
  return linkedProgramFromFile(file, prog, btfPath).insns;
}

/** Parse a hex text file; undefined when the text is not hex. */
export function parseHexText(text: string): Uint8Array | undefined {
  const body = text.replace(/(#|\/\/).*$/gm, '');
  const toks = body.split(/[\s,]+/).filter((t) => t.length > 0);
  if (toks.length === 0) return undefined;
  const out: number[] = [];
  for (const t of toks) {
    const w = t.match(/^0x([0-9a-fA-F]{16})$/);
    if (w) { // a 64-bit word, opcode in the low byte (bpf_conformance `-- raw`)
      let v = BigInt('0x' + w[1]);
      for (let i = 0; i < 8; i++) { out.push(Number(v & 0xffn)); v >>= 8n; }
      continue;
    }
    const h = t.replace(/^0x/i, '');
    if (!/^([0-9a-fA-F]{2})+$/.test(h)) return undefined;
    for (let i = 0; i < h.length; i += 2) out.push(parseInt(h.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}

const isText = (b: Buffer): boolean => b.every((c) => c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127));

export function readProgram(file: string, opts: { prog?: string; syntax?: 'kernel' | 'ubpf'; btfPath?: string }): Insn[] {
  const buf = readInput(file);
  if (buf.length >= 4 && buf[0] === 0x7f && buf.toString('latin1', 1, 4) === 'ELF') return objectProgram(file, opts.prog, opts.btfPath);
  if (opts.prog !== undefined) throw new UsageError('--prog is only for ELF object files');
  if (buf.length > 0 && isText(buf)) {
    const text = buf.toString('utf8');
    const hex = opts.syntax === undefined ? parseHexText(text) : undefined;
    if (hex) return decode(hex);
    return assembleText(text, file === '-' ? '<stdin>' : file, opts.syntax, opts.btfPath);
  }
  return decode(new Uint8Array(buf));
}

/** kfunc BTF id -> name from the host's vmlinux BTF, read on the first kfunc call only. */
function vmlinuxKfuncNamer(btfPath?: string): (i: Insn) => string | undefined {
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
  usage: 'bpfx disasm FILE [--prog NAME] [--syntax kernel|ubpf] [--symbolic | --bpftool] [--btf VMLINUX_BTF]   (raw bytes, hex text, assembly, or FILE.o --prog NAME)',
  booleanFlags: ['symbolic', 'bpftool'],
  run(args) {
    const file = args.positional[0];
    if (!file || args.positional.length > 1) throw new UsageError('expected one input file');
    const btfPath = flagString(args, 'btf');
    let insns: Insn[];
    try {
      insns = readProgram(file, { prog: flagString(args, 'prog'), syntax: syntaxFlag(args), btfPath });
    } catch (e) {
      if (e instanceof IsaError || e instanceof AsmError) {
        process.stderr.write(`bpfx disasm: ${file}: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    const lines = disassemble(insns, {
      symbolic: args.flags.symbolic === true,
      kfuncName: vmlinuxKfuncNamer(btfPath),
      immName: args.flags.bpftool === true ? bpftoolImmName : undefined,
    });
    process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
    return 0;
  },
};
