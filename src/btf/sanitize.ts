// BTF fix-ups libbpf applies before BPF_BTF_LOAD:
//  - btf_fixup_datasec / bpf_object_fixup_btf (btf_finalize_data): DATASEC sizes
//    and VAR offsets from the ELF section sizes and symbol values, hidden VARs made
//    static, secinfos sorted by offset;
//  - bpf_object__sanitize_and_load_btf: FUNCs of hidden (STV_HIDDEN) subprograms
//    get static linkage;
//  - bpf_object__sanitize_btf: kinds the kernel lacks are rewritten (per feature).
//  - bpf_object__collect_externs (BTF part): .ksyms entries become 4-byte slots.
// The caller supplies ELF facts through callbacks, so this stays pure.
import { Btf, typeById, typeCount, setType, addType } from './btf';
import { findByName } from './lookup';
import { BtfError } from './errors';
import { BtfType, BtfMember } from './types';

export interface DatasecElfInfo {
  /** Size of the ELF section with this name, undefined when there is none. */
  sectionSize(name: string): number | undefined;
  /**
   * The ELF symbol named like a VAR, as libbpf's find_elf_var_sym picks it (a global or
   * weak STT_OBJECT): value (offset in its section) and whether it is STV_HIDDEN/STV_INTERNAL.
   */
  symbol(name: string): { value: number; hidden: boolean } | undefined;
}

function fixFail(detail: string): never {
  throw new BtfError('fixup', '.BTF', 0, detail);
}

/** libbpf btf_fixup_datasec for every DATASEC (bpf_object_fixup_btf). Edits `btf` in place. */
export function fixupDatasecs(btf: Btf, elf: DatasecElfInfo): void {
  const n = typeCount(btf);
  for (let id = btf.firstId; id < n; id++) {
    const t = typeById(btf, id);
    if (t.kind !== 'datasec') continue;
    const secName = t.name;
    if (secName !== '.kconfig' && secName !== '.ksyms') {
      let fixupOffsets = false;
      if (t.size === 0) {
        const size = elf.sectionSize(secName);
        if (!size) fixFail(`sec '${secName}': failed to determine size from ELF: size ${size ?? 0}, err -2`);
        t.size = size;
        fixupOffsets = true;
      }
      for (const vsi of t.vars) {
        const v = vsi.type < n ? typeById(btf, vsi.type) : undefined;
        if (!v || v.kind !== 'var') fixFail(`sec '${secName}': unexpected non-VAR type found`);
        if (v.linkage === 'static' || v.linkage === 'extern') continue;
        const sym = elf.symbol(v.name);
        if (!sym) fixFail(`sec '${secName}': failed to find ELF symbol for VAR '${v.name}'`);
        if (fixupOffsets) vsi.offset = sym.value;
        if (sym.hidden) v.linkage = 'static';
      }
    }
    t.vars.sort((a, b) => a.offset - b.offset);
  }
}

/** First INT of 32 bits (libbpf find_int_btf_id), 0 when none. */
export function findInt32(btf: Btf): number {
  const n = typeCount(btf);
  for (let id = 1; id < n; id++) {
    const t = typeById(btf, id);
    if (t.kind === 'int' && t.bits === 32) return id;
  }
  return 0;
}

/**
 * The BTF part of libbpf bpf_object__collect_externs for the .ksyms DATASEC:
 * when it holds a FUNC, a VAR 'dummy_ksym' (global, 4-byte int) is added
 * (add_dummy_ksym_var); then each entry becomes a 4-byte slot at offset 4*i:
 * FUNCs get global linkage, their unnamed typed params the name 'dummy_ksym', and
 * the slot points at the dummy VAR; VARs get global linkage and the int type.
 * Returns the dummy VAR id (0 if none was needed) or undefined without .ksyms.
 */
export function fixupKsymsDatasec(btf: Btf): number | undefined {
  const secId = findByName(btf, '.ksyms', 'datasec');
  if (secId === undefined) return undefined;
  const sec = typeById(btf, secId);
  if (sec.kind !== 'datasec') return undefined;
  let dummy = 0;
  if (sec.vars.some((v) => typeById(btf, v.type).kind === 'func')) {
    dummy = addType(btf, { kind: 'var', name: 'dummy_ksym', nameOff: 0, type: findInt32(btf), linkage: 'global' });
  }
  const intId = findInt32(btf);
  sec.vars.forEach((vs, i) => {
    const vt = typeById(btf, vs.type);
    if (vt.kind === 'func') {
      const proto = typeById(btf, vt.type);
      if (proto.kind === 'func_proto') {
        for (const p of proto.params) if (p.type !== 0 && p.name === '') { p.name = 'dummy_ksym'; p.nameOff = 0; }
      }
      vs.type = dummy;
      vt.linkage = 'global';
    } else if (vt.kind === 'var') {
      vt.linkage = 'global';
      vt.type = intId;
    }
    vs.offset = 4 * i;
    vs.size = 4;
  });
  sec.size = 4 * sec.vars.length;
  return dummy;
}

