// Typed errors of the BTF layer (models the checks of the kernel's
// btf_parse_hdr / btf_parse_str_sec / btf_check_all_metas / btf_resolve and
// libbpf's btf_parse_hdr / btf_ext_setup_info). Every error names the section
// ('.BTF' or '.BTF.ext') and the byte offset inside it where the input is wrong.

export type BtfErrorKind =
  | 'truncated'          // fewer bytes than a header / record needs
  | 'bad-magic'          // magic is not 0xeB9F (little-endian)
  | 'bad-version'        // version is not 1
  | 'bad-flags'          // header flags non-zero
  | 'bad-header'         // hdr_len / section offsets or lengths inconsistent or past the end
  | 'bad-string-section' // string section does not start/end with NUL
  | 'bad-string-offset'  // a name/string offset outside the string section
  | 'unknown-kind'       // BTF kind number not known
  | 'bad-info'           // reserved bits in btf_type.info, or vlen/kind_flag not allowed for the kind
  | 'bad-vlen'           // vlen records run past the type section
  | 'bad-int'            // INT trailing data invalid
  | 'bad-linkage'        // FUNC / VAR linkage out of range
  | 'bad-type-id'        // a type id out of range
  | 'reference-loop'     // modifier / typedef / pointer / array chain loops
  | 'no-size'            // typeSize() of a type without a size (void, func, fwd ...)
  | 'bad-record-size'    // .BTF.ext record size too small / unaligned
  | 'bad-record-count'   // .BTF.ext section with zero records or records past the end
  | 'fixup'              // datasec fixup could not find a section/symbol
  | 'encode'             // a type cannot be encoded (value out of range)
  ;

export type BtfSection = '.BTF' | '.BTF.ext';

/** Malformed BTF or BTF.ext input; `byteOffset` is relative to the section start. */
export class BtfError extends Error {
  readonly kind: BtfErrorKind;
  readonly section: BtfSection;
  readonly byteOffset: number;
  constructor(kind: BtfErrorKind, section: BtfSection, byteOffset: number, detail: string) {
    super(`${section}: ${detail} (at byte offset ${byteOffset})`);
    this.name = 'BtfError';
    this.kind = kind;
    this.section = section;
    this.byteOffset = byteOffset;
  }
}
