// CO-RE relocations against vmlinux BTF, as libbpf applies them before
// linking: bpf_object__relocate_core, bpf_core_resolve_relo,
// bpf_core_find_cands / bpf_core_add_cands (libbpf.c) and, from relo_core.c,
// bpf_core_parse_spec, bpf_core_spec_match, bpf_core_match_member,
// bpf_core_fields_are_compat, bpf_core_calc_field_relo,
// bpf_core_calc_type_relo, bpf_core_calc_enumval_relo, bpf_core_calc_relo,
// bpf_core_calc_relo_insn, bpf_core_patch_insn, bpf_core_poison_insn.
// Module BTFs are not searched.
import { Btf, typeById, kindOf, stringAtOffset } from '../btf';
import { skipModsAndTypedefs, typeSize } from '../btf';
import { BtfType } from '../btf';
import { BtfExt, CoreReloRecord } from '../btf';
import { Insn } from '../isa/insn';
import { BPF_CLASS, OP_LD_IMM64 } from '../isa/opcodes';
import { essentialNameLen, typesAreCompat, typesMatch } from './compat';
import { E2BIG, EINVAL, ENOTSUP, EUCLEAN, LoaderError } from './errors';
import { Prog } from './prog';

export interface CoreInput {
  progs: Prog[];
  secNames: string[];
  btf: Btf;
  ext: BtfExt;
  vmlinux?: Btf;
  warnings: string[];
}

const SPEC_MAX_LEN = 64;
const POISON_IMM = 195896080; // 0xbad2310
const ERANGE = -34;

const FIELD_KINDS = new Set([0, 1, 2, 3, 4, 5]);
const TYPE_KINDS = new Set([6, 7, 8, 9, 12]);
const ENUMVAL_KINDS = new Set([10, 11]);
const KIND_STR = ['byte_off', 'byte_sz', 'field_exists', 'signed', 'lshift_u64', 'rshift_u64', 'local_type_id',
  'target_type_id', 'type_exists', 'type_size', 'enumval_exists', 'enumval_value', 'type_matches'];

interface Acc { typeId: number; idx: number; name: string | null }
interface Spec { btf: Btf; rootTypeId: number; kind: number; spec: Acc[]; raw: number[]; bitOffset: number }
interface Res {
  origVal: bigint; newVal: bigint; poison: boolean; validate: boolean; failMemszAdjust: boolean;
  origSz: number; newSz: number; origTypeId: number; newTypeId: number;
}

class CoreFail extends Error { constructor(readonly errno: number) { super(String(errno)); } }

const isAnyEnum = (t: BtfType): boolean => t.kind === 'enum' || t.kind === 'enum64';
const isComposite = (t: BtfType): boolean => t.kind === 'struct' || t.kind === 'union';
const kindCompat = (a: BtfType, b: BtfType): boolean => a.kind === b.kind || (isAnyEnum(a) && isAnyEnum(b));
const size = (btf: Btf, id: number): number => { try { return typeSize(btf, id); } catch { throw new CoreFail(EINVAL); } };

function isFlexArr(btf: Btf, acc: Acc | undefined, nelems: number): boolean {
  if (!acc || !acc.name || nelems > 0) return false;
  const t = typeById(btf, acc.typeId);
  return isComposite(t) && acc.idx === (t as { members: unknown[] }).members.length - 1;
}

