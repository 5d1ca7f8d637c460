// The native runtime and the jit engine: maps in native memory shared with
// the interpreter's map model, agreement with the interpreter on every spec,
// the bpf_conformance suite in child processes (a faulting program fails its
// case only), refusals as typed errors, and the repeat loop's timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { insn, Insn, ldImm64 } from '../../src/isa/insn';
import { loadNativeProgram, nativeAvailable } from '../../src/harness/native-run';
import { createVm, run, createMapSet, MapSpec, callsNondeterministicHelper } from '../../src/runtime';
import { getEngine } from '../../src/harness/engines';
import { findSpecFiles, programFromSpec, readSpecFile } from '../../src/harness/program';
import { listConformanceFiles } from '../../src/harness/conformance';
import { runConformanceIsolated } from '../../src/harness/isolate';
import { ProgramUnderTest } from '../../src/harness/engine';
import { hostFacts } from '../../src/kernel/host';

const host = hostFacts();

const root = path.resolve(__dirname, '../../..');
const skipReason = (): string | undefined => { const a = nativeAvailable(); return a.ok ? undefined : a.reason; };
const prog = (name: string, insns: Insn[]): ProgramUnderTest => ({ name, insns, progType: 'socket_filter', license: 'GPL' });

/**
 * counters[0] += 5 (array map), seen[r0] = 7 (hash map), return
 * counters[0] * 100 + (seen[5] exists ? seen[5] : 0).
 */
function mapProgram(): Insn[] {
  return [
    insn(0x62, 10, 0, -4, 0), ...ldImm64(1, 0n, 1), insn(0xbf, 2, 10, 0, 0), insn(0x07, 2, 0, 0, -4),
    insn(0x85, 0, 0, 0, 1), insn(0x15, 0, 0, 17, 0),                        // r0 = lookup(counters, 0); if !r0 goto out
    insn(0x79, 6, 0, 0, 0), insn(0x07, 6, 0, 0, 5), insn(0x7b, 0, 6, 0, 0),  // *r0 += 5 (r6 = new value)
    insn(0x62, 10, 0, -8, 5), insn(0x7a, 10, 0, -16, 7),                     // key 5, value 7
    ...ldImm64(1, 1n, 1), insn(0xbf, 2, 10, 0, 0), insn(0x07, 2, 0, 0, -8), insn(0xbf, 3, 10, 0, 0), insn(0x07, 3, 0, 0, -16),
    insn(0xb7, 4, 0, 0, 0), insn(0x85, 0, 0, 0, 2),                         // update(seen, &5, &7, BPF_ANY)
    ...ldImm64(1, 1n, 1), insn(0xbf, 2, 10, 0, 0), insn(0x07, 2, 0, 0, -8), insn(0x85, 0, 0, 0, 1), // lookup(seen, &5)
    insn(0x27, 6, 0, 0, 100), insn(0x15, 0, 0, 1, 0), insn(0x79, 0, 0, 0, 0), insn(0x0f, 0, 6, 0, 0), // r0 = r6*100 + (*r0 or 0)
    insn(0x95),
  ];
}
const MAPS: MapSpec[] = [
  { name: 'counters', type: 'array', keySize: 4, valueSize: 8, maxEntries: 4 },
  { name: 'seen', type: 'hash', keySize: 4, valueSize: 8, maxEntries: 16 },
];

test('maps live in native memory and behave as the interpreter\'s model (which both runtimes share)', (t) => {
  const why = skipReason();
  if (why) { t.skip(`native execution is not available: ${why}`); return; }
  const insns = mapProgram();
  const n = loadNativeProgram(prog('maps', insns), { unverified: true, maps: MAPS });
  try {
    assert.equal(n.run(0n, 0n), 507n);
    assert.equal(n.run(0n, 0n), 1007n); // the value persists in native memory
    assert.equal(new DataView(n.maps!.maps[0].values.buffer, n.maps!.maps[0].values.byteOffset).getBigUint64(0, true), 10n);
    assert.equal(n.run(0n, 0n, 1000), 501007n); // the loop runs in native code
  } finally {
    n.close();
  }
  const ms = createMapSet(MAPS);
  const vm = createVm(insns, { helpers: ms.helpers, resolveLdImm64: ms.resolveLdImm64 });
  assert.equal(run(vm, { regions: ms.regions() }).retval, 507n);
  assert.equal(run(vm, { regions: ms.regions() }).retval, 1007n);
});

test('the jit engine agrees with the interpreter on every spec both run', async (t) => {
  const why = skipReason();
  if (why) { t.skip(`native execution is not available: ${why}`); return; }
  let both = 0;
  for (const f of findSpecFiles([path.join(root, 'specs')])) {
    const p = programFromSpec(readSpecFile(f), host);
    if (callsNondeterministicHelper(p.insns)) continue; // a random number or a clock: no reason to agree
    const input = { packet: new Uint8Array(64) };
    const jit = await getEngine('jit', host).run(p, input);
    if (jit.error?.startsWith('not jitted')) continue;
    const interp = await getEngine('interp', host).run(p, input);
    assert.equal(jit.error, interp.error, f);
    assert.equal(jit.retval, interp.retval, f);
    both++;
  }
  assert.ok(both >= 8, `only ${both} specs ran on both`);
});

test('the jit engine refuses what the verifier rejects, with its message, and times the native loop', async (t) => {
  const why = skipReason();
  if (why) { t.skip(`native execution is not available: ${why}`); return; }
  const jit = getEngine('jit', host);
  const rejected = await jit.run(prog('uninit', [insn(0xbf, 0, 2, 0, 0), insn(0x95)]), {});
  assert.equal(rejected.retval, null);
  assert.equal(rejected.error, 'not jitted: the verifier rejects it (EACCES): R2 !read_ok');
  const r = await jit.run(prog('const', [insn(0xb7, 0, 0, 0, 9), insn(0x95)]), { repeat: 100000 });
  assert.equal(r.retval, 9n);
  assert.ok(r.nsPerRun !== undefined && r.nsPerRun > 0 && r.nsPerRun < 10000, `ns per run ${r.nsPerRun}`);
});

test('bpf_conformance on the jit engine, in child processes: a native fault fails its case and the run goes on', (t) => {
  const why = skipReason();
  if (why) { t.skip(`native execution is not available: ${why}`); return; }
  const dir = path.join(root, '../shared/bpf_conformance/tests');
  if (!fs.existsSync(dir)) { t.skip('../shared/bpf_conformance/tests is not here'); return; }
  const files = listConformanceFiles(dir);
  const verdicts = runConformanceIsolated(files);
  const failed = verdicts.filter((v) => !v.pass).map((v) => v.name);
  assert.deepEqual(failed, ['callx']); // conformance-known-failures.jit.txt
  t.diagnostic(`bpf_conformance on jit: ${verdicts.length - failed.length} of ${verdicts.length} passed`);
  // A program that reads address 16 faults natively: its case fails with the signal, the next one still runs
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-fault-'));
  try {
    fs.writeFileSync(path.join(tmp, 'a_fault.data'), '-- asm\nmov %r1, 16\nldxdw %r0, [%r1]\nexit\n-- result\n0x0\n');
    fs.copyFileSync(path.join(dir, 'add.data'), path.join(tmp, 'b_add.data'));
    const v = runConformanceIsolated(listConformanceFiles(tmp));
    assert.deepEqual(v.map((x) => [x.name, x.pass]), [['a_fault', false], ['b_add', true]]);
    assert.match(v[0].why, /native fault: the program ended its process with SIGSEGV/);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
