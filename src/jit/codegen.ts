// Code generation for one BPF function in the layout of Linux's x86-64 JIT
// (arch/x86/net/bpf_jit_comp.c): the same register mapping, prologue and
// epilogue, instruction selection and jump sizing, so that the image can be
// compared with the kernel's byte for byte. Written from the kernel's
// observable behaviour (its jited images on this machine) and its design,
// not translated from its source. PURE.
import { Insn } from '../isa/insn';
import {
  BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_LDX, BPF_ST, BPF_STX, BPF_CLASS, BPF_OP, BPF_SRC, BPF_SIZE, BPF_MODE,
  BPF_X, BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV,
  BPF_ARSH, BPF_END, BPF_JA, BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_CALL, BPF_EXIT,
  BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE, BPF_W, BPF_H, BPF_B, BPF_DW, BPF_MEM, BPF_MEMSX, BPF_ATOMIC, BPF_FETCH,
  BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_FUNC,
  OP_LD_IMM64, BPF_TO_BE,
} from '../isa/opcodes';
import * as X from './x86/encode';
import { JitError, JitFunc, JitInput, JitOptions, Reloc, Target } from './types';

/** BPF r0..r10 on x86-64 (r10 = the frame pointer, rbp). */
export const BPF_TO_X86: readonly X.Reg[] = [X.RAX, X.RDI, X.RSI, X.RDX, X.RCX, X.R8, X.RBX, X.R13, X.R14, X.R15, X.RBP];
/** BPF_REG_AX, the verifier's scratch register (r11 in xlated code): x86 r10. */
const BPF_REG_AX = 11;
const X86_AX = X.R10;
/** The JIT's own scratch register. */
const AUX = X.R11;

/** BPF_JMP | BPF_TAIL_CALL, the verifier's form of a bpf_tail_call. */
export const OP_TAIL_CALL = BPF_JMP | 0xf0;
/**
 * An instruction the verifier never reached, which the kernel removes (opt_remove_dead_code):
 * not compiled, a ud2 in its place in case the verifier model was wrong about it.
 */
export const OP_DEAD = BPF_JMP | 0xf0 | 0x08;
/** The most tail calls one chain may make (MAX_TAIL_CALL_CNT). */
export const MAX_TAIL_CALL_CNT = 33;
/** Bytes of the prologue a tail call skips: nop5, xor/nop3, push rbp, mov rbp,rsp. */
export const TAIL_CALL_OFFSET = 12;

/**
 * Offsets in the kernel's structures the tail-call code reads: struct
 * bpf_array's map.max_entries and ptrs[], struct bpf_prog's bpf_func. The
 * defaults are Linux 6.18's, read from its jited images.
 */
export interface TailCallLayout { maxEntries: number; ptrs: number; bpfFunc: number }
export const KERNEL_TAIL_CALL_LAYOUT: TailCallLayout = { maxEntries: 0x4c, ptrs: 0x138, bpfFunc: 0x48 };

/** Callee-saved registers BPF r6-r9 live in, in push order. */
const CALLEE_SAVED: readonly X.Reg[] = [X.RBX, X.R13, X.R14, X.R15];

const reg = (r: number): X.Reg => {
  if (r === BPF_REG_AX) return X86_AX;
  const x = BPF_TO_X86[r];
  if (x === undefined) throw new JitError(-1, `register r${r} does not exist`);
  return x;
};

const roundUp8 = (n: number): number => (n + 7) & ~7;
const isImm8JmpOffset = (v: number): boolean => v >= -128 && v <= 123;
const isSimm32 = (v: bigint): boolean => v === BigInt.asIntN(32, v);
const isUimm32 = (v: bigint): boolean => v === BigInt.asUintN(32, v);

/** What one function needs while it is compiled. */
interface FuncState {
  input: JitInput;
  func: JitFunc;
  index: number;
  opts: JitOptions;
  layout: TailCallLayout;
  /** Function-relative addresses: addrs[i] = end of instruction i-1 (addrs[0] = end of the prologue). */
  addrs: Int32Array;
  calleeUsed: boolean[];
  cleanupAddr: number;
  /** Pad shrinking jumps with nops (the kernel's late passes and the extra pass of subprograms). */
  padding: boolean;
  relocs: Reloc[];
}