function parseSpec(btf: Btf, rec: CoreReloRecord, progName: string): Spec {
  const s = rec.accessStr;
  if (s === '' || s[0] === ':') throw new CoreFail(EINVAL);
  const spec: Spec = { btf, rootTypeId: rec.typeId, kind: rec.kind, spec: [], raw: [], bitOffset: 0 };
  if (TYPE_KINDS.has(rec.kind)) {
    if (s !== '0') throw new CoreFail(EINVAL);
    return spec;
  }
  for (const part of s.split(':')) {
    if (!/^\d+$/.test(part)) throw new CoreFail(EINVAL);
    if (spec.raw.length === SPEC_MAX_LEN) throw new CoreFail(E2BIG);
    spec.raw.push(Number(part));
  }
  let id = skipModsAndTypedefs(btf, rec.typeId);
  let t = typeById(btf, id);
  let idx = spec.raw[0];
  if (ENUMVAL_KINDS.has(rec.kind)) {
    if (!isAnyEnum(t) || spec.raw.length > 1) throw new CoreFail(EINVAL);
    const values = (t as { values: { name: string }[] }).values;
    if (idx >= values.length) throw new CoreFail(EINVAL);
    spec.spec.push({ typeId: id, idx, name: values[idx].name });
    return spec;
  }
  if (!FIELD_KINDS.has(rec.kind)) throw new CoreFail(EINVAL);
  spec.spec.push({ typeId: id, idx, name: null });
  spec.bitOffset = idx * size(btf, id) * 8;
  for (let i = 1; i < spec.raw.length; i++) {
    id = skipModsAndTypedefs(btf, id);
    t = typeById(btf, id);
    idx = spec.raw[i];
    if (t.kind === 'struct' || t.kind === 'union') {
      if (idx >= t.members.length) throw new CoreFail(EINVAL);
      const m = t.members[idx];
      spec.bitOffset += m.bitOffset;
      if (m.nameOff) {
        if (m.name === '') throw new CoreFail(EINVAL);
        spec.spec.push({ typeId: id, idx, name: m.name });
      }
      id = m.type;
    } else if (t.kind === 'array') {
      const nelems = t.nelems;
      const elemId = skipModsAndTypedefs(btf, t.type);
      const flex = isFlexArr(btf, spec.spec[spec.spec.length - 1], nelems);
      if (!flex && idx >= nelems) throw new CoreFail(EINVAL);
      id = elemId;
      spec.spec.push({ typeId: id, idx, name: null });
      spec.bitOffset += idx * size(btf, id) * 8;
    } else {
      throw new LoaderError('core', EINVAL, `prog '${progName}': relo for [${rec.typeId}] ${s} (at idx ${i}) captures type [${id}] of unexpected kind ${t.kind}`);
    }
  }
  return spec;
}

function fieldsAreCompat(lb: Btf, lid: number, tb: Btf, tid: number): boolean {
  for (;;) {
    lid = skipModsAndTypedefs(lb, lid); tid = skipModsAndTypedefs(tb, tid);
    const l = typeById(lb, lid), t = typeById(tb, tid);
    if (isComposite(l) && isComposite(t)) return true;
    if (!kindCompat(l, t)) return false;
    switch (l.kind) {
      case 'ptr': case 'float': return true;
      case 'fwd': case 'enum': case 'enum64': {
        const ll = essentialNameLen(l.name), tl = essentialNameLen(t.name);
        return ll === 0 || tl === 0 || (ll === tl && l.name.slice(0, ll) === t.name.slice(0, tl));
      }
      case 'int': return l.offset === 0 && t.kind === 'int' && t.offset === 0;
      case 'array': lid = l.type; tid = (t as typeof l).type; continue;
      default: return false;
    }
  }
}

/** bpf_core_match_member: 1 found, 0 not found; pushes onto spec as it goes. */
function matchMember(lb: Btf, lacc: Acc, tb: Btf, targId: number, spec: Spec, next: { id: number }): boolean {
  targId = skipModsAndTypedefs(tb, targId);
  const tt = typeById(tb, targId);
  if (tt.kind !== 'struct' && tt.kind !== 'union') return false;
  const lt = typeById(lb, lacc.typeId) as { members: { name: string; type: number }[] };
  const lm = lt.members[lacc.idx];
  for (let i = 0; i < tt.members.length; i++) {
    const m = tt.members[i];
    if (spec.raw.length === SPEC_MAX_LEN) throw new CoreFail(E2BIG);
    spec.bitOffset += m.bitOffset;
    spec.raw.push(i);
    if (m.name === '') {
      if (matchMember(lb, lacc, tb, m.type, spec, next)) return true;
    } else if (m.name === lm.name) {
      spec.spec.push({ typeId: targId, idx: i, name: m.name });
      next.id = m.type;
      const ok = fieldsAreCompat(lb, lm.type, tb, m.type);
      if (!ok) spec.spec.pop();
      return ok;
    }
    spec.bitOffset -= m.bitOffset;
    spec.raw.pop();
  }
  return false;
}

