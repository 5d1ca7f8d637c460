// Differential fuzzing in npm test: instruction deletion for shrinking (a table test), and a
// short seeded run of every generator profile on the verifier model and the live kernel, the
// accepted programs on interp, jit and kernel (src/harness/fuzz/diff.ts). The long runs are
// `npm run fuzz -- --count N --seed S` (docs/fuzzing.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { insn, Insn } from '../../src/isa/insn';
import { deleteInsn, diffEnv, programUnderTest, runRange, RangeSummary } from '../../src/harness/fuzz/diff';
import { GenProgram, PROFILES, generate } from '../../src/harness/fuzz/gen';
import { inputSeed, rng } from '../../src/harness/fuzz/mutate';
import { verify } from '../../src/verifier';
import { verifierInputFor } from '../../src/harness/engines/verifier';
import { kernelAvailable } from '../../src/kernel';

const prog = (insns: Insn[], funcs?: GenProgram['funcs']): GenProgram =>
  ({ profile: 'scalar', progType: 'sched_cls', insns, maps: false, packet: new Uint8Array(14), funcs });
const mov = (d: number, imm: number): Insn => insn(0xb7, d, 0, 0, imm);
const exit = insn(0x95);

test('deleteInsn keeps jumps, calls and func_info on their targets', () => {
  const cases: { name: string; insns: Insn[]; k: number; want: Insn[] }[] = [
    { name: 'a jump over the deleted insn shrinks', insns: [insn(0x15, 1, 0, 2, 0), mov(0, 1), mov(0, 2), exit], k: 1, want: [insn(0x15, 1, 0, 1, 0), mov(0, 2), exit] },
    { name: 'a jump to the deleted insn lands on the next', insns: [insn(0x05, 0, 0, 1, 0), mov(0, 1), mov(0, 2), exit], k: 2, want: [insn(0x05, 0, 0, 1, 0), mov(0, 1), exit] },
    { name: 'a backward jump across it', insns: [mov(0, 0), mov(0, 1), insn(0x25, 0, 0, -3, 5), exit], k: 1, want: [mov(0, 0), insn(0x25, 0, 0, -2, 5), exit] },
    { name: 'a bpf-to-bpf call across it', insns: [insn(0x85, 0, 1, 0, 2), exit, mov(0, 9), mov(0, 1), exit], k: 2, want: [insn(0x85, 0, 1, 0, 1), exit, mov(0, 1), exit] },
    { name: 'both slots of an ld_imm64', insns: [insn(0x18, 1, 0, 0, 5), insn(0, 0, 0, 0, 0), insn(0x05, 0, 0, -3, 0), exit], k: 0, want: [insn(0x05, 0, 0, -1, 0), exit] },
  ];
  for (const c of cases) assert.deepEqual(deleteInsn(prog(c.insns), c.k)?.insns, c.want, c.name);
  assert.equal(deleteInsn(prog([insn(0x18, 1, 0, 0, 5), insn(0, 0, 0, 0, 0), exit]), 1), undefined, 'the second slot alone');
  const f = deleteInsn(prog([insn(0x85, 0, 1, 0, 1), exit, mov(0, 1), exit], [
    { name: 'main_prog', params: ['ctx'], linkage: 'global', off: 0 }, { name: 'sub1', params: ['u64'], linkage: 'static', off: 2 }]), 1);
  assert.deepEqual(f?.funcs?.map((x) => x.off), [0, 1]);
  assert.deepEqual(f?.insns[0], insn(0x85, 0, 1, 0, 0));
});

const avail = kernelAvailable();
const PER_PROFILE = Number(process.env.BPFX_FUZZ_PROGRAMS ?? 20);

