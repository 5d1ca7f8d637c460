// From a program under test to the JIT's input: the verifier model decides
// whether it may be jitted at all (a rejected program never is), gives the
// stack depths and whether the default exception callback is appended; then
// the verifier's rewrites (src/jit/fixups) produce our xlated program.
import { Insn } from '../isa/insn';
import { BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE } from '../isa/opcodes';
import { fixupForJit, Fixed, JitError, OP_DEAD } from '../jit';
import { verify, KernelProfile, VerifyResult } from '../verifier';
import { verifierInputFor } from './engines/verifier';
import { findExceptionCallbackInsnOff } from '../verifier/subprogs';
import { ProgramUnderTest } from './engine';

/** Why a program is not jitted. */
export class JitRefused extends Error {
  constructor(readonly kind: 'rejected' | 'not-modelled' | 'kernel-rejects' | 'jit', message: string) {
    super(message);
    this.name = 'JitRefused';
  }
}

/** Where a map ld_imm64 points: map `index`, its pointer ('fd') or the address of its value plus `off`. */
export type MapAddress = (index: number, kind: 'fd' | 'value', off: number) => bigint | undefined;

/** Placeholder map addresses for showing an image that will not run (kernel direct-map style, so movabs as in the kernel). */
export const displayMapAddress: MapAddress = (index, kind, off) => 0xffff_8881_0000_0000n + (BigInt(index) << 16n) + (kind === 'value' ? 0x100n + BigInt(off) : 0n);

export interface PrepareOptions {
  /** The kernel profile the verifier model answers with (required unless unverified). */
  profile?: KernelProfile;
  /** How a program the model cannot decide is treated: refused, or jitted when the live kernel accepts it. */
  trustKernel?: boolean;
  /** Skip the verifier (bpf_conformance programs, which no kernel program type runs as written). */
  unverified?: boolean;
  mapAddress?: MapAddress;
}

export interface Prepared {
  fixed: Fixed;
  /** What allowed jitting: the model accepted it, the kernel did, or nobody was asked. */
  basis: 'verifier' | 'kernel' | 'unverified';
  note: string;
}

const throws = (p: ProgramUnderTest): boolean =>
  p.insns.some((n) => n.code === 0x85 && n.src === BPF_PSEUDO_KFUNC_CALL && n.off === 0 && p.kfuncs?.get(n.imm) === 'bpf_throw');

function ldImm64Resolver(p: ProgramUnderTest, mapAddress: MapAddress): (pc: number, first: Insn, second: Insn) => bigint | undefined {
  const relocs = new Map((p.object?.linked.mapRelocs ?? []).map((r) => [r.insn, r]));
  return (pc, first, second) => {
    const r = relocs.get(pc);
    if (r) return mapAddress(r.map, r.kind, r.kind === 'value' ? second.imm >>> 0 : 0);
    if (first.src === BPF_PSEUDO_MAP_FD || first.src === BPF_PSEUDO_MAP_IDX) return mapAddress(first.imm, 'fd', 0);
    if (first.src === BPF_PSEUDO_MAP_VALUE || first.src === BPF_PSEUDO_MAP_IDX_VALUE) return mapAddress(first.imm, 'value', second.imm >>> 0);
    return undefined;
  };
}

const verdicts = new WeakMap<ProgramUnderTest, { profile: KernelProfile; result: VerifyResult }>();

/**
 * The verifier model's answer for a program under test (log level 4: statistics), once per
 * program and profile: the JIT and the interpreter both ask for the same program.
 */
export function modelVerdict(p: ProgramUnderTest, profile: KernelProfile): VerifyResult {
  const hit = verdicts.get(p);
  if (hit && hit.profile === profile) return hit.result;
  const result = verify(verifierInputFor(p, profile, 4));
  verdicts.set(p, { profile, result });
  return result;
}

/**
 * The instructions the interpreter decodes: for a program the model accepts, those its walk
 * reached (the kernel removes the others before the program runs); otherwise all of them.
 */
export function reachedForRun(p: ProgramUnderTest, profile: KernelProfile): Uint8Array | undefined {
  if (p.helperAbi === 'ubpf') return undefined;
  const v = modelVerdict(p, profile);
  return v.verdict === 'accept' ? v.reached : undefined;
}

/** Stack depths from a kernel log's statistics line. */
const kernelStackDepths = (log: string): number[] | undefined => /stack depth ([0-9+]+)/.exec(log)?.[1]?.split('+').map(Number);

/**
 * The subprogram starts the loader knows (func_info) and the exception callback's: an
 * object's from the loader; a hand-built program's from its func_info and the
 * `exception_callback:` decl tag of its BTF (as the verifier finds it).
 */
export function programStarts(p: ProgramUnderTest): { funcStarts: number[]; exceptionCbStart?: number } {
  const l = p.object?.linked;
  if (!l) {
    if (!p.btf) return { funcStarts: [] };
    const funcInfo = p.btf.funcInfo.map((f) => ({ insnOff: f.insnOff, typeId: f.typeId }));
    let cb: number | undefined;
    try { cb = findExceptionCallbackInsnOff({ insns: p.insns, progType: 0, funcInfo, btf: p.btf.btf }) || undefined; } catch { cb = undefined; }
    return { funcStarts: funcInfo.map((f) => f.insnOff), exceptionCbStart: cb };
  }
  const cb = l.exceptionCallback ? l.subprogOffsets[l.subprogs.indexOf(l.exceptionCallback)] : undefined;
  return { funcStarts: l.funcInfo.map((f) => f.insnOff), exceptionCbStart: cb };
}

