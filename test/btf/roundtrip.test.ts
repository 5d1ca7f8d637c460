// Property: any well-formed BTF built from random types of every kind encodes,
// parses back to the same data, and re-encodes to the same bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { newBtf, addType, encodeBtf, parseBtf, typeById, typeCount, BtfType } from '../../src/btf';

const name = fc.oneof(fc.constant(''), fc.stringMatching(/^[a-z_][a-z0-9_]{0,11}$/));
const link = fc.constantFrom('static' as const, 'global' as const, 'extern' as const);

/** A random type whose references all point at ids below `n` (so there are no loops). */
function typeArb(n: number): fc.Arbitrary<BtfType> {
  const ref = fc.nat({ max: n - 1 });
  const u32 = fc.nat({ max: 0xffffffff });
  const intT = fc.record({ kind: fc.constant('int' as const), name, nameOff: fc.constant(0), size: fc.constantFrom(1, 2, 4, 8, 16),
    bits: fc.constant(0), offset: fc.constant(0), signed: fc.boolean(), char: fc.boolean(), bool: fc.boolean() })
    .chain((t) => fc.nat({ max: t.size * 8 }).chain((bits) => fc.nat({ max: t.size * 8 - bits }).map((offset) => ({ ...t, bits, offset }))));
  const member = fc.record({ name, nameOff: fc.constant(0), type: ref, bitOffset: fc.nat({ max: 0xffffff }), bitfieldSize: fc.nat({ max: 255 }) });
  return fc.oneof(
    intT,
    fc.record({ kind: fc.constantFrom('ptr' as const, 'typedef' as const, 'const' as const, 'volatile' as const, 'restrict' as const), name, nameOff: fc.constant(0), type: ref }),
    fc.record({ kind: fc.constant('type_tag' as const), name, nameOff: fc.constant(0), type: ref, kindFlag: fc.boolean() }),
    fc.record({ kind: fc.constant('array' as const), name, nameOff: fc.constant(0), type: ref, indexType: ref, nelems: u32 }),
    fc.record({ kind: fc.constantFrom('struct' as const, 'union' as const), name, nameOff: fc.constant(0), size: u32, kindFlag: fc.boolean(),
      members: fc.array(member, { maxLength: 4 }) })
      .map((t) => t.kindFlag ? t : { ...t, members: t.members.map((m) => ({ ...m, bitfieldSize: 0 })) }),
    fc.record({ kind: fc.constant('enum' as const), name, nameOff: fc.constant(0), size: fc.constantFrom(1, 2, 4), signed: fc.boolean(),
      values: fc.array(fc.record({ name, nameOff: fc.constant(0), value: fc.integer({ min: -0x80000000, max: 0x7fffffff }) }), { maxLength: 3 }) })
      .map((t) => ({ ...t, values: t.values.map((v) => ({ ...v, value: t.signed ? v.value : v.value >>> 0 })) })),
    fc.record({ kind: fc.constant('enum64' as const), name, nameOff: fc.constant(0), size: fc.constant(8), signed: fc.boolean(),
      values: fc.array(fc.record({ name, nameOff: fc.constant(0), value: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }) }), { maxLength: 3 }) })
      .map((t) => ({ ...t, values: t.values.map((v) => ({ ...v, value: t.signed ? v.value : BigInt.asUintN(64, v.value) })) })),
    fc.record({ kind: fc.constant('fwd' as const), name, nameOff: fc.constant(0), union: fc.boolean() }),
    fc.record({ kind: fc.constant('func' as const), name, nameOff: fc.constant(0), type: ref, linkage: link }),
    fc.record({ kind: fc.constant('func_proto' as const), name: fc.constant(''), nameOff: fc.constant(0), returnType: ref,
      params: fc.array(fc.record({ name, nameOff: fc.constant(0), type: ref }), { maxLength: 4 }) }),
    fc.record({ kind: fc.constant('var' as const), name, nameOff: fc.constant(0), type: ref, linkage: link }),
    fc.record({ kind: fc.constant('datasec' as const), name, nameOff: fc.constant(0), size: u32,
      vars: fc.array(fc.record({ type: ref, offset: u32, size: u32 }), { maxLength: 3 }) }),
    fc.record({ kind: fc.constant('float' as const), name, nameOff: fc.constant(0), size: fc.constantFrom(2, 4, 8, 12, 16) }),
    fc.record({ kind: fc.constant('decl_tag' as const), name, nameOff: fc.constant(0), type: ref, componentIdx: fc.integer({ min: -1, max: 5 }), kindFlag: fc.boolean() }),
  ) as fc.Arbitrary<BtfType>;
}

/** Strip the string offsets (they only exist after encoding). */
function plain(t: BtfType): unknown {
  return JSON.parse(JSON.stringify(t, (k, v) => (k === 'nameOff' ? undefined : typeof v === 'bigint' ? `${v}n` : v)));
}

test('random well-formed BTF: encode -> parse -> same types -> same bytes', () => {
  const listArb = fc.integer({ min: 1, max: 25 }).chain((len) => fc.tuple(...Array.from({ length: len }, (_, i) => typeArb(i + 1))));
  fc.assert(fc.property(listArb, (types) => {
    const btf = newBtf();
    for (const t of types) addType(btf, t);
    const bytes = encodeBtf(btf);
    const back = parseBtf(bytes);
    assert.equal(typeCount(back), types.length + 1);
    for (let id = 1; id < typeCount(back); id++) assert.deepEqual(plain(typeById(back, id)), plain(types[id - 1]), `type ${id}`);
    assert.ok(Buffer.from(encodeBtf(back)).equals(Buffer.from(bytes)));
  }), { numRuns: 500, seed: 42 });
});
