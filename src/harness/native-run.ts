// Running a program under test as native code: its maps in native memory
// (the interpreter's map model over native buffers, so both runtimes share
// one implementation of each map helper), helpers as koffi callbacks behind
// native trampolines, bpf_throw native, the input bytes in native memory.
//
// Faults: native code runs in this process. A verified program cannot fault,
// and only verified programs are run here unless the caller says otherwise
// (bpf_conformance programs, which no verifier program type runs as
// written). A fault in native code is a SIGSEGV/SIGILL that ends the
// process; the harness runs unverified programs in a child process
// (harness/isolate.ts) so that it reports the signal instead. It sits in
// harness/ because it prepares programs under test; src/native/ keeps the memory
// and libc mechanics it uses.
import { AddressSpace, makeRegion, Region, BpfRuntimeError, createMapSet, MapSet, MapSpec, HelperContext, HelperFn, MAP_PTR_BASE, runtimeHelpers, skbLoadHelper, HelperEnv } from '../runtime';
import { hostHelperEnv } from './helper-env';
import { objectMapSpecs } from './object';
import { HostFacts } from '../kernel/host';
import { jitProgram, JitError, JitImage, SKB_LOAD_HELPER, KERNEL_TAIL_CALL_LAYOUT } from '../jit';
import { CONFORMANCE_HELPERS } from './conformance-helpers';
import { ProgramUnderTest } from './engine';
import { prepareForJit, Prepared, PrepareOptions } from './jit-program';
import { nativeJitOptions } from './jit-kernel';
import { loadLibc, Libc, PROT_READ, PROT_WRITE, MAP_32BIT } from '../native/libc';
import { loadImage, NativeImage, NATIVE_IMAGE_BASE } from '../native/image';

/** The program's memory as the helpers see it: any address, read and written in place. */
class NativeAddressSpace extends AddressSpace {
  constructor(private readonly L: Libc) { super(); }

  override find(lo: number, hi: number, size: number): Region | undefined {
    const addr = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    if (addr < 0x1000n) return undefined; // the null page
    return makeRegion({ name: 'native', base: addr, bytes: this.L.view(addr, Math.max(1, size)) });
  }

  /** Probe reads: any address, an unmapped one is undefined instead of a fault. */
  override tryRead(addr: bigint, len: number): Uint8Array | undefined {
    if (len === 0) return new Uint8Array(0);
    return this.L.readSafe(addr, len);
  }

  override readCString(addr: bigint, max: number): Uint8Array {
    return this.L.view(addr, Math.max(1, this.L.strnlen(addr, max))).slice(0, this.L.strnlen(addr, max));
  }
}

/** Native memory that lives as long as the runtime. */
interface Block { addr: bigint; size: number; bytes: Uint8Array }

export interface NativeProgram {
  prepared: Prepared;
  image: JitImage;
  native: NativeImage;
  maps?: MapSet;
  /** The helpers' clocks, random source and trace lines (bpf_trace_printk appends to env.lines). */
  env: HelperEnv & { lines: string[] };
  /** Run once (r1, r2), or n times in native code. Throws BpfRuntimeError when a helper failed. */
  run(r1: bigint, r2: bigint, repeat?: number): bigint;
  /** Native memory for input bytes (low 2 GiB, so 32-bit pointer fields can hold it). */
  alloc(bytes: Uint8Array): Block;
  close(): void;
  /** Run `f` when this program is closed (the tail-call targets loaded with it). */
  onClose(f: () => void): void;
}

const PAGE = 4096;

/* eslint-disable @typescript-eslint/no-explicit-any */
let helperProto: any;

export interface NativeLoadOptions extends Omit<PrepareOptions, 'mapAddress'> {
  /** The host facts (needed to link a tail call's target from the object file). */
  host?: HostFacts;
  /** Maps of a program that is not from an object file (its ld_imm64 carry the map's index). */
  maps?: readonly MapSpec[];
  /** The helpers' host (default: this machine's clocks, hostHelperEnv). */
  env?: HelperEnv & { lines: string[] };
  /** Set when loading a tail call's target: the maps of the object and the programs loaded so far, by name. */
  shared?: { maps: MapSet | undefined; loaded: Map<string, NativeProgram> };
}

/** struct bpf_array up to ptrs[n], then n struct bpf_prog stand-ins (their bpf_func at KERNEL_TAIL_CALL_LAYOUT.bpfFunc). */
const PROG_STANDIN = KERNEL_TAIL_CALL_LAYOUT.bpfFunc + 8;
const progArraySize = (n: number): number => KERNEL_TAIL_CALL_LAYOUT.ptrs + 8 * n + PROG_STANDIN * n;

/**
 * Fill the prog arrays: every program a slot names is loaded (with the same
 * maps) and its slot points at a stand-in whose bpf_func is its entry.
 */
