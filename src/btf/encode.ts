// Serialize BTF back to bytes (libbpf btf__raw_data / btf_get_raw_data).
// Unmodified types are copied from the raw section, so a parse/encode round trip
// is byte-identical; edited or appended types are encoded from their data and
// names that are not in the string table yet are appended to it.
import { Btf } from './btf';
import { BtfError } from './errors';
import { internString, stringIs } from './strings';
import { stringSectionBytes } from './strings';
import { BtfType, BTF_KIND, BTF_MAGIC, BTF_VERSION, BTF_HEADER_SIZE } from './types';
import { parseBtf } from './parse';
import { makeInfo, trailerSize, TYPE_HDR_SIZE, LINKAGES } from './layout';

function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new BtfError('encode', '.BTF', 0, `${what} ${v} is not a u32`);
  return v;
}

/** Offset of `name` in the string table, reusing nameOff when it still names it. */
function nameOffset(btf: Btf, name: string, nameOff: number): number {
  if (name === '') return 0;
  if (nameOff > 0) {
    let b: Btf = btf;
    while (nameOff < b.strBase && b.base) b = b.base;
    if (nameOff >= b.strBase && stringIs(b.strings, nameOff - b.strBase, name)) return nameOff;
  }
  return btf.strBase + internString(btf.strings, name);
}

function vlenOf(t: BtfType): number {
  switch (t.kind) {
    case 'struct': case 'union': return t.members.length;
    case 'enum': case 'enum64': return t.values.length;
    case 'func_proto': return t.params.length;
    case 'datasec': return t.vars.length;
    case 'func': return LINKAGES.indexOf(t.linkage);
    default: return 0;
  }
}

function linkageNum(l: string, what: string): number {
  const i = (LINKAGES as readonly string[]).indexOf(l);
  if (i < 0) throw new BtfError('encode', '.BTF', 0, `${what}: bad linkage '${l}'`);
  return i;
}

/** Encode one type (header + trailing records) at `o`; returns the new offset. */
function encodeType(btf: Btf, t: BtfType, dv: DataView, o: number, id: number): number {
  const what = `type #${id}`;
  const kind = BTF_KIND[t.kind === 'void' ? 'unkn' : t.kind];
  if (t.kind === 'void') throw new BtfError('encode', '.BTF', 0, `${what}: void cannot be encoded`);
  const vlen = vlenOf(t);
  if (vlen > 0xffff) throw new BtfError('encode', '.BTF', 0, `${what}: ${vlen} records exceed vlen`);
  let kflag = false, st = 0;
  switch (t.kind) {
    case 'int': case 'datasec': case 'float': st = t.size; break;
    case 'struct': case 'union': st = t.size; kflag = t.kindFlag; break;
    case 'enum': case 'enum64': st = t.size; kflag = t.signed; break;
    case 'fwd': kflag = t.union; break;
    case 'array': st = 0; break;
    case 'type_tag': case 'decl_tag': st = t.type; kflag = t.kindFlag; break;
    case 'func_proto': st = t.returnType; break;
    default: st = t.type;
  }
  if (t.kind === 'func') linkageNum(t.linkage, what);
  dv.setUint32(o, u32(nameOffset(btf, t.name, t.nameOff), `${what} name_off`), true);
  dv.setUint32(o + 4, makeInfo(kind, vlen, kflag), true);
  dv.setUint32(o + 8, u32(st, `${what} size/type`), true);
  let p = o + TYPE_HDR_SIZE;
  switch (t.kind) {
    case 'int': {
      const enc = (t.signed ? 1 : 0) | (t.char ? 2 : 0) | (t.bool ? 4 : 0);
      dv.setUint32(p, ((enc << 24) | ((t.offset & 0xff) << 16) | (t.bits & 0xff)) >>> 0, true);
      p += 4; break;
    }
    case 'array':
      dv.setUint32(p, u32(t.type, what), true); dv.setUint32(p + 4, u32(t.indexType, what), true);
      dv.setUint32(p + 8, u32(t.nelems, what), true); p += 12; break;
    case 'struct': case 'union':
      for (const m of t.members) {
        dv.setUint32(p, nameOffset(btf, m.name, m.nameOff), true);
        dv.setUint32(p + 4, u32(m.type, what), true);
        let off: number;
        if (t.kindFlag) {
          if (m.bitOffset > 0xffffff || m.bitfieldSize > 0xff) throw new BtfError('encode', '.BTF', 0, `${what}: member '${m.name}' bitfield out of range`);
          off = ((m.bitfieldSize << 24) | m.bitOffset) >>> 0;
        } else {
          if (m.bitfieldSize !== 0) throw new BtfError('encode', '.BTF', 0, `${what}: bitfield member '${m.name}' needs kindFlag`);
          off = u32(m.bitOffset, what);
        }
        dv.setUint32(p + 8, off, true); p += 12;
      }
      break;
    case 'enum':
      for (const v of t.values) { dv.setUint32(p, nameOffset(btf, v.name, v.nameOff), true); dv.setInt32(p + 4, v.value | 0, true); p += 8; }
      break;
    case 'enum64':
      for (const v of t.values) {
        const u = BigInt.asUintN(64, v.value);
        dv.setUint32(p, nameOffset(btf, v.name, v.nameOff), true);
        dv.setUint32(p + 4, Number(u & 0xffffffffn), true);
        dv.setUint32(p + 8, Number(u >> 32n), true); p += 12;
      }
      break;
    case 'func_proto':
      for (const a of t.params) { dv.setUint32(p, nameOffset(btf, a.name, a.nameOff), true); dv.setUint32(p + 4, u32(a.type, what), true); p += 8; }
      break;
    case 'var': dv.setUint32(p, linkageNum(t.linkage, what), true); p += 4; break;
    case 'datasec':
      for (const v of t.vars) {
        dv.setUint32(p, u32(v.type, what), true); dv.setUint32(p + 4, u32(v.offset, what), true);
        dv.setUint32(p + 8, u32(v.size, what), true); p += 12;
      }
      break;
    case 'decl_tag': dv.setInt32(p, t.componentIdx, true); p += 4; break;
  }
  return p;
}

