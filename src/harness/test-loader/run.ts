// bpfx test-loader's runner: the kernel selftests' test_loader.c
// (test_loader__run_subtests, run_subtest) over object files, on bpfx's
// engines. Each program with a test spec is loaded on its own, with the
// object's __auxiliary programs, in the modes its annotations name; `?`
// sections load like the others (the loader sets autoload per subtest).
import * as fs from 'fs';
import * as path from 'path';
import { parseElf } from '../../elf';
import { collectElf } from '../../loader/collect';
import { parseBtf } from '../../btf/parse';
import { findByName, declTagsOf } from '../../btf/lookup';
import { LoadResult, LoaderError } from '../../loader';
import { loadHostObject, hostVmlinuxBtf, HostFacts } from '../../kernel/host';
import { disassemble } from '../../isa/disasm';
import { contextLayout } from '../../runtime';
import { errnoName, PROG_LOAD_FLAGS } from '../../isa/uapi';
import { EngineName, EngineResult, kernelResult, verifierResult, runResult } from '../engine';
import { firstErrorLine } from '../../verifier/error_line';
import { getEngine } from '../engines';
import { underTest } from '../object';
import { Arch, AnnotationError, Mode, MsgPattern, Subspec, TestSpec, parseTestSpec, TEST_DATA_LEN } from './annotations';
import { checkLoad } from './check';

/** What test_loader asks of the machine beyond the kernel's facts, read at the CLI edge and passed in. */
export interface MachineFacts {
  arch: Arch | null;
  /** net.core.bpf_jit_enable != 0. */
  jitEnabled: boolean;
  /** kernel.unprivileged_bpf_disabled (0: unprivileged bpf() allowed). */
  unprivDisabled: number;
}

/** A program of an object with its test spec (or why its annotations were refused). */
export interface ObjectTest {
  prog: string;
  section: string;
  spec: TestSpec | null;
  error: string | null;
}

export interface ObjectTests { file: string; tests: ObjectTest[] }

/** Bad input: the file cannot be read as an object with annotations. */
export class TestLoaderInputError extends Error {
  constructor(readonly file: string, readonly kind: string, message: string, readonly at: string | null = null) { super(message); this.name = 'TestLoaderInputError'; }
}

/** An ELF, BTF or loader error as bad input: its class name as the kind, its section and byte offset as where. */
function inputError(file: string, e: unknown): TestLoaderInputError {
  const err = e as Error & { section?: string; byteOffset?: number };
  const at = err.byteOffset !== undefined ? `${err.section ?? ''}${err.section ? ' ' : ''}+${err.byteOffset}` : null;
  return new TestLoaderInputError(file, err.name || 'Error', err.message, at);
}

