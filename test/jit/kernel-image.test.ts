// Our JIT against Linux's: images recorded from the live kernel (goldens: the
// kernel's xlated program as our JIT's input, its jited bytes as the answer),
// and, where bpf() works, every fixture, spec and bpf_conformance program
// loaded now. The target: identical instruction sequences once call targets
// and absolute addresses are masked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { jitProgram, JitInput, KERNEL_IMAGE_BASE, OP_TAIL_CALL } from '../../src/jit';
import { compareImages, compareWithKernel, JitComparison } from '../../src/harness/jit-kernel';
import { kernelAvailable } from '../../src/kernel';
import { insn, Insn } from '../../src/isa/insn';
import { programFromObject, programFromSpec, readSpecFile, findSpecFiles } from '../../src/harness/program';
import { loadConformanceCase } from '../../src/harness/conformance-data';
import { loadHostObject, hostFacts } from '../../src/kernel/host';
import { disasm } from './iced';

const root = path.resolve(__dirname, '../../..');
const KERNEL_OPTS = { bmi2: true, retpoline: true, returnThunk: false, imageBase: KERNEL_IMAGE_BASE };

interface Golden {
  name: string; insns: number[][]; funcs: JitInput['funcs']; exceptionBoundary: boolean;
  kernel: string; lens: number[]; mapImmediates: number[];
}

function explain(c: JitComparison): string {
  const f = c.funcs.find((x) => x.firstDiff);
  if (!f?.firstDiff) return c.reason;
  const show = (b: Uint8Array): string => disasm(b).map((d) => d.text).join('; ');
  return `${c.reason}: ours ${show(f.firstDiff.ours)} | kernel ${show(f.firstDiff.kernel)}`;
}

test('recorded kernel images: our code is the kernel\'s, byte for byte outside addresses', () => {
  const goldens = JSON.parse(fs.readFileSync(path.join(root, 'test/jit/golden/kernel-images.json'), 'utf8')) as Golden[];
  assert.ok(goldens.length >= 6);
  for (const g of goldens) {
    const input: JitInput = { insns: g.insns.map(([c, d, s, o, i]) => insn(c, d, s, o, i)), funcs: g.funcs, exceptionBoundary: g.exceptionBoundary };
    const img = jitProgram(input, KERNEL_OPTS);
    const c = compareImages(g.name, img, input, Uint8Array.from(Buffer.from(g.kernel, 'hex')), g.lens, g.mapImmediates);
    assert.equal(c.result, 'match', `${g.name}: ${explain(c)}`);
  }
});

/** Programs whose kernel image we know we cannot reproduce from the xlated dump, and why. */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'core.bpf.o:kfunc_calls': 'loads through BTF pointers are BPF_PROBE_MEM, which the xlated dump shows as plain loads',
  'v10_btf.bpf.o:btf_read_nested_plain': 'a load through an untrusted BTF pointer is BPF_PROBE_MEM: the kernel guards it with an address check',
};

function allPrograms(): { label: string; run: () => JitComparison }[] {
  const host = hostFacts();
  const out: { label: string; run: () => JitComparison }[] = [];
  const objDir = path.join(root, 'fixtures/obj');
  for (const f of fs.readdirSync(objDir).filter((x) => x.endsWith('.o')).sort()) {
    let names: string[] = [];
    try { names = loadHostObject(path.join(objDir, f)).loaded.programs.map((p) => p.name); } catch { continue; } // loader rejects it
    for (const n of names) out.push({ label: `${f}:${n}`, run: () => compareWithKernel(programFromObject(path.join(objDir, f), n, host), {}) });
  }
  for (const f of findSpecFiles([path.join(root, 'specs')])) {
    out.push({ label: `spec ${path.basename(f)}`, run: () => compareWithKernel(programFromSpec(readSpecFile(f), host), {}) });
  }
  const confDir = path.join(root, '../shared/bpf_conformance/tests');
  if (fs.existsSync(confDir)) {
    for (const f of fs.readdirSync(confDir).filter((x) => x.endsWith('.data')).sort()) {
      const c = loadConformanceCase(fs.readFileSync(path.join(confDir, f), 'utf8'), f.replace(/\.data$/, ''), f);
      out.push({ label: `conformance ${c.name}`, run: () => compareWithKernel({ name: c.name, insns: c.insns, progType: 'socket_filter', license: 'GPL' }, { mem: c.mem }) });
    }
  }
  return out;
}

