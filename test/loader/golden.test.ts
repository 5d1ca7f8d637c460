// Acceptance: for every fixture program, the linked instruction stream is
// identical, instruction by instruction, to what libbpf handed the kernel
// (fixtures/golden/*.insns, made by fixtures/tools/libbpf-insns with libbpf
// 1.8); objects libbpf refuses fail with libbpf's own message. Goldens made on
// another kernel than fixtures/vmlinux's say which (golden/<obj>.release).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadObject, LoaderError, attachBtfIdFor } from '../../src/loader';
import { fixtureNames, golden, goldenFiles, hexLines, kernelFacts, readFixture, vmlinuxBtf } from './fixtures';
import { Btf } from '../../src/btf';
import { hostFacts } from '../../src/kernel/host';

/**
 * The kernel an object's goldens were made on: fixtures/vmlinux's, or the one named in
 * golden/<obj>.release (its CO-RE offsets and kfunc ids are that kernel's), which only
 * that machine can check.
 */
function goldenKernel(obj: string): { vmlinuxBtf: Btf; kconfig: string; kernelRelease: string } | string {
  const release = golden(`${obj}.release`)?.trim();
  if (!release || release === kernelFacts().kernelRelease) return { vmlinuxBtf: vmlinuxBtf(), ...kernelFacts() };
  const host = hostFacts();
  if (host.source !== 'live' || host.release !== release || !host.vmlinuxBtf) return `goldens made on ${release}, this is ${host.release}`;
  return { vmlinuxBtf: host.vmlinuxBtf, kconfig: host.kconfig ?? '', kernelRelease: host.release };
}

for (const obj of fixtureNames()) {
  test(`golden: ${obj}`, (t) => {
    const err = golden(`${obj}.libbpf-error`);
    const kernel = goldenKernel(obj);
    if (typeof kernel === 'string') { t.skip(kernel); return; }
    const run = (): ReturnType<typeof loadObject> => loadObject(readFixture(obj), { objectName: obj, ...kernel });
    if (err !== undefined) {
      const want = err.trim().replace(/^libbpf: /, '');
      let linked;
      try { linked = run(); } catch (e) {
        assert.ok(e instanceof LoaderError && e.message === want, `${obj}: ${(e as Error).message}`);
        return;
      }
      // libbpf refused the programs when preparing their loads, after linking
      // (libbpf_prepare_prog_load): each program's golden message is the attach check's
      for (const p of linked.programs) {
        const msg = /^message: (.*)$/m.exec(golden(`${obj}.${p.name}.verdict`) ?? '')?.[1];
        assert.throws(() => attachBtfIdFor(linked.vmlinuxBtf, p), (e: unknown) => e instanceof LoaderError && e.message === msg, `${obj}.${p.name}`);
      }
      return;
    }
    const r = run();
    const progs = goldenFiles().filter((f) => f.startsWith(`${obj}.`) && f.endsWith('.insns'))
      .map((f) => f.slice(obj.length + 1, -'.insns'.length));
    assert.deepEqual(r.programs.map((p) => p.name).sort(), progs.sort(), 'one golden per program');
    const btf = golden(`${obj}.btf`, 'latin1');
    assert.ok(btf !== undefined && r.btfToLoad, `${obj}: BTF to load and its golden`);
    assert.equal(Buffer.from(r.btfToLoad).toString('latin1'), btf, `${obj}: BTF to load is byte-identical to libbpf's`);
    for (const p of r.programs) {
      const want = golden(`${obj}.${p.name}.insns`)!.trim().split('\n');
      const got = hexLines(p.insns);
      for (let i = 0; i < Math.max(want.length, got.length); i++) {
        assert.equal(got[i], want[i], `${obj}.${p.name}: insn ${i}`);
      }
      // func_info / line_info as libbpf passed them to BPF_PROG_LOAD
      const info = [`func_info ${p.funcInfoRecSize}`, ...p.funcInfo.map((f) => `${f.insnOff} ${f.typeId}`),
        `line_info ${p.lineInfoRecSize}`,
        ...p.lineInfo.map((l) => `${l.insnOff} ${l.fileNameOff} ${l.lineOff} ${(l.lineNum << 10 | l.column) >>> 0}`)];
      assert.deepEqual(info, golden(`${obj}.${p.name}.info`)!.trim().split('\n'), `${obj}.${p.name}: func_info/line_info`);
    }
  });
}

test('golden: every committed golden belongs to a fixture program', () => {
  const objs = new Set(fixtureNames());
  for (const f of goldenFiles()) assert.ok(objs.has(f.split('.')[0]), f);
});
