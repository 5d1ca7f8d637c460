// Kernel BTF (/sys/kernel/btf/vmlinux): parse, well-known types, lookups,
// byte-identical round trip, and a full cross-check against `bpftool btf dump`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import {
  parseBtf, typeById, typeCount, findByName, findAllByName, funcSignature, skipModsAndTypedefs, typeSize,
  declTagsOf, encodeBtf, findMember, resolvedType, refTypeDesc, ptrToBtfIdStr, funcToC, typeToC,
  btfTypeStr, kindOf, BtfError, formatTypeRaw,
} from '../../src/btf';
import { readVmlinux } from './helpers';

const bytes = readVmlinux();
const skip = bytes ? false : 'no readable /sys/kernel/btf/vmlinux';

// parse speed is measured in bench/btf.bench.ts, not here
test('vmlinux parses and has task_struct', { skip }, () => {
  const btf = parseBtf(bytes!);
  assert.ok(typeCount(btf) > 50000, `only ${typeCount(btf)} types`);
  const id = findByName(btf, 'task_struct', 'struct');
  assert.ok(id !== undefined);
  const t = typeById(btf, id!);
  assert.equal(t.kind, 'struct');
  assert.equal(t.name, 'task_struct');
  assert.ok(typeSize(btf, id!) > 1000);
  assert.equal(ptrToBtfIdStr(btf, id!, 'trusted_'), 'trusted_ptr_task_struct');
  assert.equal(refTypeDesc(btf, id!).text, 'STRUCT task_struct');
  const pid = findMember(btf, id!, 'pid');
  assert.ok(pid);
  assert.equal(typeSize(btf, pid!.member.type), 4);
  assert.equal(resolvedType(btf, pid!.member.type).kind, 'int');
});

test('bpf_throw is a FUNC whose FUNC_PROTO takes one u64 and is a kfunc', { skip }, () => {
  const btf = parseBtf(bytes!);
  const id = findByName(btf, 'bpf_throw', 'func');
  assert.ok(id !== undefined);
  const sig = funcSignature(btf, id!);
  assert.equal(sig.func.kind, 'func');
  assert.equal(sig.proto.kind, 'func_proto');
  assert.equal(sig.proto.returnType, 0);
  assert.equal(sig.proto.params.length, 1);
  assert.equal(sig.proto.params[0].name, 'cookie');
  const u = typeById(btf, sig.proto.params[0].type);
  assert.equal(u.name, 'u64');
  const base = resolvedType(btf, sig.proto.params[0].type);
  assert.equal(base.kind, 'int');
  if (base.kind === 'int') { assert.equal(base.size, 8); assert.equal(base.signed, false); }
  assert.equal(funcToC(btf, id!), 'void bpf_throw(u64 cookie)');
  const tags = declTagsOf(btf, id!, -1).map((x) => x.tag.name);
  assert.ok(tags.includes('bpf_kfunc'), `tags: ${tags.join(',')}`);
  assert.deepEqual(declTagsOf(btf, id!, 0), []);
});

test('lookups by name and kind, modifiers, sizes, C spelling', { skip }, () => {
  const btf = parseBtf(bytes!);
  assert.equal(findByName(btf, 'no_such_type_xyz'), undefined);
  assert.equal(findByName(btf, 'task_struct', 'union'), undefined);
  const all = findAllByName(btf, 'task_struct');
  assert.ok(all.length >= 1);
  for (const id of all) assert.equal(typeById(btf, id).name, 'task_struct');
  const u64 = findByName(btf, 'u64', 'typedef')!;
  assert.equal(typeSize(btf, u64), 8);
  assert.equal(kindOf(btf, skipModsAndTypedefs(btf, u64)), 'int');
  // a pointer is 8 bytes; an array multiplies
  const strncpy = findByName(btf, 'strncpy_from_user', 'func');
  if (strncpy !== undefined) assert.equal(funcToC(btf, strncpy), 'long int strncpy_from_user(char *dst, const char *src, long int count)');
  const acq = findByName(btf, 'bpf_task_acquire', 'func')!;
  const sig = funcSignature(btf, acq);
  assert.equal(typeSize(btf, sig.proto.returnType), 8);
  assert.equal(typeToC(btf, sig.proto.returnType), 'struct task_struct *');
  assert.equal(btfTypeStr(btf, 0), 'UNKNOWN');
  assert.throws(() => typeById(btf, typeCount(btf)), (e: unknown) => e instanceof BtfError && e.kind === 'bad-type-id');
  assert.throws(() => typeSize(btf, acq), (e: unknown) => e instanceof BtfError && e.kind === 'no-size');
});

