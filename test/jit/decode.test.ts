// Our x86-64 decoder (src/jit/x86/decode.ts) against iced-x86: every form
// the encoder has, over every register, displacement and immediate boundary;
// then every image the JIT makes of every fixture, spec and bpf_conformance
// program, the images recorded from the kernel, and the native stubs. Each
// instruction must have iced's length and iced's text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as X from '../../src/jit/x86/encode';
import { decodeAll, decodeOne, formatInsn, branchTarget } from '../../src/jit/x86/decode';
import { throwStub, helperStub, loopStub, unwindStub, faultHandlerStub, installSigactionStub } from '../../src/jit/stubs';
import { jitProgram, JitError, JitInput, KERNEL_IMAGE_BASE } from '../../src/jit';
import { insn } from '../../src/isa/insn';
import { prepareForJit, JitRefused } from '../../src/harness/jit-program';
import { programFromObject, programFromSpec, readSpecFile, findSpecFiles } from '../../src/harness/program';
import { loadConformanceCase } from '../../src/harness/conformance-data';
import { loadHostObject, fixtureHostFacts } from '../../src/kernel/host';
import { ProgramUnderTest } from '../../src/harness/engine';
import { disasmSized } from './iced';

const root = path.resolve(__dirname, '../../..');
const REGS = [...Array(16).keys()];
const DISPS = [0, 1, -8, 127, -128, 128, -129, 0x7fffffff, -0x80000000];
const IMMS = [0, 1, -1, 9, 10, 127, -128, 128, -129, 0x7fffffff, -0x80000000];

/** Decode `code` both ways at `ip`; every instruction must agree. Returns how many were compared. */
function agree(label: string, code: Uint8Array, ip = 0): number {
  const ref = disasmSized(code, ip);
  const ours = decodeAll(code);
  const n = Math.min(ref.length, ours.length);
  for (let k = 0; k < n; k++) {
    const r = ref[k], o = ours[k];
    const where = `${label} +0x${o.at.toString(16)} (${Buffer.from(code.subarray(o.at, o.at + Math.max(r.len, o.len))).toString('hex')})`;
    assert.equal(o.len, r.len, `${where}: length`);
    assert.equal(formatInsn(o, ip + o.at), r.text, where);
  }
  assert.equal(ours.length, ref.length, `${label}: instruction count`);
  return n;
}

