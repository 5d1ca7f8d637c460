// decode / validateInsns / encode: table tests per opcode family, one test per
// kind of bad input (typed IsaError with kind and byte offset), and the
// encode(decode(bytes)) == bytes property.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decode, decodeRaw, encode, validateInsns, checkInsn, IsaError, Insn, VALID_OPCODES } from '../../src/isa';
import { arbProgram } from './arb';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const slot = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

test('decode splits little-endian slots', () => {
  assert.deepEqual(decode(hex('b7 01 00 00 2a 00 00 00  95 00 00 00 00 00 00 00')), [slot(0xb7, 1, 0, 0, 42), slot(0x95)]);
  assert.deepEqual(decode(hex('7b 1a f8 ff 00 00 00 00')), [slot(0x7b, 10, 1, -8, 0)]);
  assert.deepEqual(decode(hex('18 01 00 00 88 77 66 55  00 00 00 00 44 33 22 11')),
    [slot(0x18, 1, 0, 0, 0x55667788), slot(0, 0, 0, 0, 0x11223344)]);
});

// [name, slot(s), expected kind or undefined when well formed]
const table: [string, Insn[], string | undefined][] = [
  ['mov64 imm', [slot(0xb7, 0, 0, 0, -1)], undefined],
  ['sdiv64 reg (off=1)', [slot(0x3f, 1, 2, 1)], undefined],
  ['smod32 imm (off=1)', [slot(0x94, 1, 0, 1, 3)], undefined],
  ['div with off=2', [slot(0x3f, 1, 2, 2)], 'reserved-field'],
  ['add with off=1 (only div/mod are signed)', [slot(0x0f, 1, 2, 1)], 'reserved-field'],
  ['movsx64 off=32', [slot(0xbf, 1, 2, 32)], undefined],
  ['movsx32 off=32 (not allowed for w)', [slot(0xbc, 1, 2, 32)], 'reserved-field'],
  ['addr_space_cast', [slot(0xbf, 1, 2, 1, 1)], undefined],
  ['addr_space_cast bad as', [slot(0xbf, 1, 2, 1, 2)], 'reserved-field'],
  ['bswap64 (ALU64|END)', [slot(0xd7, 1, 0, 0, 64)], undefined],
  ['be16', [slot(0xdc, 1, 0, 0, 16)], undefined],
  ['le with imm 8', [slot(0xd4, 1, 0, 0, 8)], 'reserved-field'],
  ['ALU64|END|X', [slot(0xdf, 1, 0, 0, 16)], 'unknown-opcode'],
  ['neg with imm', [slot(0x87, 1, 0, 0, 1)], 'reserved-field'],
  ['neg X form', [slot(0x8f, 1, 2)], 'unknown-opcode'],
  ['ALU op 0xe0', [slot(0xe7, 1, 0)], 'unknown-opcode'],
  ['mov imm with src set', [slot(0xb7, 1, 2, 0, 5)], 'reserved-field'],
  ['ja', [slot(0x05, 0, 0, 3)], undefined],
  ['ja with imm', [slot(0x05, 0, 0, 3, 1)], 'reserved-field'],
  ['gotol', [slot(0x06, 0, 0, 0, 100000)], undefined],
  ['gotol with off', [slot(0x06, 0, 0, 1, 1)], 'reserved-field'],
  ['may_goto', [slot(0xe5, 0, 0, 2)], undefined],
  ['may_goto with imm', [slot(0xe5, 0, 0, 2, 1)], 'reserved-field'],
  ['JMP32|JCOND', [slot(0xe6, 0, 0, 2)], 'unknown-opcode'],
  ['jeq reg with imm', [slot(0x1d, 1, 2, 0, 1)], 'reserved-field'],
  ['jeq imm with src', [slot(0x15, 1, 2, 0, 1)], 'reserved-field'],
  ['helper call', [slot(0x85, 0, 0, 0, 1)], undefined],
  ['bpf-to-bpf call', [slot(0x85, 0, 1, 0, 5)], undefined],
  ['kfunc call with off', [slot(0x85, 0, 2, 1, 12345)], undefined],
  ['helper call with off', [slot(0x85, 0, 0, 1, 1)], 'reserved-field'],
  ['call src=3', [slot(0x85, 0, 3, 0, 1)], 'reserved-field'],
  ['call with dst', [slot(0x85, 1, 0, 0, 1)], 'reserved-field'],
  ['callx', [slot(0x8d, 2)], undefined],
  ['JMP32|CALL', [slot(0x86, 0, 0, 0, 1)], 'unknown-opcode'],
  ['exit', [slot(0x95)], undefined],
  ['exit with off (kernel does not check off)', [slot(0x95, 0, 0, 5)], undefined],
  ['exit with imm', [slot(0x95, 0, 0, 0, 1)], 'reserved-field'],
  ['JMP32|EXIT', [slot(0x96)], 'unknown-opcode'],
  ...[0, 1, 2, 3, 4, 5, 6].map((src): [string, Insn[], undefined] => [`ld_imm64 src ${src}`, [slot(0x18, 1, src, 0, 7), slot(0, 0, 0, 0, 1)], undefined]),
  ['ld_imm64 src 7', [slot(0x18, 1, 7, 0, 7), slot(0)], 'bad-ld-imm64'],
  ['ld_imm64 off', [slot(0x18, 1, 0, 1, 7), slot(0)], 'reserved-field'],
  ['ld_abs', [slot(0x20, 0, 0, 0, 4)], undefined],
  ['ld_abs dw', [slot(0x38, 0, 0, 0, 4)], 'unknown-opcode'],
  ['ld_abs with src', [slot(0x20, 0, 1, 0, 4)], 'reserved-field'],
  ['ld_ind', [slot(0x40, 0, 1, 0, 4)], undefined],
  ['ld_ind with dst', [slot(0x40, 1, 1, 0, 4)], 'reserved-field'],
  ['ldxdw', [slot(0x79, 0, 1, -8)], undefined],
  ['ldxsb (MEMSX)', [slot(0x91, 0, 1, 2)], undefined],
  ['MEMSX dw', [slot(0x99, 0, 1, 2)], 'unknown-opcode'],
  ['ldx with imm', [slot(0x79, 0, 1, 0, 1)], 'reserved-field'],
  ['ldx bad mode', [slot(0x21, 0, 1, 0, 0)], 'reserved-field'],
  ['st with src', [slot(0x7a, 10, 1, -8, 1)], 'reserved-field'],
  ['stx with imm', [slot(0x7b, 10, 1, -8, 1)], 'reserved-field'],
  ['atomic add', [slot(0xdb, 10, 1, -8, 0x00)], undefined],
  ['atomic fetch xor 32', [slot(0xc3, 10, 1, -8, 0xa1)], undefined],
  ['atomic xchg', [slot(0xdb, 10, 1, -8, 0xe1)], undefined],
  ['atomic cmpxchg', [slot(0xdb, 10, 1, -8, 0xf1)], undefined],
  ['load-acquire u8', [slot(0xd3, 1, 10, -8, 0x100)], undefined],
  ['store-release u16', [slot(0xcb, 10, 1, -8, 0x110)], undefined],
  ['atomic add u8', [slot(0xd3, 10, 1, -8, 0x00)], 'reserved-field'],
  ['atomic sub (no such op)', [slot(0xdb, 10, 1, -8, 0x10)], 'reserved-field'],
  ['r11 as dst', [slot(0xb7, 11, 0, 0, 0)], 'bad-register'],
  ['r15 as src', [slot(0xbf, 1, 15)], 'bad-register'],
  ['ST|NOSPEC (internal)', [slot(0xc2)], 'unknown-opcode'],
  ['tail call (internal)', [slot(0xf5)], 'unknown-opcode'],
];

