// Every spec (specs/**/*.yaml) on the live kernel: programs from asm / ubpf /
// hex go through kernelRun (with the spec's mem / packet / ctx), object
// programs through runObjectFile; the result is held to the spec's
// expectations by the harness's checkResult. BPF_PROG_TEST_RUN reports 32-bit
// return values: programs without packet/ctx input are also run inside the
// wide-retval wrapper to compare all 64 bits; the others on their low 32 bits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { kernelAvailable } from '../../src/kernel';
import { kernelRun, KernelVerdict } from '../../src/kernel/run';
import { runObjectFile } from '../../src/kernel/object';
import { findSpecFiles, programFromSpec, readSpecFile } from '../../src/harness/program';
import { kernelResult } from '../../src/harness/engine';
import { defaultHostFacts } from '../../src/kernel/host';
import { checkResult, specAppliesTo } from '../../src/harness/expect';
import { expectedRetval, hexBytes, Spec } from '../../src/spec';

const ROOT = path.join(__dirname, '../../..');
const SPECS = path.join(ROOT, 'specs');
const avail = kernelAvailable();
const skip = !avail.ok ? `kernel unavailable: ${avail.reason}` : false;
const files = !skip && fs.existsSync(SPECS) ? findSpecFiles([SPECS]) : [];
if (skip || files.length === 0) test('specs on the kernel', { skip: skip || 'no specs/*.yaml yet' }, () => undefined);

function runSpec(spec: Spec): KernelVerdict & { wide?: boolean } {
  const input = {
    mem: spec.input.mem !== undefined ? hexBytes(spec.input.mem, 'input.mem') : undefined,
    packet: spec.input.packet !== undefined ? hexBytes(spec.input.packet, 'input.packet') : undefined,
    ctx: spec.input.ctx !== undefined ? hexBytes(spec.input.ctx, 'input.ctx') : undefined,
  };
  const opts = { logLevel: 1, run: true };
  if (spec.program.object !== undefined) {
    const file = path.resolve(path.dirname(spec.source), spec.program.object);
    const res = runObjectFile(file, { ...opts, input, only: spec.program.prog ? [spec.program.prog] : undefined });
    const v = res.verdicts.find((x) => x.prog === spec.program.prog);
    if (!v) throw new Error(`no program '${spec.program.prog}' in ${file}`);
    return v;
  }
  const p = programFromSpec(spec, defaultHostFacts());
  const prog = { name: p.name, insns: p.insns, progType: p.progType, license: p.license };
  const v = kernelRun(prog, input, opts);
  // 64-bit return values: run again inside the wide-retval wrapper (same verdict expected).
  if (v.verdict === 'accept' && spec.expect.retval !== undefined && !input.packet && !input.ctx) {
    const w = kernelRun(prog, input, { ...opts, wideRetval: true });
    if (w.verdict === 'accept' && w.retval !== null && w.retvalBits === 64) return { ...v, retval: w.retval, wide: true };
  }
  return v;
}

for (const file of files) {
  const spec = readSpecFile(file);
  const applies = specAppliesTo(spec, 'kernel');
  test(`spec ${path.relative(ROOT, file)} on the kernel`, { skip: applies ? false : 'nothing for the kernel to check' }, () => {
    const v = runSpec(spec);
    const wide = v.wide === true;
    const masked: Spec = spec.expect.retval === undefined || wide ? spec
      : { ...spec, expect: { ...spec.expect, retval: '0x' + (expectedRetval(spec.expect.retval) & 0xffffffffn).toString(16) } };
    const problems = checkResult(masked, 'kernel', kernelResult(v));
    if (problems.length && spec.known_differences?.kernel) return; // documented divergence
    assert.deepEqual(problems, []);
  });
}
