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

const root = path.resolve(__dirname, '..');

Given('the verifier log level {int}', function (this: BpfxWorld, level: number) {
  this.input.logLevel = level;
});

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

function note(world: BpfxWorld, engine: EngineName, kind: ScenarioNoteKind, reason: string, r: EngineResult): void {
  const answer = answerLine(r);
  world.log(`${kind} (${engine}): ${reason}\n${engine} answered: ${answer}`);
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
    if (k && k.verdict === 'reject') { note(this, engine, 'cannot-apply', reason, k); return; }
  }
  const r = await answerOf(this, engine);
  if (!r) return 'skipped';
  assert.ok(!applies(engine, r), `the ${engine} engine answers now (${answerLine(r)}): write the expectation instead of "cannot apply: ${reason}"`);
  note(this, engine, 'cannot-apply', reason, r);
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
  const same = (r.verdict === null || r.verdict === k.verdict) && (r.verdict === null || r.errorLine === k.errorLine)
    && (r.retval === null || k.retval === null ? r.retval === k.retval || r.verdict !== null : hex64(r.retval) === hex64(k.retval));
  assert.ok(!same, `the ${engine} engine agrees with the kernel now (${answerLine(r)}): remove the known difference "${reason}"`);
  note(this, engine, 'known-difference', reason, r);
  return undefined;
});
