// eBPF opcode constants (RFC 9669, Documentation/bpf/standardization/instruction-set.rst,
// include/uapi/linux/bpf.h and bpf_common.h). Plain numbers so hot loops stay fast.

/** Instruction classes: the low 3 bits of the opcode. */
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_JMP32 = 0x06;
export const BPF_ALU64 = 0x07;

export const BPF_CLASS = (code: number): number => code & 0x07;
export const BPF_OP = (code: number): number => code & 0xf0;
export const BPF_SRC = (code: number): number => code & 0x08;
export const BPF_SIZE = (code: number): number => code & 0x18;
export const BPF_MODE = (code: number): number => code & 0xe0;

/** Source operand: immediate (K) or register (X). For END: TO_LE / TO_BE. */
export const BPF_K = 0x00;
export const BPF_X = 0x08;
export const BPF_TO_LE = 0x00;
export const BPF_TO_BE = 0x08;

/** ALU operations (high nibble). */
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_MOV = 0xb0;
export const BPF_ARSH = 0xc0;
export const BPF_END = 0xd0;

/** Jump operations (high nibble). */
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
export const BPF_JNE = 0x50;
export const BPF_JSGT = 0x60;
export const BPF_JSGE = 0x70;
export const BPF_CALL = 0x80;
export const BPF_EXIT = 0x90;
export const BPF_JLT = 0xa0;
export const BPF_JLE = 0xb0;
export const BPF_JSLT = 0xc0;
export const BPF_JSLE = 0xd0;
/** Conditional pseudo jump (may_goto), src_reg = BPF_MAY_GOTO. */
export const BPF_JCOND = 0xe0;
export const BPF_MAY_GOTO = 0;

/** Load/store sizes. */
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
export const BPF_DW = 0x18;

/** Load/store modes. */
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_MEMSX = 0x80;
export const BPF_ATOMIC = 0xc0;

/** Atomic operations (in imm). */
export const BPF_FETCH = 0x01;
export const BPF_XCHG = 0xe0 | BPF_FETCH;
export const BPF_CMPXCHG = 0xf0 | BPF_FETCH;
export const BPF_LOAD_ACQ = 0x100;
export const BPF_STORE_REL = 0x110;

/** src_reg values of BPF_LD | BPF_IMM | BPF_DW (ld_imm64). */
export const BPF_PSEUDO_MAP_FD = 1;
export const BPF_PSEUDO_MAP_VALUE = 2;
export const BPF_PSEUDO_BTF_ID = 3;
export const BPF_PSEUDO_FUNC = 4;
export const BPF_PSEUDO_MAP_IDX = 5;
export const BPF_PSEUDO_MAP_IDX_VALUE = 6;

/** src_reg values of BPF_JMP | BPF_CALL. */
export const BPF_HELPER_CALL = 0;
export const BPF_PSEUDO_CALL = 1;
export const BPF_PSEUDO_KFUNC_CALL = 2;

/** Whole opcodes used often enough to name. */
export const OP_LD_IMM64 = BPF_LD | BPF_IMM | BPF_DW; // 0x18
export const OP_CALL = BPF_JMP | BPF_CALL; // 0x85
export const OP_EXIT = BPF_JMP | BPF_EXIT; // 0x95
export const OP_JA = BPF_JMP | BPF_JA; // 0x05
export const OP_GOTOL = BPF_JMP32 | BPF_JA; // 0x06

/** Registers. R10 is the read-only frame pointer. */
export const BPF_REG_0 = 0;
export const BPF_REG_1 = 1;
export const BPF_REG_6 = 6;
export const BPF_REG_FP = 10;
export const MAX_BPF_REG = 11;

/** Bytes in one instruction slot. */
export const INSN_SIZE = 8;
/** Stack bytes per frame (MAX_BPF_STACK). */
export const MAX_BPF_STACK = 512;
