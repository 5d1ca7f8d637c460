// Steps of the kernel selftest mirrors (features/exceptions-selftests-*.feature),
// kept general: a verifier log level, lines of the log, the errno, an attach
// target, and the two honest answers of an engine that is not held to the
// kernel's: it cannot apply (and why), or it differs from the kernel (a known
// difference). Both are recorded for the report (src/harness/scenario-notes)
// and both fail when they stop being true, so neither can hide a change.
import { Given, Then } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import * as path from 'path';
import { BpfxWorld } from './world';
import { getEngine, isEngineName } from '../src/harness/engines';
import { EngineName, EngineResult, hex64 } from '../src/harness/engine';
import { answerLine, noteScenario, ScenarioNoteKind } from '../src/harness/scenario-notes';
import { programFromObject } from '../src/harness/program';
import { parseBtf } from '../src/btf/parse';
import { findByName } from '../src/btf/lookup';
import { probeProgram, ProbeFunc, ProbeParam } from '../src/kernel/probe';
import { kfuncId } from '../src/kernel/host';

const root = path.resolve(__dirname, '..');

Then('the log has a line containing {string}', function (this: BpfxWorld, want: string) {
  const log = this.last().log ?? '';
  assert.ok(log.split('\n').some((l) => l.includes(want)), `no line containing '${want}' in the ${this.lastEngine} log:\n${log}`);
});

Then('the errno is {string}', function (this: BpfxWorld, want: string) {
  const r = this.last();
  assert.equal(r.errno, want, `the ${this.lastEngine} engine answered ${answerLine(r)}`);
});

Then('the log is empty', function (this: BpfxWorld) {
  assert.equal((this.last().log ?? '').trim(), '', `the ${this.lastEngine} log is not empty`);
});

/**
 * The target an extension or tracing program names (bpf_program__set_attach_target):
 * a function of a program in another object. The kernel engine loads that program
 * first and names it by attach_prog_fd with the function's BTF id; the step fails
 * when the function is not in the target object's BTF.
 */
Given('its attach target is {string} of {string} program {string}', function (this: BpfxWorld, func: string, file: string, prog: string) {
  assert.ok(this.program, 'no program was given');
  const target = programFromObject(path.resolve(root, file), prog, this.host);
  const o = target.object!;
  const btf = o.loaded.btfToLoad ? parseBtf(o.loaded.btfToLoad) : o.loaded.btf;
  assert.ok(btf, `${file} has no BTF`);
  const btfId = findByName(btf, func, 'func');
  assert.ok(btfId !== undefined, `${file} has no function '${func}' in its BTF`);
  this.program.attachTarget = { object: o, func, btfId };
  this.log(`attach target: ${func} (BTF id ${btfId}) of ${prog} in ${file}`);
});

const PARAMS: readonly ProbeParam[] = ['u64', 'pskb', 'pvoid'];

/** `main(pskb) global, cb(u64) static`: each function's label, parameter types and linkage. */
function parseFuncs(text: string): ProbeFunc[] {
  return text.split(',').map((one) => {
    const m = /^\s*([A-Za-z_]\w*)\(([^)]*)\)\s+(global|static)\s*$/.exec(one);
    assert.ok(m, `a function is 'label(param, ...) global|static', not '${one.trim()}'`);
    const params = m[2].split(/\s*,\s*/).filter((x) => x !== '');
    for (const q of params) assert.ok((PARAMS as string[]).includes(q), `parameter type '${q}' (one of ${PARAMS.join(', ')})`);
    return { label: m[1], params: params as ProbeParam[], linkage: m[3] as 'global' | 'static' };
  });
}

/**
 * A sched_cls program in assembly with program BTF: one FUNC per function at its
 * label (the first is the main program), with its linkage, and the decl tag on
 * the main program, e.g. `exception_callback:cb`. `call bpf_throw` is the kfunc.
 */
