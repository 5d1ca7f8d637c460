// The strict ELF64 reader: a real fixture parses into the sections, symbols
// and relocations llvm-readelf reports, and each kind of damage is a typed
// ElfError naming the section and file offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseElf, ElfError, ElfErrorKind, sectionByName, SHT_REL, STT_FUNC, STB_GLOBAL } from '../../src/elf';
import { readFixture } from '../loader/fixtures';

const base = readFixture('programs');

test('sections, symbols and relocations of programs.bpf.o', () => {
  const elf = parseElf(base);
  const names = elf.sections.map((s) => s.name);
  for (const n of ['.text', 'xdp', 'tc', 'socket', 'tracepoint/syscalls/sys_enter_getpid', 'kprobe/do_nanosleep',
    'license', '.data', '.rodata', '.maps', '.bss', '.BTF', '.BTF.ext', '.symtab']) assert.ok(names.includes(n), n);
  const xdp = sectionByName(elf, 'xdp')!;
  assert.equal(xdp.size, 320);
  assert.equal(xdp.data.length, 320);
  const bss = sectionByName(elf, '.bss')!;
  assert.equal(bss.data.length, 0, 'NOBITS has no file data');
  assert.equal(bss.size, 8);
  const prog = elf.symbols.find((s) => s.name === 'xdp_count')!;
  assert.equal(prog.type, STT_FUNC);
  assert.equal(prog.bind, STB_GLOBAL);
  assert.equal(prog.shndx, xdp.index);
  assert.equal(prog.size, 320);
  const relxdp = elf.rels.find((r) => r.section.name === '.relxdp')!;
  assert.equal(relxdp.section.type, SHT_REL);
  assert.equal(relxdp.target, xdp.index);
  assert.equal(relxdp.relocations.length, 5);
  assert.ok(relxdp.relocations.every((r) => r.offset % 8 === 0 && r.offset < 320));
});

function u16(b: Uint8Array, off: number, v: number): Uint8Array { const c = b.slice(); new DataView(c.buffer).setUint16(off, v, true); return c; }
function u32(b: Uint8Array, off: number, v: number): Uint8Array { const c = b.slice(); new DataView(c.buffer).setUint32(off, v, true); return c; }
function u64(b: Uint8Array, off: number, v: bigint): Uint8Array { const c = b.slice(); new DataView(c.buffer).setBigUint64(off, v, true); return c; }
const shoff = Number(new DataView(base.buffer, base.byteOffset).getBigUint64(40, true));
const sh = (i: number, field: number): number => shoff + i * 64 + field;
const elf0 = parseElf(base);
const idx = (name: string): number => sectionByName(elf0, name)!.index;

const cases: [string, Uint8Array, ElfErrorKind, string][] = [
  ['empty file', new Uint8Array(0), 'truncated', '<header>'],
  ['truncated header', base.slice(0, 40), 'truncated', '<header>'],
  ['bad magic', u32(base, 0, 0x464c457e), 'bad-magic', '<header>'],
  ['32-bit class', (() => { const c = base.slice(); c[4] = 1; return c; })(), 'bad-class', '<header>'],
  ['big endian', (() => { const c = base.slice(); c[5] = 2; return c; })(), 'bad-endian', '<header>'],
  ['not ET_REL', u16(base, 16, 2), 'bad-type', '<header>'],
  ['not EM_BPF', u16(base, 18, 62), 'bad-machine', '<header>'],
  ['bad shentsize', u16(base, 58, 40), 'bad-header', '<header>'],
  ['section table past the end', u64(base, 40, BigInt(base.length)), 'truncated', '<section headers>'],
  ['huge e_shoff', u64(base, 40, 0xffffffffffff0000n), 'bad-section', '<header>'],
  ['shstrndx out of range', u16(base, 62, 200), 'bad-header', '<header>'],
  ['truncated file', base.slice(0, shoff + 64 * 5), 'truncated', '<section headers>'],
  ['section data past the end', u64(base, sh(idx('xdp'), 32), 1n << 40n), 'truncated', `section ${idx('xdp')}`],
  ['section name offset out of range', u32(base, sh(idx('xdp'), 0), 0x7fffffff), 'bad-string', '.strtab'],
  ['symtab entsize', u64(base, sh(idx('.symtab'), 56), 16n), 'bad-symbol', '.symtab'],
  ['rel entsize', u64(base, sh(idx('.relxdp'), 56), 24n), 'bad-relocation', '.relxdp'],
  ['rel sh_info', u32(base, sh(idx('.relxdp'), 44), 999), 'bad-relocation', '.relxdp'],
  ['rel symbol index', u32(base, sectionByName(elf0, '.relxdp')!.offset + 12, 100000), 'bad-relocation', '.relxdp'],
];
for (const [what, bytes, kind, section] of cases) {
  test(`malformed ELF: ${what}`, () => {
    assert.throws(() => parseElf(bytes), (e: unknown) => {
      assert.ok(e instanceof ElfError, `ElfError, got ${String(e)}`);
      assert.equal(e.kind, kind);
      assert.equal(e.section, section);
      assert.ok(Number.isInteger(e.byteOffset) && e.byteOffset >= 0);
      assert.ok(e.message.includes(section));
      return true;
    });
  });
}
