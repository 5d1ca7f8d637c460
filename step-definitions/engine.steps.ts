// Steps that run the program on engines and assert what a user cares about:
// verdicts, messages, return values, runtime errors, and agreement with Linux.
import { When, Then } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import { BpfxWorld } from './world';
import { getEngine } from '../src/harness/engines';
import { hex64, EngineName } from '../src/harness/engine';
import { expectedRetval } from '../src/spec';
import { traceVerifierRun } from '../src/harness/rule-trace';

async function runOn(world: BpfxWorld, name: string): Promise<'skipped' | undefined> {
  if (world.buildError) throw world.buildError;
  assert.ok(world.program, 'no program was given');
  const engine = getEngine(name, world.host);
  const avail = engine.available();
  if (!avail.ok) {
    world.log(`skipped: the ${name} engine is not available: ${avail.reason}`);
    return 'skipped';
  }
  const result = await engine.run(world.program, world.input);
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

Then('the return value is {string}', function (this: BpfxWorld, want: string) {
  const r = this.last();
  assert.equal(r.error, null, `the run failed: ${r.error}`);
  assert.ok(r.retval !== null, `the program did not run: ${r.errorLine}`);
  assert.equal(hex64(r.retval), hex64(expectedRetval(want)));
});

Then('the verdict is {string}', function (this: BpfxWorld, want: string) {
  const r = this.last();
  assert.equal(r.verdict, want, `log:\n${r.log}`);
});

Then('the error line is {string}', function (this: BpfxWorld, want: string) {
  assert.equal(this.last().errorLine, want);
});

Then('the error line starts with {string}', function (this: BpfxWorld, want: string) {
  const line = this.last().errorLine ?? '';
  assert.ok(line.startsWith(want), `error line: ${line}`);
});

Then('the log has the line {string}', function (this: BpfxWorld, want: string) {
  const lines = (this.last().log ?? '').split('\n').map((l) => l.trim());
  assert.ok(lines.includes(want.trim()), `no line '${want}' in log:\n${this.last().log}`);
});

Then('the run fails with an error containing {string}', function (this: BpfxWorld, want: string) {
  const r = this.last();
  assert.equal(r.retval, null, `expected a runtime error, got retval ${r.retval === null ? null : hex64(r.retval)}`);
  assert.ok(r.error?.includes(want), `error was: ${r.error}`);
});

Then('building the program fails with {string}', function (this: BpfxWorld, want: string) {
  assert.ok(this.buildError, 'the program built without error');
  assert.ok(this.buildError.message.includes(want), `error was: ${this.buildError.message}`);
});

Then('the kernel agrees', async function (this: BpfxWorld) {
  const mine = this.last();
  const mineName = this.lastEngine!;
  const k = getEngine('kernel', this.host);
  const avail = k.available();
  if (!avail.ok) { this.log(`skipped: ${avail.reason}`); return 'skipped'; }
  const kr = await k.run(this.program!, this.input);
  this.results.set('kernel', kr);
  if (mine.verdict !== null) {
    assert.equal(mine.verdict, kr.verdict, `verdict: ${mineName} says ${mine.verdict}, kernel says ${kr.verdict}\nkernel log:\n${kr.log}`);
    if (kr.verdict === 'reject') assert.equal(mine.errorLine, kr.errorLine, 'first error line');
  }
  if (mine.verdict === null) {
    // A runtime ran the program: Linux must accept it and return the same value.
    assert.equal(kr.verdict, 'accept', `the kernel rejects what ${mineName} ran: ${kr.errorLine}`);
    assert.equal(mine.retval === null ? mine.error : hex64(mine.retval), kr.retval === null ? kr.error : hex64(kr.retval), 'return value');
  } else if (mine.retval !== null && kr.retval !== null) {
    assert.equal(hex64(mine.retval), hex64(kr.retval), 'return value');
  }
  return undefined;
});
