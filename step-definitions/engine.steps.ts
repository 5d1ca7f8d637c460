// Steps that run the program on engines and assert what a user cares about:
// verdicts, errnos, messages (test_loader's __msg/__not_msg/__regex, by the one
// matcher), the rewritten program (__xlated), return values, runtime errors,
// `not modelled yet`, and agreement with Linux. A failing step says, once, what
// it expected and what came back.
import { When, Then } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import { BpfxWorld } from './world';
import { getEngine } from '../src/harness/engines';
import { hex64, EngineName, EngineResult } from '../src/harness/engine';
import { expectedRetval, specProgFlags, SpecMessage } from '../src/spec';
import { traceVerifierRun } from '../src/harness/rule-trace';
import { checkLoad, logAtLevel } from '../src/harness/expect';

/** One failure line: what the step expected, what came back. */
function expected(what: string, want: string, got: string, more = ''): never {
  assert.fail(`${what}: expected ${want}, got ${got}${more ? `\n${more}` : ''}`);
}

const show = (v: string | null | undefined): string => (v === null || v === undefined ? 'none' : `'${v}'`);

async function runOn(world: BpfxWorld, name: string, unprivileged = false): Promise<'skipped' | undefined> {
  if (world.buildError) expected('building the program', 'success', `an error: ${world.buildError.message}`);
  assert.ok(world.program, 'no program was given (a `Given the program:` step, an object or a spec)');
  const engine = getEngine(name, world.host);
  const avail = engine.available();
  if (!avail.ok) {
    world.log(`skipped: the ${name} engine is not available: ${avail.reason}`);
    return 'skipped';
  }
  if (unprivileged && name !== 'verifier') {
    world.log(`skipped: the ${name} engine cannot load unprivileged (only the verifier model drops capabilities)`);
    return 'skipped';
  }
  const load = { logLevel: Math.max(1, world.logLevel), progFlags: specProgFlags(world.flags), unprivileged, xlated: true };
  const result = await engine.run(world.program, { ...world.input, load });
  traceVerifierRun(world.source, name as EngineName, result);
  world.results.set(name as EngineName, result);
  world.lastEngine = name as EngineName;
  return undefined;
}

When('it runs on the {string} engine', async function (this: BpfxWorld, name: string) {
  return runOn(this, name);
});

When('it is loaded by the {string} engine', async function (this: BpfxWorld, name: string) {
  return runOn(this, name);
});

/** The _unpriv annotations: a load without CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN (the verifier model). */
When('it is loaded unprivileged by the {string} engine', async function (this: BpfxWorld, name: string) {
  return runOn(this, name, true);
});

Then('the return value is {string}', function (this: BpfxWorld, want: string) {
  const r = this.last();
  const w = hex64(expectedRetval(want));
  if (r.error !== null) expected('the return value', w, `a runtime error: ${r.error}`);
  if (r.retval === null) expected('the return value', w, `no run (${r.verdict === 'reject' ? `rejected: ${r.errorLine}` : 'the program did not run'})`);
  if (hex64(r.retval) !== w) expected('the return value', w, hex64(r.retval));
});

Then('the verdict is {string}', function (this: BpfxWorld, want: string) {
  const r = this.last();
  if (r.verdict !== want) expected('the verdict', want, `${r.verdict}${r.errorLine ? ` (${r.errorLine})` : ''}`, `log:\n${r.log ?? ''}`);
});

// `Then the errno is "E..."` is in selftests.steps.ts.

Then('the error line is {string}', function (this: BpfxWorld, want: string) {
  const r = this.last();
  if (r.errorLine !== want) expected('the error line', show(want), show(r.errorLine));
});

Then('the error line starts with {string}', function (this: BpfxWorld, want: string) {
  const line = this.last().errorLine;
  if (!line?.startsWith(want)) expected('the error line', `to start with '${want}'`, show(line));
});

Then('the log has the line {string}', function (this: BpfxWorld, want: string) {
  const log = logAtLevel(this.last(), this.logLevel);
  if (!log.split('\n').some((l) => l.trim() === want.trim())) expected('the log', `the line '${want}'`, 'no such line', `log:\n${log}`);
});

/** Runs test_loader's checks of the last load against messages or xlated lines; fails with the first unmet one. */
function checkMessages(world: BpfxWorld, messages?: SpecMessage[], xlated?: string[]): void {
  const r: EngineResult = world.last();
  const c = checkLoad({ messages, xlated }, r, world.logLevel);
  if (c.problems.length) assert.fail(`${c.problems[0]}\nlog:\n${logAtLevel(r, world.logLevel)}`);
  if (c.unchecked.length) world.log(`unchecked: ${c.unchecked.join('; ')}`);
}