Given('the program with the functions {string} and the decl tag {string}:', function (this: BpfxWorld, funcs: string, tag: string, text: string) {
  const throwId = kfuncId(this.host, 'bpf_throw');
  try {
    const p = probeProgram('prog', text, parseFuncs(funcs), [tag], throwId);
    this.program = { name: p.name, insns: p.insns, progType: p.progType, license: 'GPL', kfuncs: p.kfuncs, btf: { btf: p.btf, funcInfo: p.funcInfo } };
    this.progType = p.progType;
    this.buildError = undefined;
  } catch (e) { this.program = undefined; this.buildError = e as Error; }
});

async function answerOf(world: BpfxWorld, engine: EngineName): Promise<EngineResult | undefined> {
  if (world.buildError) throw world.buildError;
  assert.ok(world.program, 'no program was given');
  const e = getEngine(engine, world.host);
  const avail = e.available();
  if (!avail.ok) { world.log(`the ${engine} engine is not available here: ${avail.reason}`); return undefined; }
  const r = world.results.get(engine) ?? await e.run(world.program, world.input);
  world.results.set(engine, r);
  return r;
}

/** Whether an engine's answer can be held to the kernel's: a decided verdict, or a run that returned. */
function applies(engine: EngineName, r: EngineResult): boolean {
  if (engine === 'verifier') return !r.notModelled;
  if (engine === 'kernel') return r.verdict === 'accept' || (r.log ?? '').trim() !== '';
  return r.retval !== null && r.error === null;
}

function note(world: BpfxWorld, engine: EngineName, kind: ScenarioNoteKind, reason: string, answer: string): void {
  world.log(`${kind} (${engine}): ${reason}\nanswer: ${answer}`);
  noteScenario({ source: world.source, engine, kind, reason, answer });
}

/**
 * An engine that cannot answer for this scenario, and why. The engine is still
 * run: the step fails when it does answer (a decided verdict, a kernel log, a
 * return value), so the reason cannot go stale. A runtime (interp, jit) has
 * nothing to run when the kernel rejects the program; that is checked too.
 */
Then(/^the "([^"]+)" engine cannot apply: (.+)$/, async function (this: BpfxWorld, engine: string, reason: string) {
  assert.ok(isEngineName(engine), `unknown engine '${engine}'`);
  if (engine === 'interp' || engine === 'jit') {
    const k = await answerOf(this, 'kernel');
    if (k && k.verdict === 'reject') { note(this, engine, 'cannot-apply', reason, `the kernel rejects it: ${answerLine(k)}`); return; }
  }
  const r = await answerOf(this, engine);
  if (!r) return 'skipped';
  assert.ok(!applies(engine, r), `the ${engine} engine answers now (${answerLine(r)}): write the expectation instead of "cannot apply: ${reason}"`);
  note(this, engine, 'cannot-apply', reason, answerLine(r));
  return undefined;
});

/**
 * A known difference between an engine and the kernel: the step fails when the
 * two agree (on verdict, first error line and return value), so a fix shows up
 * as a scenario to update, and records the difference for the report.
 */
Then(/^the "([^"]+)" engine differs from the kernel: (.+)$/, async function (this: BpfxWorld, engine: string, reason: string) {
  assert.ok(isEngineName(engine) && engine !== 'kernel', `not an engine to compare with the kernel: '${engine}'`);
  const k = await answerOf(this, 'kernel');
  const r = await answerOf(this, engine);
  if (!k || !r) return 'skipped';
  // a verifier is held to the verdict and first error line, a runtime to the return value (or its absence)
  const same = r.verdict !== null
    ? r.verdict === k.verdict && r.errorLine === k.errorLine
    : (r.retval === null ? k.retval === null : k.retval !== null && hex64(r.retval) === hex64(k.retval));
  assert.ok(!same, `the ${engine} engine agrees with the kernel now (${answerLine(r)}): remove the known difference "${reason}"`);
  note(this, engine, 'known-difference', reason, `${answerLine(r)}; the kernel: ${answerLine(k)}`);
  return undefined;
});
