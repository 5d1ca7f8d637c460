// ELF -> programs, data sections, relocations (libbpf bpf_object__elf_collect,
// ignore_elf_section, bpf_object__add_programs, bpf_object__init_prog,
// cmp_progs, bpf_object__collect_prog_relos, bpf_program__record_reloc,
// find_prog_by_sec_insn, sym_is_extern, sym_is_subprog).
import { decodeRaw } from '../isa/codec';
import { OP_CALL, OP_LD_IMM64, BPF_PSEUDO_CALL } from '../isa/opcodes';
import {
  ElfFile, ElfSection, ElfSymbol, SHF_EXECINSTR, SHN_LORESERVE, SHN_UNDEF, SHT_LLVM_ADDRSIG, SHT_NOBITS,
  SHT_PROGBITS, SHT_REL, SHT_STRTAB, SHT_SYMTAB, STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FUNC, STT_NOTYPE, STT_SECTION,
  STV_HIDDEN, STV_INTERNAL,
} from '../elf/types';
import { MAP_TYPE } from '../isa/uapi';
import { ENOENT, ENOTSUP, EINVAL, ESRCH, LIBBPF_ERRNO__FORMAT, LIBBPF_ERRNO__RELOC, LoaderError } from './errors';
import { Btf, typeById, skipModsAndTypedefs } from '../btf';
import { MapDef } from './model';
import { Prog, Relo } from './prog';
import { DataSecType } from './maps';

export interface Collected {
  progs: Prog[];
  textShndx: number;
  mapsShndx: number;
  license: string;
  kernVersion: number;
  btfSec?: ElfSection;
  btfExtSec?: ElfSection;
  dataSecs: { sec: ElfSection; type: DataSecType }[];
  relSecs: ElfSection[];
}

function ignoreSection(s: ElfSection): boolean {
  if (s.type === SHT_STRTAB || s.type === SHT_LLVM_ADDRSIG) return true;
  if (s.type === SHT_PROGBITS && s.size === 0 && s.name === '.text') return true;
  if (s.name.startsWith('.debug_')) return true;
  if (s.name.startsWith('.rel')) {
    const n = s.name.slice(4);
    if (n.startsWith('.debug_') || n === '.BTF' || n === '.BTF.ext') return true;
  }
  return false;
}

const isExec = (s: ElfSection | undefined): boolean => !!s && s.type === SHT_PROGBITS && (s.flags & BigInt(SHF_EXECINSTR)) !== 0n;

export function symIsExtern(sym: ElfSymbol): boolean {
  return sym.shndx === SHN_UNDEF && (sym.bind === STB_GLOBAL || sym.bind === STB_WEAK) && sym.type === STT_NOTYPE;
}

function symIsSubprog(sym: ElfSymbol, textShndx: number): boolean {
  if (sym.shndx !== textShndx) return false;
  if (sym.bind === STB_LOCAL && sym.type === STT_SECTION) return true; // static function
  return (sym.bind === STB_GLOBAL || sym.bind === STB_WEAK) && sym.type === STT_FUNC;
}

function addPrograms(elf: ElfFile, sec: ElfSection, textShndx: number, progs: Prog[]): void {
  for (const sym of elf.symbols) {
    if (sym.shndx !== sec.index || sym.type !== STT_FUNC) continue;
    const off = sym.value, size = sym.size;
    if (off + size > sec.size) {
      throw new LoaderError('prog', LIBBPF_ERRNO__FORMAT, `sec '${sec.name}': program at offset ${off} crosses section boundary`,
        { section: sec.name, byteOffset: sec.offset + off });
    }
    if (sec.index !== textShndx && sym.bind === STB_LOCAL) {
      throw new LoaderError('prog', ENOTSUP, `sec '${sec.name}': program '${sym.name}' is static and not supported`, { section: sec.name });
    }
    const secName = sec.name.startsWith('?') ? sec.name.slice(1) : sec.name;
    if (size === 0 || size % 8 !== 0 || off % 8 !== 0) {
      throw new LoaderError('prog', EINVAL, `sec '${secName}': corrupted program '${sym.name}', offset ${off}, size ${size}`,
        { section: sec.name, byteOffset: sec.offset + off });
    }
    const symGlobal = sym.bind !== STB_LOCAL;
    progs.push({
      name: sym.name, secName, secIdx: sec.index, secInsnOff: off / 8, secInsnCnt: size / 8,
      insns: decodeRaw(sec.data.subarray(off, off + size)), symGlobal,
      markBtfStatic: symGlobal && (sym.visibility === STV_HIDDEN || sym.visibility === STV_INTERNAL),
      autoload: !sec.name.startsWith('?'), isSub: sec.index === textShndx, relos: [],
    });
  }
}

