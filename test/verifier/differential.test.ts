// The verifier model against the live kernel on generated programs, in two profiles:
// scalars (registers initialised, stack spills and fills, ALU and ALU32 ops, forward
// jumps) and memory (gen_mem.ts: context fields of ten program types, packet access
// with and without bounds checks, sign extension, pointer arithmetic and spills).
// BPFX_DIFF_PROGRAMS=N runs N programs per profile (default 2000 and 1000).
// Every verdict must agree and every shared rejection must carry the kernel's
// message; above all, the model must never accept what Linux rejects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Insn, insn } from '../../src/isa/insn';
import { verify, progTypeNumber } from '../../src/verifier';
import { progLoad, closeFd, kernelAvailable } from '../../src/kernel';
import { firstErrorLine } from '../../src/verifier/error_line';
import { memProgram } from './gen_mem';
import { attachTypeNum } from '../../src/kernel/types';

/** A small deterministic generator (LCG), so a failure names a reproducible seed. */
function generator(seed: number): (n: number) => number {
  let s = seed;
  return (n) => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s % n; };
}

function program(rnd: (n: number) => number): Insn[] {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const out: Insn[] = [];
  for (let r = 0; r < 10; r++) out.push(insn(0xb7, r, 0, 0, pick([0, 1, -1, 5, 100, -100, 0x7fffffff])));
  if (rnd(2)) { out.push(insn(0x7b, 10, pick([2, 3, 4]), -8)); out.push(insn(0x7b, 10, pick([2, 3, 5]), -16)); }
  const n = 3 + rnd(16);
  for (let i = 0; i < n; i++) {
    const k = rnd(12);
    if (k < 5) {
      const op = pick([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0, 0x80]);
      const x = rnd(2) ? 0x08 : 0;
      out.push(insn(op | pick([0x07, 0x04]) | x, rnd(10), x ? rnd(10) : 0, pick([0, 0, 0, 1]), x ? 0 : pick([0, 1, -1, 7, 64, 255, -8, 32])));
    } else if (k < 7) {
      const op = pick([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]);
      const x = rnd(2) ? 0x08 : 0;
      out.push(insn(op | pick([0x05, 0x06]) | x, rnd(10), x ? rnd(10) : 0, rnd(4), x ? 0 : pick([0, 1, 10, -1, 100])));
    } else if (k < 9) {
      out.push(insn(0x63 | pick([0x18, 0x00, 0x08, 0x10]), 10, rnd(10), -8 * (1 + rnd(4)) + pick([0, 0, 0, 4])));
    } else if (k < 11) {
      out.push(insn(0x61 | pick([0x18, 0x00, 0x08, 0x10]), rnd(10), pick([10, 10, 10, 1]), pick([-8, -16, -8, 0, 4])));
    } else {
      out.push(insn(0xbf, rnd(10), 10));
    }
  }
  for (let i = 0; i < 4; i++) out.push(insn(0xb7, 0, 0, 0, 0)); // landing pads for the forward jumps
  out.push(insn(0x95));
  return out;
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
      const insns = program(rnd);
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
