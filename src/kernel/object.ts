// Loading an object file on the live kernel, as libbpf's bpf_object_load()
// does after the pure loader (src/loader) has linked it:
// bpf_object__sanitize_and_load_btf (BTF fixups, BPF_BTF_LOAD),
// bpf_object__create_maps (BPF_MAP_CREATE, initial .data/.rodata/.bss values,
// BPF_MAP_FREEZE for .rodata), bpf_object__relocate_data (map fds into
// ld_imm64), attach_btf_id of tracing programs (src/loader attachBtfIdFor,
// against the vmlinux BTF the object was linked with), bpf_object_load_prog
// (BPF_PROG_LOAD). Every fd is closed before returning.
import { encodeFuncInfo, encodeLineInfo } from '../btf/ext';
import { objectNameFromPath, attachBtfIdFor, LinkedProgram, MapDef, LoadedObject, LoaderError } from '../loader';
import { errnoName } from '../isa/uapi';
import { loadHostObject, HostFacts } from './host';
import { Insn } from '../isa/insn';
import { btfLoad } from './btf';
import { mapCreate, mapFreeze, mapUpdate } from './map';
import { sysClose } from './sys';
import { KernelError } from './errors';
import { kernelRun, KernelInput, KernelRunOpts, KernelVerdict } from './run';

const BPF_F_SLEEPABLE = 1 << 4;

/**
 * BPF_MAP_CREATE for one map (bpf_object__create_map): a map-in-map gets its
 * inner template created first, passed as inner_map_fd and closed again.
 */
function createMap(m: MapDef, btfFd: number): number {
  if (m.inner) {
    const innerFd = createMap(m.inner, btfFd);
    try {
      return createPlainMap(m, btfFd, innerFd);
    } finally {
      sysClose(innerFd);
    }
  }
  return createPlainMap(m, btfFd);
}

function createPlainMap(m: MapDef, btfFd: number, innerMapFd?: number): number {
  const base = { innerMapFd, mapType: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, mapFlags: m.flags, name: m.name, numaNode: m.numaNode, mapExtra: m.mapExtra };
  if (btfFd > 0 && (m.btfKeyTypeId || m.btfValueTypeId)) {
    try {
      return mapCreate({ ...base, btfFd, btfKeyTypeId: m.btfKeyTypeId, btfValueTypeId: m.btfValueTypeId });
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      // libbpf retries without BTF (bpf_object__create_map: "failed to create map ... retrying without BTF")
    }
  }
  return mapCreate(base);
}

export interface ObjectRunResult {
  object: string;
  verdicts: KernelVerdict[];
  /** libbpf-style warnings from the loader. */
  warnings: string[];
}

/** Programs of a linked object with map fds patched in, ready for progLoad. */
function patchMapFds(p: LinkedProgram, mapFds: number[]): Insn[] {
  const insns = p.insns.map((n) => ({ ...n }));
  for (const r of p.mapRelocs) {
    const fd = mapFds[r.map];
    if (fd === undefined || fd < 0) throw new KernelError('bad-request', 'map relocation', `map #${r.map} was not created`, { prog: p.name });
    insns[r.insn].src = r.kind === 'fd' ? 1 : 2;
    insns[r.insn].imm = fd;
  }
  return insns;
}

/** How the programs of a linked object are loaded (loadLinkedObject, OpenObject.load). */
export interface LinkedObjectOpts extends KernelRunOpts {
  input?: KernelInput;
  progFlags?: number;
  /** attach_prog_fd and the BTF id of the target function, instead of a vmlinux target. */
  attachTo?: { progFd: number; btfId: number };
  /** Other programs of the object that prog array slots name ('values' in BTF): loaded first and put in their slots. */
  slotPrograms?: readonly LinkedProgram[];
}

/** The answer of an object's load for the program under test: the first rejection (BTF, a map, an auxiliary program) or the last program's own verdict (bpf_object__load). */
export const objectVerdict = (vs: readonly KernelVerdict[]): KernelVerdict => vs.find((x) => x.verdict === 'reject') ?? vs[vs.length - 1];

/** A BTF or map failure of an object's load: every program's verdict (bpf_object__load fails as a whole). */
const objectFailure = (obj: LoadedObject, errno: string, log: string): KernelVerdict[] => obj.programs.map((p) => ({
  prog: p.name, verdict: 'reject', errno, log, retval: null,
  runError: null, xlatedInsns: null, jitedBytes: null, verifiedInsns: null, prologueInsns: 0,
}));

/** An object whose BTF and maps are in the kernel (libbpf's bpf_object between create_maps and close): programs load against them. */
export interface OpenObject {
  /**
   * Load (and with opts.run, test-run) one program of the object with its map fds
   * patched in; with fillSlots (default: opts.run) the prog array slots that name it hold it.
   */
  load(p: LinkedProgram, opts?: LinkedObjectOpts, fillSlots?: boolean): KernelVerdict;
  /** Close the object's BTF and map fds. */
  close(): void;
}

/**
 * BPF_BTF_LOAD and BPF_MAP_CREATE for an object (bpf_object__sanitize_and_load_btf,
 * bpf_object__create_maps, init_map_in_map_slots), or every program's verdict
 * when the BTF or a map is refused. The caller closes the object.
 */
