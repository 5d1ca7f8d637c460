// Engines are the things a program can be run on: the interpreter, the
// verifier model, the live kernel, and (later) the JIT. Every engine answers
// with the same keys as `bpfx kernel --json`, so results can be diffed.
import { Insn } from '../isa/insn';
import { Btf, KernelFuncInfo } from '../btf';
import { LinkedProgram, LoadedObject } from '../loader';
import { firstErrorLine } from '../verifier/error_line';

export type EngineName = 'interp' | 'verifier' | 'kernel' | 'jit';

/** A program ready for an engine: the final instruction stream and what the kernel gets with it. */
export interface ProgramUnderTest {
  name: string;
  insns: Insn[];
  /** Kernel program type name (socket_filter, xdp, ...). */
  progType: string;
  license: string;
  /**
   * Whose helper numbers the program calls: 'kernel' (BPF_FUNC_*, the default) or
   * 'ubpf' (the bpf_conformance suite's test helpers 0-5).
   */
  helperAbi?: 'kernel' | 'ubpf';
  /** Kernel functions the program calls: vmlinux BTF id -> name. */
  kfuncs?: ReadonlyMap<number, string>;
  /** Set when the program comes from an object file (BTF, func_info, maps travel with it). */
  object?: ObjectSource;
  /** BTF and func_info of a hand-built program (not from an object file), as BPF_PROG_LOAD gets them. */
  btf?: ProgramBtf;
  /** The BPF program function a tracing or extension program attaches to (bpf_program__set_attach_target). */
  attachTarget?: AttachTarget;
}

/** A function of another object's program: loaded first, then named by attach_prog_fd and its BTF id. */
export interface AttachTarget {
  object: ObjectSource;
  /** The function's name and its BTF id in the target object's BTF (as loaded). */
  func: string;
  btfId: number;
}

/** A hand-built program's BTF (prog_btf_fd) and its bpf_func_info records. */
export interface ProgramBtf {
  btf: Btf;
  funcInfo: readonly KernelFuncInfo[];
}

/** An object-file program: the file's bytes, the loader's result and the linked program. */
export interface ObjectSource {
  file: string;
  bytes: Uint8Array;
  loaded: LoadedObject;
  linked: LinkedProgram;
  /** Programs of the object loaded before this one (test_loader's __auxiliary): a failure among them fails the load. */
  auxiliary?: LinkedProgram[];
}

export interface RunInput {
  /** Bytes given in r1 with the length in r2 (bpf_conformance style). */
  mem?: Uint8Array;
  /** Packet bytes (test-run data_in). */
  packet?: Uint8Array;
  /** Context bytes (test-run ctx_in). */
  ctx?: Uint8Array;
  /** Run this many times (the loop inside native code or the kernel); the result adds nsPerRun. */
  repeat?: number;
  /** The JIT may compile a program the verifier model cannot decide when the live kernel accepts it. */
  trustKernel?: boolean;
  /** How the verifying engines (verifier, kernel) load the program; default: log level 1, no flags, privileged. */
  load?: LoadOptions;
}

/** Load options of the verifying engines (a spec's `load` and `expect.unpriv`, test_loader's __log_level, __flag, _unpriv). */
export interface LoadOptions {
  /** The log level of the load (default 1). */
  logLevel?: number;
  /** BPF_PROG_LOAD prog_flags. */
  progFlags?: number;
  /** Load without CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN (the verifier model; the kernel engine cannot drop them). */
  unprivileged?: boolean;
  /** Also answer the program as the kernel rewrote it (EngineResult.xlated), when accepted. */
  xlated?: boolean;
}

