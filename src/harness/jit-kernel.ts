// Our JIT against the kernel's, instruction for instruction: load a program
// into the live kernel, take its xlated instructions (the program after the
// verifier's rewrites, what the kernel's JIT compiled), compile them with
// src/jit, and compare with the kernel's jited image once call targets and
// absolute addresses (maps, functions, the retpoline and return thunks) are masked.
import * as fs from 'fs';
import { kernelSymbols, callImmOf } from '../kernel/kallsyms';
import { Insn, insn } from '../isa/insn';
import {
  BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_ALU64, BPF_MOV, BPF_K, BPF_JMP, BPF_EXIT,
} from '../isa/opcodes';
import { JitImage, JitInput, JitOptions, jitProgram, JitError, OP_TAIL_CALL, KERNEL_IMAGE_BASE, splitFunctions } from '../jit';
import { ProgramUnderTest, RunInput } from './engine';
import type { KernelVerdict } from '../kernel/run';

/**
 * How the kernel's JIT is configured here: BMI2 from the CPU, retpolines from the Spectre v2 mitigation,
 * the return thunk from the live kernel's own code.
 */
export function hostJitOptions(): JitOptions {
  let retpoline = false;
  try { retpoline = /Retpolines/.test(fs.readFileSync('/sys/devices/system/cpu/vulnerabilities/spectre_v2', 'utf8')); } catch { /* unknown */ }
  return { bmi2: hostHasBmi2(), retpoline, returnThunk: kernelReturnsThroughThunk(), imageBase: KERNEL_IMAGE_BASE };
}

/** The JIT options of code run in this process (native execution at `imageBase`): the CPU's BMI2, no kernel thunks. */
export function nativeJitOptions(imageBase: bigint): JitOptions {
  return { bmi2: hostHasBmi2(), retpoline: false, returnThunk: false, imageBase };
}

function hostHasBmi2(): boolean {
  try { return /^flags\s*:.*\bbmi2\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8')); } catch { return false; /* not Linux */ }
}

let returnThunkProbed: boolean | undefined;

/**
 * Whether the live kernel's JIT returns through the return thunk (cpu_wants_rethunk(): X86_FEATURE_RETHUNK,
 * which /proc/cpuinfo does not list): its image of `r0 = 0; exit` ends in `leave; jmp rel32`, not
 * `leave; ret`. Probed once per process; false where bpf() cannot be used (nothing to compare with).
 */
function kernelReturnsThroughThunk(): boolean {
  if (returnThunkProbed !== undefined) return returnThunkProbed;
  returnThunkProbed = false;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { kernelRun } = require('../kernel/run') as typeof import('../kernel/run');
    const probe = { name: 'rethunk_probe', insns: [insn(BPF_ALU64 | BPF_MOV | BPF_K, 0), insn(BPF_JMP | BPF_EXIT)], progType: 'socket_filter', license: 'GPL' };
    const j = kernelRun(probe, {}, { logLevel: 0, dump: 'all' }).jited;
    if (j && j.length >= 6) returnThunkProbed = j[j.length - 6] === 0xc9 && j[j.length - 5] === 0xe9;
  } catch { /* no bpf(): the kernel's image is not compared */ }
  return returnThunkProbed;
}

/** bpf_throw's imm in xlated code: its address minus __bpf_call_base (from /proc/kallsyms), or undefined. */
function bpfThrowImm(): number | undefined {
  const syms = kernelSymbols();
  return syms ? callImmOf(syms, 'bpf_throw') : undefined;
}

/** The xlated dump writes tail calls back as `call 12` (BPF_FUNC_tail_call). */
const isTailCall = (n: Insn): boolean => n.code === 0x85 && n.src === 0 && n.imm === 12;

/**
 * Whether the verifier made a tail call direct (a constant key): the last
 * write to r3 before it in the same straight-line code is `r3 = imm`.
 */
function directTailCall(insns: readonly Insn[], pc: number, starts: Set<number>): boolean {
  for (let i = pc - 1; i >= 0; i--) {
    const n = insns[i];
    if (n.dst === 3 && (n.code & 7) !== 2 && (n.code & 7) !== 3 && (n.code & 7) !== 5 && (n.code & 7) !== 6) return n.code === 0xb7;
    if ((n.code & 7) === 5 || (n.code & 7) === 6 || starts.has(i)) return false;
  }
  return false;
}

export interface KernelJitInput { input: JitInput; mapImmediates: number[] }

