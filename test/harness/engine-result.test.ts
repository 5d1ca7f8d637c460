// Engine results carry the error line and whether the model could decide, set
// in one place per engine: the verifier's own message, the kernel log's error
// line (src/verifier/error_line.ts), nothing for runtimes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { kernelResult, runResult, verifierResult, EngineResult, ProgramUnderTest } from '../../src/harness/engine';
import { getEngine } from '../../src/harness/engines';
import { findSpecFiles, programFromSpec, programFromSource, readSpecFile } from '../../src/harness/program';
import { loadObjectPrograms } from '../../src/harness/object';
import { fixtureHostFacts } from '../../src/kernel/host';
import { firstErrorLine } from '../../src/verifier/error_line';
import { verify, PROFILES } from '../../src/verifier';
import { verifierInputFor } from '../../src/harness/engines/verifier';

const ROOT = path.join(__dirname, '../../..');
const host = fixtureHostFacts();
const STATS = 'processed 11 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0';

test('firstErrorLine: the message before the statistics; a glued statistics line cut off; null for none', () => {
  assert.equal(firstErrorLine(`0: (95) exit\nR0 !read_ok\n${STATS}\n`), 'R0 !read_ok');
  assert.equal(firstErrorLine(`1: (85) call pc+2\ninsn 1 cannot call exception cb directly${STATS}`), 'insn 1 cannot call exception cb directly');
  assert.equal(firstErrorLine(`Unreleased reference id=2 alloc_insn=9\nbpf_throw would lead to reference leak\n${STATS}\nverification time 5 usec\nstack depth 16\n`), 'bpf_throw would lead to reference leak');
  // 6.18 prints both states after an infinite loop (recorded from tl_jumps.bpf.o:infinite_loop)
  assert.equal(firstErrorLine(`1: (15) if r0 == 0x0 goto pc-1        ; R0=0\ninfinite loop detected at insn 1\ncur state: R0=0 R1=ctx() R10=fp0\nold state: R0=P0 R1=ctx() R10=fp0\n${STATS}\n`), 'infinite loop detected at insn 1');
  assert.equal(firstErrorLine(''), null);
  assert.equal(firstErrorLine(null), null);
  assert.equal(firstErrorLine(`${STATS}\n`), null);
});

test('kernelResult: the error line of a rejection, none for an accept', () => {
  const base = { errno: 'EINVAL', retval: null, runError: null };
  const rej = kernelResult({ ...base, verdict: 'reject', log: `insn 7 cannot call exception cb directly${STATS}` });
  assert.deepEqual([rej.errorLine, rej.notModelled, rej.error], ['insn 7 cannot call exception cb directly', false, null]);
  const acc = kernelResult({ ...base, verdict: 'accept', errno: null, log: `0: (95) exit\n${STATS}`, retval: 0n });
  assert.deepEqual([acc.verdict, acc.errorLine, acc.retval], ['accept', null, 0n]);
  assert.deepEqual(runResult(null, 'division by zero'), { verdict: null, errno: null, log: null, retval: null, error: 'division by zero', errorLine: null, notModelled: false });
});

test('verifierResult: the model\'s message and its not-modelled flag', () => {
  const nm = verifierResult({ verdict: 'reject', errno: 'EINVAL', log: 'x\nnot modelled yet: helper call #84\n', error: 'not modelled yet: helper call #84', notModelled: true });
  assert.deepEqual([nm.errorLine, nm.notModelled], ['not modelled yet: helper call #84', true]);
  assert.equal(verifierResult({ verdict: 'reject', errno: 'EPERM', log: '', error: '', notModelled: false }).errorLine, null);
  assert.equal(verifierResult({ verdict: 'accept', errno: null, log: STATS, error: '', notModelled: false }).errorLine, null);
});

test('the verifier engine\'s error line is the log\'s, on every spec and fixture program, for every profile', async () => {
  const programs: ProgramUnderTest[] = [];
  // (a spec with __auxiliary programs is answered by the first of its programs that fails: not one verify() call)
  for (const f of findSpecFiles([path.join(ROOT, 'specs')])) {
    const p = programFromSpec(readSpecFile(f), host);
    if (!p.object?.auxiliary?.length) programs.push(p);
  }
  for (const f of fs.readdirSync(path.join(ROOT, 'fixtures/obj')).filter((x) => x.endsWith('.o'))) {
    try { programs.push(...loadObjectPrograms(path.join(ROOT, 'fixtures/obj', f), host)); } catch { /* refused by the loader */ }
  }
  assert.ok(programs.length >= 40, `${programs.length} programs`);
  let rejects = 0, notModelled = 0;
  for (const profile of PROFILES) {
    for (const p of programs) {
      const r: EngineResult = await getEngine('verifier', { ...host, profile }).run(p, {});
      const log = verify(verifierInputFor(p, profile, 1, host)).log;
      assert.equal(r.log, log);
      assert.equal(r.errorLine, r.verdict === 'reject' ? firstErrorLine(log) : null, p.name);
      assert.equal(r.notModelled, r.verdict === 'reject' && /^not modelled yet: /.test(r.errorLine ?? ''), p.name);
      if (r.verdict === 'reject') rejects++;
      if (r.notModelled) notModelled++;
    }
  }
  assert.ok(rejects > 10 && notModelled > 0, `${rejects} rejections, ${notModelled} not modelled`);
});

test('a bpf_loop callback without BTF is not modelled: the field says so', async () => {
  const p = programFromSource({ asm: 'r1 = 1\nr2 = func(cb) ll\nr3 = 0\nr4 = 0\ncall bpf_loop\nr0 = 0\nexit\ncb: r0 = 0\nexit' }, { name: 'loop', progType: 'sched_cls', host });
  const r = await getEngine('verifier', host).run(p, {});
  assert.equal(r.verdict, 'reject');
  assert.equal(r.notModelled, true, r.log ?? '');
});