/** Which of r6-r9 the function mentions (as dst or src of any slot, as the kernel checks). */
function calleeRegsUsed(insns: readonly Insn[], f: JitFunc): boolean[] {
  const used = [false, false, false, false];
  for (let i = f.start; i < f.start + f.len; i++) {
    const n = insns[i];
    for (let k = 0; k < 4; k++) if (n.dst === 6 + k || n.src === 6 + k) used[k] = true;
  }
  return used;
}

function pushCallee(buf: X.Buf, used: readonly boolean[]): void {
  for (let k = 0; k < 4; k++) if (used[k]) X.push(buf, CALLEE_SAVED[k]);
}

function popCallee(buf: X.Buf, used: readonly boolean[]): void {
  for (let k = 3; k >= 0; k--) if (used[k]) X.pop(buf, CALLEE_SAVED[k]);
}

const ALL_CALLEE = [true, true, true, true];

/** The registers a function restores on exit and before a tail call. */
function popSaved(buf: X.Buf, st: FuncState): void {
  if (st.index === 0 && st.input.exceptionBoundary) {
    popCallee(buf, ALL_CALLEE);
    X.pop(buf, X.R12);
  } else {
    popCallee(buf, st.calleeUsed);
  }
}

/** The prologue, up to the first instruction. */
function emitPrologue(buf: X.Buf, st: FuncState): void {
  const f = st.func, isSubprog = st.index !== 0;
  X.nops(buf, 5); // the patch site for trampolines
  if (f.tailCallReachable && !isSubprog) X.aluRR(buf, 'xor', X.RAX, X.RAX, 8); // tail-call counter = 0
  else X.nops(buf, 3);
  if (f.exceptionCb) {
    // bpf_throw passes the main program's frame: restore what it saved and reuse its frame
    X.movRR(buf, X.RSP, X.RSI, 8);
    X.movRR(buf, X.RBP, X.RDX, 8);
    popCallee(buf, ALL_CALLEE);
    X.pop(buf, X.R12);
    X.movRR(buf, X.RSP, X.RBP, 8);
  } else {
    X.push(buf, X.RBP);
    X.movRR(buf, X.RBP, X.RSP, 8);
  }
  // TAIL_CALL_OFFSET: a tail call enters here
  if (f.stackDepth) aluImm32(buf, 'sub', X.RSP, roundUp8(f.stackDepth));
  if (f.tailCallReachable) {
    if (!isSubprog) {
      // rax is the counter when entered from outside or by a tail call from a main program,
      // a pointer to the counter when a subprogram tail-called: keep a counter and a pointer
      X.aluRI(buf, 'cmp', X.RAX, MAX_TAIL_CALL_CNT, 8);
      X.jccRel8(buf, 'a', 6);
      X.push(buf, X.RAX);
      X.movRR(buf, X.RAX, X.RSP, 8);
      X.jmpRel8(buf, 1);
      X.push(buf, X.RAX);
      X.push(buf, X.RAX);
    } else {
      X.push(buf, X.RAX);
      X.push(buf, X.RAX);
    }
  }
  if (st.index === 0 && st.input.exceptionBoundary) {
    // bpf_throw enters the kernel, which may change r12: keep the caller's
    X.push(buf, X.R12);
    pushCallee(buf, ALL_CALLEE);
  } else {
    pushCallee(buf, st.calleeUsed);
  }
}

/** op rsp-style register, imm32 always in its 4-byte form (81 /ext id). */
function aluImm32(buf: X.Buf, op: 'add' | 'sub', r: X.Reg, imm: number): void {
  X.byte(buf, 0x48 | ((r & 8) ? 1 : 0));
  X.byte(buf, 0x81);
  X.byte(buf, 0xc0 | (X.ALU_EXT[op] << 3) | (r & 7));
  X.imm32(buf, imm);
}

/** Where the tail-call counter pointer is kept: below the BPF stack. */
const tccPtrOff = (depth: number): number => -16 - roundUp8(depth);

/** mov rax, [rbp + off] with a 4-byte displacement. */
const loadTccPtr = (buf: X.Buf, depth: number): void => X.load(buf, X.RAX, X.mem(X.RBP, tccPtrOff(depth), 32), 8);

/** mov dst, imm32 the way the kernel picks it: sign-extended 64-bit, xor for zero, else mov r32. */
function movImm32(buf: X.Buf, signPropagate: boolean, dst: X.Reg, imm: number): void {
  if (signPropagate && imm < 0) X.movRI64sx(buf, dst, imm);
  else if (imm === 0) X.aluRR(buf, 'xor', dst, dst, 4);
  else X.movRI32(buf, dst, imm);
}

