// Which verifier profile (src/verifier/profiles.ts) the live kernel matches,
// found the way libbpf probes kernel features (probe_prog_load, probe_kern_*):
// load a few tiny programs, built here with our assembler and BTF encoder, and
// read the answers, a verdict and a message. Each profile says what it would
// answer (expectedFeatures); the profile that agrees is the kernel's. The
// result is cached per boot of the machine (release, uname version, boot id)
// under the user's cache directory, so that processes do not reprobe.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assembleWithLabels, Insn } from '../isa';
import {
  Btf, BtfLinkage, encodeBtf, encodeFuncInfo, findByName, newBtf, KernelFuncInfo, addInt, addPtr, addStruct, addFuncProto, addFunc, addDeclTag,
} from '../btf';
import { KernelProfile, PROFILES, NEWEST_PROFILE } from '../verifier/profiles';
import { firstErrorLine } from '../verifier/error_line';
import { progLoad } from './prog';
import { sysClose } from './sys';

/** A probe program with what BPF_PROG_LOAD gets with it: program BTF and func_info. */
export interface ProbeProgram {
  name: string;
  progType: 'sched_cls';
  insns: Insn[];
  btf: Btf;
  funcInfo: KernelFuncInfo[];
  /** Kernel functions it calls: BTF id -> name. */
  kfuncs: Map<number, string>;
}

/** What a verifier (the kernel's or the model) answered for a probe program. */
export interface ProbeAnswer { verdict: 'accept' | 'reject'; errorLine: string | null }

/** The answers that tell the profiles apart; null where the probe could not tell. */
export interface ProbeFeatures {
  /** A tail call reachable from a bpf_loop callback (through a static subprog) is rejected. */
  tail_call_in_any_callback: boolean | null;
  /** The message for a tail call reachable from the exception callback (through a static subprog). */
  exception_cb_tail_call_message: string | null;
  /** A reference held across the call of a global subprog that throws is rejected at the call. */
  global_throw_checked_at_callsite: boolean | null;
}

/** What `bpfx probe --json` prints. */
export interface ProbeReport {
  /** uname -r. */
  kernel: string;
  /** The matching profile's name (the closest one when none matches every answer). */
  profile: string;
  /** Every answer the probes gave agrees with the profile. */
  exact: boolean;
  features: ProbeFeatures;
}

/** A parameter type of a probe function: u64, struct __sk_buff *, void *. */
export type ProbeParam = 'u64' | 'pskb' | 'pvoid';
/** A function of a probe program: its label in the assembly (also its BTF name), parameters, linkage. */
export interface ProbeFunc { label: string; params: ProbeParam[]; linkage: BtfLinkage }

/** Program BTF for hand-built programs: int, u64, struct __sk_buff *, void *, one FUNC per function, decl tags on the first. */
function programBtf(funcs: readonly ProbeFunc[], labels: ReadonlyMap<string, number>, tags: readonly string[]): { btf: Btf; funcInfo: KernelFuncInfo[] } {
  const btf = newBtf();
  const int = addInt(btf, 'int', 4);
  const types: Record<ProbeParam, number> = {
    u64: addInt(btf, 'unsigned long long', 8, false), pskb: addPtr(btf, addStruct(btf, '__sk_buff', 0)), pvoid: addPtr(btf, 0),
  };
  const funcInfo = funcs.map((f): KernelFuncInfo => {
    const proto = addFuncProto(btf, int, f.params.map((p, i) => ({ name: `a${i}`, type: types[p] })));
    return { insnOff: labels.get(f.label) ?? 0, typeId: addFunc(btf, f.label, proto, f.linkage) };
  });
  for (const t of tags) addDeclTag(btf, t, funcInfo[0].typeId);
  return { btf, funcInfo };
}

export const MAIN: ProbeFunc = { label: 'main', params: ['pskb'], linkage: 'global' };