test(`differential fuzz: ${PER_PROFILE} programs of each profile, no wrong accept and no runtime disagreement`,
  { skip: avail.ok ? false : `kernel unavailable: ${avail.reason}` }, async () => {
    const env = diffEnv();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-fuzz-'));
    const lines: string[] = [];
    let ran = 0;
    try {
      for (const profile of PROFILES) {
        const opts = { count: PER_PROFILE, seed: 20261202, profiles: [profile], jobs: 1, out, runtime: true, shrink: true, json: false };
        const parts: RangeSummary[] = [];
        await runRange(opts, 0, PER_PROFILE, env, (s) => parts.push(s));
        for (const s of parts) {
          ran += s.runtimeRuns;
          for (const k of Object.keys(s.byLine)) if (/^(wrong-accept|runtime)/.test(k)) lines.push(k);
        }
      }
    } finally { fs.rmSync(out, { recursive: true, force: true }); }
    assert.deepEqual(lines, []);
    assert.ok(ran >= PER_PROFILE, `only ${ran} programs ran on the three runtimes`);
  });

/**
 * The runtime disagreements of the all-profile runs of seeds 101 and 202 (docs/fuzzing.md): an
 * invalid encoding in code the verifier never reaches, which the kernel removes and the
 * interpreter and JIT refused. Each is regenerated from its seed and index and must agree.
 */
const DEAD_CODE_FINDINGS: Record<number, number[]> = {
  101: [2610, 9593],
  202: [15819, 17737, 34450, 39428, 40278, 53582, 60892, 71400, 75692, 76809, 83150, 91506, 93457, 94961, 98855, 103176, 103218, 114714, 115016, 115097],
};

test('differential fuzz: the dead-code findings of seeds 101 and 202 run alike on interp, jit and kernel',
  { skip: avail.ok ? false : `kernel unavailable: ${avail.reason}` }, async () => {
    const env = diffEnv();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-fuzz-'));
    try {
      for (const [seed, indexes] of Object.entries(DEAD_CODE_FINDINGS)) {
        for (const i of indexes) {
          const opts = { count: i + 1, seed: Number(seed), jobs: 1, out, runtime: true, shrink: false, json: false };
          const parts: RangeSummary[] = [];
          await runRange(opts, i, i + 1, env, (r) => parts.push(r));
          const [s] = parts;
          assert.equal(s.runtimeRuns, 1, `seed ${seed} program ${i} did not run on the runtimes: ${JSON.stringify(s.byLine)}`);
          assert.deepEqual(s.byLine, {}, `seed ${seed} program ${i}`);
        }
      }
    } finally { fs.rmSync(out, { recursive: true, force: true }); }
  });

/**
 * The `alu` programs of seed 1403 (the first 42,000) that the model answered `not modelled yet:
 * maybe_fork_scalars state split` before the fork was modelled (docs/fuzzing.md): each is
 * regenerated from its seed and index, and the model and the kernel must now agree (verdict,
 * message) and the three runtimes on its run.
 */
const FORK_FINDINGS: Record<number, number[]> = {
  1403: [878, 1032, 3807, 4791, 6069, 7729, 12252, 13885, 18065, 19936, 28024, 30384, 41941],
};

test('differential fuzz: the maybe_fork_scalars programs of seed 1403 agree with the kernel',
  { skip: avail.ok ? false : `kernel unavailable: ${avail.reason}` }, async () => {
    const env = diffEnv();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-fuzz-'));
    try {
      for (const [seed, indexes] of Object.entries(FORK_FINDINGS)) {
        for (const i of indexes) {
          const opts = { count: i + 1, seed: Number(seed), profiles: ['alu'], jobs: 1, out, runtime: true, shrink: false, json: false };
          const parts: RangeSummary[] = [];
          await runRange(opts, i, i + 1, env, (r) => parts.push(r));
          const [s] = parts;
          assert.deepEqual(s.byLine, {}, `seed ${seed} program ${i}`);
          assert.equal(s.counts.agree, 1, `seed ${seed} program ${i}`);
          // still a program that forks: the model's level-2 log pops a state at the ALU insn it was pushed at
          const r = rng(inputSeed(Number(seed), i, 0xd1ff));
          r.next(); // the profile's pick (one profile)
          const g = generate('alu', r.int, env.kfunc);
          const log = verify(verifierInputFor(programUnderTest(g, env), env.host.profile, 2, { vmlinuxBtf: env.host.vmlinuxBtf })).log;
          assert.match(log, /^from (\d+) to \1:/m, `seed ${seed} program ${i} no longer forks`);
        }
      }
    } finally { fs.rmSync(out, { recursive: true, force: true }); }
  });
