// The transfer functions computed on 32-bit halves and doubles (scalar/halves.ts)
// give exactly what bigint code gives (tnum.ts, and this file's bigint mul: the
// reference they replace), for random scalars,
// and adjustScalar's memo of transfers answers what a fresh computation does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Scalar, MutScalar, cloneScalar, adjustScalar, mZext32To64, mBoundsSync, formatScalar, scalarSameValue, scalarConst, scalarSync, scalarOf, tnum,
  tnumMul, bmin, bmax, U64_MAX, U32_MAX, S64_MAX, S64_MIN, S32_MAX, S32_MIN,
} from '../../src/verifier/scalar';
import {
  BPF_MUL, BPF_ALU, BPF_ALU64, BPF_X, BPF_ADD, BPF_SUB, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_DIV, BPF_NEG, BPF_END,
} from '../../src/isa/opcodes';
import { arbMember } from './concrete';

// The reference: the kernel's mul transfer in bigint, as C computes it.
// C checked arithmetic (__builtin_*_overflow): the wrapped result and whether it overflowed.
type Checked = (a: bigint, b: bigint, bits: 32 | 64) => [bigint, boolean];
const wrapped = (r: bigint, bits: 32 | 64, signed: boolean): [bigint, boolean] => {
  const w = signed ? BigInt.asIntN(bits, r) : BigInt.asUintN(bits, r);
  return [w, w !== r];
};
const mulS: Checked = (a, b, bits) => wrapped(a * b, bits, true);
const mulU: Checked = (a, b, bits) => wrapped(a * b, bits, false);

/** min/max of the four corner products, or null if one overflows. */
function corners(aLo: bigint, aHi: bigint, bLo: bigint, bHi: bigint, bits: 32 | 64): [bigint, bigint] | null {
  const ps: bigint[] = [];
  for (const [x, y] of [[aLo, bLo], [aLo, bHi], [aHi, bLo], [aHi, bHi]]) {
    const [p, o] = mulS(x, y, bits);
    if (o) return null;
    ps.push(p);
  }
  return [ps.reduce(bmin), ps.reduce(bmax)];
}

/** The bound fields of one width: [umin, umax, smin, smax] and their limits. */
type Width = { f: ['u32min' | 'umin', 'u32max' | 'umax', 's32min' | 'smin', 's32max' | 'smax']; bits: 32 | 64; umax: bigint; smin: bigint; smax: bigint };
const W32: Width = { f: ['u32min', 'u32max', 's32min', 's32max'], bits: 32, umax: U32_MAX, smin: S32_MIN, smax: S32_MAX };
const W64: Width = { f: ['umin', 'umax', 'smin', 'smax'], bits: 64, umax: U64_MAX, smin: S64_MIN, smax: S64_MAX };

/** scalar32_min_max_mul (W32) and scalar_min_max_mul (W64) */
function mulBounds(d: MutScalar, s: Scalar, w: Width): void {
  const [umin, umax, smin, smax] = w.f;
  const [hi, oh] = mulU(d[umax], s[umax], w.bits);
  const [lo, ol] = oh ? [0n, true] : mulU(d[umin], s[umin], w.bits);
  if (oh || ol) { d[umin] = 0n; d[umax] = w.umax; } else { d[umin] = lo; d[umax] = hi; }
  const c = corners(d[smin], d[smax], s[smin], s[smax], w.bits);
  if (c === null) { d[smin] = w.smin; d[smax] = w.smax; } else { [d[smin], d[smax]] = c; }
}

/** tnum_mul, scalar32_min_max_mul and scalar_min_max_mul in bigint (before zext and reg_bounds_sync). */
function mulBig(d: MutScalar, s: Scalar): void {
  d.varOff = tnumMul(d.varOff, s.varOff);
  mulBounds(d, s, W32);
  mulBounds(d, s, W64);
}

/** tnum_mul, the mul bounds, zext and reg_bounds_sync, all in bigint. */
function mulReference(d: Scalar, s: Scalar, alu32: boolean): Scalar {
  const r = cloneScalar(d);
  mulBig(r, s);
  if (alu32) mZext32To64(r);
  mBoundsSync(r);
  return r;
}

