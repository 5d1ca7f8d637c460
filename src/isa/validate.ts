// Structural validation of instructions: the checks the kernel makes before
// any semantic verification. Models kernel/bpf/core.c bpf_opcode_in_insntable()
// ("unknown opcode %02x"), kernel/bpf/verifier.c resolve_pseudo_ldimm64()
// ("invalid bpf_ld_imm64 insn", "BPF_LDX uses reserved fields",
// "unrecognized bpf_ld_imm64 insn"), check_alu_op() ("BPF_ALU uses reserved
// fields", "BPF_NEG/BPF_END/BPF_MOV uses reserved fields"), do_check_insn()
// ("BPF_ST/BPF_STX/BPF_CALL/BPF_JA/BPF_EXIT/BPF_JMP/JMP32 uses reserved
// fields"), check_ld_abs(), check_ld_imm(), check_atomic(), check_cond_jmp_op().
//
// Deliberately more permissive than the kernel in one place: `callx`
// (BPF_JMP|BPF_CALL|BPF_X, target register in dst_reg, as in RFC 9669
// implementations such as ubpf and bpf_conformance) is accepted here; the
// kernel rejects it ("unknown opcode 8d"), and that is the verifier's job.
import { Insn } from './insn';
import { IsaError, IsaErrorKind } from './errors';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_SIZE, BPF_MODE, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP,
  BPF_JMP32, BPF_ALU64, BPF_K, BPF_X, BPF_NEG, BPF_END, BPF_MOV, BPF_DIV, BPF_MOD, BPF_JA, BPF_CALL,
  BPF_EXIT, BPF_JCOND, BPF_W, BPF_H, BPF_B, BPF_DW, BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM, BPF_MEMSX,
  BPF_ATOMIC, BPF_FETCH, BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL, BPF_ADD, BPF_OR, BPF_AND,
  BPF_XOR, BPF_MAY_GOTO, BPF_HELPER_CALL, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, OP_LD_IMM64,
  BPF_PSEUDO_MAP_IDX_VALUE, INSN_SIZE, MAX_BPF_REG,
} from './opcodes';

/** off value of `addr_space_cast` (BPF_ALU64|BPF_MOV|BPF_X with off = BPF_ADDR_SPACE_CAST). */
export const BPF_ADDR_SPACE_CAST = 1;

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

/** The atomic operations (imm of BPF_STX|BPF_ATOMIC) the kernel accepts. */
export const ATOMIC_OPS: ReadonlySet<number> = new Set([
  BPF_ADD, BPF_OR, BPF_AND, BPF_XOR,
  BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH,
  BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL,
]);

/** A problem found in one instruction: kind + message (exactly the kernel verifier's words where it has them). */
export interface InsnProblem { kind: IsaErrorKind; message: string }

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/**
 * Check the instruction at insns[pc] (and, for ld_imm64, its second slot).
 * Returns undefined when it is well formed.
 */
