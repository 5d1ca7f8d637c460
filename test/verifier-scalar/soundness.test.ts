// Soundness properties (fast-check): for concrete values inside abstract
// inputs, the concrete result lies inside the abstract result (tnum and all
// eight bounds) for every ALU op, 32 and 64 bit, K and X sources, for the
// sign-extending moves, and for branch prediction and refinement.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Scalar, scalarContains, scalarConst, adjustScalar, movReg, regSetMinMax, regSetMinMaxDst, isBranchTaken, scalarFromImm,
  scalarCoerceToSize, scalarInvariantViolation, tnumContains, tnumAdd, tnumSub, tnumMul, tnumAnd, tnumOr, tnumXor,
  tnumUnion, tnumIntersect, tnum, Tnum, formatScalar, syncLinkedScalar,
} from '../../src/verifier/scalar';
import {
  BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_ARSH,
  BPF_END, BPF_ALU, BPF_ALU64, BPF_X, BPF_K, BPF_TO_BE, BPF_TO_LE,
  BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE,
} from '../../src/isa/opcodes';
import { aluConcrete, jmpConcrete, arbMember, arbU64, Member } from './concrete';

const RUNS = { numRuns: 600 };
const show = (s: Scalar): string => formatScalar(s);

test('reg_bounds_sync keeps every member of the state it narrows', () => {
  fc.assert(fc.property(arbMember(), (m: Member) => {
    assert.ok(scalarContains(m.base, m.x), 'constructed state contains x');
    assert.ok(scalarContains(m.s, m.x), `sync lost ${m.x}: ${show(m.s)}`);
    assert.equal(scalarInvariantViolation(m.s, 'sync'), null);
  }), { numRuns: 3000 });
});

const ALU_OPS: [string, number][] = [
  ['add', BPF_ADD], ['sub', BPF_SUB], ['mul', BPF_MUL], ['div', BPF_DIV], ['mod', BPF_MOD], ['or', BPF_OR],
  ['and', BPF_AND], ['xor', BPF_XOR], ['lsh', BPF_LSH], ['rsh', BPF_RSH], ['arsh', BPF_ARSH],
];

/** The abstract result must contain the concrete one (checking the maybe_fork_scalars split). */
function checkAlu(code: number, off: number, imm: number, d: Member, src: Scalar, y: bigint): void {
  const want = aluConcrete(code, off, imm, d.x, y);
  const r = adjustScalar({ code, off, imm }, d.s, src);
  if (scalarContains(r.dst, want)) return;
  if (r.fork) {
    const f = adjustScalar({ code, off, imm }, r.fork, src);
    if (scalarContains(f.dst, want)) return;
  }
  assert.fail(`op 0x${code.toString(16)} off ${off}: ${d.x} (in ${show(d.s)}) with ${y} (in ${show(src)}) = ${want}, not in ${show(r.dst)}`);
}

for (const [name, op] of ALU_OPS) {
  for (const cls of [BPF_ALU64, BPF_ALU]) {
    const w = cls === BPF_ALU64 ? 64 : 32;
    const offs = op === BPF_DIV || op === BPF_MOD ? [0, 1] : [0];
    for (const off of offs) {
      const label = `${off ? 's' : ''}${name}${w}`;
      test(`${label} (register source) is sound`, () => {
        fc.assert(fc.property(arbMember(), arbMember(), (d, s) => {
          checkAlu(cls | op | BPF_X, off, 0, d, s.s, s.x);
        }), RUNS);
      });
      test(`${label} (immediate source) is sound`, () => {
        const immArb = op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH
          ? fc.integer({ min: 0, max: w - 1 })
          : fc.oneof(fc.integer({ min: -300, max: 300 }), fc.integer()).filter((k) => !((op === BPF_DIV || op === BPF_MOD) && k === 0));
        fc.assert(fc.property(arbMember(), immArb, (d, k) => {
          checkAlu(cls | op | BPF_K, off, k, d, scalarFromImm(k), BigInt.asUintN(64, BigInt(k)));
        }), RUNS);
      });
    }
  }
}

test('neg32/neg64 are sound', () => {
  fc.assert(fc.property(arbMember(), fc.boolean(), (d, is64) => {
    const code = (is64 ? BPF_ALU64 : BPF_ALU) | BPF_NEG;
    checkAlu(code, 0, 0, d, d.s, d.x);
  }), { numRuns: 1500 });
});

