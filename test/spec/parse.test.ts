import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpec, SpecError, hexBytes, expectedRetval, specProgFlags, specSchema, Spec, SpecFunction, SpecMap, SpecMessage, Verdict } from '../../src/spec';

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
  { what: 'func_info without functions', text: good.replace('    exit\n', '    exit\n  func_info: [{ insn_off: 0, type_id: 1 }]\n'), line: 4, field: 'program', msg: /exactly one/ },
  { what: 'func_info record with neither function nor type_id', text: good.replace('    exit\n', '    exit\n  functions: [{ name: main }]\n  func_info: [{ insn_off: 0 }]\n'), line: 8, field: 'program.func_info.0.function', msg: /is required/ },
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

// ---- the test_loader fields, declared functions and maps, and where errors point

const full = `name: everything
description: each field once
type: sched_cls
program:
  asm: |
    r1 = 7
    call bpf_throw
    r0 = 0
    exit
    cb:
    r0 = r1
    exit
  functions:
    - name: main
      args: [struct __sk_buff *]
      exception_callback: cb
    - { name: cb, linkage: global, args: [u64], returns: int, decl_tags: [x] }
  maps:
    - { name: m, type: array, key_size: 4, value_size: 8, max_entries: 1, value: "00" }
load:
  log_level: 2
  flags: [BPF_F_TEST_STATE_FREQ, "!BPF_F_TEST_STATE_FREQ", BPF_F_SLEEPABLE]
expect:
  verdict: accept
  messages:
    - "r1 = 7"
    - not_msg: "r2"
    - regex: "^processed"
  xlated: ["0: r1 = 7", "...", "3: exit"]
  retval: 7
  unpriv:
    verdict: reject
    messages: ["{{.*}}"]
`;

test('every test_loader field, function and map parses into plain data', () => {
  const s = parseSpec(full, 'full.yaml');
  assert.equal(s.program.functions?.[0].exception_callback, 'cb');
  assert.deepEqual(s.program.functions?.[1].args, ['u64']);
  assert.equal(s.program.maps?.[0].value_size, 8);
  assert.equal(s.load?.log_level, 2);
  assert.deepEqual(s.expect.messages, ['r1 = 7', { not_msg: 'r2' }, { regex: '^processed' }]);
  assert.equal(s.expect.unpriv?.verdict, 'reject');
  assert.equal(specProgFlags(s.load?.flags), 16); // STATE_FREQ set then cleared; SLEEPABLE
  assert.equal(s.programLine, 6, 'the first line of the block scalar');
  assert.equal(s.programIndent, 4);
});

const moreCases: { what: string; text: string; line: number; field: string; msg: RegExp }[] = [
  { what: 'unknown prog flag', text: full.replace('BPF_F_SLEEPABLE]', 'BPF_F_SLEEPY]'), line: 22, field: 'load.flags.2', msg: /unknown prog flag 'BPF_F_SLEEPY'/ },
  { what: 'a message entry of an unknown kind', text: full.replace('- regex: "^processed"', '- msg_regex: "^processed"'), line: 28, field: 'expect.messages.2', msg: /must/ },
  { what: 'functions on an object program', text: good.replace(/  asm: \|\n    r0 = 42\n    exit\n/, '  object: x.o\n  prog: p\n  functions: [{ name: f }]\n'), line: 4, field: 'program', msg: /exactly one/ },
  { what: 'a map without a size', text: full.replace(', value_size: 8', ''), line: 19, field: 'program.maps.0.value_size', msg: /is required/ },
  { what: 'a bad linkage', text: full.replace('linkage: global', 'linkage: weak'), line: 17, field: 'program.functions.1.linkage', msg: /global, static/ },
  { what: 'a log level out of range', text: full.replace('log_level: 2', 'log_level: 9'), line: 21, field: 'load.log_level', msg: /must be <= 7/ },
];

for (const c of moreCases) {
  test(`malformed spec: ${c.what} names line and field`, () => {
    const e = specError(c.text);
    assert.equal(e.field, c.field, e.message);
    assert.equal(e.line, c.line, e.message);
    assert.match(e.message, c.msg);
  });
}

test('the schema has $schema, a title and a description for every field', () => {
  assert.equal(specSchema.$schema, 'http://json-schema.org/draft-07/schema#');
  const missing: string[] = [];
  const walk = (s: unknown, at: string): void => {
    if (!s || typeof s !== 'object') return;
    const o = s as Record<string, unknown>;
    if (o.properties) {
      for (const [k, v] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
        if (!v.description && !v.title) missing.push(`${at}${k}`);
        walk(v, `${at}${k}.`);
      }
    }
    if (o.items) walk(o.items, at);
  };
  walk(specSchema, '');
  // key_size, value_size, max_entries and name of a map speak for themselves in the map's description
  assert.deepEqual(missing.filter((m) => !/^program\.maps\.(name|key_size|value_size|max_entries)$|^program\.functions\.args\./.test(m)), []);
});

// The spec types come from the schema: these fail to compile if the mapping drifts.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const typeChecks: [
  Equal<Verdict, 'accept' | 'reject'>,
  Equal<SpecMessage, string | { not_msg: string } | { regex: string }>,
  Equal<NonNullable<SpecFunction['linkage']>, 'global' | 'static'>,
  Equal<SpecMap['key_size'], number>,
  Equal<Spec['expect']['errno'], string | null | undefined>,
] = [true, true, true, true, true];
test('the spec types are derived from the schema', () => assert.deepEqual(typeChecks, [true, true, true, true, true]));
