// BPF exceptions on the live kernel: verdicts, messages and return values of
// hand-built bpf_throw programs (see exception-cases.ts and docs/kernel-differences.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k from '../../src/kernel';
import { btfFor, exceptionCases } from './exception-cases';

const avail = k.kernelAvailable();
const skip = avail.ok ? false : `kernel unavailable: ${avail.reason}`;
if (skip) test('exceptions on the kernel', { skip }, () => undefined);

for (const c of avail.ok ? exceptionCases() : []) {
  test(`exceptions: ${c.name}`, () => {
    const { btf, funcInfo } = btfFor(c);
    const r = k.progLoad({
      progType: c.progType, insns: c.insns, logLevel: 1,
      license: c.name.includes('non-GPL') ? 'Dual BSD' : 'GPL',
      ...(c.noBtf ? {} : { btf, funcInfo }),
    });
    try {
      assert.equal(r.ok ? 'accept' : 'reject', c.expect.verdict, r.log);
      if (!r.ok) {
        if (c.expect.errno) assert.equal(r.errno, c.expect.errno, r.log);
        const lines = r.log.split('\n');
        for (const l of c.expect.logLines ?? []) assert.ok(lines.includes(l), `no line '${l}' in:\n${r.log}`);
        if (c.expect.logIncludes) assert.ok(r.log.includes(c.expect.logIncludes), r.log);
      } else if (c.expect.retval !== undefined) {
        assert.equal(k.testRun(r.fd, { dataIn: new Uint8Array(64) }).retval, c.expect.retval);
      }
    } finally { if (r.ok) k.closeFd(r.fd); }
  });
}

test('exceptions: bpf_throw has a FUNC id in vmlinux BTF', { skip }, () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { vmlinuxFuncId } = require('../../src/kernel/host') as typeof import('../../src/kernel/host');
  const id = vmlinuxFuncId('bpf_throw');
  assert.ok(Number.isInteger(id) && id > 0);
  assert.throws(() => vmlinuxFuncId('no_such_kfunc_xyz'), (e: unknown) => e instanceof k.KernelError && /no FUNC 'no_such_kfunc_xyz'/.test(e.message));
});

test('exceptions: a throwing program in the wide-retval wrapper reports the 32-bit value it has', { skip }, () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { kernelRun } = require('../../src/kernel/run') as typeof import('../../src/kernel/run');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { vmlinuxFuncId } = require('../../src/kernel/host') as typeof import('../../src/kernel/host');
  const kcall = { code: 0x85, dst: 0, src: 2, off: 0, imm: vmlinuxFuncId('bpf_throw') };
  const mov = (d: number, imm: number) => ({ code: 0xb7, dst: d, src: 0, off: 0, imm });
  const thrown = kernelRun({ name: 'thr', insns: [mov(1, 7), kcall, mov(0, 0), { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }], progType: 'sched_cls' }, {}, { run: true, wideRetval: true });
  assert.equal(thrown.verdict, 'accept', thrown.log);
  assert.deepEqual([thrown.retval, thrown.retvalBits, thrown.retval32], [7n, 32, 7n]);
  const normal = kernelRun({ name: 'ret', insns: [...[mov(0, -2)], { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }], progType: 'sched_cls' }, {}, { run: true, wideRetval: true });
  assert.deepEqual([normal.retval, normal.retvalBits, normal.retval32], [0xfffffffffffffffen, 64, 0xfffffffen]);
});