test('byte swaps (be, le, bswap; 16, 32, 64) are sound', () => {
  fc.assert(fc.property(arbMember(), fc.constantFrom(
    BPF_ALU | BPF_END | BPF_TO_BE, BPF_ALU | BPF_END | BPF_TO_LE, BPF_ALU64 | BPF_END | BPF_TO_LE,
  ), fc.constantFrom(16, 32, 64), (d, code, width) => {
    checkAlu(code, 0, width, d, d.s, d.x);
  }), { numRuns: 1500 });
});

test('movsx (64 and 32 bit) and truncation are sound', () => {
  fc.assert(fc.property(arbMember(), fc.constantFrom(8, 16, 32), fc.boolean(), (d, bits, is64) => {
    if (!is64 && bits === 32) return;
    const r = movReg(is64, bits, d.s);
    const low = BigInt.asIntN(bits, d.x);
    const want = is64 ? BigInt.asUintN(64, low) : BigInt.asUintN(32, low);
    assert.ok(scalarContains(r, want), `movsx${is64 ? 64 : 32} s${bits} ${d.x} in ${show(d.s)} -> ${want} not in ${show(r)}`);
    const t = scalarCoerceToSize(d.s, bits / 8);
    const tw = d.x & ((1n << BigInt(bits)) - 1n);
    assert.ok(scalarContains(t, tw), `truncate ${bits} of ${d.x} not in ${show(t)}`);
  }), { numRuns: 2000 });
});

const JMP_OPS: [string, number][] = [
  ['jeq', BPF_JEQ], ['jne', BPF_JNE], ['jset', BPF_JSET], ['jgt', BPF_JGT], ['jge', BPF_JGE], ['jlt', BPF_JLT],
  ['jle', BPF_JLE], ['jsgt', BPF_JSGT], ['jsge', BPF_JSGE], ['jslt', BPF_JSLT], ['jsle', BPF_JSLE],
];

for (const [name, op] of JMP_OPS) {
  for (const jmp32 of [false, true]) {
    test(`${name}${jmp32 ? '32' : ''}: prediction and both refined branches are sound`, () => {
      const konst = (y: bigint): Member => ({ base: scalarConst(y), s: scalarConst(y), x: y });
      // Sources: random states, random constants, and constants next to the
      // destination's value (where off-by-one refinements would go wrong).
      const pair = arbMember().chain((d) => fc.tuple(fc.constant(d), fc.oneof(
        arbMember(), arbU64().map(konst),
        fc.constantFrom(-1n, 0n, 1n).map((k) => konst(BigInt.asUintN(64, d.x + k))),
        fc.constantFrom(-1n, 0n, 1n).map((k) => konst(BigInt.asUintN(64, BigInt.asIntN(32, d.x) + k))),
      )));
      fc.assert(fc.property(pair, ([d, s]) => {
        const taken = jmpConcrete(op, jmp32, d.x, s.x);
        const pred = isBranchTaken(d.s, s.s, op, jmp32);
        if (pred !== -1) assert.equal(pred === 1, taken, `predicted ${pred} for ${d.x} ${name} ${s.x}`);
        const b = regSetMinMax(d.s, s.s, op, jmp32);
        const [rd, rs] = taken ? [b.trueDst, b.trueSrc] : [b.falseDst, b.falseSrc];
        assert.ok(scalarContains(rd, d.x), `${d.x} (in ${show(d.s)}) ${name} ${s.x}: dst not in ${show(rd)}`);
        assert.ok(scalarContains(rs, s.x), `${d.x} ${name} ${s.x} (in ${show(s.s)}): src not in ${show(rs)}`);
      }), RUNS);
    });
  }
}

test('jumps comparing a register with itself refine soundly', () => {
  fc.assert(fc.property(arbMember(), fc.constantFrom(...JMP_OPS.map(([, o]) => o)), fc.boolean(), (d, op, jmp32) => {
    const taken = jmpConcrete(op, jmp32, d.x, d.x);
    const b = regSetMinMax(d.s, d.s, op, jmp32, true);
    const r = taken ? b.trueDst : b.falseDst;
    // The kernel refines r1 op r1 as two registers; the real branch must keep x.
    assert.ok(scalarContains(r, d.x), `${d.x} op 0x${op.toString(16)} itself -> ${show(r)}`);
  }), { numRuns: 1500 });
});

