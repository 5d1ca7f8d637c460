// JMP / JMP32 conditions (signed and unsigned, register and immediate),
// ja, gotol (JMP32 ja with the offset in imm), and backward jumps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../src/isa/insn';
import { jmp, lddw, mov64, exit, ja, r0, JMP32 } from './util';

/** 1 if the jump is taken, else 0. */
function taken(name: string, is64: boolean, a: bigint, b: bigint | { imm: number }): bigint {
  const prog = [...lddw(1, a)];
  if (typeof b === 'bigint') prog.push(...lddw(2, b), jmp(name, is64, 1, 2, 2));
  else prog.push(jmp(name, is64, 1, b, 2));
  prog.push(mov64(0, 0), exit(), mov64(0, 1), exit());
  return r0(prog);
}

const NEG1 = 0xffffffffffffffffn;
const table: [string, boolean, bigint, bigint | { imm: number }, boolean][] = [
  ['jeq', true, 5n, 5n, true], ['jeq', true, 5n, 0x100000005n, false], ['jeq', true, NEG1, { imm: -1 }, true],
  ['jne', true, 5n, 0x100000005n, true], ['jne', true, 7n, { imm: 7 }, false],
  ['jgt', true, NEG1, 1n, true], ['jgt', true, 1n, 1n, false], ['jgt', true, 0x100000000n, { imm: -1 }, false],
  ['jge', true, 1n, 1n, true], ['jge', true, 0n, 1n, false],
  ['jlt', true, 1n, NEG1, true], ['jlt', true, 0xffffffffn, { imm: -1 }, true],
  ['jle', true, 2n, 2n, true], ['jle', true, 3n, 2n, false],
  ['jsgt', true, 1n, NEG1, true], ['jsgt', true, NEG1, 1n, false], ['jsgt', true, 0n, { imm: -1 }, true],
  ['jsge', true, NEG1, NEG1, true], ['jsge', true, 0x8000000000000000n, 0n, false],
  ['jslt', true, NEG1, 0n, true], ['jslt', true, 0x7fffffffffffffffn, 0x8000000000000000n, false],
  ['jsle', true, 0x8000000000000000n, { imm: -1 }, true], ['jsle', true, 1n, 0n, false],
  ['jset', true, 0x100000000n, 0x100000000n, true], ['jset', true, 0x100000000n, 0xffffffffn, false],
  ['jset', true, 0x100000000n, { imm: -1 }, true],
  // 32-bit: only the low halves count
  ['jeq', false, 0xaaaa00000005n, 5n, true], ['jeq', false, 0x100000005n, { imm: 5 }, true],
  ['jne', false, 0x100000005n, 5n, false],
  ['jgt', false, 0xffffffffn, 1n, true], ['jgt', false, 0x1_0000_0000n, 0n, false],
  ['jge', false, 0xffffffffn, { imm: -1 }, true],
  ['jlt', false, 1n, 0xffffffffn, true], ['jle', false, 0x5_0000_0001n, 1n, true],
  ['jsgt', false, 1n, 0xffffffffn, true], ['jsgt', false, 0x80000000n, 0x7fffffffn, false],
  ['jsge', false, 0xffffffffn, { imm: -1 }, true],
  ['jslt', false, 0x80000000n, 0n, true], ['jslt', false, 0xffff_ffff_0000_0001n, 0n, false],
  ['jsle', false, 0xffffffffn, 0n, true],
  ['jset', false, 0x1_0000_0000n, 0x1_0000_0000n, false], ['jset', false, 0x3n, { imm: 2 }, true],
];

for (const [name, is64, a, b, want] of table) {
  const bs = typeof b === 'bigint' ? `0x${b.toString(16)}` : `imm ${b.imm}`;
  test(`${name}${is64 ? '' : '32'} 0x${a.toString(16)}, ${bs} ${want ? 'jumps' : 'falls through'}`, () => {
    assert.equal(taken(name, is64, a, b), want ? 1n : 0n);
  });
}

test('ja skips, backward jumps loop', () => {
  assert.equal(r0([mov64(0, 1), ja(1), mov64(0, 2), exit()]), 1n);
  // r0 counts down from 10 to 0 with a backward jne
  assert.equal(r0([mov64(0, 10), mov64(1, 0), insn(0x07, 0, 0, 0, -1), insn(0x07, 1, 0, 0, 1), jmp('jne', true, 0, { imm: 0 }, -3), insn(0xbf, 0, 1), exit()]), 10n);
});

test('gotol takes its offset from imm', () => {
  assert.equal(r0([mov64(0, 1), insn(JMP32, 0, 0, 0, 1), mov64(0, 2), exit()]), 1n);
  assert.equal(r0([mov64(0, 1), insn(JMP32, 0, 0, 5, 0), mov64(0, 2), exit()]), 2n); // off is ignored
});
