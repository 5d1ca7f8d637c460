// The verifier model against the live kernel on generated programs with helper
// and kfunc calls: map lookups, updates and deletes with keys and values on the
// stack, memory and size pairs, program-type-specific helpers, tail calls, RCU
// sections, with arguments that are sometimes of the wrong type, size or place.
// A model that cannot decide says `not modelled yet` (counted, not a disagreement);
// every decided verdict must agree with the kernel's, every shared rejection must
// carry the kernel's message, and the model must never accept what Linux rejects.
// BPFX_DIFF_PROGRAMS sets the number of programs (npm test keeps it small).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify, progTypeNumber } from '../../src/verifier';
import { callsProgram, DIFF_MAPS } from '../../src/harness/fuzz/gen';
import { progLoad, closeFd, kernelAvailable, mapCreate } from '../../src/kernel';
import { hostVmlinuxBtf, hostNrCpuIds, vmlinuxFuncId } from '../../src/kernel/host';
import { typeById } from '../../src/btf/btf';
import { firstErrorLine } from '../../src/verifier/error_line';

/** A small deterministic generator (LCG), so a failure names a reproducible seed. */
function generator(seed: number): (n: number) => number {
  let s = seed;
  return (n) => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s % n; };
}

const avail = kernelAvailable();
const PROGRAMS = Number(process.env.BPFX_DIFF_PROGRAMS ?? 400);
const TYPES = ['socket_filter', 'sched_cls', 'xdp', 'kprobe'] as const;

test(`verifier model vs kernel on ${PROGRAMS} generated programs with calls: no wrong accept, decided verdicts and messages agree`,
  { skip: avail.ok ? false : `kernel unavailable: ${avail.reason}` }, () => {
    const seed = 20261202;
    const rnd = generator(seed);
    const vmlinuxBtf = hostVmlinuxBtf();
    const nrCpuIds = hostNrCpuIds();
    const kfunc = (name: string): number => vmlinuxFuncId(name);
    const kfuncInfo = (id: number): { name: string } | undefined => (vmlinuxBtf ? { name: typeById(vmlinuxBtf, id).name } : undefined);
    const fds = new Map([...DIFF_MAPS].map(([i, m]) => [i, mapCreate({ mapType: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, name: m.name })]));
    const counts = { accept: 0, reject: 0, notModelled: 0, sameMessage: 0, total: 0 };
    const disagreements: string[] = [];
    for (let t = 0; t < PROGRAMS; t++) {
      const insns = callsProgram(rnd, kfunc);
      const type = TYPES[rnd(TYPES.length)];
      const ours = verify({ insns, progType: progTypeNumber(type)!, logLevel: 1, maps: DIFF_MAPS, vmlinuxBtf, nrCpuIds, kfunc: kfuncInfo });
      const patched = insns.map((x) => (x.code === 0x18 && x.src === 1 ? { ...x, imm: fds.get(x.imm)! } : x));
      const k = progLoad({ insns: patched, progType: type, license: 'GPL', logLevel: 1 });
      if (k.ok) closeFd(k.fd);
      const kv = k.ok ? 'accept' : 'reject';
      counts.total++;
      counts[kv]++;
      const where = `program ${t} (seed ${seed}, ${type})`;
      if (ours.verdict === 'accept' && kv === 'reject') assert.fail(`WRONG ACCEPT: ${where}: kernel says ${firstErrorLine(k.log)}`);
      if (ours.notModelled) { counts.notModelled++; continue; }
      if (ours.verdict !== kv) disagreements.push(`${where}: ours ${ours.verdict} (${ours.error}), kernel ${kv}`);
      else if (kv === 'reject' && firstErrorLine(ours.log) !== firstErrorLine(k.log)) {
        disagreements.push(`${where}: ours '${firstErrorLine(ours.log)}', kernel '${firstErrorLine(k.log)}'`);
      } else if (kv === 'reject') counts.sameMessage++;
    }
    process.stdout.write(`# calls differential: ${counts.total} programs, kernel accepts ${counts.accept}, rejects ${counts.reject}; `
      + `model not modelled ${counts.notModelled}; decided disagreements ${disagreements.length}\n`);
    assert.deepEqual(disagreements.slice(0, 20), []);
    assert.ok(counts.accept > PROGRAMS / 10, `the generator must exercise accepts too: ${counts.accept}/${PROGRAMS}`);
  });
