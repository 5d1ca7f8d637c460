// Mutators for parser fuzzing: byte-level (bit flips, interesting integers,
// truncation, insertion, duplication, splicing) and text-level (lines and
// tokens from a dictionary), plus values drawn from fast-check arbitraries.
// Every mutation is driven by a seeded PRNG, so input i of a run with seed S
// is reproducible from (S, i) alone.
import fc from 'fast-check';

/** A seeded PRNG (mulberry32): next() in [0, 1). */
export interface Rng { next(): number; int(n: number): number; pick<T>(a: readonly T[]): T }

export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: (arr) => arr[int(arr.length)] };
}

/** The seed of input `i` of a run seeded `seed` (FNV-style mix: neighbouring inputs are unrelated). */
export function inputSeed(seed: number, i: number, salt = 0): number {
  let h = (2166136261 ^ salt) >>> 0;
  for (const v of [seed >>> 0, i >>> 0, Math.floor(i / 2 ** 32)]) h = Math.imul(h ^ v, 16777619) >>> 0;
  return h;
}

/** One value of a fast-check arbitrary, from the PRNG. */
export function sampleOf<T>(arb: fc.Arbitrary<T>, r: Rng): T {
  return fc.sample(arb, { seed: r.int(0x7fffffff), numRuns: 1 })[0];
}

export const INTERESTING_U32 = [0, 1, 2, 3, 4, 7, 8, 12, 16, 24, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
  0xfffff, 0x100000, 0x40000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
export const INTERESTING_U64 = [0n, 1n, 0x40000000n, 0xffffffffn, 0x100000000n, 0x7fffffffffffffffn, 0xffffffffffffffffn, 0x1fffffffffffffn];

/** Byte-level mutations of a copy of `src`: one to four edits. */
export function mutateBytes(src: Uint8Array, r: Rng, others: readonly Uint8Array[] = []): Uint8Array {
  let b: Uint8Array = src.slice();
  const edits = 1 + r.int(4);
  for (let e = 0; e < edits; e++) {
    const len = b.length;
    const at = len ? r.int(len) : 0;
    switch (r.int(9)) {
      case 0: if (len) b[at] ^= 1 << r.int(8); break;
      case 1: if (len) b[at] = r.int(256); break;
      case 2: if (len >= 4) new DataView(b.buffer, b.byteOffset).setUint32((at & ~3) + 4 > len ? 0 : at & ~3, r.pick(INTERESTING_U32), true); break;
      case 3: if (len >= 8) new DataView(b.buffer, b.byteOffset).setBigUint64((at & ~7) + 8 > len ? 0 : at & ~7, r.pick(INTERESTING_U64), true); break;
      case 4: b = b.slice(0, at); break; // truncation
      case 5: { // insertion of random bytes
        const ins = Uint8Array.from({ length: 1 + r.int(16) }, () => r.int(256));
        b = concat(b.subarray(0, at), ins, b.subarray(at));
        break;
      }
      case 6: { // duplicate a chunk
        const n = Math.min(len - at, 1 + r.int(64));
        b = concat(b.subarray(0, at), b.subarray(at, at + n), b.subarray(at));
        break;
      }
      case 7: { // delete a chunk
        const n = Math.min(len - at, 1 + r.int(64));
        b = concat(b.subarray(0, at), b.subarray(at + n));
        break;
      }
      default: { // splice with another seed at the same offset
        if (!others.length) break;
        const o = r.pick(others);
        const n = Math.min(o.length - Math.min(at, o.length), 1 + r.int(256));
        if (n > 0 && at < len) b.set(o.subarray(at, at + Math.min(n, len - at)), at);
      }
    }
  }
  return b;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Tokens worth inserting into assembly, YAML and .data text. */
export const TEXT_TOKENS = [
  'r0', 'r1', 'r10', 'r11', 'r12', 'w0', 'w11', '%r0', '%r11', '-1', '0', '0x7fffffff', '0x80000000', '0xffffffffffffffff',
  '18446744073709551616', '-9223372036854775809', '99999999999999999999999', '1e309', 'NaN', '=', '+=', '-=', '*=', '<<=',
  's>>=', '&=', 'goto', 'goto +', 'goto -1', '+32767', '-32769', 'if', 'call', 'call -1', 'call bpf_throw', 'call 0x7fffffff',
  'exit', 'lock', '*(u64 *)', '*(u8 *)(r10 -8)', '(', ')', '[', ']', '{', '}', ',', ':', 'l1:', 'l1', 'LBB0_1:', '.L', 'll',
  'lddw', 'ldxdw', 'stxdw', 'mov', 'jeq', 'ja', '+', '-', '#', '//', ';', '\t', '\\', '"', "'", '\0', '\u00e9', '\ufffd',
  '-- asm', '-- mem', '-- result', '-- raw', '-- error', 'be16', 'le64', 'bswap', 'may_goto', 'addr_space_cast',
  'asm: |', 'hex:', 'ubpf:', 'type: xdp', 'verdict: accept', 'retval: 0x', '&a', '*a', '<<: *a', '!!binary', '!!int', '? ', '- ', '---', '...',
];

/** Text-level mutations: lines deleted, duplicated or swapped; tokens replaced or inserted; characters changed. */
export function mutateText(src: string, r: Rng, others: readonly string[] = []): string {
  let lines = src.split('\n');
  const edits = 1 + r.int(3);
  for (let e = 0; e < edits; e++) {
    const li = r.int(Math.max(lines.length, 1));
    const line = lines[li] ?? '';
    switch (r.int(10)) {
      case 0: lines.splice(li, 1); break;
      case 1: lines.splice(li, 0, line); break;
      case 2: { const j = r.int(lines.length); [lines[li], lines[j]] = [lines[j] ?? '', line]; break; }
      case 3: { // replace a token of the line
        const toks = line.split(/(\s+|[,()[\]{}:])/);
        if (toks.length) toks[r.int(toks.length)] = r.pick(TEXT_TOKENS);
        lines[li] = toks.join('');
        break;
      }
      case 4: { const c = r.int(line.length + 1); lines[li] = line.slice(0, c) + r.pick(TEXT_TOKENS) + line.slice(c); break; }
      case 5: { const c = r.int(line.length + 1); lines[li] = line.slice(0, c) + line.slice(c + 1 + r.int(8)); break; }
      case 6: { // a number in the line becomes an interesting one
        lines[li] = line.replace(/-?(0x)?[0-9a-f]+/i, () => r.pick(['-1', '0', '4294967296', '0x7fffffffffffffff', '-2147483649', '65536', '32768', '99999999999999999999']));
        break;
      }
      case 7: if (others.length) { const o = r.pick(others).split('\n'); lines.splice(li, 0, ...o.slice(r.int(o.length), r.int(o.length) + 1 + r.int(4))); } break;
      case 8: lines[li] = line + String.fromCharCode(r.int(0x3000)); break;
      default: lines = lines.slice(0, li); // truncation
    }
  }
  return lines.join('\n');
}

export const latin1 = (b: Uint8Array): string => { let s = ''; for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]); return s; };
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const fromUtf8 = (b: Uint8Array): string => new TextDecoder().decode(b);