for (const [name, insns, kind] of table) {
  test(`checkInsn: ${name}`, () => {
    const p = checkInsn(insns, 0);
    assert.equal(p?.kind, kind, p?.message);
  });
}

test('opcode table: 129 opcodes, each with a well-formed instance', () => {
  // ALU/ALU64: 13 ops K + 12 ops X (no neg X) each; END: le, be, bswap; JMP/JMP32: 11 conditions
  // K+X plus ja each; call, callx, exit, may_goto; ld_imm64; ld_abs/ld_ind/ldxs x 3 sizes;
  // ldx/st/stx/atomic x 4 sizes.
  assert.equal(VALID_OPCODES.size, 2 * 25 + 3 + 2 * 23 + 4 + 1 + 9 + 16);
  const candidates = (code: number): Insn[][] => {
    const out: Insn[][] = [];
    for (const imm of [0, 16, 1, 0x100]) for (const src of [0, 1]) for (const dst of [0, 1]) out.push([slot(code, dst, src, 0, imm), slot(0)]);
    return out;
  };
  for (const code of VALID_OPCODES) {
    assert.ok(candidates(code).some((c) => checkInsn(c, 0) === undefined), `opcode ${code.toString(16)}`);
  }
  for (let code = 0; code < 256; code++) {
    if (!VALID_OPCODES.has(code)) assert.ok(candidates(code).every((c) => checkInsn(c, 0) !== undefined), `opcode ${code.toString(16)}`);
  }
});

