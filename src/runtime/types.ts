// Public types of the interpreter: how a caller describes helpers, kfuncs,
// memory and arguments, and what a run returns. The helper/kfunc calling
// convention is the kernel's (r1-r5 in, r0 out, r6-r9 preserved), see
// Documentation/bpf/standardization/abi.rst and bpf_throw in kernel/bpf/helpers.c.
import { Insn } from '../isa/insn';
import { AddressSpace, RegionSpec } from './memory';

/** What a helper or kfunc sees of the running program. */
export interface HelperContext {
  /** Index of the call instruction. */
  readonly pc: number;
  /** Current bpf-to-bpf call depth (0 = main program). */
  readonly depth: number;
  /** Instructions executed so far in this run. */
  readonly insnsExecuted: number;
  /** The program's memory: read/write/resolve by 64-bit address, map/unmap regions. */
  readonly mem: AddressSpace;
  /** End the whole program now with r0 = value (no exception callback). */
  exit(value: bigint): never;
  /**
   * Throw a BPF exception (bpf_throw): unwind every frame; if there is an
   * exception callback (`callbackPc`, else VmOptions.exceptionCallbackPc), run
   * it in frame 0 with r1 = cookie and end with its r0, else end with
   * r0 = cookie (today's kernel's default callback returns the cookie).
   */
  throwException(cookie: bigint, callbackPc?: number): never;
  /**
   * Call BPF code at instruction `pc` as a callback (bpf_loop and friends):
   * r1-r5 = args, in a new stack frame; returns its r0. Counts against the
   * call depth and the budget.
   */
  callFunction(pc: number, args: readonly bigint[]): bigint;
  /** The instruction index a code address (from ld_imm64 BPF_PSEUDO_FUNC or callx) refers to, or -1. */
  codeAddressToPc(addr: bigint): number;
}

/** A helper or kfunc: r1..r5 in (unsigned 64-bit), r0 out. May throw BpfRuntimeError. */
export type HelperFn = (ctx: HelperContext, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint;

/** Id -> implementation. Helper ids are the BPF_FUNC_* numbers; kfuncs are keyed by BTF id (insn.imm). */
export type HelperTable = ReadonlyMap<number, HelperFn> | Readonly<Record<number, HelperFn>>;

export interface VmOptions {
  helpers?: HelperTable;
  kfuncs?: HelperTable;
  /** Default instruction budget for runs (default 10,000,000). */
  budget?: number;
  /**
   * Value of a pseudo ld_imm64 (src_reg != 0) at `pc`: map fds, map values,
   * BTF ids. BPF_PSEUDO_FUNC defaults to the code address of its target when
   * the hook is absent or returns undefined.
   */
  resolveLdImm64?: (pc: number, first: Insn, second: Insn) => bigint | undefined;
  /**
   * The instructions the verifier reached (VerifyResult.reached): the others are not decoded and
   * become a trap, as the kernel removes them before the program runs (an invalid encoding there
   * is no error). Absent (a program nobody verified): every instruction is checked.
   */
  reached?: Uint8Array;
  /** Instruction index of the exception callback subprogram, if the program has one. */
  exceptionCallbackPc?: number;
  /** Maximum number of frames (main + callees); the kernel's MAX_CALL_FRAMES is 8. */
  maxFrames?: number;
  /** Iterations a may_goto allows before it jumps (the kernel's BPF_MAX_LOOPS, 8M). */
  mayGotoBudget?: number;
}

export interface RunOptions {
  /** r1..r5 at entry (missing ones are 0). */
  args?: readonly bigint[];
  /** Memory the program may touch besides its stack. */
  regions?: readonly RegionSpec[];
  /** Name of the region legacy LD_ABS/LD_IND read (the skb data). */
  packetRegion?: string;
  /** Instruction budget for this run (overrides the VM's). */
  budget?: number;
}

export interface RunResult {
  /** r0 at exit, unsigned 64-bit. */
  retval: bigint;
  insnsExecuted: number;
  /** Set when the run ended by a BPF exception (bpf_throw). */
  exception?: { cookie: bigint; pc: number };
}
