// Test helpers: a tiny ELF64 little-endian section finder (test-only, so the
// BTF tests do not depend on src/elf) and fixture / vmlinux readers.
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..', '..');
export const VMLINUX = '/sys/kernel/btf/vmlinux';

/** Bytes of the named section of an ELF64 LE relocatable object, or undefined. */
export function elfSection(elf: Uint8Array, name: string): Uint8Array | undefined {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = Number(dv.getBigUint64(0x28, true));
  const shentsize = dv.getUint16(0x3a, true), shnum = dv.getUint16(0x3c, true), shstrndx = dv.getUint16(0x3e, true);
  const sh = (i: number) => {
    const o = shoff + i * shentsize;
    return { name: dv.getUint32(o, true), offset: Number(dv.getBigUint64(o + 0x18, true)), size: Number(dv.getBigUint64(o + 0x20, true)) };
  };
  const strs = sh(shstrndx);
  for (let i = 1; i < shnum; i++) {
    const s = sh(i);
    let e = strs.offset + s.name;
    while (elf[e] !== 0) e++;
    if (Buffer.from(elf.subarray(strs.offset + s.name, e)).toString('latin1') === name) return elf.subarray(s.offset, s.offset + s.size);
  }
  return undefined;
}

export function fixtureObjects(): string[] {
  const dir = path.join(ROOT, 'fixtures', 'obj');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.o')).sort().map((f) => path.join(dir, f));
}

export function readVmlinux(): Uint8Array | undefined {
  try { return new Uint8Array(fs.readFileSync(VMLINUX)); } catch { return undefined; }
}
