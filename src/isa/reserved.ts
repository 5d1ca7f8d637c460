// The kernel's reserved-field rules, one place: which rule an instruction
// breaks, as a value each user maps to its own words (the verifier to its
// message table, validate.ts and the interpreter's predecoder to theirs).
// The rules are those of kernel/bpf/verifier.c: check_alu_op() (BPF_ALU,
// BPF_MOV, addr_space_cast, BPF_NEG, BPF_END), resolve_pseudo_ldimm64()
// (BPF_LDX), do_check_insn() (BPF_ST, BPF_STX, BPF_CALL, BPF_JA, BPF_EXIT),
// check_atomic() (the atomic operation and its size), check_cond_jmp_op()
// (BPF_JMP/JMP32, may_goto), check_ld_imm() (BPF_LD_IMM, BPF_LD_IMM64) and
// check_ld_abs() (BPF_LD_[ABS|IND]).
//
// Opcode validity (bpf_opcode_in_insntable: "unknown opcode"), operations
// outside the ALU and jump tables ("invalid BPF_ALU opcode", "invalid
// BPF_JMP/JMP32 opcode"), register numbers and the second slot of an
// ld_imm64 are not reserved-field rules and are checked elsewhere.
import { Insn } from './insn';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_SIZE, BPF_MODE, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_ALU64, BPF_JMP,
  BPF_JMP32, BPF_K, BPF_X, BPF_TO_LE, BPF_NEG, BPF_END, BPF_MOV, BPF_DIV, BPF_MOD, BPF_JA, BPF_CALL, BPF_EXIT,
  BPF_JCOND, BPF_JSLE, BPF_W, BPF_DW, BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM, BPF_MEMSX, BPF_ATOMIC, BPF_MAY_GOTO,
  BPF_HELPER_CALL, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_LOAD_ACQ, BPF_STORE_REL, BPF_ADD, BPF_OR, BPF_AND,
  BPF_XOR, BPF_FETCH, BPF_XCHG, BPF_CMPXCHG,
} from './opcodes';

/** off value of `addr_space_cast` (BPF_ALU64|BPF_MOV|BPF_X with off = BPF_ADDR_SPACE_CAST). */
export const BPF_ADDR_SPACE_CAST = 1;

/** The atomic operations (imm of BPF_STX|BPF_ATOMIC) the kernel accepts. */
export const ATOMIC_OPS: ReadonlySet<number> = new Set([
  BPF_ADD, BPF_OR, BPF_AND, BPF_XOR,
  BPF_ADD | BPF_FETCH, BPF_OR | BPF_FETCH, BPF_AND | BPF_FETCH, BPF_XOR | BPF_FETCH,
  BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL,
]);

/**
 * A reserved-field rule, named after the kernel's message (see
 * reservedRuleText): 'BPF_ALU' is "BPF_ALU uses reserved fields", 'BPF_LD_IMM'
 * is "invalid BPF_LD_IMM insn", 'addr_space_cast', 'may_goto', 'atomic op'
 * and 'atomic size' are the kernel's "addr_space_cast insn can only convert
 * between address space 1 and 0", "invalid may_goto imm %d", "BPF_ATOMIC uses
 * invalid atomic opcode %02x" and "invalid atomic operand size".
 */
export type ReservedRule =
  | 'BPF_ALU' | 'BPF_MOV' | 'BPF_NEG' | 'BPF_END' | 'BPF_ST' | 'BPF_LDX' | 'BPF_STX' | 'BPF_CALL' | 'BPF_JA'
  | 'BPF_EXIT' | 'BPF_JMP/JMP32' | 'BPF_LD_IMM' | 'BPF_LD_IMM64' | 'BPF_LD_[ABS|IND]' | 'addr_space_cast'
  | 'may_goto' | 'atomic op' | 'atomic size';

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** The kernel verifier's message for a rule (without the newline). */
export function reservedRuleText(rule: ReservedRule, insn: Insn): string {
  switch (rule) {
    case 'BPF_LD_IMM': return 'invalid BPF_LD_IMM insn';
    case 'addr_space_cast': return 'addr_space_cast insn can only convert between address space 1 and 0';
    case 'may_goto': return `invalid may_goto imm ${insn.imm}`;
    case 'atomic op': return `BPF_ATOMIC uses invalid atomic opcode ${hex2(insn.imm >>> 0)}`;
    case 'atomic size': return 'invalid atomic operand size';
    default: return `${rule} uses reserved fields`;
  }
}

/**
 * The reserved-field rule `insn` breaks, or null. One instruction breaks at
 * most one rule, chosen by its class and operation as the kernel's checks
 * are: for ld_imm64 the size before the offset, for an atomic the operation
 * before the size, for ALU64 mov with off 1 the addr_space_cast rule instead
 * of BPF_MOV's. BPF_LDX is the check resolve_pseudo_ldimm64() makes on every
 * instruction before the opcode table (any LDX mode but MEM and MEMSX).
 */