function fillProgArrays(top: NativeProgram, p: ProgramUnderTest, o: NativeLoadOptions, L: Libc): void {
  const maps = top.maps;
  if (!maps) return;
  const shared = o.shared ?? { maps, loaded: new Map<string, NativeProgram>() };
  if (!shared.loaded.has(p.name)) shared.loaded.set(p.name, top);
  for (const m of maps.maps) {
    if (m.kind !== 'prog_array') continue;
    const v = L.view(m.base, progArraySize(m.spec.maxEntries));
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    for (const { slot, prog } of m.spec.programs ?? []) {
      let target = shared.loaded.get(prog);
      if (!target) {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const { siblingProgram } = require('./object') as typeof import('./object');
        const hostFacts = o.host;
        if (!hostFacts) throw new JitError(-1, `prog array '${m.spec.name}' names '${prog}': loading it needs the host facts`);
        target = loadNativeProgram(siblingProgram(p, prog, hostFacts), { ...o, shared });
        shared.loaded.set(prog, target);
      }
      const standin = m.base + BigInt(KERNEL_TAIL_CALL_LAYOUT.ptrs + 8 * m.spec.maxEntries + PROG_STANDIN * slot);
      dv.setBigUint64(Number(standin - m.base) + KERNEL_TAIL_CALL_LAYOUT.bpfFunc, target.native.entry, true);
      dv.setBigUint64(KERNEL_TAIL_CALL_LAYOUT.ptrs + 8 * slot, standin, true);
    }
  }
  if (!o.shared) top.onClose(() => { for (const [name, q] of shared.loaded) if (name !== p.name) q.close(); });
}

