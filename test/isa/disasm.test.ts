// Disassembler: golden verifier-log lines captured from the live kernel
// (test/isa/golden/kernel-log.json, Linux 6.18, log_level 2) must be
// reproduced exactly; plus table tests for forms the golden programs lack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { decode, disassemble, disasmInsn, formatInsnLine, Insn, ldImm64, helperName, helperId, HELPER_NAMES, bpftoolImmName } from '../../src/isa';

interface Golden { meta: { kernel: string }; programs: { name: string; progType: number; hex: string; lines: string[] }[] }
const goldenFile = path.join(__dirname, '../../../test/isa/golden/kernel-log.json');
const golden = JSON.parse(fs.readFileSync(goldenFile, 'utf8')) as Golden;

for (const p of golden.programs) {
  test(`golden kernel log: ${p.name} (${p.lines.length} lines)`, () => {
    const insns = decode(Uint8Array.from(Buffer.from(p.hex, 'hex')));
    const mine = new Map(disassemble(insns, { kfuncName: (i) => (i.imm === 65977 ? 'bpf_throw' : undefined) })
      .map((l) => [l.slice(0, l.indexOf(':')), l]));
    assert.ok(p.lines.length > 0);
    for (const line of p.lines) assert.equal(mine.get(line.slice(0, line.indexOf(':'))), line);
  });
}

const s = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const table: [Insn[], string][] = [
  [[s(0xb7, 0, 0, 0, 42)], 'r0 = 42'],
  [[s(0x0c, 0, 1)], 'w0 += w1'],
  [[s(0x25, 1, 0, 3, 16)], 'if r1 > 0x10 goto pc+3'],
  [[s(0xce, 1, 2, -1)], 'if w1 s< w2 goto pc-1'],
  [[s(0x15, 1, 0, 1, -1)], 'if r1 == 0xffffffff goto pc+1'],
  [[s(0x7b, 10, 1, -8)], '*(u64 *)(r10 -8) = r1'],
  [[s(0x61, 0, 1, 0)], 'r0 = *(u32 *)(r1 +0)'],
  [[s(0x91, 0, 1, 0)], 'r0 = *(s8 *)(r1 +0)'],
  [[s(0xdb, 1, 2, 0, 0)], 'lock *(u64 *)(r1 +0) += r2'],
  [[s(0xdb, 1, 0, 0, 1)], 'r0 = atomic64_fetch_add((u64 *)(r1 +0), r0)'],
  [[s(0xc3, 1, 2, 4, 0xf1)], 'r0 = atomic_cmpxchg((u32 *)(r1 +4), r0, r2)'],
  [[s(0xdb, 2, 1, 0, 0x100)], 'r2 = load_acquire((u64 *)(r1 +0))'],
  [[s(0xd3, 1, 2, 0, 0x110)], 'store_release((u8 *)(r1 +0), r2)'],
  [ldImm64(1, 0x1234n), 'r1 = 0x1234'],
  [ldImm64(1, 5n, 1), 'r1 = 0x5'],
  [[s(0x85, 0, 0, 0, 1)], 'call bpf_map_lookup_elem#1'],
  [[s(0x85, 0, 1, 0, 5)], 'call pc+5'],
  [[s(0x85, 0, 2, 0, 99)], 'call unknown#99'],
  [[s(0x95)], 'exit'],
  [[s(0x05, 0, 0, 2)], 'goto pc+2'],
  [[s(0x06, 0, 0, 0, 2)], 'gotol pc+2'],
  [[s(0xe5, 0, 0, 2)], 'may_goto pc+2'],
  [[s(0xdc, 0, 0, 0, 16)], 'r0 = be16 r0'],
  [[s(0xd7, 0, 0, 0, 64)], 'r0 = bswap64 r0'],
  [[s(0xbf, 0, 1, 8)], 'r0 = (s8)r1'],
  [[s(0xbc, 0, 1, 16)], 'w0 = (s16)w1'],
  [[s(0x3c, 0, 1, 1)], 'w0 s/= w1'],
  [[s(0x9f, 0, 1, 1)], 'r0 s%= r1'],
  [[s(0xbf, 1, 2, 1, 1 << 16)], 'r1 = addr_space_cast(r2, 1, 0)'],
  [[s(0x8d, 2)], 'callx r2'],
];
for (const [insns, text] of table) {
  test(`disasm: ${text}`, () => assert.equal(disasmInsn(insns, 0), text));
}