/** The BTF blob (header, types, strings) as the kernel's BPF_BTF_LOAD expects it. */
export function encodeBtf(btf: Btf): Uint8Array {
  const n = btf.types.length, rawCount = btf.kinds.length;
  // Types first: encoding may append names to the string table.
  let typeLen = 0;
  for (let i = 0; i < n; i++) {
    const t = btf.types[i];
    if (t === undefined && i < rawCount) typeLen += btf.offsets[i + 1] - btf.offsets[i];
    else if (t !== undefined) typeLen += TYPE_HDR_SIZE + trailerSize(t.kind === 'void' ? 0 : BTF_KIND[t.kind], vlenOf(t));
  }
  const types = new Uint8Array(typeLen);
  const dv = new DataView(types.buffer);
  let o = 0;
  for (let i = 0; i < n; i++) {
    const t = btf.types[i];
    if (t === undefined) {
      const a = btf.offsets[i], b = btf.offsets[i + 1];
      types.set(btf.raw.subarray(a, b), o);
      o += b - a;
    } else {
      o = encodeType(btf, t, dv, o, btf.firstId + i);
    }
  }
  const strs = stringSectionBytes(btf.strings);
  const hdrLen = Math.max(btf.hdrLen, BTF_HEADER_SIZE);
  const out = new Uint8Array(hdrLen + typeLen + strs.length);
  const h = new DataView(out.buffer);
  h.setUint16(0, BTF_MAGIC, true);
  out[2] = BTF_VERSION; out[3] = 0;
  h.setUint32(4, hdrLen, true);
  h.setUint32(8, 0, true); h.setUint32(12, typeLen, true);
  h.setUint32(16, typeLen, true); h.setUint32(20, strs.length, true);
  out.set(types, hdrLen);
  out.set(strs, hdrLen + typeLen);
  return out;
}

/** Independent copy (libbpf clones before sanitizing): encode and parse again, same base. */
export function cloneBtf(btf: Btf): Btf {
  return parseBtf(encodeBtf(btf), btf.base);
}