/** Compile `p` and load it for running here. Throws JitRefused (not jitted), JitError, or BpfRuntimeError (a map it cannot model). */
export function loadNativeProgram(p: ProgramUnderTest, o: NativeLoadOptions = {}): NativeProgram {
  const L = loadLibc();
  const koffi = L.koffi;
  const blocks: Block[] = [];
  const callbacks: unknown[] = [];
  const alloc = (size: number, low = false): Block => {
    const len = Math.max(PAGE, Math.ceil(size / PAGE) * PAGE);
    const addr = L.mmap(len, PROT_READ | PROT_WRITE, low ? MAP_32BIT : 0);
    const b = { addr, size: len, bytes: L.view(addr, len) };
    blocks.push(b);
    return b;
  };
  const release = (): void => {
    for (const b of blocks.splice(0)) L.munmap(b.addr, b.size);
    for (const c of callbacks.splice(0)) koffi.unregister(c);
  };
  try {
    // The maps are built once the verifier has had its say (the first map ld_imm64 asks for them)
    let maps: MapSet | undefined = o.shared?.maps;
    const objectMaps = (): MapSet | undefined => {
      if (maps) return maps;
      const specs: MapSpec[] = p.object ? objectMapSpecs(p) : [...(o.maps ?? [])];
      if (!specs.length) return undefined;
      maps = createMapSet(specs, p.object?.linked.mapRelocs ?? [], (spec, _i, bytes) => {
        if (spec.type !== 'prog_array') { const b = alloc(bytes); return { values: b.bytes.subarray(0, bytes), base: b.addr }; }
        // What the JIT's tail call reads: a struct bpf_array (max_entries, ptrs[]), ptrs[i] -> a struct bpf_prog (bpf_func)
        const b = alloc(progArraySize(spec.maxEntries));
        new DataView(b.bytes.buffer, b.bytes.byteOffset).setUint32(KERNEL_TAIL_CALL_LAYOUT.maxEntries, spec.maxEntries, true);
        return { values: b.bytes.subarray(0, bytes), base: b.addr };
      });
      return maps;
    };
    const prepared = prepareForJit(p, {
      trustKernel: o.trustKernel, unverified: o.unverified, profile: o.profile,
      mapAddress: (index, kind, off) => {
        const m = objectMaps()?.maps[index];
        if (!m) return undefined;
        if (kind === 'fd') return m.kind === 'prog_array' ? m.base : MAP_PTR_BASE + BigInt(index * 16);
        return m.base + BigInt(off);
      },
    });
    const input = prepared.fixed.input;
    // The conformance suite's helper 5 ends the program: make it an exception boundary with a callback returning the cookie
    const ubpf = p.helperAbi === 'ubpf';
    const usesUnwind = ubpf && input.insns.some((n) => n.code === 0x85 && n.src === 0 && n.imm === 5);
    if (usesUnwind && !input.exceptionBoundary) {
      const n = input.insns.length;
      input.insns = [...input.insns, { code: 0xbf, dst: 0, src: 1, off: 0, imm: 0 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }];
      input.funcs = [...input.funcs, { start: n, len: 2, stackDepth: 0, tailCallReachable: false, exceptionCb: true }];
      input.exceptionBoundary = true;
    }
    // The host's CPU features as the kernel would use them; no retpoline or return thunk outside the kernel
    const image = jitProgram(input, nativeJitOptions(NATIVE_IMAGE_BASE));
    // Helpers: JS implementations behind koffi callbacks
    let failure: BpfRuntimeError | null = null;
    const mem = new NativeAddressSpace(L);
    const unsupported = (what: string): never => { throw new BpfRuntimeError('helper-error', -1, `${what} is not supported by the native runtime`); };
    const ctx: HelperContext = {
      pc: -1, depth: 0, insnsExecuted: 0, mem,
      exit: () => unsupported('ending the program from a helper'),
      throwException: () => unsupported('throwing from a helper'),
      callFunction: () => unsupported('calling back into BPF code from a helper'),
      codeAddressToPc: () => -1,
    };
    const env = o.env ?? hostHelperEnv();
    const skbLoad = ([1, 2, 4] as const).map((size) => [SKB_LOAD_HELPER[size], skbLoadHelper(size)] as const);
    const table = new Map<number, HelperFn>(ubpf ? CONFORMANCE_HELPERS : [...runtimeHelpers(env), ...(objectMaps()?.helpers ?? []), ...skbLoad]);
    helperProto ??= koffi.proto('uint64_t bpfx_helper(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4, uint64_t r5)');
    const helpers = new Map<number, bigint>();
    const used = new Set(input.insns.filter((n) => n.code === 0x85 && n.src === 0).map((n) => n.imm));
    for (const id of used) {
      if (usesUnwind && id === 5) continue;
      const fn = table.get(id);
      if (!fn) throw new JitError(-1, `helper ${id} is not available in the native runtime`);
      const cb = koffi.register((a: any, b: any, c: any, d: any, e: any) => {
        try {
          return BigInt.asUintN(64, fn(ctx, BigInt(a), BigInt(b), BigInt(c), BigInt(d), BigInt(e)));
        } catch (err) {
          failure ??= err instanceof BpfRuntimeError ? err : new BpfRuntimeError('helper-error', -1, `helper ${id}: ${(err as Error).message}`);
          return 0n;
        }
      }, koffi.pointer(helperProto));
      callbacks.push(cb);
      helpers.set(id, BigInt(koffi.address(cb)));
    }
    const kfuncs = new Map<number, 'bpf_throw' | bigint>();
    for (const n of input.insns) {
      if (n.code !== 0x85 || n.src !== 2) continue;
      const name = p.kfuncs?.get(n.imm);
      if (name !== 'bpf_throw' || n.off !== 0) throw new JitError(-1, `kfunc ${name ?? n.imm} is not available in the native runtime`);
      kfuncs.set(n.imm, 'bpf_throw');
    }
    const native = loadImage(image, input, { helpers, kfuncs, ubpfUnwind: usesUnwind });
    let closed = false;
    const closers: (() => void)[] = [];
    const prog: NativeProgram = {
      prepared, image, native, maps, env,
      run(r1, r2, repeat = 1) {
        failure = null;
        if (maps) maps.tailCalls.count = 0;
        const r = repeat > 1 ? native.loop(r1, r2, repeat) : native.run(r1, r2);
        if (failure) throw failure;
        return r;
      },
      alloc: (bytes) => { const b = alloc(bytes.length, true); b.bytes.set(bytes); return b; },
      close() { if (!closed) { closed = true; for (const f of closers.splice(0)) f(); native.free(); release(); } },
      onClose: (f) => { closers.push(f); },
    };
    try {
      fillProgArrays(prog, p, { ...o, shared: o.shared ? { ...o.shared, maps } : undefined }, L);
    } catch (e) {
      prog.close();
      throw e;
    }
    return prog;
  } catch (e) {
    release();
    throw e;
  }
}

/** CPU time of this thread in ns (for timing native runs; see Libc.threadCpuNs). */
export function threadCpuNs(): bigint {
  return loadLibc().threadCpuNs();
}

/** Whether native code can run here: koffi, libc, and a mapping that can be made executable and called. */
let status: { ok: boolean; reason?: string } | undefined;
export function nativeAvailable(): { ok: boolean; reason?: string } {
  if (status) return status;
  try {
    const L = loadLibc();
    const addr = L.mmap(PAGE, PROT_READ | PROT_WRITE);
    try {
      L.view(addr, 4).set([0x48, 0x89, 0xf8, 0xc3]); // mov rax, rdi; ret
      L.mprotect(addr, PAGE, 5);
      const f = L.koffi.decode(L.ptr(addr), L.koffi.proto('uint64_t bpfx_probe(uint64_t a)'));
      status = BigInt(f(42)) === 42n ? { ok: true } : { ok: false, reason: 'a probe of executable memory returned the wrong value' };
    } finally {
      L.munmap(addr, PAGE);
    }
  } catch (e) {
    status = { ok: false, reason: (e as Error).message };
  }
  return status;
}
