// What the JIT takes and gives. The input is the program as Linux's x86-64
// JIT sees it (after the verifier's rewrites: `bpfx` builds it in fixups.ts,
// or takes the kernel's own xlated instructions); the output is one image
// holding every function, with the places that need addresses left as
// relocations. PURE.
import { Insn } from '../isa/insn';

/** One function (the main program or a subprogram) of the program. */
export interface JitFunc {
  /** First instruction (index into JitInput.insns) and number of instruction slots. */
  start: number;
  len: number;
  /** Stack depth the verifier computed for it (bytes; rounded up to 8 by the JIT). */
  stackDepth: number;
  /** It can reach a tail call (keeps the tail-call counter pointer on its stack). */
  tailCallReachable: boolean;
  /** It is the exception callback (its prologue takes sp and bp from bpf_throw). */
  exceptionCb: boolean;
}

export interface JitInput {
  /**
   * Instruction slots (ld_imm64 takes two). Calls: src 0 = helper (imm = id),
   * src 1 = bpf-to-bpf (imm = relative), src 2 = kfunc (imm = BTF id, off =
   * module). BPF_JMP|BPF_TAIL_CALL (0xf5): imm 0 = indirect, N = direct
   * through poke slot N-1. ld_imm64: the 64-bit value is embedded as it is,
   * except BPF_PSEUDO_FUNC (src 4), which becomes its function's address.
   */
  insns: readonly Insn[];
  /** Functions in program order; funcs[0] is the main program and starts at 0. */
  funcs: readonly JitFunc[];
  /** The main program can throw: it saves r12 and every callee-saved register. */
  exceptionBoundary: boolean;
}

/** How the host CPU and kernel configuration shape the code, as Linux decides it. */
export interface JitOptions {
  /** BMI2 is available: variable shifts use shlx/shrx/sarx (X86_FEATURE_BMI2). */
  bmi2: boolean;
  /** Indirect jumps go through the retpoline thunk (X86_FEATURE_RETPOLINE). */
  retpoline: boolean;
  /**
   * Returns go through the return thunk, `jmp x86_return_thunk` instead of `ret`
   * (X86_FEATURE_RETHUNK: emit_return; set by the retbleed and SRSO mitigations on AMD).
   */
  returnThunk: boolean;
  /**
   * Where the image will live. Function addresses (BPF_PSEUDO_FUNC) are
   * encoded in the shortest form for an address there, as the kernel does for
   * its module area (0xffffffffc0000000: a sign-extended imm32).
   */
  imageBase: bigint;
}

export const KERNEL_IMAGE_BASE = 0xffff_ffff_c000_0000n;

export const defaultJitOptions: JitOptions = { bmi2: true, retpoline: true, returnThunk: false, imageBase: KERNEL_IMAGE_BASE };

/** Where a call or an address points. */
export type Target =
  | { kind: 'func'; index: number }
  | { kind: 'helper'; id: number }
  | { kind: 'kfunc'; id: number; off: number }
  /** The kernel's indirect-jump thunk for rcx (retpoline). */
  | { kind: 'thunk' }
  /** The kernel's return thunk (x86_return_thunk), which returns in place of `ret`. */
  | { kind: 'returnThunk' }
  /** The address of the per-CPU offset variable this_cpu_off (read through %gs). */
  | { kind: 'this_cpu_off' };

/**
 * A place in the image to patch: `rel32` (call/jmp displacement, relative to
 * the end of the 4 bytes), `abs64` (movabs immediate), `abs32s` (a
 * sign-extended imm32 holding an address) or `abs32` (a 32-bit absolute
 * displacement, as in %gs:disp32).
 */
export interface Reloc {
  at: number;
  kind: 'rel32' | 'abs64' | 'abs32s' | 'abs32';
  target: Target;
  /** The BPF instruction it belongs to. */
  pc: number;
}

export interface JitImage {
  /** Every function's code, main program first, back to back. */
  code: Uint8Array;
  funcs: { offset: number; size: number; passes: number }[];
  /** Offset in `code` of each instruction's first byte; -1 for the second slot of ld_imm64. */
  insnOffsets: Int32Array;
  /** Offset where each instruction's code ends (exclusive). */
  insnEnds: Int32Array;
  relocs: Reloc[];
  /** The options it was compiled with (the link step must use the same image base). */
  opts: JitOptions;
}

/** Why the JIT cannot compile a program (never a crash). */
export class JitError extends Error {
  constructor(readonly pc: number, message: string) {
    super(pc >= 0 ? `insn ${pc}: ${message}` : message);
    this.name = 'JitError';
  }
}
