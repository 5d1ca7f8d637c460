// The verifier model against the live kernel on generated programs, in two profiles:
// scalars (registers initialised, stack spills and fills, ALU and ALU32 ops, forward
// jumps) and memory (src/harness/fuzz/gen-mem.ts: context fields of ten program types, packet access
// with and without bounds checks, sign extension, pointer arithmetic and spills).
// BPFX_DIFF_PROGRAMS=N runs N programs per profile (default 2000 and 1000).
// Every verdict must agree and every shared rejection must carry the kernel's
// message; above all, the model must never accept what Linux rejects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify, progTypeNumber } from '../../src/verifier';
import { progLoad, closeFd, kernelAvailable } from '../../src/kernel';
import { firstErrorLine } from '../../src/verifier/error_line';
import { memProgram } from '../../src/harness/fuzz/gen-mem';
import { scalarProgram } from '../../src/harness/fuzz/gen';
import { attachTypeNum } from '../../src/kernel/types';

/** A small deterministic generator (LCG), so a failure names a reproducible seed. */
function generator(seed: number): (n: number) => number {
  let s = seed;
  return (n) => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s % n; };
}

const avail = kernelAvailable();
const SCALE = Number(process.env.BPFX_DIFF_PROGRAMS ?? 0);
const PROGRAMS = SCALE || 2000;
const MEM_PROGRAMS = SCALE || 1000;

test(`verifier model vs kernel on ${PROGRAMS} generated programs: no wrong accept, same verdicts and messages`,
  { skip: avail.ok ? false : `kernel unavailable: ${avail.reason}` }, () => {
    const seed = 20261123;
    const rnd = generator(seed);
    let accepted = 0;
    const disagreements: string[] = [];
    for (let t = 0; t < PROGRAMS; t++) {
      const insns = scalarProgram(rnd);
      const type = (['socket_filter', 'sched_cls', 'xdp'] as const)[rnd(3)];
      const ours = verify({ insns, progType: progTypeNumber(type)!, logLevel: 1 });
      const k = progLoad({ insns, progType: type, license: 'GPL', logLevel: 1 });
      if (k.ok) closeFd(k.fd);
      const kv = k.ok ? 'accept' : 'reject';
      if (kv === 'accept') accepted++;
      const where = `program ${t} (seed ${seed}, ${type})`;
      if (ours.verdict === 'accept' && kv === 'reject') assert.fail(`WRONG ACCEPT: ${where}: kernel says ${firstErrorLine(k.log)}`);
      if (ours.verdict !== kv) disagreements.push(`${where}: ours ${ours.verdict} (${ours.error}), kernel ${kv}`);
      else if (kv === 'reject' && firstErrorLine(ours.log) !== firstErrorLine(k.log)) {
        disagreements.push(`${where}: ours '${firstErrorLine(ours.log)}', kernel '${firstErrorLine(k.log)}'`);
      }
    }
    assert.deepEqual(disagreements, []);
    assert.ok(accepted > PROGRAMS / 5, `the generator must exercise accepts too: ${accepted}/${PROGRAMS}`);
  });

test(`verifier model vs kernel on ${MEM_PROGRAMS} generated memory programs (context, packets, sign extension)`,
  { skip: avail.ok ? false : `kernel unavailable: ${avail.reason}` }, () => {
    const seed = 20261207;
    const rnd = generator(seed);
    let accepted = 0;
    const disagreements: string[] = [];
    for (let t = 0; t < MEM_PROGRAMS; t++) {
      const { insns, type, attach } = memProgram(rnd);
      const ours = verify({ insns, progType: progTypeNumber(type)!, expectedAttachType: attach ? attachTypeNum(attach) : undefined, logLevel: 1 });
      const k = progLoad({ insns, progType: type, expectedAttachType: attach, license: 'GPL', logLevel: 1 });
      if (k.ok) closeFd(k.fd);
      const kv = k.ok ? 'accept' : 'reject';
      if (kv === 'accept') accepted++;
      const where = `memory program ${t} (seed ${seed}, ${type})`;
      if (ours.verdict === 'accept' && kv === 'reject') assert.fail(`WRONG ACCEPT: ${where}: kernel says ${firstErrorLine(k.log)}`);
      if (ours.verdict !== kv) disagreements.push(`${where}: ours ${ours.verdict} (${ours.error}), kernel ${kv}`);
      else if (kv === 'reject' && firstErrorLine(ours.log) !== firstErrorLine(k.log)) {
        disagreements.push(`${where}: ours '${firstErrorLine(ours.log)}', kernel '${firstErrorLine(k.log)}'`);
      }
    }
    process.stdout.write(`# memory profile: ${MEM_PROGRAMS} programs, ${MEM_PROGRAMS - disagreements.length} agree, kernel accepts ${accepted}\n`);
    assert.deepEqual(disagreements, []);
    assert.ok(accepted > MEM_PROGRAMS / 5, `the generator must exercise accepts too: ${accepted}/${MEM_PROGRAMS}`);
  });
