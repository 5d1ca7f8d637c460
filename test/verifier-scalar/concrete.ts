// Test helper: the concrete semantics of eBPF ALU and jump instructions on
// u64 values (RFC 9669), and fast-check arbitraries for abstract scalars with
// a known member, used by the soundness properties.
import fc from 'fast-check';
import {
  Scalar, MutScalar, scalarUnknown, scalarSync, tnum, U64_MAX,
} from '../../src/verifier/scalar';
import {
  BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR,
  BPF_ARSH, BPF_END, BPF_ALU64, BPF_CLASS, BPF_OP, BPF_SRC, BPF_TO_LE,
  BPF_JEQ, BPF_JNE, BPF_JSET, BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE, BPF_JSGT, BPF_JSGE, BPF_JSLT, BPF_JSLE,
} from '../../src/isa/opcodes';

const u64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const s64 = (x: bigint): bigint => BigInt.asIntN(64, x);

function swap(x: bigint, bytes: number): bigint {
  let r = 0n;
  for (let i = 0; i < bytes; i++) r |= ((x >> BigInt(8 * i)) & 0xffn) << BigInt(8 * (bytes - 1 - i));
  return r;
}

/** dst op src for an ALU/ALU64 instruction (little-endian host), result as u64. */
export function aluConcrete(code: number, off: number, imm: number, dst: bigint, src: bigint): bigint {
  const alu64 = BPF_CLASS(code) === BPF_ALU64;
  const bits = alu64 ? 64 : 32;
  const U = (x: bigint): bigint => BigInt.asUintN(bits, x);
  const S = (x: bigint): bigint => BigInt.asIntN(bits, x);
  const a = U(dst);
  const b = U(src);
  let r: bigint;
  switch (BPF_OP(code)) {
    case BPF_ADD: r = a + b; break;
    case BPF_SUB: r = a - b; break;
    case BPF_MUL: r = a * b; break;
    case BPF_DIV:
      if (off === 1) r = b === 0n ? 0n : (S(b) === -1n ? -S(a) : S(a) / S(b));
      else r = b === 0n ? 0n : a / b;
      break;
    case BPF_MOD:
      if (off === 1) r = b === 0n ? a : (S(b) === -1n ? 0n : S(a) % S(b));
      else r = b === 0n ? a : a % b;
      break;
    case BPF_OR: r = a | b; break;
    case BPF_AND: r = a & b; break;
    case BPF_XOR: r = a ^ b; break;
    case BPF_LSH: r = a << (b & BigInt(bits - 1)); break;
    case BPF_RSH: r = a >> (b & BigInt(bits - 1)); break;
    case BPF_ARSH: r = S(a) >> (b & BigInt(bits - 1)); break;
    case BPF_NEG: r = -a; break;
    case BPF_END: {
      const width = imm;
      const toLe = BPF_SRC(code) === BPF_TO_LE;
      const x = u64(dst);
      if (alu64 || !toLe) return swap(x & ((1n << BigInt(width)) - 1n), width / 8);
      return width === 64 ? x : x & ((1n << BigInt(width)) - 1n);
    }
    default: throw new Error(`no ALU op 0x${code.toString(16)}`);
  }
  return U(r);
}

/** Does "dst op src" jump? */
export function jmpConcrete(op: number, jmp32: boolean, dst: bigint, src: bigint): boolean {
  const bits = jmp32 ? 32 : 64;
  const a = BigInt.asUintN(bits, dst);
  const b = BigInt.asUintN(bits, src);
  const sa = BigInt.asIntN(bits, dst);
  const sb = BigInt.asIntN(bits, src);
  switch (op) {
    case BPF_JEQ: return a === b;
    case BPF_JNE: return a !== b;
    case BPF_JSET: return (a & b) !== 0n;
    case BPF_JGT: return a > b;
    case BPF_JGE: return a >= b;
    case BPF_JLT: return a < b;
    case BPF_JLE: return a <= b;
    case BPF_JSGT: return sa > sb;
    case BPF_JSGE: return sa >= sb;
    case BPF_JSLT: return sa < sb;
    case BPF_JSLE: return sa <= sb;
    default: throw new Error(`no jump op 0x${op.toString(16)}`);
  }
}

/** Interesting 64-bit values: small, near the sign and width boundaries, random. */
export const arbU64 = (): fc.Arbitrary<bigint> => fc.oneof(
  fc.bigInt({ min: 0n, max: 300n }),
  fc.bigInt({ min: -300n, max: -1n }).map(u64),
  fc.constantFrom(0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0x8000000000000000n, U64_MAX),
  fc.bigInt({ min: -(1n << 31n), max: (1n << 32n) }).map(u64),
  fc.bigInt({ min: 0n, max: U64_MAX }),
);

/** A spread around a value, for range bounds. */
const arbSpread = (): fc.Arbitrary<bigint> => fc.oneof(
  fc.constant(0n), fc.bigInt({ min: 0n, max: 16n }), fc.bigInt({ min: 0n, max: 1n << 20n }),
  fc.bigInt({ min: 0n, max: 1n << 40n }), fc.constant(U64_MAX),
);

/** Masks: none, low bits, high bits, sparse, all. */
const arbMask = (): fc.Arbitrary<bigint> => fc.oneof(
  fc.constant(0n), fc.bigInt({ min: 0n, max: 0xffn }), fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.bigInt({ min: 0n, max: U64_MAX }), fc.constant(U64_MAX),
  fc.bigInt({ min: 0n, max: 0xffffn }).map((m) => m << 48n),
);

/** base: the constructed state (contains x); s: base after reg_bounds_sync. */
export interface Member { base: Scalar; s: Scalar; x: bigint }

/**
 * An abstract scalar together with one concrete value it contains: a tnum
 * around x, ranges around x in all four domains, synced like the kernel.
 */
export const arbMember = (): fc.Arbitrary<Member> =>
  fc.record({
    x: arbU64(), mask: arbMask(),
    ulo: arbSpread(), uhi: arbSpread(), slo: arbSpread(), shi: arbSpread(),
    u32lo: arbSpread(), u32hi: arbSpread(), s32lo: arbSpread(), s32hi: arbSpread(),
    useRanges: fc.boolean(),
  }).map((g) => {
    const x = g.x;
    const clampU = (v: bigint, bits: number): bigint => (v < 0n ? 0n : v > (1n << BigInt(bits)) - 1n ? (1n << BigInt(bits)) - 1n : v);
    const clampS = (v: bigint, bits: number): bigint => {
      const lo = -(1n << BigInt(bits - 1));
      const hi = (1n << BigInt(bits - 1)) - 1n;
      return v < lo ? lo : v > hi ? hi : v;
    };
    const base: MutScalar = { ...scalarUnknown() };
    base.varOff = tnum(x & ~g.mask, g.mask);
    if (g.useRanges) {
      const x32 = BigInt.asUintN(32, x);
      const sx = s64(x);
      const sx32 = BigInt.asIntN(32, x);
      base.umin = clampU(x - g.ulo, 64);
      base.umax = clampU(x + g.uhi, 64);
      base.smin = clampS(sx - g.slo, 64);
      base.smax = clampS(sx + g.shi, 64);
      base.u32min = clampU(x32 - g.u32lo, 32);
      base.u32max = clampU(x32 + g.u32hi, 32);
      base.s32min = clampS(sx32 - g.s32lo, 32);
      base.s32max = clampS(sx32 + g.s32hi, 32);
    }
    return { base, s: scalarSync(base), x };
  });
