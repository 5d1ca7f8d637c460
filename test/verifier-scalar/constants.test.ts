// Constants in, constant out: for two known operands every tracked ALU op
// (ALU and ALU64, shifts by an amount below the width) gives exactly the
// concrete result, with all eight bounds equal to it, as the kernel's
// adjust_scalar_min_max_vals does. The linked-scalar fields survive except
// where the 64-bit and/or/xor helpers call __mark_reg_known (which clears
// them); precision always survives. Guards the constant fast paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Scalar, scalarConst, scalarUnknown, adjustScalar, scalarSync, scalarCoerceToSize, formatScalar } from '../../src/verifier/scalar';
import {
  BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_XOR, BPF_ARSH, BPF_ALU, BPF_ALU64, BPF_X, BPF_K,
} from '../../src/isa/opcodes';
import { aluConcrete, arbU64 } from './concrete';

const OPS = [BPF_ADD, BPF_SUB, BPF_MUL, BPF_OR, BPF_AND, BPF_XOR, BPF_LSH, BPF_RSH, BPF_ARSH];
const CLEARS_ID = new Set([BPF_AND, BPF_OR, BPF_XOR]);
const isShift = (op: number): boolean => op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH;

/** A known constant carrying linked-scalar fields and a precision mark. */
const linked = (v: bigint, id: number, precise: boolean): Scalar =>
  ({ ...scalarConst(v, precise), id, addConst: id ? 64 : 0, delta: id ? 3 : 0 });

const arbCase = fc.record({
  op: fc.constantFrom(...OPS),
  cls: fc.constantFrom(BPF_ALU, BPF_ALU64),
  srcX: fc.boolean(),
  a: arbU64(),
  b: arbU64(),
  shift: fc.integer({ min: 0, max: 63 }),
  id: fc.constantFrom(0, 7),
  precise: fc.boolean(),
});

test('two known operands give the exact constant (all ops, ALU and ALU64)', () => {
  fc.assert(fc.property(arbCase, (c) => {
    const bits = c.cls === BPF_ALU64 ? 64 : 32;
    const b = isShift(c.op) ? BigInt(c.shift % bits) : c.b;
    const imm = Number(BigInt.asIntN(32, b));
    const code = c.cls | c.op | (c.srcX ? BPF_X : BPF_K);
    // a BPF_K source is the sign-extended immediate, as scalarFromImm builds it
    const src = scalarConst(c.srcX ? b : BigInt(imm));
    const dst = linked(c.a, c.id, c.precise);
    const res = adjustScalar({ code, off: 0, imm }, dst, src);
    const want = aluConcrete(code, 0, imm, c.a, c.srcX ? b : BigInt(imm));
    const keep = !CLEARS_ID.has(c.op);
    const expected = { ...linked(want, keep ? c.id : 0, c.precise), ...(keep ? {} : { addConst: 0, delta: 0 }) };
    assert.equal(res.fork, undefined);
    assert.deepEqual({ ...res.dst }, { ...expected }, `${formatScalar(dst)} op ${c.op} ${formatScalar(src)}`);
  }), { numRuns: 4000 });
});

test('reg_bounds_sync leaves a consistent constant as it is and narrows bounds that admit the constant', () => {
  fc.assert(fc.property(arbU64(), arbU64(), (v, w) => {
    const k = scalarConst(v);
    assert.deepEqual({ ...scalarSync(k) }, { ...k });
    // a known var_off with wider bounds around it: every bound becomes the constant
    const lo = v < w ? v : w;
    const wide: Scalar = { ...k, umin: lo, umax: BigInt.asUintN(64, -1n) };
    assert.deepEqual({ ...scalarSync(wide) }, { ...k });
  }), { numRuns: 2000 });
});

test('the unknown scalar is a fixpoint of reg_bounds_sync, and its narrow loads are the same each time', () => {
  for (const precise of [false, true]) {
    const u = scalarUnknown(precise);
    assert.deepEqual({ ...scalarSync(u) }, { ...u });
    for (const size of [1, 2, 4]) {
      const a = scalarCoerceToSize(u, size), b = scalarCoerceToSize(scalarUnknown(precise), size);
      assert.deepEqual({ ...a }, { ...b });
      assert.equal(a.umax, (1n << BigInt(size * 8)) - 1n);
      assert.equal(a.precise, precise);
    }
  }
});
