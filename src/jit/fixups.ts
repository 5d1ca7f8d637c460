// The verifier's rewrites that the x86-64 JIT relies on (do_misc_fixups in
// kernel/bpf/verifier.c), as Linux 6.18 emits them (read from its xlated
// dumps): the hidden default exception callback, the division and modulo
// guards, r0's zero extension after a 32-bit cmpxchg, legacy packet loads as
// helper calls, bpf_tail_call as BPF_TAIL_CALL, map ld_imm64 as addresses. The
// result is our "xlated" program: the JIT's input. PURE.
import { Insn, insn } from '../isa/insn';
import {
  BPF_ALU, BPF_ALU64, BPF_CLASS, BPF_X, BPF_LD, BPF_MODE, BPF_ABS, BPF_IND,
  BPF_PSEUDO_FUNC, BPF_PSEUDO_BTF_ID, BPF_JMP, BPF_CALL, BPF_EXIT, BPF_CMPXCHG,
} from '../isa/opcodes';
import { OP_TAIL_CALL } from './codegen';
import { patchProgram, Patched } from '../isa/patch';
import { IsaError } from '../isa/errors';
import { divModPatch, genLdAbs } from '../verifier/fixups';
import { splitFunctions } from './functions';
import { JitError, JitInput } from './types';

/** The verifier's scratch register (BPF_REG_AX), r11 in xlated code. */
const AX = 11;
const BPF_FUNC_tail_call = 12;

/**
 * The helpers legacy packet loads become (the kernel's bpf_skb_load_helper_8/16/32
 * _no_cache): helper ids past every BPF_FUNC_*, by load size in bytes.
 * (u64 skb, u64 offset) -> the big-endian value, or a negative errno.
 */
export const SKB_LOAD_HELPER: Readonly<Record<1 | 2 | 4, number>> = { 1: 0x10001, 2: 0x10002, 4: 0x10004 };

export interface FixupInput {
  /** The program as loaded (subprograms appended; maps still by fd or index). */
  insns: readonly Insn[];
  /** Stack depth of each function, in order, the hidden callback included when there is one. */
  stackDepths: readonly number[];
  /** The program throws and has no exception callback of its own: append the default one. */
  hiddenExceptionCallback: boolean;
  /** The program calls bpf_throw: its main program is the exception boundary. */
  throws: boolean;
  /** First instruction of its own exception callback. */
  exceptionCbStart?: number;
  /** Function starts from func_info (global functions nothing calls, such as the exception callback). */
  funcStarts?: readonly number[];
  /**
   * The address a map ld_imm64 (src 1, 2, 5, 6) loads: the map or its value
   * plus offset. Undefined: the program cannot be jitted here.
   */
  ldImm64?: (pc: number, first: Insn, second: Insn) => bigint | undefined;
}

export interface Fixed {
  input: JitInput;
  /** For each instruction of input.insns, the instruction of the program it came from (-1: appended). */
  origin: Int32Array;
}

/** The program as the JIT gets it. Throws JitError for what the native runtime cannot support. */
export function fixupForJit(fi: FixupInput): Fixed {
  const base = [...fi.insns];
  let exceptionCbStart = fi.exceptionCbStart;
  if (fi.hiddenExceptionCallback) {
    // add_hidden_subprog: today's default callback returns the cookie
    exceptionCbStart = base.length;
    base.push(insn(BPF_ALU64 | 0xb0 | BPF_X, 0, 1, 0, 0), insn(BPF_JMP | BPF_EXIT));
  }
  const patches = new Map<number, Insn[]>();
  for (let i = 0; i < base.length; i++) {
    const n = base[i];
    if (n.code === 0x18) {
      const second = base[i + 1];
      if (!second) throw new JitError(i, 'ld_imm64 without its second slot');
      if (n.src !== 0 && n.src !== BPF_PSEUDO_FUNC) {
        if (n.src === BPF_PSEUDO_BTF_ID) throw new JitError(i, 'ld_imm64 of a kernel symbol (BPF_PSEUDO_BTF_ID) has no address outside the kernel');
        const v = fi.ldImm64?.(i, n, second);
        if (v === undefined) throw new JitError(i, `ld_imm64 with src_reg ${n.src} (a map) has no address here`);
        const u = BigInt.asUintN(64, v);
        patches.set(i, [{ ...n, src: 0, imm: Number(BigInt.asIntN(32, u & 0xffffffffn)) }, { ...second, imm: Number(BigInt.asIntN(32, u >> 32n)) }]);
      }
      i++;
      continue;
    }
    if (BPF_CLASS(n.code) === BPF_LD && (BPF_MODE(n.code) === BPF_ABS || BPF_MODE(n.code) === BPF_IND)) {
      const p = genLdAbs(n, (size) => SKB_LOAD_HELPER[size]);
      if (!p) throw new JitError(i, `legacy packet load of an unknown size (0x${n.code.toString(16)})`);
      patches.set(i, p);
      continue;
    }
    if (n.code === (BPF_JMP | BPF_CALL) && n.src === 0 && n.imm === BPF_FUNC_tail_call) {
      patches.set(i, [insn(OP_TAIL_CALL, 0, 0, 0, 0)]); // always the indirect form: there is no text poking here
      continue;
    }
    if (n.code === (0x03 | 0xc0 | 0x00) && n.imm === BPF_CMPXCHG) {
      // A 32-bit cmpxchg leaves rax's upper half alone when it succeeds: the verifier zero-extends r0
      patches.set(i, [n, insn(BPF_ALU | 0xb0 | BPF_X, 0, 0, 0, 0)]);
      continue;
    }
    const p = divModPatch(n);
    if (p) patches.set(i, p);
  }
  // An ld_imm64 patch replaces two slots: drop the second slot's own entry
  const merged = new Map<number, Insn[]>();
  const skip = new Set<number>();
  for (const [i, p] of patches) {
    if (base[i].code === 0x18) { merged.set(i, [p[0]]); merged.set(i + 1, [p[1]]); skip.add(i + 1); } else merged.set(i, p);
  }
  let patched;
  try { patched = patchLdAware(base, merged, skip); } catch (e) {
    throw e instanceof IsaError ? new JitError(Math.floor(e.byteOffset / 8), e.message.replace(/ at byte offset.*/, '')) : e;
  }
  const { insns, newPc, origin } = patched;
  const funcs = splitFunctions(insns, {
    extraStarts: (fi.funcStarts ?? []).map((s) => newPc[s]),
    stackDepths: fi.stackDepths,
    exceptionCbStart: exceptionCbStart === undefined ? undefined : newPc[exceptionCbStart],
  });
  return { input: { insns, funcs, exceptionBoundary: fi.throws }, origin };
}

/** patchProgram where ld_imm64 slots are replaced one for one (their second slot has its own entry). */
function patchLdAware(base: readonly Insn[], patches: ReadonlyMap<number, Insn[]>, seconds: ReadonlySet<number>): Patched {
  // Replace ld_imm64 slots in place first (same length), then patch the rest
  const inPlace = base.map((n, i) => (base[i].code === 0x18 || seconds.has(i) ? patches.get(i)?.[0] ?? n : n));
  const rest = new Map<number, Insn[]>();
  for (const [i, p] of patches) if (base[i].code !== 0x18 && !seconds.has(i)) rest.set(i, p);
  return patchProgram(inPlace, rest);
}
