// bpfx's JIT against the kernel's, on the same programs and input in the
// same run: ns per run of our native code (the repeat loop in native code)
// and of the kernel's BPF_PROG_TEST_RUN with repeat, as a ratio per program;
// and the JIT's compile time per instruction.
import * as fs from 'fs';
import * as path from 'path';
import { Insn, insn } from '../src/isa/insn';
import { kernelAvailable, progLoad, testRun, closeFd } from '../src/kernel';
import { jitProgram } from '../src/jit';
import { loadNativeProgram, nativeAvailable, threadCpuNs } from '../src/harness/native-run';
import { prepareForJit } from '../src/harness/jit-program';
import { hostJitOptions } from '../src/harness/jit-kernel';
import { programFromSpec, readSpecFile } from '../src/harness/program';
import { loadConformanceCase } from '../src/harness/conformance-data';
import { ProgramUnderTest } from '../src/harness/engine';
import { hostFacts, HostFacts } from '../src/kernel/host';
import { HELPER_NAMES } from '../src/isa/helpers';
import type { BenchResult } from './run';

const asm = (name: string, insns: Insn[]): ProgramUnderTest => ({ name, insns, progType: 'sched_cls', license: 'GPL' });

/** n ALU instructions over r0..r5 and an exit (the interpreter bench's program). */
function aluProgram(n: number): Insn[] {
  const out: Insn[] = [];
  for (let r = 0; r <= 5; r++) out.push(insn(0xb7, r, 0, 0, r * 7919 + 1));
  const ops = [0x0f, 0xaf, 0x2f, 0x04, 0x67, 0x77, 0x0c, 0xa4];
  for (let i = 0; out.length < n; i++) {
    const code = ops[i % ops.length], dst = i % 6, src = (i + 3) % 6;
    const k = code === 0x67 || code === 0x77 ? (i % 13) + 1 : (i * 2654435761) | 0;
    out.push(insn(code, dst, code & 0x08 ? src : 0, 0, code & 0x08 ? 0 : k));
  }
  out.push(insn(0x95));
  return out;
}

/** sum of i*i mod 7 for i < n: a bounded loop with a modulo (and its zero guard). */
function loopProgram(n: number): Insn[] {
  return [
    insn(0xb7, 0, 0, 0, 0), insn(0xb7, 1, 0, 0, 0), insn(0xb7, 3, 0, 0, 7),
    insn(0xbf, 2, 1, 0, 0), insn(0x2f, 2, 1, 0, 0), insn(0x9f, 2, 3, 0, 0), insn(0x0f, 0, 2, 0, 0), // r2 = r1*r1 % r3; r0 += r2
    insn(0x07, 1, 0, 0, 1), insn(0xa5, 1, 0, -6, n), insn(0x95),                                   // if r1 < n goto loop
  ];
}

/** A main program calling a static subprogram in a loop (bpf-to-bpf calls). */
function callProgram(n: number): Insn[] {
  return [
    insn(0xb7, 6, 0, 0, 0), insn(0xb7, 7, 0, 0, 0),
    insn(0xbf, 1, 6, 0, 0), insn(0x85, 0, 1, 0, 5), insn(0x0f, 7, 0, 0, 0), insn(0x07, 6, 0, 0, 1), insn(0xa5, 6, 0, -5, n),
    insn(0xbf, 0, 7, 0, 0), insn(0x95),
    insn(0xbf, 0, 1, 0, 0), insn(0x27, 0, 0, 0, 3), insn(0x07, 0, 0, 0, 1), insn(0x95), // r0 = r1 * 3 + 1
  ];
}

/**
 * Rounds of each measurement, native and kernel interleaved; each side keeps
 * its fastest round. The machine is shared: one round of either side can be
 * 10% slower than the next, far more than the difference being measured. The
 * fastest round is each side's cost with the least interference. (The
 * placement of the code matters too: moving a loop's first byte across a
 * 64-byte line changes its time by up to 6% on this CPU, and the kernel puts
 * each image at a random 8-byte-aligned offset of its pack, so a kernel
 * round loads the program again.)
 */
const ROUNDS = 5;

function kernelNsPerRun(p: ProgramUnderTest, repeat: number): number {
  const r = progLoad({ insns: p.insns, progType: p.progType, license: p.license });
  if (!r.ok) throw new Error(`kernel rejected ${p.name}: ${r.errno}\n${r.log}`);
  try {
    testRun(r.fd, { dataIn: new Uint8Array(64), repeat: 1000 }); // warm up
    return testRun(r.fd, { dataIn: new Uint8Array(64), repeat }).duration;
  } finally {
    closeFd(r.fd);
  }
}

function nativeNsPerRun(p: ProgramUnderTest, repeat: number, host: HostFacts): number {
  const prog = loadNativeProgram(p, { trustKernel: true, profile: host.profile });
  try {
    const pkt = prog.alloc(new Uint8Array(64));
    prog.run(pkt.addr, 64n, 1000); // warm up
    // Thread CPU time: the kernel's duration also leaves out the time its task was preempted
    const t0 = threadCpuNs();
    prog.run(pkt.addr, 64n, repeat);
    return Number(threadCpuNs() - t0) / repeat;
  } finally {
    prog.close();
  }
}

