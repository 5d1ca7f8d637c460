// Internal operation numbers of the interpreter: one dense number per
// (opcode, variant), as a const enum so the compiled run loop's switch has
// literal case labels and V8 builds a jump table.
// Variants that the kernel encodes outside the opcode byte (sdiv/smod in off,
// movsx width in off, atomic op in imm, byte-swap width in imm, call kind in
// src) get their own numbers here. See kernel/bpf/core.c ___bpf_prog_run.

export const enum Op {
  TRAP,

  // 64-bit ALU; X then K
  ADD64_X, ADD64_K,
  SUB64_X, SUB64_K,
  MUL64_X, MUL64_K,
  DIV64_X, DIV64_K,
  SDIV64_X, SDIV64_K,
  OR64_X, OR64_K,
  AND64_X, AND64_K,
  LSH64_X, LSH64_K,
  RSH64_X, RSH64_K,
  NEG64,
  MOD64_X, MOD64_K,
  SMOD64_X, SMOD64_K,
  XOR64_X, XOR64_K,
  MOV64_X, MOV64_K,
  MOVSX64_8, MOVSX64_16, MOVSX64_32,
  ARSH64_X, ARSH64_K,
  BSWAP16, BSWAP32, BSWAP64,

  // 32-bit ALU
  ADD32_X, ADD32_K,
  SUB32_X, SUB32_K,
  MUL32_X, MUL32_K,
  DIV32_X, DIV32_K,
  SDIV32_X, SDIV32_K,
  OR32_X, OR32_K,
  AND32_X, AND32_K,
  LSH32_X, LSH32_K,
  RSH32_X, RSH32_K,
  NEG32,
  MOD32_X, MOD32_K,
  SMOD32_X, SMOD32_K,
  XOR32_X, XOR32_K,
  MOV32_X, MOV32_K,
  MOVSX32_8, MOVSX32_16,
  ARSH32_X, ARSH32_K,
  LE16, LE32, LE64,
  BE16, BE32, BE64,

  // 64-bit jumps
  JA,
  JEQ_X, JEQ_K,
  JGT_X, JGT_K,
  JGE_X, JGE_K,
  JSET_X, JSET_K,
  JNE_X, JNE_K,
  JSGT_X, JSGT_K,
  JSGE_X, JSGE_K,
  JLT_X, JLT_K,
  JLE_X, JLE_K,
  JSLT_X, JSLT_K,
  JSLE_X, JSLE_K,
  // 32-bit jumps
  GOTOL,
  JEQ32_X, JEQ32_K,
  JGT32_X, JGT32_K,
  JGE32_X, JGE32_K,
  JSET32_X, JSET32_K,
  JNE32_X, JNE32_K,
  JSGT32_X, JSGT32_K,
  JSGE32_X, JSGE32_K,
  JLT32_X, JLT32_K,
  JLE32_X, JLE32_K,
  JSLT32_X, JSLT32_K,
  JSLE32_X, JSLE32_K,

  CALL_HELPER, CALL_LOCAL, CALL_KFUNC, CALLX,
  EXIT,
  MAY_GOTO,

  LDDW,
  LD_ABS_W, LD_ABS_H, LD_ABS_B,
  LD_IND_W, LD_IND_H, LD_IND_B,

  LDX_W, LDX_H, LDX_B, LDX_DW,
  LDSX_W, LDSX_H, LDSX_B,
  ST_W, ST_H, ST_B, ST_DW,
  STX_W, STX_H, STX_B, STX_DW,

  // atomics, 32-bit then 64-bit
  AADD_W, AOR_W, AAND_W, AXOR_W,
  AFADD_W, AFOR_W, AFAND_W, AFXOR_W,
  AXCHG_W, ACMPXCHG_W,
  AADD_DW, AOR_DW, AAND_DW, AXOR_DW,
  AFADD_DW, AFOR_DW, AFAND_DW, AFXOR_DW,
  AXCHG_DW, ACMPXCHG_DW,
  LDACQ_B, LDACQ_H, LDACQ_W, LDACQ_DW,
  STREL_B, STREL_H, STREL_W, STREL_DW,

  OP_COUNT,
}
