// Interpreter throughput (million BPF instructions per second) on a
// loop-heavy ALU program, a memory-heavy program, a call-heavy program, and
// the bpf_conformance programs.
import * as fs from 'fs';
import * as path from 'path';
import { createVm, run, RunOptions, Vm, createMapSet } from '../src/runtime';
import { Insn, insn, ldImm64 } from '../src/isa/insn';
import {
  BPF_ALU64, BPF_ALU, BPF_JMP, BPF_K, BPF_X, BPF_ADD, BPF_XOR, BPF_LSH, BPF_MOV, BPF_MUL, BPF_JLT, BPF_RSH,
  BPF_STX, BPF_LDX, BPF_MEM, BPF_DW, BPF_W, BPF_AND, OP_EXIT, BPF_CALL, BPF_PSEUDO_CALL,
} from '../src/isa/opcodes';
import { listConformanceFiles, runConformanceInterp } from '../src/harness/conformance';
import { loadConformanceCase } from '../src/harness/conformance-data';
import type { BenchResult } from './run';

const alu64 = (op: number, src: number, dst: number, s: number, imm = 0): Insn => insn(BPF_ALU64 | op | src, dst, s, 0, imm);
const alu32 = (op: number, src: number, dst: number, s: number, imm = 0): Insn => insn(BPF_ALU | op | src, dst, s, 0, imm);

/** r1 counts to n; 8 ALU insns + 1 jump per iteration. */
function aluLoop(n: number): Insn[] {
  return [
    alu64(BPF_MOV, BPF_K, 0, 0, 0), alu64(BPF_MOV, BPF_K, 1, 0, 0),
    ...ldImm64(3, BigInt(n)),
    // loop (pc 4)
    alu64(BPF_ADD, BPF_X, 0, 1), alu64(BPF_XOR, BPF_K, 0, 0, 0x55),
    alu64(BPF_MOV, BPF_X, 2, 0), alu64(BPF_LSH, BPF_K, 2, 0, 3),
    alu64(BPF_ADD, BPF_X, 0, 2), alu64(BPF_MUL, BPF_K, 2, 0, 7),
    alu32(BPF_RSH, BPF_K, 2, 0, 5), alu64(BPF_ADD, BPF_K, 1, 0, 1),
    insn(BPF_JMP | BPF_JLT | BPF_X, 1, 3, -9, 0),
    insn(OP_EXIT),
  ];
}

/** Store and load a 64-bit counter on the stack each iteration. */
function memLoop(n: number): Insn[] {
  return [
    alu64(BPF_MOV, BPF_K, 1, 0, 0), alu64(BPF_MOV, BPF_K, 0, 0, 0),
    insn(BPF_STX | BPF_MEM | BPF_DW, 10, 0, -8, 0),
    ...ldImm64(3, BigInt(n)),
    // loop (pc 5)
    insn(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8, 0), alu64(BPF_ADD, BPF_X, 0, 1),
    insn(BPF_STX | BPF_MEM | BPF_DW, 10, 0, -8, 0),
    insn(BPF_LDX | BPF_MEM | BPF_W, 4, 10, -8, 0), alu64(BPF_AND, BPF_K, 4, 0, 0xff),
    insn(BPF_STX | BPF_MEM | BPF_W, 10, 4, -16, 0),
    alu64(BPF_ADD, BPF_K, 1, 0, 1),
    insn(BPF_JMP | BPF_JLT | BPF_X, 1, 3, -8, 0),
    insn(OP_EXIT),
  ];
}

/** A bpf-to-bpf call per iteration. */
function callLoop(n: number): Insn[] {
  return [
    alu64(BPF_MOV, BPF_K, 6, 0, 0), alu64(BPF_MOV, BPF_K, 7, 0, 0),
    ...ldImm64(8, BigInt(n)),
    // loop (pc 4)
    alu64(BPF_MOV, BPF_X, 1, 6), insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 4),
    alu64(BPF_ADD, BPF_X, 7, 0), alu64(BPF_ADD, BPF_K, 6, 0, 1),
    insn(BPF_JMP | BPF_JLT | BPF_X, 6, 8, -5, 0),
    alu64(BPF_MOV, BPF_X, 0, 7), insn(OP_EXIT),
    // callee (pc 11): r0 = r1 * 3 + 1
    alu64(BPF_MOV, BPF_X, 0, 1), alu64(BPF_MUL, BPF_K, 0, 0, 3), alu64(BPF_ADD, BPF_K, 0, 0, 1),
    insn(OP_EXIT),
  ];
}