function checkMul(d: Scalar, s: Scalar): void {
  for (const cls of [BPF_ALU64, BPF_ALU]) {
    const got = adjustScalar({ code: cls | BPF_MUL | BPF_X, off: 0, imm: 0 }, d, s).dst;
    const want = mulReference(d, s, cls === BPF_ALU);
    assert.ok(scalarSameValue(got, want) && got.id === want.id,
      `${cls === BPF_ALU ? 'w' : 'r'}: ${formatScalar(d)} * ${formatScalar(s)}: ${formatScalar(got)}, want ${formatScalar(want)}`);
  }
}

test('BPF_MUL on halves equals the bigint tnum_mul and scalar{32,}_min_max_mul', () => {
  fc.assert(fc.property(arbMember(), arbMember(), (d, s) => checkMul(d.s, s.s)), { numRuns: 3000 });
});

test('BPF_MUL on halves: small ranges, signed ranges, and products at the double and u64 limits', () => {
  const range = (umin: bigint, umax: bigint): Scalar => scalarSync(scalarOf({ umin, umax }));
  const srange = (smin: bigint, smax: bigint): Scalar => scalarSync(scalarOf({ smin, smax }));
  const cases: Scalar[] = [
    range(0n, 255n), range(1n, 3n), range(0n, 0xffffn), range(0x10000n, 0x20000n), range(0n, 0xffff_ffffn),
    range(0n, 1n << 26n), range(0n, (1n << 27n) + 5n), range(0n, (1n << 32n) + 1n), range(1n << 40n, 1n << 41n),
    srange(-8n, 7n), srange(-(1n << 20n), 3n), srange(-(1n << 31n), (1n << 31n) - 1n), srange(-5n, -1n),
    scalarConst(3n), scalarConst(0n), scalarConst(-1n), scalarConst(0xffff_ffffn), scalarConst(1n << 32n),
    scalarConst((1n << 32n) - 1n), scalarConst((1n << 32n) + 1n), scalarConst(1n << 53n), scalarConst(-(1n << 31n)),
    scalarSync(scalarOf({ varOff: tnum(0n, 0xffn) })), scalarSync(scalarOf({ varOff: tnum(0x100n, 0x3003n) })),
    scalarSync(scalarOf({ varOff: tnum(0x8000_0000_0000_0000n, 0x7n) })), scalarSync(scalarOf({})),
    // products at the s64 and u64 limits: 2^63 (overflow) and -2^63 (fits), squares around 2^63, 2^64 - 1
    scalarConst(1n << 31n), scalarConst(-(1n << 32n)), scalarConst(-(1n << 63n)), scalarConst(S64_MAX),
    scalarConst(3037000499n), scalarConst(3037000500n), scalarConst(-3037000500n), scalarConst(4294967295n << 1n),
    range(0n, 1n << 33n), srange(-(1n << 40n), 1n << 20n), srange(-(1n << 32n), 1n << 32n), range(1n << 63n, U64_MAX),
  ];
  for (const d of cases) for (const s of cases) checkMul(d, s);
});

test('adjustScalar remembers transfers by operand values: other ids get their own id fields, as a fresh computation does', () => {
  const ops = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_DIV, BPF_NEG, BPF_END];
  const links: [number, 0 | 32 | 64, number][] = [[0, 0, 0], [3, 0, 0], [7, 0, 0], [9, 64, 0], [0, 0, 0], [4, 64, 5], [6, 32, 5]];
  fc.assert(fc.property(arbMember(), arbMember(), fc.constantFrom(...ops), fc.boolean(), fc.boolean(), (d, s, op, is64, capable) => {
    const insn = { code: (is64 ? BPF_ALU64 : BPF_ALU) | op | BPF_X, off: 0, imm: op === BPF_END ? 32 : 0 };
    const src = op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH ? scalarConst(s.x & 31n) : s.s;
    for (const [id, addConst, delta] of links) {
      const dst: Scalar = { ...d.s, id, addConst, delta };
      const got = adjustScalar(insn, dst, src, capable);
      const want = adjustScalar({ ...insn }, dst, src, capable); // a new instruction object: nothing remembered
      assert.deepEqual(got, want, `${formatScalar(dst)} op 0x${insn.code.toString(16)} ${formatScalar(src)}`);
    }
  }), { numRuns: 1500 });
});
