// The helper functions bpf_conformance tests call, as the reference plugin
// (iovisor/ubpf ubpf_plugin/test_helpers.h) defines them: 0 gather_bytes,
// 1 memfrob, 2 no_op, 3 sqrti, 4 strcmp_ext, 5 unwind (helper 5 is ubpf's
// "unwind" index: when it returns 0 the program ends with r0 = 0).
import { HelperFn } from '../runtime';

const gatherBytes: HelperFn = (_c, a, b, c, d, e) =>
  ((a & 0xffn) << 32n) | ((b & 0xffn) << 24n) | ((c & 0xffn) << 16n) | ((d & 0xffn) << 8n) | (e & 0xffn);

const memfrob: HelperFn = (ctx, p, n) => {
  const len = Number(BigInt.asUintN(32, n));
  const bytes = ctx.mem.read(p, len, ctx.pc);
  for (let i = 0; i < bytes.length; i++) bytes[i] ^= 42;
  ctx.mem.write(p, bytes, ctx.pc);
  return 0n;
};

const noOp: HelperFn = () => 0n;

const sqrti: HelperFn = (_c, a) => {
  // integer square root, exact for all 64-bit inputs (std::sqrt of a double, truncated, for small a)
  if (a < 2n) return a;
  let x = BigInt(Math.floor(Math.sqrt(Number(a))));
  while (x * x > a) x--;
  while ((x + 1n) * (x + 1n) <= a) x++;
  return x;
};

const strcmpExt: HelperFn = (ctx, a, b) => {
  const s1 = ctx.mem.readCString(a, 1 << 16, ctx.pc), s2 = ctx.mem.readCString(b, 1 << 16, ctx.pc);
  const n = Math.min(s1.length, s2.length);
  for (let i = 0; i < n; i++) if (s1[i] !== s2[i]) return BigInt.asUintN(64, BigInt(s1[i] - s2[i]));
  return BigInt.asUintN(64, BigInt(s1.length - s2.length));
};

const unwind: HelperFn = (ctx, a) => (a === 0n ? ctx.exit(0n) : a);

export const CONFORMANCE_HELPERS: ReadonlyMap<number, HelperFn> = new Map<number, HelperFn>([
  [0, gatherBytes], [1, memfrob], [2, noOp], [3, sqrti], [4, strcmpExt], [5, unwind],
]);