function decodeError(bytes: Uint8Array): IsaError {
  try { decode(bytes); } catch (e) { assert.ok(e instanceof IsaError); return e; }
  assert.fail('decode accepted bad input');
}

test('bad input: truncated byte stream', () => {
  const e = decodeError(hex('b7 00 00 00 00 00 00 00 95 00 00'));
  assert.equal(e.kind, 'truncated');
  assert.equal(e.byteOffset, 8);
});

test('bad input: unknown opcode names its offset', () => {
  const e = decodeError(hex('b7 00 00 00 00 00 00 00  ff 00 00 00 00 00 00 00'));
  assert.equal(e.kind, 'unknown-opcode');
  assert.equal(e.byteOffset, 8);
  assert.match(e.message, /unknown opcode ff at byte offset 8 \(insn 1\)/);
});

test('bad input: reserved field', () => {
  const e = decodeError(hex('95 00 00 00 01 00 00 00'));
  assert.equal(e.kind, 'reserved-field');
  assert.match(e.message, /BPF_EXIT uses reserved fields/);
});

test('bad input: register above 10', () => {
  const e = decodeError(hex('b7 0b 00 00 00 00 00 00'));
  assert.equal(e.kind, 'bad-register');
  assert.match(e.message, /R11 is invalid/);
});

test('bad input: ld_imm64 first slot is last', () => {
  const e = decodeError(hex('b7 00 00 00 00 00 00 00  18 01 00 00 01 00 00 00'));
  assert.equal(e.kind, 'truncated-ld-imm64');
  assert.equal(e.byteOffset, 8);
});

test('bad input: malformed ld_imm64 second slot', () => {
  const e = decodeError(hex('18 01 00 00 01 00 00 00  b7 00 00 00 00 00 00 00'));
  assert.equal(e.kind, 'bad-ld-imm64');
  assert.equal(e.byteOffset, 8);
  assert.match(e.message, /invalid bpf_ld_imm64 insn/);
});

test('validateInsns skips the second ld_imm64 slot and checks the rest', () => {
  validateInsns([slot(0x18, 1, 0, 0, 1), slot(0, 0, 0, 0, 2), slot(0x95)]);
  assert.throws(() => validateInsns([slot(0x18, 1, 0, 0, 1), slot(0, 0, 0, 0, 2), slot(0x96)]),
    (e: unknown) => e instanceof IsaError && e.kind === 'unknown-opcode' && e.byteOffset === 16);
});

test('property: encode(decode(bytes)) == bytes for well-formed programs', () => {
  fc.assert(fc.property(arbProgram, (prog) => {
    const bytes = encode(prog);
    const back = encode(decode(bytes));
    assert.deepEqual(Buffer.from(back), Buffer.from(bytes));
    assert.deepEqual(decode(bytes), prog);
  }), { numRuns: 300 });
});

test('property: decode never throws anything but IsaError on random bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    try { decode(bytes); } catch (e) { assert.ok(e instanceof IsaError, String(e)); }
    assert.equal(decodeRaw(bytes.subarray(0, bytes.length - (bytes.length % 8))).length, Math.floor(bytes.length / 8));
  }), { numRuns: 500 });
});
