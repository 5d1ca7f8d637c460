// Differential test against the live kernel: random straight-line programs
// (every ALU op in both widths and both source forms, neg, byte swaps, movsx,
// stack stores and loads of every size, sign-extending loads, atomics,
// load-acquire/store-release, conditional jumps) run on the interpreter and
// through BPF_PROG_TEST_RUN (64-bit r0 via the kernel runner's wide-retval wrapper). Skipped when bpf() is not available.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Insn, insn } from '../../src/isa/insn';
import { encode } from '../../src/isa/codec';
import { kernelAvailable, kernelRun } from '../../src/kernel';
import { createVm, run } from '../../src/runtime';
import { alu, lddw, exit, st, stx, ldx, ldxs, jmp, JOPS, atomic } from './util';
import { ALU_NAMES } from './reference';

const avail = kernelAvailable();
const M64 = (1n << 64n) - 1n;
const value = fc.oneof(fc.constantFrom(0n, 1n, M64, 1n << 63n, 0xffffffffn, 0x80000000n, 0x7fffffffn),
  fc.bigInt({ min: 0n, max: M64 }), fc.bigInt({ min: 0n, max: 0xffffn }));
const reg = fc.integer({ min: 0, max: 5 });
const imm32 = fc.oneof(fc.constantFrom(1, -1, 2, -2147483648, 2147483647), fc.integer({ min: -2147483648, max: 2147483647 }));

/** One random instruction that the verifier accepts on scalars. */
const op: fc.Arbitrary<Insn> = fc.oneof(
  fc.tuple(fc.constantFrom(...ALU_NAMES), fc.boolean(), reg, reg).map(([o, w, d, s]) => alu(o, w, d, s)),
  fc.tuple(fc.constantFrom(...ALU_NAMES), fc.boolean(), reg, imm32).map(([o, w, d, k]) => {
    // the verifier rejects division by a zero immediate and out-of-range shift immediates
    if ((o === 'div' || o === 'sdiv' || o === 'mod' || o === 'smod') && k === 0) k = 3;
    if (o === 'lsh' || o === 'rsh' || o === 'arsh') k = ((k % (w ? 64 : 32)) + (w ? 64 : 32)) % (w ? 64 : 32);
    return alu(o, w, d, { imm: k });
  }),
  fc.tuple(fc.boolean(), reg).map(([w, d]) => insn(w ? 0x87 : 0x84, d)),
  fc.tuple(fc.constantFrom(0xd4, 0xdc, 0xd7), fc.constantFrom(16, 32, 64), reg).map(([c, k, d]) => insn(c, d, 0, 0, k)),
  fc.tuple(fc.constantFrom<[number, number]>([0xbf, 8], [0xbf, 16], [0xbf, 32], [0xbc, 8], [0xbc, 16]), reg, reg).map(([[c, o], d, s]) => insn(c, d, s, o, 0)),
  fc.tuple(fc.constantFrom('b', 'h', 'w', 'dw'), fc.integer({ min: 1, max: 4 }), reg).map(([sz, slot, s]) => stx(sz, 10, s, -8 * slot)),
  fc.tuple(fc.constantFrom('b', 'h', 'w', 'dw'), fc.integer({ min: 1, max: 4 }), reg).map(([sz, slot, d]) => ldx(sz, d, 10, -8 * slot)),
  fc.tuple(fc.constantFrom('b', 'h', 'w'), fc.integer({ min: 1, max: 4 }), reg).map(([sz, slot, d]) => ldxs(sz, d, 10, -8 * slot)),
  // atomics on the stack, load-acquire / store-release
  fc.tuple(fc.constantFrom<'w' | 'dw'>('w', 'dw'), fc.constantFrom(0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1), fc.integer({ min: 1, max: 4 }), reg)
    .map(([sz, a, slot, s]) => atomic(sz, 10, s, -8 * slot, a)),
  fc.tuple(fc.constantFrom<'b' | 'h' | 'w' | 'dw'>('b', 'h', 'w', 'dw'), fc.integer({ min: 1, max: 4 }), reg)
    .map(([sz, slot, d]) => atomic(sz, d, 10, -8 * slot, 0x100)),
  fc.tuple(fc.constantFrom<'b' | 'h' | 'w' | 'dw'>('b', 'h', 'w', 'dw'), fc.integer({ min: 1, max: 4 }), reg)
    .map(([sz, slot, s]) => atomic(sz, 10, s, -8 * slot, 0x110)),
  // short forward conditional jumps (they may land in the folding tail, which is straight-line too)
  fc.tuple(fc.constantFrom(...Object.keys(JOPS)), fc.boolean(), reg, fc.oneof(reg, imm32.map((k) => ({ imm: k }))), fc.integer({ min: 0, max: 2 }))
    .map(([j, w, d, s, off]) => jmp(j, w, d, s, off)),
);

const program = fc.tuple(fc.array(value, { minLength: 6, maxLength: 6 }), fc.array(op, { minLength: 1, maxLength: 12 }))
  .map(([init, body]) => [
    ...init.flatMap((v, r) => lddw(r, v)),
    ...[8, 16, 24, 32].map((o) => st('dw', 10, -o, 0)),
    ...body,
    // fold every register into r0 so that each result is observed
    ...[1, 2, 3, 4, 5].flatMap((r) => [alu('mul', true, 0, { imm: 31 }), alu('xor', true, 0, r)]),
    exit(),
  ]);

test('interpreter and live kernel agree on random ALU and stack programs', { skip: avail.ok ? false : avail.reason }, () => {
  fc.assert(fc.property(program, (insns) => {
    const k = kernelRun({ name: 'diff', insns, progType: 'socket_filter', license: 'GPL' }, {}, { run: true, wideRetval: true, logLevel: 1 });
    assert.equal(k.verdict, 'accept', `kernel rejected ${Buffer.from(encode(insns)).toString('hex')}: ${k.log}`);
    assert.equal(k.runError, null);
    const mine = run(createVm(insns)).retval;
    assert.equal(mine, k.retval, `program ${Buffer.from(encode(insns)).toString('hex')}`);
  }), { numRuns: 300 });
});
