// Steps that run jitted code natively under a harness that watches the
// registers a BPF program must give back to its caller (test/native/harness).
import { Given, When, Then } from '@cucumber/cucumber';
import assert from 'node:assert/strict';
import { BpfxWorld } from './world';
import { nativeAvailable } from '../src/harness/native-run';
import { loadLibc, PROT_READ, PROT_WRITE } from '../src/native/libc';
import { loadHarness, chain, load, checkIntact, tailCallPair, Harness, REGS } from '../test/native/harness';

interface NativeState { harness: Harness; result?: ReturnType<Harness['call']>; cleanup: (() => void)[] }
const state = new WeakMap<BpfxWorld, NativeState>();

function get(world: BpfxWorld): NativeState {
  const s = state.get(world);
  if (!s) throw new Error('no native harness was set up');
  return s;
}

Given('a native harness with sentinels in r12, rbx, rbp, r13, r14 and r15', function (this: BpfxWorld) {
  const avail = nativeAvailable();
  if (!avail.ok) { this.log(`skipped: native execution is not available: ${avail.reason}`); return 'skipped'; }
  const harness = loadHarness();
  state.set(this, { harness, cleanup: [() => harness.free()] });
  return undefined;
});

function run(world: BpfxWorld, entry: bigint, throws: boolean): void {
  const s = get(world);
  s.result = s.harness.call(entry, throws ? 1n : 0n);
}

When('the jitted program throws {int} from call depth {int}', function (this: BpfxWorld, cookie: number, depth: number) {
  const img = load(chain(depth, cookie));
  get(this).cleanup.push(() => img.free());
  run(this, img.entry, true);
});

When('the jitted program returns from call depth {int}', function (this: BpfxWorld, depth: number) {
  const img = load(chain(depth, 1));
  get(this).cleanup.push(() => img.free());
  run(this, img.entry, false);
});

When('the jitted program tail-calls one that throws {int} from call depth {int}', function (this: BpfxWorld, cookie: number, depth: number) {
  const L = loadLibc();
  const mem = L.mmap(4096, PROT_READ | PROT_WRITE);
  const { caller, target } = tailCallPair(mem, depth, cookie);
  get(this).cleanup.push(() => { caller.free(); target.free(); L.munmap(mem, 4096); });
  run(this, caller.entry, true);
});

Then('every sentinel is intact', function (this: BpfxWorld) {
  const s = get(this);
  assert.ok(s.result, 'nothing ran');
  try {
    checkIntact('after the call', s.result);
  } finally {
    for (const c of s.cleanup.splice(0)) c();
  }
});

Then('the native result is {int}', function (this: BpfxWorld, want: number) {
  const r = get(this).result;
  assert.ok(r, 'nothing ran');
  assert.equal(r.ret, BigInt(want), `r0 = ${r.ret}; registers: ${REGS.map((x) => `${x}=0x${r.regs[x].toString(16)}`).join(' ')}`);
});
