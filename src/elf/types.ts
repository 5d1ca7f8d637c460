// ELF64 data model (include/uapi/linux/elf.h: Elf64_Ehdr, Elf64_Shdr,
// Elf64_Sym, Elf64_Rel) as plain data, restricted to what a BPF relocatable
// object carries.

export const SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4,
  SHT_NOBITS = 8, SHT_REL = 9, SHT_SYMTAB_SHNDX = 18, SHT_LLVM_ADDRSIG = 0x6fff4c03;
export const SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4;
export const STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
export const STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;
export const STV_DEFAULT = 0, STV_INTERNAL = 1, STV_HIDDEN = 2, STV_PROTECTED = 3;
export const SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2, SHN_XINDEX = 0xffff;
export const ET_REL = 1;
export const EM_BPF = 247;
export const EHDR_SIZE = 64, SHDR_SIZE = 64, SYM_SIZE = 24, REL_SIZE = 16, RELA_SIZE = 24;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: bigint;
  /** File offset of the section data. */
  offset: number;
  /** sh_size (for SHT_NOBITS the size of the zero-filled area; `data` is empty). */
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
  /** The section's bytes (a view into the file; empty for SHT_NOBITS). */
  data: Uint8Array;
}

export interface ElfSymbol {
  index: number;
  name: string;
  /** ELF64_ST_BIND */
  bind: number;
  /** ELF64_ST_TYPE */
  type: number;
  /** ELF64_ST_VISIBILITY */
  visibility: number;
  shndx: number;
  value: number;
  size: number;
}

export interface ElfRelocation {
  /** r_offset: byte offset inside the target section. */
  offset: number;
  /** ELF64_R_SYM */
  sym: number;
  /** ELF64_R_TYPE */
  type: number;
}

export interface ElfRelSection {
  /** The SHT_REL section itself. */
  section: ElfSection;
  /** sh_info: the section the relocations apply to. */
  target: number;
  relocations: ElfRelocation[];
}

export interface ElfFile {
  bytes: Uint8Array;
  /** All sections by index; index 0 is the null section. */
  sections: ElfSection[];
  /** The symbol table (index 0 is the null symbol); empty when there is none. */
  symbols: ElfSymbol[];
  /** Index of the SHT_SYMTAB section, 0 when absent. */
  symtabIndex: number;
  /** SHT_REL sections. */
  rels: ElfRelSection[];
}
