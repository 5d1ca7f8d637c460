// Type printing (verifier-log strings, C spelling, bpftool raw lines) and
// building / sanitizing BTF from scratch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  newBtf, addType, encodeBtf, parseBtf, typeById, typeCount, typeToC, refTypeDesc, btfKindStr, btfTypeStr, btfTypeName,
  ptrToBtfIdStr, funcName, funcToC, formatTypeRaw, sanitizeBtf, btfNeedsSanitization, ALL_BTF_FEATURES, KIND_NAMES,
  findByName, typeSize, isVariadic, funcSignature, BtfKind, Btf,
} from '../../src/btf';

function sample(): { btf: Btf; ids: Record<string, number> } {
  const btf = newBtf();
  const ids: Record<string, number> = {};
  const int = (name: string, size: number, signed: boolean, char = false) =>
    addType(btf, { kind: 'int', name, nameOff: 0, size, bits: size * 8, offset: 0, signed, char, bool: false });
  ids.int = int('int', 4, true);
  ids.char = int('char', 1, true, true);
  ids.ull = int('unsigned long long', 8, false);
  ids.u64 = addType(btf, { kind: 'typedef', name: 'u64', nameOff: 0, type: ids.ull });
  ids.cchar = addType(btf, { kind: 'const', name: '', nameOff: 0, type: ids.char });
  ids.pcchar = addType(btf, { kind: 'ptr', name: '', nameOff: 0, type: ids.cchar });
  ids.pchar = addType(btf, { kind: 'ptr', name: '', nameOff: 0, type: ids.char });
  ids.constp = addType(btf, { kind: 'const', name: '', nameOff: 0, type: ids.pchar });
  ids.arr = addType(btf, { kind: 'array', name: '', nameOff: 0, type: ids.pchar, indexType: ids.int, nelems: 4 });
  ids.parr = addType(btf, { kind: 'ptr', name: '', nameOff: 0, type: addType(btf, { kind: 'array', name: '', nameOff: 0, type: ids.int, indexType: ids.int, nelems: 3 }) });
  ids.task = addType(btf, { kind: 'struct', name: 'task_struct', nameOff: 0, size: 16, kindFlag: false, members: [
    { name: 'pid', nameOff: 0, type: ids.int, bitOffset: 0, bitfieldSize: 0 },
    { name: 'comm', nameOff: 0, type: ids.pchar, bitOffset: 64, bitfieldSize: 0 }] });
  ids.ptask = addType(btf, { kind: 'ptr', name: '', nameOff: 0, type: ids.task });
  ids.tdtask = addType(btf, { kind: 'typedef', name: 'task_t', nameOff: 0, type: ids.task });
  ids.vtd = addType(btf, { kind: 'volatile', name: '', nameOff: 0, type: ids.tdtask });
  ids.anon = addType(btf, { kind: 'union', name: '', nameOff: 0, size: 8, kindFlag: false, members: [] });
  ids.en = addType(btf, { kind: 'enum', name: 'color', nameOff: 0, size: 4, signed: true, values: [{ name: 'RED', nameOff: 0, value: -1 }] });
  ids.proto = addType(btf, { kind: 'func_proto', name: '', nameOff: 0, returnType: ids.ptask, params: [
    { name: 'cookie', nameOff: 0, type: ids.u64 }, { name: 's', nameOff: 0, type: ids.pcchar }] });
  ids.func = addType(btf, { kind: 'func', name: 'bpf_thing', nameOff: 0, type: ids.proto, linkage: 'global' });
  ids.fnptr = addType(btf, { kind: 'ptr', name: '', nameOff: 0, type: addType(btf, { kind: 'func_proto', name: '', nameOff: 0, returnType: ids.int, params: [
    { name: '', nameOff: 0, type: ids.int }, { name: '', nameOff: 0, type: 0 }] }) });
  ids.voidproto = addType(btf, { kind: 'func_proto', name: '', nameOff: 0, returnType: 0, params: [] });
  return { btf, ids };
}

test('C spelling of common types', () => {
  const { btf, ids } = sample();
  const cases: [number, string][] = [
    [0, 'void'], [ids.int, 'int'], [ids.u64, 'u64'], [ids.pcchar, 'const char *'], [ids.constp, 'char *const'],
    [ids.arr, 'char *[4]'], [ids.parr, 'int (*)[3]'], [ids.ptask, 'struct task_struct *'], [ids.vtd, 'volatile task_t'],
    [ids.anon, 'union (anon)'], [ids.en, 'enum color'], [ids.fnptr, 'int (*)(int, ...)'],
  ];
  for (const [id, s] of cases) assert.equal(typeToC(btf, id), s, `type ${id}`);
  assert.equal(funcToC(btf, ids.func), 'struct task_struct *bpf_thing(u64 cookie, const char *s)');
  assert.equal(funcName(btf, ids.func), 'bpf_thing');
  assert.equal(isVariadic(typeById(btf, ids.fnptr - 1) as never), true);
  assert.equal(isVariadic(funcSignature(btf, ids.func).proto), false);
});

