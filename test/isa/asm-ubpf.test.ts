// ubpf / bpf_conformance assembler: every tests/*.data `-- asm` section of the
// shared bpf_conformance checkout assembles and validates; table tests of
// encodings; errors carry line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { assembleUbpf, parseConformanceData, rawWordsToBytes, encode, validateInsns, AsmError, Insn } from '../../src/isa';

/** ../shared/bpf_conformance/tests beside the repository (this file runs from dist/test/isa). */
const DIR = path.resolve(__dirname, '../../../../shared/bpf_conformance/tests');
const hexOf = (insns: Insn[]): string => Buffer.from(encode(insns)).toString('hex');

test('all bpf_conformance .data asm sections assemble and validate', () => {
  const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.data'));
  assert.ok(files.length >= 300, `only ${files.length} files`);
  let withRaw = 0;
  for (const f of files) {
    const d = parseConformanceData(fs.readFileSync(`${DIR}/${f}`, 'utf8'), f);
    assert.ok(d.asm !== undefined, `${f}: no asm section`);
    const insns = assembleUbpf(d.asm!, f);
    assert.ok(insns.length > 0, f);
    validateInsns(insns);
    if (d.raw) { withRaw++; assert.equal(hexOf(insns), Buffer.from(rawWordsToBytes(d.raw)).toString('hex'), f); }
  }
  assert.ok(withRaw >= 1);
});

const table: [string, string][] = [
  ['mov %r1, -1', 'b7010000ffffffff'],
  ['mov32 %r0, %r1', 'bc10000000000000'],
  ['add32 %r1, 0x10', '0401000010000000'],
  ['sdiv %r1, %r2', '3f21010000000000'],
  ['smod32 %r1, 3', '9401010003000000'],
  ['neg %r2', '8702000000000000'],
  ['movsx832 %r0, %r1', 'bc10080000000000'],
  ['movsx3264 %r0, %r1', 'bf10200000000000'],
  ['be16 %r0', 'dc00000010000000'],
  ['le64 %r3', 'd403000040000000'],
  ['bswap32 %r0', 'd700000020000000'],
  ['swap64 %r0', 'd700000040000000'],
  ['lddw %r0, 0x1122334455667788', '1800000088776655' + '0000000044332211'],
  ['lddw %r1, -2', '18010000feffffff' + '00000000ffffffff'],
  ['ldxw %r0, [%r1+4]', '6110040000000000'],
  ['ldxdw %r0, [%r1]', '7910000000000000'],
  ['ldxsh %r0, [%r10-2]', '89a0feff00000000'],
  ['stxdw [%r10-8], %r1', '7b1af8ff00000000'],
  ['stb [%r1+0x2], 0x11', '7201020011000000'],
  ['lock add [%r10-8], %r1', 'db1af8ff00000000'],
  ['lock fetch xor32 [%r10-4], %r3', 'c33afcffa1000000'],
  ['lock xchg [%r10-8], %r1', 'db1af8ffe1000000'],
  ['lock cmpxchg32 [%r10-8], %r1', 'c31af8fff1000000'],
  ['jgt %r1, 0x2, +3', '2501030002000000'],
  ['jne32 %r1, %r2, -1', '5e21ffff00000000'],
  ['ja +2', '0500020000000000'],
  ['ja32 +7', '0600000007000000'],
  ['call 5', '8500000005000000'],
  ['call %r2', '8d02000000000000'],
  ['call runtime 1234', '85200000d2040000'],
  ['ldabsw 4', '2000000004000000'],
  ['ldindb %r2, 1', '5020000001000000'],
  ['exit', '9500000000000000'],
];
for (const [text, hex] of table) {
  test(`ubpf: ${text}`, () => assert.equal(hexOf(assembleUbpf(text)), hex));
}

test('labels, the implicit exit label, call local', () => {
  const insns = assembleUbpf('mov %r0, 0\njeq %r0, 0, exit\nja L1\nL1:\ncall local fn\nexit\nfn:\nmov %r0, 1 # comment\nexit');
  assert.equal(insns[1].off, 2); // to the first exit (index 4)
  assert.equal(insns[2].off, 0);
  assert.equal(insns[3].imm, 1); // call local fn: fn is index 5
});

const errors: [string, string, number, number][] = [
  ['mov %r0, 0\nfrob %r1', "unknown mnemonic 'frob'", 2, 1],
  ['mov %r0, %r16', 'expected a register', 1, 10],
  ['mov %r0', "takes 2 operands", 1, 1],
  ['ja nowhere', "undefined label 'nowhere'", 1, 4],
  ['x:\nx:', "duplicate label 'x'", 2, 1],
  ['mov %r0, 0x100000000', 'out of 32-bit range', 1, 10],
  ['ldxw %r0, [%r1+70000]', 'out of 16-bit range', 1, 11],
  ['ldxw %r0, %r1', 'expected a memory operand', 1, 11],
  ['call bogus 1', 'invalid call mode', 1, 6],
  ['lock fetch xchg [%r10-8], %r1', "'fetch' is implied", 1, 6],
];
for (const [text, msg, line, col] of errors) {
  test(`ubpf error: ${msg}`, () => {
    assert.throws(() => assembleUbpf(text, 'x.s'), (e: unknown) => {
      assert.ok(e instanceof AsmError);
      assert.ok(e.message.includes(msg), e.message);
      assert.equal(e.line, line);
      assert.equal(e.column, col);
      assert.ok(e.message.startsWith(`x.s:${line}:${col}: `));
      return true;
    });
  });
}

test('parseConformanceData reads mem, result and raw', () => {
  const d = parseConformanceData('# c\n-- asm\nmov %r0, 1\nexit\n-- mem\n00 01 ff\n-- result\n0x1\n-- raw\n0x00000001000000b7\n');
  assert.equal(d.asm!.split('\n')[2], 'mov %r0, 1');
  assert.deepEqual([...d.mem!], [0, 1, 255]);
  assert.equal(d.result, 1n);
  assert.deepEqual(d.raw, [0x00000001000000b7n]);
  assert.throws(() => parseConformanceData('-- mem\n0g\n'), AsmError);
});