export function openObject(obj: LoadedObject, opts: { logLevel?: number } = {}): OpenObject | KernelVerdict[] {
  const fds: number[] = [];
  const mapFds: number[] = [];
  const closeAll = (): void => { for (const fd of fds.splice(0)) sysClose(fd); };
  let btfFd = 0;
  try {
    if (obj.btfToLoad) {
      // The loader's BTF after libbpf's fix-ups (DATASEC sizes, .ksyms, hidden functions static).
      const b = btfLoad(obj.btfToLoad, { logLevel: opts.logLevel ? 1 : undefined });
      if (!b.ok) return objectFailure(obj, b.errno, `Error loading .BTF into kernel: ${b.errno}\n${b.log}`);
      btfFd = b.fd;
      fds.push(b.fd);
    }
    for (const m of obj.maps) {
      const fd = createMap(m, btfFd);
      fds.push(fd);
      mapFds[m.index] = fd;
      if (m.initialValue && m.libbpfType !== 'bss') mapUpdate(fd, new Uint8Array(4), m.initialValue);
      // bpf_object__populate_internal_map: .rodata and .kconfig are frozen once filled
      if (m.libbpfType === 'rodata' || m.libbpfType === 'kconfig') mapFreeze(fd);
    }
    // init_map_in_map_slots: a map-in-map's declared slots hold the fds of the maps they name
    for (const m of obj.maps) {
      for (const s of m.initSlots) {
        if (s.map === undefined) continue; // prog array slots are filled as their programs load (fillSlots)
        const target = obj.maps.find((x) => x.name === s.map);
        if (!target) throw new KernelError('bad-request', 'map-in-map', `map '${m.name}': slot ${s.slot} names unknown map '${s.map}'`);
        mapUpdate(mapFds[m.index], u32(s.slot), u32(mapFds[target.index]));
      }
    }
  } catch (e) {
    closeAll();
    throw e;
  }
  // init_prog_array_slots: after a program loads, the prog array slots that name it hold its fd
  // (the array keeps the program alive once its fd is closed). Only for a test run: a filled
  // slot makes the kernel patch the direct tail call in the jited image, which dumps compare
  // with an image made for an empty slot.
  const fillSlots = (name: string, fd: number): void => {
    for (const m of obj.maps) {
      for (const s of m.initSlots) if (s.prog === name) mapUpdate(mapFds[m.index], u32(s.slot), u32(fd));
    }
  };
  const load = (p: LinkedProgram, opts: LinkedObjectOpts = {}, fill = !!opts.run): KernelVerdict => {
    const funcInfo = encodeFuncInfo(p.funcInfo);
    const lineInfo = encodeLineInfo(p.lineInfo);
    let attachBtfId: number | undefined;
    try {
      attachBtfId = opts.attachTo ? opts.attachTo.btfId : attachBtfIdFor(obj.vmlinuxBtf, p);
    } catch (e) {
      // libbpf refuses the program while preparing its load (no target, or none in the kernel's BTF):
      // that program's verdict, with libbpf's message as its log
      if (!(e instanceof LoaderError) || e.kind !== 'attach') throw e;
      return {
        prog: p.name, verdict: 'reject', errno: errnoName(e.errno), log: `${e.message}\n`, retval: null,
        runError: null, xlatedInsns: null, jitedBytes: null, verifiedInsns: null, prologueInsns: 0,
      };
    }
    return kernelRun({
      name: p.name, insns: patchMapFds(p, mapFds), progType: p.progType, license: obj.license,
      expectedAttachType: p.attachType || undefined, btfFd: btfFd || undefined,
      funcInfo: btfFd && funcInfo.length ? funcInfo : undefined, lineInfo: btfFd && lineInfo.length ? lineInfo : undefined,
      attachBtfId, attachProgFd: opts.attachTo?.progFd,
      progFlags: (p.sleepable ? BPF_F_SLEEPABLE : 0) | (opts.progFlags ?? 0), kernVersion: obj.kernVersion,
    }, opts.input ?? {}, { ...opts, onLoaded: (fd) => { if (fill) fillSlots(p.name, fd); opts.onLoaded?.(fd); } });
  };
  return { load, close: closeAll };
}

/** A u32 in little-endian bytes (a map key or an fd value). */
const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, true);
  return b;
};

/**
 * Load (and with opts.run, test-run) the programs of a linked object. A BTF or
 * map failure is reported as a rejection of every program with the kernel's
 * errno and log; loader errors (LoaderError) are thrown to the caller.
 */
export function loadLinkedObject(obj: LoadedObject, opts: LinkedObjectOpts = {}): KernelVerdict[] {
  const o = openObject(obj, opts);
  if (Array.isArray(o)) return o;
  try {
    for (const p of opts.run ? opts.slotPrograms ?? [] : []) {
      if (obj.programs.some((q) => q.name === p.name)) continue;
      // a slot whose program the kernel rejects stays empty (the program under test still loads)
      o.load(p, { logLevel: opts.logLevel }, true);
    }
    return obj.programs.map((p) => o.load(p, opts));
  } finally {
    o.close();
  }
}

/** Read, link (src/loader, against the host's vmlinux BTF; this machine's by default) and load an object file. */
export function runObjectFile(path: string, opts: KernelRunOpts & { input?: KernelInput; only?: string[]; host?: HostFacts } = {}): ObjectRunResult {
  const { loaded } = loadHostObject(path, { only: opts.only, host: opts.host });
  return { object: objectNameFromPath(path), verdicts: loadLinkedObject(loaded, opts), warnings: loaded.warnings ?? [] };
}
