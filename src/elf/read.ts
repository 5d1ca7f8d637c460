// Strict ELF64 little-endian reader for BPF relocatable objects: the parts of
// libelf that libbpf relies on (elf_getshdrnum/elf_getshdrstrndx, section
// data, Elf64_Sym and Elf64_Rel tables) plus libbpf's own checks in
// bpf_object__elf_init (EM_BPF, ET_REL) and bpf_object__elf_collect (one
// symbol table, rel entsize, sh_info in range). Every bound is checked; a
// malformed or truncated file is an ElfError naming the section and offset.
import { ElfError, ElfErrorKind } from './errors';
import {
  EHDR_SIZE, EM_BPF, ET_REL, ElfFile, ElfRelSection, ElfRelocation, ElfSection, ElfSymbol, REL_SIZE,
  SHDR_SIZE, SHN_LORESERVE, SHN_XINDEX, SHT_NOBITS, SHT_REL, SHT_STRTAB, SHT_SYMTAB, SYM_SIZE,
} from './types';

const fail = (kind: ElfErrorKind, section: string, off: number, detail: string): never => {
  throw new ElfError(kind, section, off, detail);
};

/** A u64 field as a safe JS number, or an error naming the field. */
function u64(dv: DataView, off: number, section: string, field: string): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('bad-section', section, off, `${field} 0x${v.toString(16)} is too large`);
  return Number(v);
}

/** NUL-terminated string at `off` of a string table section. */
export function stringFromTable(strtab: ElfSection, off: number, what: string): string {
  if (off >= strtab.data.length) {
    fail('bad-string', strtab.name || `section ${strtab.index}`, strtab.offset + Math.min(off, strtab.data.length),
      `${what} name offset ${off} is outside the string table (${strtab.data.length} bytes)`);
  }
  const end = strtab.data.indexOf(0, off);
  if (end < 0) fail('bad-string', strtab.name || `section ${strtab.index}`, strtab.offset + off, `${what} name at offset ${off} is not NUL-terminated`);
  let s = '';
  for (let i = off; i < end; i++) s += String.fromCharCode(strtab.data[i]);
  return s;
}