test('verifier-log strings: btf_type_str, "%s %s" after modifiers, ptr_<name>', () => {
  const { btf, ids } = sample();
  const expected: Record<BtfKind, string> = {
    void: 'UNKNOWN', int: 'INT', ptr: 'PTR', array: 'ARRAY', struct: 'STRUCT', union: 'UNION', enum: 'ENUM', fwd: 'FWD',
    typedef: 'TYPEDEF', volatile: 'VOLATILE', const: 'CONST', restrict: 'RESTRICT', func: 'FUNC', func_proto: 'FUNC_PROTO',
    var: 'VAR', datasec: 'DATASEC', float: 'FLOAT', decl_tag: 'DECL_TAG', type_tag: 'TYPE_TAG', enum64: 'ENUM64',
  };
  for (const k of KIND_NAMES) assert.equal(btfKindStr(k), expected[k]);
  assert.equal(refTypeDesc(btf, ids.vtd).text, 'STRUCT task_struct');
  assert.equal(refTypeDesc(btf, ids.vtd).refId, ids.task);
  assert.equal(refTypeDesc(btf, 0).text, 'UNKNOWN ');
  assert.equal(refTypeDesc(btf, ids.pcchar).text, 'PTR ');
  assert.equal(refTypeDesc(btf, ids.u64).text, 'INT unsigned long long');
  assert.equal(btfTypeStr(btf, ids.proto), 'FUNC_PROTO');
  assert.equal(btfTypeName(btf, ids.anon), '');
  assert.equal(ptrToBtfIdStr(btf, ids.task), 'ptr_task_struct');
  assert.equal(ptrToBtfIdStr(btf, ids.task, 'rcu_'), 'rcu_ptr_task_struct');
});

test('built BTF encodes, parses back identically, and prints as bpftool would', () => {
  const { btf, ids } = sample();
  const bytes = encodeBtf(btf);
  const back = parseBtf(bytes);
  assert.equal(typeCount(back), typeCount(btf));
  for (let id = 1; id < typeCount(btf); id++) assert.equal(formatTypeRaw(back, id), formatTypeRaw(btf, id));
  assert.ok(Buffer.from(encodeBtf(back)).equals(Buffer.from(bytes)));
  assert.equal(formatTypeRaw(back, ids.task), "[" + ids.task + "] STRUCT 'task_struct' size=16 vlen=2\n\t'pid' type_id=1 bits_offset=0\n\t'comm' type_id=" + ids.pchar + ' bits_offset=64');
  assert.equal(formatTypeRaw(back, ids.en), `[${ids.en}] ENUM 'color' encoding=SIGNED size=4 vlen=1\n\t'RED' val=-1`);
  assert.equal(findByName(back, 'task_struct', 'struct'), ids.task);
  assert.equal(typeSize(back, ids.arr), 32);
  // the same name is stored once
  const again = encodeBtf(btf);
  assert.ok(Buffer.from(again).equals(Buffer.from(bytes)));
});

test('sanitizeBtf rewrites kinds an old kernel lacks (libbpf bpf_object__sanitize_btf)', () => {
  const btf = newBtf();
  const int = addType(btf, { kind: 'int', name: 'int', nameOff: 0, size: 4, bits: 32, offset: 0, signed: true, char: false, bool: false });
  const proto = addType(btf, { kind: 'func_proto', name: '', nameOff: 0, returnType: int, params: [{ name: 'x', nameOff: 0, type: int }] });
  const fn = addType(btf, { kind: 'func', name: 'f', nameOff: 0, type: proto, linkage: 'global' });
  const v = addType(btf, { kind: 'var', name: 'v', nameOff: 0, type: int, linkage: 'global' });
  const ds = addType(btf, { kind: 'datasec', name: '.data.x', nameOff: 0, size: 4, vars: [{ type: v, offset: 0, size: 4 }] });
  const fl = addType(btf, { kind: 'float', name: 'double', nameOff: 0, size: 8 });
  const tt = addType(btf, { kind: 'type_tag', name: 'user', nameOff: 0, type: int, kindFlag: false });
  const dt = addType(btf, { kind: 'decl_tag', name: 'tag', nameOff: 0, type: fn, componentIdx: -1, kindFlag: false });
  const e64 = addType(btf, { kind: 'enum64', name: 'e', nameOff: 0, size: 8, signed: false, values: [{ name: 'A', nameOff: 0, value: 1n << 40n }] });
  assert.equal(btfNeedsSanitization(ALL_BTF_FEATURES), false);
  const none = { func: false, funcGlobal: false, datasec: false, qmarkDatasec: false, float: false, declTag: false, typeTag: false, enum64: false };
  assert.equal(btfNeedsSanitization(none), true);
  sanitizeBtf(btf, none);
  const k = (id: number) => typeById(btf, id).kind;
  assert.equal(k(proto), 'enum');
  assert.equal(k(fn), 'typedef');
  assert.equal(k(v), 'int');
  assert.equal(k(ds), 'struct');
  assert.equal(typeById(btf, ds).name, '_data_x');
  assert.equal(k(fl), 'struct');
  assert.equal(typeById(btf, fl).name, '');
  assert.equal(k(tt), 'const');
  assert.equal(k(dt), 'int');
  assert.equal(k(e64), 'union');
  const ph = findByName(btf, 'enum64_placeholder', 'int');
  assert.ok(ph !== undefined);
  const u = typeById(btf, e64);
  if (u.kind === 'union') assert.deepEqual(u.members.map((m) => [m.name, m.type, m.bitOffset]), [['A', ph, 0]]);
  const back = parseBtf(encodeBtf(btf));
  assert.equal(typeById(back, ds).name, '_data_x');
  assert.equal(typeById(back, ds).kind, 'struct');
  // only funcGlobal missing: FUNC stays, linkage becomes static
  const b2 = newBtf();
  const i2 = addType(b2, { kind: 'int', name: 'int', nameOff: 0, size: 4, bits: 32, offset: 0, signed: true, char: false, bool: false });
  const p2 = addType(b2, { kind: 'func_proto', name: '', nameOff: 0, returnType: i2, params: [] });
  const f2 = addType(b2, { kind: 'func', name: 'g', nameOff: 0, type: p2, linkage: 'global' });
  sanitizeBtf(b2, { ...ALL_BTF_FEATURES, funcGlobal: false });
  const g = typeById(b2, f2);
  assert.ok(g.kind === 'func' && g.linkage === 'static');
});
