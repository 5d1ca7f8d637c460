// Where control goes after an instruction: the one successor function of bpfx,
// used by the verifier's control-flow checks (check_cfg / visit_insn), its
// liveness passes (compute_live_registers, bpf_insn_successors of
// kernel/bpf/liveness.c) and the interpreter's predecoder.
import { Insn } from './insn';
import {
  BPF_CLASS, BPF_OP, BPF_JMP, BPF_JMP32, BPF_JA, BPF_EXIT, BPF_CALL, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC, OP_LD_IMM64,
} from './opcodes';

/**
 * The successors of one instruction, as instruction indices (slots). Targets
 * are computed, not checked: one may lie outside the program or on the second
 * slot of an ld_imm64, for the caller to report.
 */
export interface Successors {
  /**
   * The instruction control falls through to: pc + 1, or pc + 2 after an
   * ld_imm64 (its two slots). Calls fall through (helpers, kfuncs, bpf_throw,
   * tail calls and bpf-to-bpf calls alike: the callee returns there). null
   * after exit, ja and gotol.
   */
  readonly next: number | null;
  /**
   * The jump target of ja (pc + off + 1), gotol (JMP32 ja: pc + imm + 1), a
   * conditional jump or may_goto (pc + off + 1; `next` is the not-taken
   * path). null for every other instruction.
   */
  readonly jump: number | null;
  /**
   * The first instruction of the subprogram a bpf-to-bpf call (call with
   * src_reg BPF_PSEUDO_CALL) or an ld_imm64 of a function address (src_reg
   * BPF_PSEUDO_FUNC, a callback) names: pc + imm + 1. check_cfg walks it as a
   * branch edge; the liveness passes, which work within one subprogram, do
   * not follow it (compute_live_registers and bpf_insn_successors ignore it).
   * null for every other instruction.
   */
  readonly callee: number | null;
}

/**
 * The successors of insns[pc] as Linux 6.18's check_subprogs, check_cfg and
 * liveness passes see them: by class and operation, for JMP and JMP32 alike,
 * whatever the source bit (so ja with BPF_X, an unknown opcode there, jumps
 * by off; the gotox indirect jump of newer kernels is not modelled). exit has
 * none.
 */
export function successors(insns: readonly Insn[], pc: number): Successors {
  const insn = insns[pc];
  const cls = BPF_CLASS(insn.code);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) {
    if (insn.code !== OP_LD_IMM64) return fallThrough(pc + 1);
    return { next: pc + 2, jump: null, callee: insn.src === BPF_PSEUDO_FUNC ? pc + insn.imm + 1 : null };
  }
  switch (BPF_OP(insn.code)) {
    case BPF_EXIT: return NONE;
    case BPF_CALL: return insn.src === BPF_PSEUDO_CALL ? { next: pc + 1, jump: null, callee: pc + insn.imm + 1 } : fallThrough(pc + 1);
    case BPF_JA:
      return { next: null, jump: pc + (cls === BPF_JMP ? insn.off : insn.imm) + 1, callee: null };
    default: return { next: pc + 1, jump: pc + insn.off + 1, callee: null };
  }
}

/** The successors of every instruction, found once for the passes of one verification. */
export function successorTable(insns: readonly Insn[]): Successors[] {
  const out = new Array<Successors>(insns.length);
  for (let i = 0; i < insns.length; i++) out[i] = successors(insns, i);
  return out;
}

/** Exit's successors (none), shared: successors are read-only values (not frozen: one object shape for all). */
const NONE: Successors = { next: null, jump: null, callee: null };

/**
 * The successors of an instruction that only falls through to `next`, most instructions: one
 * shared object per target below FALL_THROUGH_SHARED (no object per instruction and verification).
 */
function fallThrough(next: number): Successors {
  if (next >= FALL_THROUGH_SHARED) return { next, jump: null, callee: null };
  while (FALL_THROUGH.length <= next) FALL_THROUGH.push({ next: FALL_THROUGH.length, jump: null, callee: null });
  return FALL_THROUGH[next];
}
const FALL_THROUGH_SHARED = 1 << 16;
const FALL_THROUGH: Successors[] = [];
