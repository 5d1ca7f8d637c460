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

/** Where the fault handler finds its data (one read+write area, see FAULT_LAYOUT). */
export interface FaultData {
  /** FAULT_LAYOUT.slots pairs [start, end) of native images (start 0: a free slot). */
  ranges: bigint;
  /** The kernel sigaction (32 bytes) each signal had before, at oldActions + 32 * signal. */
  oldActions: bigint;
  /** A kernel sigaction with SIG_DFL. */
  defaultAction: bigint;
  /** Message per signal: (address, length) pairs at messages + 16 * signal. */
  messages: bigint;
  /** ", fault address " and "; the process ends\n": (address, length) pairs. */
  middle: { addr: bigint; len: number };
  tail: { addr: bigint; len: number };
}

export const FAULT_LAYOUT = { slots: 255, sigactionSize: 32, sigsetSize: 8 } as const;

const SYS_WRITE = 1, SYS_RT_SIGACTION = 13, SYS_RT_SIGRETURN = 15;
/** Offsets in ucontext_t (x86-64): uc_mcontext.gregs[REG_RIP]; in siginfo_t: si_addr. */
const UC_RIP = 168, SI_ADDR = 16;

/** write(2, addr, len) with constants. */
function writeConst(buf: X.Buf, addr: bigint, len: number): void {
  X.movRI32(buf, X.RDI, 2);
  X.movabs(buf, X.RSI, addr);
  X.movRI32(buf, X.RDX, len);
  X.movRI32(buf, X.RAX, SYS_WRITE);
  X.syscall(buf);
}

/** write(2, "0x" + 16 hex digits of rbx) through a buffer on the stack; uses rax, rcx, rdx, rsi, rdi, r8, r11. */
function writeHex(buf: X.Buf): void {
  X.aluRI(buf, 'sub', X.RSP, 32, 8);
  X.storeImm(buf, X.mem(X.RSP, 0), 0x7830, 2); // "0x"
  X.movRR(buf, X.R8, X.RBX, 8);
  X.movRI32(buf, X.RCX, 17);                     // the last digit's place
  const loop = buf.n;
  X.movRR(buf, X.RAX, X.R8, 4);
  X.aluRI(buf, 'and', X.RAX, 15, 4);
  X.aluRI(buf, 'cmp', X.RAX, 10, 4);
  X.jccRel8(buf, 'b', 3);
  X.aluRI(buf, 'add', X.RAX, 0x27, 4);           // 'a' - '0' - 10
  X.aluRI(buf, 'add', X.RAX, 0x30, 4);
  X.store(buf, { base: X.RSP, index: X.RCX, disp: 0, dispSize: 0 }, X.RAX, 1);
  X.shiftRI(buf, 'shr', X.R8, 4, 8);
  X.aluRI(buf, 'sub', X.RCX, 1, 4);
  X.aluRI(buf, 'cmp', X.RCX, 2, 4);
  X.jccRel8(buf, 'ge', loop - (buf.n + 2));
  X.movRI32(buf, X.RDI, 2);
  X.movRR(buf, X.RSI, X.RSP, 8);
  X.movRI32(buf, X.RDX, 18);
  X.movRI32(buf, X.RAX, SYS_WRITE);
  X.syscall(buf);
  X.aluRI(buf, 'add', X.RSP, 32, 8);
}

/**
 * A signal handler (SA_SIGINFO: signal, siginfo, ucontext) for faults in
 * native code: when the faulting instruction lies in one of the registered
 * images, it writes "<message><rip>, fault address <addr>; the process
 * ends" to stderr, puts back the default action and returns, so the
 * instruction faults again and the process ends by the signal as before,
 * but not silently. Any other fault is not ours: the previous action (the
 * runtime's own handler, if any) is put back and the instruction retried.
 * Only system calls: safe in a signal handler. Returns the offset of the
 * restorer (rt_sigreturn) that sigaction needs with SA_RESTORER.
 */
