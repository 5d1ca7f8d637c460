// createVm / run: the interpreter's public entry points. A VM is a checked,
// pre-decoded program plus its options; each run gets fresh registers, fresh
// zeroed stack frames and the caller's regions. Models bpf_prog_run() for one
// invocation (r1 = ctx, r10 = frame pointer), with bpf_throw's unwinding.
import { Insn } from '../isa/insn';
import { BpfRuntimeError } from './errors';
import { AddressSpace, makeRegion, Region } from './memory';
import { predecode, Program, CODE_BASE } from './decode';
import { exec, VmSignal, VmState, fpLo, codePc, STACK_BASE, STACK_STRIDE, STACK_SIZE } from './interp';
import { setBig, toBig } from './alu64';
import { HelperContext, RunOptions, RunResult, VmOptions } from './types';

export const DEFAULT_BUDGET = 10_000_000;
export const MAX_CALL_FRAMES = 8;
export const BPF_MAX_LOOPS = 8 * 1024 * 1024;

export interface Vm {
  readonly prog: Program;
  readonly opts: Readonly<VmOptions>;
  readonly budget: number;
  readonly maxFrames: number;
  /** Backing bytes of every stack frame; zeroed at the start of each run. */
  readonly stack: Uint8Array;
  /** One region per frame over `stack`. */
  readonly stackRegions: readonly Region[];
}

/** Check and pre-decode `insns` (kernel slot layout: ld_imm64 takes two). Throws BpfRuntimeError. */
export function createVm(insns: readonly Insn[], opts: VmOptions = {}): Vm {
  const prog = predecode(insns, opts);
  const maxFrames = opts.maxFrames ?? MAX_CALL_FRAMES;
  if (!Number.isInteger(maxFrames) || maxFrames < 1 || maxFrames > 4096) throw new BpfRuntimeError('call-depth', -1, `maxFrames ${maxFrames} is not in 1..4096`);
  const { stack, stackRegions } = stackFor(maxFrames);
  return { prog, opts, budget: opts.budget ?? DEFAULT_BUDGET, maxFrames, stack, stackRegions };
}

/** The frame pointer (r10) of frame `depth`. */
export function framePointer(depth: number): bigint {
  return STACK_BASE + BigInt(depth * STACK_STRIDE + STACK_SIZE);
}

/** The code address ld_imm64 BPF_PSEUDO_FUNC gives for instruction `pc` (what callx and callFunction accept). */
export function codeAddress(pc: number): bigint {
  return CODE_BASE + BigInt(pc * 8);
}

/** Per-VM reusable run state (typed arrays are costly to allocate per run); a nested run gets its own. */
const idleState = new WeakMap<Vm, VmState>();

const busy = new WeakSet<Vm>();

function stackFor(maxFrames: number): { stack: Uint8Array; stackRegions: Region[] } {
  const stack = new Uint8Array(maxFrames * STACK_SIZE);
  const stackRegions: Region[] = [];
  for (let k = 0; k < maxFrames; k++) {
    stackRegions.push(makeRegion({ name: k === 0 ? 'stack' : `stack[${k}]`, base: STACK_BASE + BigInt(k * STACK_STRIDE), bytes: stack.subarray(k * STACK_SIZE, (k + 1) * STACK_SIZE) }));
  }
  return { stack, stackRegions };
}

function makeState(vm: Vm, opts: RunOptions): VmState {
  // A run nested in a helper of a run of the same VM gets its own stack.
  const { stack, stackRegions } = busy.has(vm) ? stackFor(vm.maxFrames) : vm;
  const space = new AddressSpace(stackRegions);
  let packet: Region | undefined;
  for (const r of opts.regions ?? []) {
    if (!(r.bytes instanceof Uint8Array) || typeof r.base !== 'bigint') throw new BpfRuntimeError('bad-argument', -1, `region '${r.name}' needs a bigint base and Uint8Array bytes`);
    const reg = space.map(makeRegion(r));
    if (opts.packetRegion !== undefined && r.name === opts.packetRegion) packet = reg;
  }
  if (opts.packetRegion !== undefined && !packet) throw new BpfRuntimeError('bad-region', -1, `packet region '${opts.packetRegion}' is not among the regions`);
  const budget = opts.budget ?? vm.budget;
  if (!Number.isInteger(budget) || budget < 0) throw new BpfRuntimeError('bad-argument', -1, `budget ${budget} is not a non-negative integer`);
  stack.fill(0);
  const first = stackRegions[0];
  let st = idleState.get(vm);
  if (st) {
    idleState.delete(vm);
    st.L.fill(0); st.H.fill(0);
    st.depth = 0; st.left = budget; st.budget = budget; st.mayGoto = vm.opts.mayGotoBudget ?? BPF_MAX_LOOPS;
    st.space = space; st.packet = packet; st.callPc = -1;
    const M = st.M;
    M.hi = first.hi | 0; M.lo = first.lo; M.end = first.lo + first.len; M.dv = first.dv; M.w = first.writable;
    return st;
  }
  st = {
    L: new Int32Array(16), H: new Int32Array(16), depth: 0, maxFrames: vm.maxFrames,
    saved: new Int32Array(vm.maxFrames * 10), left: budget, budget, mayGoto: vm.opts.mayGotoBudget ?? BPF_MAX_LOOPS,
    space, M: { hi: first.hi | 0, lo: first.lo, end: first.lo + first.len, dv: first.dv, w: first.writable },
    packet, callPc: -1, prog: vm.prog, helpers: vm.opts.helpers, ctx: undefined as unknown as HelperContext,
  };
  st.ctx = makeContext(st);
  return st;
}

