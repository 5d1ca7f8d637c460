// Table tests of the transfer functions and the log format: each expected
// string is what the live Linux 6.18 verifier printed for the same
// instruction on the same input (test/verifier-scalar/golden/handwritten.json
// and probe programs), so these double as readable examples of the API.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Scalar, scalarUnknown, scalarConst, scalarFromImm, adjustScalar, movReg, movImm, regSetMinMax, isBranchTaken,
  formatScalar, scalarInvariantViolation, scalarOf, linkAfterAlu, syncLinkedScalar, assignScalarIdBeforeMov, usedNextId,
  formatSnum, formatUnum, tnum, U64_MAX, scalarSubsumes, scalarS32Range, ScalarDomainError, scalarCoerceToSize,
} from '../../src/verifier/scalar';
import {
  BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_ARSH,
  BPF_END, BPF_ALU, BPF_ALU64, BPF_K, BPF_TO_BE, BPF_TO_LE, BPF_JEQ, BPF_JNE, BPF_JGT, BPF_JSET, BPF_JLT, BPF_JSGT,
} from '../../src/isa/opcodes';

const K64 = (op: number, imm: number, off = 0) => ({ code: BPF_ALU64 | op | BPF_K, off, imm });
const K32 = (op: number, imm: number, off = 0) => ({ code: BPF_ALU | op | BPF_K, off, imm });
const alu = (i: { code: number; off: number; imm: number }, d: Scalar): Scalar => adjustScalar(i, d, scalarFromImm(i.imm)).dst;

const U = scalarUnknown();
const r0_255 = alu(K64(BPF_AND, 0xff), U);
const rNeg8_7 = alu(K64(BPF_ARSH, 60), U);

test('format: constants print in decimal within s16, else as u64 hex', () => {
  const want: [bigint, string][] = [
    [0n, '0'], [-1n, '-1'], [32767n, '32767'], [32768n, '0x8000'], [-32768n, '-32768'],
    [-32769n, '0xffffffffffff7fff'], [65535n, '0xffff'], [0x7fffffffn, '0x7fffffff'],
    [0x100000000n, '0x100000000'], [-(1n << 63n), '0x8000000000000000'],
  ];
  for (const [v, s] of want) assert.equal(formatScalar(scalarConst(v)), s, `const ${v}`);
  assert.equal(formatScalar(scalarUnknown()), 'scalar()');
  assert.equal(formatScalar({ ...scalarConst(7n), precise: true }), 'P7');
  assert.equal(formatSnum(-5n), '-5');
  assert.equal(formatUnum(65536n), '0x10000');
});

