// bpfx btf dump --format c: the C header bpftool prints, byte for byte.
// Goldens recorded with bpftool (fixtures/tools/btf-c-golden.sh): every fixture
// object and the kernel BTF of fixtures/vmlinux; where bpftool is installed,
// hand-built BTF with the constructs the fixtures lack (bitfields and holes,
// packed structs, names used twice, anonymous enums, function pointer arrays,
// enum64, forward declarations) and this machine's kernel BTF are compared live.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { spawnSync } from 'child_process';
import { ROOT, fixtureObjects, elfSection, readVmlinux, VMLINUX } from './helpers';
import { Btf, BtfType, addType, dumpBtfC, encodeBtf, newBtf, parseBtf, typeCount } from '../../src/btf';

const GOLDEN = path.join(ROOT, 'fixtures', 'golden', 'btf-c');
const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const hasBpftool = spawnSync('bpftool', ['version'], { encoding: 'utf8' }).status === 0;

/** The first line where two texts differ (for a readable failure). */
function firstDiff(got: string, want: string): string {
  const g = got.split('\n'), w = want.split('\n');
  for (let i = 0; i < Math.max(g.length, w.length); i++) {
    if (g[i] !== w[i]) return `line ${i + 1}: got ${JSON.stringify(g[i])}, bpftool ${JSON.stringify(w[i])}`;
  }
  return 'identical';
}

function assertSameC(got: string, want: string, what: string): void {
  if (got !== want) assert.fail(`${what}: ${firstDiff(got, want)}`);
}

test('every fixture object: the header bpftool printed (goldens)', () => {
  const objs = fixtureObjects();
  assert.ok(objs.length > 40, 'fixture objects');
  let compared = 0;
  for (const o of objs) {
    const golden = path.join(GOLDEN, `${path.basename(o, '.bpf.o')}.h`);
    if (!fs.existsSync(golden)) continue;
    const btf = parseBtf(elfSection(new Uint8Array(fs.readFileSync(o)), '.BTF')!);
    assertSameC(dumpBtfC(btf), fs.readFileSync(golden, 'utf8'), path.basename(o));
    compared++;
  }
  assert.equal(compared, objs.length, 'a golden for every object (fixtures/tools/btf-c-golden.sh)');
});

test('the kernel BTF of fixtures/vmlinux: the whole vmlinux.h bpftool printed (golden)', () => {
  const dir = path.join(ROOT, 'fixtures', 'vmlinux');
  const release = fs.readFileSync(path.join(dir, 'release'), 'utf8').trim();
  const btf = parseBtf(new Uint8Array(zlib.gunzipSync(fs.readFileSync(path.join(dir, `vmlinux-${release}.btf.gz`)))));
  const want = zlib.gunzipSync(fs.readFileSync(path.join(GOLDEN, `vmlinux-${release}.h.gz`))).toString('utf8');
  assert.ok(want.split('\n').length > 100000);
  assertSameC(dumpBtfC(btf), want, 'vmlinux');
});

test('this machine\'s kernel BTF: the same header as the live bpftool', { skip: !hasBpftool || !readVmlinux() ? 'no bpftool or no kernel BTF' : false }, () => {
  const r = spawnSync('bpftool', ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, r.stderr);
  assertSameC(dumpBtfC(parseBtf(readVmlinux()!)), r.stdout, VMLINUX);
});

// ---- hand-built BTF, compared with the live bpftool ------------------------------

const named = (name: string): { name: string; nameOff: number } => ({ name, nameOff: 0 });
const int = (name: string, size: number, signed = true): BtfType => ({ kind: 'int', ...named(name), size, bits: size * 8, offset: 0, signed, char: false, bool: false });
const member = (name: string, type: number, bitOffset: number, bitfieldSize = 0) => ({ ...named(name), type, bitOffset, bitfieldSize });