export function faultHandlerStub(buf: X.Buf, d: FaultData): { restorer: number } {
  const { RAX, RBX, RDX, RSI, RDI, R10, R12, R13, R14, R15 } = X;
  X.movRR(buf, R12, RDI, 4);                         // the signal
  X.movRR(buf, R13, RSI, 8);                         // siginfo
  X.load(buf, R14, X.mem(RDX, UC_RIP), 8);           // where it faulted
  X.movabs(buf, R15, d.ranges);
  X.movRI32(buf, RBX, FAULT_LAYOUT.slots);
  const scan = buf.n;
  X.load(buf, RAX, X.mem(R15, 0), 8);
  X.aluRR(buf, 'test', RAX, RAX, 8);
  X.jccRel8(buf, 'e', 0); const skip1 = buf.n - 1;
  X.aluRR(buf, 'cmp', R14, RAX, 8);
  X.jccRel8(buf, 'b', 0); const skip2 = buf.n - 1;
  X.load(buf, RAX, X.mem(R15, 8), 8);
  X.aluRR(buf, 'cmp', R14, RAX, 8);
  X.jccRel32(buf, 'b', 0); const ours = buf.n - 4;
  buf.b[skip1] = buf.n - (skip1 + 1);
  buf.b[skip2] = buf.n - (skip2 + 1);
  X.aluRI(buf, 'add', R15, 16, 8);
  X.aluRI(buf, 'sub', RBX, 1, 4);
  X.jccRel8(buf, 'ne', scan - (buf.n + 2));
  // Not ours: the previous action again
  X.movRR(buf, RDI, R12, 4);
  X.movRR(buf, RSI, R12, 8);
  X.shiftRI(buf, 'shl', RSI, 5, 8);
  X.movabs(buf, RAX, d.oldActions);
  X.aluRR(buf, 'add', RSI, RAX, 8);
  X.aluRR(buf, 'xor', RDX, RDX, 4);
  X.movRI32(buf, R10, FAULT_LAYOUT.sigsetSize);
  X.movRI32(buf, RAX, SYS_RT_SIGACTION);
  X.syscall(buf);
  X.ret(buf);
  const at = buf.n;
  buf.b[ours] = at - (ours + 4); buf.b[ours + 1] = (at - (ours + 4)) >> 8;
  // Ours: the message for this signal, the address, the fault address
  X.movRR(buf, RAX, R12, 8);
  X.shiftRI(buf, 'shl', RAX, 4, 8);
  X.movabs(buf, RSI, d.messages);
  X.aluRR(buf, 'add', RSI, RAX, 8);
  X.load(buf, RDX, X.mem(RSI, 8), 8);
  X.load(buf, RSI, X.mem(RSI, 0), 8);
  X.movRI32(buf, RDI, 2);
  X.movRI32(buf, RAX, SYS_WRITE);
  X.syscall(buf);
  X.movRR(buf, RBX, R14, 8);
  writeHex(buf);
  writeConst(buf, d.middle.addr, d.middle.len);
  X.load(buf, RBX, X.mem(R13, SI_ADDR), 8);
  writeHex(buf);
  writeConst(buf, d.tail.addr, d.tail.len);
  X.movRR(buf, RDI, R12, 4);
  X.movabs(buf, RSI, d.defaultAction);
  X.aluRR(buf, 'xor', RDX, RDX, 4);
  X.movRI32(buf, R10, FAULT_LAYOUT.sigsetSize);
  X.movRI32(buf, RAX, SYS_RT_SIGACTION);
  X.syscall(buf);
  X.ret(buf);
  const restorer = buf.n;
  X.movRI32(buf, RAX, SYS_RT_SIGRETURN);
  X.syscall(buf);
  return { restorer };
}

/**
 * int install(int sig, const struct kernel_sigaction *act): rt_sigaction
 * with the previous action kept at oldActions + 32 * sig; returns 0 or -errno.
 */
export function installSigactionStub(buf: X.Buf, oldActions: bigint): void {
  X.movRR(buf, X.RDX, X.RDI, 8);
  X.shiftRI(buf, 'shl', X.RDX, 5, 8);
  X.movabs(buf, X.RAX, oldActions);
  X.aluRR(buf, 'add', X.RDX, X.RAX, 8);
  X.movRI32(buf, X.R10, FAULT_LAYOUT.sigsetSize);
  X.movRI32(buf, X.RAX, SYS_RT_SIGACTION);
  X.syscall(buf);
  X.ret(buf);
}
