// .BTF.ext: func_info, line_info and CO-RE relocation records per ELF section
// (libbpf btf_ext__new, btf_ext_parse_hdr, btf_ext_setup_info; uapi struct
// bpf_func_info / bpf_line_info / bpf_core_relo), plus encoders for the arrays the
// kernel takes in BPF_PROG_LOAD (func_info, line_info; insn_off in instructions).
// Error texts are libbpf's pr_debug messages from btf_ext_parse_hdr / btf_ext_setup_info.
import { Btf, stringAtOffset } from './btf';
import { BtfError } from './errors';

export const BTF_EXT_HEADER_MIN = 24;     // up to line_info_len
export const BTF_EXT_HEADER_CORE = 32;    // with core_relo_off/len
export const FUNC_INFO_MIN_SIZE = 8;
export const LINE_INFO_MIN_SIZE = 16;
export const CORE_RELO_MIN_SIZE = 16;

/** A func_info record as in the object file: insnOff in BYTES from the section start. */
export interface FuncInfoRecord { insnOff: number; typeId: number }
/** A line_info record; insnOff in bytes; strings resolved from .BTF. */
export interface LineInfoRecord {
  insnOff: number;
  fileNameOff: number; fileName: string;
  lineOff: number; line: string;
  lineNum: number; column: number;
}
/** enum bpf_core_relo_kind names (libbpf core_relo_kind_str). */
export const CORE_RELO_KINDS = [
  'byte_off', 'byte_sz', 'field_exists', 'signed', 'lshift_u64', 'rshift_u64',
  'local_type_id', 'target_type_id', 'type_exists', 'type_size', 'enumval_exists',
  'enumval_value', 'type_matches',
] as const;
export interface CoreReloRecord {
  insnOff: number; typeId: number;
  accessStrOff: number; accessStr: string;
  kind: number; kindName: string;
}
export interface ExtInfoSection<R> { secName: string; secNameOff: number; records: R[] }
export interface ExtInfo<R> {
  /** Record size as found in the file (0 when the subsection is absent). */
  recSize: number;
  sections: ExtInfoSection<R>[];
}
export interface BtfExt {
  version: number; flags: number; hdrLen: number;
  funcInfo: ExtInfo<FuncInfoRecord>;
  lineInfo: ExtInfo<LineInfoRecord>;
  coreRelos: ExtInfo<CoreReloRecord>;
}

function fail(kind: ConstructorParameters<typeof BtfError>[0], off: number, detail: string): never {
  throw new BtfError(kind, '.BTF.ext', off, detail);
}

function str(btf: Btf, off: number, at: number, what: string): string {
  try {
    return stringAtOffset(btf, off);
  } catch (e) {
    if (e instanceof BtfError) fail('bad-string-offset', at, `${what} string offset ${off} out of range`);
    throw e;
  }
}

type RecordReader<R> = (dv: DataView, o: number) => R;

function parseInfo<R>(bytes: Uint8Array, dv: DataView, hdrLen: number, offField: number, what: string,
  minSize: number, read: RecordReader<R>, btf: Btf): ExtInfo<R> {
  const off = dv.getUint32(offField, true), len = dv.getUint32(offField + 4, true);
  if (len === 0) return { recSize: 0, sections: [] };
  if (off % 4 !== 0) fail('bad-header', offField, `${what} section (off:${off} len:${len}) not aligned`);
  const start = hdrLen + off, end = start + len;
  if (end > bytes.length) fail('bad-header', offField + 4, `${what} section (off:${off} len:${len}) beyond the end of the ELF section .BTF.ext`);
  if (len < 4) fail('bad-record-size', start, `.BTF.ext ${what} record size not found`);
  const recSize = dv.getUint32(start, true);
  if (recSize < minSize || recSize % 4 !== 0) fail('bad-record-size', start, `${what} section in .BTF.ext has invalid record size ${recSize}`);
  if (len === 4) fail('bad-record-count', start + 4, `${what} section in .BTF.ext has no records`);
  const sections: ExtInfoSection<R>[] = [];
  let o = start + 4;
  while (o < end) {
    if (o + 8 > end) fail('truncated', o, `${what} section header is not found in .BTF.ext`);
    const secNameOff = dv.getUint32(o, true), num = dv.getUint32(o + 4, true);
    if (num === 0 || num > (end - o - 8) / recSize) fail('bad-record-count', o + 4, `${what} section has incorrect num_records in .BTF.ext`);
    const secName = str(btf, secNameOff, o, `${what} section name`);
    const records: R[] = new Array(num);
    o += 8;
    for (let i = 0; i < num; i++, o += recSize) records[i] = read(dv, o);
    sections.push({ secName, secNameOff, records });
  }
  return { recSize, sections };
}

