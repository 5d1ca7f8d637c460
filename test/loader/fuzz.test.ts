// Robustness: thousands of corrupted variants of every fixture go through the
// whole loader (ELF reader, BTF/.BTF.ext parsers, linker, CO-RE). Each must
// either load or fail with a typed error (ElfError / BtfError / LoaderError /
// IsaError) — never another exception, a crash or a hang. Deterministic
// (seeded PRNG); a failure names the fixture and the variant's seed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadObject, LoaderError } from '../../src/loader';
import { ElfError, parseElf } from '../../src/elf';
import { BtfError } from '../../src/btf';
import { IsaError } from '../../src/isa/errors';
import { fixtureNames, kernelFacts, readFixture, vmlinuxBtf } from './fixtures';

const VARIANTS = Number(process.env.BPFX_FUZZ_VARIANTS ?? 3000);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Byte ranges worth corrupting: headers, tables, BTF, code, map definitions. */
function regions(bytes: Uint8Array): [number, number][] {
  const elf = parseElf(bytes);
  const out: [number, number][] = [[0, 64]];
  const shoff = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(40, true));
  out.push([shoff, shoff + elf.sections.length * 64]);
  for (const s of elf.sections) {
    if (s.data.length === 0 || s.name.startsWith('.debug') || s.name.startsWith('.rel.debug')) continue;
    out.push([s.offset, s.offset + s.data.length]);
  }
  return out;
}

function mutate(base: Uint8Array, regs: [number, number][], r: () => number): Uint8Array {
  const pick = (): number => {
    const [a, b] = regs[Math.floor(r() * regs.length)];
    return a + Math.floor(r() * (b - a));
  };
  const mode = Math.floor(r() * 11);
  if (mode === 0) return base.slice(0, Math.floor(r() * base.length)); // truncation
  if (mode === 10) { // random bytes anywhere in the file
    const c = base.slice();
    for (let k = 0; k < 3; k++) c[Math.floor(r() * c.length)] = Math.floor(r() * 256);
    return c;
  }
  const c = base.slice();
  const dv = new DataView(c.buffer);
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const off = pick();
    if (mode <= 4) c[off] ^= 1 << Math.floor(r() * 8); // bit flip
    else if (mode <= 6) c[off] = Math.floor(r() * 256); // random byte
    else {
      const o = off & ~3;
      if (o + 4 > c.length) continue;
      const vals = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xfff0, 8, 24, 64];
      dv.setUint32(o, vals[Math.floor(r() * vals.length)], true); // interesting u32
    }
  }
  return c;
}

const typed = (e: unknown): boolean => e instanceof ElfError || e instanceof BtfError || e instanceof LoaderError || e instanceof IsaError;

for (const name of fixtureNames()) {
  test(`fuzz: ${VARIANTS} corrupted variants of ${name}.bpf.o give typed errors`, () => {
    const base = readFixture(name);
    const regs = regions(base);
    const vm = vmlinuxBtf();
    const facts = kernelFacts();
    const seed0 = [...name].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0, 2166136261);
    let loaded = 0, failed = 0;
    for (let i = 0; i < VARIANTS; i++) {
      const seed = (seed0 + i) >>> 0;
      const bytes = mutate(base, regs, rng(seed));
      try {
        const obj = loadObject(bytes, { objectName: name, vmlinuxBtf: vm, ...facts });
        for (const p of obj.programs) assert.ok(Array.isArray(p.insns) && p.insns.length > 0, `${name} seed ${seed}: empty program`);
        loaded++;
      } catch (e) {
        if (!typed(e)) assert.fail(`${name} seed ${seed}: untyped ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
        failed++;
      }
    }
    assert.equal(loaded + failed, VARIANTS);
    assert.ok(failed > VARIANTS / 10, `${name}: only ${failed} of ${VARIANTS} variants were rejected; the mutator is not biting`);
  });
}
