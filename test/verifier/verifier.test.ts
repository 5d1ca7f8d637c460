// The verifier model against its case table and, in the same run, against the
// live kernel: same verdict and same first error line for every case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify } from '../../src/verifier';
import { kernelAvailable, progLoad, closeFd, mapCreate, mapUpdate } from '../../src/kernel';
import { mapFreeze } from '../../src/kernel/map';
import { Insn } from '../../src/isa/insn';
import { vmlinuxFuncId } from '../../src/kernel/host';
import { encodeBtf } from '../../src/btf/encode';
import { encodeFuncInfo } from '../../src/btf/ext';
import { buildCases, buildMalformedCases, Case, firstErrorLine } from './cases';
import { buildMemCases } from './mem_cases';
import { buildCallCases } from './call_cases';
import { hostVmlinuxBtf, hostNrCpuIds } from '../../src/kernel/host';
import { typeById, typeCount } from '../../src/btf/btf';

let throwId = 0;
try { throwId = vmlinuxFuncId('bpf_throw'); } catch { throwId = 1; }
const cases = [...buildCases(throwId), ...buildMalformedCases(), ...buildMemCases(), ...buildCallCases((n) => vmlinuxFuncId(n))];
const vmlinuxBtf = hostVmlinuxBtf();
const kfunc = (id: number, off: number): { name: string; argCount?: number } | undefined => {
  if (off !== 0 || !vmlinuxBtf || id <= 0 || id >= typeCount(vmlinuxBtf)) return undefined;
  const t = typeById(vmlinuxBtf, id);
  if (t.kind !== 'func') return undefined;
  const proto = typeById(vmlinuxBtf, t.type);
  return { name: t.name, argCount: proto.kind === 'func_proto' ? proto.params.length : undefined };
};


function ours(c: Case, logLevel = 1): ReturnType<typeof verify> {
  return verify({ insns: c.insns, progType: c.progType, expectedAttachType: c.expectedAttachType, btf: c.btf?.btf, funcInfo: c.funcInfo, kfunc, logLevel, maps: c.maps,
    vmlinuxBtf, nrCpuIds: hostNrCpuIds() });
}

/** The case's instructions with placeholder map fds replaced by real maps (created once). */
/** Real map fds by case name and placeholder key: each case gets its own maps. */
const realFds = new Map<string, number>();
function kernelInsns(c: Case): Insn[] {
  if (!c.maps) return c.insns;
  const fdOf = (key: number): string => `${c.name}#${key}`;
  for (const [key, m] of c.maps) {
    if (realFds.has(fdOf(key))) continue;
    const fd = mapCreate({ mapType: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, name: m.name, mapFlags: m.flags });
    if (m.initialValue) mapUpdate(fd, new Uint8Array(4), m.initialValue);
    if (m.frozen) mapFreeze(fd);
    realFds.set(fdOf(key), fd);
  }
  return c.insns.map((x) => (x.code === 0x18 && (x.src === 1 || x.src === 2) && realFds.has(fdOf(x.imm)) ? { ...x, imm: realFds.get(fdOf(x.imm))! } : x));
}

for (const c of cases) {
  test(`model: ${c.name}`, () => {
    const r = ours(c);
    assert.equal(r.verdict, c.verdict, r.log);
    if (c.error) assert.equal(firstErrorLine(r.log), c.error, r.log);
    // a load refused before bpf_check (bpf_prog_load_check_attach) has an empty log
    if (c.error === '') assert.equal(r.log, '');
    else assert.match(r.log, /processed \d+ insns \(limit 1000000\)/);
  });
}

const k = kernelAvailable();
const agreement = { verdict: 0, message: 0, rejects: 0, total: 0 };
for (const c of cases) {
  test(`kernel agrees: ${c.name}`, { skip: k.ok ? false : k.reason }, () => {
    const r = progLoad({ insns: kernelInsns(c), progType: c.progType, expectedAttachType: c.expectedAttachType, logLevel: 1,
      btf: c.btf ? encodeBtf(c.btf.btf) : undefined, funcInfo: c.funcInfo ? encodeFuncInfo(c.funcInfo) : undefined });
    if (r.ok) closeFd(r.fd);
    const m = ours(c);
    agreement.total++;
    const kv = r.ok ? 'accept' : 'reject';
    if (kv === m.verdict) agreement.verdict++;
    if (!r.ok) {
      agreement.rejects++;
      if (firstErrorLine(r.log) === firstErrorLine(m.log)) agreement.message++;
    }
    assert.equal(m.verdict, kv, `kernel log:\n${r.log}\nour log:\n${m.log}`);
    if (!r.ok) {
      assert.equal(firstErrorLine(m.log), firstErrorLine(r.log), `kernel log:\n${r.log}\nour log:\n${m.log}`);
      assert.equal(m.errno, r.errno);
    }
  });
}
const logAgreement = { level1: 0, level2: 0, total: 0 };
for (const c of cases) {
  test(`kernel log identical at level 1: ${c.name}`, { skip: k.ok ? false : k.reason }, () => {
    const load = (level: number): string => {
      const r = progLoad({ insns: kernelInsns(c), progType: c.progType, expectedAttachType: c.expectedAttachType, logLevel: level,
        btf: c.btf ? encodeBtf(c.btf.btf) : undefined, funcInfo: c.funcInfo ? encodeFuncInfo(c.funcInfo) : undefined });
      if (r.ok) closeFd(r.fd);
      return r.log;
    };
    const k1 = load(1), k2 = load(2);
    logAgreement.total++;
    if (ours(c, 2).log === k2) logAgreement.level2++;
    const m1 = ours(c, 1).log;
    if (m1 === k1) logAgreement.level1++;
    // ld_imm64 of a map prints the kernel's map address, which a model cannot know
    if (c.maps) return;
    assert.equal(m1, k1);
  });
}
for (const c of cases.filter((x) => x.verdict === 'accept' && !x.maps)) {
  test(`kernel stats (log level 4) agree: ${c.name}`, { skip: k.ok ? false : k.reason }, () => {
    const r = progLoad({ insns: kernelInsns(c), progType: c.progType, expectedAttachType: c.expectedAttachType, logLevel: 4,
      btf: c.btf ? encodeBtf(c.btf.btf) : undefined, funcInfo: c.funcInfo ? encodeFuncInfo(c.funcInfo) : undefined });
    if (r.ok) closeFd(r.fd);
    const m = ours(c, 4);
    const noTime = (l: string): string => l.replace(/^verification time \d+ usec$/m, 'verification time N usec');
    assert.equal(noTime(m.log), noTime(r.log));
  });
}
test('log agreement summary', { skip: k.ok ? false : k.reason }, () => {
  process.stdout.write(`# verifier logs identical to the kernel: level 1 ${logAgreement.level1}/${logAgreement.total}, level 2 ${logAgreement.level2}/${logAgreement.total}\n`);
  assert.ok(logAgreement.level1 >= logAgreement.total - cases.filter((c) => c.maps).length);
});
test('agreement summary', { skip: k.ok ? false : k.reason }, () => {
  process.stdout.write(`# verifier agreement: verdict ${agreement.verdict}/${agreement.total}, rejection message ${agreement.message}/${agreement.rejects}\n`);
  assert.ok(agreement.total > 0);
});
