// ALU64 / ALU32 semantics: table tests with literal expected values,
// including RFC 9669's division and modulo edge cases, shift masking,
// movsx, byte swaps and negation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../src/isa/insn';
import { alu, lddw, exit, movr, r0, u64 } from './util';

/** r0 = (a op b) with b in a register (X) or as imm (K, when `imm` is given). */
function binop(op: string, is64: boolean, a: bigint, b: bigint | { imm: number }): bigint {
  const prog = [...lddw(0, a)];
  if (typeof b === 'bigint') prog.push(...lddw(1, b), alu(op, is64, 0, 1));
  else prog.push(alu(op, is64, 0, b));
  prog.push(exit());
  return r0(prog);
}

const MIN64 = 0x8000000000000000n, NEG1 = 0xffffffffffffffffn;
const table: [string, boolean, bigint, bigint | { imm: number }, bigint][] = [
  // 64-bit
  ['add', true, 0xffffffffn, 1n, 0x100000000n],
  ['add', true, NEG1, 1n, 0n],
  ['add', true, 5n, { imm: -1 }, 4n],
  ['sub', true, 0n, 1n, NEG1],
  ['sub', true, 0x100000000n, 1n, 0xffffffffn],
  ['mul', true, 0xffffffffn, 0xffffffffn, 0xfffffffe00000001n],
  ['mul', true, 0x123456789abcdefn, 0xfedcba987654321n, u64(0x123456789abcdefn * 0xfedcba987654321n)],
  ['mul', true, 3n, { imm: -2 }, u64(-6n)],
  ['div', true, 100n, 7n, 14n],
  ['div', true, 100n, 0n, 0n],
  ['div', true, NEG1, 2n, 0x7fffffffffffffffn],
  ['div', true, NEG1, 0x100000001n, NEG1 / 0x100000001n],
  ['div', true, NEG1, { imm: -1 }, 1n], // imm sign-extends, then unsigned
  ['div', true, 0x10n, { imm: 0 }, 0n],
  ['sdiv', true, u64(-7n), 2n, u64(-3n)],
  ['sdiv', true, MIN64, NEG1, MIN64],
  ['sdiv', true, MIN64, 0n, 0n],
  ['sdiv', true, u64(-100n), { imm: -7 }, 14n],
  ['mod', true, 100n, 7n, 2n],
  ['mod', true, 0x1234n, 0n, 0x1234n],
  ['mod', true, NEG1, 10n, NEG1 % 10n],
  ['smod', true, u64(-7n), 2n, u64(-1n)],
  ['smod', true, 7n, u64(-2n), 1n],
  ['smod', true, MIN64, NEG1, 0n],
  ['smod', true, u64(-5n), 0n, u64(-5n)],
  ['or', true, 0xf0f0n << 32n, 0x0f0fn, (0xf0f0n << 32n) | 0x0f0fn],
  ['and', true, NEG1, { imm: -0x100 }, 0xffffffffffffff00n],
  ['xor', true, NEG1, 0xffn, 0xffffffffffffff00n],
  ['lsh', true, 1n, 63n, MIN64],
  ['lsh', true, 1n, 64n, 1n], // count masked to 0
  ['lsh', true, 0x80000001n, 1n, 0x100000002n],
  ['rsh', true, MIN64, 63n, 1n],
  ['rsh', true, MIN64, { imm: 32 }, 0x80000000n],
  ['arsh', true, MIN64, 63n, NEG1],
  ['arsh', true, MIN64, { imm: 4 }, 0xf800000000000000n],
  ['arsh', true, 0x4000000000000000n, 65n, 0x2000000000000000n],
  ['mov', true, 7n, { imm: -1 }, NEG1],
  // 32-bit: operate on the low halves, zero-extend the result
  ['add', false, 0x1ffffffffn, 1n, 0n],
  ['add', false, 0xdeadbeef00000001n, { imm: -2 }, 0xffffffffn],
  ['sub', false, 0n, 1n, 0xffffffffn],
  ['mul', false, 0x80000000n, 2n, 0n],
  ['mul', false, 0xffffffffn, 0xffffffffn, 1n],
  ['div', false, 0xffffffffn, 2n, 0x7fffffffn],
  ['div', false, 0x1234n, 0n, 0n],
  ['div', false, 0xffffffffn, { imm: -1 }, 1n],
  ['sdiv', false, 0x80000000n, 0xffffffffn, 0x80000000n],
  ['sdiv', false, 0xfffffff9n, 2n, 0xfffffffdn],
  ['sdiv', false, 0x7n, { imm: 0 }, 0n],
  ['mod', false, 0xffffffff00000005n, 0n, 5n], // dst unchanged but zero-extended
  ['mod', false, 100n, 7n, 2n],
  ['smod', false, 0xfffffff9n, 2n, 0xffffffffn],
  ['smod', false, 0x80000000n, { imm: -1 }, 0n],
  ['smod', false, 0xabcdef00fffffffbn, { imm: 0 }, 0xfffffffbn],
  ['lsh', false, 1n, 31n, 0x80000000n],
  ['lsh', false, 1n, 32n, 1n],
  ['rsh', false, 0x1_8000_0000n, 31n, 1n],
  ['arsh', false, 0x80000000n, { imm: 31 }, 0xffffffffn],
  ['arsh', false, 0x80000000n, 33n, 0xc0000000n],
  ['or', false, 0xff00000000n, 1n, 1n],
  ['and', false, NEG1, { imm: -1 }, 0xffffffffn],
  ['xor', false, NEG1, 0n, 0xffffffffn],
  ['mov', false, 0n, NEG1, 0xffffffffn],
];

