// Reserved fields as the walk rejects them (the rule from isa/reserved.ts, the
// message from the profile), against the live kernel in the same run: verdict,
// errno and first error line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Insn, insn } from '../../src/isa/insn';
import { verify, progTypeNumber } from '../../src/verifier';
import { firstErrorLine } from '../../src/verifier/error_line';
import { kernelAvailable, progLoad, closeFd } from '../../src/kernel';

const k = kernelAvailable();
const mov0 = insn(0xb7, 0, 0, 0, 0);
const exit = insn(0x95);

const rows: { name: string; insns: Insn[]; error: string }[] = [
  { name: 'ld_imm64 with off', insns: [insn(0x18, 0, 0, 1, 5), insn(0, 0, 0, 0, 0), exit], error: 'BPF_LD_IMM64 uses reserved fields' },
  { name: 'addr_space_cast between other spaces', insns: [insn(0xb7, 1, 0, 0, 0), insn(0xbf, 0, 1, 1, 5), exit],
    error: 'addr_space_cast insn can only convert between address space 1 and 0' },
  { name: 'addr_space_cast without an arena', insns: [insn(0xb7, 1, 0, 0, 0), insn(0xbf, 0, 1, 1, 1), exit],
    error: 'addr_space_cast insn can only be used in a program that has an associated arena' },
  { name: 'alu64 add with off', insns: [mov0, insn(0x07, 0, 0, 2, 1), exit], error: 'BPF_ALU uses reserved fields' },
  { name: 'mov32 with off 32', insns: [mov0, insn(0xbc, 0, 0, 32, 0), exit], error: 'BPF_MOV uses reserved fields' },
  { name: 'neg with imm', insns: [mov0, insn(0x87, 0, 0, 0, 1), exit], error: 'BPF_NEG uses reserved fields' },
  { name: 'ja with imm', insns: [mov0, insn(0x05, 0, 0, 0, 3), exit], error: 'BPF_JA uses reserved fields' },
  { name: 'exit with dst', insns: [mov0, insn(0x95, 1)], error: 'BPF_EXIT uses reserved fields' },
  { name: 'call with dst', insns: [insn(0x85, 1, 0, 0, 7), exit], error: 'BPF_CALL uses reserved fields' },
  { name: 'conditional jump X with imm', insns: [mov0, insn(0x1d, 0, 0, 0, 1), exit], error: 'BPF_JMP/JMP32 uses reserved fields' },
  { name: 'stx with imm', insns: [mov0, insn(0x7b, 10, 0, -8, 1), exit], error: 'BPF_STX uses reserved fields' },
  { name: 'st with src', insns: [mov0, insn(0x7a, 10, 1, -8, 1), exit], error: 'BPF_ST uses reserved fields' },
  { name: 'ldx with imm', insns: [insn(0x79, 0, 10, -8, 1), exit], error: 'BPF_LDX uses reserved fields' },
];

for (const r of rows) {
  test(`reserved fields: ${r.name}`, () => {
    const m = verify({ insns: r.insns, progType: progTypeNumber('socket_filter')!, logLevel: 1 });
    assert.equal(m.verdict, 'reject');
    assert.equal(m.errno, 'EINVAL');
    assert.equal(firstErrorLine(m.log), r.error);
  });
  test(`reserved fields on the kernel: ${r.name}`, { skip: k.ok ? false : k.reason }, () => {
    const kr = progLoad({ insns: r.insns, progType: 'socket_filter', logLevel: 1 });
    if (kr.ok) closeFd(kr.fd);
    assert.ok(!kr.ok, 'the kernel rejects it');
    assert.equal(kr.errno, 'EINVAL');
    assert.equal(firstErrorLine(kr.log), r.error);
  });
}