/**
 * The JIT's input from the kernel's xlated instructions: function starts from
 * func_info, call targets and (for a program that throws without its own
 * callback) the hidden default callback at the end; stack depths from the
 * verifier's statistics line.
 */
export function jitInputFromXlated(xlated: readonly Insn[], v: KernelVerdict, exceptionCbFunc: number | undefined): KernelJitInput {
  const depths = /stack depth ([0-9+]+)/.exec(v.log ?? '')?.[1]?.split('+').map(Number);
  if (!depths) throw new JitError(-1, 'the verifier log has no stack depth line (load with log level 4)');
  const tImm = bpfThrowImm();
  // After jit_subprogs a bpf-to-bpf call keeps its relative target in off and the callee's index in imm
  const insns = xlated.map((n) => (n.code === 0x85 && n.src === BPF_PSEUDO_CALL ? { ...n, imm: n.off, off: 0 } : { ...n }));
  let throws = false;
  for (let i = 0; i < insns.length; i++) {
    const n = insns[i];
    if (n.code === 0x85 && n.src === BPF_PSEUDO_KFUNC_CALL && tImm !== undefined && n.imm === tImm) throws = true;
    if (n.code === 0x18) i++;
  }
  const hidden = throws && exceptionCbFunc === undefined;
  // Map ld_imm64: the kernel's map addresses are 64-bit; the dump shows the map id instead
  const mapImmediates: number[] = [];
  for (let i = 0; i < insns.length; i++) {
    const n = insns[i];
    if (n.code !== 0x18) continue;
    if (n.src === BPF_PSEUDO_MAP_FD || n.src === BPF_PSEUDO_MAP_VALUE) {
      const addr = 0xffff_8881_0000_0000n + (BigInt(n.imm >>> 0) << 12n) + BigInt(insns[i + 1].imm >>> 0);
      insns[i] = { ...n, src: 0, imm: Number(BigInt.asIntN(32, addr & 0xffffffffn)) };
      insns[i + 1] = { ...insns[i + 1], imm: Number(BigInt.asIntN(32, addr >> 32n)) };
      mapImmediates.push(i);
    }
    i++;
  }
  const starts = new Set<number>([0, ...(v.funcInfo ?? []).map((f) => f.insnOff)]);
  for (let i = 0; i < insns.length; i++) if (isTailCall(insns[i])) insns[i] = { ...insns[i], code: OP_TAIL_CALL, imm: directTailCall(insns, i, starts) ? 1 : 0 };
  const extra = (v.funcInfo ?? []).map((f) => f.insnOff);
  const sortedInfo = [...new Set([0, ...extra])].sort((a, b) => a - b);
  const exceptionCbStart = hidden ? insns.length - 2 : exceptionCbFunc !== undefined ? sortedInfo[exceptionCbFunc] : undefined;
  const funcs = splitFunctions(insns, { extraStarts: extra, stackDepths: depths, exceptionCbStart });
  return { input: { insns, funcs, exceptionBoundary: throws }, mapImmediates };
}

export interface FuncComparison {
  ours: number;
  kernel: number;
  /** The first byte that differs (beyond masked ones), with the BPF instruction it belongs to. */
  firstDiff?: { offset: number; pc: number; ours: Uint8Array; kernel: Uint8Array };
}

export interface JitComparison {
  prog: string;
  result: 'match' | 'differ' | 'skip';
  /** Why it was skipped or where it differs. */
  reason: string;
  /** The program calls helpers or kfuncs (beyond bpf-to-bpf calls). */
  helperCalls: boolean;
  funcs: FuncComparison[];
  image?: JitImage;
  kernelImage?: Uint8Array;
  input?: JitInput;
  /** ld_imm64 instructions of map addresses (their immediates are masked). */
  mapImmediates?: readonly number[];
}

/** Byte ranges (image offsets) whose values are addresses: masked in the comparison. */
function maskRanges(img: JitImage, mapImmediates: readonly number[]): Array<[number, number]> {
  const r: Array<[number, number]> = img.relocs.map((x) => [x.at, x.at + (x.kind === 'abs64' ? 8 : 4)]);
  for (const pc of mapImmediates) {
    const at = img.insnOffsets[pc];
    r.push([at + 2, at + 10]); // movabs: REX.W B8+r, then the 8-byte address
  }
  return r;
}