/** Both sides, ROUNDS times interleaved: the fastest round of each. */
function sideBySide(p: ProgramUnderTest, repeat: number, host: HostFacts): { ours: number; kernel: number } {
  let ours = Infinity, kernel = Infinity;
  for (let k = 0; k < ROUNDS; k++) {
    ours = Math.min(ours, nativeNsPerRun(p, repeat, host));
    kernel = Math.min(kernel, kernelNsPerRun(p, repeat));
  }
  return { ours, kernel };
}

/** n calls of a helper that does nothing much (bpf_get_smp_processor_id), in a row. */
function helperCalls(n: number, helper: number): Insn[] {
  const out: Insn[] = [insn(0xb7, 6, 0, 0, 0)];
  for (let k = 0; k < n; k++) out.push(insn(0x85, 0, 0, 0, helper), insn(0x0f, 6, 0, 0, 0));
  out.push(insn(0xbf, 0, 6, 0, 0), insn(0x95));
  return out;
}

/** Mean ns to compile one instruction over a set of programs (prepared once, compiled `reps` times). */
function compileNsPerInsn(progs: ProgramUnderTest[], reps: number): { ns: number; insns: number } {
  const inputs = progs.map((p) => prepareForJit(p, { unverified: true }).fixed.input);
  const opts = hostJitOptions();
  for (let k = 0; k < 3; k++) for (const i of inputs) jitProgram(i, opts); // warm up
  const insns = inputs.reduce((a, i) => a + i.insns.length, 0);
  const t0 = threadCpuNs();
  for (let k = 0; k < reps; k++) for (const i of inputs) jitProgram(i, opts);
  return { ns: Number(threadCpuNs() - t0) / reps / insns, insns };
}

export async function bench(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const nat = nativeAvailable();
  if (!nat.ok) return [{ name: 'jit', value: NaN, unit: '', note: `skipped: ${nat.reason}` }];
  const root = path.resolve(__dirname, '..', '..');

  // Compile time: a large straight-line program, and the bpf_conformance programs
  const big = compileNsPerInsn([asm('alu4000', aluProgram(4000))], 30);
  out.push({ name: 'compile, 4000-insn ALU program', value: big.ns, unit: 'ns/insn', note: `${big.insns} insns, all passes, thread CPU time` });
  const confDir = path.join(root, '../shared/bpf_conformance/tests');
  if (fs.existsSync(confDir)) {
    const progs = fs.readdirSync(confDir).filter((f) => f.endsWith('.data')).sort().map((f) => {
      const c = loadConformanceCase(fs.readFileSync(path.join(confDir, f), 'utf8'), f, f);
      return { ...asm(c.name, c.insns), helperAbi: 'ubpf' as const };
    }).filter((p) => !p.insns.some((n) => n.code === 0x8d));
    const conf = compileNsPerInsn(progs, 30);
    out.push({ name: 'compile, bpf_conformance programs', value: conf.ns, unit: 'ns/insn', note: `${progs.length} programs, ${conf.insns} insns` });
  }

  const kav = kernelAvailable();
  if (!kav.ok) { out.push({ name: 'native vs kernel', value: NaN, unit: '', note: `skipped: ${kav.reason}` }); return out; }
  const cases: { p: ProgramUnderTest; repeat: number }[] = [
    { p: asm('alu straight-line (4000 insns)', aluProgram(4000)), repeat: 20000 },
    { p: asm('bounded loop with modulo (1000 iterations)', loopProgram(1000)), repeat: 20000 },
    { p: asm('bpf-to-bpf calls (100 calls)', callProgram(100)), repeat: 100000 },
    { p: asm('return a constant', [insn(0xb7, 0, 0, 0, 1), insn(0x95)]), repeat: 1000000 },
  ];
  const spec = path.join(root, 'specs/throw-default-callback-returns-cookie.yaml');
  const host = hostFacts();
  if (fs.existsSync(spec)) cases.push({ p: { ...programFromSpec(readSpecFile(spec), host), name: 'bpf_throw to the default callback' }, repeat: 200000 });
  for (const { p, repeat } of cases) {
    const { ours, kernel } = sideBySide(p, repeat, host);
    out.push({ name: `${p.name}: native / kernel`, value: ours / kernel, unit: 'ratio', note: `${ours.toFixed(1)} ns/run native (thread CPU time), ${kernel} ns/run kernel test run (repeat ${repeat}, fastest of ${ROUNDS} rounds each); lower is better` });
  }
  // What a helper call costs natively: the trampoline, koffi's callback into JS, the shared JS implementation
  const smp = HELPER_NAMES.indexOf('bpf_get_smp_processor_id');
  const calls = 20;
  const withCalls = sideBySide({ ...asm('helper calls', helperCalls(calls, smp)) }, 20000, host);
  const without = sideBySide({ ...asm('no helper calls', helperCalls(0, smp)) }, 20000, host);
  out.push({
    name: 'a native helper call (bpf_get_smp_processor_id)', value: (withCalls.ours - without.ours) / calls, unit: 'ns/call',
    note: `trampoline + koffi callback into the JS helper; the kernel's: ${((withCalls.kernel - without.kernel) / calls).toFixed(1)} ns/call`,
  });
  return out;
}