for (const [op, is64, a, b, want] of table) {
  const bs = typeof b === 'bigint' ? `0x${b.toString(16)}` : `imm ${b.imm}`;
  test(`${op}${is64 ? '64' : '32'} 0x${a.toString(16)}, ${bs} = 0x${want.toString(16)}`, () => {
    assert.equal(binop(op, is64, a, b), want);
  });
}

test('neg64 and neg32', () => {
  assert.equal(r0([...lddw(0, 5n), insn(0x87, 0), exit()]), u64(-5n));
  assert.equal(r0([...lddw(0, 0x8000000000000000n), insn(0x87, 0), exit()]), 0x8000000000000000n);
  assert.equal(r0([...lddw(0, 0x100000000n), insn(0x87, 0), exit()]), u64(-0x100000000n));
  assert.equal(r0([...lddw(0, 0x1_0000_0005n), insn(0x84, 0), exit()]), 0xfffffffbn);
  assert.equal(r0([...lddw(0, 0x80000000n), insn(0x84, 0), exit()]), 0x80000000n);
});

test('movsx sign-extends 8/16/32 bits into 64 and 8/16 bits into 32', () => {
  const sx = (code: number, off: number, v: bigint): bigint => r0([...lddw(1, v), insn(code, 0, 1, off, 0), exit()]);
  assert.equal(sx(0xbf, 8, 0x180n), 0xffffffffffffff80n);
  assert.equal(sx(0xbf, 8, 0x7fn), 0x7fn);
  assert.equal(sx(0xbf, 16, 0x8000n), 0xffffffffffff8000n);
  assert.equal(sx(0xbf, 32, 0x1_8000_0000n), 0xffffffff80000000n);
  assert.equal(sx(0xbc, 8, 0xffn), 0xffffffffn);
  assert.equal(sx(0xbc, 16, 0xffff_0000_8001n), 0xffff8001n);
});

test('byte swaps: le zero-extends, be and bswap swap and zero-extend', () => {
  const v = 0x0102030405060708n;
  const sw = (code: number, imm: number): bigint => r0([...lddw(0, v), insn(code, 0, 0, 0, imm), exit()]);
  assert.equal(sw(0xd4, 16), 0x0708n);
  assert.equal(sw(0xd4, 32), 0x05060708n);
  assert.equal(sw(0xd4, 64), v);
  assert.equal(sw(0xdc, 16), 0x0807n);
  assert.equal(sw(0xdc, 32), 0x08070605n);
  assert.equal(sw(0xdc, 64), 0x0807060504030201n);
  assert.equal(sw(0xd7, 16), 0x0807n);
  assert.equal(sw(0xd7, 32), 0x08070605n);
  assert.equal(sw(0xd7, 64), 0x0807060504030201n);
});

test('the same register as source and destination', () => {
  assert.equal(r0([...lddw(0, 0x8000000080000000n), alu('add', true, 0, 0), exit()]), 0x100000000n);
  assert.equal(r0([...lddw(0, 0x1234n), alu('sub', true, 0, 0), exit()]), 0n);
  assert.equal(r0([...lddw(0, 0xffffffffn), alu('mul', true, 0, 0), exit()]), 0xfffffffe00000001n);
  assert.equal(r0([...lddw(1, 9n), movr(0, 1), alu('div', true, 0, 0), exit()]), 1n);
});

test('ld_imm64 loads all 64 bits', () => {
  assert.equal(r0([...lddw(0, 0x1122334455667788n), exit()]), 0x1122334455667788n);
  assert.equal(r0([...lddw(0, 0xffffffff00000000n), exit()]), 0xffffffff00000000n);
});
