// The verifier model as an engine: what BPF_PROG_LOAD would give bpf_check()
// (insns, prog type, func_info, program BTF, kfunc names) into src/verifier,
// answering as the kernel profile of the host facts, with the kernel facts the
// calls need (its BTF for kfunc prototypes, nr_cpu_ids).
import { verify, VerifyInput, progTypeNumber, ATTACH_TYPES, FuncInfo, LineInfo, MapInfo, KernelProfile } from '../../verifier';
import { attachBtfIdFor } from '../../loader';
import { mapValueFields } from '../../verifier/map_fields';
import { funcProtoOf } from '../../verifier/btf_view';
import { KfuncInfo } from '../../verifier/types';
import { Btf, KernelLineInfo, stringAtOffset } from '../../btf';
import { PROG_LOAD_FLAGS } from '../../isa/uapi';
import { parseBtf } from '../../btf/parse';
import { Engine, EngineResult, ProgramUnderTest, RunInput, verifierResult } from '../engine';

/** Argument counts of the kfuncs the model knows without the kernel's BTF (for the level-2 live-registers table). */
const KFUNC_ARGS: Readonly<Record<string, number>> = { bpf_throw: 1 };

/** The number of parameters of the vmlinux FUNC `id` (a kfunc call's imm), undefined when it is none. */
const kfuncArgCount = (vmlinux: Btf | undefined, id: number): number | undefined => funcProtoOf(vmlinux, id)?.params.length;

/** license_is_gpl_compatible (include/linux/license.h) */
const gplCompatible = (license: string): boolean =>
  ['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL'].includes(license);

/** What the model needs to know of the kernel beyond its profile (part of the host facts). */
export interface KernelFacts { vmlinuxBtf?: Btf; nrCpuIds?: number; kernelSymbol?: (name: string) => bigint | undefined }

/** The line info the kernel gets with the program, its strings read in the BTF it gets (the log prints them). */
function lineInfoOf(btf: Btf, recs: readonly KernelLineInfo[]): LineInfo[] {
  return recs.map((r) => ({ insnOff: r.insnOff, line: stringAtOffset(btf, r.lineOff), fileName: stringAtOffset(btf, r.fileNameOff), lineNum: r.lineNum }));
}

/** The verifier's input for a program under test, answered as `profile`. Throws for an unknown program type. */
export function verifierInputFor(p: ProgramUnderTest, profile: KernelProfile, logLevel = 1, kernel: KernelFacts = {}): VerifyInput {
  const progType = progTypeNumber(p.progType);
  if (progType === undefined) throw new Error(`unknown program type '${p.progType}'`);
  const kfuncs = p.kfuncs ?? new Map<number, string>();
  const vmlinuxBtf = kernel.vmlinuxBtf ?? p.object?.loaded.vmlinuxBtf;
  const resolved = new Map<number, KfuncInfo>();
  const input: VerifyInput = {
    insns: p.insns, progType, logLevel, profile, vmlinuxBtf,
    nrCpuIds: kernel.nrCpuIds, gplCompatible: gplCompatible(p.license), kernelSymbol: kernel.kernelSymbol,
    kfunc: (id, off) => {
      const name = off === 0 ? kfuncs.get(id) : undefined;
      if (name === undefined) return undefined;
      // resolved once per program (the verifier asks at every call; its answer is plain immutable data)
      let info = resolved.get(id);
      // the parameter count of its prototype (get_call_summary: the live-registers table uses it)
      if (!info) resolved.set(id, info = { name, argCount: kfuncArgCount(vmlinuxBtf, id) ?? KFUNC_ARGS[name] });
      return info;
    },
  };
  if (p.btf) {
    input.funcInfo = p.btf.funcInfo.map((r): FuncInfo => ({ insnOff: r.insnOff, typeId: r.typeId }));
    input.btf = p.btf.btf;
  }
  const o = p.object;
  if (o) {
    input.funcInfo = o.linked.funcInfo.map((r): FuncInfo => ({ insnOff: r.insnOff, typeId: r.typeId }));
    if (o.loaded.btf) input.btf = o.loaded.btf;
    if (o.linked.attachType) input.expectedAttachType = ATTACH_TYPES[o.linked.attachType.replace(/^bpf_/, '')];
    // The loader leaves each map's index in its ld_imm64 until fds exist: key the maps by index.
    // libbpf freezes .rodata and .kconfig before the programs load: the verifier reads them as constants.
    // the value types' layouts as libbpf loads them (global data sections get their variables' offsets)
    const btf = o.loaded.btfToLoad ? parseBtf(o.loaded.btfToLoad) : o.loaded.btf;
    if (btf) input.lineInfo = lineInfoOf(btf, o.linked.lineInfo);
    type Def = (typeof o.loaded.maps)[number];
    const info = (m: Def): MapInfo => ({
      type: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, name: m.name, flags: m.flags,
      frozen: m.libbpfType === 'rodata' || m.libbpfType === 'kconfig',
      initialValue: m.initialValue ?? (m.libbpfType === 'bss' ? new Uint8Array(m.valueSize) : undefined),
      fields: mapValueFields(btf, m.btfValueTypeId),
      // map-in-map: the inner template (inner_map_meta) a lookup's non-null result points to
      inner: m.inner ? info(m.inner) : undefined,
    });
    input.maps = new Map<number, MapInfo>(o.loaded.maps.map((m) => [m.index, info(m)]));
    // libbpf resolves SEC("fentry/NAME")-style targets to a vmlinux BTF id (attach_btf_id);
    // without one the model says what the kernel says of a tracing program without a target.
    try { input.attachBtfId = attachBtfIdFor(o.loaded.vmlinuxBtf, o.linked); } catch { input.attachBtfId = undefined; }
  }
  if (p.attachTarget) {
    input.attachBtfId = p.attachTarget.btfId;
    input.attachToProgram = true;
  }
  return input;
}