function specMatch(local: Spec, tb: Btf, targId: number): Spec | null {
  const ts: Spec = { btf: tb, rootTypeId: targId, kind: local.kind, spec: [], raw: [], bitOffset: 0 };
  if (TYPE_KINDS.has(local.kind)) {
    if (local.kind === 12) return typesMatch(local.btf, local.rootTypeId, tb, targId) ? ts : null;
    return typesAreCompat(local.btf, local.rootTypeId, tb, targId) ? ts : null;
  }
  const lacc0 = local.spec[0];
  if (ENUMVAL_KINDS.has(local.kind)) {
    targId = skipModsAndTypedefs(tb, targId);
    const t = typeById(tb, targId);
    if (!isAnyEnum(t)) return null;
    const ll = essentialNameLen(lacc0.name!);
    const values = (t as { values: { name: string }[] }).values;
    for (let i = 0; i < values.length; i++) {
      const tn = values[i].name;
      if (essentialNameLen(tn) !== ll) continue;
      if (lacc0.name!.slice(0, ll) === tn.slice(0, ll)) {
        ts.spec.push({ typeId: targId, idx: i, name: tn });
        ts.raw.push(i);
        return ts;
      }
    }
    return null;
  }
  for (let i = 0; i < local.spec.length; i++) {
    const lacc = local.spec[i];
    targId = skipModsAndTypedefs(tb, targId);
    const tt = typeById(tb, targId);
    if (lacc.name) {
      const next = { id: targId };
      if (!matchMember(local.btf, lacc, tb, targId, ts, next)) return null;
      targId = next.id;
    } else {
      if (i > 0) {
        if (tt.kind !== 'array') return null;
        const flex = isFlexArr(tb, ts.spec[ts.spec.length - 1], tt.nelems);
        if (!flex && lacc.idx >= tt.nelems) return null;
        targId = skipModsAndTypedefs(tb, tt.type);
      }
      if (ts.raw.length === SPEC_MAX_LEN) throw new CoreFail(E2BIG);
      ts.spec.push({ typeId: targId, idx: lacc.idx, name: null });
      ts.raw.push(lacc.idx);
      ts.bitOffset += lacc.idx * size(tb, targId) * 8;
    }
  }
  return ts;
}

interface FieldOut { val: bigint; fieldSz: number; typeId: number; validate: boolean }

function elemSize(btf: Btf, id: number): { sz: number; elemId: number } {
  let elemId = skipModsAndTypedefs(btf, id);
  let t = typeById(btf, elemId);
  while (t.kind === 'array') { elemId = skipModsAndTypedefs(btf, t.type); t = typeById(btf, elemId); }
  return { sz: size(btf, elemId), elemId };
}

function calcFieldRelo(progName: string, rec: CoreReloRecord, spec: Spec | null): FieldOut {
  const out: FieldOut = { val: 0n, fieldSz: 0, typeId: 0, validate: true };
  if (rec.kind === 2) { out.val = spec ? 1n : 0n; return out; }
  if (!spec) throw new CoreFail(EUCLEAN);
  const acc = spec.spec[spec.spec.length - 1];
  const btf = spec.btf;
  if (!acc.name) {
    if (rec.kind === 0) {
      out.val = BigInt(Math.floor(spec.bitOffset / 8));
      out.fieldSz = elemSize(btf, acc.typeId).sz;
      out.typeId = acc.typeId;
    } else if (rec.kind === 1) {
      out.val = BigInt(size(btf, acc.typeId));
    } else {
      throw new LoaderError('core', EINVAL, `prog '${progName}': relo ${rec.kind} at insn #${Math.floor(rec.insnOff / 8)} can't be applied to array access`);
    }
    out.validate = true;
    return out;
  }
  const t = typeById(btf, acc.typeId) as { members: { type: number; bitfieldSize: number }[] };
  const m = t.members[acc.idx];
  const fieldTypeId = skipModsAndTypedefs(btf, m.type);
  const mt = typeById(btf, fieldTypeId);
  const bitOff = spec.bitOffset;
  let bitSz = m.bitfieldSize;
  let byteSz: number, byteOff: number;
  const bitfield = bitSz > 0;
  if (bitfield) {
    byteSz = (mt as { size: number }).size;
    byteOff = Math.floor(Math.floor(bitOff / 8) / byteSz) * byteSz;
    while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) {
        throw new LoaderError('core', E2BIG, `prog '${progName}': relo ${rec.kind} at insn #${Math.floor(rec.insnOff / 8)} can't be satisfied for bitfield`);
      }
      byteSz *= 2;
      byteOff = Math.floor(Math.floor(bitOff / 8) / byteSz) * byteSz;
    }
  } else {
    byteSz = size(btf, fieldTypeId);
    byteOff = Math.floor(bitOff / 8);
    bitSz = byteSz * 8;
  }
  out.validate = !bitfield;
  switch (rec.kind) {
    case 0:
      out.val = BigInt(byteOff);
      if (!bitfield) { const e = elemSize(btf, fieldTypeId); out.fieldSz = e.sz; out.typeId = fieldTypeId; }
      break;
    case 1: out.val = BigInt(byteSz); break;
    case 3:
      out.val = ((isAnyEnum(mt) && (mt as { signed: boolean }).signed) || (mt.kind === 'int' && mt.signed)) ? 1n : 0n;
      out.validate = true;
      break;
    case 4: out.val = BigInt.asUintN(64, BigInt(64 - (bitOff + bitSz - byteOff * 8))); break;
    case 5: out.val = BigInt(64 - bitSz); out.validate = true; break;
    default: throw new CoreFail(ENOTSUP);
  }
  return out;
}