/** Types with what the fixtures lack; ids in comments. */
function constructs(): Btf {
  const b = newBtf();
  const add = (t: BtfType): number => addType(b, t);
  const i32 = add(int('int', 4)); // 1
  const u8 = add(int('unsigned char', 1, false)); // 2
  const u64 = add(int('long long unsigned int', 8, false)); // 3
  const u16 = add(int('short unsigned int', 2, false)); // 4
  // bitfields with holes between them and at the end, a member after a hole
  add({ kind: 'struct', ...named('bits'), size: 24, kindFlag: true, members: [
    member('a', i32, 0, 3), member('b', i32, 5, 7), member('c', u64, 40, 20), member('d', u8, 96), member('e', u64, 128, 1)] });
  // packed: a u64 at byte 1, a size that is not a multiple of 8
  add({ kind: 'struct', ...named('tight'), size: 9, kindFlag: false, members: [member('x', u8, 0), member('y', u64, 8)] });
  // two different structs named `dup`, the second gets ___2; a union reached through a pointer only
  const dup1 = add({ kind: 'struct', ...named('dup'), size: 4, kindFlag: false, members: [member('v', i32, 0)] });
  const dup2 = add({ kind: 'struct', ...named('dup'), size: 2, kindFlag: false, members: [member('w', u16, 0)] });
  const fwdU = add({ kind: 'fwd', ...named('opaque'), union: true });
  const pFwd = add({ kind: 'ptr', ...named(''), type: fwdU });
  // an anonymous enum nothing uses (written on its own), one used inline, a signed enum64
  add({ kind: 'enum', ...named(''), size: 4, signed: false, values: [{ ...named('LONE_A'), value: 1 }, { ...named('LONE_B'), value: 0xffffffff }] });
  const anonEnum = add({ kind: 'enum', ...named(''), size: 4, signed: true, values: [{ ...named('IN_A'), value: -1 }] });
  const e64 = add({ kind: 'enum64', ...named('big'), size: 8, signed: true, values: [{ ...named('BIG_NEG'), value: -5n }, { ...named('BIG'), value: 1n << 40n }] });
  // int (*handlers[4])(struct dup *, ...) and a const pointer to const char
  const pDup = add({ kind: 'ptr', ...named(''), type: dup1 });
  const proto = add({ kind: 'func_proto', ...named(''), returnType: i32, params: [{ ...named(''), type: pDup }, { ...named(''), type: 0 }] });
  const pProto = add({ kind: 'ptr', ...named(''), type: proto });
  const arr = add({ kind: 'array', ...named(''), type: pProto, indexType: i32, nelems: 4 });
  const cChar = add({ kind: 'const', ...named(''), type: u8 });
  const pcChar = add({ kind: 'ptr', ...named(''), type: cChar });
  const cpcChar = add({ kind: 'const', ...named(''), type: pcChar });
  // a self-referencing struct through a typedef'd pointer (forward declaration needed)
  const nodeFwdPtr = add({ kind: 'ptr', ...named(''), type: 0 });
  const nodeT = add({ kind: 'typedef', ...named('node_t'), type: nodeFwdPtr });
  const anonStruct = add({ kind: 'struct', ...named(''), size: 8, kindFlag: false, members: [member('lo', i32, 0), member('hi', i32, 32)] });
  // a u8 at a long boundary after a 2-byte member: the hole needs `long: 0;`
  add({ kind: 'struct', ...named('node'), size: 80, kindFlag: false, members: [
    member('next', nodeT, 0), member('handlers', arr, 64), member('name', cpcChar, 320), member('u', pFwd, 384),
    member('e', anonEnum, 448), member('other', dup2, 480), member('tail', u8, 512), member('pair', anonStruct, 576)] });
  const node = typeCount(b) - 1;
  (b.types[nodeFwdPtr - 1] as { type: number }).type = node;
  add({ kind: 'var', ...named('k'), type: e64, linkage: 'global' });
  return b;
}

test('hand-built constructs: the same header as the live bpftool', { skip: hasBpftool ? false : 'no bpftool' }, () => {
  const b = constructs();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-btf-c-')), 'constructs.btf');
  fs.writeFileSync(file, encodeBtf(b));
  const r = spawnSync('bpftool', ['btf', 'dump', 'file', file, 'format', 'c'], { encoding: 'utf8' });
  fs.rmSync(path.dirname(file), { recursive: true });
  assert.equal(r.status, 0, r.stderr);
  const got = dumpBtfC(parseBtf(encodeBtf(b)));
  assertSameC(got, r.stdout, 'constructs');
  // what the constructs are there for
  for (const want of ['struct dup___2 {', '__attribute__((packed))', 'union opaque;', 'int (*handlers[4])(struct dup *, ...);',
    'const unsigned char * const name;', 'BIG_NEG = -5LL,', 'LONE_B = 4294967295,', 'IN_A = -1,', 'struct node;', 'long: 0;']) {
    assert.ok(got.includes(want), `${want} in\n${got}`);
  }
});

test('bpfx btf dump --format c through the CLI; a bad --format is a usage error', () => {
  const obj = fixtureObjects().find((f) => f.endsWith('ctx.bpf.o'))!;
  const r = spawnSync(process.execPath, [CLI, 'btf', 'dump', obj, '--format', 'c'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, fs.readFileSync(path.join(GOLDEN, 'ctx.h'), 'utf8'));
  const bad = spawnSync(process.execPath, [CLI, 'btf', 'dump', obj, '--format', 'h'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /option '--format' does not take 'h'/);
});

test('a header out of proportion to its BTF is a typed error, quickly', () => {
  // a member four gigabits into a struct: millions of `long: 64;` lines
  const b = newBtf();
  const i32 = addType(b, int('int', 4));
  addType(b, { kind: 'struct', ...named('holes'), size: 0x20000000, kindFlag: false, members: [member('a', i32, 0), member('z', i32, 0xffffff00)] });
  assert.throws(() => dumpBtfC(b), (e: Error) => e.name === 'BtfError' && /type #2: its C would be out of all proportion/.test(e.message));
  // anonymous structs two deep each, twenty levels: a million inline copies
  const c = newBtf();
  let inner = addType(c, int('int', 4));
  for (let i = 0; i < 20; i++) {
    const size = i === 0 ? 8 : 2 * (c.types[inner - 1] as { size: number }).size;
    inner = addType(c, { kind: 'struct', ...named(''), size, kindFlag: false, members: [member('x', inner, 0), member('y', inner, size * 4)] });
  }
  addType(c, { kind: 'struct', ...named('top'), size: 8, kindFlag: false, members: [member('t', inner, 0)] });
  assert.throws(() => dumpBtfC(c), /out of all proportion|nest too often/);
});
