// Linking one main program as libbpf does: append the subprograms it calls
// (recursively, in first-use order), append its exception callback, fix call
// and ld_imm64-to-function offsets, move func_info/line_info along, and
// rewrite map / global data / extern references. Models libbpf's
// bpf_object__relocate (the RELO_SUBPROG_ADDR pre-pass),
// bpf_object__relocate_calls, bpf_object__reloc_code,
// bpf_object__append_subprog_code, append_subprog_relos,
// reloc_prog_func_and_line_info, adjust_prog_btf_ext_info,
// bpf_prog_assign_exc_cb, bpf_object__relocate_data, poison_kfunc_call.
import { Insn } from '../isa/insn';
import {
  OP_CALL, OP_LD_IMM64, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE,
  BPF_PSEUDO_BTF_ID, BPF_PSEUDO_KFUNC_CALL,
} from '../isa/opcodes';
import { Btf, typeById, typeCount } from '../btf';
import { BtfExt, ExtInfoSection, KernelFuncInfo, KernelLineInfo, LineInfoRecord, FuncInfoRecord } from '../btf';
import { EINVAL, ENOENT, LIBBPF_ERRNO__RELOC, LoaderError } from './errors';
import { ExternInternal } from './externs';
import { LinkedProgram, MapFdReloc } from './model';
import { Prog, Relo } from './prog';
import { findSecDef } from './sectypes';
import { PROG_TYPE } from '../isa/uapi';

const POISON_CALL_KFUNC_BASE = 2002000000;

export interface LinkInput {
  progs: Prog[];
  textShndx: number;
  secNames: string[];
  btf?: Btf;
  ext?: BtfExt;
  externs: ExternInternal[];
  /** Warnings libbpf would print with pr_warn without failing. */
  warnings: string[];
  /** exception_cb_idx per program (bpf_program->exception_cb_idx), kept across calls. */
  excCb: Map<Prog, number>;
  /** Index of the .kconfig map, -1 when none. */
  kconfigMapIdx: number;
}

interface MainState {
  main: Prog;
  insns: Insn[];
  relos: Relo[];
  subOff: Map<Prog, number>;
  subprogs: string[];
  subprogOffsets: number[];
  funcInfo: KernelFuncInfo[] | undefined;
  lineInfo: KernelLineInfo[] | undefined;
  funcInfoRecSize: number;
  lineInfoRecSize: number;
}

const isSubprogCall = (i: Insn): boolean => i.code === OP_CALL && i.src === BPF_PSEUDO_CALL && i.dst === 0 && i.off === 0;
const isPseudoFunc = (i: Insn): boolean => i.code === OP_LD_IMM64 && i.src === BPF_PSEUDO_FUNC;
const cloneInsn = (i: Insn): Insn => ({ code: i.code, dst: i.dst, src: i.src, off: i.off, imm: i.imm });

function findTextProg(input: LinkInput, insnIdx: number): Prog | undefined {
  for (const p of input.progs) {
    if (p.secIdx === input.textShndx && insnIdx >= p.secInsnOff && insnIdx < p.secInsnOff + p.secInsnCnt) return p;
  }
  return undefined;
}

/** adjust_prog_btf_ext_info: append prog's records to the main program's, shifted to its position. */
function adjustExtInfo<T extends { insnOff: number }, K>(input: LinkInput, secs: ExtInfoSection<T>[], prog: Prog, subOff: number,
  dst: K[], conv: (r: T, insnOff: number) => K): boolean {
  const secName = input.secNames[prog.secIdx];
  for (const sec of secs) {
    if (sec.secName !== secName) continue;
    const picked: T[] = [];
    for (const r of sec.records) {
      const off = Math.floor(r.insnOff / 8);
      if (off < prog.secInsnOff) continue;
      if (off >= prog.secInsnOff + prog.secInsnCnt) break;
      picked.push(r);
    }
    if (picked.length === 0) return false;
    const adj = subOff - prog.secInsnOff;
    for (const r of picked) dst.push(conv(r, Math.floor(r.insnOff / 8) + adj));
    return true;
  }
  return false;
}

