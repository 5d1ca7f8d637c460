// Side by side with the live kernel, as ratios (never timed tests):
// - the interpreter against the kernel's x86-64 JIT on the same straight-line
//   ALU program (BPF_PROG_TEST_RUN with repeat gives the kernel's ns per run);
// - the verifier model against the kernel verifier's own `verification time`
//   (log level 4) on every spec program both accept or both reject.
import * as path from 'path';
import { Insn, insn } from '../src/isa/insn';
import { createVm, run } from '../src/runtime';
import { kernelAvailable, progLoad, testRun, closeFd } from '../src/kernel';
import { verify } from '../src/verifier';
import { verifierInputFor } from '../src/harness/engines/verifier';
import { hostFacts } from '../src/kernel/host';
import { findSpecFiles, programFromSpec, readSpecFile } from '../src/harness/program';
import type { BenchResult } from './run';

/** n ALU instructions over r0..r5 (add, xor, mul, shifts, 32-bit ops) and an exit. */
function aluProgram(n: number): Insn[] {
  const out: Insn[] = [];
  for (let r = 0; r <= 5; r++) out.push(insn(0xb7, r, 0, 0, r * 7919 + 1)); // rN = const
  const ops = [0x0f, 0xaf, 0x2f, 0x04, 0x67, 0x77, 0x0c, 0xa4]; // add64 x, xor64 x, mul64 x, add32 k, lsh64 k, rsh64 k, add32 x, xor32 k
  for (let i = 0; out.length < n; i++) {
    const code = ops[i % ops.length], dst = i % 6, src = (i + 3) % 6;
    const k = code === 0x67 || code === 0x77 ? (i % 13) + 1 : (i * 2654435761) | 0;
    out.push(insn(code, dst, code & 0x08 ? src : 0, 0, code & 0x08 ? 0 : k));
  }
  out.push(insn(0x95));
  return out;
}

function interpNsPerRun(insns: Insn[], runs: number): number {
  const vm = createVm(insns);
  for (let i = 0; i < 200; i++) run(vm, {}); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < runs; i++) run(vm, {});
  return Number(process.hrtime.bigint() - t0) / runs;
}

function kernelNsPerRun(insns: Insn[], repeat: number): number {
  const r = progLoad({ insns, progType: 'sched_cls', license: 'GPL' });
  if (!r.ok) throw new Error(`kernel rejected the bench program: ${r.errno}\n${r.log}`);
  try {
    return testRun(r.fd, { dataIn: new Uint8Array(64), repeat }).duration;
  } finally {
    closeFd(r.fd);
  }
}

function kernelVerifyUsec(log: string): number | undefined {
  const m = /verification time (\d+) usec/.exec(log);
  return m ? Number(m[1]) : undefined;
}

export async function bench(): Promise<BenchResult[]> {
  const avail = kernelAvailable();
  if (!avail.ok) return [{ name: 'kernel ratios', value: NaN, unit: '', note: `skipped: ${avail.reason}` }];
  const out: BenchResult[] = [];

  const n = 4000;
  const prog = aluProgram(n);
  const interp = interpNsPerRun(prog, 2000);
  const kernel = kernelNsPerRun(prog, 20000);
  out.push({ name: 'interp alu straight-line', value: n / interp * 1e3, unit: 'M insn/s', note: `${n} insns, ${(interp / 1e3).toFixed(1)} us/run` });
  out.push({ name: 'kernel JIT alu straight-line', value: n / kernel * 1e3, unit: 'M insn/s', note: `same program, BPF_PROG_TEST_RUN repeat 20000, ${kernel.toFixed(0)} ns/run` });
  out.push({ name: 'interp / kernel JIT (alu)', value: kernel / interp, unit: 'ratio', note: 'higher is better; 1.0 = as fast as the JIT' });

  // Verifier model vs kernel verifier, program by program, on the specs.
  const root = path.resolve(__dirname, '..', '..');
  let ours = 0, theirs = 0, count = 0;
  const host = hostFacts();
  for (const file of findSpecFiles([path.join(root, 'specs')])) {
    const p = programFromSpec(readSpecFile(file), host);
    if (p.object) continue;
    const k = progLoad({ insns: p.insns, progType: p.progType, license: p.license, logLevel: 4 });
    if (k.ok) closeFd(k.fd);
    const kus = kernelVerifyUsec(k.log);
    if (kus === undefined) continue;
    const input = verifierInputFor(p, host.profile, 0);
    const reps = 50;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) verify(input);
    ours += Number(process.hrtime.bigint() - t0) / reps / 1e3;
    theirs += kus;
    count++;
  }
  out.push({ name: 'verifier model, spec programs', value: ours / count, unit: 'us/prog', note: `${count} programs, mean` });
  out.push({ name: 'kernel verifier, spec programs', value: theirs / count, unit: 'us/prog', note: 'its own `verification time` (log level 4)' });
  out.push({ name: 'kernel / model verify time', value: theirs / ours, unit: 'ratio', note: 'higher is better; 1.0 = as fast as the kernel' });
  return out;
}