/** A 64-bit constant in the shortest form: zero-extended imm32, sign-extended imm32, or movabs. */
function movImm64(buf: X.Buf, dst: X.Reg, v: bigint): 'imm32' | 'simm32' | 'abs64' {
  const u = BigInt.asUintN(64, v);
  if (isUimm32(u)) { movImm32(buf, false, dst, Number(BigInt.asIntN(32, u))); return 'imm32'; }
  const s = BigInt.asIntN(64, u);
  if (isSimm32(s)) { movImm32(buf, true, dst, Number(s)); return 'simm32'; }
  X.movabs(buf, dst, u);
  return 'abs64';
}

/** mov (32 or 64 bits) unless it is a 64-bit move of a register onto itself. */
function movReg(buf: X.Buf, is64: boolean, dst: X.Reg, src: X.Reg): void {
  if (is64) { if (dst !== src) X.movRR(buf, dst, src, 8); } else X.movRR(buf, dst, src, 4);
}

const SIZE_BYTES: Record<number, X.Size> = { [BPF_B]: 1, [BPF_H]: 2, [BPF_W]: 4, [BPF_DW]: 8 };
/** The displacement form the kernel uses: always a byte when it fits (even for 0), else 4 bytes. */
const disp = (base: X.Reg, off: number): X.Mem => X.mem(base, off, X.isImm8(off) ? 8 : 32);

function emitLdx(buf: X.Buf, size: X.Size, dst: X.Reg, src: X.Reg, off: number, signed: boolean): void {
  if (signed) X.load(buf, dst, disp(src, off), size, { signed: true, w: true });
  else X.load(buf, dst, disp(src, off), size, { w: size === 1 || size === 2 });
}

const ALU_OPS: Record<number, X.AluOp & X.AluImmOp> = { [BPF_ADD]: 'add', [BPF_SUB]: 'sub', [BPF_AND]: 'and', [BPF_OR]: 'or', [BPF_XOR]: 'xor' };
const SHIFT_OPS: Record<number, 'shl' | 'shr' | 'sar'> = { [BPF_LSH]: 'shl', [BPF_RSH]: 'shr', [BPF_ARSH]: 'sar' };
const JMP_CC: Record<number, X.Cond> = {
  [BPF_JEQ]: 'e', [BPF_JSET]: 'ne', [BPF_JNE]: 'ne', [BPF_JGT]: 'a', [BPF_JLT]: 'b', [BPF_JGE]: 'ae', [BPF_JLE]: 'be',
  [BPF_JSGT]: 'g', [BPF_JSLT]: 'l', [BPF_JSGE]: 'ge', [BPF_JSLE]: 'le',
};

function emitDivMod(buf: X.Buf, n: Insn, dst: number, srcIn: number): void {
  const is64 = BPF_CLASS(n.code) === BPF_ALU64;
  const xd = reg(dst);
  if (dst !== 0) X.push(buf, X.RAX);
  if (dst !== 3) X.push(buf, X.RDX);
  let src: X.Reg;
  if (BPF_SRC(n.code) === BPF_X) {
    src = reg(srcIn);
    if (srcIn === 0 || srcIn === 3) { X.movRR(buf, AUX, src, 8); src = AUX; }
  } else {
    X.movRI64sx(buf, AUX, n.imm);
    src = AUX;
  }
  if (dst !== 0) movReg(buf, is64, X.RAX, xd);
  if (n.off === 0) {
    X.aluRR(buf, 'xor', X.RDX, X.RDX, 4);
    X.unary(buf, 'div', src, is64 ? 8 : 4);
  } else {
    X.cdqCqo(buf, is64 ? 8 : 4);
    X.unary(buf, 'idiv', src, is64 ? 8 : 4);
  }
  if (BPF_OP(n.code) === BPF_MOD && dst !== 3) movReg(buf, is64, xd, X.RDX);
  else if (BPF_OP(n.code) === BPF_DIV && dst !== 0) movReg(buf, is64, xd, X.RAX);
  if (dst !== 3) X.pop(buf, X.RDX);
  if (dst !== 0) X.pop(buf, X.RAX);
}

