// Calls: helpers, kfuncs, bpf-to-bpf calls (r6-r9 preserved, own stack
// frame, depth limit), callx, helper-driven callbacks, exit from a helper,
// and bpf_throw with and without an exception callback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../src/isa/insn';
import {
  BpfRuntimeError, HelperContext, HelperFn, createVm, run, bpfThrowKfunc, codeAddress, framePointer, MAX_CALL_FRAMES,
} from '../../src/runtime';
import { lddw, mov64, movr, exit, call, callLocal, kfuncCall, callx, ldx, st, stx, alu, jmp, r0, runProg } from './util';

function fault(fn: () => unknown): BpfRuntimeError {
  try { fn(); } catch (e) {
    assert.ok(e instanceof BpfRuntimeError, `expected BpfRuntimeError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a BpfRuntimeError');
}

test('helpers get r1-r5 as unsigned 64-bit values and set r0', () => {
  const seen: bigint[][] = [];
  const helpers = { 7: ((_c: HelperContext, ...a: bigint[]) => { seen.push(a); return a[0] + a[4]; }) as HelperFn };
  const prog = [mov64(1, -1), mov64(2, 2), mov64(3, 3), mov64(4, 4), mov64(5, 5), call(7), exit()];
  assert.equal(r0(prog, { helpers }), 4n); // 2^64-1 + 5 wraps to 4
  assert.deepEqual(seen, [[0xffffffffffffffffn, 2n, 3n, 4n, 5n]]);
});

test('helper context reports the pc of the call and the depth', () => {
  let pc = -1, depth = -1;
  const helpers = new Map<number, HelperFn>([[1, (c) => { pc = c.pc; depth = c.depth; return 0n; }]]);
  r0([mov64(0, 0), callLocal(1), exit(), call(1), exit()], { helpers });
  assert.equal(pc, 3);
  assert.equal(depth, 1);
});

test('unknown helpers and kfuncs are typed errors at the call', () => {
  const e = fault(() => runProg([mov64(0, 0), call(99), exit()]));
  assert.equal(e.kind, 'unknown-helper');
  assert.equal(e.pc, 1);
  assert.match(e.message, /no implementation for helper 99/);
  const k = fault(() => runProg([kfuncCall(12345), exit()]));
  assert.equal(k.kind, 'unknown-kfunc');
  assert.match(k.message, /BTF id 12345/);
});

test('a helper throwing a JS error becomes helper-error', () => {
  const helpers = { 3: (() => { throw new Error('boom'); }) as HelperFn };
  const e = fault(() => runProg([call(3), exit()], { helpers }));
  assert.equal(e.kind, 'helper-error');
  assert.match(e.message, /helper 3 failed: boom/);
});

test('kfuncs are dispatched by BTF id', () => {
  const kfuncs = new Map<number, HelperFn>([[500, (_c, a, b) => a * b]]);
  assert.equal(r0([mov64(1, 6), mov64(2, 7), kfuncCall(500), exit()], { kfuncs }), 42n);
});

test('bpf-to-bpf call: args in r1-r5, result in r0, r6-r9 preserved', () => {
  const prog = [
    mov64(6, 6), mov64(7, 7), mov64(8, 8), mov64(9, 9), mov64(1, 10), mov64(2, 20),
    callLocal(6),
    // r0 = r0 + r6 + r7 + r8 + r9
    alu('add', true, 0, 6), alu('add', true, 0, 7), alu('add', true, 0, 8), alu('add', true, 0, 9), exit(),
    // callee at 13: clobbers r6-r9
    mov64(6, 100), mov64(7, 100), mov64(8, 100), mov64(9, 100), movr(0, 1), alu('add', true, 0, 2), exit(),
  ];
  assert.equal(r0(prog), 30n + 30n);
});

test('each call gets its own 512-byte frame; r10 is restored on return', () => {
  const prog = [
    st('dw', 10, -8, 11), movr(6, 10), callLocal(5),
    ldx('dw', 1, 10, -8), alu('add', true, 0, 1), alu('sub', true, 6, 10), alu('add', true, 0, 6), exit(),
    // callee at 8: its own -8 slot, returns its r10
    st('dw', 10, -8, 22), ldx('dw', 0, 10, -8), jmp('jne', true, 0, { imm: 22 }, 1), movr(0, 10), exit(),
  ];
  // r0 = callee fp + 11 + (caller fp - caller fp)
  assert.equal(r0(prog), framePointer(1) + 11n);
});

test('a callee can read its caller\'s stack through a pointer', () => {
  const prog = [st('dw', 10, -8, 77), movr(1, 10), alu('add', true, 1, { imm: -8 }), callLocal(1), exit(), ldx('dw', 0, 1, 0), exit()];
  assert.equal(r0(prog), 77n);
});

test(`call depth is limited to ${MAX_CALL_FRAMES} frames`, () => {
  // recursion: r1 counts the depth reached
  const prog = [mov64(1, 0), callLocal(1), exit(), alu('add', true, 1, { imm: 1 }), jmp('jeq', true, 1, { imm: 100 }, 1), callLocal(-3), exit()];
  const e = fault(() => runProg(prog));
  assert.equal(e.kind, 'call-depth');
  assert.match(e.message, /call depth exceeds 8 frames/);
  // 7 nested calls (8 frames) are fine
  const ok = [mov64(1, 0), callLocal(1), exit(), alu('add', true, 1, { imm: 1 }), jmp('jeq', true, 1, { imm: 7 }, 1), callLocal(-3), movr(0, 1), exit()];
  assert.equal(r0(ok), 7n);
  assert.equal(r0(ok, { maxFrames: 8 }), 7n);
  assert.equal(fault(() => runProg(ok, { maxFrames: 7 })).kind, 'call-depth');
});

test('callx calls a helper id or a code address from ld_imm64 BPF_PSEUDO_FUNC', () => {
  const helpers = { 5: ((_c: HelperContext, a: bigint) => a + 1n) as HelperFn };
  assert.equal(r0([mov64(1, 41), mov64(2, 5), callx(2), exit()], { helpers }), 42n);
  // r2 = &func (pseudo func, imm = relative insn offset), callx r2
  const prog = [insn(0x18, 2, 4, 0, 4), insn(0, 0, 0, 0, 0), mov64(1, 20), callx(2), exit(), movr(0, 1), alu('mul', true, 0, { imm: 2 }), exit()];
  assert.equal(r0(prog), 40n);
  assert.equal(r0([insn(0x18, 0, 4, 0, 3), insn(0), exit(), exit(), exit()]), codeAddress(4));
  const e = fault(() => runProg([...lddw(2, 0x1234_0000_0000n), callx(2), exit()]));
  assert.equal(e.kind, 'bad-callx');
  assert.equal(e.pc, 2);
});

test('resolveLdImm64 answers pseudo ld_imm64 forms; without it they are errors', () => {
  const prog = [insn(0x18, 0, 1, 0, 7), insn(0), exit()];
  assert.equal(r0(prog, { resolveLdImm64: (pc, first) => (pc === 0 && first.src === 1 ? 0xfeed0000_00000000n + BigInt(first.imm) : undefined) }), 0xfeed000000000007n);
  const e = fault(() => createVm(prog));
  assert.equal(e.kind, 'unresolved-ld-imm64');
  assert.equal(e.pc, 0);
});

test('a helper can end the program (ubpf-style unwind)', () => {
  const helpers = { 5: ((c: HelperContext, a: bigint) => (a === 0n ? c.exit(0n) : a)) as HelperFn };
  assert.equal(r0([mov64(1, 0), call(5), mov64(0, 2), exit()], { helpers }), 0n);
  assert.equal(r0([mov64(1, -1), call(5), mov64(0, 2), exit()], { helpers }), 2n);
});

test('callFunction runs a BPF callback (bpf_loop style) in a new frame', () => {
  // helper 181 ~ bpf_loop(nr, callback_fn, ctx, flags): calls cb(i, ctx) until it returns 1
  const helpers = new Map<number, HelperFn>([[181, (c, nr, fn, ctxp) => {
    const pc = c.codeAddressToPc(fn);
    let i = 0n;
    for (; i < nr; i++) if (c.callFunction(pc, [i, ctxp]) === 1n) { i++; break; }
    return i;
  }]]);
  const prog = [
    st('dw', 10, -8, 0), mov64(6, 1234),
    mov64(1, 10), insn(0x18, 2, 4, 0, 11), insn(0), movr(3, 10), alu('add', true, 3, { imm: -8 }), mov64(4, 0),
    call(181),
    // r0 = loops * 1000 + sum + (r6 preserved ? 0 : 1)
    alu('mul', true, 0, { imm: 1000 }), ldx('dw', 1, 10, -8), alu('add', true, 0, 1), jmp('jeq', true, 6, { imm: 1234 }, 1), alu('add', true, 0, { imm: 1 }), exit(),
    // callback at 15: *(u64 *)ctx += i; r6 = 0; return 0
    ldx('dw', 3, 2, 0), alu('add', true, 3, 1), stx('dw', 2, 3, 0), mov64(6, 0), mov64(0, 0), exit(),
  ];
  assert.equal(r0(prog, { helpers }), 10n * 1000n + 45n);
});

test('bpf_throw without an exception callback unwinds and returns the cookie', () => {
  const kfuncs = { 9001: bpfThrowKfunc };
  // main calls f, f calls g, g throws 0x1234
  const prog = [callLocal(2), mov64(0, 1), exit(), callLocal(2), mov64(0, 2), exit(), mov64(1, 0x1234), kfuncCall(9001), mov64(0, 3), exit()];
  const r = runProg(prog, { kfuncs });
  assert.equal(r.retval, 0x1234n);
  assert.deepEqual(r.exception, { cookie: 0x1234n, pc: 7 });
});

test('bpf_throw with an exception callback returns the callback\'s value', () => {
  const kfuncs = { 9001: bpfThrowKfunc };
  const prog = [
    mov64(6, 5), callLocal(2), mov64(0, 1), exit(),
    mov64(1, 40), kfuncCall(9001), exit(),
    // exception callback at 7: return cookie + 2 (r6 is not the caller's any more: frame 0 restarts)
    movr(0, 1), alu('add', true, 0, { imm: 2 }), exit(),
  ];
  const r = runProg(prog, { kfuncs, exceptionCallbackPc: 7 });
  assert.equal(r.retval, 42n);
  assert.equal(r.exception?.cookie, 40n);
  assert.equal(r.exception?.pc, 5);
});

test('a program that does not throw has no exception in its result', () => {
  const r = runProg([mov64(0, 3), exit(), mov64(0, 9), exit()], { kfuncs: { 1: bpfThrowKfunc }, exceptionCallbackPc: 2 });
  assert.equal(r.retval, 3n);
  assert.equal(r.exception, undefined);
});

test('a nested run of the same VM from a helper has its own stack and registers', () => {
  let inner = -1n;
  let nested: () => bigint = () => 0n;
  const helpers: Record<number, HelperFn> = { 1: () => { inner = nested(); return 0n; } };
  const vm = createVm([ldx('dw', 0, 10, -8), st('dw', 10, -8, 5), jmp('jne', true, 1, { imm: 1 }, 4), mov64(1, 0), call(1), ldx('dw', 0, 10, -8), exit(), alu('add', true, 0, { imm: 100 }), exit()], { helpers });
  nested = () => run(vm, { args: [0n] }).retval;
  // outer: r1 = 1: stores 5, calls the helper (the inner run reads 0 from a fresh stack), reads its 5 back
  const outer = run(vm, { args: [1n] });
  assert.equal(inner, 100n);
  assert.equal(outer.retval, 5n);
  assert.equal(run(vm, { args: [0n] }).retval, 100n);
});

test('a kfunc can name the exception callback at the throw', () => {
  const kfuncs = new Map<number, HelperFn>([[77, (c, cookie) => c.throwException(cookie, 4)]]);
  const prog = [mov64(1, 5), kfuncCall(77), mov64(0, 1), exit(), movr(0, 1), alu('mul', true, 0, { imm: 3 }), exit()];
  const r = runProg(prog, { kfuncs });
  assert.equal(r.retval, 15n);
  assert.equal(r.exception?.cookie, 5n);
  const bad = new Map<number, HelperFn>([[77, (c, cookie) => c.throwException(cookie, 99)]]);
  assert.equal(fault(() => runProg(prog, { kfuncs: bad })).kind, 'bad-callx');
});
