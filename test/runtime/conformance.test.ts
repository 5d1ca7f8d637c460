// The bpf_conformance harness: .data loading, judging (result, error and the
// 64-bit comparison), the ubpf test helpers, known-failures parsing and the
// plugin's argument handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConformanceCase } from '../../src/harness/conformance-data';
import { judge, runConformanceInterp, parseKnownFailures } from '../../src/harness/conformance';
import { parseHexBytes, splitPluginArgv } from '../../src/cli/commands/conformance-plugin';

const data = (asm: string, rest = '-- result\n0x2a\n'): string => `# comment\n-- asm\n${asm}\n${rest}`;

test('a .data case assembles, gets its memory in r1/r2 and passes', () => {
  const c = loadConformanceCase(data('mov %r0, %r2\nldxb %r3, [%r1+1]\nadd %r0, %r3\nexit', '-- mem\n00 27\n-- result\n0x29\n'), 't');
  assert.equal(c.mem.length, 2);
  const r = runConformanceInterp(c);
  assert.deepEqual(r, { retval: 0x29n, error: null });
  assert.equal(judge(c, r).pass, true);
});

test('a wrong r0 fails with both values in the reason', () => {
  const c = loadConformanceCase(data('mov %r0, 41\nexit'), 't');
  const v = judge(c, runConformanceInterp(c));
  assert.equal(v.pass, false);
  assert.equal(v.why, 'r0 = 0x29, expected 0x2a');
});

test('all 64 bits of r0 are compared; a low-32 match is pointed out', () => {
  const c = loadConformanceCase(data('lddw %r0, 0x10000002a\nexit'), 't');
  const v = judge(c, runConformanceInterp(c));
  assert.equal(v.pass, false);
  assert.match(v.why, /low 32 bits match/);
});

test('-- error tests pass only with the same error text', () => {
  const c = loadConformanceCase(data('ldxw %r0, [%r1+0]\nexit', '-- error\ninvalid read of 4 bytes at 0x0 (pc 0)\n'), 't');
  assert.equal(judge(c, runConformanceInterp(c)).pass, true);
  const other = loadConformanceCase(data('ldxw %r0, [%r1+0]\nexit', '-- error\nsomething else\n'), 't');
  assert.match(judge(other, runConformanceInterp(other)).why, /expected error 'something else' but got 'invalid read/);
  const none = loadConformanceCase(data('mov %r0, 1\nexit', '-- error\nboom\n'), 't');
  assert.match(judge(none, runConformanceInterp(none)).why, /expected error 'boom' but r0 = 0x1/);
});

test('-- raw wins over -- asm', () => {
  const c = loadConformanceCase('-- asm\nmov %r0, 1\nexit\n-- raw\n0x00000007000000b7\n0x0000000000000095\n-- result\n0x7\n', 'raw');
  assert.equal(judge(c, runConformanceInterp(c)).pass, true);
});

test('the ubpf test helpers: gather_bytes, memfrob, sqrti, strcmp, unwind', () => {
  const run = (asm: string, mem = ''): bigint | null => runConformanceInterp(loadConformanceCase(data(asm, `${mem}-- result\n0x0\n`), 't')).retval;
  assert.equal(run('mov %r1, 1\nmov %r2, 2\nmov %r3, 3\nmov %r4, 4\nmov %r5, 0x105\ncall 0\nexit'), 0x0102030405n);
  assert.equal(run('mov %r6, %r1\nmov %r2, 2\ncall 1\nldxh %r0, [%r6]\nexit', '-- mem\n2a 2b\n'), 0x0100n);
  assert.equal(run('lddw %r1, 0xfffffffffffffffe\ncall 3\nexit'), 0xffffffffn);
  assert.equal(run('mov %r1, 1000000\ncall 3\nexit'), 1000n);
  assert.equal(run('mov %r2, %r1\nadd %r2, 3\ncall 4\nexit', '-- mem\n61 62 00 61 63 00\n'), 0xffffffffffffffffn);
  assert.equal(run('mov %r1, 0\ncall 5\nmov %r0, 3\nexit'), 0n);
});

test('known-failures lines: name and reason, comments ignored', () => {
  const m = parseKnownFailures('# header\nfoo needs the JIT  # trailing\n\nbar\n');
  assert.deepEqual([...m], [['foo', 'needs the JIT'], ['bar', 'no reason given']]);
});

test('plugin: hex bytes with any spacing, options given as one argument', () => {
  assert.deepEqual([...parseHexBytes('00  01 ff\n')], [0, 1, 255]);
  assert.deepEqual([...parseHexBytes('b700')], [0xb7, 0]);
  assert.throws(() => parseHexBytes('zz'), /'zz' is not a hex byte/);
  assert.deepEqual(splitPluginArgv(['00 01', '', '--engine interp --elf']), ['00 01', '', '--engine', 'interp', '--elf']);
  assert.deepEqual(splitPluginArgv(['--program', 'b7 00']), ['--program', 'b7 00']);
});