function emitShiftX(buf: X.Buf, st: FuncState, n: Insn, dstBpf: number, srcBpf: number): void {
  const size = BPF_CLASS(n.code) === BPF_ALU64 ? 8 : 4;
  const op = SHIFT_OPS[BPF_OP(n.code)];
  let dst = reg(dstBpf);
  const src = reg(srcBpf);
  if (st.opts.bmi2 && src !== X.RCX) {
    X.shiftx(buf, op, dst, dst, src, size);
    return;
  }
  // The count must be in cl
  if (src !== X.RCX) {
    if (dst === X.RCX) { X.movRR(buf, AUX, X.RCX, 8); dst = AUX; } else X.push(buf, X.RCX);
    X.movRR(buf, X.RCX, src, 8);
  }
  X.shiftRCL(buf, op, dst, size);
  if (src !== X.RCX) {
    if (reg(dstBpf) === X.RCX) X.movRR(buf, X.RCX, AUX, 8); else X.pop(buf, X.RCX);
  }
}

function emitEnd(buf: X.Buf, n: Insn, dst: X.Reg): void {
  const swap = BPF_CLASS(n.code) === BPF_ALU64 || BPF_SRC(n.code) === BPF_TO_BE;
  if (swap) {
    if (n.imm === 16) { X.shiftRI(buf, 'ror', dst, 8, 2); X.movzx16RR(buf, dst, dst); } else if (n.imm === 32) X.bswap(buf, dst, 4);
    else if (n.imm === 64) X.bswap(buf, dst, 8);
    else throw new JitError(-1, `byte swap of ${n.imm} bits`);
  } else {
    if (n.imm === 16) X.movzx16RR(buf, dst, dst);
    else if (n.imm === 32) X.movRR(buf, dst, dst, 4);
    else if (n.imm !== 64) throw new JitError(-1, `byte swap of ${n.imm} bits`);
  }
}

/** BPF_STX | BPF_ATOMIC: lock-prefixed ops, a cmpxchg loop for and/or/xor with fetch, acquire/release moves. */
function emitAtomic(buf: X.Buf, n: Insn, dstBpf: number, srcBpf: number): void {
  const size = SIZE_BYTES[BPF_SIZE(n.code)];
  const dst = reg(dstBpf), src = reg(srcBpf);
  if (n.imm === BPF_LOAD_ACQ) { emitLdx(buf, size, dst, src, n.off, false); return; }
  if (n.imm === BPF_STORE_REL) { X.store(buf, disp(dst, n.off), src, size); return; }
  if (size !== 4 && size !== 8) throw new JitError(-1, `atomic operation 0x${n.imm.toString(16)} on ${size} bytes`);
  if (n.imm === (BPF_AND | BPF_FETCH) || n.imm === (BPF_OR | BPF_FETCH) || n.imm === (BPF_XOR | BPF_FETCH)) {
    // Needs rax for cmpxchg: keep r0 in the verifier's scratch register meanwhile
    X.movRR(buf, X86_AX, X.RAX, 8);
    const realSrc = srcBpf === 0 ? X86_AX : src, realDst = dstBpf === 0 ? X86_AX : dst;
    const loop = buf.n;
    emitLdx(buf, size, X.RAX, realDst, n.off, false);
    movReg(buf, size === 8, AUX, X.RAX);
    X.aluRR(buf, ALU_OPS[BPF_OP(n.imm & ~BPF_FETCH)], AUX, realSrc, size);
    X.lock(buf);
    X.cmpxchgMR(buf, disp(realDst, n.off), AUX, size);
    X.jccRel8(buf, 'ne', loop - (buf.n + 2));
    movReg(buf, size === 8, realSrc, X.RAX);
    X.movRR(buf, X.RAX, X86_AX, 8);
    return;
  }
  X.lock(buf);
  const m = disp(dst, n.off);
  switch (n.imm) {
    case BPF_ADD: case BPF_AND: case BPF_OR: case BPF_XOR: X.aluMR(buf, ALU_OPS[n.imm], m, src, size); break;
    case BPF_ADD | BPF_FETCH: X.xaddMR(buf, m, src, size); break;
    case BPF_XCHG: X.aluMR(buf, 'xchg', m, src, size); break;
    case BPF_CMPXCHG: X.cmpxchgMR(buf, m, src, size); break;
    default: throw new JitError(-1, `unknown atomic operation 0x${n.imm.toString(16)}`);
  }
}

