// Data produced by the loader (libbpf's struct bpf_object / bpf_program /
// bpf_map / extern_desc after bpf_object__open + bpf_object__relocate), as
// plain data: what the kernel backend needs to create maps and load programs.
import { Insn } from '../isa/insn';
import { Btf } from '../btf';
import { KernelFuncInfo, KernelLineInfo } from '../btf';
import { ProgTypeName } from '../isa/uapi';
import { SecDef } from './sectypes';

/** A map to create (BTF-defined in .maps, or an internal .data/.rodata/.bss map). */
export interface MapDef {
  /** Index in libbpf's map order: .maps variables in DATASEC order, then data sections by ELF index. */
  index: number;
  /** Name as libbpf gives it to the kernel (internal maps: 'obj.rodata' truncated to 15 chars). */
  name: string;
  /** BPF_MAP_TYPE_* number and its name ('array', 'hash' ...). */
  type: number;
  typeName: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  numaNode: number;
  mapExtra: bigint;
  pinning: number;
  /** BTF ids of key and value in the object's BTF (0 when none). */
  btfKeyTypeId: number;
  btfValueTypeId: number;
  /** 'user' for .maps, 'data' / 'rodata' / 'bss' for global data, 'kconfig' for .kconfig externs (frozen like .rodata). */
  libbpfType: 'user' | 'data' | 'rodata' | 'bss' | 'kconfig';
  /** ELF section index and offset of the definition / data. */
  secIdx: number;
  secOffset: number;
  /** Size of the .maps variable (its ELF symbol) and its BTF definition (struct) id. */
  defSize: number;
  btfDefId: number;
  /** Initial slots from a BTF 'values' member: slot index -> program (prog arrays, set after
   *  the programs load) or map (map-in-map, set after the maps are created). */
  initSlots: { slot: number; prog?: string; map?: string }[];
  /** Map-in-map: the inner map template ('<name>.inner'; index -1, not in LoadedObject.maps). */
  inner?: MapDef;
  /** Initial contents of a .data/.rodata map; undefined for .bss (all zeros, valueSize bytes) and user maps. */
  initialValue?: Uint8Array;
  /** BPF_F_RDONLY_PROG etc. is set by libbpf for .rodata (map_flags include it). */
}

/** An ld_imm64 still waiting for a map fd: insns[insn].imm holds the map index until patched. */
export interface MapFdReloc {
  /** Index of the ld_imm64's first slot in the linked program. */
  insn: number;
  map: number;
  /** 'fd': BPF_PSEUDO_MAP_FD; 'value': BPF_PSEUDO_MAP_VALUE (insns[insn+1].imm is the offset). */
  kind: 'fd' | 'value';
}

export interface ExternDesc {
  name: string;
  /** 'kfunc': extern function in .ksyms; 'ksym': typed variable in .ksyms; 'kconfig': .kconfig variable. */
  kind: 'kfunc' | 'ksym' | 'kconfig';
  weak: boolean;
  /** BTF id in the object's BTF (FUNC or VAR). */
  btfId: number;
  /** BTF id in vmlinux once resolved; 0 when unresolved (weak) or not applicable. */
  kernelBtfId: number;
  resolved: boolean;
}

export interface LinkedProgram {
  name: string;
  section: string;
  /** Program type from the SEC() name ('xdp', 'sched_cls', 'tracing' ...), 'unspec' when unknown. */
  type: ProgTypeName;
  progType: number;
  /** Expected attach type name ('' when none). */
  attachType: SecDef['attach'];
  sleepable: boolean;
  /** Attach target after the first '/' for SEC("fentry/func") style names ('' when none). */
  attachTo: string;
  autoload: boolean;
  /** The final instruction array, subprograms appended, as libbpf hands it to the kernel
   *  (map ld_imm64s carry the map index in imm until the backend patches fds). */
  insns: Insn[];
  /** func_info / line_info with insnOff in instructions (kernel units); encode with
   *  src/btf encodeFuncInfo / encodeLineInfo. Record sizes are the object's. */
  funcInfo: KernelFuncInfo[];
  lineInfo: KernelLineInfo[];
  funcInfoRecSize: number;
  lineInfoRecSize: number;
  /** Names of the subprograms appended, in order (exception callback included). */
  subprogs: string[];
  /** Start instruction of each appended subprogram, parallel to `subprogs`. */
  subprogOffsets: number[];
  /** The exception callback appended for this program, or null. */
  exceptionCallback: string | null;
  /** ld_imm64 map references to patch once map fds exist. */
  mapRelocs: MapFdReloc[];
}

export interface LoadedObject {
  /** Object name (file base name up to the first '.', like libbpf). */
  name: string;
  license: string;
  kernVersion: number;
  programs: LinkedProgram[];
  /** Subprogram names in .text (not loadable on their own). */
  textSubprogs: string[];
  maps: MapDef[];
  externs: ExternDesc[];
  /** The object's BTF (undefined when the object has none) and its raw bytes. */
  btf?: Btf;
  btfBytes?: Uint8Array;
  /** The BTF to load (BPF_BTF_LOAD) with libbpf's fix-ups applied; byte-identical to libbpf's. */
  btfToLoad?: Uint8Array;
  /** The kernel BTF the object was linked against (externs, CO-RE; attach targets at load). */
  vmlinuxBtf?: Btf;
}

export interface LoadOptions {
  /** Object name for internal map names (default 'obj'); the CLI passes the file name. */
  objectName?: string;
  /** vmlinux BTF for kfunc/ksym externs and CO-RE (parsed). Required when the object needs it. */
  vmlinuxBtf?: Btf;
  /** Only link these programs (like setting autoload off on the others). */
  only?: string[];
  /** Kconfig text (e.g. /proc/config.gz contents) for CONFIG_* .kconfig externs. */
  kconfig?: string;
  /** uname release for LINUX_KERNEL_VERSION (e.g. os.release()). */
  kernelRelease?: string;
  /** Symbol addresses (/proc/kallsyms) for typeless ksyms. */
  kallsyms?: Map<string, bigint>;
}
