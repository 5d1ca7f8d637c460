// Structural validation of instructions: the checks the kernel makes before
// any semantic verification. Models kernel/bpf/core.c bpf_opcode_in_insntable()
// ("unknown opcode %02x"), kernel/bpf/verifier.c resolve_pseudo_ldimm64()
// ("invalid bpf_ld_imm64 insn", "BPF_LDX uses reserved fields",
// "unrecognized bpf_ld_imm64 insn"), check_alu_op() ("BPF_ALU uses reserved
// fields", "BPF_NEG/BPF_END/BPF_MOV uses reserved fields"), do_check_insn()
// ("BPF_ST/BPF_STX/BPF_CALL/BPF_JA/BPF_EXIT/BPF_JMP/JMP32 uses reserved
// fields"), check_ld_abs(), check_ld_imm(), check_atomic(), check_cond_jmp_op().
// The reserved-field rules themselves are in reserved.ts.
//
// Deliberately more permissive than the kernel in one place: `callx`
// (BPF_JMP|BPF_CALL|BPF_X, target register in dst_reg, as in RFC 9669
// implementations such as ubpf and bpf_conformance) is accepted here; the
// kernel rejects it ("unknown opcode 8d"), and that is the verifier's job.
import { Insn } from './insn';
import { IsaError, IsaErrorKind } from './errors';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_MODE, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP, BPF_JMP32, BPF_ALU64,
  BPF_K, BPF_X, BPF_NEG, BPF_END, BPF_JA, BPF_CALL, BPF_EXIT, BPF_JCOND, BPF_W, BPF_H, BPF_B, BPF_DW, BPF_IMM,
  BPF_ABS, BPF_IND, BPF_MEM, BPF_MEMSX, BPF_ATOMIC, OP_LD_IMM64, BPF_PSEUDO_MAP_IDX_VALUE, INSN_SIZE, MAX_BPF_REG,
} from './opcodes';
import { ReservedRule, reservedFieldRule, reservedRuleText } from './reserved';

/** Every opcode the ISA defines (the kernel's public_insntable, plus callx). */
export const VALID_OPCODES: ReadonlySet<number> = buildOpcodeTable();

function buildOpcodeTable(): Set<number> {
  const s = new Set<number>();
  for (const cls of [BPF_ALU, BPF_ALU64]) {
    for (let op = 0; op <= 0xc0; op += 0x10) {
      s.add(cls | op | BPF_K);
      if (op !== BPF_NEG) s.add(cls | op | BPF_X);
    }
  }
  s.add(BPF_ALU | BPF_END | BPF_K); // le
  s.add(BPF_ALU | BPF_END | BPF_X); // be
  s.add(BPF_ALU64 | BPF_END | BPF_K); // bswap
  for (const cls of [BPF_JMP, BPF_JMP32]) {
    for (let op = 0x10; op <= 0xd0; op += 0x10) {
      if (op === BPF_CALL || op === BPF_EXIT) continue;
      s.add(cls | op | BPF_K);
      s.add(cls | op | BPF_X);
    }
    s.add(cls | BPF_JA | BPF_K);
  }
  s.add(BPF_JMP | BPF_CALL | BPF_K);
  s.add(BPF_JMP | BPF_CALL | BPF_X); // callx (see header)
  s.add(BPF_JMP | BPF_EXIT);
  s.add(BPF_JMP | BPF_JCOND);
  s.add(OP_LD_IMM64);
  for (const size of [BPF_W, BPF_H, BPF_B]) {
    s.add(BPF_LD | BPF_ABS | size);
    s.add(BPF_LD | BPF_IND | size);
    s.add(BPF_LDX | BPF_MEMSX | size);
  }
  for (const size of [BPF_W, BPF_H, BPF_B, BPF_DW]) {
    s.add(BPF_LDX | BPF_MEM | size);
    s.add(BPF_ST | BPF_MEM | size);
    s.add(BPF_STX | BPF_MEM | size);
    s.add(BPF_STX | BPF_ATOMIC | size); // B/H only for load-acquire/store-release (checked below)
  }
  return s;
}

/** A problem found in one instruction: kind + message (exactly the kernel verifier's words where it has them). */
export interface InsnProblem { kind: IsaErrorKind; message: string }

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/**
 * Check the instruction at insns[pc] (and, for ld_imm64, its second slot).
 * Returns undefined when it is well formed. Reserved fields are the rules of
 * reserved.ts; this adds the opcode table, register numbers and the ld_imm64
 * slot pair, in the kernel's order.
 */
