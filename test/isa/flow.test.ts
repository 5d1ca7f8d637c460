// successors(): one row per kind of instruction, built from opcode fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn, Insn, ldImm64 } from '../../src/isa/insn';
import { successors, Successors } from '../../src/isa/flow';
import {
  BPF_ALU64, BPF_ALU, BPF_MOV, BPF_ADD, BPF_K, BPF_X, BPF_JMP, BPF_JMP32, BPF_JA, BPF_JEQ, BPF_JSLE, BPF_CALL, BPF_EXIT,
  BPF_JCOND, BPF_LDX, BPF_STX, BPF_ST, BPF_MEM, BPF_DW, BPF_LD, BPF_ABS, BPF_W, BPF_ATOMIC, BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_FD, BPF_END,
} from '../../src/isa/opcodes';

const pad = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
const S = (next: number | null, jump: number | null = null, callee: number | null = null): Successors => ({ next, jump, callee });

// [name, the instruction (placed at pc 5, after 5 padding slots), expected successors]
const rows: [string, Insn[], Successors][] = [
  ['mov64 imm', [insn(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 7)], S(6)],
  ['add32 reg', [insn(BPF_ALU | BPF_ADD | BPF_X, 1, 2)], S(6)],
  ['bswap', [insn(BPF_ALU64 | BPF_END | BPF_K, 1, 0, 0, 16)], S(6)],
  ['ldx', [insn(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -8)], S(6)],
  ['stx', [insn(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8)], S(6)],
  ['st', [insn(BPF_ST | BPF_MEM | BPF_W, 10, 0, -8, 1)], S(6)],
  ['atomic add', [insn(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 1, -8, BPF_ADD)], S(6)],
  ['ld_abs', [insn(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 12)], S(6)],
  ['ld_imm64: two slots', ldImm64(1, 0x1122334455667788n), S(7)],
  ['ld_imm64 map fd', ldImm64(1, 3n, BPF_PSEUDO_MAP_FD), S(7)],
  ['ld_imm64 function address: a callee', [insn(ldImm64(1, 0n)[0].code, 1, BPF_PSEUDO_FUNC, 0, 4), insn(0)], S(7, null, 10)],
  ['ld_imm64 function address backwards', [insn(ldImm64(1, 0n)[0].code, 1, BPF_PSEUDO_FUNC, 0, -6), insn(0)], S(7, null, 0)],
  ['helper call falls through', [insn(BPF_JMP | BPF_CALL, 0, 0, 0, 12)], S(6)],
  ['kfunc call falls through', [insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 1234)], S(6)],
  ['bpf-to-bpf call: returns to next, callee', [insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 3)], S(6, null, 9)],
  ['bpf-to-bpf call backwards', [insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -6)], S(6, null, 0)],
  ['exit: none', [insn(BPF_JMP | BPF_EXIT)], S(null)],
  ['ja: jump only', [insn(BPF_JMP | BPF_JA, 0, 0, 2)], S(null, 8)],
  ['ja back to itself', [insn(BPF_JMP | BPF_JA, 0, 0, -1)], S(null, 5)],
  ['ja ignores imm', [insn(BPF_JMP | BPF_JA, 0, 0, 2, 100)], S(null, 8)],
  ['gotol: offset in imm', [insn(BPF_JMP32 | BPF_JA, 0, 0, 0, -3)], S(null, 3)],
  ['gotol ignores off', [insn(BPF_JMP32 | BPF_JA, 0, 0, 7, 1)], S(null, 7)],
  ['jeq imm: not taken, taken', [insn(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 3, 0)], S(6, 9)],
  ['jsle32 reg', [insn(BPF_JMP32 | BPF_JSLE | BPF_X, 1, 2, -2)], S(6, 4)],
  ['cond jump by 0: both edges to the next', [insn(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0, 0)], S(6, 6)],
  ['may_goto', [insn(BPF_JMP | BPF_JCOND, 0, 0, 4)], S(6, 10)],
  ['targets are not checked', [insn(BPF_JMP | BPF_JA, 0, 0, 1000)], S(null, 1006)],
];

for (const [name, slots, want] of rows) {
  test(`successors: ${name}`, () => {
    const insns = [pad, pad, pad, pad, pad, ...slots, insn(BPF_JMP | BPF_EXIT)];
    assert.deepEqual(successors(insns, 5), want);
  });
}
