// Typed errors of the ELF reader (the checks libelf and libbpf's
// bpf_object__elf_init / bpf_object__elf_collect make before trusting a
// section, symbol or relocation). Every error names the section ('<header>'
// for the ELF header, '<section headers>' for the header table) and the byte
// offset in the file where the input is wrong.

export type ElfErrorKind =
  | 'truncated'        // fewer bytes than a header / table / section needs
  | 'bad-magic'        // not \x7fELF
  | 'bad-class'        // not ELFCLASS64
  | 'bad-endian'       // not ELFDATA2LSB
  | 'bad-version'      // e_version / EI_VERSION not EV_CURRENT
  | 'bad-type'         // not ET_REL
  | 'bad-machine'      // not EM_BPF
  | 'bad-header'       // e_ehsize / e_shentsize / e_shstrndx inconsistent
  | 'bad-section'      // section data out of the file, or a bad sh_link / sh_info / sh_entsize
  | 'bad-string'       // a name offset outside its string table, or an unterminated string
  | 'bad-symbol'       // symbol table malformed (entsize, section index)
  | 'bad-relocation'   // relocation table malformed (entsize, symbol index)
  ;

/** Malformed ELF input. `section` names where, `byteOffset` is a file offset. */
export class ElfError extends Error {
  readonly kind: ElfErrorKind;
  readonly section: string;
  readonly byteOffset: number;
  constructor(kind: ElfErrorKind, section: string, byteOffset: number, detail: string) {
    super(`elf: ${section}: ${detail} (at file offset ${byteOffset})`);
    this.name = 'ElfError';
    this.kind = kind;
    this.section = section;
    this.byteOffset = byteOffset;
  }
}
