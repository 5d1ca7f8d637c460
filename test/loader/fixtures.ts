// Test helpers: the committed fixture objects, goldens and vmlinux BTF.
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { Btf, parseBtf } from '../../src/btf';
import { encode } from '../../src/isa/codec';
import { Insn } from '../../src/isa/insn';

/** fixtures/ at the repo root (tests run from dist/test/...). */
export const FIXTURES = ((): string => {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    const p = path.join(d, 'fixtures');
    if (fs.existsSync(path.join(p, 'obj'))) return p;
  }
  throw new Error('fixtures/ not found');
})();

export const fixtureNames = (): string[] =>
  fs.readdirSync(path.join(FIXTURES, 'obj')).filter((f) => f.endsWith('.bpf.o')).map((f) => f.slice(0, -'.bpf.o'.length)).sort();

export const readFixture = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'obj', `${name}.bpf.o`)));

let vmlinux: Btf | undefined;
/** The vmlinux BTF the goldens were made against (fixtures/vmlinux/*.btf.gz). */
export function vmlinuxBtf(): Btf {
  if (!vmlinux) {
    const dir = path.join(FIXTURES, 'vmlinux');
    const f = fs.readdirSync(dir).find((x) => x.endsWith('.btf.gz'));
    if (!f) throw new Error('no vmlinux BTF in fixtures/vmlinux');
    vmlinux = parseBtf(new Uint8Array(zlib.gunzipSync(fs.readFileSync(path.join(dir, f)))));
  }
  return vmlinux;
}

export function golden(file: string, enc: BufferEncoding = 'utf8'): string | undefined {
  const p = path.join(FIXTURES, 'golden', file);
  return fs.existsSync(p) ? fs.readFileSync(p, enc) : undefined;
}

/** The loader's golden files (subdirectories, like btf-c/ of test/btf/c-dump.test.ts, are other tests' goldens). */
export function goldenFiles(): string[] {
  return fs.readdirSync(path.join(FIXTURES, 'golden'), { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
}

/** Hex lines as in the golden files (one 8-byte struct bpf_insn per line). */
export function hexLines(insns: readonly Insn[]): string[] {
  const b = encode(insns);
  const out: string[] = [];
  for (let i = 0; i < b.length; i += 8) out.push(Buffer.from(b.subarray(i, i + 8)).toString('hex'));
  return out;
}

let kconfigText: string | undefined;
/** Kconfig and uname release of the kernel the goldens were made on (fixtures/vmlinux/). */
export function kernelFacts(): { kconfig: string; kernelRelease: string } {
  const dir = path.join(FIXTURES, 'vmlinux');
  if (kconfigText === undefined) {
    const f = fs.readdirSync(dir).find((x) => x.startsWith('config-') && x.endsWith('.gz'));
    if (!f) throw new Error('no Kconfig in fixtures/vmlinux');
    kconfigText = zlib.gunzipSync(fs.readFileSync(path.join(dir, f))).toString('latin1');
  }
  return { kconfig: kconfigText, kernelRelease: fs.readFileSync(path.join(dir, 'release'), 'utf8').trim() };
}