const convFunc = (r: FuncInfoRecord, insnOff: number): KernelFuncInfo => ({ insnOff, typeId: r.typeId });
const convLine = (r: LineInfoRecord, insnOff: number): KernelLineInfo =>
  ({ insnOff, fileNameOff: r.fileNameOff, lineOff: r.lineOff, lineNum: r.lineNum, column: r.column });

function relocFuncAndLineInfo(input: LinkInput, st: MainState, prog: Prog): void {
  const ext = input.ext;
  if (!ext) return;
  const subOff = prog === st.main ? 0 : st.subOff.get(prog)!;
  if (prog === st.main || st.funcInfo) {
    const dst = st.funcInfo ?? [];
    if (adjustExtInfo(input, ext.funcInfo.sections, prog, subOff, dst, convFunc)) {
      st.funcInfo = dst; st.funcInfoRecSize = ext.funcInfo.recSize;
    } else if (st.funcInfo) {
      throw new LoaderError('format', ENOENT, `prog '${prog.name}': missing .BTF.ext function info.`, { prog: st.main.name });
    } else {
      input.warnings.push(`prog '${prog.name}': missing .BTF.ext function info for the main program, skipping all of .BTF.ext func info.`);
    }
  }
  if (prog !== st.main && !st.lineInfo) return;
  const dst = st.lineInfo ?? [];
  if (adjustExtInfo(input, ext.lineInfo.sections, prog, subOff, dst, convLine)) {
    st.lineInfo = dst; st.lineInfoRecSize = ext.lineInfo.recSize;
  } else if (st.lineInfo) {
    throw new LoaderError('format', ENOENT, `prog '${prog.name}': missing .BTF.ext line info.`, { prog: st.main.name });
  } else {
    input.warnings.push(`prog '${prog.name}': missing .BTF.ext line info for the main program, skipping all of .BTF.ext line info.`);
  }
}

function appendSubprog(st: MainState, sub: Prog): void {
  const off = st.insns.length;
  st.subOff.set(sub, off);
  for (const i of sub.insns) st.insns.push(cloneInsn(i));
  for (const r of sub.relos) st.relos.push({ ...r, insnIdx: r.insnIdx + off });
  st.subprogs.push(sub.name);
  st.subprogOffsets.push(off);
}

const reloIndex = new WeakMap<Prog, Map<number, Relo>>();
/** find_prog_insn_relo: the relocation of a program's own instruction (first by insn, like bsearch on sorted relos). */
function reloAt(prog: Prog, idx: number): Relo | undefined {
  let m = reloIndex.get(prog);
  if (!m) {
    m = new Map();
    for (const r of prog.relos) if (!m.has(r.insnIdx)) m.set(r.insnIdx, r);
    reloIndex.set(prog, m);
  }
  return m.get(idx);
}

function relocCode(input: LinkInput, st: MainState, prog: Prog, depth: number): void {
  if (depth > 1000) throw new LoaderError('reloc', LIBBPF_ERRNO__RELOC, `prog '${st.main.name}': subprogram calls nest too deeply`);
  relocFuncAndLineInfo(input, st, prog);
  const base = prog === st.main ? 0 : st.subOff.get(prog)!;
  for (let idx = 0; idx < prog.secInsnCnt; idx++) {
    const insn = st.insns[base + idx];
    if (!isSubprogCall(insn) && !isPseudoFunc(insn)) continue;
    const relo = reloAt(prog, idx);
    if (relo && relo.type === 'extern_call') continue;
    if (relo && relo.type !== 'call' && relo.type !== 'subprog_addr') {
      throw new LoaderError('reloc', LIBBPF_ERRNO__RELOC, `prog '${prog.name}': unexpected relo for insn #${idx}, type ${reloTypeNum(relo)}`, { prog: prog.name });
    }
    let subIdx: number;
    if (relo && relo.type === 'call') subIdx = relo.symOff / 8 + insn.imm + 1;
    else if (relo && relo.type === 'subprog_addr') subIdx = Math.trunc((relo.symOff + insn.imm) / 8);
    else if (isPseudoFunc(insn)) {
      throw new LoaderError('reloc', LIBBPF_ERRNO__RELOC, `prog '${prog.name}': missing subprog addr relo for insn #${idx}`, { prog: prog.name });
    } else subIdx = prog.secInsnOff + idx + insn.imm + 1;
    const sub = input.textShndx ? findTextProg(input, subIdx) : undefined;
    if (!sub) {
      throw new LoaderError('reloc', LIBBPF_ERRNO__RELOC, `prog '${prog.name}': no .text section found yet sub-program call exists`, { prog: prog.name });
    }
    if (!st.subOff.has(sub)) {
      appendSubprog(st, sub);
      relocCode(input, st, sub, depth + 1);
    }
    st.insns[base + idx].imm = st.subOff.get(sub)! - (base + idx) - 1;
  }
}

