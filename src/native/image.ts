// A jitted program in executable memory: the image (every BPF function) and
// its stubs (bpf_throw, helper trampolines, the repeat loop) in one anonymous
// mapping, written while it is read+write and then made read+exec (never
// writable and executable at once), called through koffi.
import { JitImage, JitInput, JitError, link, Target } from '../jit';
import { throwStub, helperStub, unwindStub, loopStub } from '../jit/stubs';
import * as X from '../jit/x86/encode';
import { loadLibc, PROT_READ, PROT_WRITE, PROT_EXEC } from './libc';
import { registerNativeCode } from './fault';

/** Where native images are expected: user-space addresses, so function addresses are always movabs. */
export const NATIVE_IMAGE_BASE = 0x7f00_0000_0000n;

export interface NativeImageOptions {
  /** Helper id -> address of a C function with the helper's convention (a koffi callback). */
  helpers?: ReadonlyMap<number, bigint>;
  /** Kfunc BTF id -> 'bpf_throw' (native) or the address of a C function. */
  kfuncs?: ReadonlyMap<number, 'bpf_throw' | bigint>;
  /** Helper 5 is the bpf_conformance suite's "unwind" (native, through bpf_throw). */
  ubpfUnwind?: boolean;
}

export interface NativeImage {
  base: bigint;
  size: number;
  /** Address of the main program (what a tail call's bpf_func points at). */
  entry: bigint;
  /** r0 of one run with r1, r2 (through koffi). */
  run(r1: bigint, r2: bigint): bigint;
  /** r0 of the last of n runs, the loop in native code. */
  loop(r1: bigint, r2: bigint, n: number): bigint;
  free(): void;
}

const PAGE = 4096;
const roundPage = (n: number): number => Math.ceil(n / PAGE) * PAGE;

interface StubPlan { throwAt?: number; unwindAt?: number; helperAt: Map<number, number>; kfuncAt: Map<number, number>; loopAt: number; end: number }

/** Emit every stub after the code at `base`; with base 0 it only measures. */
function emitStubs(buf: X.Buf, img: JitImage, input: JitInput, o: NativeImageOptions, base: bigint, codeLen: number): StubPlan {
  const origin = base + BigInt(codeLen);
  const main = img.funcs[0];
  const cbIndex = input.funcs.findIndex((f) => f.exceptionCb);
  const plan: StubPlan = { helperAt: new Map(), kfuncAt: new Map(), loopAt: 0, end: 0 };
  const needsThrow = [...(o.kfuncs ?? new Map()).values()].includes('bpf_throw') || o.ubpfUnwind;
  if (needsThrow) {
    if (cbIndex < 0) throw new JitError(-1, 'the program throws but has no exception callback');
    plan.throwAt = codeLen + buf.n;
    throwStub(buf, {
      textStart: base, textEnd: base + BigInt(codeLen), mainStart: base + BigInt(main.offset), mainEnd: base + BigInt(main.offset + main.size),
    }, base + BigInt(img.funcs[cbIndex].offset));
  }
  if (o.ubpfUnwind) {
    plan.unwindAt = codeLen + buf.n;
    unwindStub(buf, base + BigInt(plan.throwAt!), origin);
  }
  for (const [id, addr] of o.helpers ?? []) {
    if (o.ubpfUnwind && id === 5) continue;
    plan.helperAt.set(id, codeLen + buf.n);
    helperStub(buf, addr);
  }
  for (const [id, k] of o.kfuncs ?? []) {
    if (k === 'bpf_throw') { plan.kfuncAt.set(id, plan.throwAt!); continue; }
    plan.kfuncAt.set(id, codeLen + buf.n);
    helperStub(buf, k);
  }
  plan.loopAt = codeLen + buf.n;
  loopStub(buf, base + BigInt(main.offset), origin);
  plan.end = codeLen + buf.n;
  return plan;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
let protos: { prog: any; loop: any } | undefined;

/** Map, link and protect an image. Throws JitError for unresolved targets, Error when memory cannot be mapped. */
export function loadImage(img: JitImage, input: JitInput, o: NativeImageOptions = {}): NativeImage {
  const L = loadLibc();
  const measure = emitStubs(X.newBuf(), img, input, o, NATIVE_IMAGE_BASE, img.code.length);
  const size = roundPage(measure.end);
  const base = L.mmap(size, PROT_READ | PROT_WRITE);
  try {
    const stubs = X.newBuf();
    const plan = emitStubs(stubs, img, input, o, base, img.code.length);
    const resolve = (t: Exclude<Target, { kind: 'func' }>): bigint | undefined => {
      if (t.kind === 'helper') { const a = plan.helperAt.get(t.id) ?? (t.id === 5 ? plan.unwindAt : undefined); return a === undefined ? undefined : base + BigInt(a); }
      if (t.kind === 'kfunc' && t.off === 0) { const a = plan.kfuncAt.get(t.id); return a === undefined ? undefined : base + BigInt(a); }
      return undefined;
    };
    const code = link(img, base, resolve);
    const mem = L.view(base, size);
    mem.fill(0xcc); // int3 in the gaps
    mem.set(code, 0);
    mem.set(X.bufBytes(stubs), code.length);
    L.mprotect(base, size, PROT_READ | PROT_EXEC);
    const koffi = L.koffi;
    protos ??= {
      prog: koffi.proto('uint64_t bpfx_prog(uint64_t r1, uint64_t r2)'),
      loop: koffi.proto('uint64_t bpfx_loop(uint64_t r1, uint64_t r2, uint64_t n)'),
    };
    const entry = base + BigInt(img.funcs[0].offset);
    const prog = koffi.decode(L.ptr(entry), protos.prog);
    const loop = koffi.decode(L.ptr(base + BigInt(plan.loopAt)), protos.loop);
    const unregister = registerNativeCode(base, size);
    let freed = false;
    return {
      base, size, entry,
      run: (r1, r2) => BigInt(prog(r1, r2)),
      loop: (r1, r2, n) => BigInt(loop(r1, r2, Math.max(1, n))),
      free: () => { if (!freed) { freed = true; unregister(); L.munmap(base, size); } },
    };
  } catch (e) {
    L.munmap(base, size);
    throw e;
  }
}
