// 64-bit arithmetic on registers held as two int32 halves (lo, hi), for the
// interpreter's hot loop: no BigInt except for the rare 64-bit divisions
// whose operands do not fit a double exactly. Semantics: RFC 9669 section 4.1
// (and kernel/bpf/core.c ___bpf_prog_run): division by zero gives 0, modulo by
// zero leaves dst unchanged, INT_MIN / -1 = INT_MIN, INT_MIN % -1 = 0.

const TWO32 = 4294967296;

/** High 32 bits of the unsigned 64-bit product of two unsigned 32-bit numbers. */
export function mulhiU32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}

/** regs[d] = regs[d] * (bl, bh) (low 64 bits). */
export function mul64(L: Int32Array, H: Int32Array, d: number, bl: number, bh: number): void {
  const al = L[d], ah = H[d];
  L[d] = Math.imul(al, bl);
  H[d] = mulhiU32(al >>> 0, bl >>> 0) + Math.imul(al, bh) + Math.imul(ah, bl);
}

export function toBig(lo: number, hi: number): bigint {
  const h = hi >>> 0;
  // below 2^53 a double holds the value exactly: one BigInt allocation instead of four
  if (h < 0x200000) return BigInt(h * TWO32 + (lo >>> 0));
  return (BigInt(h) << 32n) | BigInt(lo >>> 0);
}

export function setBig(L: Int32Array, H: Int32Array, d: number, v: bigint): void {
  if (v >= 0n && v < 0x20000000000000n) { // exact as a double
    const n = Number(v);
    L[d] = n % TWO32;
    H[d] = Math.floor(n / TWO32);
    return;
  }
  const u = BigInt.asUintN(64, v);
  L[d] = Number(u & 0xffffffffn);
  H[d] = Number(u >> 32n);
}

function setNum(L: Int32Array, H: Int32Array, d: number, q: number): void {
  // q is an integer with |q| < 2^53
  L[d] = q >>> 0;
  H[d] = Math.floor(q / TWO32);
}

/** Unsigned 64-bit dst /= b or dst %= b. */
export function udivmod64(L: Int32Array, H: Int32Array, d: number, bl: number, bh: number, mod: boolean): void {
  if (bl === 0 && bh === 0) {
    if (!mod) { L[d] = 0; H[d] = 0; }
    return;
  }
  const ah = H[d] >>> 0, al = L[d] >>> 0;
  if (ah < 0x200000) { // dividend < 2^53: doubles are exact
    const a = ah * TWO32 + al;
    const b = (bh >>> 0) * TWO32 + (bl >>> 0);
    const q = Math.floor(a / b);
    setNum(L, H, d, mod ? a - q * b : q);
    return;
  }
  const a = toBig(al, ah), b = toBig(bl, bh);
  setBig(L, H, d, mod ? a % b : a / b);
}

/** Signed 64-bit dst s/= b or dst s%= b. */
export function sdivmod64(L: Int32Array, H: Int32Array, d: number, bl: number, bh: number, mod: boolean): void {
  if (bl === 0 && bh === 0) {
    if (!mod) { L[d] = 0; H[d] = 0; }
    return;
  }
  const ah = H[d], al = L[d];
  if (ah >= -0x200000 && ah < 0x200000 && bh >= -0x200000 && bh < 0x200000) {
    const a = ah * TWO32 + (al >>> 0);
    const b = bh * TWO32 + (bl >>> 0);
    const q = Math.trunc(a / b);
    setNum(L, H, d, mod ? a - q * b : q);
    return;
  }
  const a = BigInt.asIntN(64, toBig(al, ah)), b = BigInt.asIntN(64, toBig(bl, bh));
  if (b === -1n) { // INT64_MIN / -1 overflows: quotient wraps to INT64_MIN, remainder 0
    setBig(L, H, d, mod ? 0n : -a);
    return;
  }
  setBig(L, H, d, mod ? a % b : a / b);
}

/** dst <<= n (n in 0..63). */
export function shl64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const lo = L[d];
  if (n < 32) { H[d] = (H[d] << n) | (lo >>> (32 - n)); L[d] = lo << n; }
  else { H[d] = lo << (n - 32); L[d] = 0; }
}

/** dst >>= n, logical (n in 0..63). */
export function shr64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = H[d];
  if (n < 32) { L[d] = (L[d] >>> n) | (hi << (32 - n)); H[d] = hi >>> n; }
  else { L[d] = hi >>> (n - 32); H[d] = 0; }
}

/** dst >>= n, arithmetic (n in 0..63). */
export function sar64(L: Int32Array, H: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  const hi = H[d];
  if (n < 32) { L[d] = (L[d] >>> n) | (hi << (32 - n)); H[d] = hi >> n; }
  else { L[d] = hi >> (n - 32); H[d] = hi >> 31; }
}

export function bswap32(v: number): number {
  return ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

export const bswap16 = (v: number): number => ((v & 0xff) << 8) | ((v >>> 8) & 0xff);

