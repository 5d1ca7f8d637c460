// The instruction as the kernel stores it (struct bpf_insn): one 8-byte slot.
// An ld_imm64 occupies two slots, exactly as in the kernel, so that pc
// arithmetic (jump offsets, call offsets, verifier log indices) is the same
// everywhere in bpfx: insns[i] is instruction i of the kernel's log.
import { OP_LD_IMM64, BPF_CLASS, BPF_JMP, BPF_CALL, BPF_OP, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL,
  BPF_HELPER_CALL, OP_CALL, OP_EXIT, BPF_PSEUDO_FUNC, BPF_K } from './opcodes';

export interface Insn {
  /** 8-bit opcode. */
  code: number;
  /** Destination register, 0..15 as encoded (0..10 valid). */
  dst: number;
  /** Source register, 0..15 as encoded (0..10 valid), or a pseudo source. */
  src: number;
  /** Signed 16-bit offset. */
  off: number;
  /** Signed 32-bit immediate. */
  imm: number;
}

export const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

export const isLdImm64 = (i: Insn): boolean => i.code === OP_LD_IMM64;

/** The 64-bit constant of the ld_imm64 at insns[pc] (first slot imm is the low half). */
export function ldImm64Value(insns: readonly Insn[], pc: number): bigint {
  const lo = BigInt(insns[pc].imm >>> 0);
  const hi = BigInt(insns[pc + 1]?.imm ?? 0);
  return BigInt.asUintN(64, (hi << 32n) | lo);
}

/** Build the two slots of an ld_imm64 of a 64-bit value. */
export function ldImm64(dst: number, value: bigint, src = 0): [Insn, Insn] {
  const v = BigInt.asUintN(64, value);
  const lo = Number(BigInt.asIntN(32, v & 0xffffffffn));
  const hi = Number(BigInt.asIntN(32, v >> 32n));
  return [insn(OP_LD_IMM64, dst, src, 0, lo), insn(0, 0, 0, 0, hi)];
}

export const isHelperCall = (i: Insn): boolean => i.code === OP_CALL && i.src === BPF_HELPER_CALL;
export const isPseudoCall = (i: Insn): boolean => i.code === OP_CALL && i.src === BPF_PSEUDO_CALL;
export const isKfuncCall = (i: Insn): boolean => i.code === OP_CALL && i.src === BPF_PSEUDO_KFUNC_CALL;
export const isPseudoFunc = (i: Insn): boolean => i.code === OP_LD_IMM64 && i.src === BPF_PSEUDO_FUNC;
export const isExit = (i: Insn): boolean => i.code === OP_EXIT;
/** A JMP/JMP32 class instruction other than call and exit. */
export const isJump = (i: Insn): boolean => {
  const cls = BPF_CLASS(i.code);
  if (cls !== BPF_JMP && cls !== 6) return false;
  const op = BPF_OP(i.code);
  return !(cls === BPF_JMP && (op === BPF_CALL || op === 0x90));
};
/** True for `callx` (BPF_JMP | BPF_CALL | BPF_X). */
export const isCallx = (i: Insn): boolean => i.code === (BPF_JMP | BPF_CALL | 0x08);
export const isCallK = (i: Insn): boolean => i.code === (BPF_JMP | BPF_CALL | BPF_K);