/**
 * Prog flags the model does not act on and that change what the kernel answers: the model takes
 * BPF_F_SLEEPABLE and BPF_F_STRICT_ALIGNMENT (flagInputs); BPF_F_TEST_REG_INVARIANTS changes nothing it answers, nor BPF_F_TEST_RND_HI32
 * unless the rewritten program is asked for, nor BPF_F_TEST_STATE_FREQ below log level 2.
 */
export function flagsTheModelLacks(flags: number, logLevel: number, wantsXlated: boolean): string[] {
  const F = PROG_LOAD_FLAGS;
  let taken: number = F.BPF_F_SLEEPABLE | F.BPF_F_STRICT_ALIGNMENT | F.BPF_F_TEST_REG_INVARIANTS;
  if (!wantsXlated) taken |= F.BPF_F_TEST_RND_HI32;
  if ((logLevel & 2) === 0) taken |= F.BPF_F_TEST_STATE_FREQ;
  const extra = flags & ~taken;
  const names = Object.entries(F).filter(([, bit]) => extra & bit).map(([n]) => n);
  const unknown = extra & ~Object.values(F).reduce((a, b) => a | b, 0);
  return unknown ? [...names, `0x${(unknown >>> 0).toString(16)}`] : names;
}

/** What the prog flags the model takes say to it. */
export function flagInputs(progFlags: number): Pick<VerifyInput, 'sleepable' | 'strictAlignment'> {
  const F = PROG_LOAD_FLAGS;
  return {
    ...(progFlags & F.BPF_F_SLEEPABLE ? { sleepable: true } : {}),
    ...(progFlags & F.BPF_F_STRICT_ALIGNMENT ? { strictAlignment: true } : {}),
  };
}

/** The verifier model answering as `profile`, for a kernel with these facts. */
export function verifierEngine(profile: KernelProfile, kernel: KernelFacts = {}): Engine {
  return {
    name: 'verifier',
    available: () => ({ ok: true }),
    async run(p: ProgramUnderTest, input: RunInput): Promise<EngineResult> {
      const load = input.load ?? {};
      const lacking = flagsTheModelLacks(load.progFlags ?? 0, load.logLevel ?? 1, load.xlated === true);
      if (lacking.length) {
        const why = `not modelled yet: prog flags ${lacking.join(', ')}`;
        return verifierResult({ verdict: 'reject', errno: null, log: why + '\n', error: why, notModelled: true });
      }
      const run = (q: ProgramUnderTest, xlated: boolean): ReturnType<typeof verify> => verify({
        ...verifierInputFor(q, profile, load.logLevel ?? 1, kernel), unprivileged: load.unprivileged === true, xlated,
        ...flagInputs(load.progFlags ?? 0),
      });
      // __auxiliary programs of the object are verified first; the first rejection fails the load.
      for (const linked of p.object?.auxiliary ?? []) {
        const a = run({ ...p, name: linked.name, insns: linked.insns, progType: linked.type, object: { ...p.object!, linked, auxiliary: [] } }, false);
        if (a.verdict === 'reject') return verifierResult(a);
      }
      const r = run(p, load.xlated === true);
      const out = verifierResult(r);
      if (load.xlated && r.verdict === 'accept') {
        out.xlatedProgram = !r.xlated ? { unavailable: 'no rewritten program' } : 'insns' in r.xlated ? r.xlated.insns : { unavailable: `not modelled yet: ${r.xlated.notModelled}` };
      }
      return out;
    },
  };
}
