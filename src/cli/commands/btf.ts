// bpfx btf dump FILE [--base FILE] [--ext] [--c]: print the BTF of an object
// file's .BTF section, or of a raw BTF blob (e.g. /sys/kernel/btf/vmlinux, .gz
// accepted), in `bpftool btf dump` raw format; --c prints C declarations of
// FUNCs instead; --ext prints the .BTF.ext func_info / line_info / CO-RE records.
// bpfx btf find FILE NAME [--kind KIND]: ids and types named NAME.
// Split BTF (module BTF under /sys/kernel/btf/) needs --base (vmlinux).
import * as fs from 'fs';
import * as zlib from 'zlib';
import { Command, UsageError, flagString } from '../command';
import {
  Btf, parseBtf, parseBtfExt, dumpBtfRaw, formatTypeRaw, findAllByName, funcToC, typeCount, kindOf, typeToC, KIND_NAMES, BtfKind,
} from '../../btf';
import { parseElf, sectionByName } from '../../elf';

function readBytes(path: string): Uint8Array {
  let b = new Uint8Array(fs.readFileSync(path));
  if (b[0] === 0x1f && b[1] === 0x8b) b = new Uint8Array(zlib.gunzipSync(b));
  return b;
}

function load(file: string, basePath: string | undefined): { btf: Btf; ext?: Uint8Array } {
  const bytes = readBytes(file);
  const base = basePath ? parseBtf(readBytes(basePath)) : undefined;
  if (bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46) {
    const elf = parseElf(bytes);
    const s = sectionByName(elf, '.BTF');
    if (!s) throw new UsageError(`${file} has no .BTF section`);
    return { btf: parseBtf(s.data, base), ext: sectionByName(elf, '.BTF.ext')?.data };
  }
  return { btf: parseBtf(bytes, base) };
}

export const command: Command = {
  name: 'btf',
  summary: 'dump or search BTF (object .BTF/.BTF.ext, or raw BTF like /sys/kernel/btf/vmlinux)',
  usage: 'bpfx btf dump FILE [--base FILE] [--ext] [--c]\n       bpfx btf find FILE NAME [--kind KIND] [--base FILE]',
  booleanFlags: ['ext', 'c'],
  run(args) {
    const [sub, file, name] = args.positional;
    if (!file || (sub !== 'dump' && sub !== 'find')) throw new UsageError('expected: dump FILE | find FILE NAME');
    const { btf, ext } = load(file, flagString(args, 'base'));
    const out: string[] = [];
    if (sub === 'find') {
      if (!name) throw new UsageError('find needs a NAME');
      const kind = flagString(args, 'kind');
      if (kind !== undefined && !KIND_NAMES.includes(kind as BtfKind)) throw new UsageError(`unknown kind '${kind}' (one of ${KIND_NAMES.join(', ')})`);
      const ids = findAllByName(btf, name, kind as BtfKind | undefined);
      for (const id of ids) out.push(formatTypeRaw(btf, id), `\t/* ${kindOf(btf, id) === 'func' ? funcToC(btf, id) : typeToC(btf, id)} */`);
      process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
      return ids.length ? 0 : 1;
    }
    if (args.flags.ext) {
      if (!ext) throw new UsageError(`${file} has no .BTF.ext section`);
      const e = parseBtfExt(ext, btf);
      for (const s of e.funcInfo.sections) for (const r of s.records) out.push(`func_info ${s.secName} insn_off=${r.insnOff / 8} type_id=${r.typeId} ${funcToC(btf, r.typeId)}`);
      for (const s of e.lineInfo.sections) for (const r of s.records) out.push(`line_info ${s.secName} insn_off=${r.insnOff / 8} ${r.fileName}:${r.lineNum}:${r.column} ${r.line.trim()}`);
      for (const s of e.coreRelos.sections) for (const r of s.records) out.push(`core_relo ${s.secName} insn_off=${r.insnOff / 8} type_id=${r.typeId} access=${r.accessStr} kind=${r.kindName}`);
      process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
      return 0;
    }
    if (args.flags.c) {
      for (let id = btf.firstId; id < typeCount(btf); id++) if (kindOf(btf, id) === 'func') out.push(`${funcToC(btf, id)};`);
      process.stdout.write(out.join('\n') + (out.length ? '\n' : ''));
      return 0;
    }
    process.stdout.write(dumpBtfRaw(btf));
    return 0;
  },
};
