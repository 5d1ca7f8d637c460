// bpfx btf dump FILE [--base FILE] [--ext] [--c] [--format raw|c]: print the BTF
// of an object file's .BTF section, or of a raw BTF blob (e.g.
// /sys/kernel/btf/vmlinux, .gz accepted), in `bpftool btf dump` raw format;
// --format c prints the C header `bpftool btf dump file F format c` prints (every
// type); --c prints C declarations of the FUNCs only; --ext prints the .BTF.ext
// func_info / line_info / CO-RE records.
// bpfx btf find FILE NAME [--kind KIND]: ids and types named NAME.
// Split BTF (module BTF under /sys/kernel/btf/) needs --base (vmlinux).
import * as zlib from 'zlib';
import { Command, UsageError, flagString } from '../command';
import {
  Btf, parseBtf, parseBtfExt, dumpBtfRaw, dumpBtfC, formatTypeRaw, findAllByName, funcToC, typeCount, kindOf, typeToC, KIND_NAMES, BtfKind,
} from '../../btf';
import { parseElf, sectionByName } from '../../elf';
import { readInputBytes, isElf } from '../input';
import { InputError, inFile } from '../outcome';

function readBytes(path: string): Uint8Array {
  let b = readInputBytes(path);
  if (b[0] === 0x1f && b[1] === 0x8b) b = inFile(path, () => new Uint8Array(zlib.gunzipSync(b)));
  return b;
}

function load(file: string, basePath: string | undefined): { btf: Btf; ext?: Uint8Array } {
  const bytes = readBytes(file);
  const base = basePath ? inFile(basePath, () => parseBtf(readBytes(basePath))) : undefined;
  return inFile(file, () => {
    if (isElf(bytes)) {
      const elf = parseElf(bytes);
      const s = sectionByName(elf, '.BTF');
      if (!s) throw new InputError('btf', file, 'has no .BTF section');
      return { btf: parseBtf(s.data, base), ext: sectionByName(elf, '.BTF.ext')?.data };
    }
    return { btf: parseBtf(bytes, base) };
  });
}

export const command: Command = {
  name: 'btf',
  summary: 'dump or search BTF (object .BTF/.BTF.ext, or raw BTF like /sys/kernel/btf/vmlinux)',
  usage: 'bpfx btf dump FILE [options]\nbpfx btf find FILE NAME [--kind KIND] [--base FILE]',
  options: [
    { name: 'base', type: 'string', value: 'FILE', description: 'base BTF of split BTF (module BTF needs vmlinux)' },
    { name: 'ext', type: 'boolean', description: 'dump: the .BTF.ext func_info, line_info and CO-RE records' },
    { name: 'c', type: 'boolean', description: 'dump: C declarations of the FUNCs' },
    { name: 'format', type: 'string', choices: ['raw', 'c'], default: 'raw', description: 'dump: raw (bpftool\'s default) or c, the header `bpftool btf dump file F format c` prints' },
    { name: 'kind', type: 'string', choices: KIND_NAMES, description: 'find: only types of this kind' },
  ],
  examples: ['bpfx btf dump /sys/kernel/btf/vmlinux', 'bpfx btf dump /sys/kernel/btf/vmlinux --format c > vmlinux.h', 'bpfx btf dump obj.o --ext', 'bpfx btf find /sys/kernel/btf/vmlinux bpf_throw --kind func'],
  exits: { 0: 'dumped, or found', 1: 'find: no type of that name', 3: '(not used)' },
  run(args, ctx) {
    const [sub, file, name] = args.positional;
    if (!file || (sub !== 'dump' && sub !== 'find')) throw new UsageError('expected: dump FILE | find FILE NAME');
    if (sub === 'find' && !name) throw new UsageError('find needs a NAME');
    if (args.positional.length > (sub === 'find' ? 3 : 2)) throw new UsageError(`unexpected argument '${args.positional[sub === 'find' ? 3 : 2]}'`);
    const { btf, ext } = load(file, flagString(args, 'base'));
    const out: string[] = [];
    const print = (lines: string[]): void => {
      if (ctx.json) ctx.emit({ file, lines });
      else process.stdout.write(lines.join('\n') + (lines.length ? '\n' : ''));
    };
    if (sub === 'find') {
      const kind = flagString(args, 'kind');
      const ids = findAllByName(btf, name, kind as BtfKind | undefined);
      for (const id of ids) out.push(formatTypeRaw(btf, id), `\t/* ${kindOf(btf, id) === 'func' ? funcToC(btf, id) : typeToC(btf, id)} */`);
      print(out);
      return ids.length ? 'ok' : 'reject';
    }
    if (args.flags.ext) {
      if (!ext) throw new InputError('btf', file, 'has no .BTF.ext section');
      const e = inFile(file, () => parseBtfExt(ext, btf));
      for (const s of e.funcInfo.sections) for (const r of s.records) out.push(`func_info ${s.secName} insn_off=${r.insnOff / 8} type_id=${r.typeId} ${funcToC(btf, r.typeId)}`);
      for (const s of e.lineInfo.sections) for (const r of s.records) out.push(`line_info ${s.secName} insn_off=${r.insnOff / 8} ${r.fileName}:${r.lineNum}:${r.column} ${r.line.trim()}`);
      for (const s of e.coreRelos.sections) for (const r of s.records) out.push(`core_relo ${s.secName} insn_off=${r.insnOff / 8} type_id=${r.typeId} access=${r.accessStr} kind=${r.kindName}`);
      print(out);
      return 'ok';
    }
    if (args.flags.c) {
      for (let id = btf.firstId; id < typeCount(btf); id++) if (kindOf(btf, id) === 'func') out.push(`${funcToC(btf, id)};`);
      print(out);
      return 'ok';
    }
    const text = flagString(args, 'format') === 'c' ? dumpBtfC(btf) : dumpBtfRaw(btf);
    if (ctx.json) ctx.emit({ file, lines: text.split('\n').filter((l, i, a) => l !== '' || i < a.length - 1) });
    else process.stdout.write(text);
    return 'ok';
  },
};