const table: [string, Scalar, string][] = [
  ['r &= 255', r0_255, 'scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))'],
  ['r s>>= 60', rNeg8_7, 'scalar(smin=smin32=-8,smax=smax32=7)'],
  ['w s>>= 20', alu(K32(BPF_ARSH, 20), U), 'scalar(smin=0,smax=umax=0xffffffff,smin32=-2048,smax32=2047,var_off=(0x0; 0xffffffff))'],
  ['r |= -65536', alu(K64(BPF_OR, -65536), U),
    'scalar(smin=0xffffffffffff0000,smax=smax32=-1,umin=0xffffffffffff0000,smin32=umin32=0xffff0000,var_off=(0xffffffffffff0000; 0xffff))'],
  ['[0,255] += 100', alu(K64(BPF_ADD, 100), r0_255), 'scalar(smin=umin=smin32=umin32=100,smax=umax=smax32=umax32=355,var_off=(0x0; 0x1ff))'],
  ['[0,255] -= 300', alu(K64(BPF_SUB, 300), r0_255),
    'scalar(smin=smin32=-300,smax=smax32=-45,umin=0xfffffffffffffed4,umax=0xffffffffffffffd3,umin32=0xfffffed4,umax32=0xffffffd3,var_off=(0xfffffffffffffe00; 0x1ff))'],
  ['[0,255] *= -7', alu(K64(BPF_MUL, -7), r0_255), 'scalar(smin=smin32=-1785,smax=smax32=0)'],
  ['[0,255] |= 256', alu(K64(BPF_OR, 256), r0_255), 'scalar(smin=umin=smin32=umin32=256,smax=umax=smax32=umax32=511,var_off=(0x100; 0xff))'],
  ['[0,255] ^= 240', alu(K64(BPF_XOR, 240), r0_255), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))'],
  ['[0,255] <<= 60', alu(K64(BPF_LSH, 60), r0_255),
    'scalar(smax=0x7000000000000000,umax=0xf000000000000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xf000000000000000))'],
  ['[0,255] >>= 3', alu(K64(BPF_RSH, 3), r0_255), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=31,var_off=(0x0; 0x1f))'],
  ['[0,255] s>>= 2', alu(K64(BPF_ARSH, 2), r0_255), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=63,var_off=(0x0; 0x3f))'],
  ['[0,255] /= 7 is not tracked', alu(K64(BPF_DIV, 7), r0_255), 'scalar()'],
  ['[0,255] %= 7 is not tracked', alu(K64(BPF_MOD, 7), r0_255), 'scalar()'],
  ['[0,255] s/= -3 is not tracked', alu(K64(BPF_DIV, -3, 1), r0_255), 'scalar()'],
  ['[0,255] s%= -3 is not tracked', alu(K64(BPF_MOD, -3, 1), r0_255), 'scalar()'],
  ['neg [0,255]', adjustScalar({ code: BPF_ALU64 | BPF_NEG, off: 0, imm: 0 }, r0_255, r0_255).dst, 'scalar(smin=smin32=-255,smax=smax32=0)'],
  ['[-2048,2047] = (s8)', movReg(true, 8, alu(K64(BPF_ARSH, 52), U)), 'scalar(smin=smin32=-128,smax=smax32=127)'],
  ['[-2048,2047] = (s16)', movReg(true, 16, alu(K64(BPF_ARSH, 52), U)), 'scalar(smin=smin32=-32768,smax=smax32=32767)'],
  ['[-2048,2047] = (s32)', movReg(true, 32, alu(K64(BPF_ARSH, 52), U)), 'scalar(smin=0xffffffff80000000,smax=0x7fffffff)'],
  ['w = (s8)w [-2048,2047]', movReg(false, 8, alu(K64(BPF_ARSH, 52), U)),
    'scalar(smin=0,smax=umax=0xffffffff,smin32=-128,smax32=127,var_off=(0x0; 0xffffffff))'],
  ['(s8)0xff80 const', movReg(true, 8, scalarConst(0xff80n)), '-128'],
  ['w = 0xffffffff imm zero-extends', movImm(false, -1), '0xffffffff'],
  ['r = -1 imm sign-extends', movImm(true, -1), '-1'],
];
for (const [name, got, want] of table) test(`transfer ${name}`, () => assert.equal(formatScalar(got), want));

test('byte swaps of [0, 511] (be16, be32, be64, le16, bswap64)', () => {
  const r = alu(K64(BPF_AND, 0x1ff), U);
  const end = (code: number, imm: number): string => formatScalar(adjustScalar({ code: code | BPF_END, off: 0, imm }, r, r).dst);
  assert.equal(end(BPF_ALU | BPF_TO_BE, 16), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=0xff01,var_off=(0x0; 0xff01))');
  assert.equal(end(BPF_ALU | BPF_TO_BE, 32), 'scalar(smin=0,smax=umax=umax32=0xff010000,smax32=0x7f010000,var_off=(0x0; 0xff010000))');
  assert.equal(end(BPF_ALU | BPF_TO_BE, 64),
    'scalar(smax=0x7f01000000000000,umax=0xff01000000000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xff01000000000000))');
  assert.equal(end(BPF_ALU | BPF_TO_LE, 16), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=511,var_off=(0x0; 0x1ff))');
  assert.equal(end(BPF_ALU64 | BPF_TO_LE, 64),
    'scalar(smax=0x7f01000000000000,umax=0xff01000000000000,smin32=0,smax32=umax32=0,var_off=(0x0; 0xff01000000000000))');
});

test('shifts: constant register in range, too large, unknown', () => {
  const r = alu(K64(BPF_AND, 0xffff), U);
  const x = (op: number, src: Scalar, cls = BPF_ALU64): string => formatScalar(adjustScalar({ code: cls | op | 0x08, off: 0, imm: 0 }, r, src).dst);
  assert.equal(x(BPF_LSH, scalarConst(3n)), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=0x7fff8,var_off=(0x0; 0x7fff8))');
  assert.equal(x(BPF_LSH, scalarConst(64n)), 'scalar()');
  assert.equal(x(BPF_RSH, alu(K64(BPF_AND, 7), U)), 'scalar()');
  assert.equal(x(BPF_LSH, scalarConst(64n), BPF_ALU), 'scalar()');
});

