// The one hex-bytes reader (src/isa/hex.ts) in each syntax, and the front
// doors that use it: spec fields, hex input files, the conformance plugin and
// --data-in, bpf_conformance `-- mem`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHex, HexError, HexErrorKind, HexSyntax, HEX_SPEC, HEX_INPUT, HEX_UBPF, HEX_MEM, parseConformanceData, AsmError } from '../../src/isa';
import { hexBytes, SpecError } from '../../src/spec';
import { parseHexText } from '../../src/cli/input';
import { parseHexBytes } from '../../src/cli/commands/conformance-plugin';

const ok: [string, HexSyntax, string, number[]][] = [
  ['spec: 0x prefix, blanks anywhere', HEX_SPEC, '0x00 ff\n10', [0, 255, 16]],
  ['spec: a byte split by a blank', HEX_SPEC, 'a b\n  c d', [0xab, 0xcd]],
  ['spec: empty', HEX_SPEC, '  \n', []],
  ['input: pairs, commas, comments', HEX_INPUT, 'b7 00, 0x0100 # r0 = 1\n// exit\n95', [0xb7, 0, 1, 0, 0x95]],
  ['input: a 64-bit word is little-endian', HEX_INPUT, '0x00000001000000b7', [0xb7, 0, 0, 0, 1, 0, 0, 0]],
  ['input: upper case 0X', HEX_INPUT, '0XAbCd', [0xab, 0xcd]],
  ['ubpf: single digits are bytes', HEX_UBPF, '0 1 ff\n b700', [0, 1, 255, 0xb7, 0]],
  ['mem: pairs and # comments', HEX_MEM, '00 01 # first\n  ff\n', [0, 1, 255]],
];

for (const [name, syntax, text, bytes] of ok) {
  test(`parseHex ${name}`, () => assert.deepEqual([...parseHex(text, syntax)], bytes));
}

const bad: [string, HexSyntax, string, HexErrorKind, number, number, string, RegExp][] = [
  ['spec: a letter', HEX_SPEC, '00 1g', 'bad-digit', 1, 5, '1g', /'g' is not a hex digit/],
  ['spec: odd digits, line 2', HEX_SPEC, '00\n0 01', 'odd-digits', 2, 4, '01', /not a whole number of hex bytes/],
  ['spec: 0x only at the start', HEX_SPEC, '00 0x01', 'bad-digit', 1, 5, '0x01', /'x' is not a hex digit/],
  ['input: three digits', HEX_INPUT, 'b7\n  abc', 'odd-digits', 2, 3, 'abc', /'abc' is not a whole number of hex bytes/],
  ['input: 0x alone', HEX_INPUT, '0x', 'bad-token', 1, 1, '0x', /hex digits after 0x/],
  ['input: a word of 15 digits is odd', HEX_INPUT, '0x0000000100000b7', 'odd-digits', 1, 1, '0x0000000100000b7', /whole number/],
  ['ubpf: no 0x', HEX_UBPF, '00 0x01', 'bad-digit', 1, 5, '0x01', /'x' is not a hex digit/],
  ['ubpf: three digits', HEX_UBPF, 'abc', 'odd-digits', 1, 1, 'abc', /whole number/],
  ['mem: four digits', HEX_MEM, '00\n0102', 'bad-token', 2, 1, '0102', /'0102' is not two hex digits/],
  ['mem: a non-digit after a comment line', HEX_MEM, '# x\nzz', 'bad-digit', 2, 1, 'zz', /'z' is not a hex digit/],
];

for (const [name, syntax, text, kind, line, column, token, message] of bad) {
  test(`parseHex refuses ${name} (kind, line, column, token)`, () => {
    assert.throws(() => parseHex(text, syntax, 'in.hex'), (e: unknown) => {
      assert.ok(e instanceof HexError);
      assert.deepEqual({ kind: e.kind, line: e.line, column: e.column, token: e.token }, { kind, line, column, token });
      assert.match(e.message, message);
      assert.ok(e.message.startsWith(`in.hex:${line}:${column}: `), e.message);
      return true;
    });
  });
}

test('front doors: each wraps the one reader in its own typed error', () => {
  assert.deepEqual([...hexBytes('0x00 ff')], [0, 255]);
  assert.throws(() => hexBytes('00\n zz', 'input.mem'), (e: unknown) => e instanceof SpecError && /input\.mem/.test(e.message) && /'z' is not a hex digit/.test(e.message));
  assert.deepEqual([...parseHexText('b7 00 00 00 01 00 00 00\n95 00 00 00 00 00 00 00')!].length, 16);
  assert.equal(parseHexText('r0 = 1\nexit'), undefined, 'assembly is not hex');
  assert.equal(parseHexText('# only a comment'), undefined);
  assert.deepEqual([...parseHexBytes('b7 0 1')], [0xb7, 0, 1]);
  assert.throws(() => parseHexBytes('b7 zz'), /'zz' is not a hex byte/);
});

test('bpf_conformance -- mem: a wrong byte names its line and column in the .data file', () => {
  assert.deepEqual([...parseConformanceData('-- asm\nexit\n-- mem\n00 01 # c\nff\n').mem!], [0, 1, 255]);
  assert.throws(() => parseConformanceData('-- asm\nexit\n-- mem\n00 01\nff 123\n', 'x.data'), (e: unknown) => {
    assert.ok(e instanceof AsmError);
    assert.equal(e.message, "x.data:5:4: bad byte '123' in -- mem");
    return true;
  });
});