/** emit_return: `ret`, or a jump to the return thunk where the kernel returns through it (X86_FEATURE_RETHUNK). */
function emitReturn(buf: X.Buf, st: FuncState, pc: number): void {
  if (!st.opts.returnThunk) return X.ret(buf);
  X.jmpRel32(buf, 0);
  st.relocs.push({ at: buf.n - 4, kind: 'rel32', target: { kind: 'returnThunk' }, pc });
}

function emitTailCallIndirect(buf: X.Buf, st: FuncState, pc: number): void {
  const L = st.layout, depth = st.func.stackDepth;
  const jumps: number[] = []; // positions of rel8 bytes that go to `out`
  const jOut = (cc: X.Cond): void => { X.jccRel8(buf, cc, 0); jumps.push(buf.n - 1); };
  X.movRR(buf, X.RDX, X.RDX, 4);                                   // index is u32
  X.aluMR(buf, 'cmp', X.mem(X.RSI, L.maxEntries, 8), X.RDX, 4);   // index >= max_entries?
  jOut('be');
  loadTccPtr(buf, depth);
  X.aluMI(buf, 'cmp', X.mem(X.RAX, 0), MAX_TAIL_CALL_CNT, 8);      // too many tail calls?
  jOut('ae');
  X.load(buf, X.RCX, { base: X.RSI, index: X.RDX, scale: 8, disp: L.ptrs, dispSize: 32 }, 8);
  X.aluRR(buf, 'test', X.RCX, X.RCX, 8);                            // empty slot?
  jOut('e');
  X.aluMI(buf, 'add', X.mem(X.RAX, 0), 1, 8);
  popSaved(buf, st);
  X.pop(buf, X.RAX);
  X.pop(buf, X.RAX);
  if (depth) aluImm32(buf, 'add', X.RSP, roundUp8(depth));
  X.load(buf, X.RCX, X.mem(X.RCX, L.bpfFunc, 8), 8);
  X.aluRI(buf, 'add', X.RCX, TAIL_CALL_OFFSET, 8);
  if (st.opts.retpoline) {
    X.jmpRel32(buf, 0);
    st.relocs.push({ at: buf.n - 4, kind: 'rel32', target: { kind: 'thunk' }, pc });
  } else {
    X.jmpReg(buf, X.RCX);
    X.int3(buf);
  }
  for (const j of jumps) buf.b[j] = buf.n - (j + 1);
}

function emitTailCallDirect(buf: X.Buf, st: FuncState): void {
  const depth = st.func.stackDepth;
  loadTccPtr(buf, depth);
  X.aluMI(buf, 'cmp', X.mem(X.RAX, 0), MAX_TAIL_CALL_CNT, 8);
  X.jccRel8(buf, 'ae', 0);
  const jae = buf.n - 1;
  // The bypass: jumps over the (not yet patched) jump to the target while its slot is empty
  X.jmpRel32(buf, 0);
  const bypass = buf.n - 4;
  X.aluMI(buf, 'add', X.mem(X.RAX, 0), 1, 8);
  popSaved(buf, st);
  X.pop(buf, X.RAX);
  X.pop(buf, X.RAX);
  if (depth) aluImm32(buf, 'add', X.RSP, roundUp8(depth));
  X.nops(buf, 5); // patched to `jmp target + TAIL_CALL_OFFSET` when the slot is filled
  buf.b[jae] = buf.n - (jae + 1);
  const rel = buf.n - (bypass + 4);
  buf.b[bypass] = rel; buf.b[bypass + 1] = rel >> 8; buf.b[bypass + 2] = rel >> 16; buf.b[bypass + 3] = rel >>> 24;
}

function callTarget(input: JitInput, pc: number, n: Insn): Target {
  if (n.src === BPF_PSEUDO_CALL) {
    const target = pc + 1 + n.imm;
    const k = input.funcs.findIndex((f) => f.start === target);
    if (k < 0) throw new JitError(pc, `call to insn ${target}, which does not start a function`);
    return { kind: 'func', index: k };
  }
  if (n.src === BPF_PSEUDO_KFUNC_CALL) return { kind: 'kfunc', id: n.imm, off: n.off };
  if (n.src === 0) return { kind: 'helper', id: n.imm };
  throw new JitError(pc, `call with src_reg ${n.src}`);
}

/**
 * Emit instruction i (1-based, as the kernel counts: insn i-1 of the
 * function) into buf, which is empty on entry. Returns the number of extra
 * slots consumed (1 for ld_imm64).
 */
