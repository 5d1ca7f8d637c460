// Host facts at the edge: built once (here from fixtures/vmlinux, as on a
// machine without kernel BTF) and passed in; building a program reads neither
// /sys nor /proc, and the engines answer for the facts' kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import nodeFs = require('fs');
import * as path from 'path';
import { fixtureHostFacts, kfuncId, hostFacts, HostFacts } from '../../src/kernel/host';
import { findByName } from '../../src/btf';
import { programFromSpec, programFromSource, readSpecFile } from '../../src/harness/program';
import { loadObjectPrograms } from '../../src/harness/object';
import { getEngine } from '../../src/harness/engines';
import { LINUX_6_18_INITIAL, LINUX_6_18_FIXED, NEWEST_PROFILE } from '../../src/verifier';
import { exceptionCallbackTailCallProbe } from '../../src/kernel/probe';

const ROOT = path.join(__dirname, '../../..');
const fixture = fixtureHostFacts();

/** Run `f` with every fs read of /sys or /proc failing the test. */
function withoutHostFiles<T>(f: () => T): T {
  const mod = nodeFs as unknown as Record<string, unknown>; // the module object itself, which the harness's imports read through
  const names = ['readFileSync', 'existsSync', 'statSync', 'readdirSync', 'openSync'] as const;
  const saved = names.map((n) => mod[n]);
  const touched: string[] = [];
  names.forEach((n, i) => {
    const orig = saved[i] as (...a: unknown[]) => unknown;
    mod[n] = (...a: unknown[]): unknown => {
      if (typeof a[0] === 'string' && /^\/(sys|proc)\//.test(a[0])) touched.push(`${n}(${a[0]})`);
      return orig.apply(nodeFs, a);
    };
  });
  try {
    const r = f();
    assert.deepEqual(touched, [], 'read the host while building a program');
    return r;
  } finally {
    names.forEach((n, i) => { mod[n] = saved[i]; });
  }
}

test('host facts from fixtures/vmlinux: the goldens\' kernel (release, BTF, Kconfig), the newest profile', () => {
  assert.equal(fixture.source, 'fixture');
  assert.equal(fixture.release, fs.readFileSync(path.join(ROOT, 'fixtures/vmlinux/release'), 'utf8').trim());
  assert.equal(kfuncId(fixture, 'bpf_throw'), 65977);
  assert.match(fixture.kconfig ?? '', /^CONFIG_BPF_SYSCALL=y$/m);
  assert.deepEqual([fixture.profile, fixture.profileFrom], [NEWEST_PROFILE, 'default']);
  assert.deepEqual([fixtureHostFacts(undefined, LINUX_6_18_INITIAL).profile, fixtureHostFacts(undefined, LINUX_6_18_INITIAL).profileFrom], [LINUX_6_18_INITIAL, 'flag']);
});

test('host facts of this machine: its BTF when it has one, else the fixture\'s; a named profile wins', () => {
  const h = hostFacts({ probe: false, profile: LINUX_6_18_INITIAL });
  assert.equal(h.source, fs.existsSync('/sys/kernel/btf/vmlinux') ? 'live' : 'fixture');
  assert.deepEqual([h.profile, h.profileFrom], [LINUX_6_18_INITIAL, 'flag']);
  assert.ok(h.vmlinuxBtf && findByName(h.vmlinuxBtf, 'bpf_throw', 'func'));
  const d = hostFacts({ probe: false });
  assert.deepEqual([d.profile, d.profileFrom], [NEWEST_PROFILE, 'default']);
});

test('a spec calling bpf_throw builds from the facts\' BTF without reading /sys or /proc, and runs on the interpreter', async () => {
  assert.throws(() => withoutHostFiles(() => hostFacts({ probe: false })), /read the host/); // the spy sees reads of the host
  const spec = readSpecFile(path.join(ROOT, 'specs/throw-default-callback-returns-cookie.yaml'));
  const p = withoutHostFiles(() => programFromSpec(spec, fixture));
  assert.deepEqual([...(p.kfuncs ?? [])], [[65977, 'bpf_throw']]);
  assert.equal(p.insns[1].imm, 65977);
  const r = await getEngine('interp', fixture).run(p, {});
  assert.deepEqual([r.retval, r.error, r.errorLine], [7n, null, null]);
});

test('object programs link against the facts\' BTF without reading the host', () => {
  const progs = withoutHostFiles(() => loadObjectPrograms(path.join(ROOT, 'fixtures/obj/core.bpf.o'), fixture));
  const k = progs.find((p) => p.name === 'kfunc_calls');
  assert.ok(k && k.object);
  assert.equal(k.object.loaded.vmlinuxBtf, fixture.vmlinuxBtf);
  assert.deepEqual([...(k.kfuncs ?? [])].map(([id, n]) => [id, n]).sort(),
    ['bpf_rcu_read_lock', 'bpf_rcu_read_unlock', 'bpf_task_from_pid', 'bpf_task_release'].map((n) => [findByName(fixture.vmlinuxBtf!, n, 'func'), n]).sort());
});

test('the verifier engine answers as the facts\' profile', async () => {
  const pr = exceptionCallbackTailCallProbe();
  const p = withoutHostFiles(() => programFromSource({ asm: 'r0 = 0\nexit' }, { name: 'x', progType: 'sched_cls', host: fixture }));
  const put = { ...p, insns: pr.insns, btf: { btf: pr.btf, funcInfo: pr.funcInfo } };
  const facts = (profile: typeof NEWEST_PROFILE): HostFacts => ({ ...fixture, profile, profileFrom: 'flag' });
  for (const profile of [LINUX_6_18_INITIAL, LINUX_6_18_FIXED]) {
    const r = await getEngine('verifier', facts(profile)).run(put, {});
    assert.deepEqual([r.verdict, r.errorLine, r.notModelled], ['reject', profile.texts.tailCallInCallback, false], profile.name);
  }
});