export interface EngineResult {
  /** Load-time verdict; null for engines that do not verify (the interpreter). */
  verdict: 'accept' | 'reject' | null;
  errno: string | null;
  /** Verifier log, when the engine has one. */
  log: string | null;
  /** r0 at exit (unsigned 64-bit), null when the program did not run. */
  retval: bigint | null;
  /** Runtime error, null when none. */
  error: string | null;
  /** The verifier's message when the load was rejected (see verifierResult / kernelResult); null otherwise. */
  errorLine: string | null;
  /** The verifier model rejected with `not modelled yet: ...`: it could not decide. */
  notModelled: boolean;
  /** BPF_PROG_TEST_RUN data_out: the packet after the run (engines that build a program context). */
  dataOut?: Uint8Array;
  /** BPF_PROG_TEST_RUN ctx_out, when a ctx_in was given. */
  ctxOut?: Uint8Array;
  /** With RunInput.repeat: average time of one run in ns (jit: thread CPU time around the native loop). */
  nsPerRun?: number;
  /** The lines bpf_trace_printk wrote (interpreter and jit). */
  trace?: string[];
  /** With RunInput.load.xlated: the rewritten program (accepted loads), or why the engine cannot give it. */
  xlatedProgram?: Insn[] | { unavailable: string };
}

export interface Engine {
  name: EngineName;
  /** Whether this engine can run here (the kernel needs bpf()). */
  available(): { ok: boolean; reason?: string };
  /** Load (and where the engine can, run) a program. Never throws for a program's own faults. */
  run(prog: ProgramUnderTest, input: RunInput): Promise<EngineResult>;
}

/** The result of an engine that does not verify (the interpreter, the JIT): a return value or a runtime error. */
export function runResult(retval: bigint | null, error: string | null): EngineResult {
  return { verdict: null, errno: null, log: null, retval, error, errorLine: null, notModelled: false };
}

/**
 * The result of a load on the live kernel: the error line is read from the
 * verifier log here, once, for every consumer.
 */
export function kernelResult(v: {
  verdict: 'accept' | 'reject'; errno: string | null; log: string; retval: bigint | null; runError: string | null; dataOut?: Uint8Array; ctxOut?: Uint8Array;
}): EngineResult {
  const r: EngineResult = {
    verdict: v.verdict, errno: v.errno, log: v.log, retval: v.retval, error: v.runError,
    errorLine: v.verdict === 'reject' ? firstErrorLine(v.log) : null, notModelled: false,
  };
  if (v.dataOut) r.dataOut = v.dataOut;
  if (v.ctxOut) r.ctxOut = v.ctxOut;
  return r;
}

/** The result of the verifier model: its own error message and whether it could decide. */
export function verifierResult(r: { verdict: 'accept' | 'reject'; errno: string | null; log: string; error: string; notModelled: boolean }): EngineResult {
  return {
    verdict: r.verdict, errno: r.errno, log: r.log, retval: null, error: null,
    errorLine: r.verdict === 'reject' && r.error ? r.error : null, notModelled: r.notModelled,
  };
}

export function hex64(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}

/**
 * The one-line JSON of `bpfx run --json`: a runtime answers `{"retval", "error"}`;
 * an engine that also verifies (the kernel) adds the keys of `bpfx kernel --json`;
 * a run on a program context adds `data_out` (and `ctx_out` with a ctx_in), in hex.
 */
export function resultJson(prog: string, r: EngineResult): string {
  const retval = r.retval === null ? null : hex64(r.retval);
  // data_out / ctx_out (hex) when the engine ran the program on a test-run context; ns_per_run with a repeat
  const out = {
    ...(r.dataOut ? { data_out: Buffer.from(r.dataOut).toString('hex') } : {}),
    ...(r.ctxOut ? { ctx_out: Buffer.from(r.ctxOut).toString('hex') } : {}),
    ...(r.nsPerRun !== undefined ? { ns_per_run: Math.round(r.nsPerRun * 100) / 100 } : {}),
    ...(r.trace?.length ? { trace: r.trace } : {}),
  };
  if (r.verdict === null) return JSON.stringify({ retval, error: r.error, ...out });
  return JSON.stringify({ prog, verdict: r.verdict, errno: r.errno, log: r.log, retval, error: r.error, ...out });
}
