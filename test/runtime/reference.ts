// A BigInt reference model of the ALU (RFC 9669 section 4.1), written
// independently of the interpreter's 32-bit-halves arithmetic.
export const ALU_NAMES = ['add', 'sub', 'mul', 'div', 'sdiv', 'or', 'and', 'lsh', 'rsh', 'mod', 'smod', 'xor', 'mov', 'arsh'] as const;
export type AluName = typeof ALU_NAMES[number];

/** dst op src on a 64-bit (ALU64) or 32-bit (ALU, result zero-extended) machine. a, b are unsigned 64-bit. */
export function refAlu(op: AluName, is64: boolean, a: bigint, b: bigint): bigint {
  const w = is64 ? 64 : 32;
  const U = (v: bigint): bigint => BigInt.asUintN(w, v);
  const S = (v: bigint): bigint => BigInt.asIntN(w, v);
  const x = U(a), y = U(b);
  const sh = y & BigInt(w - 1);
  switch (op) {
    case 'add': return U(x + y);
    case 'sub': return U(x - y);
    case 'mul': return U(x * y);
    case 'div': return y === 0n ? 0n : x / y;
    case 'sdiv': return y === 0n ? 0n : U(S(x) / S(y));
    case 'mod': return y === 0n ? x : x % y;
    case 'smod': return y === 0n ? x : U(S(x) % S(y));
    case 'or': return x | y;
    case 'and': return x & y;
    case 'xor': return x ^ y;
    case 'lsh': return U(x << sh);
    case 'rsh': return x >> sh;
    case 'arsh': return U(S(x) >> sh);
    case 'mov': return y;
  }
}
