// .BTF and .BTF.ext of clang -O2 -g -target bpf objects: the committed fixtures
// and a small C file compiled here (bitfields, enum64, signed enums, floats,
// decl tags, static/global/hidden functions, data sections, CO-RE relocations).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import {
  parseBtf, parseBtfExt, encodeBtf, encodeBtfExt, typeById, typeCount, findByName, typeSize, findMember,
  declTagsOf, funcSignature, extRecords, toKernelFuncInfo, toKernelLineInfo, encodeFuncInfo, encodeLineInfo,
  fixupDatasecs, fixupKsymsDatasec, markFuncsStatic, cloneBtf, dumpBtfRaw, BtfError, Btf, findDeclTagValue,
} from '../../src/btf';
import { elfSection, elfSections, elfSymbols, fixtureObjects } from './helpers';

const C_SRC = `
#define SEC(n) __attribute__((section(n), used))
#define __tag(x) __attribute__((btf_decl_tag(x)))
struct __sk_buff { unsigned int len; unsigned int pkt_type; unsigned int data; };
struct flags { unsigned int a:3; unsigned int b:5; int c; unsigned long long d:40; } __tag("flagtag");
enum big { BIG_A = 0xffffffffffULL, BIG_B = 1 };
enum neg { NEG_A = -5, NEG_B = 7 };
union u { int i; float f; double d; };
struct task_struct { int pid; int tgid; struct { int x; union { int y; char z; }; }; } __attribute__((preserve_access_index));
int counter = 1;
int zeroed;
const volatile int rodata_val = 7;
__attribute__((visibility("hidden"))) int hidden_var = 3;
struct flags gflags;
enum big gbig;
enum neg gneg;
union u gu;
static __attribute__((noinline)) int helper(int a __tag("argtag"), int b) { return a * b + counter; }
__attribute__((noinline)) __attribute__((visibility("hidden"))) int hidden_glob(int a) { return a + 2; }
__attribute__((noinline)) int glob(struct flags *f) __tag("functag") { return f->a + f->c; }
SEC("tc")
int prog(struct __sk_buff *skb)
{
	struct task_struct *t = (void *)(long)skb->data;
	int r = helper(skb->len, 3) + glob(&gflags) + hidden_glob(1) + (int)gbig + gneg + gu.i + rodata_val + hidden_var + zeroed;
	r += t->tgid + t->y;
	r += __builtin_preserve_type_info(*t, 0);
	return r;
}
char _license[] SEC("license") = "GPL";
`;

