// The bpf_conformance suite on the live kernel: every program is loaded as a
// socket filter with its "-- mem" bytes mapped as an array-map value (r1 =
// value pointer, r2 = length; see src/kernel/run.ts). Accepted programs run
// (BPF_PROG_TEST_RUN) as a subprogram of the wide-retval wrapper, so all 64
// bits of r0 are compared with the file's "-- result" and with the
// interpreter (src/runtime); the kernel's own 32-bit retval must be their low
// half. Rejections must match test/kernel/golden/conformance-rejects.tsv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as isa from '../../src/isa';
import { kernelAvailable } from '../../src/kernel';
import { kernelRun } from '../../src/kernel/run';
import * as rt from '../../src/runtime';

/** ../shared/bpf_conformance/tests beside the repository (this file runs from dist/test/kernel). */
const DIR = path.resolve(__dirname, '../../../../shared/bpf_conformance/tests');
const avail = kernelAvailable();
const skip = !avail.ok ? `kernel unavailable: ${avail.reason}` : false;
if (skip) console.log(`conformance on the kernel skipped: ${skip}`);

const GOLDEN = path.join(__dirname, '../../../test/kernel/golden/conformance-rejects.tsv');
const MEM_BASE = 0x100000000n;

function interp(insns: isa.Insn[], mem: Uint8Array | undefined): bigint {
  // Helper 5 is bpf_ktime_get_ns in the kernel; call_unwind_fail ignores its result.
  const vm = rt.createVm(insns, { helpers: { 5: () => 0n } });
  const bytes = mem ? Uint8Array.from(mem) : new Uint8Array(0);
  const r = rt.run(vm, { args: [mem ? MEM_BASE : 0n, BigInt(bytes.length)], regions: mem ? [{ name: 'mem', base: MEM_BASE, bytes }] : [] });
  return r.retval;
}

test('bpf_conformance on the kernel: verdicts match the golden list, return values match -- result and the interpreter', { skip }, () => {
  const wantRejects = new Map<string, string>();
  for (const l of fs.readFileSync(GOLDEN, 'utf8').split('\n')) {
    if (!l || l.startsWith('#')) continue;
    const [file, errno, msg] = l.split('\t');
    wantRejects.set(file, `${errno}\t${msg}`);
  }
  let total = 0, ran = 0, agreeResult = 0, agreeInterp = 0;
  const problems: string[] = [];
  for (const f of fs.readdirSync(DIR).filter((x) => x.endsWith('.data')).sort()) {
    const d = isa.parseConformanceData(fs.readFileSync(path.join(DIR, f), 'utf8'), f);
    const insns = d.raw ? isa.decodeRaw(isa.rawWordsToBytes(d.raw)) : isa.assembleUbpf(d.asm ?? '', f);
    total++;
    const v = kernelRun({ name: f.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15), insns, progType: 'socket_filter' }, { mem: d.mem }, { run: true, logLevel: 1, wideRetval: true });
    if (v.verdict === 'reject') {
      const last = v.log.trim().split('\n').filter((l) => !/^processed /.test(l)).pop();
      const got = `${v.errno}\t${last}`;
      if (wantRejects.get(f) !== got) problems.push(`${f}: rejected (${got}), golden says ${wantRejects.get(f) ?? 'accept'}`);
      continue;
    }
    if (wantRejects.has(f)) problems.push(`${f}: accepted, golden says rejected`);
    if (v.retval === null) { problems.push(`${f}: test run failed: ${v.runError}`); continue; }
    ran++;
    if (v.retval32 !== (v.retval & 0xffffffffn)) problems.push(`${f}: test-run retval 0x${v.retval32?.toString(16)} is not the low half of r0 0x${v.retval.toString(16)}`);
    if (d.result !== undefined) {
      if (v.retval === d.result) agreeResult++;
      else problems.push(`${f}: kernel returned 0x${v.retval.toString(16)}, -- result is 0x${d.result.toString(16)}`);
    }
    let mine: bigint;
    try { mine = interp(insns, d.mem); } catch (e) { problems.push(`${f}: interpreter: ${(e as Error).message}`); continue; }
    if (mine === v.retval) agreeInterp++;
    else problems.push(`${f}: kernel 0x${v.retval.toString(16)}, interpreter 0x${mine.toString(16)}`);
  }
  console.log(`conformance on kernel: ${total} programs, ${total - ran} rejected, ${ran} run; ${agreeResult} agree with -- result, ${agreeInterp} agree with the interpreter (64-bit r0)`);
  assert.deepEqual(problems, []);
  assert.equal(total - ran, wantRejects.size);
});