function calcTypeRelo(rec: CoreReloRecord, spec: Spec | null): bigint {
  if (!spec) return 0n;
  switch (rec.kind) {
    case 7: return BigInt(spec.rootTypeId);
    case 8: case 12: return 1n;
    case 9: return BigInt(size(spec.btf, spec.rootTypeId));
    default: throw new CoreFail(ENOTSUP);
  }
}

function calcEnumvalRelo(rec: CoreReloRecord, spec: Spec | null): bigint {
  if (rec.kind === 10) return spec ? 1n : 0n;
  if (rec.kind !== 11) throw new CoreFail(ENOTSUP);
  if (!spec) throw new CoreFail(EUCLEAN);
  const t = typeById(spec.btf, spec.spec[0].typeId);
  if (t.kind === 'enum') return BigInt.asUintN(64, BigInt(t.values[spec.spec[0].idx].value | 0)); // __s32 sign-extended
  if (t.kind === 'enum64') return BigInt.asUintN(64, t.values[spec.spec[0].idx].value);
  throw new CoreFail(EINVAL);
}

function calcRelo(progName: string, rec: CoreReloRecord, relIdx: number, local: Spec, targ: Spec | null): Res {
  const res: Res = { origVal: 0n, newVal: 0n, poison: false, validate: true, failMemszAdjust: false, origSz: 0, newSz: 0, origTypeId: 0, newTypeId: 0 };
  try {
    if (FIELD_KINDS.has(rec.kind)) {
      const o = calcFieldRelo(progName, rec, local);
      res.origVal = o.val; res.origSz = o.fieldSz; res.origTypeId = o.typeId; res.validate = o.validate;
      const n = calcFieldRelo(progName, rec, targ);
      res.newVal = n.val; res.newSz = n.fieldSz; res.newTypeId = n.typeId;
      if (res.origSz !== res.newSz) {
        const ot = typeById(local.btf, res.origTypeId), nt = typeById(targ!.btf, res.newTypeId);
        const unsignedInt = (t: BtfType): boolean => t.kind === 'int' && !t.signed;
        if (!((ot.kind === 'ptr' && nt.kind === 'ptr') || (unsignedInt(ot) && unsignedInt(nt)))) res.failMemszAdjust = true;
      }
    } else if (TYPE_KINDS.has(rec.kind)) {
      res.origVal = calcTypeRelo(rec, local);
      res.newVal = calcTypeRelo(rec, targ);
      res.validate = rec.kind !== 7;
    } else if (ENUMVAL_KINDS.has(rec.kind)) {
      res.origVal = calcEnumvalRelo(rec, local);
      res.newVal = calcEnumvalRelo(rec, targ);
    } else {
      throw new CoreFail(ENOTSUP);
    }
  } catch (e) {
    if (e instanceof CoreFail && e.errno === EUCLEAN) { res.poison = true; return res; }
    if (e instanceof CoreFail && e.errno === ENOTSUP) {
      throw new LoaderError('core', ENOTSUP, `prog '${progName}': relo #${relIdx}: unrecognized CO-RE relocation ${KIND_STR[rec.kind] ?? 'unknown'} (${rec.kind}) at insn #${Math.floor(rec.insnOff / 8)}`);
    }
    throw e;
  }
  return res;
}

/** Candidate types in the target BTF with the same essential name (cached per target).
 *  Split BTF (a base) is not searched: vmlinux has none. */