function emitInsn(buf: X.Buf, st: FuncState, i: number, proglen: number, seenExit: { v: boolean }): number {
  const { input, func, addrs } = st;
  const pc = func.start + i - 1;
  const n = input.insns[pc];
  const cls = BPF_CLASS(n.code), op = BPF_OP(n.code);
  const is64 = cls === BPF_ALU64 || cls === BPF_JMP;
  const size = is64 ? 8 : 4;
  const insnSzDiff = (): number => (addrs[i] - addrs[i - 1]) - buf.n;
  try {
    if (n.code === OP_DEAD) { X.ud2(buf); return 0; }
    if (n.code === OP_LD_IMM64) {
      const second = input.insns[pc + 1];
      if (!second) throw new JitError(pc, 'ld_imm64 without its second slot');
      const dst = reg(n.dst);
      if (n.src === BPF_PSEUDO_FUNC) {
        const target = pc + 1 + n.imm;
        const k = input.funcs.findIndex((f) => f.start === target);
        if (k < 0) throw new JitError(pc, `function pointer to insn ${target}, which does not start a function`);
        // Encoded for an address in the image's area, patched when linked
        const form = movImm64(buf, dst, st.opts.imageBase);
        if (form === 'imm32') throw new JitError(pc, 'the image base must not be a 32-bit address');
        st.relocs.push({ at: buf.n - (form === 'abs64' ? 8 : 4), kind: form === 'abs64' ? 'abs64' : 'abs32s', target: { kind: 'func', index: k }, pc });
      } else {
        movImm64(buf, dst, BigInt.asUintN(64, (BigInt(second.imm) << 32n) | BigInt(n.imm >>> 0)));
      }
      return 1;
    }
    switch (cls) {
      case BPF_ALU: case BPF_ALU64: {
        const dst = reg(n.dst);
        const x = BPF_SRC(n.code) === BPF_X;
        switch (op) {
          case BPF_ADD: case BPF_SUB: case BPF_AND: case BPF_OR: case BPF_XOR:
            if (x) X.aluRR(buf, ALU_OPS[op], dst, reg(n.src), size);
            else X.aluRI(buf, ALU_OPS[op], dst, n.imm, size, true);
            break;
          case BPF_MOV:
            if (!x) { movImm32(buf, is64, dst, n.imm); break; }
            if (n.off === 0) movReg(buf, is64, dst, reg(n.src));
            else if (is64 && n.off === -1) {
              // BPF_ADDR_PERCPU: dst = src + this CPU's per-CPU offset (add dst, %gs:this_cpu_off)
              movReg(buf, true, dst, reg(n.src));
              X.bytes(buf, 0x65, 0x48 | ((dst & 8) ? 1 : 0), 0x03, 0x04 | ((dst & 7) << 3), 0x25);
              X.imm32(buf, 0);
              st.relocs.push({ at: buf.n - 4, kind: 'abs32', target: { kind: 'this_cpu_off' }, pc });
            }
            else if (is64 && (n.off === 8 || n.off === 16 || n.off === 32)) X.movsxRR(buf, dst, reg(n.src), n.off, true);
            else if (!is64 && n.off === 8) X.movsxRR(buf, dst, reg(n.src), 8, false, true);
            else if (!is64 && n.off === 16) X.movsxRR(buf, dst, reg(n.src), 16, false);
            else throw new JitError(pc, `mov with off ${n.off} (address-space casts and per-CPU addresses are not supported)`);
            break;
          case BPF_NEG: X.unary(buf, 'neg', dst, size); break;
          case BPF_DIV: case BPF_MOD: emitDivMod(buf, n, n.dst, n.src); break;
          case BPF_MUL:
            if (x) X.imulRR(buf, dst, reg(n.src), size);
            else X.imulRRI(buf, dst, dst, n.imm, size);
            break;
          case BPF_LSH: case BPF_RSH: case BPF_ARSH:
            if (x) emitShiftX(buf, st, n, n.dst, n.src);
            else X.shiftRI(buf, SHIFT_OPS[op], dst, n.imm & 0xff, size);
            break;
          case BPF_END: emitEnd(buf, n, dst); break;
          default: throw new JitError(pc, `unknown opcode 0x${n.code.toString(16)}`);
        }
        return 0;
      }
      case BPF_ST:
        if (n.code === (BPF_ST | 0xc0)) { X.lfence(buf); return 0; } // BPF_NOSPEC
        if (BPF_MODE(n.code) !== BPF_MEM) throw new JitError(pc, `unknown opcode 0x${n.code.toString(16)}`);
        X.storeImm(buf, disp(reg(n.dst), n.off), n.imm, SIZE_BYTES[BPF_SIZE(n.code)]);
        return 0;
      case BPF_STX:
        if (BPF_MODE(n.code) === BPF_MEM) X.store(buf, disp(reg(n.dst), n.off), reg(n.src), SIZE_BYTES[BPF_SIZE(n.code)]);
        else if (BPF_MODE(n.code) === BPF_ATOMIC) emitAtomic(buf, n, n.dst, n.src);
        else throw new JitError(pc, `unknown opcode 0x${n.code.toString(16)}`);
        return 0;
      case BPF_LDX:
        if (BPF_MODE(n.code) !== BPF_MEM && BPF_MODE(n.code) !== BPF_MEMSX) throw new JitError(pc, `unknown opcode 0x${n.code.toString(16)}`);
        emitLdx(buf, SIZE_BYTES[BPF_SIZE(n.code)], reg(n.dst), reg(n.src), n.off, BPF_MODE(n.code) === BPF_MEMSX);
        return 0;
      case BPF_JMP: case BPF_JMP32:
        return emitJmp(buf, st, i, pc, n, proglen, seenExit, insnSzDiff);
      default:
        throw new JitError(pc, `unknown opcode 0x${n.code.toString(16)}`);
    }
  } catch (e) {
    if (e instanceof JitError && e.pc < 0) throw new JitError(pc, e.message);
    throw e;
  }
}

