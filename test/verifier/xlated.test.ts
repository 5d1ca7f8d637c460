// The model's rewritten program (`xlated`: dead code removed, division guards, the
// hidden default exception callback) against the live kernel's BPF_OBJ_GET_INFO_BY_FD
// dump of the same program, with helper/kfunc call targets and map addresses masked:
// a table of programs, then every spec and fixture program both accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Insn, insn } from '../../src/isa/insn';
import { disassemble } from '../../src/isa/disasm';
import { verify, progTypeNumber, maskKernelAddresses, XlatedResult } from '../../src/verifier';
import { kernelAvailable, progLoad, closeFd } from '../../src/kernel';
import { progInfo } from '../../src/kernel/info';
import { runObjectFile } from '../../src/kernel/object';
import { vmlinuxFuncId, defaultHostFacts } from '../../src/kernel/host';
import { findSpecFiles, readSpecFile, programFromSpec } from '../../src/harness/program';
import { loadObjectPrograms } from '../../src/harness/object';
import { verifierInputFor } from '../../src/harness/engines/verifier';

const root = path.resolve(__dirname, '../../..');
const k = kernelAvailable();
let throwId = -1;
try { throwId = vmlinuxFuncId('bpf_throw'); } catch { /* no kernel BTF */ }
const kfunc = (id: number, off: number): { name: string } | undefined => (id === throwId && off === 0 ? { name: 'bpf_throw' } : undefined);

const mov = (d: number, imm: number): Insn => insn(0xb7, d, 0, 0, imm);
const alu = (code: number, d: number, s: number, off = 0): Insn => insn(code, d, s, off, 0);
const jeqImm = (d: number, imm: number, off: number): Insn => insn(0x15, d, 0, off, imm);
const call = (rel: number): Insn => insn(0x85, 0, 1, 0, rel);
const exit = insn(0x95);

/** The kernel's xlated instructions of a program it accepts, or null. */
function kernelXlated(insns: Insn[], progType: string): Insn[] | null {
  const r = progLoad({ insns, progType, logLevel: 0 });
  if (!r.ok) return null;
  try { return progInfo(r.fd, { xlated: true }).xlated ?? null; } finally { closeFd(r.fd); }
}

const text = (p: Insn[]): string => disassemble(maskKernelAddresses(p)).join('\n');

interface Row { name: string; type: string; insns: () => Insn[] }
const rows: Row[] = [
  { name: 'div and mod by a register, 64 and 32 bits', type: 'socket_filter',
    insns: () => [mov(0, 7), mov(1, 3), alu(0x3f, 0, 1), alu(0x9f, 0, 1), alu(0x3c, 0, 1), alu(0x9c, 0, 1), exit] },
  { name: 'signed div and mod by a register', type: 'socket_filter',
    insns: () => [mov(0, 7), mov(1, 3), alu(0x3f, 0, 1, 1), alu(0x9f, 0, 1, 1), alu(0x3c, 0, 1, 1), alu(0x9c, 0, 1, 1), exit] },
  { name: 'signed div and mod by -1', type: 'socket_filter',
    insns: () => [mov(0, 7), insn(0x37, 0, 0, 1, -1), insn(0x97, 0, 0, 1, -1), insn(0x34, 0, 0, 1, -1), exit] },
  { name: 'a branch never taken: hard-wired, its target removed', type: 'socket_filter',
    insns: () => [mov(0, 0), mov(1, 1), jeqImm(1, 0, 2), mov(0, 2), exit, mov(0, 3), exit] },
  { name: 'a branch always taken: the fall-through removed', type: 'socket_filter',
    insns: () => [mov(0, 0), mov(1, 0), jeqImm(1, 0, 2), mov(0, 2), exit, mov(0, 3), exit] },
  { name: 'dead code before a subprog: the call moves', type: 'socket_filter',
    insns: () => [mov(6, 0), call(3), insn(0x55, 6, 0, 1, 0), exit, exit, mov(0, 1), exit] },
  { name: 'a jump over a division guard', type: 'socket_filter',
    insns: () => [mov(0, 1), mov(1, 2), mov(2, 5), insn(0x2d, 2, 1, 1, 0), alu(0x3f, 0, 1), exit] },
];

for (const row of rows) {
  test(`xlated: ${row.name}`, { skip: k.ok ? false : k.reason }, () => {
    const insns = row.insns();
    const kx = kernelXlated(insns, row.type);
    assert.ok(kx, 'the kernel accepts it');
    const m = verify({ insns, progType: progTypeNumber(row.type)!, xlated: true });
    assert.equal(m.verdict, 'accept', m.log);
    assert.ok(m.xlated && 'insns' in m.xlated, `model: ${JSON.stringify(m.xlated)}`);
    assert.equal(text(m.xlated.insns), text(kx));
  });
}

test('xlated: bpf_throw without a callback appends the default one', { skip: k.ok ? (throwId < 0 ? 'no bpf_throw in kernel BTF' : false) : k.reason }, () => {
  const insns = [mov(1, 3), insn(0x85, 0, 2, 0, throwId), mov(0, 0), exit];
  const kx = kernelXlated(insns, 'sched_cls');
  assert.ok(kx);
  const m = verify({ insns, progType: progTypeNumber('sched_cls')!, xlated: true, kfunc });
  assert.ok(m.xlated && 'insns' in m.xlated);
  assert.equal(text(m.xlated.insns), text(kx));
});

/** Compare where both accept and the model can say; returns 'same' | 'differs' | 'not-modelled' | 'skip'. */
function compareOne(ours: XlatedResult | undefined, theirs: Insn[] | null | undefined): string {
  if (!ours || !theirs) return 'skip';
  if (!('insns' in ours)) return 'not-modelled';
  return text(ours.insns) === text(theirs) ? 'same' : 'differs';
}

test('xlated: every spec and fixture program both accept', { skip: k.ok ? false : k.reason }, () => {
  const tally: Record<string, number> = { same: 0, differs: 0, 'not-modelled': 0, skip: 0 };
  const differs: string[] = [];
  for (const f of findSpecFiles([path.join(root, 'specs')])) {
    const p = programFromSpec(readSpecFile(f), defaultHostFacts());
    const m = verify({ insns: p.insns, progType: progTypeNumber(p.progType)!, xlated: true, kfunc });
    const c = compareOne(m.verdict === 'accept' ? m.xlated : undefined, kernelXlated(p.insns, p.progType));
    tally[c]++;
    if (c === 'differs') differs.push(path.basename(f));
  }
  const objDir = path.join(root, 'fixtures/obj');
  for (const o of fs.readdirSync(objDir).filter((f) => f.endsWith('.bpf.o'))) {
    let kernel: ReturnType<typeof runObjectFile>;
    try { kernel = runObjectFile(path.join(objDir, o), { dump: 'xlated' }); } catch { continue; }
    for (const p of loadObjectPrograms(path.join(objDir, o), defaultHostFacts())) {
      const m = verify({ ...verifierInputFor(p, defaultHostFacts().profile, 0), xlated: true });
      const kv = kernel.verdicts.find((v) => v.prog === p.name);
      const c = compareOne(m.verdict === 'accept' ? m.xlated : undefined, kv?.verdict === 'accept' ? kv.xlated : null);
      tally[c]++;
      if (c === 'differs') differs.push(`${o}:${p.name}`);
    }
  }
  process.stdout.write(`# xlated: ${tally.same} identical, ${tally.differs} differ, ${tally['not-modelled']} not modelled, ${tally.skip} not accepted by both\n`);
  assert.deepEqual(differs, []);
});