/** __msg: a substring of the log, `{{...}}` parts regular expressions. */
Then('the log has the message {string}', function (this: BpfxWorld, text: string) {
  checkMessages(this, [text]);
});

/** __not_msg on its own: the text occurs nowhere in the log. */
Then('the log does not have the message {string}', function (this: BpfxWorld, text: string) {
  checkMessages(this, [{ not_msg: text }]);
});

/** Ordered messages: rows `| msg | TEXT |`, `| not_msg | TEXT |`, `| regex | ERE |`, matched as test_loader matches them. */
Then('the log has, in order:', function (this: BpfxWorld, table: { raw(): string[][] }) {
  const msgs: SpecMessage[] = table.raw().map(([kind, text]) => {
    if (kind === 'msg') return text;
    if (kind === 'not_msg') return { not_msg: text };
    if (kind === 'regex') return { regex: text };
    throw new Error(`a row is | msg | TEXT |, | not_msg | TEXT | or | regex | ERE |, not '${kind}'`);
  });
  checkMessages(this, msgs);
});

/** __xlated: lines of the rewritten program, each on the line after the previous unless `...` comes between. */
Then('the xlated program has:', function (this: BpfxWorld, text: string) {
  checkMessages(this, undefined, text.split('\n').map((l) => l.trim()).filter(Boolean));
});

Then('the run fails with an error containing {string}', function (this: BpfxWorld, want: string) {
  const r = this.last();
  if (r.retval !== null) expected('a runtime error', `containing '${want}'`, `a return value ${hex64(r.retval)}`);
  if (!r.error?.includes(want)) expected('a runtime error', `containing '${want}'`, show(r.error));
});

/** The model could not decide: it answered `not modelled yet: ...` (never counted as agreement). */
Then('it is not modelled yet', function (this: BpfxWorld) {
  const r = this.last();
  if (!r.notModelled) expected('a `not modelled yet` answer', 'one', `${r.verdict}${r.errorLine ? ` (${r.errorLine})` : ''}`);
});

Then('it is not modelled yet because {string}', function (this: BpfxWorld, why: string) {
  const r = this.last();
  if (!r.notModelled || !r.errorLine?.includes(why)) expected('a `not modelled yet` answer', `naming '${why}'`, `${r.verdict}${r.errorLine ? ` (${r.errorLine})` : ''}`);
});

Then('building the program fails with {string}', function (this: BpfxWorld, want: string) {
  if (!this.buildError) expected('building the program', `to fail with '${want}'`, 'a program');
  if (!this.buildError.message.includes(want)) expected('building the program', `to fail with '${want}'`, show(this.buildError.message));
});

Then('the kernel agrees', async function (this: BpfxWorld) {
  const mine = this.last();
  const mineName = this.lastEngine!;
  const k = getEngine('kernel', this.host);
  const avail = k.available();
  if (!avail.ok) { this.log(`skipped: ${avail.reason}`); return 'skipped'; }
  const load = { logLevel: Math.max(1, this.logLevel), progFlags: specProgFlags(this.flags) };
  const kr = await k.run(this.program!, { ...this.input, load });
  this.results.set('kernel', kr);
  if (mine.notModelled) expected(`${mineName} to decide`, `the kernel's ${kr.verdict}`, `not modelled yet (${mine.errorLine})`);
  if (mine.verdict !== null) {
    if (mine.verdict !== kr.verdict) expected(`the kernel's verdict`, `${mineName}'s ${mine.verdict}`, `${kr.verdict}${kr.errorLine ? ` (${kr.errorLine})` : ''}`);
    if (kr.verdict === 'reject' && mine.errorLine !== kr.errorLine) expected(`the kernel's error line`, `${mineName}'s ${show(mine.errorLine)}`, show(kr.errorLine));
  }
  const value = (r: EngineResult): string => (r.retval === null ? `error ${show(r.error)}` : hex64(r.retval));
  if (mine.verdict === null) {
    // A runtime ran the program: Linux must accept it and return the same value.
    if (kr.verdict !== 'accept') expected(`the kernel`, `to accept what ${mineName} ran`, `reject (${kr.errorLine})`);
    if (value(mine) !== value(kr)) expected(`the kernel's return value`, `${mineName}'s ${value(mine)}`, value(kr));
  } else if (mine.retval !== null && kr.retval !== null && mine.retval !== kr.retval) {
    expected(`the kernel's return value`, `${mineName}'s ${hex64(mine.retval)}`, hex64(kr.retval));
  }
  return undefined;
});