export function checkInsn(insns: readonly Insn[], pc: number): InsnProblem | undefined {
  const n = insns[pc];
  const code = n.code;
  const cls = BPF_CLASS(code);
  const reserved = (rule: ReservedRule): InsnProblem => ({ kind: 'reserved-field', message: reservedRuleText(rule, n) });
  // resolve_pseudo_ldimm64() checks LDX modes and imm before the opcode table.
  if (cls === BPF_LDX && reservedFieldRule(n)) return reserved('BPF_LDX');
  if (!VALID_OPCODES.has(code)) return { kind: 'unknown-opcode', message: `unknown opcode ${hex2(code)}` };
  const op = BPF_OP(code);
  const badReg = (r: number): InsnProblem => ({ kind: 'bad-register', message: `R${r} is invalid` });
  const regs = (...rs: number[]): InsnProblem | undefined => {
    for (const r of rs) if (r >= MAX_BPF_REG) return badReg(r);
    return undefined;
  };

  if (code === (BPF_JMP | BPF_CALL | BPF_X)) { // callx (see header): target register in dst_reg
    if (n.src !== 0 || n.off !== 0 || n.imm !== 0) return reserved('BPF_CALL');
    return regs(n.dst);
  }
  if (cls === BPF_LD && BPF_MODE(code) === BPF_IMM) {
    // resolve_pseudo_ldimm64() checks the slot pair and the pseudo source first
    if (pc + 1 >= insns.length) return { kind: 'truncated-ld-imm64', message: 'invalid bpf_ld_imm64 insn' };
    const h = insns[pc + 1];
    if (h.code !== 0 || h.dst !== 0 || h.src !== 0 || h.off !== 0) return { kind: 'bad-ld-imm64', message: 'invalid bpf_ld_imm64 insn' };
    if (n.src > BPF_PSEUDO_MAP_IDX_VALUE) return { kind: 'bad-ld-imm64', message: 'unrecognized bpf_ld_imm64 insn' };
  }
  // Conditional jumps: the kernel checks dst_reg before the reserved fields.
  const condJmp = (cls === BPF_JMP || cls === BPF_JMP32) && op !== BPF_CALL && op !== BPF_JA && op !== BPF_EXIT && op !== BPF_JCOND;
  if (condJmp && n.dst >= MAX_BPF_REG) return badReg(n.dst);
  const rule = reservedFieldRule(n);
  if (rule) return reserved(rule);

  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      return BPF_SRC(code) === BPF_X && op !== BPF_END ? regs(n.dst, n.src) : regs(n.dst);
    case BPF_JMP:
    case BPF_JMP32:
      return condJmp && BPF_SRC(code) === BPF_X ? regs(n.src) : undefined;
    case BPF_LD:
      if (BPF_MODE(code) === BPF_IMM) return regs(n.dst);
      return BPF_MODE(code) === BPF_IND ? regs(n.src) : undefined;
    case BPF_LDX:
      return regs(n.dst, n.src);
    case BPF_ST:
      return regs(n.dst);
    default: // BPF_STX; check_atomic() checks src_reg first
      return BPF_MODE(code) === BPF_ATOMIC ? regs(n.src, n.dst) : regs(n.dst, n.src);
  }
}

/**
 * Validate already-split slots. Throws IsaError naming the byte offset of the
 * first bad instruction. The second slot of an ld_imm64 is checked with its
 * first slot and skipped.
 */
export function validateInsns(insns: readonly Insn[]): void {
  for (let pc = 0; pc < insns.length; pc++) {
    const p = checkInsn(insns, pc);
    if (p) {
      const at = p.kind === 'bad-ld-imm64' && p.message === 'invalid bpf_ld_imm64 insn' ? pc + 1 : pc;
      const why = p.kind === 'truncated-ld-imm64' ? ': its second slot is missing' : p.kind === 'bad-ld-imm64' && at === pc + 1 ? ': malformed second slot' : '';
      throw new IsaError(p.kind, at * INSN_SIZE, p.message + why);
    }
    if (insns[pc].code === OP_LD_IMM64) pc++;
  }
}
