// Kernel/clang syntax assembler: table tests per form, comments, labels,
// verifier-log input, kfunc resolution, errors with line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, assembleWithLabels, encode, AsmError, Insn } from '../../src/isa';

const hexOf = (insns: Insn[]): string => Buffer.from(encode(insns)).toString('hex');

const table: [string, string][] = [
  ['r0 = 42', 'b70000002a000000'],
  ['w1 = -1', 'b4010000ffffffff'],
  ['r1 = r2', 'bf21000000000000'],
  ['w0 += w1', '0c10000000000000'],
  ['r1 s>>= 3', 'c701000003000000'],
  ['w0 s/= w1', '3c10010000000000'],
  ['r0 s%= 7', '9700010007000000'],
  ['r0 = -r0', '8700000000000000'],
  ['r0 = (s8)r1', 'bf10080000000000'],
  ['w0 = (s16)w1', 'bc10100000000000'],
  ['r0 = be16 r0', 'dc00000010000000'],
  ['r0 = le32 r0', 'd400000020000000'],
  ['r0 = bswap64 r0', 'd700000040000000'],
  ['r1 = addr_space_cast(r2, 0, 1)', 'bf21010001000000'],
  ['r1 = 0x1234 ll', '1801000034120000' + '0000000000000000'],
  ['r1 = 0x123456789', '1801000089674523' + '0000000001000000'],
  ['r1 = 0x80000000', '1801000000000080' + '0000000000000000'],
  ['w1 = 0x80000000', 'b401000000000080'],
  ['r1 = -0x80000000', 'b701000000000080'],
  ['r1 = map_fd(5) ll', '1811000005000000' + '0000000000000000'],
  ['r1 = map_value(5, 16) ll', '1821000005000000' + '0000000010000000'],
  ['r2 = btf_id(77) ll', '183200004d000000' + '0000000000000000'],
  ['r1 = map_idx(0)', '1851000000000000' + '0000000000000000'],
  ['r1 = map_idx_value(1, 8) ll', '1861000001000000' + '0000000008000000'],
  ['r0 = *(u32 *)(r1 +4)', '6110040000000000'],
  ['r0 = *(s16 *)(r1 - 2)', '8910feff00000000'],
  ['w0 = *(u8 *)(r1)', '7110000000000000'],
  ['*(u64 *)(r10 -8) = r1', '7b1af8ff00000000'],
  ['*(u32 *)(r10 - 4) = -3', '620afcfffdffffff'],
  ['r0 = *(u16 *)skb[12]', '280000000c000000'],
  ['r0 = *(u8 *)skb[r7 + -1]', '50700000ffffffff'],
  ['r0 = *(u16 *)skb[r7]', '4870000000000000'],
  ['lock *(u64 *)(r1 +0) += r2', 'db21000000000000'],
  ['lock *(u32 *)(r1 + 8) ^= w2', 'c3210800a0000000'],
  ['r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)', 'db01000001000000'],
  ['w2 = atomic_fetch_or((u32 *)(r1 +0), w2)', 'c321000041000000'],
  ['r2 = atomic64_xchg((u64 *)(r1 +8), r2)', 'db210800e1000000'],
  ['r2 = xchg_64(r1 + 8, r2)', 'db210800e1000000'],
  ['r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r3)', 'db310000f1000000'],
  ['w0 = cmpxchg32_32(r1 + 0, w0, w3)', 'c3310000f1000000'],
  ['r2 = load_acquire((u64 *)(r1 +0))', 'db12000000010000'],
  ['store_release((u16 *)(r1 -2), r3)', 'cb31feff10010000'],
  ['if r1 > 0x10 goto pc+3', '2501030010000000'],
  ['if w1 s< w2 goto pc-1', 'ce21ffff00000000'],
  ['if r1 & 4 goto +0', '4501000004000000'],
  ['if r1 == 0xffffffff goto +1', '15010100ffffffff'],
  ['goto pc+2', '0500020000000000'],
  ['gotol pc+2', '0600000002000000'],
  ['may_goto pc+2', 'e500020000000000'],
  ['call bpf_map_lookup_elem', '8500000001000000'],
  ['call 12', '850000000c000000'],
  ['call bpf_map_lookup_elem#1', '8500000001000000'],
  ['call bpf_throw#65977', '85200000b9010100'],
  ['call unknown#999', '85000000e7030000'],
  ['call pc+5', '8510000005000000'],
  ['call kfunc(1234, 2)', '85200200d2040000'],
  ['callx r3', '8d03000000000000'],
  ['exit', '9500000000000000'],
  ['.insn 0xff, 1, 2, -1, 7', 'ff21ffff07000000'],
];
for (const [text, hex] of table) {
  test(`kernel asm: ${text}`, () => assert.equal(hexOf(assemble(text)), hex));
}

