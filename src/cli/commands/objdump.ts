// bpfx objdump FILE.o [--json] [--btf VMLINUX_BTF] [--kconfig FILE]: load and link an object
// file the way libbpf does (src/loader) and list its programs (with the
// subprograms and exception callback appended to each), maps and externs.
// A libbpf-style loader error prints libbpf's message ({"error": ...} with
// --json) and exits 2 (bad input).
import { Command, UsageError, flagString } from '../command';
import { LoadResult, LinkedProgram } from '../../loader';
import { loadHostObject, hostFacts } from '../../kernel/host';
import { readInput } from '../input';
import { InputError, inFile } from '../outcome';

/** Where to link from: a kernel BTF / Kconfig file instead of the host's, and only some programs. */
export interface ObjectFileOptions { btfPath?: string; kconfigPath?: string; only?: string[] }

/** Load and link an object file against the host's kernel (for other commands, e.g. disasm of object files). */
export function loadObjectFile(file: string, opts: ObjectFileOptions = {}): LoadResult {
  const host = hostFacts({ btfPath: opts.btfPath, kconfigPath: opts.kconfigPath, probe: false });
  return inFile(file, () => loadHostObject(file, { host, only: opts.only }).loaded);
}

/** The linked program NAME of an object file (subprograms and exception callback appended). */
export function linkedProgramFromFile(file: string, name: string, btfPath?: string): LinkedProgram {
  const obj = loadObjectFile(file, { btfPath, only: [name] });
  const p = obj.programs.find((x) => x.name === name);
  if (!p) {
    const names = loadObjectFile(file, { btfPath }).programs.map((x) => x.name);
    throw new InputError('no-program', file, `no program '${name}' (programs: ${names.join(', ') || 'none'})`);
  }
  return p;
}

export interface ObjdumpJson {
  programs: { name: string; section: string; type: string; insns: number; exception_callback: string | null; subprogs: string[] }[];
  maps: { name: string; type: string }[];
  externs: { name: string; kind: string; resolved: boolean; btf_id: number }[];
}

export function objdumpJson(obj: LoadResult): ObjdumpJson {
  return {
    programs: obj.programs.map((p) => ({
      name: p.name, section: p.section, type: p.type, insns: p.insns.length,
      exception_callback: p.exceptionCallback, subprogs: p.subprogs,
    })),
    maps: obj.maps.map((m) => ({ name: m.name, type: m.typeName })),
    externs: obj.externs.map((e) => ({ name: e.name, kind: e.kind, resolved: e.resolved, btf_id: e.kernelBtfId })),
  };
}

export function objdumpText(file: string, obj: LoadResult): string {
  const out: string[] = [`${file}: license '${obj.license}'`, '', 'programs:'];
  for (const p of obj.programs) {
    out.push(`  ${p.name}  sec '${p.section}'  type ${p.type}${p.attachType ? ` (${p.attachType})` : ''}  ${p.insns.length} insns`);
    p.subprogs.forEach((s, i) => {
      const cb = s === p.exceptionCallback ? '  [exception callback]' : '';
      out.push(`    + ${s} at insn ${p.subprogOffsets[i]}${cb}`);
    });
    out.push(`    exception callback: ${p.exceptionCallback ?? 'none'}`);
    if (p.mapRelocs.length) out.push(`    map references: ${p.mapRelocs.map((r) => `insn ${r.insn} -> ${obj.maps[r.map].name}`).join(', ')}`);
  }
  out.push('', `subprograms (.text): ${obj.textSubprogs.join(', ') || 'none'}`, '', 'maps:');
  for (const m of obj.maps) {
    out.push(`  ${m.name}  ${m.typeName}  key ${m.keySize}  value ${m.valueSize}  max_entries ${m.maxEntries}${m.flags ? `  flags 0x${m.flags.toString(16)}` : ''}`);
  }
  if (!obj.maps.length) out.push('  none');
  out.push('', 'externs:');
  for (const e of obj.externs) {
    const how = !e.resolved ? 'unresolved' : e.kind === 'kconfig' ? 'set' : e.kernelBtfId ? `vmlinux btf id ${e.kernelBtfId}` : 'resolved';
    out.push(`  ${e.name}  ${e.kind}${e.weak ? ' (weak)' : ''}  ${how}`);
  }
  if (!obj.externs.length) out.push('  none');
  for (const w of obj.warnings) out.push(`libbpf: ${w}`);
  return out.join('\n');
}

export const command: Command = {
  name: 'objdump',
  summary: 'list programs, subprograms, maps, externs and exception callbacks of a BPF object',
  usage: 'bpfx objdump FILE.o [options]',
  options: [
    { name: 'btf', type: 'string', value: 'VMLINUX_BTF', description: 'kernel BTF to link against (default: this machine\'s, else fixtures/vmlinux)' },
    { name: 'kconfig', type: 'string', value: 'KCONFIG', description: 'kernel config for __kconfig externs (default: this machine\'s)' },
  ],
  examples: ['bpfx objdump fixtures/obj/exc_subprog_throw.bpf.o', 'bpfx objdump prog.bpf.o --json'],
  exits: { 0: 'listed', 1: '(not used)', 2: 'not a BPF object, or libbpf would refuse it (its message)', 3: '(not used)' },
  run(args, ctx) {
    const file = args.positional[0];
    if (!file || args.positional.length > 1) throw new UsageError('expected one object file');
    const input = readInput(file);
    if (input.kind !== 'elf') throw new InputError('input', file, `is not an ELF object file (it reads as ${input.kind})`);
    const obj = loadObjectFile(file, { btfPath: flagString(args, 'btf'), kconfigPath: flagString(args, 'kconfig') });
    if (ctx.json) ctx.emit(objdumpJson(obj));
    else process.stdout.write(objdumpText(file, obj) + '\n');
    return 'ok';
  },
};