function makeContext(st: VmState): HelperContext {
  return {
    get pc() { return st.callPc; },
    get depth() { return st.depth; },
    get insnsExecuted() { return st.budget - st.left; },
    get mem() { return st.space; },
    exit(value: bigint): never { throw new VmSignal('exit', BigInt.asUintN(64, value), st.callPc); },
    throwException(cookie: bigint, callbackPc?: number): never {
      if (callbackPc !== undefined && (!Number.isInteger(callbackPc) || callbackPc < 0 || callbackPc >= st.prog.n || st.prog.code[callbackPc * 8] === 0)) {
        throw new BpfRuntimeError('bad-callx', st.callPc, `exception callback ${callbackPc} is not an instruction of the program`);
      }
      throw new VmSignal('throw', BigInt.asUintN(64, cookie), st.callPc, callbackPc);
    },
    callFunction(pc: number, args: readonly bigint[]): bigint {
      const callPc = st.callPc;
      if (!Number.isInteger(pc) || pc < 0 || pc >= st.prog.n || st.prog.code[pc * 8] === 0) {
        throw new BpfRuntimeError('bad-callx', callPc, `callback target ${pc} is not an instruction of the program`);
      }
      const { L, H } = st;
      const k = st.depth;
      if (k + 1 >= st.maxFrames) throw new BpfRuntimeError('call-depth', callPc, `call depth exceeds ${st.maxFrames} frames`);
      const S = st.saved, o = k * 10;
      S[o] = L[6]; S[o + 1] = H[6]; S[o + 2] = L[7]; S[o + 3] = H[7];
      S[o + 4] = L[8]; S[o + 5] = H[8]; S[o + 6] = L[9]; S[o + 7] = H[9];
      st.depth = k + 1;
      L[10] = fpLo(k + 1); H[10] = 0x7fff;
      for (let i = 0; i < 5; i++) setBig(L, H, i + 1, args[i] ?? 0n);
      exec(st, pc, k + 1);
      L[6] = S[o]; H[6] = S[o + 1]; L[7] = S[o + 2]; H[7] = S[o + 3];
      L[8] = S[o + 4]; H[8] = S[o + 5]; L[9] = S[o + 6]; H[9] = S[o + 7];
      st.depth = k;
      L[10] = fpLo(k); H[10] = 0x7fff;
      st.callPc = callPc;
      return toBig(L[0], H[0]);
    },
    codeAddressToPc(addr: bigint): number {
      const a = BigInt.asUintN(64, addr);
      return codePc(st.prog, Number(a & 0xffffffffn) | 0, Number(a >> 32n) | 0);
    },
  };
}

/**
 * Run the program once: r1..r5 = args, r10 = top of frame 0, the given regions
 * mapped. Returns r0. Throws BpfRuntimeError for faults, budget exhaustion and
 * unknown helpers.
 */
export function run(vm: Vm, opts: RunOptions = {}): RunResult {
  const nested = busy.has(vm);
  const st = makeState(vm, opts);
  busy.add(vm);
  try {
    return runState(vm, st, opts);
  } finally {
    if (!nested) { busy.delete(vm); idleState.set(vm, st); }
  }
}

function runState(vm: Vm, st: VmState, opts: RunOptions): RunResult {
  const { L, H } = st;
  const args = opts.args ?? [];
  if (args.length > 5) throw new BpfRuntimeError('bad-argument', -1, `${args.length} arguments given; a program takes at most 5 (r1-r5)`);
  for (let i = 0; i < 5; i++) {
    const a = args[i] ?? 0n;
    if (typeof a !== 'bigint') throw new BpfRuntimeError('bad-argument', -1, `argument r${i + 1} is a ${typeof a}, not a bigint`);
    setBig(L, H, i + 1, a);
  }
  L[10] = fpLo(0); H[10] = 0x7fff;
  try {
    exec(st, 0, 0);
    return { retval: toBig(L[0], H[0]), insnsExecuted: st.budget - st.left };
  } catch (e) {
    if (!(e instanceof VmSignal)) throw e;
    if (e.kind === 'exit') return { retval: e.value, insnsExecuted: st.budget - st.left };
    const exception = { cookie: e.value, pc: e.pc };
    const cb = e.callbackPc ?? vm.opts.exceptionCallbackPc;
    if (cb === undefined) return { retval: e.value, insnsExecuted: st.budget - st.left, exception };
    // Unwind to the main frame and run the exception callback there with r1 = cookie.
    st.depth = 0;
    L[10] = fpLo(0); H[10] = 0x7fff;
    setBig(L, H, 1, e.value);
    try {
      exec(st, cb, 0);
    } catch (e2) {
      if (!(e2 instanceof VmSignal)) throw e2;
      return { retval: e2.value, insnsExecuted: st.budget - st.left, exception };
    }
    return { retval: toBig(L[0], H[0]), insnsExecuted: st.budget - st.left, exception };
  }
}
