// The interpreter, the JIT and the kernel on every fixture program and spec
// that runs, with the default input (64 zero bytes) and with pkt_v4 (the
// selftests' 54-byte IPv4/TCP packet): the same return value and data_out.
// The test reports its counts: runs that agree, that disagree (with the
// first difference), and that cannot run on every engine, grouped by why.
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
import { HELPER_NAMES } from '../../src/isa/helpers';
import { callsNondeterministicHelper } from '../../src/runtime';

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

/** Programs whose value is an address, which each runtime places differently (selftests' __retval(POINTER_VALUE)). */
const RETURNS_AN_ADDRESS: Record<string, string> = {
  'tl_retcodes.bpf.o:return_pointer': 'returns its context pointer (r0 = r1)',
};

/** Why an engine did not run a program, in few words (the counts group by it). */
function why(engine: string, r: EngineResult): string {
  const e = (r.error ?? r.errno ?? 'no result')
    .replace(/^not jitted: /, '')
    .replace(/map '[^']+': type '(\w+)' is not modelled/, 'map type $1 is not modelled')
    .replace(/(no implementation for helper|helper) (\d+)( is not available in the native runtime)?/, (_m, _a, id) => `helper ${HELPER_NAMES[Number(id)]} is not implemented`)
    .replace(/(no implementation for kfunc with BTF id \d+|kfunc \w+ is not available in the native runtime)/, 'a kfunc other than bpf_throw is not implemented')
    .replace(/ \(.*$/, '').replace(/ at 0x[0-9a-f]+.*$/, '').replace(/^ENOTSUPP$/, 'ENOTSUPP (no test run for this program type)');
  return `${engine}: ${e.slice(0, 100).trim()}`;
}

/** The first difference between two results: retval, then data_out. */
function firstDifference(a: [string, EngineResult], b: [string, EngineResult], mask32: boolean): string | undefined {
  const va = mask32 ? a[1].retval! & 0xffffffffn : a[1].retval!, vb = mask32 ? b[1].retval! & 0xffffffffn : b[1].retval!;
  if (va !== vb) return `${a[0]} ${show(a[1])}, ${b[0]} ${show(b[1])}`;
  if (a[1].dataOut && b[1].dataOut) {
    const k = a[1].dataOut.findIndex((x, i) => x !== b[1].dataOut![i]);
    if (k >= 0 || a[1].dataOut.length !== b[1].dataOut.length) return `data_out byte ${k < 0 ? Math.min(a[1].dataOut.length, b[1].dataOut.length) : k}: ${a[0]} and ${b[0]} differ`;
  }
  return undefined;
}

test('interpreter, JIT and kernel agree on every accepted fixture and spec, with 64 zero bytes and with pkt_v4', async (t) => {
  const nat = nativeAvailable(), ker = kernelAvailable();
  if (!nat.ok || !ker.ok) { t.skip(`needs native execution and the kernel: ${nat.reason ?? ker.reason}`); return; }
  const inputs = { default: new Uint8Array(64), pkt_v4: INPUTS.pkt_v4.data };
  let all3 = 0, interpJit = 0, runs = 0, byDesign = 0;
  const jitOnlyFails: string[] = [];
  const disagree: string[] = [];
  const cannot = new Map<string, number>();
  const count = (reason: string): void => { cannot.set(reason, (cannot.get(reason) ?? 0) + 1); };
  const host = hostFacts();
  for (const p of programs(host)) {
    const prog = p.make();
    const nd = callsNondeterministicHelper(prog.insns);
    for (const [name, packet] of Object.entries(inputs)) {
      runs++;
      const input = { packet, trustKernel: true };
      const [i, j, k] = await Promise.all(['interp', 'jit', 'kernel'].map((e) => getEngine(e, host).run(prog, input)));
      if (ran(i) && !ran(j) && !/^not jitted/.test(j.error ?? '')) jitOnlyFails.push(`${p.label} ${name}: ${show(j)}`);
      const diffs: string[] = [];
      if (ran(i) && ran(j)) {
        interpJit++;
        const d = firstDifference(['interp', i], ['jit', j], false);
        if (d) diffs.push(d);
      }
      if (ran(j) && ran(k)) {
        all3++;
        // the kernel reports 32 bits of r0
        const d = firstDifference(['jit', j], ['kernel', k], true);
        if (d) diffs.push(d);
      }
      if (diffs.length && (nd || RETURNS_AN_ADDRESS[p.label])) byDesign++;
      else if (diffs.length) disagree.push(`${p.label} ${name}: ${diffs[0]}`);
      if (k.verdict === 'reject') count('the kernel rejects it (never run)');
      else if (!ran(i) || !ran(j) || !ran(k)) {
        count((['interp', 'jit', 'kernel'] as const).map((e, n) => [e, [i, j, k][n]] as const).filter(([, r]) => !ran(r)).map(([e, r]) => why(e, r)).join('; '));
      }
    }
  }
  t.diagnostic(`${runs} runs (programs x 2 inputs): ${all3 - disagree.length - byDesign} agree on all three engines, ${interpJit} ran on the interpreter and the JIT, ` +
    `${all3} on all three; ${disagree.length} disagree, ${byDesign} differ by design (a clock or random helper, or an address)`);
  for (const [reason, n] of [...cannot].sort((a, b) => b[1] - a[1])) t.diagnostic(`  cannot run everywhere (${n}): ${reason}`);
  for (const d of disagree) t.diagnostic(`  disagree: ${d}`);
  assert.deepEqual(disagree, []);
  assert.deepEqual(jitOnlyFails, []);
  assert.ok(all3 >= 150, `only ${all3} runs on all three`);
});
