// The BTF of an assembly spec's functions: each declared function becomes a
// FUNC with its FUNC_PROTO (btf__add_func / btf__add_func_proto, src/btf/build.ts)
// and a bpf_func_info record at its first instruction; decl tags (among them
// `exception_callback:NAME`) go on the FUNC. With `func_info` (raw records),
// the records are those, as given: a function then needs no label (its FUNC is
// in the BTF all the same). Pure: declarations and the assembler's labels in,
// BTF and records out.
import { Btf, KernelFuncInfo } from '../btf';
import { newBtf } from '../btf/parse';
import { addDeclTag, addFunc, addFuncProto, addInt, addPtr, addStruct } from '../btf/build';
import { SpecFuncInfo, SpecFunction } from './types';

export interface SpecFunctionsBtf {
  btf: Btf;
  /** Sorted by instruction, as BPF_PROG_LOAD wants them. */
  funcInfo: KernelFuncInfo[];
  /** Functions other than the first: name and start, in instruction order. */
  subprogs: { name: string; start: number }[];
  /** The function named by an `exception_callback:` tag, when there is one (the first tag). */
  exceptionCallback: string | null;
}

/** A declaration the BTF cannot be built from; `index` is the entry's position in program.functions (or in `field`). */
export class SpecFunctionError extends Error {
  constructor(readonly index: number, message: string, readonly field: 'functions' | 'func_info' = 'functions') { super(message); this.name = 'SpecFunctionError'; }
}

const INTS: Readonly<Record<string, [number, boolean]>> = {
  char: [1, true], bool: [1, false], int: [4, true], long: [8, true], 'long long': [8, true],
  'unsigned int': [4, false], unsigned: [4, false], 'unsigned long': [8, false], 'unsigned long long': [8, false],
  u8: [1, false], u16: [2, false], u32: [4, false], u64: [8, false], s8: [1, true], s16: [2, true], s32: [4, true], s64: [8, true],
  __u8: [1, false], __u16: [2, false], __u32: [4, false], __u64: [8, false], __s32: [4, true], __s64: [8, true],
};

/** A C type name as a BTF type id (0 is void), adding what it needs; null when the name is not one we build. */
function typeId(btf: Btf, cache: Map<string, number>, text: string): number | null {
  const t = text.trim().replace(/\s+/g, ' ').replace(/\s*\*/g, ' *').replace(/^const /, '');
  const hit = cache.get(t);
  if (hit !== undefined) return hit;
  let id: number | null;
  if (t.endsWith('*')) {
    const inner = typeId(btf, cache, t.slice(0, -1));
    id = inner === null ? null : addPtr(btf, inner);
  } else if (t === 'void') id = 0;
  else if (/^struct [A-Za-z_]\w*$/.test(t)) id = addStruct(btf, t.slice(7), 0);
  else if (INTS[t]) id = addInt(btf, t, INTS[t][0], INTS[t][1]);
  else id = null;
  if (id !== null) cache.set(t, id);
  return id;
}

/**
 * BTF and func_info for `functions` of a program whose labels are `labels`
 * (label -> instruction). The first function starts at instruction 0, every
 * other one at its label.
 */
export function specFunctionsBtf(functions: readonly SpecFunction[], labels: ReadonlyMap<string, number>,
  rawFuncInfo?: readonly SpecFuncInfo[]): SpecFunctionsBtf {
  const btf = newBtf();
  const cache = new Map<string, number>();
  const records: KernelFuncInfo[] = [];
  const subprogs: { name: string; start: number }[] = [];
  const funcIds = new Map<string, number>();
  let exceptionCallback: string | null = null;
  functions.forEach((f, i) => {
    const start = i === 0 ? 0 : labels.get(f.name);
    if (start === undefined && !rawFuncInfo) throw new SpecFunctionError(i, `function '${f.name}' has no label in program.asm`);
    if (i === 0 && labels.has(f.name) && labels.get(f.name) !== 0) throw new SpecFunctionError(i, `the first function starts at instruction 0, but label '${f.name}' is at ${labels.get(f.name)}`);
    const type = (s: string, what: string): number => {
      const id = typeId(btf, cache, s);
      if (id === null) throw new SpecFunctionError(i, `function '${f.name}': ${what}: unknown type '${s}'`);
      return id;
    };
    const params = (f.args ?? []).map((a, k) => (typeof a === 'string'
      ? { name: `arg${k + 1}`, type: type(a, `argument ${k + 1}`) }
      : { name: a.name ?? `arg${k + 1}`, type: type(a.type, `argument ${k + 1}`) }));
    const proto = addFuncProto(btf, type(f.returns ?? 'int', 'return type'), params);
    const id = addFunc(btf, f.name, proto, f.linkage ?? (i === 0 ? 'global' : 'static'));
    const tags = [...(f.exception_callback !== undefined ? [`exception_callback:${f.exception_callback}`] : []), ...(f.decl_tags ?? [])];
    for (const tag of tags) {
      addDeclTag(btf, tag, id);
      if (exceptionCallback === null && tag.startsWith('exception_callback:')) exceptionCallback = tag.slice('exception_callback:'.length);
    }
    if (!funcIds.has(f.name)) funcIds.set(f.name, id);
    if (start === undefined) return;
    records.push({ insnOff: start, typeId: id });
    if (i > 0) subprogs.push({ name: f.name, start });
  });
  records.sort((a, b) => a.insnOff - b.insnOff);
  subprogs.sort((a, b) => a.start - b.start);
  return { btf, funcInfo: rawFuncInfo ? rawRecords(rawFuncInfo, funcIds) : records, subprogs, exceptionCallback };
}

/** func_info records as written: a function's FUNC id by name, or the raw type id; neither sorted nor checked. */
function rawRecords(raw: readonly SpecFuncInfo[], funcIds: ReadonlyMap<string, number>): KernelFuncInfo[] {
  return raw.map((r, k) => {
    if (r.type_id !== undefined) return { insnOff: r.insn_off, typeId: r.type_id };
    const id = funcIds.get(r.function ?? '');
    if (id === undefined) throw new SpecFunctionError(k, `record ${k}: '${r.function}' is not a function of program.functions`, 'func_info');
    return { insnOff: r.insn_off, typeId: id };
  });
}