export function collectElf(elf: ElfFile): Collected {
  if (!elf.symtabIndex) throw new LoaderError('format', ENOENT, 'elf: couldn\'t find symbol table in object, stripped object file?');
  const c: Collected = { progs: [], textShndx: 0, mapsShndx: 0, license: '', kernVersion: 0, dataSecs: [], relSecs: [] };
  const textSec = elf.sections.find((s) => s.name === '.text' && isExec(s) && s.size > 0);
  const textShndx = textSec ? textSec.index : 0;
  for (const s of elf.sections) {
    if (s.index === 0 || ignoreSection(s)) continue;
    if (s.name === 'license') {
      const end = s.data.indexOf(0);
      c.license = String.fromCharCode(...s.data.subarray(0, end < 0 ? s.data.length : end));
    } else if (s.name === 'version') {
      if (s.data.length !== 4) throw new LoaderError('format', EINVAL, 'invalid kver section in object', { section: s.name, byteOffset: s.offset });
      c.kernVersion = new DataView(s.data.buffer, s.data.byteOffset, 4).getUint32(0, true);
    } else if (s.name === 'maps') {
      throw new LoaderError('format', ENOTSUP, 'elf: legacy map definitions in \'maps\' section are not supported by libbpf v1.0+', { section: s.name });
    } else if (s.name === '.maps') {
      c.mapsShndx = s.index;
    } else if (s.name === '.BTF' || s.name === '.BTF.ext') {
      if (s.type !== SHT_PROGBITS) throw new LoaderError('format', LIBBPF_ERRNO__FORMAT, `elf: ${s.name} is not SHT_PROGBITS`, { section: s.name, byteOffset: s.offset });
      if (s.name === '.BTF') c.btfSec = s; else c.btfExtSec = s;
    } else if (s.type === SHT_SYMTAB) {
      // read by the ELF reader
    } else if (s.type === SHT_PROGBITS && s.size > 0) {
      if (isExec(s)) {
        if (s.name === '.text') c.textShndx = s.index;
        addPrograms(elf, s, textShndx, c.progs);
      } else if (s.name === '.data' || s.name.startsWith('.data.')) c.dataSecs.push({ sec: s, type: 'data' });
      else if (s.name === '.rodata' || s.name.startsWith('.rodata.')) c.dataSecs.push({ sec: s, type: 'rodata' });
      else if (s.name === '.struct_ops' || s.name === '.struct_ops.link' || s.name === '.addr_space.1' || s.name === '.jumptables') {
        throw new LoaderError('unsupported', ENOTSUP, `elf: section ${s.name} is not supported by bpfx`, { section: s.name });
      }
    } else if (s.type === SHT_REL) {
      const targ = elf.sections[s.info];
      if (isExec(targ)) c.relSecs.push(s);
      else if (s.name === '.rel.maps') c.relSecs.push(s);
    } else if (s.type === SHT_NOBITS && (s.name === '.bss' || s.name.startsWith('.bss.'))) {
      c.dataSecs.push({ sec: s, type: 'bss' });
    }
  }
  c.progs.sort((a, b) => (a.secIdx - b.secIdx) || (a.secInsnOff - b.secInsnOff));
  return c;
}

function findProgBySecInsn(progs: Prog[], secIdx: number, insnIdx: number): Prog | undefined {
  for (const p of progs) if (p.secIdx === secIdx && insnIdx >= p.secInsnOff && insnIdx < p.secInsnOff + p.secInsnCnt) return p;
  return undefined;
}

