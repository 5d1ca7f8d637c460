// Externs: kfuncs and typed ksyms in .ksyms, resolved against vmlinux BTF
// (libbpf sym_is_extern, bpf_object__collect_externs, find_extern_btf_id,
// find_extern_sec_btf_id, cmp_externs, bpf_object__resolve_ksym_func_btf_id,
// bpf_object__resolve_ksym_var_btf_id). Module BTFs are not searched.
import { Btf, typeById, typeCount } from '../btf';
import { findByName, skipModsAndTypedefs, alignOf } from '../btf';
import { ElfFile, STB_WEAK } from '../elf/types';
import { symIsExtern } from './collect';
import { typesAreCompat, essentialNameLen } from './compat';
import { applyKconfigText, findKcfgType, Kcfg, kernelVersionCode, setNum } from './kconfig';
import { typeSize } from '../btf';
import { EINVAL, ENOTSUP, ESRCH, LoaderError } from './errors';
import { ExternDesc } from './model';

export interface ExternInternal extends ExternDesc {
  symIdx: number;
  /** Local type id: FUNC_PROTO for kfuncs, the variable's type for ksyms (modifiers skipped). */
  localTypeId: number;
  /** .kconfig layout and type. */
  kcfg?: Kcfg;
  /** Typeless ksym address (from the caller's kallsyms). */
  addr?: bigint;
}

export interface ExternOptions {
  /** Kconfig text (/proc/config.gz contents) for CONFIG_* externs. */
  kconfig?: string;
  /** uname release for LINUX_KERNEL_VERSION (e.g. '6.18.44'). */
  kernelRelease?: string;
  /** Kernel feature answers for LINUX_HAS_BPF_COOKIE / LINUX_HAS_SYSCALL_WRAPPER (default true). */
  hasBpfCookie?: boolean;
  hasSyscallWrapper?: boolean;
  /** Symbol addresses (/proc/kallsyms) for typeless ksyms. */
  kallsyms?: Map<string, bigint>;
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
    let kcfg: Kcfg | undefined;
    if (secName === '.kconfig') {
      if (t.kind === 'func') throw new LoaderError('extern', ENOTSUP, `extern function ${t.name} is unsupported under .kconfig section`);
      kind = 'kconfig';
      const vt = (t as { type: number }).type;
      let sz = 0;
      try { sz = typeSize(btf!, vt); } catch { sz = -22; }
      if (sz <= 0) throw new LoaderError('extern', sz || EINVAL, `failed to resolve size of extern (kcfg) '${sym.name}': ${sz}`);
      const align = alignOf(btf!, vt);
      if (align <= 0) throw new LoaderError('extern', EINVAL, `failed to determine alignment of extern (kcfg) '${sym.name}': ${align}`);
      const kt = findKcfgType(btf!, vt);
      if (kt.type === 'unknown') throw new LoaderError('extern', ENOTSUP, `extern (kcfg) '${sym.name}': type is unsupported`);
      kcfg = { sz, align, type: kt.type, signed: kt.signed, dataOff: 0 };
    } else if (secName === '.ksyms') {
      kind = t.kind === 'func' ? 'kfunc' : 'ksym';
    } else {
      throw new LoaderError('extern', ENOTSUP, `unrecognized extern section '${secName}'`);
    }
    const typeId = (t as { type: number }).type;
    out.push({
      name: t.name, kind, weak: sym.bind === STB_WEAK, btfId: id, kernelBtfId: 0, resolved: false,
      symIdx: sym.index, localTypeId: skipModsAndTypedefs(btf!, typeId), kcfg,
    });
  }
  // cmp_externs: by type (kconfig before ksyms); kconfig by alignment (descending), size; then by name
  const rank = (e: ExternInternal): number => (e.kind === 'kconfig' ? 1 : 2);
  out.sort((a, b) => (rank(a) - rank(b))
    || (a.kcfg && b.kcfg ? (b.kcfg.align - a.kcfg.align) || (a.kcfg.sz - b.kcfg.sz) : 0)
    || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // .kconfig layout: each value at the next offset aligned for it
  let off = 0;
  for (const e of out) {
    if (!e.kcfg) continue;
    e.kcfg.dataOff = Math.ceil(off / e.kcfg.align) * e.kcfg.align;
    off = e.kcfg.dataOff + e.kcfg.sz;
  }
  return out;
}

/** Size of the .kconfig map (0 when there are no kconfig externs). */
export function kconfigSize(exts: ExternInternal[]): number {
  let size = 0;
  for (const e of exts) if (e.kcfg) size = Math.max(size, e.kcfg.dataOff + e.kcfg.sz);
  return size;
}

/** bpf_object__resolve_externs; returns the .kconfig map contents (undefined without kconfig externs). */
export function resolveExterns(exts: ExternInternal[], btf: Btf, vmlinux: Btf | undefined, opts: ExternOptions = {},
  warnings: string[] = []): Uint8Array | undefined {
  const size = kconfigSize(exts);
  const data = size ? new Uint8Array(size) : undefined;
  const kexts = exts.filter((e) => e.kind === 'kconfig').map((e) => ({ name: e.name, weak: e.weak, kcfg: e.kcfg!, set: false, e }));
  let needConfig = false;
  for (const k of kexts) {
    if (k.name.startsWith('CONFIG_')) { needConfig = true; continue; }
    let value: bigint;
    if (k.name === 'LINUX_KERNEL_VERSION') {
      const v = opts.kernelRelease ? kernelVersionCode(opts.kernelRelease) : 0;
      if (!v) throw new LoaderError('extern', EINVAL, `extern (kcfg) '${k.name}': failed to get kernel version`);
      value = BigInt(v);
    } else if (k.name === 'LINUX_HAS_BPF_COOKIE') value = opts.hasBpfCookie === false ? 0n : 1n;
    else if (k.name === 'LINUX_HAS_SYSCALL_WRAPPER') value = opts.hasSyscallWrapper === false ? 0n : 1n;
    else if (!k.name.startsWith('LINUX_') || !k.weak) {
      throw new LoaderError('extern', EINVAL, `extern (kcfg) '${k.name}': unrecognized virtual extern`);
    } else continue;
    setNum(k, data!, value);
  }
  if (needConfig) {
    if (opts.kconfig === undefined) throw new LoaderError('extern', EINVAL, 'failed to open system Kconfig');
    applyKconfigText(opts.kconfig, kexts, data!, warnings);
  }
  for (const k of kexts) k.e.resolved = k.set;
  for (const ext of exts) {
    if (ext.kind !== 'ksym' || ext.localTypeId !== 0) continue;
    const a = opts.kallsyms?.get(ext.name);
    if (a !== undefined) { ext.addr = a; ext.resolved = true; }
  }
  if (exts.some((e) => e.kind === 'kfunc' || (e.kind === 'ksym' && e.localTypeId !== 0))) resolveKsymsBtf(exts, btf, vmlinux);
  for (const ext of exts) {
    if (!ext.resolved && !ext.weak) throw new LoaderError('extern', ESRCH, `extern '${ext.name}' (strong): not resolved`);
  }
  return data;
}

function resolveKsymsBtf(exts: ExternInternal[], btf: Btf, vmlinux: Btf | undefined): void {
  for (const ext of exts) {
    if (ext.kind === 'kconfig' || (ext.kind === 'ksym' && ext.localTypeId === 0)) continue;
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
