import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec, SpecError, hexBytes, expectedRetval } from '../../src/spec';

const good = `name: returns 42
type: socket_filter
program:
  asm: |
    r0 = 42
    exit
expect:
  verdict: accept
  retval: 0x2a
`;

test('a valid spec parses into plain data', () => {
  const s = parseSpec(good, 'good.yaml');
  assert.equal(s.name, 'returns 42');
  assert.equal(s.type, 'socket_filter');
  assert.equal(s.program.asm, 'r0 = 42\nexit\n');
  assert.equal(s.expect.verdict, 'accept');
  assert.deepEqual(s.input, {});
});

function specError(text: string): SpecError {
  try { parseSpec(text, 'bad.yaml'); } catch (e) {
    assert.ok(e instanceof SpecError, `expected SpecError, got ${e}`);
    return e;
  }
  assert.fail('expected a SpecError');
}

const cases: { what: string; text: string; line: number; field: string; msg: RegExp }[] = [
  { what: 'unknown field', text: good.replace('  verdict: accept', '  verdikt: accept'), line: 8, field: 'expect.verdikt', msg: /not a known field/ },
  { what: 'bad verdict', text: good.replace('verdict: accept', 'verdict: maybe'), line: 8, field: 'expect.verdict', msg: /accept, reject/ },
  { what: 'bad retval', text: good.replace('retval: 0x2a', 'retval: forty'), line: 9, field: 'expect.retval', msg: /must/ },
  { what: 'missing type', text: good.replace('type: socket_filter\n', ''), line: 1, field: 'type', msg: /is required/ },
  { what: 'two program sources', text: good.replace('program:\n', 'program:\n  hex: "95 00 00 00 00 00 00 00"\n'), line: 4, field: 'program', msg: /exactly one/ },
  { what: 'object without prog', text: good.replace(/  asm: \|\n    r0 = 42\n    exit\n/, '  object: x.o\n'), line: 4, field: 'program', msg: /exactly one/ },
  { what: 'bad hex input', text: good + 'input:\n  mem: "zz"\n', line: 11, field: 'input.mem', msg: /pattern/ },
  { what: 'unknown engine', text: good + 'engines: [interp, qemu]\n', line: 10, field: 'engines.1', msg: /interp/ },
];

for (const c of cases) {
  test(`malformed spec: ${c.what} names line and field`, () => {
    const e = specError(c.text);
    assert.equal(e.line, c.line, e.message);
    assert.equal(e.field, c.field, e.message);
    assert.match(e.message, c.msg);
    assert.match(e.message, /^bad\.yaml:\d+:\d+: /);
  });
}

test('broken YAML is a SpecError with its position', () => {
  const e = specError('name: x\n  type: [\n');
  assert.equal(e.source, 'bad.yaml');
  assert.match(e.message, /YAML/);
  assert.ok(e.line >= 1);
});

test('duplicate keys are rejected', () => {
  const e = specError(good + 'name: again\n');
  assert.match(e.message, /YAML/);
});

test('hex and retval helpers', () => {
  assert.deepEqual([...hexBytes('0x00 ff\n10')], [0, 255, 16]);
  assert.throws(() => hexBytes('abc'), /whole number/);
  assert.equal(expectedRetval('0x2a'), 42n);
  assert.equal(expectedRetval(-1), 0xffffffffffffffffn);
  assert.equal(expectedRetval('-1'), 0xffffffffffffffffn);
});