test('live kernel: every fixture, spec and bpf_conformance program the kernel accepts', (t) => {
  const avail = kernelAvailable();
  if (!avail.ok) { t.skip(`the live kernel is not available: ${avail.reason}`); return; }
  let match = 0, matchNoHelpers = 0, noHelpers = 0, skipped = 0;
  const differ: string[] = [];
  for (const p of allPrograms()) {
    const c = p.run();
    if (c.result === 'skip') { skipped++; continue; }
    if (!c.helperCalls) noHelpers++;
    if (c.result === 'match') { match++; if (!c.helperCalls) matchNoHelpers++; continue; }
    if (KNOWN_DIFFERENCES[p.label]) continue;
    differ.push(`${p.label}: ${explain(c)}`);
  }
  t.diagnostic(`identical images: ${match} programs (${matchNoHelpers} of ${noHelpers} without helper calls); ${skipped} not loaded or not jited; known differences: ${Object.keys(KNOWN_DIFFERENCES).length}`);
  assert.deepEqual(differ, []);
  assert.equal(matchNoHelpers, noHelpers);
  assert.ok(match >= 300, `only ${match} identical images`);
});

/** A deterministic pseudo-random generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >> 17; x ^= x << 5; x >>>= 0; return x; };
}

/**
 * Programs built to put jumps at the edges of the 8-bit forms: bodies of
 * instructions of 3 to 10 bytes between forward jumps of every class, and a
 * bounded backward loop, so that several passes are needed to converge.
 */
function jumpyProgram(seed: number): Insn[] {
  const r = rng(seed);
  const body: Insn[] = [];
  const n = 60 + (r() % 140);
  for (let i = 0; i < n; i++) {
    const k = r() % 10;
    if (k < 4) body.push(insn(0x07, 0, 0, 0, r() % 2 ? 1 : 100000));            // r0 += imm8 / imm32
    else if (k < 5) body.push(insn(0xb7, 2, 0, 0, r() % 1000));                // r2 = imm
    else if (k < 6) body.push(insn(0x18, 3, 0, 0, r() | 0), insn(0, 0, 0, 0, 0x10000)); // r3 = imm64
    else {
      const off = 1 + (r() % 45);
      if (r() % 2) body.push(insn(0x25, 1, 0, off, r() % 2 ? 0 : 7)); // if r1 > imm goto +off
      else body.push(insn(0x2d, 1, 2, off, 0));                     // if r1 > r2 goto +off
    }
  }
  // Jumps must land on instructions that exist and not inside an ld_imm64
  const fixed: Insn[] = body.map((x, i) => {
    if ((x.code & 7) !== 5 || x.code === 0x85) return x;
    let t = i + 1 + x.off;
    if (t > body.length) t = body.length;
    while (t < body.length && t > 0 && body[t - 1].code === 0x18) t++;
    return { ...x, off: Math.min(t, body.length) - i - 1 };
  });
  // r1 = skb->len: an unknown scalar, so that both sides of every branch are explored
  return [insn(0x61, 1, 1, 0, 0), insn(0xb7, 0, 0, 0, 0), insn(0xb7, 2, 0, 0, 0), ...fixed, insn(0x95)];
}

test('live kernel: generated programs with jumps around the rel8 limits converge to the kernel\'s image', (t) => {
  const avail = kernelAvailable();
  if (!avail.ok) { t.skip(`the live kernel is not available: ${avail.reason}`); return; }
  let n = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const insns = jumpyProgram(seed);
    const c = compareWithKernel({ name: `jumpy${seed}`, insns, progType: 'socket_filter', license: 'GPL' }, {});
    if (c.result === 'skip') continue;
    n++;
    assert.equal(c.result, 'match', `seed ${seed}: ${explain(c)}`);
  }
  assert.ok(n >= 30, `only ${n} generated programs were accepted`);
  void OP_TAIL_CALL;
});
