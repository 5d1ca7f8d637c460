// Decode one validated raw btf_type (+ trailing records) into plain data
// (libbpf btf_type accessors: btf_int_*, btf_members, btf_enum, btf_params,
// btf_var_secinfos, btf_decl_tag, btf_member_bit_offset/_bitfield_size).
import { Btf, rawView } from './btf';
import { stringAt } from './strings';
import { BtfMember, BtfType, BTF_KIND } from './types';
import { infoKflag, infoKind, infoVlen, LINKAGES, TYPE_HDR_SIZE } from './layout';
import { BtfError } from './errors';

function nameOf(btf: Btf, off: number): string {
  let b: Btf = btf;
  while (off < b.strBase && b.base) b = b.base;
  const s = stringAt(b.strings, off - b.strBase);
  if (s === undefined) throw new BtfError('bad-string-offset', '.BTF', 0, `string offset ${off} out of range`);
  return s;
}

/** Decode own raw type number `idx` (id = firstId + idx). The bytes were validated by parseBtf. */
export function decodeRawType(btf: Btf, idx: number): BtfType {
  const dv = rawView(btf);
  const o = btf.offsets[idx];
  const nameOff = dv.getUint32(o, true);
  const info = dv.getUint32(o + 4, true);
  const st = dv.getUint32(o + 8, true);
  const kind = infoKind(info), vlen = infoVlen(info), kflag = infoKflag(info);
  const name = nameOff === 0 ? '' : nameOf(btf, nameOff);
  const p = o + TYPE_HDR_SIZE;
  switch (kind) {
    case BTF_KIND.int: {
      const d = dv.getUint32(p, true);
      const enc = (d >>> 24) & 0x0f;
      return { kind: 'int', name, nameOff, size: st, bits: d & 0xff, offset: (d >>> 16) & 0xff,
        signed: (enc & 1) !== 0, char: (enc & 2) !== 0, bool: (enc & 4) !== 0 };
    }
    case BTF_KIND.ptr: return { kind: 'ptr', name, nameOff, type: st };
    case BTF_KIND.array:
      return { kind: 'array', name, nameOff, type: dv.getUint32(p, true), indexType: dv.getUint32(p + 4, true), nelems: dv.getUint32(p + 8, true) };
    case BTF_KIND.struct: case BTF_KIND.union: {
      const members: BtfMember[] = new Array(vlen);
      for (let i = 0, q = p; i < vlen; i++, q += 12) {
        const mOff = dv.getUint32(q, true), off = dv.getUint32(q + 8, true);
        members[i] = {
          name: mOff === 0 ? '' : nameOf(btf, mOff), nameOff: mOff, type: dv.getUint32(q + 4, true),
          bitOffset: kflag ? off & 0xffffff : off, bitfieldSize: kflag ? off >>> 24 : 0,
        };
      }
      return { kind: kind === BTF_KIND.struct ? 'struct' : 'union', name, nameOff, size: st, kindFlag: kflag, members };
    }
    case BTF_KIND.enum: {
      const values = new Array(vlen);
      for (let i = 0, q = p; i < vlen; i++, q += 8) {
        const vOff = dv.getUint32(q, true);
        values[i] = { name: vOff === 0 ? '' : nameOf(btf, vOff), nameOff: vOff, value: kflag ? dv.getInt32(q + 4, true) : dv.getUint32(q + 4, true) };
      }
      return { kind: 'enum', name, nameOff, size: st, signed: kflag, values };
    }
    case BTF_KIND.enum64: {
      const values = new Array(vlen);
      for (let i = 0, q = p; i < vlen; i++, q += 12) {
        const vOff = dv.getUint32(q, true);
        const u = (BigInt(dv.getUint32(q + 8, true)) << 32n) | BigInt(dv.getUint32(q + 4, true));
        values[i] = { name: vOff === 0 ? '' : nameOf(btf, vOff), nameOff: vOff, value: kflag ? BigInt.asIntN(64, u) : u };
      }
      return { kind: 'enum64', name, nameOff, size: st, signed: kflag, values };
    }
    case BTF_KIND.fwd: return { kind: 'fwd', name, nameOff, union: kflag };
    case BTF_KIND.typedef: return { kind: 'typedef', name, nameOff, type: st };
    case BTF_KIND.volatile: return { kind: 'volatile', name, nameOff, type: st };
    case BTF_KIND.const: return { kind: 'const', name, nameOff, type: st };
    case BTF_KIND.restrict: return { kind: 'restrict', name, nameOff, type: st };
    case BTF_KIND.type_tag: return { kind: 'type_tag', name, nameOff, type: st, kindFlag: kflag };
    case BTF_KIND.func: return { kind: 'func', name, nameOff, type: st, linkage: LINKAGES[vlen] };
    case BTF_KIND.func_proto: {
      const params = new Array(vlen);
      for (let i = 0, q = p; i < vlen; i++, q += 8) {
        const pOff = dv.getUint32(q, true);
        params[i] = { name: pOff === 0 ? '' : nameOf(btf, pOff), nameOff: pOff, type: dv.getUint32(q + 4, true) };
      }
      return { kind: 'func_proto', name, nameOff, returnType: st, params };
    }
    case BTF_KIND.var: return { kind: 'var', name, nameOff, type: st, linkage: LINKAGES[dv.getUint32(p, true)] };
    case BTF_KIND.datasec: {
      const vars = new Array(vlen);
      for (let i = 0, q = p; i < vlen; i++, q += 12) {
        vars[i] = { type: dv.getUint32(q, true), offset: dv.getUint32(q + 4, true), size: dv.getUint32(q + 8, true) };
      }
      return { kind: 'datasec', name, nameOff, size: st, vars };
    }
    case BTF_KIND.float: return { kind: 'float', name, nameOff, size: st };
    case BTF_KIND.decl_tag:
      return { kind: 'decl_tag', name, nameOff, type: st, componentIdx: dv.getInt32(p, true), kindFlag: kflag };
    default:
      throw new BtfError('unknown-kind', '.BTF', o, `unknown BTF kind ${kind}`);
  }
}
