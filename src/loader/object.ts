// The loader entry point: object bytes in, linked programs and maps out.
// Follows libbpf's bpf_object_open (elf_collect, collect_externs, init_maps,
// collect_relos) and the pure part of bpf_object_load (resolve_externs,
// relocate: CO-RE, calls, exception callbacks, data). Creating maps and
// loading programs is the kernel backend's job (src/kernel).
import { parseElf } from '../elf/read';
import { ElfFile } from '../elf/types';
import { parseBtf } from '../btf';
import { Btf } from '../btf';
import { BtfExt, parseBtfExt } from '../btf';
import { collectElf, collectProgRelos } from './collect';
import { collectExterns, resolveExterns } from './externs';
import { initGlobalDataMaps, initUserBtfMaps } from './maps';
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

export function loadObject(bytes: Uint8Array, opts: LoadOptions = {}): LoadResult {
  const elf: ElfFile = parseElf(bytes);
  const c = collectElf(elf);
  const btf: Btf | undefined = c.btfSec ? parseBtf(c.btfSec.data) : undefined;
  const ext: BtfExt | undefined = c.btfExtSec && btf ? parseBtfExt(c.btfExtSec.data, btf) : undefined;
  const externs = collectExterns(elf, btf);
  const objName = opts.objectName ?? 'obj';
  const userMaps = initUserBtfMaps(elf, btf, c.mapsShndx);
  const maps = [...userMaps, ...initGlobalDataMaps(objName, btf, c.dataSecs, userMaps.length)];
  const externBySym = new Map<number, number>();
  externs.forEach((e, i) => externBySym.set(e.symIdx, i));
  collectProgRelos({ elf, c, maps, externBySym });
  if (opts.only) for (const p of c.progs) if (!p.isSub) p.autoload = opts.only.includes(p.name);

  // bpf_object_load: resolve externs, then relocate (CO-RE first).
  if (btf) resolveExterns(externs, btf, opts.vmlinuxBtf);
  const secNames = elf.sections.map((s) => s.name);
  const warnings: string[] = [];
  if (ext && btf) relocateCore({ progs: c.progs, secNames, btf, ext, vmlinux: opts.vmlinuxBtf, warnings });
  markPseudoFuncs(c.progs);
  const input: LinkInput = { progs: c.progs, textShndx: c.textShndx, secNames, btf, ext, externs, warnings, excCb: new Map() };
  const states = [];
  for (const p of c.progs) {
    if (p.isSub || !p.autoload) continue;
    states.push(linkCalls(input, p));
  }
  const programs: LinkedProgram[] = states.map((st) => finishProgram(input, st));
  return {
    name: objName, license: c.license, kernVersion: c.kernVersion, programs,
    textSubprogs: c.progs.filter((p) => p.isSub).map((p) => p.name),
    maps, externs: externs.map(({ name, kind, weak, btfId, kernelBtfId, resolved }) => ({ name, kind, weak, btfId, kernelBtfId, resolved })),
    btf, btfBytes: c.btfSec?.data, warnings,
  };
}
