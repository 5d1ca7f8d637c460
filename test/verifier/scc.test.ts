// compute_scc (src/verifier/scc.ts): the loop number of every instruction, from a
// table of small programs built from opcode fields. Components are numbered from 1
// in the order their roots complete in the depth-first walk (fall-through first,
// then the jump target), instructions outside loops are 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn, Insn } from '../../src/isa/insn';
import { successorTable } from '../../src/isa/flow';
import { computeScc } from '../../src/verifier/scc';
import { BPF_ALU64, BPF_MOV, BPF_ADD, BPF_K, BPF_JMP, BPF_JA, BPF_JLT, BPF_EXIT, BPF_CALL, BPF_PSEUDO_CALL } from '../../src/isa/opcodes';

const mov = (dst: number, imm: number): Insn => insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
const add = (dst: number, imm: number): Insn => insn(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm);
const jlt = (dst: number, imm: number, off: number): Insn => insn(BPF_JMP | BPF_JLT | BPF_K, dst, 0, off, imm);
const ja = (off: number): Insn => insn(BPF_JMP | BPF_JA, 0, 0, off);
const call = (imm: number): Insn => insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, imm);
const exit = insn(BPF_JMP | BPF_EXIT);

// [name, program, expected SCC number of each instruction]
const rows: [string, Insn[], number[]][] = [
  ['straight line: no loop', [mov(0, 0), exit], [0, 0]],
  ['ja to itself: a loop of one instruction', [mov(0, 0), ja(-1)], [0, 1]],
  ['a loop back to the first instruction', [add(1, 1), jlt(1, 10, -2), mov(0, 0), exit], [1, 1, 0, 0]],
  ['nested loops: one component', [mov(1, 0), add(1, 1), add(2, 1), jlt(2, 10, -2), jlt(1, 10, -4), exit], [0, 1, 1, 1, 1, 0]],
  ['two loops in a row: the later one completes first', [add(1, 1), jlt(1, 10, -2), add(2, 1), jlt(2, 10, -2), exit], [2, 2, 1, 1, 0]],
  ['a forward branch is no loop', [mov(0, 0), jlt(1, 10, 1), mov(0, 1), exit], [0, 0, 0, 0]],
  // calls fall through: the callee's loop is walked from its first instruction as a root of its own
  ['a call falls through; the callee\'s loop numbered apart', [call(2), exit, add(1, 1), jlt(1, 10, -2), mov(0, 0), exit], [0, 0, 1, 1, 0, 0]],
];

for (const [name, prog, want] of rows) {
  test(`compute_scc: ${name}`, () => {
    assert.deepEqual([...computeScc(prog)], want);
    assert.deepEqual([...computeScc(prog, successorTable(prog))], want, 'given the successor table');
  });
}