test('kfunc names come from the callback (cb_call)', () => {
  const insns = [s(0x85, 0, 2, 0, 65977)];
  assert.equal(disasmInsn(insns, 0, { kfuncName: (i) => (i.imm === 65977 ? 'bpf_throw' : undefined) }), 'call bpf_throw#65977');
});

test('ld_imm64 value callback (cb_imm) and allowPtrLeaks', () => {
  const insns = ldImm64(1, 7n, 1);
  assert.equal(disasmInsn(insns, 0, { immName: (_i, _pc, v) => `map[id:${v}]` }), 'r1 = map[id:7]');
  assert.equal(disasmInsn(insns, 0, { allowPtrLeaks: false }), 'r1 = 0x0');
});

test('formatInsnLine and disassemble skip the second ld_imm64 slot', () => {
  const insns = [...ldImm64(1, 0x1234n), s(0x95)];
  assert.equal(formatInsnLine(insns, 0), '0: (18) r1 = 0x1234');
  assert.deepEqual(disassemble(insns), ['0: (18) r1 = 0x1234', '2: (95) exit']);
});

test('formatInsnLine prints a BUG_ text without the opcode, as print_bpf_insn does', () => {
  // recorded from Linux 6.18 (specs/rules/atomic-bad-opcode.yaml): `2: BUG_db`
  const insns = [s(0xdb, 1, 2, 0, 0xf0)];
  assert.equal(formatInsnLine(insns, 0), '0: BUG_db');
  assert.equal(formatInsnLine([s(0x72, 1, 0, 0, 0)], 0), '0: (72) *(u8 *)(r1 +0) = 0');
});

test('symbolic mode prints pseudo ld_imm64 forms and raw slots for invalid insns', () => {
  const sym = { symbolic: true };
  assert.equal(disasmInsn(ldImm64(1, 0x1234n), 0, sym), 'r1 = 0x1234 ll');
  assert.equal(disasmInsn(ldImm64(1, 5n, 1), 0, sym), 'r1 = map_fd(5) ll');
  assert.equal(disasmInsn(ldImm64(1, (16n << 32n) | 5n, 2), 0, sym), 'r1 = map_value(5, 16) ll');
  assert.equal(disasmInsn(ldImm64(1, 3n, 4), 0, sym), 'r1 = func(+3) ll');
  assert.equal(disasmInsn([s(0x85, 0, 2, 1, 99)], 0, sym), 'call kfunc(99, 1)');
  assert.equal(disasmInsn([s(0x95, 0, 0, 0, 1)], 0, sym), '.insn 0x95, 0, 0, 0, 1');
});

test('helper table is the kernel\'s (212 ids on 6.18)', () => {
  assert.equal(HELPER_NAMES.length, 212);
  assert.equal(helperName(1), 'bpf_map_lookup_elem');
  assert.equal(helperName(211), 'bpf_cgrp_storage_delete');
  assert.equal(helperName(999), 'unknown');
  assert.equal(helperId('bpf_tail_call'), 12);
  assert.equal(helperId('ktime_get_ns'), 5);
  assert.equal(helperId('bpf_throw'), undefined);
});

test('bpftool-style pseudo ld_imm64 names (xlated_dumper print_imm)', () => {
  const o = { immName: bpftoolImmName };
  assert.equal(disasmInsn(ldImm64(1, 5n, 1), 0, o), 'r1 = map[id:5]');
  assert.equal(disasmInsn(ldImm64(1, (8n << 32n) | 5n, 2), 0, o), 'r1 = map[id:5][0]+8');
  assert.equal(disasmInsn(ldImm64(1, (8n << 32n) | 2n, 6), 0, o), 'r1 = map[idx:2]+8');
  assert.equal(disasmInsn(ldImm64(1, 3n, 4), 0, o), 'r1 = subprog[+3]');
  assert.equal(disasmInsn(ldImm64(1, 0xabn), 0, o), 'r1 = 0xab');
});