/** Programs of an object (libbpf order) and the test specs their decl tags make. */
export function readObjectTests(file: string, hostArch: Arch | null): ObjectTests {
  let bytes: Uint8Array;
  try { bytes = new Uint8Array(fs.readFileSync(file)); } catch (e) {
    throw new TestLoaderInputError(file, 'read', (e as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory' : (e as Error).message);
  }
  let progs: { name: string; secName: string; isSub: boolean }[];
  let btfData: Uint8Array | undefined;
  try {
    const c = collectElf(parseElf(bytes));
    progs = c.progs;
    btfData = c.btfSec?.data;
  } catch (e) {
    throw inputError(file, e);
  }
  if (!btfData) throw new TestLoaderInputError(file, 'btf', 'BPF object has no BTF: no annotations to read');
  let btf;
  try { btf = parseBtf(btfData); } catch (e) { throw inputError(file, e); }
  const tests: ObjectTest[] = [];
  for (const p of progs) {
    if (p.isSub) continue;
    const id = findByName(btf, p.name, 'func');
    if (id === undefined) { tests.push({ prog: p.name, section: p.secName, spec: null, error: `failed to find FUNC BTF type for '${p.name}'` }); continue; }
    const tags = declTagsOf(btf, id, -1).sort((a, b) => a.id - b.id).map((t) => t.tag.name);
    try {
      tests.push({ prog: p.name, section: p.secName, spec: parseTestSpec(p.name, tags, hostArch), error: null });
    } catch (e) {
      if (!(e instanceof AnnotationError)) throw e;
      tests.push({ prog: p.name, section: p.secName, spec: null, error: `Can't parse test spec: ${e.message}` });
    }
  }
  return { file, tests };
}

export type Status = 'pass' | 'fail' | 'skip';

export interface SubtestResult {
  file: string;
  prog: string;
  /** The subtest's name: description, `@unpriv` appended for the unprivileged run. */
  name: string;
  mode: Mode;
  engine: EngineName;
  status: Status;
  /** Skip reason, or the first unmet expectation. */
  reason: string | null;
  /** For a failure: test_loader's MATCHED/EXPECTED lines and the log around the failure. */
  details: string[];
  /** The load result (verdict, errno, log), when the engine loaded the program. */
  result: EngineResult | null;
  /** Expectations this engine cannot check (e.g. __retval on the verifier model). */
  unchecked: string[];
  /** The model answered `not modelled yet`. */
  notModelled: boolean;
}

interface Case { file: string; spec: TestSpec; mode: Mode; sub: Subspec; aux: string[]; host: HostFacts; machine: MachineFacts }

/** Flags the model does not take: a run that needs them is skipped on the verifier engine (the engine's rule). */
function flagsTheModelLacks(c: Case): string[] {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { flagsTheModelLacks: lacks } = require('../engines/verifier') as typeof import('../engines/verifier');
  return lacks(c.spec.progFlags, c.spec.logLevel, false);
}

/** Reasons the case does not run at all on this host (test_loader's test__skip before loading). */
function hostSkip(c: Case): string | null {
  if (c.spec.arch && (c.machine.arch === null || !c.spec.arch.includes(c.machine.arch))) {
    return `__arch_${c.spec.arch.map((a) => a.toLowerCase()).join('/__arch_')}: not this machine's arch (${c.machine.arch ?? 'unknown'})`;
  }
  if (c.spec.loadMode === 'jited' && !c.machine.jitEnabled) return '__load_if_JITed: the BPF JIT is off here';
  if (c.spec.loadMode === 'no_jited' && c.machine.jitEnabled) return '__load_if_no_JITed: the BPF JIT is on here';
  if (c.spec.unsupported.length) return `${c.spec.unsupported.join(', ')}: BPF stream output is not checked by bpfx`;
  return null;
}

/** The object linked with only the case's program and its auxiliaries autoloaded, or libbpf's refusal. */
function linkCase(c: Case): { loaded: LoadResult } | { refusal: string; errno: string } {
  const btfPath = c.spec.btfPath === null ? undefined
    : fs.existsSync(c.spec.btfPath) ? c.spec.btfPath : path.join(path.dirname(c.file), c.spec.btfPath);
  // __btf_path: CO-RE against that BTF instead of the kernel's (libbpf's btf_custom_path).
  const host = btfPath === undefined ? c.host : { ...c.host, vmlinuxBtf: hostVmlinuxBtf(btfPath) };
  try {
    return { loaded: loadHostObject(c.file, { host, only: [c.spec.prog, ...c.aux] }).loaded };
  } catch (e) {
    if (e instanceof LoaderError) return { refusal: `libbpf: ${e.message}`, errno: errnoName(-e.errno) };
    throw e;
  }
}

const u32 = (v: number | bigint): number => Number(BigInt.asUintN(32, BigInt(v)));

/** libbpf refused the object before any BPF_PROG_LOAD: a failed load without a verifier log. */
function refusedResult(r: { refusal: string; errno: string }): EngineResult & { notModelled: boolean } {
  return { verdict: 'reject', errno: r.errno, log: '', retval: null, error: r.refusal, errorLine: r.refusal, notModelled: false };
}

/** The rewritten program as test_loader prints it for __xlated (get_xlated_program_text): `N: insn`, no opcode. */
export function xlatedText(insns: readonly import('../../isa/insn').Insn[]): string {
  return disassemble(insns).map((l) => l.replace(/^(\d+): \([0-9a-f]{2}\) /, '$1: ')).join('\n') + '\n';
}

/** Whether BPF_F_TEST_RND_HI32 would add instructions: the program writes 32-bit subregisters (ALU32, narrow loads). */
function writesSubregs(insns: readonly import('../../isa/insn').Insn[]): boolean {
  return insns.some((n) => (n.code & 7) === 0x04 || ((n.code & 7) === 0x01 && (n.code & 0x18) !== 0x18));
}

/** The target program's result out of the loaded programs: the first failure wins, as bpf_object__load stops there. */
function pickResult(names: string[], results: EngineResult[], target: string): EngineResult {
  const failed = results.find((r) => r.verdict === 'reject');
  return failed ?? results[names.indexOf(target)];
}

/** Loads on the live kernel; run, xlated dump as the subspec asks. */
function kernelCase(c: Case): { result: EngineResult; xlated: string | null; runError: string | null } {
  const linked = linkCase(c);
  if ('refusal' in linked) return { result: refusedResult(linked), xlated: null, runError: null };
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { loadLinkedObject } = require('../../kernel/object') as typeof import('../../kernel/object');
  const run = c.sub.retval !== null && !c.sub.expectFailure;
  const vs = loadLinkedObject(linked.loaded, {
    logLevel: c.spec.logLevel || undefined, progFlags: c.spec.progFlags, run, dump: c.sub.xlated.length ? 'xlated' : undefined,
    input: { packet: new Uint8Array(TEST_DATA_LEN) },
  });
  const names = linked.loaded.programs.map((p) => p.name);
  const results = vs.map((v): EngineResult => kernelResult(v));
  const target = vs[names.indexOf(c.spec.prog)];
  const xlated = target?.xlated ? xlatedText(target.xlated) : null;
  return { result: pickResult(names, results, c.spec.prog), xlated, runError: target?.runError ?? null };
}

/** Verifies with the model: the case's program and its auxiliaries, at the case's log level. */
function verifierCase(c: Case): EngineResult & { notModelled: boolean; xlated?: string; xlatedUnchecked?: string } {
  const linked = linkCase(c);
  if ('refusal' in linked) return refusedResult(linked);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { verifierInputFor, flagInputs } = require('../engines/verifier') as typeof import('../engines/verifier');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { verify } = require('../../verifier') as typeof import('../../verifier');
  const names: string[] = [];
  const results: (EngineResult & { notModelled: boolean; xlated?: string; xlatedUnchecked?: string })[] = [];
  for (const p of linked.loaded.programs) {
    const put = underTest(c.file, new Uint8Array(0), linked.loaded, p);
    // Level 0: libbpf loads without a log and, when the load fails, again at level 1.
    const level = c.spec.logLevel === 0 ? 1 : c.spec.logLevel;
    const wantXlated = p.name === c.spec.prog && c.sub.xlated.length > 0;
    const r = verify({ ...verifierInputFor(put, c.host.profile, level), unprivileged: c.mode === 'unpriv', xlated: wantXlated, ...flagInputs(c.spec.progFlags) });
    names.push(p.name);
    const x = r.xlated;
    const rndHi32 = (c.spec.progFlags & PROG_LOAD_FLAGS.BPF_F_TEST_RND_HI32) !== 0 && writesSubregs(p.insns);
    results.push({
      ...verifierResult({ ...r, log: c.spec.logLevel === 0 && r.verdict === 'accept' ? '' : r.log }),
      xlated: x && 'insns' in x && !rndHi32 ? xlatedText(x.insns) : undefined,
      xlatedUnchecked: !x ? undefined : 'notModelled' in x ? `not modelled yet: ${x.notModelled}` : rndHi32 ? 'the BPF_F_TEST_RND_HI32 rewrites are not modelled' : undefined,
    });
    if (r.verdict === 'reject') break;
  }
  return pickResult(names, results, c.spec.prog) as EngineResult & { notModelled: boolean; xlated?: string; xlatedUnchecked?: string };
}

function base(c: Case, engine: EngineName): SubtestResult {
  return { file: c.file, prog: c.spec.prog, name: c.sub.name, mode: c.mode, engine, status: 'pass', reason: null, details: [], result: null, unchecked: [], notModelled: false };
}

const skip = (r: SubtestResult, reason: string): SubtestResult => ({ ...r, status: 'skip', reason });

function runKernel(c: Case): SubtestResult {
  const r = base(c, 'kernel');
  const avail = getEngine('kernel', c.host).available();
  if (!avail.ok) return skip(r, `the kernel engine is not available: ${avail.reason}`);
  if (c.mode === 'unpriv') {
    return skip(r, c.machine.unprivDisabled
      ? `unprivileged BPF is disabled here (kernel.unprivileged_bpf_disabled=${c.machine.unprivDisabled})`
      : 'the kernel engine cannot drop capabilities');
  }
  const k = kernelCase(c);
  const out: SubtestResult = { ...r, result: k.result };
  const bad = checkLoad(c.sub, k.result, c.sub.xlated.length ? k.xlated : null);
  if (bad) return { ...out, status: 'fail', ...bad };
  if (c.sub.retval !== null && !c.sub.expectFailure) {
    if (k.runError) return { ...out, status: 'fail', reason: `Unexpected bpf_prog_test_run error: ${k.runError}` };
    const got = k.result.retval;
    if (!c.sub.retvalAny && (got === null || u32(got) !== u32(c.sub.retval))) {
      return { ...out, status: 'fail', reason: `Unexpected retval: ${got === null ? 'none' : u32(got) | 0} != ${c.sub.retval}` };
    }
  }
  if (c.sub.jited.length) return skip(out, '__jited: JIT image disassembly is not compared by bpfx (load and messages passed)');
  return out;
}

function runVerifier(c: Case): SubtestResult {
  const r = base(c, 'verifier');
  const lacking = flagsTheModelLacks(c);
  if (lacking.length) return skip(r, `the verifier model does not take prog flags ${lacking.join(', ')}`);
  const v = verifierCase(c);
  const { xlated: _x, xlatedUnchecked: _u, ...result } = v;
  const unchecked = [
    ...(c.sub.retval !== null && !c.sub.expectFailure ? ['__retval (the model does not run programs)'] : []),
    ...(c.sub.xlated.length && v.xlated === undefined ? [`__xlated (${v.xlatedUnchecked ?? 'no rewritten program'})`] : []),
    ...(c.sub.jited.length ? ['__jited (the model does not JIT)'] : []),
  ];
  const out: SubtestResult = { ...r, result, unchecked, notModelled: v.notModelled };
  if (v.notModelled) return skip(out, firstErrorLine(v.log) ?? 'not modelled yet');
  const bad = checkLoad(c.sub, result, v.xlated ?? null);
  return bad ? { ...out, status: 'fail', ...bad } : out;
}

/**
 * Whether the program reads its context (r1 at entry) before overwriting r1, in
 * instruction order: as an operand, a memory base, or an argument to a call.
 */
export function readsContext(insns: readonly import('../../isa/insn').Insn[]): boolean {
  for (const n of insns) {
    const cls = n.code & 7;
    const isCall = n.code === 0x85;
    if (isCall) return true; // r1 is still the context: it goes to the callee as its first argument
    const srcUsed = (cls === 0x01 /* LDX */ || cls === 0x03 /* STX */ || ((cls === 0x04 || cls === 0x07 || cls === 0x05 || cls === 0x06) && (n.code & 0x08) !== 0)) && n.src === 1;
    const dstRead = (cls === 0x02 || cls === 0x03 /* ST, STX base */ || ((cls === 0x05 || cls === 0x06) && n.code !== 0x05 && n.code !== 0x95)) && n.dst === 1;
    const aluReadsDst = (cls === 0x04 || cls === 0x07) && (n.code & 0xf0) !== 0xb0 && n.dst === 1;
    if (srcUsed || dstRead || aluReadsDst) return true;
    if (n.dst === 1 && (cls === 0x00 || cls === 0x01 || cls === 0x04 || cls === 0x07)) return false;
    if (n.code === 0x95) return false;
  }
  return false;
}

/** interp / jit: no verifier; only __retval can be checked, with test_loader's input (64 zero bytes). */
async function runRuntime(c: Case, engine: 'interp' | 'jit'): Promise<SubtestResult> {
  const r = base(c, engine);
  const avail = getEngine(engine, c.host).available();
  if (!avail.ok) return skip(r, `the ${engine} engine is not available: ${avail.reason}`);
  if (c.sub.expectFailure) return skip(r, `the ${engine} engine does not verify: an expected load failure cannot be checked`);
  if (c.sub.retval === null) return skip(r, `nothing to check on the ${engine} engine (no __retval)`);
  const linked = linkCase(c);
  if ('refusal' in linked) return { ...r, status: 'fail', reason: linked.refusal };
  const p = linked.loaded.programs.find((x) => x.name === c.spec.prog)!;
  if (readsContext(p.insns) && !contextLayout(p.type)) return skip(r, `the ${engine} engine does not model the ${p.type} context the program reads`);
  const res = await getEngine(engine, c.host).run(underTest(c.file, new Uint8Array(0), linked.loaded, p), { packet: new Uint8Array(TEST_DATA_LEN) });
  const out: SubtestResult = { ...r, result: res };
  if (res.error && /not modelled/.test(res.error)) return skip(out, `the ${engine} engine: ${res.error}`);
  if (res.error) return { ...out, status: 'fail', reason: `runtime error: ${res.error}` };
  if (!c.sub.retvalAny && (res.retval === null || u32(res.retval) !== u32(c.sub.retval))) {
    return { ...out, status: 'fail', reason: `Unexpected retval: ${res.retval === null ? 'none' : u32(res.retval) | 0} != ${c.sub.retval}` };
  }
  return out;
}

export interface RunOptions {
  engines: EngineName[];
  /** Glob over program names and descriptions (test_progs filters subtests by name). */
  progGlob?: string;
  /** The kernel's facts (vmlinux BTF, Kconfig, verifier profile), and the machine's. */
  host: HostFacts;
  machine: MachineFacts;
}

export function globMatch(glob: string, s: string): boolean {
  const re = new RegExp('^' + glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(s);
}

/** One case on one engine; unexpected internal errors become failures naming the program. */
async function runOne(c: Case, engine: EngineName): Promise<SubtestResult> {
  try {
    if (engine === 'kernel') return runKernel(c);
    if (engine === 'verifier') return runVerifier(c);
    return await runRuntime(c, engine);
  } catch (e) {
    return { ...base(c, engine), status: 'fail', reason: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/** Every subtest of the objects on every engine asked for, in object, program, mode, engine order. */
export async function runTests(objects: readonly ObjectTests[], opts: RunOptions): Promise<SubtestResult[]> {
  const out: SubtestResult[] = [];
  for (const o of objects) {
    const specs = o.tests.map((t) => t.spec).filter((s): s is TestSpec => s !== null);
    for (const t of o.tests) {
      if (opts.progGlob && !globMatch(opts.progGlob, t.prog) && !(t.spec && globMatch(opts.progGlob, t.spec.description))) continue;
      if (!t.spec) {
        for (const engine of opts.engines) {
          out.push({ file: o.file, prog: t.prog, name: t.prog, mode: 'priv', engine, status: 'fail', reason: t.error, details: [], result: null, unchecked: [], notModelled: false });
        }
        continue;
      }
      if (t.spec.auxiliary) continue;
      for (const mode of t.spec.modes) {
        const aux = specs.filter((s) => s.auxiliary && s.modes.includes(mode) && s.prog !== t.prog).map((s) => s.prog);
        const c: Case = { file: o.file, spec: t.spec, mode, sub: mode === 'priv' ? t.spec.priv : t.spec.unpriv, aux, host: opts.host, machine: opts.machine };
        const hs = hostSkip(c);
        for (const engine of opts.engines) out.push(hs ? skip(base(c, engine), hs) : await runOne(c, engine));
      }
    }
  }
  return out;
}

export type { MsgPattern };