const candIndexCache = new WeakMap<Btf, Map<string, number[]>>();
function candidates(local: BtfType, targ: Btf): number[] {
  let idx = candIndexCache.get(targ);
  if (!idx) {
    idx = new Map();
    // Names straight from the raw type records (no type is decoded).
    const dv = new DataView(targ.raw.buffer, targ.raw.byteOffset, targ.raw.byteLength);
    for (let i = 0; i < targ.offsets.length - 1; i++) {
      const t = targ.types[i];
      const name = t !== undefined ? t.name : stringAtOffset(targ, dv.getUint32(targ.offsets[i], true));
      if (name === '') continue;
      const ess = name.slice(0, essentialNameLen(name));
      const l = idx.get(ess);
      if (l) l.push(targ.firstId + i); else idx.set(ess, [targ.firstId + i]);
    }
    for (const l of idx.values()) l.sort((a, b) => a - b); // libbpf scans ids in order
    candIndexCache.set(targ, idx);
  }
  const ess = local.name.slice(0, essentialNameLen(local.name));
  const lk = local.kind === 'enum64' ? 'enum' : local.kind;
  return (idx.get(ess) ?? []).filter((id) => {
    const k = kindOf(targ, id);
    return (k === 'enum64' ? 'enum' : k) === lk;
  });
}

function calcReloInsn(progName: string, rec: CoreReloRecord, relIdx: number, btf: Btf, vmlinux: Btf | undefined): Res {
  const lt = typeById(btf, rec.typeId);
  let local: Spec;
  try { local = parseSpec(btf, rec, progName); } catch (e) {
    if (!(e instanceof CoreFail)) throw e;
    throw new LoaderError('core', EINVAL, `prog '${progName}': relo #${relIdx}: parsing [${rec.typeId}] ${lt.kind} ${lt.name === '' ? '<anon>' : lt.name} + ${rec.accessStr} failed: ${e.errno}`);
  }
  if (rec.kind === 6) {
    const v = BigInt(local.rootTypeId);
    return { origVal: v, newVal: v, poison: false, validate: false, failMemszAdjust: false, origSz: 0, newSz: 0, origTypeId: 0, newTypeId: 0 };
  }
  if (lt.name === '') {
    throw new LoaderError('core', EINVAL, `prog '${progName}': relo #${relIdx}: target candidate search failed for [${rec.typeId}] ${lt.kind} ${lt.name}: -22`);
  }
  if (!vmlinux) throw new LoaderError('core', -3, `prog '${progName}': relo #${relIdx}: vmlinux BTF is needed for CO-RE relocations`);
  let targ: Res | undefined, targSpec: Spec | undefined;
  for (const cid of candidates(lt, vmlinux)) {
    let cs: Spec | null;
    try { cs = specMatch(local, vmlinux, cid); } catch (e) {
      if (e instanceof CoreFail) throw new LoaderError('core', e.errno, `prog '${progName}': relo #${relIdx}: error matching candidate #${cid}: ${e.errno}`);
      throw e;
    }
    if (!cs) continue;
    const cr = calcRelo(progName, rec, relIdx, local, cs);
    if (!targ) { targ = cr; targSpec = cs; }
    else if (cs.bitOffset !== targSpec!.bitOffset) {
      throw new LoaderError('core', EINVAL, `prog '${progName}': relo #${relIdx}: field offset ambiguity: ${cs.bitOffset} != ${targSpec!.bitOffset}`);
    } else if (cr.poison !== targ.poison || cr.newVal !== targ.newVal) {
      throw new LoaderError('core', EINVAL, `prog '${progName}': relo #${relIdx}: relocation decision ambiguity: ${cr.poison ? 'failure' : 'success'} ${cr.newVal} != ${targ.poison ? 'failure' : 'success'} ${targ.newVal}`);
    }
  }
  return targ ?? calcRelo(progName, rec, relIdx, local, null);
}

function poisonInsn(i: Insn): void {
  i.code = 0x85; i.dst = 0; i.src = 0; i.off = 0; i.imm = POISON_IMM;
}

const SIZE_BYTES: Record<number, number> = { 0x18: 8, 0x00: 4, 0x08: 2, 0x10: 1 };
const BYTES_SIZE: Record<number, number> = { 8: 0x18, 4: 0x00, 2: 0x08, 1: 0x10 };