test('maybe_fork_scalars: [-1, 0] & 85 gives 85 here and 0 in the forked state', () => {
  const r = rNeg8_7.smin === -8n ? alu(K64(BPF_ARSH, 63), U) : rNeg8_7;
  const a = adjustScalar(K64(BPF_AND, 85), r, scalarFromImm(85));
  assert.equal(formatScalar(a.dst), '85');
  assert.ok(a.fork);
  assert.equal(formatScalar(a.fork), '0');
  assert.equal(formatScalar(adjustScalar(K64(BPF_AND, 85), a.fork, scalarFromImm(85)).dst), '0');
  const o = adjustScalar(K64(BPF_OR, 4), r, scalarFromImm(4));
  assert.equal(formatScalar(o.dst), '-1');
  assert.equal(formatScalar(adjustScalar(K64(BPF_OR, 4), o.fork!, scalarFromImm(4)).dst), '4');
  assert.equal(adjustScalar(K64(BPF_AND, 85), r0_255, scalarFromImm(85)).fork, undefined);
});

test('branches: prediction with tnum_overlap, JSET refinement, single-value tnum/range overlap', () => {
  const f0 = alu(K64(BPF_AND, 0xf0), U);
  assert.equal(isBranchTaken(f0, scalarFromImm(1), BPF_JEQ, false), 0);
  assert.equal(isBranchTaken(f0, scalarFromImm(1), BPF_JNE, false), 1);
  assert.equal(isBranchTaken(f0, scalarFromImm(0x10), BPF_JEQ, false), -1);
  assert.equal(isBranchTaken(r0_255, scalarFromImm(255), BPF_JGT, false), 0);
  assert.equal(isBranchTaken(rNeg8_7, scalarFromImm(-9), BPF_JSGT, false), 1);
  const js = regSetMinMax(f0, scalarFromImm(0x10), BPF_JSET, false);
  assert.equal(formatScalar(js.trueDst), 'scalar(smin=umin=smin32=umin32=16,smax=umax=smax32=umax32=240,var_off=(0x10; 0xe0))');
  assert.equal(formatScalar(js.falseDst), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=224,var_off=(0x0; 0xe0))');
  const ge15 = regSetMinMax(f0, scalarFromImm(15), BPF_JLT, false).falseDst;
  assert.equal(formatScalar(ge15), 'scalar(smin=umin=smin32=umin32=15,smax=umax=smax32=umax32=240,var_off=(0x0; 0xf0))');
  assert.equal(formatScalar(regSetMinMax(ge15, scalarFromImm(17), BPF_JGT, false).falseDst), '16');
});

test('branches: a register compared with itself is refined as one shared state', () => {
  const r = alu(K64(BPF_AND, 0xf0), U);
  const b = regSetMinMax(r, r, BPF_JGT, false, true);
  assert.equal(formatScalar(b.trueDst), 'scalar(smin=umin=smin32=umin32=1,smax=umax=smax32=umax32=239,var_off=(0x0; 0xf0))');
  assert.equal(b.trueSrc, b.trueDst);
  assert.equal(formatScalar(b.falseDst), formatScalar(r));
});

test('linked scalars: ids, deltas, sync and printing', () => {
  const a = { src: assignScalarIdBeforeMov(r0_255, 2) };
  assert.equal(usedNextId(r0_255, a.src, 2), true);
  assert.equal(a.src.id, 2);
  const three = scalarConst(3n);
  assert.equal(usedNextId(three, assignScalarIdBeforeMov(three, 2), 2), false);
  // a source already linked keeps its id (and is itself): nextId is not used, even when equal to its id
  const linked2 = assignScalarIdBeforeMov(r0_255, 2);
  assert.equal(assignScalarIdBeforeMov(linked2, 2), linked2);
  assert.equal(usedNextId(linked2, assignScalarIdBeforeMov(linked2, 2), 2), false);
  const plus = linkAfterAlu(K64(BPF_ADD, 100), a.src.umax, alu(K64(BPF_ADD, 100), a.src), scalarFromImm(100), true);
  assert.equal(formatScalar(plus), 'scalar(id=2+100,smin=umin=smin32=umin32=100,smax=umax=smax32=umax32=355,var_off=(0x0; 0x1ff))');
  const minus = linkAfterAlu(K64(BPF_SUB, 300), a.src.umax, alu(K64(BPF_SUB, 300), a.src), scalarFromImm(300), true);
  assert.equal(minus.addConst, 64);
  assert.equal(minus.delta, -300);
  assert.equal(linkAfterAlu(K64(BPF_MUL, 3), a.src.umax, alu(K64(BPF_MUL, 3), a.src), scalarFromImm(3), true).id, 0);
  assert.equal(linkAfterAlu(K64(BPF_ADD, 1), a.src.umax, alu(K64(BPF_ADD, 1), a.src), scalarFromImm(1), false).id, 0);
  // r6 (id 2) falls through "if r6 < 100": r7 = r6 + 100 follows (kernel printed [200, 355]).
  const known = regSetMinMax(a.src, scalarFromImm(100), BPF_JLT, false).falseDst;
  assert.equal(formatScalar(known), 'scalar(id=2,smin=umin=smin32=umin32=100,smax=umax=smax32=umax32=255,var_off=(0x0; 0xff))');
  const synced = syncLinkedScalar(plus, known);
  assert.equal(formatScalar(synced), 'scalar(id=2+100,smin=umin=smin32=umin32=200,smax=umax=smax32=umax32=355,var_off=(0x0; 0x1ff))');
  const w = { ...plus, addConst: 32 as const };
  assert.equal(syncLinkedScalar(w, { ...known, addConst: 64, delta: 5 }), w, '32-bit and 64-bit deltas do not sync');
});

