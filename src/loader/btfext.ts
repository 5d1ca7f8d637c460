// .BTF.ext reader: func_info, line_info and CO-RE relocation records grouped
// by ELF section (libbpf btf_ext__new / btf_ext_parse_hdr /
// btf_ext_setup_info). Offsets stay in bytes as clang emits them; the linker
// converts them to instruction indexes. Malformed input is a BtfError with
// section '.BTF.ext' and the byte offset. (Kept here until src/btf grows a
// .BTF.ext reader; it only reads records, the type data is src/btf's.)
import { BtfError } from '../btf/errors';
import { Btf, stringAtOffset } from '../btf/btf';

export interface FuncInfoRec { insnOff: number; typeId: number }
export interface LineInfoRec { insnOff: number; fileNameOff: number; lineOff: number; lineCol: number }
export interface CoreReloRec { insnOff: number; typeId: number; accessStrOff: number; kind: number }
export interface ExtSec<T> { secName: string; recs: T[] }
export interface BtfExt {
  funcInfoRecSize: number;
  lineInfoRecSize: number;
  funcInfo: ExtSec<FuncInfoRec>[];
  lineInfo: ExtSec<LineInfoRec>[];
  coreRelos: ExtSec<CoreReloRec>[];
}

const fail = (off: number, detail: string): never => { throw new BtfError('truncated', '.BTF.ext', off, detail); };

export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  if (bytes.length < 8) fail(0, `${bytes.length} bytes is shorter than the .BTF.ext header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint16(0, true) !== 0xeb9f) throw new BtfError('bad-magic', '.BTF.ext', 0, 'bad .BTF.ext magic');
  if (bytes[2] !== 1) throw new BtfError('bad-version', '.BTF.ext', 2, `unsupported .BTF.ext version ${bytes[2]}`);
  if (bytes[3] !== 0) throw new BtfError('bad-flags', '.BTF.ext', 3, `unsupported .BTF.ext flags 0x${bytes[3].toString(16)}`);
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < 24 || hdrLen > bytes.length) throw new BtfError('bad-header', '.BTF.ext', 4, `hdr_len ${hdrLen} is invalid for ${bytes.length} bytes`);
  const word = (o: number): number => (o + 4 <= hdrLen ? dv.getUint32(o, true) : 0);
  const ext: BtfExt = { funcInfoRecSize: 8, lineInfoRecSize: 16, funcInfo: [], lineInfo: [], coreRelos: [] };
  const setup = <T>(hdrOff: number, name: string, minRec: number, read: (o: number) => T, setSize?: (n: number) => void): ExtSec<T>[] => {
    const off = word(hdrOff), len = word(hdrOff + 4);
    if (len === 0) return [];
    const start = hdrLen + off;
    if (off % 4 !== 0) throw new BtfError('bad-header', '.BTF.ext', hdrOff, `.BTF.ext ${name} section is not aligned to 4 bytes`);
    if (start > bytes.length || len > bytes.length - start) throw new BtfError('bad-header', '.BTF.ext', hdrOff, `.BTF.ext ${name} data [${off}, +${len}) is past the end`);
    if (len < 4) fail(start, `.BTF.ext ${name} record size not found`);
    const recSize = dv.getUint32(start, true);
    if (recSize < minRec || recSize % 4 !== 0) throw new BtfError('bad-record-size', '.BTF.ext', start, `.BTF.ext ${name} record size ${recSize} not supported`);
    setSize?.(recSize);
    const out: ExtSec<T>[] = [];
    let p = start + 4;
    const end = start + len;
    while (p < end) {
      if (end - p < 8) fail(p, `.BTF.ext ${name} section header is not found`);
      const secNameOff = dv.getUint32(p, true), num = dv.getUint32(p + 4, true);
      let secName: string;
      try { secName = stringAtOffset(btf, secNameOff); } catch {
        throw new BtfError('bad-string-offset', '.BTF.ext', p, `.BTF.ext ${name} section name offset ${secNameOff} is not a string`);
      }
      if (num === 0) throw new BtfError('bad-record-count', '.BTF.ext', p + 4, `${name} section ${secName} has incorrect num_records in .BTF.ext`);
      p += 8;
      if (num > Math.floor((end - p) / recSize)) throw new BtfError('bad-record-count', '.BTF.ext', p - 4, `${name} section ${secName} has incorrect num_records in .BTF.ext`);
      const recs: T[] = [];
      for (let i = 0; i < num; i++, p += recSize) recs.push(read(p));
      out.push({ secName, recs });
    }
    return out;
  };
  ext.funcInfo = setup(8, 'func_info', 8, (o) => ({ insnOff: dv.getUint32(o, true), typeId: dv.getUint32(o + 4, true) }), (n) => { ext.funcInfoRecSize = n; });
  ext.lineInfo = setup(16, 'line_info', 16, (o) => ({
    insnOff: dv.getUint32(o, true), fileNameOff: dv.getUint32(o + 4, true), lineOff: dv.getUint32(o + 8, true), lineCol: dv.getUint32(o + 12, true),
  }), (n) => { ext.lineInfoRecSize = n; });
  if (hdrLen >= 32) {
    ext.coreRelos = setup(24, 'core_relo', 16, (o) => ({
      insnOff: dv.getUint32(o, true), typeId: dv.getUint32(o + 4, true), accessStrOff: dv.getUint32(o + 8, true), kind: dv.getUint32(o + 12, true),
    }));
  }
  return ext;
}