export interface RelocContext {
  elf: ElfFile;
  c: Collected;
  maps: MapDef[];
  /** Symbol index -> extern index. */
  externBySym: Map<number, number>;
}

function recordReloc(ctx: RelocContext, prog: Prog, insnIdx: number, symName: string, sym: ElfSymbol): Relo {
  const insn = prog.insns[insnIdx];
  const { c, elf } = ctx;
  const isCall = insn.code === OP_CALL, isLd = insn.code === OP_LD_IMM64;
  const err = (msg: string): never => { throw new LoaderError('reloc', LIBBPF_ERRNO__RELOC, msg, { prog: prog.name }); };
  if (!isCall && !isLd) err(`prog '${prog.name}': invalid relo against '${symName}' for insns[${insnIdx}].code 0x${insn.code.toString(16)}`);
  if (isLd && insnIdx + 1 >= prog.insns.length) err(`prog '${prog.name}': invalid relo against '${symName}' for insns[${insnIdx}].code 0x${insn.code.toString(16)}`);
  if (symIsExtern(sym)) {
    const ext = ctx.externBySym.get(sym.index);
    if (ext === undefined) err(`prog '${prog.name}': extern relo failed to find extern for '${symName}' (${sym.index})`);
    return isCall ? { type: 'extern_call', insnIdx, extIdx: ext! } : { type: 'extern_ld64', insnIdx, extIdx: ext! };
  }
  const secName = (i: number): string => elf.sections[i]?.name ?? '<?>';
  if (isCall) {
    if (insn.src !== BPF_PSEUDO_CALL) err(`prog '${prog.name}': incorrect bpf_call opcode`);
    if (!sym.shndx || sym.shndx !== c.textShndx) err(`prog '${prog.name}': bad call relo against '${symName}' in section '${secName(sym.shndx)}'`);
    if (sym.value % 8) err(`prog '${prog.name}': bad call relo against '${symName}' at offset ${sym.value}`);
    return { type: 'call', insnIdx, symOff: sym.value };
  }
  if (!sym.shndx || sym.shndx >= SHN_LORESERVE) {
    err(`prog '${prog.name}': invalid relo against '${symName}' in special section 0x${sym.shndx.toString(16)}; forgot to initialize global var?..`);
  }
  if (symIsSubprog(sym, c.textShndx)) {
    if (sym.value % 8 || insn.imm % 8) err(`prog '${prog.name}': bad subprog addr relo against '${symName}' at offset ${sym.value}+${insn.imm}`);
    return { type: 'subprog_addr', insnIdx, symOff: sym.value };
  }
  const ds = c.dataSecs.find((d) => d.sec.index === sym.shndx);
  if (!ds) {
    if (sym.shndx !== c.mapsShndx) err(`prog '${prog.name}': bad map relo against '${symName}' in section '${secName(sym.shndx)}'`);
    const m = ctx.maps.find((mm) => mm.libbpfType === 'user' && mm.secIdx === sym.shndx && mm.secOffset === sym.value);
    if (!m) err(`prog '${prog.name}': map relo failed to find map for section '${secName(sym.shndx)}', off ${sym.value}`);
    return { type: 'ld64', insnIdx, mapIdx: m!.index };
  }
  const m = ctx.maps.find((mm) => mm.libbpfType === ds.type && mm.secIdx === sym.shndx);
  if (!m) err(`prog '${prog.name}': data relo failed to find map for section '${secName(sym.shndx)}'`);
  return { type: 'data', insnIdx, mapIdx: m!.index, symOff: sym.value };
}