test('comments, ; separators, labels with %=, log lines', () => {
  const src = [
    '/* block',
    '   comment */ r0 = 0; // line comment',
    'l0_%=: if r0 == 0 goto l1_%=  # hash comment',
    '  r0 = 1;',
    'l1_%=:',
    '3: (85) call bpf_get_prandom_u32#7      ; R0_w=scalar()',
    '4: (18) r1 = 0x5',
    'exit;',
  ].join('\n');
  const { insns, labels } = assembleWithLabels(src);
  assert.deepEqual([...labels], [['l0_%=', 1], ['l1_%=', 3]]);
  assert.equal(insns[1].off, 1);
  assert.equal(insns[3].imm, 7);
  assert.equal(insns[4].code, 0x18); // a logged (18) line is ld_imm64 even for a small value
  assert.equal(insns.length, 7);
});

test('call NAME: label first, then helper, then kfunc resolver', () => {
  const insns = assemble('call sub; call bpf_ktime_get_ns; call bpf_throw; exit; sub: r0 = 0; exit', {
    kfuncId: (n) => (n === 'bpf_throw' ? { id: 65977, off: 0 } : undefined),
  });
  assert.deepEqual(insns.slice(0, 3).map((i) => [i.src, i.imm]), [[1, 3], [0, 5], [2, 65977]]);
  const f = assemble('r1 = func(cb) ll; exit; cb: exit');
  assert.equal(f[0].src, 4);
  assert.equal(f[0].imm, 2); // cb is slot 3, the ld_imm64 is slots 0-1
});

test('btf_id(NAME): a kernel symbol (__ksym) through the resolver; btf_id(ID) as written', () => {
  const insns = assemble('r1 = btf_id(runqueues) ll; r2 = btf_id(7, 3) ll; exit', { ksymId: (n) => (n === 'runqueues' ? 4242 : undefined) });
  assert.deepEqual([insns[0].src, insns[0].imm, insns[1].imm], [3, 4242, 0]);
  assert.deepEqual([insns[2].src, insns[2].imm, insns[3].imm], [3, 7, 3]);
  assert.throws(() => assemble('r1 = btf_id(nosuch) ll', { ksymId: () => undefined }), /unknown kernel symbol 'nosuch'/);
});

const errors: [string, string, number, number][] = [
  ['r0 = 0\n  r11 = 1', "invalid register 'r11'", 2, 3],
  ['r1 = w2', 'mixed 32-bit', 1, 6],
  ['goto nowhere', "undefined label 'nowhere'", 1, 6],
  ['r1 +=', "cannot parse 'r1 +='", 1, 1],
  ['  call foo', "unknown function 'foo'", 1, 8],
  ['w1 = 0x1 ll', 'ld_imm64 needs a 64-bit register', 1, 1],
  ['*(u64 *)(w1 +0) = r1', "expected a 64-bit register rN, got 'w1'", 1, 10],
  ['r0 = *(u64 *)(r1 +40000)', 'offset +40000 out of 16-bit range', 1, 18],
  ['r1 = 1; r1 = be16 r2', 'byte swap works in place', 1, 19],
  ['r0 = atomic64_fetch_add((u64 *)(r1 +0), r2)', 'same register on both sides', 1, 41],
  ['a: a: exit', "duplicate label 'a'", 1, 4],
  ['/* open', 'unterminated /* comment', 1, 1],
  ['r1 = map_fd(1, 2) ll', 'map_fd() takes 1 integer argument', 1, 13],
  ['w0 = 4294967296', 'out of 32-bit range', 1, 6],
  ['r0 = 0x10000000000000000 ll', 'out of 64-bit range', 1, 6],
];
for (const [text, msg, line, col] of errors) {
  test(`kernel asm error: ${msg}`, () => {
    assert.throws(() => assemble(text, { source: 'p.s' }), (e: unknown) => {
      assert.ok(e instanceof AsmError, String(e));
      assert.ok(e.message.includes(msg), e.message);
      assert.equal(e.line, line, e.message);
      assert.equal(e.column, col, e.message);
      return true;
    });
  });
}