function emitJmp(buf: X.Buf, st: FuncState, i: number, pc: number, n: Insn, proglen: number, seenExit: { v: boolean }, insnSzDiff: () => number): number {
  const { addrs } = st;
  const cls = BPF_CLASS(n.code), op = BPF_OP(n.code);
  const size = cls === BPF_JMP ? 8 : 4;
  if (n.code === (BPF_JMP | BPF_CALL)) {
    if (n.src === BPF_PSEUDO_CALL && st.func.tailCallReachable) loadTccPtr(buf, st.func.stackDepth);
    X.callRel32(buf, 0);
    st.relocs.push({ at: buf.n - 4, kind: 'rel32', target: callTarget(st.input, pc, n), pc });
    return 0;
  }
  if (n.code === OP_TAIL_CALL) {
    if (n.imm) emitTailCallDirect(buf, st); else emitTailCallIndirect(buf, st, pc);
    return 0;
  }
  if (n.code === (BPF_JMP | BPF_EXIT)) {
    if (seenExit.v) return emitJa(buf, st, st.cleanupAddr - addrs[i], insnSzDiff);
    seenExit.v = true;
    st.cleanupAddr = proglen;
    popSaved(buf, st);
    X.leave(buf);
    emitReturn(buf, st, pc);
    return 0;
  }
  if (op === BPF_JA) {
    const off = cls === BPF_JMP ? n.off : n.imm;
    const rel = off === -1 ? -2 : addrs[i + off] - addrs[i];
    return emitJa(buf, st, rel, insnSzDiff);
  }
  const cc = JMP_CC[op];
  if (cc === undefined || op === BPF_CALL || op === BPF_EXIT) throw new JitError(pc, `unknown opcode 0x${n.code.toString(16)}`);
  const dst = reg(n.dst);
  if (BPF_SRC(n.code) === BPF_X) X.aluRR(buf, op === BPF_JSET ? 'test' : 'cmp', dst, reg(n.src), size);
  else if (op === BPF_JSET) X.testRI(buf, dst, n.imm, size);
  else if (n.imm === 0) X.aluRR(buf, 'test', dst, dst, size);
  else X.aluRI(buf, 'cmp', dst, n.imm, size);
  const target = i + n.off;
  if (target < 0 || target >= addrs.length) throw new JitError(pc, `jump to insn ${st.func.start + target}, outside the function`);
  const rel = addrs[target] - addrs[i];
  if (isImm8JmpOffset(rel)) {
    if (st.padding) {
      const pad = insnSzDiff() - 2;
      if (pad !== 0 && pad !== 4) throw new JitError(pc, `unexpected conditional jump padding of ${pad} bytes`);
      X.nops(buf, pad);
    }
    X.jccRel8(buf, cc, rel);
  } else {
    X.jccRel32(buf, cc, rel);
  }
  return 0;
}