function compile(): Uint8Array | undefined {
  if (spawnSync('clang-19', ['--version']).status !== 0) return undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-btf-'));
  try {
    fs.writeFileSync(path.join(dir, 't.c'), C_SRC);
    const r = spawnSync('clang-19', ['-g', '-O2', '-target', 'bpf', '-c', 't.c', '-o', 't.o'], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`clang failed: ${r.stderr}`);
    return new Uint8Array(fs.readFileSync(path.join(dir, 't.o')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const obj = compile();
const noClang = obj ? false : 'clang-19 not available';
const hasBpftool = spawnSync('bpftool', ['version']).status === 0;

function btfOf(elf: Uint8Array): Btf { return parseBtf(elfSection(elf, '.BTF')!); }
const id = (btf: Btf, name: string, kind?: Parameters<typeof findByName>[2]): number => {
  const r = findByName(btf, name, kind);
  assert.ok(r !== undefined, `no ${kind ?? 'type'} ${name}`);
  return r!;
};

test('bitfields, enums, enum64, floats, unions from clang', { skip: noClang }, () => {
  const btf = btfOf(obj!);
  const fl = typeById(btf, id(btf, 'flags', 'struct'));
  assert.equal(fl.kind, 'struct');
  if (fl.kind !== 'struct') return;
  assert.equal(fl.kindFlag, true);
  assert.deepEqual(fl.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]), [['a', 0, 3], ['b', 3, 5], ['c', 32, 0], ['d', 64, 40]]);
  assert.equal(typeSize(btf, id(btf, 'flags', 'struct')), 16);
  const big = typeById(btf, id(btf, 'big', 'enum64'));
  assert.ok(big.kind === 'enum64' && !big.signed);
  if (big.kind === 'enum64') assert.deepEqual(big.values.map((v) => [v.name, v.value]), [['BIG_A', 0xffffffffffn], ['BIG_B', 1n]]);
  const neg = typeById(btf, id(btf, 'neg', 'enum'));
  assert.ok(neg.kind === 'enum' && neg.signed);
  if (neg.kind === 'enum') assert.deepEqual(neg.values.map((v) => v.value), [-5, 7]);
  assert.equal(typeSize(btf, id(btf, 'double', 'float')), 8);
  assert.equal(typeSize(btf, id(btf, 'u', 'union')), 8);
  // anonymous struct/union members: y is at 64 (anon struct) + 32 (anon union) bits
  const y = findMember(btf, id(btf, 'task_struct', 'struct'), 'y');
  assert.ok(y);
  assert.equal(y!.bitOffset, 96);
  assert.deepEqual(y!.path, [2, 1, 0]);
  assert.equal(findMember(btf, id(btf, 'task_struct', 'struct'), 'nope'), undefined);
});

test('decl tags on a struct, a function and a parameter', { skip: noClang }, () => {
  const btf = btfOf(obj!);
  assert.deepEqual(declTagsOf(btf, id(btf, 'flags', 'struct')).map((t) => t.tag.name), ['flagtag']);
  assert.deepEqual(declTagsOf(btf, id(btf, 'glob', 'func'), -1).map((t) => t.tag.name), ['functag']);
  const helper = id(btf, 'helper', 'func');
  assert.deepEqual(declTagsOf(btf, helper, 0).map((t) => t.tag.name), ['argtag']);
  assert.deepEqual(declTagsOf(btf, helper, 1), []);
  assert.deepEqual(declTagsOf(btf, helper, -1), []);
});

test('function linkage and prototypes', { skip: noClang }, () => {
  const btf = btfOf(obj!);
  const link = (n: string) => { const t = typeById(btf, id(btf, n, 'func')); return t.kind === 'func' ? t.linkage : '?'; };
  assert.equal(link('helper'), 'static');
  assert.equal(link('glob'), 'global');
  assert.equal(link('hidden_glob'), 'global');
  const sig = funcSignature(btf, id(btf, 'helper', 'func'));
  assert.deepEqual(sig.proto.params.map((p) => p.name), ['a', 'b']);
  assert.throws(() => funcSignature(btf, id(btf, 'flags', 'struct')), (e: unknown) => e instanceof BtfError && e.kind === 'bad-type-id');
});

test('clang object round trips byte-identically (.BTF and .BTF.ext) and matches bpftool', { skip: noClang }, () => {
  const raw = elfSection(obj!, '.BTF')!;
  const btf = parseBtf(raw);
  for (let i = 1; i < typeCount(btf); i++) typeById(btf, i);
  assert.ok(Buffer.from(encodeBtf(btf)).equals(Buffer.from(raw)));
  const extRaw = elfSection(obj!, '.BTF.ext')!;
  assert.ok(Buffer.from(encodeBtfExt(parseBtfExt(extRaw, btf))).equals(Buffer.from(extRaw)));
  if (hasBpftool) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-btf-'));
    try {
      fs.writeFileSync(path.join(dir, 't.o'), obj!);
      const r = spawnSync('bpftool', ['btf', 'dump', 'file', path.join(dir, 't.o')], { encoding: 'utf8' });
      assert.equal(dumpBtfRaw(btf), r.stdout);
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  }
});

test('.BTF.ext func_info, line_info and CO-RE relocations', { skip: noClang }, () => {
  const btf = btfOf(obj!);
  const ext = parseBtfExt(elfSection(obj!, '.BTF.ext')!, btf);
  assert.equal(ext.funcInfo.recSize, 8);
  assert.equal(ext.lineInfo.recSize, 16);
  assert.equal(ext.coreRelos.recSize, 16);
  const tc = extRecords(ext.funcInfo, 'tc');
  assert.deepEqual(tc, [{ insnOff: 0, typeId: id(btf, 'prog', 'func') }]);
  const text = extRecords(ext.funcInfo, '.text');
  assert.deepEqual(text.map((r) => typeById(btf, r.typeId).name).sort(), ['glob', 'helper', 'hidden_glob']);
  for (const r of text) assert.equal(r.insnOff % 8, 0);
  const lines = extRecords(ext.lineInfo, 'tc');
  assert.ok(lines.length > 3);
  assert.equal(lines[0].insnOff, 0);
  assert.ok(lines[0].fileName.endsWith('t.c'), lines[0].fileName);
  assert.ok(lines.some((l) => l.line.includes('helper(skb->len, 3)')));
  assert.ok(lines.every((l) => l.lineNum >= 20 && l.lineNum <= 32), lines.map((l) => l.lineNum).join(','));
  const relos = extRecords(ext.coreRelos, 'tc');
  const ts = id(btf, 'task_struct', 'struct');
  assert.ok(relos.some((r) => r.typeId === ts && r.accessStr === '0:1' && r.kindName === 'byte_off'), JSON.stringify(relos));
  assert.ok(relos.some((r) => r.typeId === ts && r.kindName === 'type_exists'), JSON.stringify(relos));
  // kernel-facing arrays: byte offsets -> instruction offsets, shifted
  const kf = toKernelFuncInfo(text, 100);
  assert.deepEqual(kf.map((r) => r.insnOff), text.map((r) => r.insnOff / 8 + 100));
  const fb = encodeFuncInfo(kf);
  assert.equal(fb.length, 8 * kf.length);
  assert.equal(new DataView(fb.buffer).getUint32(0, true), kf[0].insnOff);
  assert.equal(new DataView(fb.buffer).getUint32(4, true), kf[0].typeId);
  const kl = toKernelLineInfo(lines);
  const lb = encodeLineInfo(kl);
  const dv = new DataView(lb.buffer);
  assert.equal(dv.getUint32(12, true), (lines[0].lineNum << 10) | lines[0].column);
  assert.equal(dv.getUint32(8, true), lines[0].lineOff);
});

test('datasec fixup from ELF section sizes and symbols; hidden func made static', { skip: noClang }, () => {
  const btf = btfOf(obj!);
  const secs = elfSections(obj!), syms = elfSymbols(obj!);
  fixupDatasecs(btf, {
    sectionSize: (n) => secs.find((s) => s.name === n)?.size,
    symbol: (n) => { const s = syms.find((x) => x.name === n && x.type === 1); return s && { value: s.value, hidden: s.visibility === 2 || s.visibility === 1 }; },
  });
  const data = typeById(btf, id(btf, '.data', 'datasec'));
  assert.equal(data.kind, 'datasec');
  if (data.kind !== 'datasec') return;
  assert.equal(data.size, secs.find((s) => s.name === '.data')!.size);
  for (const v of data.vars) {
    const vt = typeById(btf, v.type);
    assert.equal(v.offset, syms.find((s) => s.name === vt.name)!.value);
  }
  for (let i = 1; i < data.vars.length; i++) assert.ok(data.vars[i - 1].offset <= data.vars[i].offset);
  const hv = typeById(btf, id(btf, 'hidden_var', 'var'));
  assert.ok(hv.kind === 'var' && hv.linkage === 'static');
  const cv = typeById(btf, id(btf, 'counter', 'var'));
  assert.ok(cv.kind === 'var' && cv.linkage === 'global');
  assert.deepEqual(markFuncsStatic(btf, ['hidden_glob']), [id(btf, 'hidden_glob', 'func')]);
  const again = parseBtf(encodeBtf(btf));
  const hg = typeById(again, id(again, 'hidden_glob', 'func'));
  assert.ok(hg.kind === 'func' && hg.linkage === 'static');
  const d2 = typeById(again, id(again, '.data', 'datasec'));
  assert.ok(d2.kind === 'datasec' && d2.size === data.size);
  // a missing ELF section is a typed error with libbpf's message
  const fresh = btfOf(obj!);
  assert.throws(() => fixupDatasecs(fresh, { sectionSize: () => undefined, symbol: () => undefined }),
    (e: unknown) => e instanceof BtfError && e.kind === 'fixup' && /failed to determine size from ELF/.test(e.message));
});

const fixtures = fixtureObjects();
test('every fixture object: .BTF and .BTF.ext parse and round trip byte-identically', { skip: fixtures.length === 0 && 'no fixtures' }, () => {
  for (const f of fixtures) {
    const elf = new Uint8Array(fs.readFileSync(f));
    const raw = elfSection(elf, '.BTF');
    assert.ok(raw, `${f}: no .BTF`);
    const btf = parseBtf(raw!);
    for (let i = 1; i < typeCount(btf); i++) typeById(btf, i);
    assert.ok(Buffer.from(encodeBtf(btf)).equals(Buffer.from(raw!)), `${f}: .BTF round trip`);
    const er = elfSection(elf, '.BTF.ext');
    if (er) {
      const ext = parseBtfExt(er, btf);
      assert.ok(ext.funcInfo.sections.length > 0, `${f}: no func_info`);
      assert.ok(Buffer.from(encodeBtfExt(ext)).equals(Buffer.from(er)), `${f}: .BTF.ext round trip`);
    }
    assert.ok(Buffer.from(encodeBtf(cloneBtf(btf))).equals(Buffer.from(raw!)));
  }
});

test('exception fixtures: exception_callback decl tag and extern bpf_throw in .ksyms', { skip: !fixtures.some((f) => f.endsWith('exc_valid.bpf.o')) && 'no fixture' }, () => {
  const elf = new Uint8Array(fs.readFileSync(fixtures.find((f) => f.endsWith('exc_valid.bpf.o'))!));
  const btf = btfOf(elf);
  const main = id(btf, 'throw_with_cb', 'func');
  assert.deepEqual(declTagsOf(btf, main, -1).map((t) => t.tag.name), ['exception_callback:exc_cb']);
  const thr = typeById(btf, id(btf, 'bpf_throw', 'func'));
  assert.ok(thr.kind === 'func' && thr.linkage === 'extern');
  const dummy = fixupKsymsDatasec(btf);
  assert.ok(dummy !== undefined && dummy > 0);
  const dv = typeById(btf, dummy!);
  assert.ok(dv.kind === 'var' && dv.name === 'dummy_ksym' && dv.linkage === 'global');
  const ks = typeById(btf, id(btf, '.ksyms', 'datasec'));
  assert.ok(ks.kind === 'datasec');
  if (ks.kind === 'datasec') assert.deepEqual(ks.vars, [{ type: dummy, offset: 0, size: 4 }]);
  const thr2 = typeById(btf, id(btf, 'bpf_throw', 'func'));
  assert.ok(thr2.kind === 'func' && thr2.linkage === 'global');
  const proto = funcSignature(btf, id(btf, 'bpf_throw', 'func')).proto;
  assert.deepEqual(proto.params.map((p) => p.name), ['dummy_ksym']);
  const again = parseBtf(encodeBtf(btf));
  assert.equal(typeById(again, dummy!).name, 'dummy_ksym');
});

test('findDeclTagValue on the exception fixtures (kernel btf_find_decl_tag_value)', { skip: !fixtures.some((f) => f.endsWith('exc_two_tags.bpf.o')) && 'no fixture' }, () => {
  const cases: [string, string, ReturnType<typeof findDeclTagValue>['ok'], string][] = [
    ['exc_valid', 'throw_with_cb', true, 'exc_cb'],
    ['exc_empty_tag', 'throw_empty_tag', true, ''],
    ['exc_missing_cb', 'throw_missing_cb', true, 'no_such_callback'],
    ['exc_two_tags', 'throw_two_tags', false, 'EEXIST'],
  ];
  for (const [obj, fn, ok, want] of cases) {
    const elf = new Uint8Array(fs.readFileSync(fixtures.find((f) => f.endsWith(`${obj}.bpf.o`))!));
    const btf = btfOf(elf);
    const r = findDeclTagValue(btf, id(btf, fn, 'func'), -1, 'exception_callback:');
    assert.equal(r.ok, ok, obj);
    assert.equal(r.ok ? r.value : r.errno, want, obj);
  }
  const elf = new Uint8Array(fs.readFileSync(fixtures.find((f) => f.endsWith('exc_no_cb.bpf.o'))!));
  const btf = btfOf(elf);
  for (let i = 1; i < typeCount(btf); i++) {
    const r = findDeclTagValue(btf, i, -1, 'exception_callback:');
    assert.ok(!r.ok && r.errno === 'ENOENT');
  }
});