/** A static subprog whose tail call is dead code: do_check never reaches it, check_max_stack_depth still sees it. */
export const DEAD_TAIL_CALL = `
f:
  r0 = 0
  if r0 != 0 goto tail
  exit
tail:
  call bpf_tail_call
  exit`;

/**
 * A sched_cls program from assembly text: one BTF FUNC per function (func_info at its
 * label; the first is the main program and carries the decl tags), `call bpf_throw` as
 * a kfunc call when `throwId` is given.
 */
export function probeProgram(name: string, text: string, funcs: ProbeFunc[], tags: string[] = [], throwId?: number): ProbeProgram {
  const kfuncs = new Map<number, string>();
  const kfuncId = (n: string): number | undefined => (n === 'bpf_throw' && throwId !== undefined ? (kfuncs.set(throwId, n), throwId) : undefined);
  const { insns, labels } = assembleWithLabels(text, { source: `probe ${name}`, kfuncId });
  return { name, progType: 'sched_cls', insns, ...programBtf(funcs, labels, tags), kfuncs };
}

/** bpf_loop's callback calls a static subprog with a tail call. */
export function loopCallbackTailCallProbe(): ProbeProgram {
  return probeProgram('loop_cb_tail_call', `
main:
  r1 = 1
  r2 = func(cb) ll
  r3 = 0
  r4 = 0
  call bpf_loop
  r0 = 0
  exit
cb:
  call f
  r0 = 0
  exit${DEAD_TAIL_CALL}`, [MAIN, { label: 'cb', params: ['u64', 'pvoid'], linkage: 'static' }, { label: 'f', params: ['u64'], linkage: 'static' }]);
}

/** The exception callback calls a static subprog with a tail call. */
export function exceptionCallbackTailCallProbe(): ProbeProgram {
  return probeProgram('exc_cb_tail_call', `
main:
  r0 = 0
  exit
exception_cb:
  call f
  r0 = 0
  exit${DEAD_TAIL_CALL}`, [MAIN, { label: 'exception_cb', params: ['u64'], linkage: 'global' }, { label: 'f', params: ['u64'], linkage: 'static' }],
  ['exception_callback:exception_cb']);
}

/** A socket reference is held across the call of a global subprog that calls bpf_throw. */
export function globalThrowWithReferenceProbe(throwId: number): ProbeProgram {
  return probeProgram('global_throw_ref', `
main:
  r6 = r1
  *(u64 *)(r10 - 16) = 0
  *(u32 *)(r10 - 8) = 0
  r1 = r6
  r2 = r10
  r2 += -16
  r3 = 12
  r4 = -1
  r5 = 0
  call bpf_sk_lookup_tcp
  r7 = r0
  r1 = 7
  call thrower
  if r7 == 0 goto out
  r1 = r7
  call bpf_sk_release
out:
  r0 = 0
  exit
thrower:
  call bpf_throw
  r0 = 0
  exit`, [MAIN, { label: 'thrower', params: ['u64'], linkage: 'global' }], [], throwId);
}

/** The answers a kernel described by profile `p` gives. */
export function expectedFeatures(p: KernelProfile): ProbeFeatures {
  return {
    tail_call_in_any_callback: p.behaviour.tailCallInAnyCallback,
    exception_cb_tail_call_message: p.texts.tailCallInCallback,
    global_throw_checked_at_callsite: p.behaviour.globalThrowCheckedAtCallsite,
  };
}

const TAIL_CALL_TEXTS = new Set(PROFILES.map((p) => p.texts.tailCallInCallback));
const REF_LEAK_AT_THROW = 'bpf_throw would lead to reference leak';