test('reg_bounds_sanity_check message', () => {
  const bad = scalarOf({ umin: 5n, umax: 4n, varOff: tnum(0n, U64_MAX) });
  assert.equal(scalarInvariantViolation(bad, 'alu'),
    'REG INVARIANTS VIOLATION (alu): range bounds violation u64=[0x5, 0x4] s64=[0x8000000000000000, 0x7fffffffffffffff] ' +
    'u32=[0x0, 0xffffffff] s32=[0x80000000, 0x7fffffff] var_off=(0x0, 0xffffffffffffffff)');
  assert.equal(scalarInvariantViolation(r0_255, 'alu'), null);
  assert.match(scalarInvariantViolation(scalarOf({ varOff: tnum(3n, 0n) }), 'x') ?? '', /const tnum out of sync/);
});

test('state comparison helpers: range_within + tnum_in, __mark_reg_s32_range', () => {
  const wide = alu(K64(BPF_AND, 0xff), U);
  const narrow = alu(K64(BPF_AND, 0x0f), U);
  assert.equal(scalarSubsumes(wide, narrow), true);
  assert.equal(scalarSubsumes(narrow, wide), false);
  assert.equal(scalarSubsumes(U, wide), true);
  assert.equal(scalarSubsumes(scalarConst(5n), scalarConst(5n)), true);
  assert.equal(scalarSubsumes(scalarConst(5n), scalarConst(6n)), false);
  // bpf_get_smp_processor_id on a 2-CPU machine: R0 in [0, nr_cpu_ids - 1].
  const r = scalarS32Range(U, 0n, 1n);
  assert.equal(formatScalar(r), 'scalar(smin=smin32=0,smax=umax=smax32=umax32=1,var_off=(0x0; 0x1))');
});

test('inputs the kernel rejects earlier raise ScalarDomainError with a kind and a location', () => {
  const err = (f: () => unknown, kind: string, where: RegExp): void => {
    assert.throws(f, (e: unknown) => e instanceof ScalarDomainError && e.kind === kind && where.test(e.location));
  };
  err(() => adjustScalar({ code: 0x05, off: 0, imm: 0 }, r0_255, r0_255), 'not-alu', /adjustScalar\(code 0x5\)/);
  err(() => adjustScalar({ code: BPF_ALU64 | 0xb0, off: 0, imm: 1 }, r0_255, r0_255), 'bad-alu-op', /adjustScalar/);
  err(() => adjustScalar({ code: BPF_ALU64 | 0xe0, off: 0, imm: 1 }, r0_255, r0_255), 'bad-alu-op', /code 0xe7/);
  err(() => adjustScalar({ code: BPF_ALU | BPF_END, off: 0, imm: 8 }, r0_255, r0_255), 'bad-size', /adjustScalar/);
  err(() => movReg(false, 32, r0_255), 'bad-size', /movReg\(alu32, off 32\)/);
  err(() => scalarCoerceToSize(r0_255, 3), 'bad-size', /scalarCoerceToSize\(size 3\)/);
  err(() => regSetMinMax(r0_255, r0_255, 0x00, false), 'bad-jmp-op', /regSetMinMax\(op 0x0\)/);
  err(() => isBranchTaken(r0_255, r0_255, 0x90, false), 'bad-jmp-op', /isBranchTaken/);
});