export function checkInsn(insns: readonly Insn[], pc: number): InsnProblem | undefined {
  const n = insns[pc];
  const code = n.code;
  // resolve_pseudo_ldimm64() checks LDX modes and imm before the opcode table.
  if (BPF_CLASS(code) === BPF_LDX && ((BPF_MODE(code) !== BPF_MEM && BPF_MODE(code) !== BPF_MEMSX) || n.imm !== 0)) {
    return { kind: 'reserved-field', message: 'BPF_LDX uses reserved fields' };
  }
  if (!VALID_OPCODES.has(code)) return { kind: 'unknown-opcode', message: `unknown opcode ${hex2(code)}` };
  const cls = BPF_CLASS(code);
  const op = BPF_OP(code);
  const reserved = (what: string): InsnProblem => ({ kind: 'reserved-field', message: `${what} uses reserved fields` });
  const badReg = (r: number): InsnProblem => ({ kind: 'bad-register', message: `R${r} is invalid` });
  const regs = (...rs: number[]): InsnProblem | undefined => {
    for (const r of rs) if (r >= MAX_BPF_REG) return badReg(r);
    return undefined;
  };

  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      if (op === BPF_END) {
        if (n.src !== 0 || n.off !== 0 || (n.imm !== 16 && n.imm !== 32 && n.imm !== 64)) return reserved('BPF_END');
        return regs(n.dst);
      }
      if (op === BPF_NEG) {
        if (n.src !== 0 || n.off !== 0 || n.imm !== 0) return reserved('BPF_NEG');
        return regs(n.dst);
      }
      if (op === BPF_MOV) {
        if (BPF_SRC(code) === BPF_X) {
          if (cls === BPF_ALU) {
            if ((n.off !== 0 && n.off !== 8 && n.off !== 16) || n.imm !== 0) return reserved('BPF_MOV');
          } else if (n.off === BPF_ADDR_SPACE_CAST) {
            if (n.imm !== 1 && n.imm !== 1 << 16) {
              return { kind: 'reserved-field', message: 'addr_space_cast insn can only convert between address space 1 and 0' };
            }
          } else if ((n.off !== 0 && n.off !== 8 && n.off !== 16 && n.off !== 32) || n.imm !== 0) {
            return reserved('BPF_MOV');
          }
          return regs(n.dst, n.src);
        }
        if (n.src !== 0 || n.off !== 0) return reserved('BPF_MOV');
        return regs(n.dst);
      }
      const offOk = n.off === 0 || (n.off === 1 && (op === BPF_DIV || op === BPF_MOD));
      if (BPF_SRC(code) === BPF_X) {
        if (n.imm !== 0 || !offOk) return reserved('BPF_ALU');
        return regs(n.dst, n.src);
      }
      if (n.src !== 0 || !offOk) return reserved('BPF_ALU');
      return regs(n.dst);
    }
    case BPF_JMP:
    case BPF_JMP32: {
      if (op === BPF_CALL) {
        if (BPF_SRC(code) === BPF_X) { // callx
          if (n.src !== 0 || n.off !== 0 || n.imm !== 0) return reserved('BPF_CALL');
          return regs(n.dst);
        }
        if ((n.src !== BPF_PSEUDO_KFUNC_CALL && n.off !== 0) ||
            (n.src !== BPF_HELPER_CALL && n.src !== BPF_PSEUDO_CALL && n.src !== BPF_PSEUDO_KFUNC_CALL) ||
            n.dst !== 0) return reserved('BPF_CALL');
        return undefined;
      }
      if (op === BPF_JA) {
        if (n.src !== 0 || n.dst !== 0 || (cls === BPF_JMP && n.imm !== 0) || (cls === BPF_JMP32 && n.off !== 0)) {
          return reserved('BPF_JA');
        }
        return undefined;
      }
      if (op === BPF_EXIT) {
        if (n.imm !== 0 || n.src !== 0 || n.dst !== 0) return reserved('BPF_EXIT'); // off is not checked by the kernel
        return undefined;
      }
      if (op === BPF_JCOND) {
        if (n.src !== BPF_MAY_GOTO || n.dst !== 0 || n.imm !== 0) {
          return { kind: 'reserved-field', message: `invalid may_goto imm ${n.imm}` };
        }
        return undefined;
      }
      // Conditional jumps: the kernel checks dst_reg before the reserved fields here.
      if (n.dst >= MAX_BPF_REG) return badReg(n.dst);
      if (BPF_SRC(code) === BPF_X) {
        if (n.imm !== 0) return reserved('BPF_JMP/JMP32');
        return regs(n.src);
      }
      if (n.src !== 0) return reserved('BPF_JMP/JMP32');
      return undefined;
    }
    case BPF_LD: {
      const mode = BPF_MODE(code);
      if (mode === BPF_IMM) {
        if (pc + 1 >= insns.length) {
          return { kind: 'truncated-ld-imm64', message: 'invalid bpf_ld_imm64 insn' };
        }
        const h = insns[pc + 1];
        if (h.code !== 0 || h.dst !== 0 || h.src !== 0 || h.off !== 0) {
          return { kind: 'bad-ld-imm64', message: 'invalid bpf_ld_imm64 insn' };
        }
        if (n.src > BPF_PSEUDO_MAP_IDX_VALUE) return { kind: 'bad-ld-imm64', message: 'unrecognized bpf_ld_imm64 insn' };
        if (n.off !== 0) return reserved('BPF_LD_IMM64');
        return regs(n.dst);
      }
      // BPF_ABS / BPF_IND (sizes already restricted to B/H/W by the opcode table)
      if (n.dst !== 0 || n.off !== 0 || (mode === BPF_ABS && n.src !== 0)) return reserved('BPF_LD_[ABS|IND]');
      return mode === BPF_IND ? regs(n.src) : undefined;
    }
    case BPF_LDX:
      if (n.imm !== 0) return reserved('BPF_LDX');
      return regs(n.dst, n.src);
    case BPF_ST:
      if (n.src !== 0) return reserved('BPF_ST');
      return regs(n.dst);
    case BPF_STX: {
      if (BPF_MODE(code) === BPF_MEM) {
        if (n.imm !== 0) return reserved('BPF_STX');
        return regs(n.dst, n.src);
      }
      // BPF_ATOMIC
      if (!ATOMIC_OPS.has(n.imm)) {
        return { kind: 'reserved-field', message: `BPF_ATOMIC uses invalid atomic opcode ${hex2(n.imm >>> 0)}` };
      }
      const size = BPF_SIZE(code);
      if (n.imm !== BPF_LOAD_ACQ && n.imm !== BPF_STORE_REL && size !== BPF_W && size !== BPF_DW) {
        return { kind: 'reserved-field', message: 'invalid atomic operand size' };
      }
      return regs(n.src, n.dst); // check_atomic() checks src_reg first
    }
  }
  return { kind: 'unknown-opcode', message: `unknown opcode ${hex2(code)}` };
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