/** Everything the encoder can write, one buffer per group. */
function encoderForms(): [string, (b: X.Buf) => void][] {
  const g: [string, (b: X.Buf) => void][] = [];
  g.push(['register pairs', (b) => {
    for (const size of [4, 8] as const) for (const d of REGS) for (const s of REGS) {
      X.movRR(b, d, s, size);
      X.movRR(b, d, s, size, true);
      for (const op of Object.keys(X.ALU) as X.AluOp[]) X.aluRR(b, op, d, s, size);
      X.imulRR(b, d, s, size);
      for (const i of [3, 1000, -1]) X.imulRRI(b, d, s, i, size);
      X.movsxRR(b, d, s, 8, size === 8);
      X.movsxRR(b, d, s, 8, size === 8, true);
      X.movsxRR(b, d, s, 16, size === 8);
      if (size === 8) { X.movsxRR(b, d, s, 32, true); X.movzx16RR(b, d, s); }
    }
  }]);
  g.push(['immediates', (b) => {
    for (const size of [4, 8] as const) for (const d of REGS) for (const i of IMMS) {
      for (const op of Object.keys(X.ALU_EXT) as X.AluImmOp[]) { X.aluRI(b, op, d, i, size); X.aluRI(b, op, d, i, size, true); }
      X.testRI(b, d, i, size);
    }
    for (const d of REGS) for (const i of IMMS) {
      X.movRI32(b, d, i);
      X.movRI64sx(b, d, i);
      X.movabs(b, d, BigInt(i));
    }
    for (const d of REGS) for (const v of [0x1122334455667788n, -1n, 1n << 63n, 0x7f00_0000_1000n]) X.movabs(b, d, v);
  }]);
  g.push(['one-operand forms, shifts, byte swaps', (b) => {
    for (const size of [4, 8] as const) for (const r of REGS) {
      for (const op of Object.keys(X.UNARY_EXT) as (keyof typeof X.UNARY_EXT)[]) X.unary(b, op, r, size);
      X.bswap(b, r, size);
      for (const op of Object.keys(X.SHIFT_EXT) as X.ShiftOp[]) {
        for (const c of [1, 2, 31, 63]) { X.shiftRI(b, op, r, c, size); X.shiftRI(b, op, r, c, size, true); }
        X.shiftRCL(b, op, r, size);
      }
      for (const s of REGS) for (const c of REGS) for (const op of ['shl', 'shr', 'sar'] as const) X.shiftx(b, op, r, s, c, size);
    }
    for (const r of REGS) X.shiftRI(b, 'ror', r, 8, 2);
    X.cdqCqo(b, 4); X.cdqCqo(b, 8);
  }]);
  g.push(['memory operands', (b) => {
    for (const base of REGS) for (const disp of DISPS) for (const ds of [undefined, 8, 32] as const) {
      const m = X.mem(base, disp, ds);
      for (const r of REGS) {
        for (const size of [1, 2, 4, 8] as const) {
          X.load(b, r, m, size); X.load(b, r, m, size, { w: true }); X.load(b, r, m, size, { signed: true, w: true });
          X.load(b, r, m, size, { forceRex: true });
          X.store(b, m, r, size); X.store(b, m, r, size, true);
        }
        X.lea(b, r, m);
        for (const size of [4, 8] as const) {
          for (const op of Object.keys(X.ALU) as X.AluOp[]) X.aluMR(b, op, m, r, size);
          X.xaddMR(b, m, r, size); X.cmpxchgMR(b, m, r, size);
        }
      }
      for (const size of [1, 2, 4, 8] as const) for (const i of IMMS) X.storeImm(b, m, i, size);
      for (const size of [4, 8] as const) for (const i of IMMS) for (const op of Object.keys(X.ALU_EXT) as X.AluImmOp[]) X.aluMI(b, op, m, i, size);
    }
    for (const base of REGS) for (const index of REGS.filter((r) => r !== X.RSP)) for (const scale of [1, 2, 4, 8] as const) for (const disp of DISPS) {
      X.load(b, X.R9, { base, index, scale, disp }, 8);
      X.store(b, { base, index, scale, disp }, X.RCX, 1);
    }
  }]);
  g.push(['atomics', (b) => {
    for (const size of [4, 8] as const) for (const base of REGS) for (const src of [X.RAX, X.RDI, X.R10, X.R11]) {
      const m = X.mem(base, -8, 8);
      for (const op of ['add', 'or', 'and', 'xor', 'xchg'] as const) { X.lock(b); X.aluMR(b, op, m, src, size); }
      X.lock(b); X.xaddMR(b, m, src, size);
      X.lock(b); X.cmpxchgMR(b, m, src, size);
    }
  }]);
  g.push(['control flow and the rest', (b) => {
    for (const rel of [0, 5, -5, 0x100, -0x100, 0x7fffffff, -0x80000000]) { X.callRel32(b, rel); X.jmpRel32(b, rel); }
    for (const rel of [0, 5, -2, 127, -128]) {
      X.jmpRel8(b, rel);
      for (const cc of Object.keys(X.CC) as X.Cond[]) X.jccRel8(b, cc, rel);
    }
    for (const cc of Object.keys(X.CC) as X.Cond[]) X.jccRel32(b, cc, 0x1234);
    for (const r of REGS) { X.push(b, r); X.pop(b, r); X.jmpReg(b, r); X.callReg(b, r); }
    X.leave(b); X.ret(b); X.int3(b); X.ud2(b); X.lfence(b); X.syscall(b);
    for (let n = 1; n <= 8; n++) X.nops(b, n);
    X.bytes(b, 0x65, 0x48, 0x03, 0x04, 0x25); X.imm32(b, 0x1234); // add rax, gs:[disp32] (the per-CPU form)
  }]);
  return g;
}

test('every encoder form decodes as iced-x86 decodes it (length and text)', () => {
  let n = 0;
  for (const [label, f] of encoderForms()) {
    const b = X.newBuf(1 << 16);
    f(b);
    n += agree(label, X.bufBytes(b), 0x1000);
  }
  assert.ok(n > 100_000, `only ${n} instructions`);
});

test('bad and truncated bytes: one byte of (bad), never a throw', () => {
  for (const bytes of [[0x0f], [0x48], [0x48, 0x8b], [0x0f, 0xff], [0xc4, 0xe2], [0x06], [0xf0, 0x90], [0xe8, 0, 0]]) {
    const d = decodeOne(Uint8Array.from(bytes), 0);
    assert.equal(d.mnemonic, '(bad)', Buffer.from(bytes).toString('hex'));
    assert.equal(d.len, 1);
  }
  const d = decodeOne(Uint8Array.from([0xeb, 0x05]), 0);
  assert.equal(branchTarget(d), 7);
});

