// The interpreter, the JIT and the kernel on every fixture program and spec
// that runs, with the default input (64 zero bytes) and with pkt_v4 (the
// selftests' 54-byte IPv4/TCP packet): the same return value and data_out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { getEngine } from '../../src/harness/engines';
import { EngineResult, ProgramUnderTest, hex64 } from '../../src/harness/engine';
import { programFromObject, programFromSpec, readSpecFile, findSpecFiles } from '../../src/harness/program';
import { loadHostObject, hostFacts, HostFacts } from '../../src/kernel/host';
import { nativeAvailable } from '../../src/harness/native-run';
import { kernelAvailable } from '../../src/kernel';
import { INPUTS } from '../runtime/context-cases';

const root = path.resolve(__dirname, '../../..');

function programs(host: HostFacts): { label: string; make: () => ProgramUnderTest }[] {
  const out: { label: string; make: () => ProgramUnderTest }[] = [];
  const dir = path.join(root, 'fixtures/obj');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.o')).sort()) {
    let names: string[] = [];
    try { names = loadHostObject(path.join(dir, f)).loaded.programs.map((p) => p.name); } catch { continue; }
    for (const n of names) out.push({ label: `${f}:${n}`, make: () => programFromObject(path.join(dir, f), n, host) });
  }
  for (const f of findSpecFiles([path.join(root, 'specs')])) out.push({ label: path.basename(f), make: () => programFromSpec(readSpecFile(f), host) });
  return out;
}

const ran = (r: EngineResult): boolean => r.error === null && r.retval !== null;
const show = (r: EngineResult): string => (ran(r) ? hex64(r.retval!) : `error ${r.error}`);

test('interpreter, JIT and kernel agree on every accepted fixture and spec, with 64 zero bytes and with pkt_v4', async (t) => {
  const nat = nativeAvailable(), ker = kernelAvailable();
  if (!nat.ok || !ker.ok) { t.skip(`needs native execution and the kernel: ${nat.reason ?? ker.reason}`); return; }
  const inputs = { default: new Uint8Array(64), pkt_v4: INPUTS.pkt_v4.data };
  let all3 = 0, interpJit = 0, jitOnlyFails = 0;
  const disagree: string[] = [];
  const host = hostFacts();
  for (const p of programs(host)) {
    const prog = p.make();
    for (const [name, packet] of Object.entries(inputs)) {
      const input = { packet, trustKernel: true };
      const [i, j, k] = await Promise.all(['interp', 'jit', 'kernel'].map((e) => getEngine(e, host).run(prog, input)));
      if (ran(i) && !ran(j) && !/^not jitted/.test(j.error ?? '')) jitOnlyFails++;
      if (ran(i) && ran(j)) {
        interpJit++;
        if (i.retval !== j.retval) disagree.push(`${p.label} ${name}: interp ${show(i)}, jit ${show(j)}`);
        else if (i.dataOut && j.dataOut && Buffer.compare(Buffer.from(i.dataOut), Buffer.from(j.dataOut)) !== 0) disagree.push(`${p.label} ${name}: data_out differs`);
      }
      if (ran(j) && ran(k)) {
        all3++;
        // the kernel reports 32 bits of r0
        if ((j.retval! & 0xffffffffn) !== (k.retval! & 0xffffffffn)) disagree.push(`${p.label} ${name}: jit ${show(j)}, kernel ${show(k)}`);
      }
    }
  }
  t.diagnostic(`${interpJit} runs on both the interpreter and the JIT, ${all3} also on the kernel (programs x 2 inputs)`);
  assert.deepEqual(disagree, []);
  assert.equal(jitOnlyFails, 0);
  assert.ok(all3 >= 40, `only ${all3} runs on all three`);
});