test('vmlinux round trip is byte-identical (lazy and fully decoded)', { skip }, () => {
  const btf = parseBtf(bytes!);
  assert.ok(Buffer.from(encodeBtf(btf)).equals(Buffer.from(bytes!)));
  for (let id = 1; id < typeCount(btf); id++) typeById(btf, id);
  assert.ok(Buffer.from(encodeBtf(btf)).equals(Buffer.from(bytes!)));
});

const bpftool = spawnSync('bpftool', ['version'], { encoding: 'utf8' }).status === 0;
test('vmlinux types decode as bpftool prints them (every 11th id and every rare kind)', { skip: skip || (!bpftool && 'no bpftool') }, () => {
  const r = spawnSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0);
  const btf = parseBtf(bytes!);
  const blocks = r.stdout.split(/\n(?=\[)/);
  assert.equal(blocks.length, typeCount(btf) - 1, 'type count differs from bpftool');
  const common = new Set(['struct', 'int', 'ptr', 'func', 'func_proto', 'const', 'typedef', 'array', 'union', 'enum', 'volatile', 'var', 'fwd']);
  let checked = 0;
  for (let id = 1; id < typeCount(btf); id++) {
    if (id % 11 !== 0 && common.has(kindOf(btf, id))) continue;
    assert.equal(formatTypeRaw(btf, id), blocks[id - 1].replace(/\n$/, ''));
    checked++;
  }
  assert.ok(checked > 10000);
});

test('split BTF on vmlinux base: ids and strings continue after the base', { skip }, () => {
  const base = parseBtf(bytes!);
  const n = typeCount(base);
  // Build a tiny split blob by hand: one PTR to task_struct and a STRUCT named with a new string.
  const ts = findByName(base, 'task_struct', 'struct')!;
  const strs = Buffer.from('\0my_mod_struct\0', 'latin1');
  const types = Buffer.alloc(12 + 12 + 12);
  types.writeUInt32LE(0, 0); types.writeUInt32LE(2 << 24, 4); types.writeUInt32LE(ts, 8);       // PTR -> task_struct
  types.writeUInt32LE(base.strBase + base.strings.size + 1, 12);                                  // name in split strings
  types.writeUInt32LE((4 << 24) | 1, 16); types.writeUInt32LE(8, 20);                              // STRUCT size 8, 1 member
  types.writeUInt32LE(0, 24); types.writeUInt32LE(n, 28); types.writeUInt32LE(0, 32);             // member: anon, type = the PTR
  const hdr = Buffer.alloc(24);
  hdr.writeUInt16LE(0xeb9f, 0); hdr[2] = 1; hdr.writeUInt32LE(24, 4);
  hdr.writeUInt32LE(0, 8); hdr.writeUInt32LE(types.length, 12); hdr.writeUInt32LE(types.length, 16); hdr.writeUInt32LE(strs.length, 20);
  const blob = new Uint8Array(Buffer.concat([hdr, types, strs]));
  const split = parseBtf(blob, base);
  assert.equal(split.firstId, n);
  assert.equal(typeCount(split), n + 2);
  const p = typeById(split, n);
  assert.equal(p.kind, 'ptr');
  assert.equal(typeById(split, n + 1).name, 'my_mod_struct');
  assert.equal(findByName(split, 'my_mod_struct', 'struct'), n + 1);
  assert.equal(findByName(split, 'task_struct', 'struct'), ts);
  assert.equal(typeToC(split, n), 'struct task_struct *');
  assert.equal(typeSize(split, n + 1), 8);
  assert.ok(Buffer.from(encodeBtf(split)).equals(Buffer.from(blob)));
  // a split type id past the end is rejected with its offset
  const bad = Buffer.from(blob); bad.writeUInt32LE(n + 5, 24 + 8);
  assert.throws(() => parseBtf(new Uint8Array(bad), base), (e: unknown) => e instanceof BtfError && e.kind === 'bad-type-id' && e.byteOffset === 32);
});