/** Every program of the fixtures, specs and the bpf_conformance suite. */
function programs(): { label: string; prog: () => ProgramUnderTest; unverified: boolean }[] {
  const host = fixtureHostFacts();
  const out: { label: string; prog: () => ProgramUnderTest; unverified: boolean }[] = [];
  const objDir = path.join(root, 'fixtures/obj');
  for (const f of fs.readdirSync(objDir).filter((x) => x.endsWith('.o')).sort()) {
    let names: string[] = [];
    try { names = loadHostObject(path.join(objDir, f), { host }).loaded.programs.map((p) => p.name); } catch { continue; } // the loader rejects it
    for (const n of names) out.push({ label: `${f}:${n}`, prog: () => programFromObject(path.join(objDir, f), n, host), unverified: false });
  }
  for (const f of findSpecFiles([path.join(root, 'specs')])) out.push({ label: `spec ${path.basename(f)}`, prog: () => programFromSpec(readSpecFile(f), host), unverified: false });
  const confDir = path.join(root, '../shared/bpf_conformance/tests');
  for (const f of fs.readdirSync(confDir).filter((x) => x.endsWith('.data')).sort()) {
    const c = loadConformanceCase(fs.readFileSync(path.join(confDir, f), 'utf8'), f.replace(/\.data$/, ''), f);
    out.push({ label: `conformance ${c.name}`, prog: () => ({ name: c.name, insns: c.insns, progType: 'socket_filter', license: 'GPL', helperAbi: 'ubpf' }), unverified: true });
  }
  return out;
}

test('every image of every fixture, spec and bpf_conformance program decodes as iced-x86 decodes it', (t) => {
  const host = fixtureHostFacts();
  let images = 0, insns = 0, rejected = 0;
  const refused: string[] = [];
  for (const p of programs()) {
    let input: JitInput;
    try {
      input = prepareForJit(p.prog(), { profile: host.profile, unverified: p.unverified }).fixed.input;
    } catch (e) {
      if (e instanceof JitRefused) { rejected++; continue; } // the verifier rejects it: never jitted
      throw e;
    }
    for (const opts of [{ bmi2: true, retpoline: true, returnThunk: true }, { bmi2: false, retpoline: false, returnThunk: false }]) {
      let img;
      try {
        img = jitProgram(input, { ...opts, imageBase: KERNEL_IMAGE_BASE });
      } catch (e) {
        if (e instanceof JitError) { refused.push(`${p.label}: ${e.message}`); break; } // callx: not jitted
        throw e;
      }
      for (const [k, f] of img.funcs.entries()) insns += agree(`${p.label} func ${k}`, img.code.subarray(f.offset, f.offset + f.size));
      images++;
    }
  }
  assert.ok(images >= 600, `only ${images} images (refused: ${refused.length})`);
  t.diagnostic(`${images} images, ${insns} instructions; ${rejected} programs rejected, ${refused.length} not jitted: ${refused.join('; ')}`);
  assert.ok(refused.length <= 2, `${refused.length} programs not jitted: ${refused.join('; ')}`);
  assert.ok(insns > 10_000, `only ${insns} instructions`);
});

test('the images recorded from the kernel and the native stubs decode as iced-x86 decodes them', () => {
  const goldens = JSON.parse(fs.readFileSync(path.join(root, 'test/jit/golden/kernel-images.json'), 'utf8')) as { name: string; kernel: string }[];
  for (const g of goldens) agree(`kernel image ${g.name}`, Uint8Array.from(Buffer.from(g.kernel, 'hex')), 0xc000_0000);
  const base = 0x7f00_0000_0000n;
  const b = X.newBuf();
  throwStub(b, { textStart: base, textEnd: base + 0x1000n, mainStart: base, mainEnd: base + 0x100n }, base + 0x200n);
  helperStub(b, 0x7f12_3456_7890n);
  unwindStub(b, base, base + 0x2000n);
  loopStub(b, base, base + 0x3000n);
  const str = { addr: base + 0x5000n, len: 20 };
  faultHandlerStub(b, { ranges: base + 0x4000n, oldActions: base + 0x5000n, defaultAction: base + 0x5400n, messages: base + 0x5500n, middle: str, tail: str });
  installSigactionStub(b, base + 0x5000n);
  agree('stubs', X.bufBytes(b));
  // A small program through its prologue, exception boundary and epilogue
  const prog = [insn(0xb7, 1, 0, 0, 7), insn(0x85, 0, 2, 0, 1000), insn(0xb7, 0, 0, 0, 0), insn(0x95), insn(0xbf, 0, 1, 0, 0), insn(0x95)];
  const img = jitProgram({
    insns: prog, exceptionBoundary: true, funcs: [
      { start: 0, len: 4, stackDepth: 8, tailCallReachable: true, exceptionCb: false },
      { start: 4, len: 2, stackDepth: 0, tailCallReachable: false, exceptionCb: true }],
  }, { bmi2: true, retpoline: true, returnThunk: false, imageBase: KERNEL_IMAGE_BASE });
  agree('exception boundary', img.code);
});