/** The function starts of a program the way the verifier finds them (calls and function pointers, reached or not). */
function functionStarts(insns: readonly Insn[], extra: readonly number[]): number[] {
  const s = new Set<number>([0, ...extra]);
  for (let i = 0; i < insns.length; i++) {
    const n = insns[i];
    if (n.code === 0x85 && n.src === 1) s.add(i + 1 + n.imm);
    if (n.code === 0x18) { if (n.src === 4) s.add(i + 1 + n.imm); i++; }
  }
  return [...s];
}

/**
 * The program with every instruction the verifier did not reach replaced by OP_DEAD (the
 * kernel removes them: an invalid encoding or a bpf_throw there is not the JIT's business).
 */
function withoutDeadCode(p: ProgramUnderTest, reached: Uint8Array | undefined): ProgramUnderTest {
  if (!reached || reached.every((r) => r)) return p;
  return { ...p, insns: p.insns.map((n, i) => (reached[i] ? n : { code: OP_DEAD, dst: 0, src: 0, off: 0, imm: 0 })) };
}

/** Decide, then rewrite. Throws JitRefused. */
export function prepareForJit(p: ProgramUnderTest, o: PrepareOptions = {}): Prepared {
  const { funcStarts, exceptionCbStart } = programStarts(p);
  let stackDepths: number[];
  let hidden = false;
  let reached: Uint8Array | undefined;
  let basis: Prepared['basis'];
  let note = '';
  if (o.unverified) {
    // No verifier: every function gets the largest stack a BPF function may have
    stackDepths = Array(functionStarts(p.insns, funcStarts).length).fill(512);
    hidden = throws(p) && exceptionCbStart === undefined;
    if (hidden) stackDepths.push(0);
    basis = 'unverified';
  } else {
    if (!o.profile) throw new JitRefused('jit', 'no kernel profile for the verifier model');
    const v = modelVerdict(p, o.profile);
    if (v.verdict === 'reject' && !v.notModelled) {
      throw new JitRefused('rejected', `the verifier rejects it (${v.errno}): ${v.error || 'no message'}`);
    }
    if (v.verdict === 'reject') {
      const why = v.error || 'not modelled yet';
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { kernelAvailable } = require('../kernel') as typeof import('../kernel');
      if (!kernelAvailable().ok) throw new JitRefused('not-modelled', `the verifier model cannot decide it (${why}) and the kernel is not available to ask`);
      const k = kernelVerdict(p);
      if (k.verdict !== 'accept') throw new JitRefused('kernel-rejects', `the verifier model cannot decide it (${why}); the kernel rejects it (${k.errno})`);
      if (!o.trustKernel) throw new JitRefused('not-modelled', `the verifier model cannot decide it (${why}); the kernel accepts it: rerun with --trust-kernel to jit it on the kernel's word`);
      const depths = kernelStackDepths(k.log);
      if (!depths) throw new JitRefused('not-modelled', 'the kernel accepts it but its log has no stack depths');
      stackDepths = depths;
      hidden = throws(p) && exceptionCbStart === undefined;
      basis = 'kernel';
      note = `jitted on the kernel's word: the verifier model cannot decide it (${why})`;
    } else {
      // the JIT compiles the program as written: a subprog no path reaches (the kernel removes it) is there, never run
      stackDepths = v.stats.allStackDepths;
      hidden = v.hiddenExceptionCallback;
      reached = v.reached;
      basis = 'verifier';
    }
  }
  // A verified program runs without the code its walk never reached (a bpf_throw there gives no hidden
  // callback; an invalid encoding there is no error): each such instruction becomes OP_DEAD. Their
  // calls still start functions (the verifier's subprogs, one stack depth each).
  let prog = p;
  let starts = funcStarts;
  if (basis === 'verifier') {
    prog = withoutDeadCode(p, reached);
    if (prog !== p) starts = functionStarts(p.insns, funcStarts);
  }
  try {
    const fixed = fixupForJit({
      insns: prog.insns, stackDepths, hiddenExceptionCallback: hidden, throws: throws(prog), exceptionCbStart, funcStarts: starts,
      ldImm64: ldImm64Resolver(prog, o.mapAddress ?? displayMapAddress),
    });
    return { fixed, basis, note };
  } catch (e) {
    if (e instanceof JitError) throw new JitRefused('jit', e.message);
    throw e;
  }
}

function kernelVerdict(p: ProgramUnderTest): { verdict: string; errno: string | null; log: string } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { kernelRun } = require('../kernel/run') as typeof import('../kernel/run');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { loadLinkedObject } = require('../kernel/object') as typeof import('../kernel/object');
  const opts = { logLevel: 4 };
  if (p.object) return loadLinkedObject({ ...p.object.loaded, programs: [p.object.linked] }, opts)[0];
  return kernelRun({ name: p.name, insns: p.insns, progType: p.progType, license: p.license }, {}, opts);
}
