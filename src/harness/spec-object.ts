// An assembly spec that declares functions (BTF signatures, func_info, decl
// tags such as `exception_callback:`) or maps becomes a one-program object,
// the data libbpf would have produced from C: every engine then takes it the
// way it takes an object file's program (the kernel engine creates the BTF and
// maps and patches map fds; the verifier model gets func_info, BTF and the maps
// as input.maps; the interpreter and the JIT model the maps and find the
// exception callback).
import { Insn } from '../isa/insn';
import { MAP_TYPE_NAMES, PROG_TYPE_NAMES, uapiNumber, unknownUapiName } from '../isa/uapi';
import { BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from '../isa/opcodes';
import { encodeBtf } from '../btf';
import { LinkedProgram, LoadResult, MapDef, MapFdReloc } from '../loader';
import { SpecFuncInfo, SpecFunction, SpecMap, hexBytes } from '../spec';
import { specFunctionsBtf } from '../spec/functions';
import { ProgramUnderTest } from './engine';
import { HostFacts } from '../kernel/host';

/** The map a spec declares, as the loader describes a map to create. */
function mapDef(m: SpecMap, index: number): MapDef {
  const type = uapiNumber('map type', m.type);
  if (type === undefined) throw new Error(`map '${m.name}': ${unknownUapiName('map type', m.type)}`);
  return {
    index, name: m.name, type, typeName: MAP_TYPE_NAMES[type] ?? m.type, keySize: m.key_size, valueSize: m.value_size,
    maxEntries: m.max_entries, flags: m.flags ?? 0, numaNode: 0, mapExtra: 0n, pinning: 0, btfKeyTypeId: 0, btfValueTypeId: 0,
    libbpfType: 'user', secIdx: 0, secOffset: 0, defSize: 0, btfDefId: 0, initSlots: [],
    initialValue: m.value !== undefined ? hexBytes(m.value, `map '${m.name}' value`) : undefined,
  };
}

/** ld_imm64s that name a map (map_fd(N), map_value(N, OFF)): the loader's map relocations, imm = the map's index. */
function mapRelocs(insns: readonly Insn[]): MapFdReloc[] {
  const out: MapFdReloc[] = [];
  for (let i = 0; i < insns.length; i++) {
    const n = insns[i];
    if (n.code !== 0x18) continue;
    if (n.src === BPF_PSEUDO_MAP_FD || n.src === BPF_PSEUDO_MAP_VALUE) out.push({ insn: i, map: n.imm, kind: n.src === BPF_PSEUDO_MAP_FD ? 'fd' : 'value' });
    i++;
  }
  return out;
}

export interface SpecObjectInput {
  name: string;
  progType: string;
  license: string;
  insns: Insn[];
  labels: ReadonlyMap<string, number>;
  functions?: readonly SpecFunction[];
  /** Raw func_info records (program.func_info), as given. */
  funcInfo?: readonly SpecFuncInfo[];
  maps?: readonly SpecMap[];
  kfuncs: ReadonlyMap<number, string>;
  source: string;
  host: HostFacts;
}

/** The program under test of an assembly spec with functions or maps. */
export function specObjectProgram(s: SpecObjectInput): ProgramUnderTest {
  const fns = s.functions ? specFunctionsBtf(s.functions, s.labels, s.funcInfo) : null;
  const progType = uapiNumber('prog type', s.progType);
  if (progType === undefined) throw new Error(unknownUapiName('prog type', s.progType));
  const btfBytes = fns ? encodeBtf(fns.btf) : undefined;
  const linked: LinkedProgram = {
    name: s.name, section: '', type: PROG_TYPE_NAMES[progType] ?? 'unspec', progType,
    attachType: '', sleepable: false, attachTo: '', autoload: true, insns: s.insns,
    funcInfo: fns?.funcInfo ?? [], lineInfo: [], funcInfoRecSize: 8, lineInfoRecSize: 16,
    subprogs: fns?.subprogs.map((f) => f.name) ?? [], subprogOffsets: fns?.subprogs.map((f) => f.start) ?? [],
    exceptionCallback: fns?.exceptionCallback !== null && fns?.subprogs.some((f) => f.name === fns.exceptionCallback) ? fns.exceptionCallback : null,
    mapRelocs: mapRelocs(s.insns),
  };
  const loaded: LoadResult = {
    name: 'spec', license: s.license, kernVersion: 0, programs: [linked], textSubprogs: [], maps: (s.maps ?? []).map(mapDef),
    externs: [], btf: fns?.btf, btfBytes, btfToLoad: btfBytes, vmlinuxBtf: s.host.vmlinuxBtf, warnings: [],
  };
  return {
    name: s.name, insns: s.insns, progType: s.progType, license: s.license, kfuncs: s.kfuncs,
    object: { file: s.source, bytes: new Uint8Array(0), loaded, linked },
  };
}