test('regSetMinMaxDst gives the destination states of regSetMinMax (BPF_K jumps)', () => {
  fc.assert(fc.property(arbMember(), arbMember(), fc.constantFrom(...JMP_OPS.map(([, o]) => o)), fc.boolean(), (d, s, op, jmp32) => {
    const full = regSetMinMax(d.s, s.s, op, jmp32);
    const dst = regSetMinMaxDst(d.s, s.s, op, jmp32);
    assert.deepEqual(dst.trueDst, full.trueDst);
    assert.deepEqual(dst.falseDst, full.falseDst);
  }), { numRuns: 1500 });
});

const arbTnumMember = (): fc.Arbitrary<[Tnum, bigint]> =>
  fc.tuple(arbU64(), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })).map(([x, m]) => [tnum(x & ~m, m), x]);

test('tnum add, sub, mul, and, or, xor, union, intersect contain the concrete results', () => {
  fc.assert(fc.property(arbTnumMember(), arbTnumMember(), ([a, x], [b, y]) => {
    const u = (v: bigint): bigint => BigInt.asUintN(64, v);
    assert.ok(tnumContains(tnumAdd(a, b), u(x + y)));
    assert.ok(tnumContains(tnumSub(a, b), u(x - y)));
    assert.ok(tnumContains(tnumMul(a, b), u(x * y)));
    assert.ok(tnumContains(tnumAnd(a, b), x & y));
    assert.ok(tnumContains(tnumOr(a, b), x | y));
    assert.ok(tnumContains(tnumXor(a, b), x ^ y));
    assert.ok(tnumContains(tnumUnion(a, b), x) && tnumContains(tnumUnion(a, b), y));
    if (tnumContains(b, x)) assert.ok(tnumContains(tnumIntersect(a, b), x));
  }), { numRuns: 3000 });
});

test('sync_linked_regs: a register linked by a constant delta keeps its concrete value', () => {
  const add = (alu64: boolean, s: Scalar, k: number): Scalar =>
    adjustScalar({ code: (alu64 ? BPF_ALU64 : BPF_ALU) | BPF_ADD | BPF_K, off: 0, imm: k }, s, scalarFromImm(k)).dst;
  const arbDelta = fc.oneof(fc.integer({ min: -10, max: 10 }), fc.integer());
  fc.assert(fc.property(arbMember(), arbDelta, arbDelta, fc.constantFrom(...JMP_OPS.map(([, o]) => o)), arbU64(),
    fc.constantFrom<'64' | '32' | 'base'>('64', '32', 'base'), (m, dk, dr, op, c, kind) => {
      const linked = (s: Scalar, addConst: 0 | 32 | 64, delta: number): Scalar => ({ ...s, id: 7, addConst, delta });
      let known: Scalar;
      let kx: bigint;
      let reg: Scalar;
      let rx: bigint;
      if (kind === '32') {
        if (m.s.umax > 0xffffffffn) return; // the kernel only links a 32-bit add on a u32 value
        known = linked(add(false, m.s, dk), 32, dk);
        kx = BigInt.asUintN(32, m.x + BigInt(dk));
        reg = linked(m.s, 0, 0);
        rx = m.x;
      } else {
        known = linked(add(true, m.s, dk), 64, dk);
        kx = BigInt.asUintN(64, m.x + BigInt(dk));
        reg = kind === 'base' ? linked(m.s, 0, 0) : linked(add(true, m.s, dr), 64, dr);
        rx = kind === 'base' ? m.x : BigInt.asUintN(64, m.x + BigInt(dr));
      }
      const b = regSetMinMax(known, scalarConst(c), op, false);
      const refined = jmpConcrete(op, false, kx, c) ? b.trueDst : b.falseDst;
      assert.ok(scalarContains(refined, kx));
      const synced = syncLinkedScalar(reg, refined);
      assert.ok(scalarContains(synced, rx), `${kind}: reg ${rx} lost after sync with ${show(refined)}: ${show(synced)}`);
    }), { numRuns: 3000 });
});