export function parseElf(bytes: Uint8Array): ElfFile {
  const H = '<header>';
  if (bytes.length < EHDR_SIZE) fail('truncated', H, 0, `${bytes.length} bytes is shorter than the 64-byte ELF64 header`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) fail('bad-magic', H, 0, 'not an ELF file (bad magic)');
  if (bytes[4] !== 2) fail('bad-class', H, 4, `ELF class ${bytes[4]} is not ELFCLASS64`);
  if (bytes[5] !== 1) fail('bad-endian', H, 5, `ELF data encoding ${bytes[5]} is not little-endian (ELFDATA2LSB)`);
  if (bytes[6] !== 1) fail('bad-version', H, 6, `EI_VERSION ${bytes[6]} is not EV_CURRENT`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eType = dv.getUint16(16, true), eMachine = dv.getUint16(18, true), eVersion = dv.getUint32(20, true);
  if (eType !== ET_REL) fail('bad-type', H, 16, `e_type ${eType} is not ET_REL (a relocatable object)`);
  if (eMachine !== EM_BPF) fail('bad-machine', H, 18, `e_machine ${eMachine} is not EM_BPF (247)`);
  if (eVersion !== 1) fail('bad-version', H, 20, `e_version ${eVersion} is not EV_CURRENT`);
  const shoff = u64(dv, 40, H, 'e_shoff');
  const ehsize = dv.getUint16(52, true), shentsize = dv.getUint16(58, true);
  let shnum = dv.getUint16(60, true), shstrndx = dv.getUint16(62, true);
  if (ehsize !== EHDR_SIZE) fail('bad-header', H, 52, `e_ehsize ${ehsize} is not ${EHDR_SIZE}`);
  if (shoff === 0) fail('bad-header', H, 40, 'no section header table (e_shoff is 0)');
  if (shentsize !== SHDR_SIZE) fail('bad-header', H, 58, `e_shentsize ${shentsize} is not ${SHDR_SIZE}`);
  if (shoff % 8 !== 0) fail('bad-header', H, 40, `e_shoff ${shoff} is not 8-byte aligned`);
  const SH = '<section headers>';
  if (shoff + SHDR_SIZE > bytes.length) fail('truncated', SH, shoff, `section header table at ${shoff} is past the end of the file (${bytes.length} bytes)`);
  // Extended numbering: e_shnum 0 / e_shstrndx SHN_XINDEX live in section 0.
  if (shnum === 0) shnum = u64(dv, shoff + 32, SH, 'sh_size of section 0 (extended e_shnum)');
  if (shstrndx === SHN_XINDEX) shstrndx = dv.getUint32(shoff + 40, true);
  if (shnum === 0) fail('bad-header', H, 60, 'no sections');
  if (shoff + shnum * SHDR_SIZE > bytes.length) {
    fail('truncated', SH, shoff, `${shnum} section headers at ${shoff} run past the end of the file (${bytes.length} bytes)`);
  }
  if (shstrndx === 0 || shstrndx >= shnum) fail('bad-header', H, 62, `e_shstrndx ${shstrndx} is not a section (${shnum} sections)`);

  // Pass 1: raw headers and data views.
  const sections: ElfSection[] = new Array(shnum);
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * SHDR_SIZE;
    const where = `section ${i}`;
    const type = dv.getUint32(o + 4, true);
    const offset = u64(dv, o + 24, where, 'sh_offset');
    const size = u64(dv, o + 32, where, 'sh_size');
    let data: Uint8Array = new Uint8Array(0);
    if (i !== 0 && type !== SHT_NOBITS && type !== 0) {
      if (offset > bytes.length || size > bytes.length - offset) {
        fail('truncated', where, o + 24, `data [${offset}, +${size}) is past the end of the file (${bytes.length} bytes)`);
      }
      data = bytes.subarray(offset, offset + size);
    }
    sections[i] = {
      index: i, name: '', type, flags: dv.getBigUint64(o + 8, true), offset, size,
      link: dv.getUint32(o + 40, true), info: dv.getUint32(o + 44, true),
      addralign: u64(dv, o + 48, where, 'sh_addralign'), entsize: u64(dv, o + 56, where, 'sh_entsize'), data,
    };
  }
  // Pass 2: names from the section header string table.
  const shstr = sections[shstrndx];
  if (shstr.type !== SHT_STRTAB) fail('bad-section', `section ${shstrndx}`, shoff + shstrndx * SHDR_SIZE + 4, `section name table (e_shstrndx ${shstrndx}) is not SHT_STRTAB`);
  for (let i = 1; i < shnum; i++) {
    sections[i].name = stringFromTable(shstr, dv.getUint32(shoff + i * SHDR_SIZE, true), `section ${i}`);
  }

  // Symbol table (libbpf: exactly one SHT_SYMTAB; its sh_link is the string table).
  let symtabIndex = 0;
  for (const s of sections) {
    if (s.type !== SHT_SYMTAB) continue;
    if (symtabIndex) fail('bad-symbol', s.name, s.offset, `multiple symbol tables (${sections[symtabIndex].name} and ${s.name})`);
    symtabIndex = s.index;
  }
  const symbols: ElfSymbol[] = [];
  if (symtabIndex) {
    const st = sections[symtabIndex];
    if (st.entsize !== SYM_SIZE) fail('bad-symbol', st.name, st.offset, `symbol table sh_entsize ${st.entsize} is not ${SYM_SIZE}`);
    if (st.data.length % SYM_SIZE !== 0) fail('bad-symbol', st.name, st.offset, `symbol table size ${st.data.length} is not a multiple of ${SYM_SIZE}`);
    if (st.link === 0 || st.link >= shnum || sections[st.link].type !== SHT_STRTAB) {
      fail('bad-symbol', st.name, shoff + symtabIndex * SHDR_SIZE + 40, `symbol table sh_link ${st.link} is not a string table`);
    }
    const strtab = sections[st.link];
    const sdv = new DataView(st.data.buffer, st.data.byteOffset, st.data.byteLength);
    const n = st.data.length / SYM_SIZE;
    for (let i = 0; i < n; i++) {
      const o = i * SYM_SIZE;
      const info = st.data[o + 4], other = st.data[o + 5];
      const shndx = sdv.getUint16(o + 6, true);
      if (shndx !== 0 && shndx < SHN_LORESERVE && shndx >= shnum) {
        fail('bad-symbol', st.name, st.offset + o + 6, `symbol #${i} points to section ${shndx} of ${shnum}`);
      }
      const value = sdv.getBigUint64(o + 8, true), size = sdv.getBigUint64(o + 16, true);
      if (value > BigInt(Number.MAX_SAFE_INTEGER) || size > BigInt(Number.MAX_SAFE_INTEGER)) {
        fail('bad-symbol', st.name, st.offset + o + 8, `symbol #${i} value/size is too large`);
      }
      symbols.push({
        index: i, name: stringFromTable(strtab, sdv.getUint32(o, true), `symbol #${i}`),
        bind: info >> 4, type: info & 0xf, visibility: other & 3, shndx,
        value: Number(value), size: Number(size),
      });
    }
  }

  // Relocation tables (SHT_REL, as libbpf; BPF objects carry no SHT_RELA).
  const rels: ElfRelSection[] = [];
  for (const s of sections) {
    if (s.type !== SHT_REL) continue;
    const hdr = shoff + s.index * SHDR_SIZE;
    if (s.entsize !== REL_SIZE) fail('bad-relocation', s.name, hdr + 56, `sh_entsize ${s.entsize} is not ${REL_SIZE}`);
    if (s.data.length % REL_SIZE !== 0) fail('bad-relocation', s.name, s.offset, `size ${s.data.length} is not a multiple of ${REL_SIZE}`);
    if (s.info === 0 || s.info >= shnum) fail('bad-relocation', s.name, hdr + 44, `sh_info ${s.info} is not a section (${shnum} sections)`);
    if (s.link !== symtabIndex) fail('bad-relocation', s.name, hdr + 40, `sh_link ${s.link} is not the symbol table (${symtabIndex})`);
    const rdv = new DataView(s.data.buffer, s.data.byteOffset, s.data.byteLength);
    const relocations: ElfRelocation[] = [];
    for (let o = 0; o < s.data.length; o += REL_SIZE) {
      const off = rdv.getBigUint64(o, true);
      const sym = rdv.getUint32(o + 12, true), type = rdv.getUint32(o + 8, true);
      if (off > BigInt(Number.MAX_SAFE_INTEGER)) fail('bad-relocation', s.name, s.offset + o, `relocation #${o / REL_SIZE} offset is too large`);
      if (sym >= symbols.length) fail('bad-relocation', s.name, s.offset + o + 12, `relocation #${o / REL_SIZE} names symbol #${sym} of ${symbols.length}`);
      relocations.push({ offset: Number(off), sym, type });
    }
    rels.push({ section: s, target: s.info, relocations });
  }
  return { bytes, sections, symbols, symtabIndex, rels };
}

/** First section with this name, or undefined. */
export function sectionByName(elf: ElfFile, name: string): ElfSection | undefined {
  return elf.sections.find((s) => s.index !== 0 && s.name === name);
}
