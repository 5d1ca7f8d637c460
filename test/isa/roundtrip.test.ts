// Round-trip properties over every well-formed instruction form (arb.ts):
//   assemble(disasm(insn)) == insn      (symbolic text, and verifier-log lines)
//   disasm(assemble(text)) == text      (canonical text)
//   assembleUbpf of the conformance suite == assemble of its disassembly
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assemble, decode, disassemble, disasmInsn, encode, Insn } from '../../src/isa';
import { arbInsn, arbProgram } from './arb';

const hexOf = (insns: Insn[]): string => Buffer.from(encode(insns)).toString('hex');

test('property: assemble(disasm(insn)) == insn for every form (symbolic text)', () => {
  fc.assert(fc.property(arbInsn, (slots) => {
    const text = disasmInsn(slots, 0, { symbolic: true });
    assert.equal(hexOf(assemble(text)), hexOf(slots), text);
  }), { numRuns: 3000 });
});

test('property: assemble(verifier log lines) == program when kfunc names resolve', () => {
  const names = new Map<string, number>();
  const kfuncName = (i: Insn): string => { const n = `kf_${i.imm >>> 0}`; names.set(n, i.imm); return n; };
  // The kernel's text drops the BTF fd index of a kfunc call (off) and the pseudo
  // source of an ld_imm64 (it prints the value only): keep those zero here.
  const prog = arbProgram.map((p) => p.map((i) => (i.code === 0x85 && i.src === 2 ? { ...i, off: 0 } : i.code === 0x18 ? { ...i, src: 0 } : i)));
  fc.assert(fc.property(prog, (p) => {
    const lines = disassemble(p, { kfuncName });
    const back = assemble(lines.join('\n'), { kfuncId: (n) => names.get(n) });
    assert.equal(hexOf(back), hexOf(p), lines.join('\n'));
  }), { numRuns: 300 });
});

test('property: disasm(assemble(text)) == text for canonical text', () => {
  fc.assert(fc.property(arbProgram, (p) => {
    const text = disassemble(p, { symbolic: true }).map((l) => l.replace(/^\d+: \([0-9a-f]{2}\) /, '')).join('\n');
    const again = disassemble(assemble(text), { symbolic: true }).map((l) => l.replace(/^\d+: \([0-9a-f]{2}\) /, '')).join('\n');
    assert.equal(again, text);
  }), { numRuns: 300 });
});

test('property: arbitrary slots (even invalid) survive symbolic disasm -> assemble', () => {
  const slotArb = fc.record({
    code: fc.integer({ min: 0, max: 255 }), dst: fc.integer({ min: 0, max: 15 }), src: fc.integer({ min: 0, max: 15 }),
    off: fc.integer({ min: -32768, max: 32767 }), imm: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  });
  fc.assert(fc.property(fc.array(slotArb, { minLength: 1, maxLength: 8 }), (p) => {
    const lines = disassemble(p, { symbolic: true });
    assert.equal(hexOf(assemble(lines.join('\n'))), hexOf(p), lines.join('\n'));
  }), { numRuns: 1000 });
});

test('clang/libbpf programs (fixtures/golden/*.insns) decode and round-trip through symbolic text', () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const fs = require('fs') as typeof import('fs');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const path = require('path') as typeof import('path');
  const dir = path.join(__dirname, '../../../fixtures/golden');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.insns'));
  assert.ok(files.length > 0);
  for (const f of files) {
    const bytes = Uint8Array.from(Buffer.from(fs.readFileSync(path.join(dir, f), 'utf8').replace(/\s+/g, ''), 'hex'));
    const insns = decode(bytes);
    const text = disassemble(insns, { symbolic: true }).join('\n');
    assert.equal(hexOf(assemble(text)), Buffer.from(bytes).toString('hex'), f);
  }
});