/** Throughput by wall clock (process.hrtime) and by this process's CPU time (robust when the machine is busy). */
/** A bpf_map_lookup_elem helper call per iteration (array map, key = i & 3), incrementing the value. */
function mapLoop(n: number): Insn[] {
  return [
    alu64(BPF_MOV, BPF_K, 6, 0, 0),
    ...ldImm64(7, BigInt(n)),
    // loop (pc 3)
    alu64(BPF_MOV, BPF_X, 1, 6), alu64(BPF_AND, BPF_K, 1, 0, 3), insn(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 0),
    insn(0x18, 1, 1, 0, 0), insn(0), alu64(BPF_MOV, BPF_X, 2, 10), alu64(BPF_ADD, BPF_K, 2, 0, -4),
    insn(BPF_JMP | BPF_CALL, 0, 0, 0, 1),
    insn(BPF_JMP | 0x10 | BPF_K, 0, 0, 3, 0), // if r0 == 0 skip the increment
    insn(BPF_LDX | BPF_MEM | BPF_DW, 1, 0, 0, 0), alu64(BPF_ADD, BPF_K, 1, 0, 1), insn(BPF_STX | BPF_MEM | BPF_DW, 0, 1, 0, 0),
    alu64(BPF_ADD, BPF_K, 6, 0, 1),
    insn(BPF_JMP | BPF_JLT | BPF_X, 6, 7, -14, 0),
    alu64(BPF_MOV, BPF_K, 0, 0, 0), insn(OP_EXIT),
  ];
}

function timeRuns(vm: Vm, opts: RunOptions, minMs: number): { mips: number; cpuMips: number; insns: number } {
  run(vm, opts); // warm up
  let insns = 0;
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  let ns = 0n;
  do {
    insns += run(vm, opts).insnsExecuted;
    ns = process.hrtime.bigint() - t0;
  } while (ns < BigInt(minMs) * 1_000_000n);
  const c = process.cpuUsage(c0);
  return { mips: insns / (Number(ns) / 1e3), cpuMips: insns / (c.user + c.system), insns };
}

function conformanceDir(): string | undefined {
  const rel = path.join('..', 'shared', 'bpf_conformance', 'tests');
  const roots = [path.resolve(__dirname, '..', '..'), path.resolve(__dirname, '..'), process.cwd()];
  return roots.map((r) => path.resolve(r, rel)).find((d) => fs.existsSync(d));
}

export async function bench(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const n = 2_000_000;
  for (const [name, prog, per] of [['alu loop', aluLoop(n), 9], ['stack load/store loop', memLoop(n), 8], ['bpf-to-bpf call loop', callLoop(n), 9]] as const) {
    const vm = createVm(prog, { budget: 100_000_000 });
    const r = timeRuns(vm, {}, 1500);
    out.push({ name: `interp ${name}`, value: r.mips, unit: 'M insn/s', note: `${n} iterations x ${per} insns; by CPU time ${r.cpuMips.toFixed(1)} M insn/s` });
  }
  {
    const m = 200_000;
    const set = createMapSet([{ name: 'counts', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 }]);
    const vm = createVm(mapLoop(m), { budget: 100_000_000, helpers: set.helpers, resolveLdImm64: set.resolveLdImm64 });
    const r = timeRuns(vm, { regions: set.regions() }, 1500);
    const calls = r.insns / 13;
    out.push({ name: 'interp map lookup loop', value: r.mips, unit: 'M insn/s', note: `${m} helper calls per run, 13 insns each; by CPU time ${r.cpuMips.toFixed(1)} M insn/s, ${(r.cpuMips / 13).toFixed(2)} M helper calls/s; ${Math.round(calls)} calls timed` });
  }
  const dir = conformanceDir();
  if (dir) {
    const cases = listConformanceFiles(dir).map((f) => loadConformanceCase(fs.readFileSync(f, 'utf8'), path.basename(f, '.data')));
    // whole-suite: createVm + run per test, as `bpfx conformance` does
    let reps = 0, insns = 0;
    const t0 = process.hrtime.bigint();
    let ns = 0n;
    do {
      for (const c of cases) runConformanceInterp(c);
      reps++;
      ns = process.hrtime.bigint() - t0;
    } while (ns < 1_000_000_000n);
    const perSuiteMs = Number(ns) / 1e6 / reps;
    out.push({ name: 'conformance suite (load+run)', value: perSuiteMs, unit: 'ms/suite', note: `${cases.length} programs` });
    // run-only throughput over the pre-created VMs
    const vms = cases.map((c) => ({ vm: createVm(c.insns, { helpers: require('../src/harness/conformance-helpers').CONFORMANCE_HELPERS }), c }));
    const once = (): number => {
      let k = 0;
      for (const { vm, c } of vms) {
        const opts: RunOptions = c.mem.length
          ? { args: [0x1_0000_0000n, BigInt(c.mem.length)], regions: [{ name: 'mem', base: 0x1_0000_0000n, bytes: Uint8Array.from(c.mem) }] }
          : { args: [0n, 0n] };
        k += run(vm, opts).insnsExecuted;
      }
      return k;
    };
    for (let i = 0; i < 20; i++) once(); // let V8 optimize the run path for all opcodes
    const t1 = process.hrtime.bigint();
    let ns1 = 0n, runs = 0;
    do {
      insns += once();
      runs += vms.length;
      ns1 = process.hrtime.bigint() - t1;
    } while (ns1 < 1_000_000_000n);
    out.push({ name: 'conformance programs (run only)', value: Number(ns1) / 1e3 / runs, unit: 'us/run', note: `${(insns / runs).toFixed(1)} insns per run on average: per-run setup dominates` });
  }
  return out;
}