/** Compare our image with the kernel's, function by function (the kernel does not dump hidden subprograms). */
export function compareImages(prog: string, img: JitImage, input: JitInput, kernelCode: Uint8Array, kernelLens: readonly number[], mapImmediates: readonly number[]): JitComparison {
  const masked = new Uint8Array(img.code.length);
  for (const [a, b] of maskRanges(img, mapImmediates)) masked.fill(1, a, b);
  const helperCalls = input.insns.some((n) => (n.code === 0x85 && n.src !== BPF_PSEUDO_CALL) || n.code === OP_TAIL_CALL);
  const funcs: FuncComparison[] = [];
  let kOff = 0;
  let reason = '';
  kernelLens.forEach((klen, k) => {
    const f = img.funcs[k];
    const kc = kernelCode.subarray(kOff, kOff + klen);
    kOff += klen;
    const c: FuncComparison = { ours: f?.size ?? 0, kernel: klen };
    if (f) {
      const n = Math.max(f.size, klen);
      for (let i = 0; i < n; i++) {
        const at = f.offset + i;
        if (i < f.size && i < klen && (masked[at] || img.code[at] === kc[i])) continue;
        const pc = pcAt(img, input, Math.min(at, f.offset + f.size - 1));
        const from = pc >= 0 ? img.insnOffsets[pc] - f.offset : i;
        const to = pc >= 0 ? Math.max(img.insnEnds[pc] - f.offset, i + 1) : i + 1;
        c.firstDiff = { offset: i, pc, ours: img.code.slice(f.offset + from, f.offset + to), kernel: kc.slice(from, Math.min(klen, to + 4)) };
        if (!reason) reason = `function ${k} at +0x${i.toString(16)}${pc >= 0 ? ` (insn ${pc})` : ' (prologue)'}`;
        break;
      }
    }
    funcs.push(c);
  });
  if (img.funcs.length < kernelLens.length && !reason) reason = `the kernel has ${kernelLens.length} functions, we have ${img.funcs.length}`;
  return { prog, result: reason ? 'differ' : 'match', reason, helperCalls, funcs, image: img, kernelImage: kernelCode, input, mapImmediates };
}

/** The BPF instruction whose code holds image offset `at`, or -1 (prologue). */
export function pcAt(img: JitImage, input: JitInput, at: number): number {
  let best = -1;
  for (let pc = 0; pc < input.insns.length; pc++) {
    const s = img.insnOffsets[pc];
    if (s >= 0 && s <= at && at < img.insnEnds[pc]) return pc;
    if (s >= 0 && s <= at) best = pc;
  }
  return at < (img.insnOffsets[0] ?? 0) ? -1 : best;
}

/** Load `p` into the live kernel and compare its jited image with ours. Never throws for the program's own faults. */
export function compareWithKernel(p: ProgramUnderTest, input: RunInput, opts: JitOptions = hostJitOptions()): JitComparison {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { kernelRun } = require('../kernel/run') as typeof import('../kernel/run');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { loadLinkedObject } = require('../kernel/object') as typeof import('../kernel/object');
  const kopts = { logLevel: 4, dump: 'all' as const };
  let v: KernelVerdict;
  let exceptionCbFunc: number | undefined;
  if (p.object) {
    [v] = loadLinkedObject({ ...p.object.loaded, programs: [p.object.linked] }, { ...kopts, input });
    const l = p.object.linked;
    if (l.exceptionCallback) {
      const starts = [0, ...l.subprogOffsets].sort((a, b) => a - b);
      exceptionCbFunc = starts.indexOf(l.subprogOffsets[l.subprogs.indexOf(l.exceptionCallback)]);
    }
  } else {
    v = kernelRun({ name: p.name, insns: p.insns, progType: p.progType, license: p.license }, input, kopts);
  }
  const none = { helperCalls: false, funcs: [] };
  if (v.verdict !== 'accept') return { prog: p.name, result: 'skip', reason: `the kernel rejects it (${v.errno})`, ...none };
  if (!v.xlated || !v.jited || !v.jitedFuncLens) return { prog: p.name, result: 'skip', reason: 'the kernel did not JIT it', ...none };
  try {
    const { input: jin, mapImmediates } = jitInputFromXlated(v.xlated, v, exceptionCbFunc);
    const img = jitProgram(jin, opts);
    const lens = v.jitedFuncLens.length ? v.jitedFuncLens : [v.jited.length];
    return compareImages(p.name, img, jin, v.jited, lens, mapImmediates);
  } catch (e) {
    if (e instanceof JitError) return { prog: p.name, result: 'skip', reason: `JIT error: ${e.message}`, ...none };
    throw e;
  }
}
