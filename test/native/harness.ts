// The r12 harness: native code, hand-assembled with the JIT's encoder, that
// puts sentinels in r12, rbx, rbp, r13, r14 and r15, calls a jitted program
// and records what the registers (and rsp) hold when it returns; and chains
// of jitted functions that throw from a given call depth. Used by
// test/native/r12.test.ts and the Gherkin steps in step-definitions/.
import assert from 'node:assert/strict';
import { insn, Insn } from '../../src/isa/insn';
import { jitProgram, JitInput, JitFunc } from '../../src/jit';
import * as X from '../../src/jit/x86/encode';
import { loadImage, NATIVE_IMAGE_BASE, NativeImage } from '../../src/native/image';
import { loadLibc, PROT_READ, PROT_WRITE, PROT_EXEC } from '../../src/native/libc';

export const THROW = 4242; // the kfunc id standing for bpf_throw here
const OPTS = { bmi2: true, retpoline: false, returnThunk: false, imageBase: NATIVE_IMAGE_BASE };
/** Our own prog_array / bpf_prog layout for native tail calls. */
export const LAYOUT = { maxEntries: 0, ptrs: 8, bpfFunc: 0 };
export const SENTINELS: Record<string, bigint> = {
  rbx: 0x1111_2222_3333_4444n, r12: 0x1212_1212_abcd_0012n, r13: 0x1313_1313_abcd_0013n,
  r14: 0x1414_1414_abcd_0014n, r15: 0x1515_1515_abcd_0015n, rbp: 0x0bb0_0bb0_0bb0_0bb0n,
};
export const REGS = ['rbx', 'r12', 'r13', 'r14', 'r15', 'rbp'];

/**
 * u64 harness(u64 fn, u64 r1, u64 *out): sentinels in rbx, r12-r15 and rbp,
 * call fn(r1, 0), then out[0..5] = rbx, r12, r13, r14, r15, rbp as the call
 * left them, out[6] = rsp before the call, out[7] = rsp after it.
 */