const RELO_NUMS: Record<Relo['type'], number> = {
  ld64: 0, call: 1, data: 2, extern_ld64: 3, extern_call: 4, subprog_addr: 5, core: 6,
};
const reloTypeNum = (r: Relo): number => RELO_NUMS[r.type];

/** bpf_prog_assign_exc_cb: find the exception_callback:<name> decl tag of a main program. */
export function assignExceptionCallback(input: LinkInput, prog: Prog): void {
  const btf = input.btf;
  if (!btf) return;
  const pfx = 'exception_callback:';
  const n = typeCount(btf);
  for (let i = 1; i < n; i++) {
    const tag = typeById(btf, i);
    if (tag.kind !== 'decl_tag' || tag.componentIdx !== -1) continue;
    if (!tag.name.startsWith(pfx)) continue;
    const fn = typeById(btf, tag.type);
    if (fn.kind !== 'func' || fn.linkage !== 'global') {
      throw new LoaderError('exception-cb', EINVAL, `prog '${prog.name}': exception_callback:<value> decl tag not applied to the main program`, { prog: prog.name });
    }
    if (fn.name !== prog.name) continue;
    // Two tags on one program: libbpf appends neither; the verifier rejects it.
    if ((input.excCb.get(prog) ?? -1) >= 0) { input.excCb.set(prog, -1); break; }
    const name = tag.name.slice(pfx.length);
    if (name === '') {
      throw new LoaderError('exception-cb', EINVAL, `prog '${prog.name}': exception_callback:<value> decl tag contains empty value`, { prog: prog.name });
    }
    for (let j = 0; j < input.progs.length; j++) {
      const sub = input.progs[j];
      if (!sub.isSub || sub.name !== name) continue;
      if (!sub.symGlobal || sub.markBtfStatic) {
        throw new LoaderError('exception-cb', EINVAL, `prog '${prog.name}': exception callback ${sub.name} must be a global non-hidden function`, { prog: prog.name });
      }
      if ((input.excCb.get(prog) ?? -1) >= 0) {
        throw new LoaderError('exception-cb', EINVAL, `prog '${prog.name}': multiple subprogs with same name as exception callback '${sub.name}'`, { prog: prog.name });
      }
      input.excCb.set(prog, j);
      break;
    }
    if ((input.excCb.get(prog) ?? -1) >= 0) continue;
    throw new LoaderError('exception-cb', ENOENT, `prog '${prog.name}': cannot find exception callback '${name}'`, { prog: prog.name });
  }
}

