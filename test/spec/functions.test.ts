// The BTF of an assembly spec's declared functions: FUNC + FUNC_PROTO per
// function, func_info sorted by instruction, decl tags on the FUNC, and the
// exception callback named by the first `exception_callback:` tag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { specFunctionsBtf, SpecFunctionError } from '../../src/spec/functions';
import { encodeBtf } from '../../src/btf';
import { parseBtf } from '../../src/btf/parse';
import { typeById, typeIds, Btf } from '../../src/btf/btf';

const all = (btf: Btf) => [...typeIds(btf)].map((id) => typeById(btf, id));

const labels = new Map([['cb', 6], ['helper', 4]]);

test('functions become FUNCs with prototypes, func_info sorted by instruction', () => {
  const r = specFunctionsBtf([
    { name: 'main', args: ['struct __sk_buff *'], exception_callback: 'cb' },
    { name: 'cb', linkage: 'global', args: [{ name: 'cookie', type: 'u64' }] },
    { name: 'helper', args: ['int', 'void *'], returns: 'long' },
  ], labels);
  assert.deepEqual(r.funcInfo.map((f) => f.insnOff), [0, 4, 6]);
  assert.deepEqual(r.subprogs, [{ name: 'helper', start: 4 }, { name: 'cb', start: 6 }]);
  assert.equal(r.exceptionCallback, 'cb');
  // The BTF survives encoding: the kernel gets these types.
  const btf = parseBtf(encodeBtf(r.btf));
  const funcs = all(btf).filter((t) => t.kind === 'func');
  assert.deepEqual(funcs.map((f) => [f.name, f.kind === 'func' ? f.linkage : '']), [['main', 'global'], ['cb', 'global'], ['helper', 'static']]);
  const tags = all(btf).filter((t) => t.kind === 'decl_tag').map((t) => t.name);
  assert.deepEqual(tags, ['exception_callback:cb']);
  const cb = funcs[1];
  const proto = cb.kind === 'func' ? typeById(btf, cb.type) : undefined;
  assert.ok(proto && proto.kind === 'func_proto');
  assert.deepEqual(proto.params.map((p) => p.name), ['cookie']);
});

test('decl tags are written as given, the first exception_callback: tag names the callback', () => {
  const r = specFunctionsBtf([{ name: 'main', decl_tags: ['exception_callback:a', 'exception_callback:b'] }], new Map());
  assert.equal(r.exceptionCallback, 'a');
  assert.equal(all(r.btf).filter((t) => t.kind === 'decl_tag').length, 2);
});

test('raw func_info: the records as written (order, offsets, raw ids), and functions need no label', () => {
  const r = specFunctionsBtf([
    { name: 'main', args: ['struct __sk_buff *'], exception_callback: 'cb' },
    { name: 'cb', linkage: 'global', args: ['u64'] },
    { name: 'unlabelled' },
  ], labels, [{ insn_off: 6, function: 'cb' }, { insn_off: 0, type_id: 1 }, { insn_off: 0, function: 'unlabelled' }]);
  const id = (name: string): number => [...typeIds(r.btf)].find((i) => { const t = typeById(r.btf, i); return t.kind === 'func' && t.name === name; })!;
  assert.deepEqual(r.funcInfo, [{ insnOff: 6, typeId: id('cb') }, { insnOff: 0, typeId: 1 }, { insnOff: 0, typeId: id('unlabelled') }]);
  assert.equal(typeById(r.btf, 1).kind, 'struct'); // type 1 is the argument's struct: not a FUNC
  assert.throws(() => specFunctionsBtf([{ name: 'main' }], labels, [{ insn_off: 0, function: 'nope' }]),
    (e: unknown) => e instanceof SpecFunctionError && e.field === 'func_info' && e.index === 0 && /'nope' is not a function/.test(e.message));
});

const bad: [string, Parameters<typeof specFunctionsBtf>[0], RegExp][] = [
  ['a function without a label', [{ name: 'main' }, { name: 'nowhere' }], /'nowhere' has no label/],
  ['an unknown type', [{ name: 'main', args: ['struct'] }], /unknown type 'struct'/],
  ['a first function whose label is not at 0', [{ name: 'cb' }], /starts at instruction 0/],
];
for (const [what, fns, msg] of bad) {
  test(`refused: ${what}`, () => {
    assert.throws(() => specFunctionsBtf(fns, labels), (e: unknown) => e instanceof SpecFunctionError && msg.test(e.message));
  });
}