/** Run the probes through `load` (the kernel, or the model in tests). `throwId`: bpf_throw's BTF id, if known. */
export function runProbes(load: (p: ProbeProgram) => ProbeAnswer, throwId: number | undefined): ProbeFeatures {
  const loop = load(loopCallbackTailCallProbe());
  const exc = load(exceptionCallbackTailCallProbe());
  const ref = throwId === undefined ? null : load(globalThrowWithReferenceProbe(throwId));
  return {
    tail_call_in_any_callback: loop.verdict === 'accept' ? false : TAIL_CALL_TEXTS.has(loop.errorLine ?? '') ? true : null,
    exception_cb_tail_call_message: exc.verdict === 'reject' ? exc.errorLine : null,
    global_throw_checked_at_callsite: !ref ? null : ref.verdict === 'accept' ? false : ref.errorLine === REF_LEAK_AT_THROW ? true : null,
  };
}

/** The profile whose expected answers agree with `features` (unknown answers ignored); else the closest, newest first. */
export function matchProfile(features: ProbeFeatures): { profile: KernelProfile; exact: boolean } {
  let best: { profile: KernelProfile; misses: number } | undefined;
  for (const p of [...PROFILES].reverse()) {
    const want = expectedFeatures(p) as unknown as Record<string, unknown>;
    const got = features as unknown as Record<string, unknown>;
    const misses = Object.keys(want).filter((k) => got[k] !== null && got[k] !== want[k]).length;
    if (!best || misses < best.misses) best = { profile: p, misses };
  }
  return best ? { profile: best.profile, exact: best.misses === 0 } : { profile: NEWEST_PROFILE, exact: false };
}

/** Load a probe program on the live kernel (bpf() must work). */
function kernelAnswer(p: ProbeProgram): ProbeAnswer {
  const r = progLoad({ progType: p.progType, insns: p.insns, license: 'GPL', logLevel: 1, btf: encodeBtf(p.btf), funcInfo: encodeFuncInfo(p.funcInfo), name: p.name });
  if (r.ok) sysClose(r.fd);
  return { verdict: r.ok ? 'accept' : 'reject', errorLine: r.ok ? null : firstErrorLine(r.log) };
}

/** Bump when the probes change: cached answers of other probes are not reused. */
const PROBE_VERSION = 1;

/** The cache file of probe answers ($XDG_CACHE_HOME/bpfx/probe.json, else ~/.cache/bpfx/probe.json). */
export function probeCacheFile(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'bpfx', 'probe.json');
}

/** What identifies this boot of this kernel: release, uname version, boot id. */
function machineKey(): string {
  let bootId = '';
  try { bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { bootId = 'no-boot-id'; }
  return `v${PROBE_VERSION} ${os.release()} ${os.version()} ${bootId}`;
}

function readCache(key: string): ProbeReport | undefined {
  try {
    const c = JSON.parse(fs.readFileSync(probeCacheFile(), 'utf8')) as { key?: string; report?: ProbeReport };
    return c.key === key && c.report ? c.report : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(key: string, report: ProbeReport): void {
  try {
    fs.mkdirSync(path.dirname(probeCacheFile()), { recursive: true });
    fs.writeFileSync(probeCacheFile(), JSON.stringify({ key, report }, null, 2) + '\n');
  } catch {
    // a read-only home: probe again next time
  }
}

export interface LiveProbe { report: ProbeReport; profile: KernelProfile; cached: boolean }

/**
 * Probe the live kernel (bpf() must work; see kernelAvailable), or reuse this
 * boot's cached answers. `vmlinuxBtf` gives bpf_throw's id; without it the
 * reference probe is skipped.
 */
export function probeLiveKernel(vmlinuxBtf: Btf | undefined, opts: { refresh?: boolean } = {}): LiveProbe {
  const key = machineKey();
  const cached = opts.refresh ? undefined : readCache(key);
  const found = cached ? PROFILES.find((p) => p.name === cached.profile) : undefined;
  if (cached && found) return { report: cached, profile: found, cached: true };
  const throwId = vmlinuxBtf ? findByName(vmlinuxBtf, 'bpf_throw', 'func') : undefined;
  const features = runProbes(kernelAnswer, throwId);
  const { profile, exact } = matchProfile(features);
  const report: ProbeReport = { kernel: os.release(), profile: profile.name, exact, features };
  writeCache(key, report);
  return { report, profile, cached: false };
}
