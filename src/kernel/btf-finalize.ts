// The BTF an object hands to BPF_BTF_LOAD, from the compiler's .BTF: libbpf's
// bpf_object_fixup_btf()/btf_fixup_datasec() (DATASEC sizes and VAR offsets from
// the ELF, hidden VARs made static, secinfos sorted by offset), the .ksyms part
// of bpf_object__collect_externs() with add_dummy_ksym_var() (extern FUNCs and
// VARs become 4-byte int VARs, FUNC linkage global), and the mark_btf_static
// step of bpf_object__sanitize_and_load_btf() (hidden global subprogs -> static).
// Works on a fresh parse, so the loader's Btf is left alone.
import { parseBtf } from '../btf/parse';
import { Btf, typeById, setType, addType, typeCount } from '../btf/btf';
import { encodeBtf } from '../btf/encode';
import { BtfDatasec, BtfFunc, BtfFuncProto, BtfType } from '../btf/types';
import { ElfFile, STT_FUNC, STT_OBJECT, STV_HIDDEN, STV_INTERNAL, STB_LOCAL } from '../elf/types';
import { KernelError } from './errors';

const isHidden = (v: number): boolean => v === STV_HIDDEN || v === STV_INTERNAL;

function findInt4(btf: Btf): number {
  for (let id = 1; id < typeCount(btf); id++) {
    const t = typeById(btf, id);
    if (t.kind === 'int' && t.size === 4) return id;
  }
  return 0;
}

function fixKsyms(btf: Btf, sec: BtfDatasec, secId: number): void {
  let dummy = 0;
  if (sec.vars.some((v) => typeById(btf, v.type).kind === 'func')) {
    dummy = addType(btf, { kind: 'var', name: 'dummy_ksym', nameOff: 0, type: findInt4(btf), linkage: 'global' });
  }
  const int4 = findInt4(btf);
  const vars = sec.vars.map((vs, i) => {
    const vt = typeById(btf, vs.type);
    let type = vs.type;
    if (vt.kind === 'func') {
      const proto = typeById(btf, vt.type);
      if (proto.kind === 'func_proto' && proto.params.some((p) => p.type && !p.name)) {
        const fixed: BtfFuncProto = { ...proto, params: proto.params.map((p) => (p.type && !p.name ? { ...p, name: 'dummy_ksym', nameOff: 0 } : p)) };
        setType(btf, vt.type, fixed);
      }
      setType(btf, vs.type, { ...vt, linkage: 'global' } as BtfFunc);
      type = dummy;
    } else if (vt.kind === 'var') {
      setType(btf, vs.type, { ...vt, linkage: 'global', type: int4 });
    }
    return { type, offset: i * 4, size: 4 };
  });
  setType(btf, secId, { ...sec, vars, size: vars.length * 4 });
}

/** Kernel-ready BTF bytes for an object's .BTF section. */
export function finalizeObjectBtf(btfBytes: Uint8Array, elf: ElfFile): Uint8Array {
  const btf = parseBtf(btfBytes);
  const n = typeCount(btf);
  const varSym = (name: string) => elf.symbols.find((s) => s.name === name && s.type === STT_OBJECT && s.bind !== STB_LOCAL)
    ?? elf.symbols.find((s) => s.name === name && s.type === STT_OBJECT);
  for (let id = 1; id < n; id++) {
    const t: BtfType = typeById(btf, id);
    if (t.kind !== 'datasec') continue;
    if (t.name === '.kconfig') continue; // sizes come from the loader's kconfig layout (not handled here)
    if (t.name === '.ksyms') { fixKsyms(btf, t, id); continue; }
    let size = t.size;
    const fixOffsets = size === 0;
    if (fixOffsets) {
      const s = elf.sections.find((x) => x.name === t.name);
      if (!s || !s.size) throw new KernelError('bad-request', 'BTF fixup', `sec '${t.name}': failed to determine size from ELF`);
      size = s.size;
    }
    const vars = t.vars.map((vs) => {
      const v = typeById(btf, vs.type);
      if (v.kind !== 'var') throw new KernelError('bad-request', 'BTF fixup', `sec '${t.name}': unexpected non-VAR type found`);
      if (v.linkage === 'static' || v.linkage === 'extern') return vs;
      const sym = varSym(v.name);
      if (!sym) throw new KernelError('bad-request', 'BTF fixup', `sec '${t.name}': failed to find ELF symbol for VAR '${v.name}'`);
      if (isHidden(sym.visibility)) setType(btf, vs.type, { ...v, linkage: 'static' });
      return fixOffsets ? { ...vs, offset: sym.value } : vs;
    }).sort((a, b) => a.offset - b.offset);
    setType(btf, id, { ...t, size, vars });
  }
  // Hidden global subprograms (in .text) are verified as static functions.
  const text = elf.sections.find((s) => s.name === '.text');
  if (text) {
    const hidden = new Set(elf.symbols.filter((s) => s.shndx === text.index && s.type === STT_FUNC && s.bind !== STB_LOCAL && isHidden(s.visibility)).map((s) => s.name));
    for (let id = 1; id < n; id++) {
      const t = typeById(btf, id);
      if (t.kind === 'func' && t.linkage === 'global' && hidden.has(t.name)) setType(btf, id, { ...t, linkage: 'static' });
    }
  }
  return encodeBtf(btf);
}