function harnessCode(): Uint8Array {
  const b = X.newBuf();
  const { RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R12, R13, R14, R15 } = X;
  X.push(b, RBP); X.movRR(b, RBP, RSP, 8);
  for (const r of [RBX, R12, R13, R14, R15]) X.push(b, r); // the C callee-saved registers: rbp-8 .. rbp-40
  X.push(b, RDX);                                          // out: rbp-48
  X.aluRI(b, 'sub', RSP, 8, 8);                            // rsp before the call: rbp-56
  X.movRR(b, RAX, RDI, 8);
  X.movRR(b, RDI, RSI, 8);
  X.aluRR(b, 'xor', RSI, RSI, 4);
  X.movabs(b, RBX, SENTINELS.rbx); X.movabs(b, R12, SENTINELS.r12); X.movabs(b, R13, SENTINELS.r13);
  X.movabs(b, R14, SENTINELS.r14); X.movabs(b, R15, SENTINELS.r15);
  X.push(b, RBP);                                          // our frame pointer, at rbp-64
  X.store(b, X.mem(RBP, -56), RSP, 8);                     // rsp as the program gets it (before the call)
  X.movabs(b, RBP, SENTINELS.rbp);
  X.callReg(b, RAX);
  X.movRR(b, RCX, RBP, 8);                                 // rbp as the program left it
  X.movRR(b, RDX, RSP, 8);                                 // rsp after the call
  X.pop(b, RBP);
  X.push(b, RDX);                                          // keep rsp-after while rdx becomes `out`
  X.load(b, RDX, X.mem(RBP, -48), 8);
  [RBX, R12, R13, R14, R15, RCX].forEach((r, k) => X.store(b, X.mem(RDX, k * 8), r, 8));
  X.load(b, RCX, X.mem(RBP, -56), 8); X.store(b, X.mem(RDX, 48), RCX, 8);
  X.pop(b, RCX); X.store(b, X.mem(RDX, 56), RCX, 8);
  X.lea(b, RSP, X.mem(RBP, -40));
  for (const r of [R15, R14, R13, R12, RBX]) X.pop(b, r);
  X.pop(b, RBP);
  X.ret(b);
  return X.bufBytes(b);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
export interface Harness { call(fn: bigint, r1: bigint): { ret: bigint; regs: Record<string, bigint>; rspBefore: bigint; rspAfter: bigint }; free(): void }

let harnessProto: any;

export function loadHarness(): Harness {
  const L = loadLibc();
  harnessProto ??= L.koffi.proto('uint64_t bpfx_r12_harness(uint64_t fn, uint64_t r1, uint64_t out)');
  const code = harnessCode();
  const page = L.mmap(4096 * 2, PROT_READ | PROT_WRITE);
  L.view(page, code.length).set(code);
  L.mprotect(page, 4096, PROT_READ | PROT_EXEC);
  const out = page + 4096n; // the second page stays writable: the output slots
  const fn = L.koffi.decode(L.ptr(page), harnessProto);
  return {
    call(target, r1) {
      const ret = BigInt(fn(target, r1, out));
      const v = new DataView(L.view(out, 64).slice().buffer);
      const regs: Record<string, bigint> = {};
      REGS.forEach((r, k) => { regs[r] = v.getBigUint64(k * 8, true); });
      return { ret, regs, rspBefore: v.getBigUint64(48, true), rspAfter: v.getBigUint64(56, true) };
    },
    free: () => L.munmap(page, 4096 * 2),
  };
}

export const mov = (d: number, imm: number): Insn => insn(0xb7, d, 0, 0, imm);
export const exit = (): Insn => insn(0x95);
export const func = (start: number, len: number, exceptionCb = false, tailCallReachable = false): JitFunc => ({ start, len, stackDepth: 16, tailCallReachable, exceptionCb });

/**
 * Functions f0 (main) .. fd: each fills r6-r9 and its stack, calls the next
 * and returns its r0 + 1; fd throws `cookie` when r1 (kept in r6... passed
 * down) is nonzero, else returns 1000. The default callback returns the cookie.
 */
export function chain(depth: number, cookie: number, prefix: Insn[] = []): JitInput {
  const insns: Insn[] = [...prefix];
  const funcs: JitFunc[] = [];
  const callSites: { at: number; callee: number }[] = [];
  for (let i = 0; i <= depth; i++) {
    const start = insns.length;
    insns.push(insn(0xbf, 6, 1, 0, 0));                          // r6 = r1 (the throw switch)
    insns.push(mov(7, 0x70 + i), mov(8, 0x80 + i), mov(9, 0x90 + i));
    insns.push(insn(0x7b, 10, 7, -8, 0), insn(0x7b, 10, 8, -16, 0));
    if (i < depth) {
      insns.push(insn(0xbf, 1, 6, 0, 0));
      callSites.push({ at: insns.length, callee: i + 1 });
      insns.push(insn(0x85, 0, 1, 0, 0));                        // call f(i+1)
      insns.push(insn(0x07, 0, 0, 0, 1), exit());                // r0 += 1
    } else {
      insns.push(insn(0x15, 6, 0, 3, 0));                        // if r6 == 0 goto +3
      insns.push(mov(1, cookie), insn(0x85, 0, 2, 0, THROW), exit());
      insns.push(mov(0, 1000), exit());
    }
    funcs.push(func(i === 0 ? 0 : start, insns.length - (i === 0 ? 0 : start)));
  }
  const cb = insns.length;
  insns.push(insn(0xbf, 0, 1, 0, 0), exit());
  funcs.push(func(cb, 2, true));
  for (const c of callSites) insns[c.at] = { ...insns[c.at], imm: funcs[c.callee].start - (c.at + 1) };
  return { insns, funcs, exceptionBoundary: true };
}

export function load(input: JitInput): NativeImage {
  return loadImage(jitProgram(input, OPTS, LAYOUT), input, { kfuncs: new Map([[THROW, 'bpf_throw']]) });
}

export function checkIntact(label: string, r: ReturnType<Harness['call']>): void {
  for (const reg of REGS) assert.equal(r.regs[reg], SENTINELS[reg], `${label}: ${reg} = 0x${r.regs[reg].toString(16)}`);
  assert.equal(r.rspAfter, r.rspBefore, `${label}: rsp moved`);
}

/**
 * A program that tail-calls (through a native prog_array at `mem`) a chain
 * that throws `cookie` from `depth` (r1 != 0) or returns 1000 + depth; the
 * caller is an exception boundary itself. Returns both images.
 */
export function tailCallPair(mem: bigint, depth: number, cookie: number): { caller: NativeImage; target: NativeImage } {
  const L = loadLibc();
  const target = load(chain(depth, cookie));
  const v = L.view(mem, 128);
  const dv = new DataView(v.buffer, v.byteOffset, 128);
  dv.setUint32(0, 1, true);               // max_entries
  dv.setBigUint64(8, mem + 64n, true);    // ptrs[0]: the "bpf_prog"
  dv.setBigUint64(64, target.entry, true); // its bpf_func
  const [lo, hi] = [Number(BigInt.asIntN(32, mem & 0xffffffffn)), Number(BigInt.asIntN(32, mem >> 32n))];
  const insns: Insn[] = [
    mov(6, 0x66), mov(9, 0x99), insn(0x7b, 10, 6, -8, 0),
    insn(0x18, 2, 0, 0, lo), insn(0, 0, 0, 0, hi), mov(3, 0), insn(0xf5, 0, 0, 0, 0), // tail call slot 0
    mov(1, 99), insn(0x85, 0, 2, 0, THROW), exit(),                                     // an empty slot: throw 99
    insn(0xbf, 0, 1, 0, 0), exit(),
  ];
  const input: JitInput = { insns, funcs: [{ ...func(0, 10), tailCallReachable: true }, func(10, 2, true)], exceptionBoundary: true };
  return { caller: load(input), target };
}
