// Externs: kfuncs and typed ksyms in .ksyms, resolved against vmlinux BTF
// (libbpf sym_is_extern, bpf_object__collect_externs, find_extern_btf_id,
// find_extern_sec_btf_id, cmp_externs, bpf_object__resolve_ksym_func_btf_id,
// bpf_object__resolve_ksym_var_btf_id). Module BTFs are not searched.
import { Btf, typeById, typeCount } from '../btf';
import { findByName, skipModsAndTypedefs } from '../btf';
import { ElfFile, STB_WEAK } from '../elf/types';
import { symIsExtern } from './collect';
import { typesAreCompat, essentialNameLen } from './compat';
import { EINVAL, ENOTSUP, ESRCH, LoaderError } from './errors';
import { ExternDesc } from './model';

export interface ExternInternal extends ExternDesc {
  symIdx: number;
  /** Local type id: FUNC_PROTO for kfuncs, the variable's type for ksyms (modifiers skipped). */
  localTypeId: number;
}

function findExternBtfId(btf: Btf, name: string): number {
  const n = typeCount(btf);
  for (let i = 1; i < n; i++) {
    const t = typeById(btf, i);
    if ((t.kind !== 'var' && t.kind !== 'func') || t.name !== name) continue;
    if (t.linkage !== 'extern') return EINVAL;
    return i;
  }
  return -2;
}

function findExternSecBtfId(btf: Btf, varId: number): number {
  const n = typeCount(btf);
  for (let i = 1; i < n; i++) {
    const t = typeById(btf, i);
    if (t.kind !== 'datasec') continue;
    if (t.vars.some((v) => v.type === varId)) return i;
  }
  return -2;
}

export function collectExterns(elf: ElfFile, btf: Btf | undefined): ExternInternal[] {
  const out: ExternInternal[] = [];
  for (const sym of elf.symbols) {
    if (!symIsExtern(sym) || sym.name === '') continue;
    const id = btf ? findExternBtfId(btf, sym.name) : -3;
    if (id <= 0) throw new LoaderError('extern', id, `failed to find BTF for extern '${sym.name}': ${id}`);
    const t = typeById(btf!, id);
    const secId = findExternSecBtfId(btf!, id);
    if (secId <= 0) throw new LoaderError('extern', secId, `failed to find BTF for extern '${sym.name}' [${id}] section: ${secId}`);
    const secName = typeById(btf!, secId).name;
    let kind: ExternDesc['kind'];
    if (secName === '.kconfig') {
      if (t.kind === 'func') throw new LoaderError('extern', ENOTSUP, `extern function ${t.name} is unsupported under .kconfig section`);
      kind = 'kconfig';
    } else if (secName === '.ksyms') {
      kind = t.kind === 'func' ? 'kfunc' : 'ksym';
    } else {
      throw new LoaderError('extern', ENOTSUP, `unrecognized extern section '${secName}'`);
    }
    const typeId = (t as { type: number }).type;
    out.push({
      name: t.name, kind, weak: sym.bind === STB_WEAK, btfId: id, kernelBtfId: 0, resolved: false,
      symIdx: sym.index, localTypeId: skipModsAndTypedefs(btf!, typeId),
    });
  }
  // cmp_externs: by type (kconfig before ksyms), then by name (kconfig also by align/size: not supported here)
  const rank = (e: ExternInternal): number => (e.kind === 'kconfig' ? 1 : 2);
  out.sort((a, b) => (rank(a) - rank(b)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

export function resolveExterns(exts: ExternInternal[], btf: Btf, vmlinux: Btf | undefined): void {
  for (const ext of exts) {
    if (ext.kind === 'kconfig') {
      throw new LoaderError('unsupported', ENOTSUP, `extern (kcfg) '${ext.name}': .kconfig externs are not supported by bpfx`);
    }
    if (!vmlinux) throw new LoaderError('extern', ESRCH, `extern (${ext.kind === 'kfunc' ? 'func' : 'var'} ksym) '${ext.name}': vmlinux BTF is needed to resolve it`);
    if (ext.kind === 'kfunc') {
      const name = ext.name.slice(0, essentialNameLen(ext.name));
      const id = findByName(vmlinux, name, 'func');
      if (id === undefined) {
        if (ext.weak) continue;
        throw new LoaderError('extern', ESRCH, `extern (func ksym) '${ext.name}': not found in kernel or module BTFs`);
      }
      const kf = typeById(vmlinux, id);
      const protoId = kf.kind === 'func' ? kf.type : 0;
      if (!typesAreCompat(btf, ext.localTypeId, vmlinux, protoId)) {
        if (ext.weak) continue;
        throw new LoaderError('extern', EINVAL, `extern (func ksym) '${ext.name}': func_proto [${ext.localTypeId}] incompatible with vmlinux [${protoId}]`);
      }
      ext.kernelBtfId = id; ext.resolved = true;
    } else {
      const id = findByName(vmlinux, ext.name, 'var');
      if (id === undefined) {
        if (ext.weak) continue;
        throw new LoaderError('extern', ESRCH, `extern (var ksym) '${ext.name}': not found in kernel BTF`);
      }
      const tv = typeById(vmlinux, id);
      const targId = skipModsAndTypedefs(vmlinux, tv.kind === 'var' ? tv.type : 0);
      if (!typesAreCompat(btf, ext.localTypeId, vmlinux, targId)) {
        const lt = typeById(btf, ext.localTypeId), tt = typeById(vmlinux, targId);
        throw new LoaderError('extern', EINVAL, `extern (var ksym) '${ext.name}': incompatible types, expected [${ext.localTypeId}] ${lt.kind} ${lt.name}, but kernel has [${targId}] ${tt.kind} ${tt.name}`);
      }
      ext.kernelBtfId = id; ext.resolved = true;
    }
  }
}