function emitJa(buf: X.Buf, st: FuncState, rel: number, insnSzDiff: () => number): number {
  if (rel === 0) {
    // a jump to the next instruction is left out (or padded to its earlier size)
    if (st.padding) {
      const pad = insnSzDiff();
      if (pad !== 0 && pad !== 2 && pad !== 5) throw new JitError(-1, `unexpected nop jump padding of ${pad} bytes`);
      X.nops(buf, pad);
    }
    return 0;
  }
  if (isImm8JmpOffset(rel)) {
    if (st.padding) {
      const pad = insnSzDiff() - 2;
      if (pad !== 0 && pad !== 3) throw new JitError(-1, `unexpected jump padding of ${pad} bytes`);
      X.nops(buf, pad);
    }
    X.jmpRel8(buf, rel);
  } else {
    X.jmpRel32(buf, rel);
  }
  return 0;
}

/** Scratch buffers reused by every pass (compiling is synchronous): one instruction's code, one function's. */
const insnBuf = X.newBuf(256);
const funcBuf = X.newBuf(4096);

/** One pass over the function (do_jit): its code is left in funcBuf; updates addrs in place. */
function onePass(st: FuncState): { length: number; relocs: Reloc[] } {
  const out = funcBuf, buf = insnBuf;
  out.n = 0;
  st.relocs = [];
  const relocs: Reloc[] = [];
  emitPrologue(out, st);
  st.addrs[0] = out.n;
  const seenExit = { v: false };
  for (let i = 1; i <= st.func.len; i++) {
    buf.n = 0;
    const before = st.relocs.length;
    const extra = emitInsn(buf, st, i, out.n, seenExit);
    for (let r = before; r < st.relocs.length; r++) relocs.push({ ...st.relocs[r], at: st.relocs[r].at + out.n });
    for (let k = 0; k < buf.n; k++) X.byte(out, buf.b[k]);
    i += extra;
    st.addrs[i] = out.n;
  }
  return { length: out.n, relocs };
}

const MAX_PASSES = 20;
const PADDING_PASSES = MAX_PASSES - 5;

export interface FuncCode {
  code: Uint8Array;
  /** Function-relative: addrs[i] = end of instruction i-1. */
  addrs: Int32Array;
  relocs: Reloc[];
  passes: number;
}

/**
 * Compile function `index` as bpf_int_jit_compile does: start from a rough
 * estimate of 64 bytes per instruction, repeat passes until the size stops
 * changing (padding shrinking jumps with nops after PADDING_PASSES), then one
 * more pass that must give the same size. Programs with subprograms get a
 * last pass with padding, as the kernel's extra pass.
 */
export function compileFunc(input: JitInput, index: number, opts: JitOptions, layout = KERNEL_TAIL_CALL_LAYOUT): FuncCode {
  const func = input.funcs[index];
  const addrs = new Int32Array(func.len + 1);
  for (let i = 0; i <= func.len; i++) addrs[i] = 64 * (i + 1);
  const st: FuncState = {
    input, func, index, opts, layout, addrs, calleeUsed: calleeRegsUsed(input.insns, func),
    cleanupAddr: 64 * (func.len + 1), padding: false, relocs: [],
  };
  let oldLen = 0, passes = 0;
  let last: { length: number; relocs: Reloc[] } | undefined;
  for (;;) {
    if (passes >= MAX_PASSES) throw new JitError(-1, `function ${index}: the image did not converge in ${MAX_PASSES} passes`);
    if (passes >= PADDING_PASSES) st.padding = true;
    last = onePass(st);
    passes++;
    if (last.length === oldLen) break;
    oldLen = last.length;
  }
  // The pass that writes the image, and for subprogram programs the extra pass
  const finalPasses = input.funcs.length > 1 ? 2 : 1;
  for (let k = 0; k < finalPasses; k++) {
    if (k === 1) st.padding = true;
    const again = onePass(st);
    passes++;
    if (again.length !== oldLen) throw new JitError(-1, `function ${index}: the final pass changed the size from ${oldLen} to ${again.length} bytes`);
    last = again;
  }
  return { code: X.bufBytes(funcBuf), addrs: addrs.slice(), relocs: last.relocs, passes };
}