export function reservedFieldRule(insn: Insn): ReservedRule | null {
  switch (BPF_CLASS(insn.code)) {
    case BPF_ALU: case BPF_ALU64: return aluRule(insn);
    case BPF_JMP: case BPF_JMP32: return jmpRule(insn);
    case BPF_LDX: {
      const mode = BPF_MODE(insn.code);
      return (mode !== BPF_MEM && mode !== BPF_MEMSX) || insn.imm !== 0 ? 'BPF_LDX' : null;
    }
    case BPF_ST:
      return BPF_MODE(insn.code) !== BPF_MEM || insn.src !== 0 ? 'BPF_ST' : null;
    case BPF_STX:
      if (BPF_MODE(insn.code) === BPF_ATOMIC) {
        if (!ATOMIC_OPS.has(insn.imm)) return 'atomic op';
        const size = BPF_SIZE(insn.code);
        const loadStore = insn.imm === BPF_LOAD_ACQ || insn.imm === BPF_STORE_REL;
        return !loadStore && size !== BPF_W && size !== BPF_DW ? 'atomic size' : null;
      }
      return BPF_MODE(insn.code) !== BPF_MEM || insn.imm !== 0 ? 'BPF_STX' : null;
    default: { // BPF_LD
      const mode = BPF_MODE(insn.code);
      if (mode === BPF_IMM) {
        if (BPF_SIZE(insn.code) !== BPF_DW) return 'BPF_LD_IMM';
        return insn.off !== 0 ? 'BPF_LD_IMM64' : null;
      }
      if (mode !== BPF_ABS && mode !== BPF_IND) return null; // "invalid BPF_LD mode"
      return insn.dst !== 0 || insn.off !== 0 || BPF_SIZE(insn.code) === BPF_DW || (mode === BPF_ABS && insn.src !== 0)
        ? 'BPF_LD_[ABS|IND]' : null;
    }
  }
}

function aluRule(insn: Insn): ReservedRule | null {
  const op = BPF_OP(insn.code), isX = BPF_SRC(insn.code) === BPF_X, is64 = BPF_CLASS(insn.code) === BPF_ALU64;
  if (op === BPF_NEG) return isX || insn.src !== 0 || insn.off !== 0 || insn.imm !== 0 ? 'BPF_NEG' : null;
  if (op === BPF_END) {
    const width = insn.imm === 16 || insn.imm === 32 || insn.imm === 64;
    return insn.src !== 0 || insn.off !== 0 || !width || (is64 && BPF_SRC(insn.code) !== BPF_TO_LE) ? 'BPF_END' : null;
  }
  if (op === BPF_MOV) {
    if (!isX) return insn.src !== 0 || insn.off !== 0 ? 'BPF_MOV' : null;
    if (is64 && insn.off === BPF_ADDR_SPACE_CAST) return insn.imm !== 1 && insn.imm !== 1 << 16 ? 'addr_space_cast' : null;
    const widthOk = insn.off === 0 || insn.off === 8 || insn.off === 16 || (is64 && insn.off === 32);
    return !widthOk || insn.imm !== 0 ? 'BPF_MOV' : null;
  }
  if (op > BPF_END) return null; // "invalid BPF_ALU opcode"
  const offOk = insn.off === 0 || (insn.off === 1 && (op === BPF_DIV || op === BPF_MOD)); // sdiv / smod
  if (isX) return insn.imm !== 0 || !offOk ? 'BPF_ALU' : null;
  return insn.src !== 0 || !offOk ? 'BPF_ALU' : null;
}

function jmpRule(insn: Insn): ReservedRule | null {
  const op = BPF_OP(insn.code), k = BPF_SRC(insn.code) === BPF_K, jmp32 = BPF_CLASS(insn.code) === BPF_JMP32;
  switch (op) {
    case BPF_CALL: {
      const kind = insn.src === BPF_HELPER_CALL || insn.src === BPF_PSEUDO_CALL || insn.src === BPF_PSEUDO_KFUNC_CALL;
      return !k || (insn.src !== BPF_PSEUDO_KFUNC_CALL && insn.off !== 0) || !kind || insn.dst !== 0 || jmp32 ? 'BPF_CALL' : null;
    }
    case BPF_JA:
      return !k || insn.src !== 0 || insn.dst !== 0 || (!jmp32 && insn.imm !== 0) || (jmp32 && insn.off !== 0) ? 'BPF_JA' : null;
    case BPF_EXIT:
      return !k || insn.imm !== 0 || insn.src !== 0 || insn.dst !== 0 || jmp32 ? 'BPF_EXIT' : null;
    case BPF_JCOND:
      return insn.code !== (BPF_JMP | BPF_JCOND) || insn.src !== BPF_MAY_GOTO || insn.dst !== 0 || insn.imm !== 0 ? 'may_goto' : null;
    default:
      if (op > BPF_JSLE) return null; // "invalid BPF_JMP/JMP32 opcode"
      return (k ? insn.src !== 0 : insn.imm !== 0) ? 'BPF_JMP/JMP32' : null;
  }
}

/**
 * The reserved-field rule the opcode byte alone breaks, whatever the other
 * fields hold: the source bit of neg, ALU64 end (bswap), ja, exit and call,
 * call and exit in JMP32, a load or store mode its class does not have, an
 * ld_imm with a size other than DW (atomics: none, their size rule depends
 * on the operation in imm). The interpreter, which ignores reserved fields that do not change what it runs,
 * uses this; the other fields take values no rule objects to.
 */
export function opcodeRule(code: number): ReservedRule | null {
  const cls = BPF_CLASS(code);
  if (cls === BPF_STX && BPF_MODE(code) === BPF_ATOMIC) return null; // its size rule depends on the operation (imm)
  const imm = (cls === BPF_ALU || cls === BPF_ALU64) && BPF_OP(code) === BPF_END ? 16 : 0; // a valid width
  return reservedFieldRule({ code, dst: 0, src: 0, off: 0, imm });
}