/** Parse a .BTF.ext section; strings (section names, files, lines, access strings) come from `btf`. */
export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  if (bytes.length < 8) fail('truncated', 0, 'BTF.ext header not found');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint16(0, true);
  if (magic !== 0xeb9f) fail('bad-magic', 0, `Invalid BTF.ext magic:${magic.toString(16)}`);
  const version = bytes[2], flags = bytes[3];
  if (version !== 1) fail('bad-version', 2, `Unsupported BTF.ext version:${version}`);
  if (flags !== 0) fail('bad-flags', 3, `Unsupported BTF.ext flags:${flags.toString(16)}`);
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < BTF_EXT_HEADER_MIN) fail('bad-header', 4, `hdr_len ${hdrLen} is shorter than ${BTF_EXT_HEADER_MIN}`);
  if (hdrLen > bytes.length) fail('bad-header', 4, 'BTF.ext header not found');

  const funcInfo = parseInfo(bytes, dv, hdrLen, 8, 'func_info', FUNC_INFO_MIN_SIZE,
    (d, o) => ({ insnOff: d.getUint32(o, true), typeId: d.getUint32(o + 4, true) }), btf);
  const lineInfo = parseInfo(bytes, dv, hdrLen, 16, 'line_info', LINE_INFO_MIN_SIZE, (d, o): LineInfoRecord => {
    const fileNameOff = d.getUint32(o + 4, true), lineOff = d.getUint32(o + 8, true), lc = d.getUint32(o + 12, true);
    return {
      insnOff: d.getUint32(o, true),
      fileNameOff, fileName: str(btf, fileNameOff, o + 4, 'line_info file name'),
      lineOff, line: str(btf, lineOff, o + 8, 'line_info line'),
      lineNum: lc >>> 10, column: lc & 0x3ff,
    };
  }, btf);
  const coreRelos = hdrLen >= BTF_EXT_HEADER_CORE
    ? parseInfo(bytes, dv, hdrLen, 24, 'core_relo', CORE_RELO_MIN_SIZE, (d, o): CoreReloRecord => {
      const accessStrOff = d.getUint32(o + 8, true), kind = d.getUint32(o + 12, true);
      return {
        insnOff: d.getUint32(o, true), typeId: d.getUint32(o + 4, true),
        accessStrOff, accessStr: str(btf, accessStrOff, o + 8, 'core_relo access'),
        kind, kindName: CORE_RELO_KINDS[kind] ?? `unknown(${kind})`,
      };
    }, btf)
    : { recSize: 0, sections: [] };
  return { version, flags, hdrLen, funcInfo, lineInfo, coreRelos };
}

/** Records of one ELF section (by name), or [] when it has none. */
export function extRecords<R>(info: ExtInfo<R>, secName: string): R[] {
  const s = info.sections.find((x) => x.secName === secName);
  return s ? s.records : [];
}

/** Kernel bpf_func_info: insnOff in instructions. */
export interface KernelFuncInfo { insnOff: number; typeId: number }
/** Kernel bpf_line_info: insnOff in instructions, offsets into the loaded BTF's strings. */
export interface KernelLineInfo { insnOff: number; fileNameOff: number; lineOff: number; lineNum: number; column: number }

/**
 * Object-file records (byte offsets) to kernel records (instruction offsets),
 * shifted by `insnDelta` instructions (where the section's code lands in the program).
 */
export function toKernelFuncInfo(recs: readonly FuncInfoRecord[], insnDelta = 0): KernelFuncInfo[] {
  return recs.map((r) => ({ insnOff: r.insnOff / 8 + insnDelta, typeId: r.typeId }));
}
export function toKernelLineInfo(recs: readonly LineInfoRecord[], insnDelta = 0): KernelLineInfo[] {
  return recs.map((r) => ({ insnOff: r.insnOff / 8 + insnDelta, fileNameOff: r.fileNameOff, lineOff: r.lineOff, lineNum: r.lineNum, column: r.column }));
}

function checkU32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new BtfError('encode', '.BTF.ext', 0, `${what} ${v} is not a u32`);
  return v;
}