/**
 * Give static linkage to the first global FUNC named like each hidden subprogram
 * (libbpf's prog->mark_btf_static handling). Returns the ids changed.
 */
export function markFuncsStatic(btf: Btf, names: readonly string[]): number[] {
  const changed: number[] = [];
  const n = typeCount(btf);
  for (const name of names) {
    for (let id = btf.firstId; id < n; id++) {
      const t = typeById(btf, id);
      if (t.kind !== 'func' || t.linkage !== 'global' || t.name !== name) continue;
      t.linkage = 'static';
      changed.push(id);
      break;
    }
  }
  return changed;
}

/** Kernel BTF features (libbpf FEAT_BTF_*); all true on a 6.x kernel. */
export interface BtfFeatures {
  func: boolean; funcGlobal: boolean; datasec: boolean; qmarkDatasec: boolean;
  float: boolean; declTag: boolean; typeTag: boolean; enum64: boolean;
}
export const ALL_BTF_FEATURES: BtfFeatures = {
  func: true, funcGlobal: true, datasec: true, qmarkDatasec: true, float: true, declTag: true, typeTag: true, enum64: true,
};

/** Whether sanitizeBtf would change anything (libbpf btf_needs_sanitization). */
export function btfNeedsSanitization(f: BtfFeatures): boolean {
  return !f.func || !f.funcGlobal || !f.datasec || !f.qmarkDatasec || !f.float || !f.declTag || !f.typeTag || !f.enum64;
}

/**
 * libbpf bpf_object__sanitize_btf: rewrite kinds the kernel does not support.
 * Edits `btf` (clone it first to keep the original). Renamed DATASECs get a new
 * string appended instead of libbpf's in-place byte edit.
 */
export function sanitizeBtf(btf: Btf, f: BtfFeatures): void {
  let enum64Placeholder = 0;
  const n = typeCount(btf);
  for (let id = btf.firstId; id < n; id++) {
    const t = typeById(btf, id);
    let r: BtfType | undefined;
    if ((!f.datasec && t.kind === 'var') || (!f.declTag && t.kind === 'decl_tag')) {
      r = { kind: 'int', name: t.name, nameOff: t.nameOff, size: 1, bits: 8, offset: 0, signed: false, char: false, bool: false };
    } else if (!f.datasec && t.kind === 'datasec') {
      const members: BtfMember[] = t.vars.map((v) => {
        const vt = typeById(btf, v.type);
        return { name: vt.name, nameOff: vt.nameOff, type: v.type, bitOffset: v.offset * 8, bitfieldSize: 0 };
      });
      r = { kind: 'struct', name: t.name.replace(/[.?]/g, '_'), nameOff: t.nameOff, size: t.size, kindFlag: false, members };
    } else if (!f.qmarkDatasec && t.kind === 'datasec' && t.name.startsWith('?')) {
      t.name = '_' + t.name.slice(1);
      btf.nameIndex = undefined;
    } else if (!f.func && t.kind === 'func_proto') {
      r = { kind: 'enum', name: t.name, nameOff: t.nameOff, size: 4, signed: false,
        values: t.params.map((p) => ({ name: p.name, nameOff: p.nameOff, value: p.type })) };
    } else if (!f.func && t.kind === 'func') {
      r = { kind: 'typedef', name: t.name, nameOff: t.nameOff, type: t.type };
    } else if (!f.funcGlobal && t.kind === 'func') {
      t.linkage = 'static';
    } else if (!f.float && t.kind === 'float') {
      r = { kind: 'struct', name: '', nameOff: 0, size: t.size, kindFlag: false, members: [] };
    } else if (!f.typeTag && t.kind === 'type_tag') {
      r = { kind: 'const', name: '', nameOff: 0, type: t.type };
    } else if (!f.enum64 && t.kind === 'enum') {
      t.signed = false;
    } else if (!f.enum64 && t.kind === 'enum64') {
      if (enum64Placeholder === 0) {
        enum64Placeholder = addType(btf, { kind: 'int', name: 'enum64_placeholder', nameOff: 0, size: 1, bits: 8, offset: 0, signed: false, char: false, bool: false });
      }
      r = { kind: 'union', name: t.name, nameOff: t.nameOff, size: t.size, kindFlag: false,
        members: t.values.map((v) => ({ name: v.name, nameOff: v.nameOff, type: enum64Placeholder, bitOffset: 0, bitfieldSize: 0 })) };
    }
    if (r) setType(btf, id, r);
  }
}
