// The loader entry point: object bytes in, linked programs and maps out.
// Follows libbpf's bpf_object_open (elf_collect, collect_externs, init_maps,
// collect_relos) and the pure part of bpf_object_load (resolve_externs,
// relocate: CO-RE, calls, exception callbacks, data). Creating maps and
// loading programs is the kernel backend's job (src/kernel).
import { parseElf } from '../elf/read';
import { ElfFile } from '../elf/types';
import { parseBtf, encodeBtf, fixupDatasecs, fixupKsymsDatasec, markFuncsStatic, findByName, typeById } from '../btf';
import { LoaderError } from './errors';
import { STB_GLOBAL, STB_WEAK, STT_OBJECT, STV_HIDDEN, STV_INTERNAL } from '../elf/types';
import { Btf } from '../btf';
import { BtfExt, parseBtfExt } from '../btf';
import { collectElf, collectMapRelos, collectProgRelos } from './collect';
import { collectExterns, ExternInternal, kconfigSize, resolveExterns } from './externs';
import { initGlobalDataMaps, initKconfigMap, initUserBtfMaps } from './maps';
import { finishProgram, linkCalls, LinkInput, markPseudoFuncs } from './link';
import { relocateCore } from './core';
import { LoadedObject, LoadOptions, LinkedProgram } from './model';

/** Object name as libbpf derives it: the file's base name up to the first '.'. */
export function objectNameFromPath(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot >= 0 ? base.slice(0, dot) : base;
}

export interface LoadResult extends LoadedObject {
  /** libbpf pr_warn lines that did not fail the load. */
  warnings: string[];
}

/**
 * The object BTF as libbpf hands it to BPF_BTF_LOAD on a current kernel:
 * .ksyms entries turned into 4-byte slots (bpf_object__collect_externs),
 * DATASEC sizes/offsets from the ELF (bpf_object_fixup_btf), hidden
 * subprograms' FUNCs made static (bpf_object__sanitize_and_load_btf).
 * Done on a separate parse so the loader's own view stays the original.
 */
function btfToLoad(elf: ElfFile, bytes: Uint8Array, hiddenSubprogs: string[], externs: ExternInternal[]): Uint8Array {
  const b = parseBtf(bytes);
  // .kconfig: DATASEC sized to the map, VARs allocated at their data offsets (bpf_object__collect_externs)
  const kid = findByName(b, '.kconfig', 'datasec');
  if (kid !== undefined) {
    const sec = typeById(b, kid);
    if (sec.kind === 'datasec') {
      sec.size = kconfigSize(externs);
      for (const vs of sec.vars) {
        const v = typeById(b, vs.type);
        const e = externs.find((x) => x.kcfg && x.name === v.name);
        if (!e || v.kind !== 'var') throw new LoaderError('extern', -3, `failed to find extern definition for BTF var '${v.name}'`);
        v.linkage = 'global';
        vs.offset = e.kcfg!.dataOff;
      }
    }
  }
  fixupKsymsDatasec(b);
  fixupDatasecs(b, {
    sectionSize: (name) => elf.sections.find((s) => s.index !== 0 && s.name === name)?.size,
    symbol: (name) => {
      const sym = elf.symbols.find((s) => s.type === STT_OBJECT && (s.bind === STB_GLOBAL || s.bind === STB_WEAK) && s.name === name);
      return sym ? { value: sym.value, hidden: sym.visibility === STV_HIDDEN || sym.visibility === STV_INTERNAL } : undefined;
    },
  });
  markFuncsStatic(b, hiddenSubprogs);
  return encodeBtf(b);
}

export function loadObject(bytes: Uint8Array, opts: LoadOptions = {}): LoadResult {
  const elf: ElfFile = parseElf(bytes);
  const c = collectElf(elf);
  const btf: Btf | undefined = c.btfSec ? parseBtf(c.btfSec.data) : undefined;
  const ext: BtfExt | undefined = c.btfExtSec && btf ? parseBtfExt(c.btfExtSec.data, btf) : undefined;
  const externs = collectExterns(elf, btf);
  const objName = opts.objectName ?? 'obj';
  const userMaps = initUserBtfMaps(elf, btf, c.mapsShndx);
  const maps = [...userMaps, ...initGlobalDataMaps(objName, btf, c.dataSecs, userMaps.length)];
  // bpf_object__init_kconfig_map (contents filled when externs are resolved)
  const kcfgSize = kconfigSize(externs);
  const kconfigMap = kcfgSize ? initKconfigMap(objName, btf, elf.symtabIndex, new Uint8Array(kcfgSize), maps.length) : undefined;
  if (kconfigMap) maps.push(kconfigMap);
  const externBySym = new Map<number, number>();
  externs.forEach((e, i) => externBySym.set(e.symIdx, i));
  collectProgRelos({ elf, c, maps, externBySym });
  collectMapRelos({ elf, c, maps, externBySym }, btf);
  if (opts.only) for (const p of c.progs) if (!p.isSub) p.autoload = opts.only.includes(p.name);

  // bpf_object_load: resolve externs, then relocate (CO-RE first).
  const secNames = elf.sections.map((s) => s.name);
  const warnings: string[] = [];
  if (btf) {
    const kdata = resolveExterns(externs, btf, opts.vmlinuxBtf, { kconfig: opts.kconfig, kernelRelease: opts.kernelRelease, kallsyms: opts.kallsyms }, warnings);
    if (kconfigMap && kdata) kconfigMap.initialValue = kdata;
  }
  if (ext && btf) relocateCore({ progs: c.progs, secNames, btf, ext, vmlinux: opts.vmlinuxBtf, warnings });
  markPseudoFuncs(c.progs);
  const input: LinkInput = { progs: c.progs, textShndx: c.textShndx, secNames, btf, ext, externs, warnings, excCb: new Map(), kconfigMapIdx: kconfigMap?.index ?? -1 };
  const states = [];
  for (const p of c.progs) {
    if (p.isSub || !p.autoload) continue;
    states.push(linkCalls(input, p));
  }
  const programs: LinkedProgram[] = states.map((st) => finishProgram(input, st));
  return {
    btfToLoad: btf && c.btfSec ? btfToLoad(elf, c.btfSec.data, c.progs.filter((p) => p.isSub && p.markBtfStatic).map((p) => p.name), externs) : undefined,
    name: objName, license: c.license, kernVersion: c.kernVersion, programs,
    textSubprogs: c.progs.filter((p) => p.isSub).map((p) => p.name),
    maps, externs: externs.map(({ name, kind, weak, btfId, kernelBtfId, resolved }) => ({ name, kind, weak, btfId, kernelBtfId, resolved })),
    btf, btfBytes: c.btfSec?.data, vmlinuxBtf: opts.vmlinuxBtf, warnings,
  };
}