/** struct bpf_func_info array (8 bytes each) for BPF_PROG_LOAD func_info (rec size 8). */
export function encodeFuncInfo(recs: readonly KernelFuncInfo[]): Uint8Array {
  const out = new Uint8Array(recs.length * FUNC_INFO_MIN_SIZE);
  const dv = new DataView(out.buffer);
  recs.forEach((r, i) => {
    dv.setUint32(i * 8, checkU32(r.insnOff, 'func_info insn_off'), true);
    dv.setUint32(i * 8 + 4, checkU32(r.typeId, 'func_info type_id'), true);
  });
  return out;
}

/** struct bpf_line_info array (16 bytes each); line_col = line << 10 | column. */
export function encodeLineInfo(recs: readonly KernelLineInfo[]): Uint8Array {
  const out = new Uint8Array(recs.length * LINE_INFO_MIN_SIZE);
  const dv = new DataView(out.buffer);
  recs.forEach((r, i) => {
    const o = i * 16;
    if (r.lineNum > 0x3fffff || r.column > 0x3ff || r.lineNum < 0 || r.column < 0) {
      throw new BtfError('encode', '.BTF.ext', 0, `line_info line ${r.lineNum} column ${r.column} out of range`);
    }
    dv.setUint32(o, checkU32(r.insnOff, 'line_info insn_off'), true);
    dv.setUint32(o + 4, checkU32(r.fileNameOff, 'line_info file_name_off'), true);
    dv.setUint32(o + 8, checkU32(r.lineOff, 'line_info line_off'), true);
    dv.setUint32(o + 12, ((r.lineNum << 10) | r.column) >>> 0, true);
  });
  return out;
}

/** Serialize a BtfExt as clang lays it out (header, func_info, line_info, core_relo). */
export function encodeBtfExt(ext: BtfExt): Uint8Array {
  const hdrLen = Math.max(ext.hdrLen, BTF_EXT_HEADER_MIN);
  const hasCore = hdrLen >= BTF_EXT_HEADER_CORE;
  if (!hasCore && ext.coreRelos.sections.length > 0) throw new BtfError('encode', '.BTF.ext', 0, 'core_relo records need a 32-byte header');
  const sizes = [ext.funcInfo, ext.lineInfo, ext.coreRelos].map((info, k) => {
    if (info.sections.length === 0) return 0;
    const rs = Math.max(info.recSize, [FUNC_INFO_MIN_SIZE, LINE_INFO_MIN_SIZE, CORE_RELO_MIN_SIZE][k]);
    return 4 + info.sections.reduce((a, s) => a + 8 + s.records.length * rs, 0);
  });
  const out = new Uint8Array(hdrLen + sizes[0] + sizes[1] + sizes[2]);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xeb9f, true); out[2] = 1; out[3] = 0;
  dv.setUint32(4, hdrLen, true);
  let off = 0;
  const hdrFields = [8, 16, 24];
  const writers: ((o: number, r: never) => void)[] = [
    (o, r: FuncInfoRecord) => { dv.setUint32(o, r.insnOff, true); dv.setUint32(o + 4, r.typeId, true); },
    (o, r: LineInfoRecord) => {
      dv.setUint32(o, r.insnOff, true); dv.setUint32(o + 4, r.fileNameOff, true);
      dv.setUint32(o + 8, r.lineOff, true); dv.setUint32(o + 12, ((r.lineNum << 10) | (r.column & 0x3ff)) >>> 0, true);
    },
    (o, r: CoreReloRecord) => {
      dv.setUint32(o, r.insnOff, true); dv.setUint32(o + 4, r.typeId, true);
      dv.setUint32(o + 8, r.accessStrOff, true); dv.setUint32(o + 12, r.kind, true);
    },
  ];
  const infos = [ext.funcInfo, ext.lineInfo, ext.coreRelos] as ExtInfo<never>[];
  for (let k = 0; k < 3; k++) {
    if (k === 2 && !hasCore) break;
    dv.setUint32(hdrFields[k], off, true); // clang writes the running offset even for empty parts
    dv.setUint32(hdrFields[k] + 4, sizes[k], true);
    if (!sizes[k]) { continue; }
    const rs = Math.max(infos[k].recSize, [FUNC_INFO_MIN_SIZE, LINE_INFO_MIN_SIZE, CORE_RELO_MIN_SIZE][k]);
    let o = hdrLen + off;
    dv.setUint32(o, rs, true); o += 4;
    for (const s of infos[k].sections) {
      dv.setUint32(o, s.secNameOff, true); dv.setUint32(o + 4, s.records.length, true); o += 8;
      for (const r of s.records) { writers[k](o, r); o += rs; }
    }
    off += sizes[k];
  }
  return out;
}