/** bpf_core_patch_insn on insns[idx] (and idx+1 for ld_imm64). */
function patchInsn(progName: string, insns: Insn[], idx: number, relIdx: number, res: Res): void {
  const insn = insns[idx];
  const cls = BPF_CLASS(insn.code);
  const fail = (errno: number, msg: string): never => { throw new LoaderError('core', errno, msg, { prog: progName }); };
  const poison = (): void => {
    if (insn.code === OP_LD_IMM64 && insns[idx + 1]) poisonInsn(insns[idx + 1]);
    poisonInsn(insn);
  };
  if (res.poison) { poison(); return; }
  const orig = res.origVal, nv = res.newVal;
  switch (cls) {
    case 4: case 7: // ALU, ALU64
      if ((insn.code & 0x08) !== 0) fail(EINVAL, `prog '${progName}': relo #${relIdx}: failed to patch insn #${idx}: -22`);
      if (res.validate && BigInt(insn.imm) !== orig) {
        fail(EINVAL, `prog '${progName}': relo #${relIdx}: unexpected insn #${idx} (ALU/ALU64) value: got ${insn.imm}, exp ${orig} -> ${nv}`);
      }
      insn.imm = Number(BigInt.asIntN(32, nv));
      break;
    case 1: case 2: case 3: { // LDX, ST, STX
      if (res.validate && BigInt(insn.off) !== orig) {
        fail(EINVAL, `prog '${progName}': relo #${relIdx}: unexpected insn #${idx} (LDX/ST/STX) value: got ${insn.off}, exp ${orig} -> ${nv}`);
      }
      if (nv > 32767n) fail(ERANGE, `prog '${progName}': relo #${relIdx}: insn #${idx} (LDX/ST/STX) value too big: ${nv}`);
      if (res.failMemszAdjust) { poison(); return; }
      insn.off = Number(nv);
      if (res.newSz !== res.origSz) {
        const bytes = SIZE_BYTES[insn.code & 0x18];
        if (bytes !== res.origSz) fail(EINVAL, `prog '${progName}': relo #${relIdx}: insn #${idx} (LDX/ST/STX) unexpected mem size: got ${bytes}, exp ${res.origSz}`);
        const sz = BYTES_SIZE[res.newSz];
        if (sz === undefined) fail(EINVAL, `prog '${progName}': relo #${relIdx}: insn #${idx} (LDX/ST/STX) invalid new mem size: ${res.newSz}`);
        insn.code = (insn.code & 0xe0) | sz | cls;
      }
      break;
    }
    case 0: { // LD
      const i1 = insns[idx + 1];
      if (insn.code !== OP_LD_IMM64 || !i1 || insn.src !== 0 || insn.off !== 0 || i1.code !== 0 || i1.dst !== 0 || i1.src !== 0 || i1.off !== 0) {
        fail(EINVAL, `prog '${progName}': relo #${relIdx}: insn #${idx} (LDIMM64) has unexpected form`);
      }
      const imm = BigInt(insn.imm >>> 0) | (BigInt(i1.imm >>> 0) << 32n);
      if (res.validate && imm !== orig) fail(EINVAL, `prog '${progName}': relo #${relIdx}: unexpected insn #${idx} (LDIMM64) value: got ${imm}, exp ${orig} -> ${nv}`);
      insn.imm = Number(BigInt.asIntN(32, nv));
      i1.imm = Number(BigInt.asIntN(32, nv >> 32n));
      break;
    }
    default:
      fail(EINVAL, `prog '${progName}': relo #${relIdx}: trying to relocate unrecognized insn #${idx}, code:0x${insn.code.toString(16)}, src:0x${insn.src.toString(16)}, dst:0x${insn.dst.toString(16)}, off:0x${(insn.off & 0xffff).toString(16)}, imm:0x${(insn.imm >>> 0).toString(16)}`);
  }
}

export function relocateCore(input: CoreInput): void {
  for (const sec of input.ext.coreRelos.sections) {
    const secIdx = input.secNames.indexOf(sec.secName);
    sec.records.forEach((rec, i) => {
      if (rec.insnOff % 8) throw new LoaderError('core', EINVAL, `sec '${sec.secName}': CO-RE relocation #${i} at unaligned offset ${rec.insnOff}`);
      const insnIdx = rec.insnOff / 8;
      const prog = input.progs.find((p) => p.secIdx === secIdx && insnIdx >= p.secInsnOff && insnIdx < p.secInsnOff + p.secInsnCnt);
      if (!prog || !prog.autoload) return;
      const local = insnIdx - prog.secInsnOff;
      let res: Res;
      try {
        res = calcReloInsn(prog.name, rec, i, input.btf, input.vmlinux);
      } catch (e) {
        if (e instanceof LoaderError) throw e;
        if (e instanceof CoreFail) throw new LoaderError('core', e.errno, `prog '${prog.name}': relo #${i}: failed to relocate: ${e.errno}`);
        throw e;
      }
      patchInsn(prog.name, prog.insns, local, i, res);
    });
  }
}
