// Fuzz: thousands of corrupted variants of real .BTF / .BTF.ext (truncations,
// byte flips, u32 overwrites with bad offsets / ids / string offsets, injected
// reference loops). Each must parse or throw BtfError - never another exception,
// never a hang - and whatever parses must decode, resolve, print and re-encode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import fc from 'fast-check';
import {
  parseBtf, parseBtfExt, encodeBtf, encodeBtfExt, typeById, typeCount, skipModsAndTypedefs, typeSize, typeToC,
  formatTypeRaw, declTagsOf, findByName, BtfError, Btf, BTF_KIND,
} from '../../src/btf';
import { elfSection, fixtureObjects } from './helpers';

const objs = fixtureObjects().filter((f) => /(programs|core|exc_valid|exc_ref_throw)\.bpf\.o$/.test(f))
  .map((f) => new Uint8Array(fs.readFileSync(f)));
const seeds = objs.map((o) => ({ btf: new Uint8Array(elfSection(o, '.BTF')!), ext: new Uint8Array(elfSection(o, '.BTF.ext')!) }));
const skip = seeds.length ? false : 'no fixtures';

/** Run fn; a thrown non-BtfError fails the property. */
function onlyBtfErrors<T>(fn: () => T): T | undefined {
  try { return fn(); } catch (e) {
    if (e instanceof BtfError) return undefined;
    throw e;
  }
}

/** Everything a consumer might do with a parsed BTF. */
function exercise(btf: Btf): void {
  const n = typeCount(btf);
  for (let id = 1; id < n; id++) {
    const t = typeById(btf, id);
    onlyBtfErrors(() => skipModsAndTypedefs(btf, id));
    onlyBtfErrors(() => typeSize(btf, id));
    onlyBtfErrors(() => typeToC(btf, id));
    onlyBtfErrors(() => formatTypeRaw(btf, id));
    onlyBtfErrors(() => declTagsOf(btf, id));
    if (t.name) onlyBtfErrors(() => findByName(btf, t.name, t.kind));
  }
  const enc = encodeBtf(btf);
  const again = parseBtf(enc);
  for (let id = 1; id < typeCount(again); id++) typeById(again, id);
  assert.ok(Buffer.from(encodeBtf(again)).equals(Buffer.from(enc)), 'encode is not idempotent');
}

function canonical(b: Uint8Array): boolean {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const hl = dv.getUint32(4, true), tl = dv.getUint32(12, true);
  return dv.getUint32(8, true) === 0 && dv.getUint32(16, true) === tl && hl + tl + dv.getUint32(20, true) === b.length;
}

type Mut =
  | { k: 'trunc'; at: number }
  | { k: 'flip'; at: number; v: number }[]
  | { k: 'u32'; at: number; v: number }
  | { k: 'loop'; which: number; target: number };

const mutArb = fc.oneof(
  fc.record({ k: fc.constant('trunc' as const), at: fc.nat() }),
  fc.array(fc.record({ k: fc.constant('flip' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
  fc.record({ k: fc.constant('u32' as const), at: fc.nat(), v: fc.oneof(fc.nat({ max: 64 }), fc.constantFrom(0xffffffff, 0x7fffffff, 0x80000000, 0xfffff, 0x10000), fc.nat()) }),
  fc.record({ k: fc.constant('loop' as const), which: fc.nat(), target: fc.nat({ max: 200 }) }),
);

function apply(src: Uint8Array, m: Mut, typeAware?: Btf): Uint8Array {
  const b = Buffer.from(src);
  if (Array.isArray(m)) { for (const f of m) b[f.at % b.length] = f.v; return new Uint8Array(b); }
  switch (m.k) {
    case 'trunc': return new Uint8Array(b.subarray(0, m.at % b.length));
    case 'u32': { const at = (m.at % Math.floor(b.length / 4)) * 4; b.writeUInt32LE(m.v >>> 0, at); return new Uint8Array(b); }
    case 'loop': {
      // point a modifier/pointer/typedef at a (likely) earlier or later id to create chains and loops
      const btf = typeAware!;
      const refs: number[] = [];
      btf.kinds.forEach((k, i) => { if (k === BTF_KIND.ptr || k === BTF_KIND.const || k === BTF_KIND.volatile || k === BTF_KIND.typedef) refs.push(i); });
      if (!refs.length) return new Uint8Array(b);
      const i = refs[m.which % refs.length];
      b.writeUInt32LE(m.target % (btf.types.length + 2), 24 + btf.offsets[i] + 8);
      return new Uint8Array(b);
    }
  }
}

test('fuzz .BTF: 3000 corrupted variants parse or throw BtfError', { skip, timeout: 120000 }, () => {
  let parsed = 0, rejected = 0;
  const kinds = new Set<string>();
  const valid = seeds.map((s) => parseBtf(s.btf));
  fc.assert(fc.property(fc.nat({ max: seeds.length - 1 }), mutArb, (si, m) => {
    const bytes = apply(seeds[si].btf, m, valid[si]);
    let btf: Btf;
    try { btf = parseBtf(bytes); } catch (e) {
      if (!(e instanceof BtfError)) throw e;
      assert.ok(e.byteOffset >= 0 && e.byteOffset <= bytes.length, `offset ${e.byteOffset} outside ${bytes.length} bytes`);
      kinds.add(e.kind);
      rejected++;
      return;
    }
    parsed++;
    exercise(btf);
    if (canonical(bytes)) assert.ok(Buffer.from(encodeBtf(parseBtf(bytes))).equals(Buffer.from(bytes)), 'canonical input must round trip');
  }), { numRuns: 3000, seed: 0x5eed });
  assert.ok(parsed > 100, `only ${parsed} variants parsed`);
  assert.ok(rejected > 500, `only ${rejected} variants rejected`);
  for (const k of ['truncated', 'bad-header', 'bad-type-id', 'bad-string-offset', 'unknown-kind', 'reference-loop']) {
    assert.ok(kinds.has(k), `no variant produced ${k}: ${[...kinds].join(',')}`);
  }
});

test('fuzz .BTF.ext: 2000 corrupted variants parse or throw BtfError', { skip, timeout: 120000 }, () => {
  let parsed = 0, rejected = 0;
  const valid = seeds.map((s) => parseBtf(s.btf));
  fc.assert(fc.property(fc.nat({ max: seeds.length - 1 }), mutArb.filter((m) => Array.isArray(m) || m.k !== 'loop'), (si, m) => {
    const bytes = apply(seeds[si].ext, m);
    try {
      const ext = parseBtfExt(bytes, valid[si]);
      parsed++;
      const enc = encodeBtfExt(ext);
      assert.ok(Buffer.from(encodeBtfExt(parseBtfExt(enc, valid[si]))).equals(Buffer.from(enc)));
    } catch (e) {
      if (!(e instanceof BtfError)) throw e;
      rejected++;
    }
  }), { numRuns: 2000, seed: 0xe77 });
  assert.ok(parsed > 50 && rejected > 300, `parsed ${parsed}, rejected ${rejected}`);
});
