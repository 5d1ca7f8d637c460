// Test helpers: a tiny ELF64 little-endian section finder (test-only, so the
// BTF tests do not depend on src/elf) and fixture / vmlinux readers.
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const VMLINUX = '/sys/kernel/btf/vmlinux';

export interface MiniSection { name: string; type: number; offset: number; size: number; link: number }
export interface MiniSymbol { name: string; value: number; size: number; type: number; bind: number; visibility: number; shndx: number }

function cstr(b: Uint8Array, o: number): string {
  let e = o;
  while (e < b.length && b[e] !== 0) e++;
  return Buffer.from(b.subarray(o, e)).toString('latin1');
}

/** Section headers of an ELF64 LE relocatable object (test-only reader). */
export function elfSections(elf: Uint8Array): MiniSection[] {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = Number(dv.getBigUint64(0x28, true));
  const shentsize = dv.getUint16(0x3a, true), shnum = dv.getUint16(0x3c, true), shstrndx = dv.getUint16(0x3e, true);
  const raw = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    raw.push({ nameOff: dv.getUint32(o, true), type: dv.getUint32(o + 4, true), offset: Number(dv.getBigUint64(o + 0x18, true)),
      size: Number(dv.getBigUint64(o + 0x20, true)), link: dv.getUint32(o + 0x28, true) });
  }
  const strOff = raw[shstrndx].offset;
  return raw.map((r) => ({ name: cstr(elf, strOff + r.nameOff), type: r.type, offset: r.offset, size: r.size, link: r.link }));
}

/** Bytes of the named section, or undefined. */
export function elfSection(elf: Uint8Array, name: string): Uint8Array | undefined {
  const s = elfSections(elf).find((x) => x.name === name);
  return s ? elf.subarray(s.offset, s.offset + s.size) : undefined;
}

/** Symbols of the SHT_SYMTAB section. */
export function elfSymbols(elf: Uint8Array): MiniSymbol[] {
  const secs = elfSections(elf);
  const st = secs.find((s) => s.type === 2);
  if (!st) return [];
  const strtab = secs[st.link];
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const out: MiniSymbol[] = [];
  for (let o = st.offset; o + 24 <= st.offset + st.size; o += 24) {
    const info = elf[o + 4];
    out.push({ name: cstr(elf, strtab.offset + dv.getUint32(o, true)), type: info & 15, bind: info >> 4,
      visibility: elf[o + 5] & 3, shndx: dv.getUint16(o + 6, true), value: Number(dv.getBigUint64(o + 8, true)),
      size: Number(dv.getBigUint64(o + 16, true)) });
  }
  return out;
}

export function fixtureObjects(): string[] {
  const dir = path.join(ROOT, 'fixtures', 'obj');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.o')).sort().map((f) => path.join(dir, f));
}

export function readVmlinux(): Uint8Array | undefined {
  try { return new Uint8Array(fs.readFileSync(VMLINUX)); } catch { return undefined; }
}
