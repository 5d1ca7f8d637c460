// patchProgram (src/isa/patch.ts): the one branch-retargeting pass behind the
// verifier's rewrites and the JIT's. Table rows: the program, the patches, what
// every moved branch must read afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn, Insn } from '../../src/isa/insn';
import { patchProgram } from '../../src/isa/patch';
import { IsaError } from '../../src/isa/errors';
import {
  BPF_ALU64, BPF_MOV, BPF_K, BPF_JMP, BPF_JMP32, BPF_JA, BPF_JEQ, BPF_CALL, BPF_EXIT, BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC,
} from '../../src/isa/opcodes';

const mov = (d: number, imm: number): Insn => insn(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm);
const jeq = (off: number): Insn => insn(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, off, 0);
const ja = (off: number): Insn => insn(BPF_JMP | BPF_JA, 0, 0, off, 0);
const gotol = (imm: number): Insn => insn(BPF_JMP32 | BPF_JA, 0, 0, 0, imm);
const call = (imm: number): Insn => insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, imm);
const exit = insn(BPF_JMP | BPF_EXIT);
/** ld_imm64 of a function pointer (src BPF_PSEUDO_FUNC), both slots */
const fptr = (d: number, rel: number): Insn[] => [insn(0x18, d, BPF_PSEUDO_FUNC, 0, rel), insn(0, 0, 0, 0, 0)];

interface Row { name: string; prog: Insn[]; patches: [number, Insn[]][]; want: Insn[] }
const rows: Row[] = [
  { name: 'a jump forward across a grown instruction', prog: [jeq(1), mov(0, 1), exit],
    patches: [[1, [mov(2, 2), mov(0, 1)]]], want: [jeq(2), mov(2, 2), mov(0, 1), exit] },
  { name: 'a jump backward across a grown instruction', prog: [mov(0, 0), mov(0, 1), ja(-3)],
    patches: [[1, [mov(2, 2), mov(0, 1)]]], want: [mov(0, 0), mov(2, 2), mov(0, 1), ja(-4)] },
  { name: 'a jump to the replaced instruction lands on its first', prog: [jeq(0), mov(0, 1), exit],
    patches: [[1, [mov(2, 2), mov(0, 1)]]], want: [jeq(0), mov(2, 2), mov(0, 1), exit] },
  { name: 'removed instructions: jumps over them shrink', prog: [jeq(3), mov(0, 1), mov(0, 2), mov(0, 3), exit],
    patches: [[1, []], [2, []]], want: [jeq(1), mov(0, 3), exit] },
  { name: 'gotol, bpf-to-bpf calls and function pointers move', prog: [gotol(4), call(3), mov(7, 7), ...fptr(2, 1), mov(0, 0), exit],
    patches: [[2, [mov(6, 6), mov(7, 7)]]], want: [gotol(5), call(4), mov(6, 6), mov(7, 7), ...fptr(2, 1), mov(0, 0), exit] },
  { name: 'a function pointer keeps its second slot', prog: [...fptr(2, 3), mov(9, 9), exit, mov(0, 0), exit],
    patches: [[2, [mov(8, 8), mov(9, 9)]]], want: [...fptr(2, 4), mov(8, 8), mov(9, 9), exit, mov(0, 0), exit] },
];

for (const row of rows) {
  test(`patchProgram: ${row.name}`, () => {
    assert.deepEqual(patchProgram(row.prog, new Map(row.patches)).insns, row.want);
  });
}

test('patchProgram: newPc and origin map both ways', () => {
  const r = patchProgram([mov(0, 0), mov(0, 1), exit], new Map([[1, [mov(2, 2), mov(0, 1)]]]));
  assert.deepEqual(Array.from(r.newPc), [0, 1, 3, 4]);
  assert.deepEqual(Array.from(r.origin), [0, 1, 1, 2]);
});

test('patchProgram: a branch outside the program is a typed error naming it', () => {
  assert.throws(() => patchProgram([ja(5), exit], new Map()), (e: unknown) => e instanceof IsaError && e.kind === 'bad-jump' && /insn 0/.test(e.message));
});
