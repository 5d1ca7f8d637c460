// Native code around a jitted program for running it in this process (not
// in the kernel): bpf_throw's stack walk, trampolines to helpers written in
// another language, and a loop that runs the program N times. PURE: bytes
// out, given the addresses they refer to.
import * as X from './x86/encode';

/** Where this program's code lives: all its functions, and its main program. */
export interface TextRanges { textStart: bigint; textEnd: bigint; mainStart: bigint; mainEnd: bigint }

/** What bpf_throw leaves in the callee-saved registers (a C function may use them); the exception callback restores them. */
export const THROW_CLOBBER = 0x5a5a_5a5a_5a5a_5a5an;

/**
 * bpf_throw(cookie) for one program, as kernel/bpf/helpers.c does it with the
 * kernel's stack walker: start at the return address into the code that
 * called bpf_throw and follow the frame-pointer chain while the return
 * addresses lie inside this program's text; a frame inside a subprogram
 * means go on to its caller, the first frame inside the main program is the
 * one to unwind to. Then call the exception callback with (cookie, sp, bp)
 * of that frame; the callback restores the callee-saved registers and r12
 * the main program saved and returns to the main program's caller. A return
 * address outside the text (impossible for a verified program) ends in ud2.
 */
export function throwStub(buf: X.Buf, t: TextRanges, callback: bigint): void {
  const { RAX, RSI, RDX, RSP, R8, R9, R10, R11, RBX, R12, R13, R14, R15, RBP } = X;
  X.load(buf, RAX, X.mem(RSP, 0), 8);            // ip: where bpf_throw returns to
  X.lea(buf, RSI, X.mem(RSP, 8));                // sp of the frame executing ip
  X.movRR(buf, RDX, RBP, 8);                     // bp of that frame
  X.movabs(buf, R8, t.mainStart);
  X.movabs(buf, R9, t.mainEnd);
  X.movabs(buf, R10, t.textStart);
  X.movabs(buf, R11, t.textEnd);
  const walk = buf.n;
  const fails: number[] = [];
  const jFail = (cc: X.Cond): void => { X.jccRel8(buf, cc, 0); fails.push(buf.n - 1); };
  X.aluRR(buf, 'cmp', RAX, R10, 8); jFail('b');
  X.aluRR(buf, 'cmp', RAX, R11, 8); jFail('ae');
  X.aluRR(buf, 'cmp', RAX, R8, 8);
  X.jccRel8(buf, 'b', 0); const up = buf.n - 1;
  X.aluRR(buf, 'cmp', RAX, R9, 8);
  X.jccRel8(buf, 'b', 0); const found = buf.n - 1;
  buf.b[up] = buf.n - (up + 1);
  // A subprogram's frame: its caller's sp after the call, return address and frame pointer
  X.lea(buf, RSI, X.mem(RDX, 16));
  X.load(buf, RAX, X.mem(RDX, 8), 8);
  X.load(buf, RDX, X.mem(RDX, 0), 8);
  X.jmpRel8(buf, walk - (buf.n + 2));
  buf.b[found] = buf.n - (found + 1);
  for (const r of [RBX, R12, R13, R14, R15]) X.movabs(buf, r, THROW_CLOBBER);
  X.movabs(buf, RAX, callback);
  X.callReg(buf, RAX); // (cookie, sp, bp); never returns here
  for (const f of fails) buf.b[f] = buf.n - (f + 1);
  X.ud2(buf);
}

/**
 * A call to a C function with the BPF helper convention (r1-r5 are rdi, rsi,
 * rdx, rcx, r8; r0 is rax; rbx, r13-r15 survive): BPF code keeps the stack
 * 8-byte aligned only, so align it to 16 for the C ABI.
 */
export function helperStub(buf: X.Buf, target: bigint): void {
  X.push(buf, X.RBP);
  X.movRR(buf, X.RBP, X.RSP, 8);
  X.aluRI(buf, 'and', X.RSP, -16, 8);
  X.movabs(buf, X.RAX, target);
  X.callReg(buf, X.RAX);
  X.leave(buf);
  X.ret(buf);
}

/**
 * The bpf_conformance suite's helper 5 ("unwind"): with a zero argument the
 * program ends with r0 = 0, otherwise it returns its argument. Ending the
 * program is a bpf_throw with cookie 0 (the program is built as an exception
 * boundary whose callback returns the cookie).
 */
/** `origin` is the address of buf's first byte. */
export function unwindStub(buf: X.Buf, throwAddr: bigint, origin: bigint): void {
  X.aluRR(buf, 'test', X.RDI, X.RDI, 8);
  X.jccRel8(buf, 'e', 4);
  X.movRR(buf, X.RAX, X.RDI, 8);
  X.ret(buf);
  const rel = throwAddr - (origin + BigInt(buf.n + 5));
  X.jmpRel32(buf, Number(rel)); // tail-jump: bpf_throw sees the program's return address on top of the stack
}

/**
 * u64 loop(u64 r1, u64 r2, u64 n): run the program at `main` n times (at
 * least once) with r1 and r2, return the last r0. `origin` is the address
 * of buf's first byte. The C-ABI registers the
 * loop needs are saved; the program itself saves the ones it uses.
 */
export function loopStub(buf: X.Buf, main: bigint, origin: bigint): void {
  const { RBP, RSP, RBX, R12, R13, R14, RDI, RSI, RDX } = X;
  X.push(buf, RBP);
  X.movRR(buf, RBP, RSP, 8);
  for (const r of [RBX, R12, R13, R14]) X.push(buf, r);
  X.movRR(buf, RBX, RDI, 8);
  X.movRR(buf, R12, RSI, 8);
  X.movRR(buf, R13, RDX, 8);
  const loop = buf.n;
  X.movRR(buf, RDI, RBX, 8);
  X.movRR(buf, RSI, R12, 8);
  X.callRel32(buf, Number(main - (origin + BigInt(buf.n + 5))));
  X.aluRI(buf, 'sub', R13, 1, 8);
  X.jccRel8(buf, 'g', loop - (buf.n + 2));
  for (const r of [R14, R13, R12, RBX]) X.pop(buf, r);
  X.leave(buf);
  X.ret(buf);
}