/** bpf_object__relocate_data for the main program's (own + appended) relocations. */
function relocateData(input: LinkInput, st: MainState): MapFdReloc[] {
  const out: MapFdReloc[] = [];
  const insns = st.insns;
  for (const r of st.relos) {
    const i0 = insns[r.insnIdx], i1 = insns[r.insnIdx + 1];
    switch (r.type) {
      case 'ld64':
        i0.src = BPF_PSEUDO_MAP_FD; i0.imm = r.mapIdx;
        out.push({ insn: r.insnIdx, map: r.mapIdx, kind: 'fd' });
        break;
      case 'data':
        i1.imm = (i0.imm + r.symOff) | 0;
        i0.src = BPF_PSEUDO_MAP_VALUE; i0.imm = r.mapIdx;
        out.push({ insn: r.insnIdx, map: r.mapIdx, kind: 'value' });
        break;
      case 'extern_ld64': {
        const ext = input.externs[r.extIdx];
        if (ext.kind === 'kconfig') {
          i0.src = BPF_PSEUDO_MAP_VALUE; i0.imm = input.kconfigMapIdx; i1.imm = ext.kcfg!.dataOff;
          out.push({ insn: r.insnIdx, map: input.kconfigMapIdx, kind: 'value' });
        } else if ((ext.kind === 'ksym' && ext.localTypeId !== 0 || ext.kind === 'kfunc') && ext.resolved) { // typed ksym or kfunc address
          i0.src = BPF_PSEUDO_BTF_ID; i0.imm = ext.kernelBtfId; i1.imm = 0;
        } else {
          // typeless ksym (address from kallsyms) or unresolved weak ksym (0)
          const a = ext.addr ?? 0n;
          i0.imm = Number(BigInt.asIntN(32, a & 0xffffffffn)); i1.imm = Number(BigInt.asIntN(32, a >> 32n));
        }
        break;
      }
      case 'extern_call': {
        const ext = input.externs[r.extIdx];
        i0.src = BPF_PSEUDO_KFUNC_CALL;
        if (ext.resolved) { i0.imm = ext.kernelBtfId; i0.off = 0; }
        else { i0.code = OP_CALL; i0.dst = 0; i0.src = 0; i0.off = 0; i0.imm = POISON_CALL_KFUNC_BASE + r.extIdx; }
        break;
      }
      case 'subprog_addr':
        if (i0.src !== BPF_PSEUDO_FUNC) throw new LoaderError('reloc', EINVAL, `prog '${st.main.name}': relo #${st.relos.indexOf(r)}: bad insn`, { prog: st.main.name });
        break;
      default:
        break;
    }
  }
  return out;
}

/** Mark ld_imm64s that load subprogram addresses (the pre-pass of bpf_object__relocate). */
export function markPseudoFuncs(progs: Prog[]): void {
  for (const p of progs) for (const r of p.relos) if (r.type === 'subprog_addr') p.insns[r.insnIdx].src = BPF_PSEUDO_FUNC;
}

/** Relocate calls (+ exception callback) of one main program; data relocations come later. */
export function linkCalls(input: LinkInput, main: Prog): MainState {
  const st: MainState = {
    main, insns: main.insns.map(cloneInsn), relos: main.relos.map((r) => ({ ...r })), subOff: new Map(),
    subprogs: [], subprogOffsets: [], funcInfo: undefined, lineInfo: undefined, funcInfoRecSize: 0, lineInfoRecSize: 0,
  };
  relocCode(input, st, main, 0);
  assignExceptionCallback(input, main);
  const cbIdx = input.excCb.get(main) ?? -1;
  if (cbIdx >= 0) {
    const sub = input.progs[cbIdx];
    if (!st.subOff.has(sub)) {
      appendSubprog(st, sub);
      relocCode(input, st, sub, 1);
    }
  }
  return st;
}

export function finishProgram(input: LinkInput, st: MainState): LinkedProgram {
  const mapRelocs = relocateData(input, st);
  const def = findSecDef(st.main.secName);
  if (!def) {
    // libbpf fails the load itself with this (bpf_object_load_prog); linking is unaffected.
    input.warnings.push(`prog '${st.main.name}': missing BPF prog type, check ELF section name '${st.main.secName}'`);
  }
  const cbIdx = input.excCb.get(st.main) ?? -1;
  const slash = st.main.secName.indexOf('/');
  return {
    name: st.main.name, section: st.main.secName,
    type: def ? def.progType : 'unspec', progType: def ? PROG_TYPE[def.progType] : PROG_TYPE.unspec,
    attachType: def ? def.attach : '', sleepable: def ? !!def.sleepable : false,
    attachTo: def && def.sec.endsWith('+') && slash >= 0 ? st.main.secName.slice(slash + 1) : '',
    autoload: st.main.autoload,
    insns: st.insns, funcInfo: st.funcInfo ?? [], lineInfo: st.lineInfo ?? [],
    funcInfoRecSize: st.funcInfoRecSize, lineInfoRecSize: st.lineInfoRecSize,
    subprogs: st.subprogs, subprogOffsets: st.subprogOffsets,
    exceptionCallback: cbIdx >= 0 ? input.progs[cbIdx].name : null,
    mapRelocs,
  };
}
