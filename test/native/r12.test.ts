// r12 and the callee-saved registers across bpf_throw (seed 004): a native
// harness, hand-assembled here with the JIT's encoder, puts sentinels in r12,
// rbx, rbp, r13, r14 and r15, calls a jitted program, and records them (and
// rsp) when it returns. Programs throw from call depths 0 to 8 (the
// verifier allows 8 frames; depth 8 is a ninth, to stress the unwinder),
// return normally, and tail-call a program that throws or returns. Every
// sentinel must be intact and the result must be the callback's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../src/isa/insn';
import { jitProgram, JitInput } from '../../src/jit';
import { loadImage, NATIVE_IMAGE_BASE, NativeImage } from '../../src/native/image';
import { nativeAvailable } from '../../src/harness/native-run';
import { loadLibc, PROT_READ, PROT_WRITE } from '../../src/native/libc';
import { loadHarness, chain, load, checkIntact, mov, exit, func, tailCallPair } from './harness';

const OPTS = { bmi2: true, retpoline: false, returnThunk: false, imageBase: NATIVE_IMAGE_BASE };

const skipReason = (): string | undefined => { const a = nativeAvailable(); return a.ok ? undefined : a.reason; };

test('bpf_throw from call depths 0 to 8: r12 and every callee-saved register survive, r0 is the cookie', (t) => {
  const why = skipReason();
  if (why) { t.skip(`native execution is not available: ${why}`); return; }
  const h = loadHarness();
  try {
    for (let depth = 0; depth <= 8; depth++) {
      const img = load(chain(depth, 100 + depth));
      try {
        const thrown = h.call(img.entry, 1n);
        assert.equal(thrown.ret, BigInt(100 + depth), `depth ${depth}: r0`);
        checkIntact(`throw at depth ${depth}`, thrown);
        // The same program returning normally: 1000 + one per frame
        const normal = h.call(img.entry, 0n);
        assert.equal(normal.ret, BigInt(1000 + depth), `depth ${depth}: normal r0`);
        checkIntact(`return at depth ${depth}`, normal);
      } finally {
        img.free();
      }
    }
  } finally {
    h.free();
  }
});

test('a program without bpf_throw saves only what it uses and still preserves every register', (t) => {
  const why = skipReason();
  if (why) { t.skip(`native execution is not available: ${why}`); return; }
  const h = loadHarness();
  const insns = [mov(6, 1), mov(9, 2), insn(0xbf, 0, 6, 0, 0), insn(0x0f, 0, 9, 0, 0), exit()];
  const input: JitInput = { insns, funcs: [func(0, insns.length)], exceptionBoundary: false };
  const img = loadImage(jitProgram(input, OPTS), input, {});
  try {
    const r = h.call(img.entry, 0n);
    assert.equal(r.ret, 3n);
    checkIntact('no throw', r);
  } finally {
    img.free(); h.free();
  }
});

test('tail calls: a throwing program\'s frame is replaced by its target\'s, which throws or returns', (t) => {
  const why = skipReason();
  if (why) { t.skip(`native execution is not available: ${why}`); return; }
  const L = loadLibc();
  const h = loadHarness();
  const mem = L.mmap(4096, PROT_READ | PROT_WRITE);
  const targets: NativeImage[] = [];
  try {
    for (const depth of [0, 1, 3]) {
      const { caller, target } = tailCallPair(mem, depth, 7 + depth);
      targets.push(caller, target);
      const thrown = h.call(caller.entry, 1n);
      assert.equal(thrown.ret, BigInt(7 + depth), `tail call, throw at depth ${depth}`);
      checkIntact(`tail call, throw at depth ${depth}`, thrown);
      const normal = h.call(caller.entry, 0n);
      assert.equal(normal.ret, BigInt(1000 + depth), `tail call, return at depth ${depth}`);
      checkIntact(`tail call, return at depth ${depth}`, normal);
      // An empty slot: the tail call falls through and the caller throws 99
      const v = L.view(mem, 16);
      new DataView(v.buffer, v.byteOffset, 16).setBigUint64(8, 0n, true);
      const empty = h.call(caller.entry, 1n);
      assert.equal(empty.ret, 99n);
      checkIntact('empty slot', empty);
    }
  } finally {
    for (const x of targets) x.free();
    L.munmap(mem, 4096);
    h.free();
  }
});