/** bpf_object__collect_map_relos: .rel.maps entries fill prog-array 'values' slots. */
export function collectMapRelos(ctx: RelocContext, btf: Btf | undefined): void {
  const { elf, c } = ctx;
  for (const rs of c.relSecs) {
    if (rs.info !== c.mapsShndx || !c.mapsShndx) continue;
    if (!btf) throw new LoaderError('map', EINVAL, `.maps relo: no BTF`);
    const rels = elf.rels.find((r) => r.section.index === rs.index)!;
    rels.relocations.forEach((rel, i) => {
      const sym = elf.symbols[rel.sym];
      const name = sym.name || '<?>';
      const map = ctx.maps.find((m) => m.libbpfType === 'user' && m.secOffset <= rel.offset && rel.offset + 8 <= m.secOffset + m.defSize);
      if (!map) throw new LoaderError('map', EINVAL, `.maps relo #${i}: cannot find map '${name}' at rel->r_offset ${rel.offset}`);
      const isMapInMap = map.type === MAP_TYPE.array_of_maps || map.type === MAP_TYPE.hash_of_maps;
      let slot: { prog?: string; map?: string };
      if (isMapInMap) {
        if (sym.shndx !== c.mapsShndx) throw new LoaderError('reloc', LIBBPF_ERRNO__RELOC, `.maps relo #${i}: '${name}' isn't a BTF-defined map`);
        if (map.type === MAP_TYPE.hash_of_maps && map.keySize !== 4) throw new LoaderError('map', EINVAL, `.maps relo #${i}: hash-of-maps '${map.name}' should have key size 4.`);
        if (!ctx.maps.some((m) => m.name === name)) throw new LoaderError('map', ESRCH, `.maps relo #${i}: '${name}' isn't a valid map reference`);
        slot = { map: name };
      } else if (map.type === MAP_TYPE.prog_array) {
        const targ = c.progs.find((p) => !p.isSub && p.name === name);
        if (!targ) throw new LoaderError('map', ESRCH, `.maps relo #${i}: '${name}' isn't a valid program reference`);
        if (targ.secIdx !== sym.shndx || targ.secInsnOff * 8 !== sym.value) {
          throw new LoaderError('reloc', LIBBPF_ERRNO__RELOC, `.maps relo #${i}: '${name}' isn't an entry-point program`);
        }
        slot = { prog: name };
      } else {
        throw new LoaderError('map', EINVAL, `.maps relo #${i}: map '${map.name}' is neither a prog array nor map-in-map`);
      }
      const def = typeById(btf, skipModsAndTypedefs(btf, map.btfDefId));
      const members = def.kind === 'struct' ? def.members : [];
      const last = members[members.length - 1];
      if (!last || last.name !== 'values') throw new LoaderError('map', EINVAL, `.maps relo #${i}: map '${map.name}' has no 'values'`);
      const moff = Math.floor(last.bitOffset / 8);
      const off = rel.offset - map.secOffset - moff;
      if (off < 0 || off % 8) throw new LoaderError('map', EINVAL, `.maps relo #${i}: bad 'values' offset ${rel.offset}`);
      map.initSlots.push({ slot: off / 8, ...slot });
    });
  }
}

/** bpf_object__collect_relos for program sections; relos end up sorted by insn. */
export function collectProgRelos(ctx: RelocContext): void {
  const { elf, c } = ctx;
  for (const rs of c.relSecs) {
    const target = elf.sections[rs.info];
    if (!isExec(target)) continue; // .rel.maps: prog-array initial values, not needed to link
    const rels = elf.rels.find((r) => r.section.index === rs.index)!;
    rels.relocations.forEach((rel, i) => {
      const sym = elf.symbols[rel.sym];
      if (rel.offset % 8 || rel.offset >= target.size) {
        throw new LoaderError('format', LIBBPF_ERRNO__FORMAT, `sec '${rs.name}': invalid offset 0x${rel.offset.toString(16)} for relo #${i}`,
          { section: rs.name, byteOffset: rs.offset + i * 16 });
      }
      const insnIdx = rel.offset / 8;
      const symName = sym.type === STT_SECTION && sym.name === '' ? (elf.sections[sym.shndx]?.name ?? '<?') : sym.name;
      const prog = findProgBySecInsn(c.progs, target.index, insnIdx);
      if (!prog) return; // overridden weak function
      prog.relos.push(recordReloc(ctx, prog, insnIdx - prog.secInsnOff, symName, sym));
    });
  }
  for (const p of c.progs) p.relos.sort((a, b) => a.insnIdx - b.insnIdx);
}
