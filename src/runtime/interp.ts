// The reference interpreter: runs a pre-decoded program over a register file
// of int32 halves and an address space of checked regions. Semantics follow
// RFC 9669 and kernel/bpf/core.c ___bpf_prog_run (ALU, JMP, LD/LDX/ST/STX,
// atomics, LD_ABS/LD_IND as bpf_skb_load_helper_* do: a failed load ends the
// program with 0), bpf-to-bpf calls as the JITs do them (new 512-byte frame,
// r6-r9 preserved, MAX_CALL_FRAMES), bpf_throw as kernel/bpf/helpers.c
// bpf_throw + the exception callback, may_goto as the verifier's rewrite
// (jump once the loop budget is spent).
import { BpfRuntimeError, hexAddr } from './errors';
import { AddressSpace, Region } from './memory';
import { Op } from './ops';
import { Program, CODE_BASE_HI, STRIDE, F_AUX, TRAP_DEAD } from './decode';
import { HelperContext, HelperFn, HelperTable } from './types';
import {
  mul64, udivmod64, sdivmod64, shl64, shr64, sar64, bswap32, bswap16, toBig, setBig,
} from './alu64';

/** Stack frame k occupies [STACK_BASE + k * STACK_STRIDE, + STACK_SIZE); r10 points at its end. */
export const STACK_BASE = 0x0000_7fff_f000_0000n;
export const STACK_STRIDE = 0x1000;
export const STACK_SIZE = 512;
const STACK_HI = 0x7fff;
const STACK_LO = 0xf000_0000;

/** Memory-region cache of the hot loop: the last region hit. */
interface MemCache { hi: number; lo: number; end: number; dv: DataView; w: boolean }

/** Internal: ends the run early (helper exit, failed LD_ABS, bpf_throw). Not an Error: no stack capture. */
export class VmSignal {
  constructor(readonly kind: 'exit' | 'throw', readonly value: bigint, readonly pc: number, readonly callbackPc?: number) {}
}

export interface VmState {
  L: Int32Array;
  H: Int32Array;
  /** Current frame index (0 = main program). */
  depth: number;
  maxFrames: number;
  /** Per frame: r6..r9 (lo, hi) and the return pc. */
  saved: Int32Array;
  left: number;
  budget: number;
  mayGoto: number;
  space: AddressSpace;
  M: MemCache;
  packet: Region | undefined;
  /** pc of the helper call being made (for HelperContext). */
  callPc: number;
  prog: Program;
  helpers: HelperTable | undefined;
  ctx: HelperContext;
}

const SAVE = 10;

export function fpLo(depth: number): number {
  return (STACK_LO + depth * STACK_STRIDE + STACK_SIZE) | 0;
}

function refill(st: VmState, alo: number, ahi: number, size: number, write: boolean, pc: number): void {
  const r = st.space.find(alo, ahi >>> 0, size);
  const addr = toBig(alo, ahi);
  if (!r) throw new BpfRuntimeError('out-of-bounds', pc, `invalid ${write ? 'write' : 'read'} of ${size} bytes at ${hexAddr(addr)}`, addr, size);
  if (write && !r.writable) throw new BpfRuntimeError('read-only', pc, `write of ${size} bytes to read-only region '${r.name}' at ${hexAddr(addr)}`, addr, size);
  const M = st.M;
  M.hi = r.hi | 0; M.lo = r.lo; M.end = r.lo + r.len; M.dv = r.dv; M.w = r.writable;
}

function lookupFn(t: HelperTable | undefined, id: number): HelperFn | undefined {
  if (!t) return undefined;
  if (t instanceof Map) return t.get(id);
  return (t as Readonly<Record<number, HelperFn>>)[id];
}

function invoke(st: VmState, f: HelperFn, pc: number, what: string): void {
  const L = st.L, H = st.H;
  st.callPc = pc;
  let r: bigint;
  try {
    r = f(st.ctx, toBig(L[1], H[1]), toBig(L[2], H[2]), toBig(L[3], H[3]), toBig(L[4], H[4]), toBig(L[5], H[5]));
  } catch (e) {
    if (e instanceof BpfRuntimeError || e instanceof VmSignal) throw e;
    throw new BpfRuntimeError('helper-error', pc, `${what} failed: ${(e as Error)?.message ?? String(e)}`);
  }
  if (typeof r !== 'bigint') throw new BpfRuntimeError('helper-error', pc, `${what} returned ${typeof r}, not a bigint`);
  setBig(L, H, 0, r);
  // the helper may have unmapped regions: forget the cached one
  st.M.lo = 0; st.M.end = 0;
}

function callHelper(st: VmState, pc: number, kfunc: boolean): void {
  const b = pc * STRIDE, id = st.prog.code[b + 4];
  const f = st.prog.fns[pc];
  if (!f) {
    if (kfunc) throw new BpfRuntimeError('unknown-kfunc', pc, `no implementation for kfunc with BTF id ${id}`);
    throw new BpfRuntimeError('unknown-helper', pc, `no implementation for helper ${id}`);
  }
  invoke(st, f, pc, kfunc ? `kfunc ${id}` : `helper ${id}`);
}

function pushFrame(st: VmState, retPc: number, pc: number): void {
  const k = st.depth;
  if (k + 1 >= st.maxFrames) throw new BpfRuntimeError('call-depth', pc, `call depth exceeds ${st.maxFrames} frames`);
  const L = st.L, H = st.H, S = st.saved, o = k * SAVE;
  S[o] = L[6]; S[o + 1] = H[6]; S[o + 2] = L[7]; S[o + 3] = H[7];
  S[o + 4] = L[8]; S[o + 5] = H[8]; S[o + 6] = L[9]; S[o + 7] = H[9];
  S[o + 8] = retPc;
  st.depth = k + 1;
  L[10] = fpLo(k + 1); H[10] = STACK_HI;
}

/** Pop a frame; returns the saved return pc. */
function popFrame(st: VmState): number {
  const k = st.depth - 1;
  const L = st.L, H = st.H, S = st.saved, o = k * SAVE;
  L[6] = S[o]; H[6] = S[o + 1]; L[7] = S[o + 2]; H[7] = S[o + 3];
  L[8] = S[o + 4]; H[8] = S[o + 5]; L[9] = S[o + 6]; H[9] = S[o + 7];
  st.depth = k;
  L[10] = fpLo(k); H[10] = STACK_HI;
  return S[o + 8];
}

/** The target pc of a code address (CODE_BASE + 8 * pc), or -1. */
export function codePc(prog: Program, lo: number, hi: number): number {
  if (hi !== CODE_BASE_HI || (lo & 7) !== 0) return -1;
  const t = (lo >>> 0) / 8;
  if (t >= prog.n || prog.code[t * STRIDE] === Op.TRAP) return -1;
  return t;
}

function callx(st: VmState, pc: number, d: number): number {
  const lo = st.L[d], hi = st.H[d];
  const t = codePc(st.prog, lo, hi);
  if (t >= 0) { pushFrame(st, pc + 1, pc); return t; }
  if (hi === 0) {
    const f = lookupFn(st.helpers, lo >>> 0);
    if (!f) throw new BpfRuntimeError('unknown-helper', pc, `no implementation for helper ${lo >>> 0} (callx r${d})`);
    invoke(st, f, pc, `helper ${lo >>> 0}`);
    return pc + 1;
  }
  throw new BpfRuntimeError('bad-callx', pc, `callx r${d} target ${hexAddr(toBig(lo, hi))} is neither a helper id nor a code address`);
}

/** LD_ABS / LD_IND: r0 = big-endian load from the packet; out of range ends the program with 0. */
function ldPacket(st: VmState, pc: number, off: number, size: number): void {
  const p = st.packet;
  if (!p) throw new BpfRuntimeError('out-of-bounds', pc, 'LD_ABS/LD_IND without a packet region');
  if (off < 0 || off + size > p.len) throw new VmSignal('exit', 0n, pc);
  const v = size === 4 ? p.dv.getInt32(off, false) : size === 2 ? p.dv.getUint16(off, false) : p.bytes[off];
  st.L[0] = v; st.H[0] = 0;
}

function budgetError(st: VmState, pc: number): BpfRuntimeError {
  return new BpfRuntimeError('budget-exhausted', pc, `instruction budget of ${st.budget} exhausted`);
}

/**
 * Run from `startPc` until an exit at frame `stopDepth`. Registers, frames and
 * budget live in `st`; r0 holds the result.
 */
export function exec(st: VmState, startPc: number, stopDepth: number): void {
  const C = st.prog.code, L = st.L, H = st.H, M = st.M;
  let pc = startPc;
  let left = st.left;
  for (;;) {
    if (--left < 0) { st.left = 0; throw budgetError(st, pc); }
    const b = pc << 3; // STRIDE
    const d = C[b + 1], s = C[b + 2];
    switch (C[b]) {
      // ---- 64-bit ALU
      case Op.ADD64_X: { const x = (L[d] >>> 0) + (L[s] >>> 0); H[d] = H[d] + H[s] + (x > 0xffffffff ? 1 : 0); L[d] = x; break; }
      case Op.ADD64_K: { const x = (L[d] >>> 0) + (C[b + 4] >>> 0); H[d] = H[d] + C[b + 6] + (x > 0xffffffff ? 1 : 0); L[d] = x; break; }
      case Op.SUB64_X: { const x = L[d] >>> 0, y = L[s] >>> 0; H[d] = H[d] - H[s] - (x < y ? 1 : 0); L[d] = x - y; break; }
      case Op.SUB64_K: { const x = L[d] >>> 0, y = C[b + 4] >>> 0; H[d] = H[d] - C[b + 6] - (x < y ? 1 : 0); L[d] = x - y; break; }
      case Op.MUL64_X: mul64(L, H, d, L[s], H[s]); break;
      case Op.MUL64_K: mul64(L, H, d, C[b + 4], C[b + 6]); break;
      case Op.DIV64_X: udivmod64(L, H, d, L[s], H[s], false); break;
      case Op.DIV64_K: udivmod64(L, H, d, C[b + 4], C[b + 6], false); break;
      case Op.SDIV64_X: sdivmod64(L, H, d, L[s], H[s], false); break;
      case Op.SDIV64_K: sdivmod64(L, H, d, C[b + 4], C[b + 6], false); break;
      case Op.MOD64_X: udivmod64(L, H, d, L[s], H[s], true); break;
      case Op.MOD64_K: udivmod64(L, H, d, C[b + 4], C[b + 6], true); break;
      case Op.SMOD64_X: sdivmod64(L, H, d, L[s], H[s], true); break;
      case Op.SMOD64_K: sdivmod64(L, H, d, C[b + 4], C[b + 6], true); break;
      case Op.OR64_X: L[d] |= L[s]; H[d] |= H[s]; break;
      case Op.OR64_K: L[d] |= C[b + 4]; H[d] |= C[b + 6]; break;
      case Op.AND64_X: L[d] &= L[s]; H[d] &= H[s]; break;
      case Op.AND64_K: L[d] &= C[b + 4]; H[d] &= C[b + 6]; break;
      case Op.XOR64_X: L[d] ^= L[s]; H[d] ^= H[s]; break;
      case Op.XOR64_K: L[d] ^= C[b + 4]; H[d] ^= C[b + 6]; break;
      case Op.LSH64_X: shl64(L, H, d, L[s] & 63); break;
      case Op.LSH64_K: shl64(L, H, d, C[b + 4] & 63); break;
      case Op.RSH64_X: shr64(L, H, d, L[s] & 63); break;
      case Op.RSH64_K: shr64(L, H, d, C[b + 4] & 63); break;
      case Op.ARSH64_X: sar64(L, H, d, L[s] & 63); break;
      case Op.ARSH64_K: sar64(L, H, d, C[b + 4] & 63); break;
      case Op.NEG64: { const l = L[d]; H[d] = l === 0 ? -H[d] : ~H[d]; L[d] = -l; break; }
      case Op.MOV64_X: L[d] = L[s]; H[d] = H[s]; break;
      case Op.MOV64_K: L[d] = C[b + 4]; H[d] = C[b + 6]; break;
      case Op.MOVSX64_8: { const v = (L[s] << 24) >> 24; L[d] = v; H[d] = v >> 31; break; }
      case Op.MOVSX64_16: { const v = (L[s] << 16) >> 16; L[d] = v; H[d] = v >> 31; break; }
      case Op.MOVSX64_32: { const v = L[s]; L[d] = v; H[d] = v >> 31; break; }
      case Op.BSWAP16: case Op.BE16: L[d] = bswap16(L[d]); H[d] = 0; break;
      case Op.BSWAP32: case Op.BE32: L[d] = bswap32(L[d]); H[d] = 0; break;
      case Op.BSWAP64: case Op.BE64: { const l = L[d]; L[d] = bswap32(H[d]); H[d] = bswap32(l); break; }
      case Op.LE16: L[d] &= 0xffff; H[d] = 0; break;
      case Op.LE32: H[d] = 0; break;
      case Op.LE64: break;

      // ---- 32-bit ALU (results zero-extend)
      case Op.ADD32_X: L[d] = L[d] + L[s]; H[d] = 0; break;
      case Op.ADD32_K: L[d] = L[d] + C[b + 4]; H[d] = 0; break;
      case Op.SUB32_X: L[d] = L[d] - L[s]; H[d] = 0; break;
      case Op.SUB32_K: L[d] = L[d] - C[b + 4]; H[d] = 0; break;
      case Op.MUL32_X: L[d] = Math.imul(L[d], L[s]); H[d] = 0; break;
      case Op.MUL32_K: L[d] = Math.imul(L[d], C[b + 4]); H[d] = 0; break;
      case Op.DIV32_X: { const y = L[s] >>> 0; L[d] = y === 0 ? 0 : (L[d] >>> 0) / y; H[d] = 0; break; }
      case Op.DIV32_K: { const y = C[b + 4] >>> 0; L[d] = y === 0 ? 0 : (L[d] >>> 0) / y; H[d] = 0; break; }
      case Op.SDIV32_X: { const y = L[s]; L[d] = y === 0 ? 0 : y === -1 ? -L[d] : L[d] / y; H[d] = 0; break; }
      case Op.SDIV32_K: { const y = C[b + 4]; L[d] = y === 0 ? 0 : y === -1 ? -L[d] : L[d] / y; H[d] = 0; break; }
      case Op.MOD32_X: { const y = L[s] >>> 0; if (y !== 0) L[d] = (L[d] >>> 0) % y; H[d] = 0; break; }
      case Op.MOD32_K: { const y = C[b + 4] >>> 0; if (y !== 0) L[d] = (L[d] >>> 0) % y; H[d] = 0; break; }
      case Op.SMOD32_X: { const y = L[s]; if (y !== 0) L[d] = L[d] % y; H[d] = 0; break; }
      case Op.SMOD32_K: { const y = C[b + 4]; if (y !== 0) L[d] = L[d] % y; H[d] = 0; break; }
      case Op.OR32_X: L[d] |= L[s]; H[d] = 0; break;
      case Op.OR32_K: L[d] |= C[b + 4]; H[d] = 0; break;
      case Op.AND32_X: L[d] &= L[s]; H[d] = 0; break;
      case Op.AND32_K: L[d] &= C[b + 4]; H[d] = 0; break;
      case Op.XOR32_X: L[d] ^= L[s]; H[d] = 0; break;
      case Op.XOR32_K: L[d] ^= C[b + 4]; H[d] = 0; break;
      case Op.LSH32_X: L[d] <<= L[s]; H[d] = 0; break;
      case Op.LSH32_K: L[d] <<= C[b + 4]; H[d] = 0; break;
      case Op.RSH32_X: L[d] = L[d] >>> L[s]; H[d] = 0; break;
      case Op.RSH32_K: L[d] = L[d] >>> C[b + 4]; H[d] = 0; break;
      case Op.ARSH32_X: L[d] >>= L[s]; H[d] = 0; break;
      case Op.ARSH32_K: L[d] >>= C[b + 4]; H[d] = 0; break;
      case Op.NEG32: L[d] = -L[d]; H[d] = 0; break;
      case Op.MOV32_X: L[d] = L[s]; H[d] = 0; break;
      case Op.MOV32_K: L[d] = C[b + 4]; H[d] = 0; break;
      case Op.MOVSX32_8: L[d] = (L[s] << 24) >> 24; H[d] = 0; break;
      case Op.MOVSX32_16: L[d] = (L[s] << 16) >> 16; H[d] = 0; break;

      // ---- 64-bit jumps
      case Op.JA: pc = C[b + 5]; continue;
      case Op.JEQ_X: if (L[d] === L[s] && H[d] === H[s]) { pc = C[b + 5]; continue; } break;
      case Op.JEQ_K: if (L[d] === C[b + 4] && H[d] === C[b + 6]) { pc = C[b + 5]; continue; } break;
      case Op.JNE_X: if (L[d] !== L[s] || H[d] !== H[s]) { pc = C[b + 5]; continue; } break;
      case Op.JNE_K: if (L[d] !== C[b + 4] || H[d] !== C[b + 6]) { pc = C[b + 5]; continue; } break;
      case Op.JSET_X: if ((L[d] & L[s]) !== 0 || (H[d] & H[s]) !== 0) { pc = C[b + 5]; continue; } break;
      case Op.JSET_K: if ((L[d] & C[b + 4]) !== 0 || (H[d] & C[b + 6]) !== 0) { pc = C[b + 5]; continue; } break;
      case Op.JGT_X: { const x = H[d] >>> 0, y = H[s] >>> 0; if (x > y || (x === y && (L[d] >>> 0) > (L[s] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JGT_K: { const x = H[d] >>> 0, y = C[b + 6] >>> 0; if (x > y || (x === y && (L[d] >>> 0) > (C[b + 4] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JGE_X: { const x = H[d] >>> 0, y = H[s] >>> 0; if (x > y || (x === y && (L[d] >>> 0) >= (L[s] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JGE_K: { const x = H[d] >>> 0, y = C[b + 6] >>> 0; if (x > y || (x === y && (L[d] >>> 0) >= (C[b + 4] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JLT_X: { const x = H[d] >>> 0, y = H[s] >>> 0; if (x < y || (x === y && (L[d] >>> 0) < (L[s] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JLT_K: { const x = H[d] >>> 0, y = C[b + 6] >>> 0; if (x < y || (x === y && (L[d] >>> 0) < (C[b + 4] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JLE_X: { const x = H[d] >>> 0, y = H[s] >>> 0; if (x < y || (x === y && (L[d] >>> 0) <= (L[s] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JLE_K: { const x = H[d] >>> 0, y = C[b + 6] >>> 0; if (x < y || (x === y && (L[d] >>> 0) <= (C[b + 4] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JSGT_X: { const x = H[d], y = H[s]; if (x > y || (x === y && (L[d] >>> 0) > (L[s] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JSGT_K: { const x = H[d], y = C[b + 6]; if (x > y || (x === y && (L[d] >>> 0) > (C[b + 4] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JSGE_X: { const x = H[d], y = H[s]; if (x > y || (x === y && (L[d] >>> 0) >= (L[s] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JSGE_K: { const x = H[d], y = C[b + 6]; if (x > y || (x === y && (L[d] >>> 0) >= (C[b + 4] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JSLT_X: { const x = H[d], y = H[s]; if (x < y || (x === y && (L[d] >>> 0) < (L[s] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JSLT_K: { const x = H[d], y = C[b + 6]; if (x < y || (x === y && (L[d] >>> 0) < (C[b + 4] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JSLE_X: { const x = H[d], y = H[s]; if (x < y || (x === y && (L[d] >>> 0) <= (L[s] >>> 0))) { pc = C[b + 5]; continue; } break; }
      case Op.JSLE_K: { const x = H[d], y = C[b + 6]; if (x < y || (x === y && (L[d] >>> 0) <= (C[b + 4] >>> 0))) { pc = C[b + 5]; continue; } break; }

      // ---- 32-bit jumps
      case Op.GOTOL: pc = C[b + 5]; continue;
      case Op.JEQ32_X: if (L[d] === L[s]) { pc = C[b + 5]; continue; } break;
      case Op.JEQ32_K: if (L[d] === C[b + 4]) { pc = C[b + 5]; continue; } break;
      case Op.JNE32_X: if (L[d] !== L[s]) { pc = C[b + 5]; continue; } break;
      case Op.JNE32_K: if (L[d] !== C[b + 4]) { pc = C[b + 5]; continue; } break;
      case Op.JSET32_X: if ((L[d] & L[s]) !== 0) { pc = C[b + 5]; continue; } break;
      case Op.JSET32_K: if ((L[d] & C[b + 4]) !== 0) { pc = C[b + 5]; continue; } break;
      case Op.JGT32_X: if ((L[d] >>> 0) > (L[s] >>> 0)) { pc = C[b + 5]; continue; } break;
      case Op.JGT32_K: if ((L[d] >>> 0) > (C[b + 4] >>> 0)) { pc = C[b + 5]; continue; } break;
      case Op.JGE32_X: if ((L[d] >>> 0) >= (L[s] >>> 0)) { pc = C[b + 5]; continue; } break;
      case Op.JGE32_K: if ((L[d] >>> 0) >= (C[b + 4] >>> 0)) { pc = C[b + 5]; continue; } break;
      case Op.JLT32_X: if ((L[d] >>> 0) < (L[s] >>> 0)) { pc = C[b + 5]; continue; } break;
      case Op.JLT32_K: if ((L[d] >>> 0) < (C[b + 4] >>> 0)) { pc = C[b + 5]; continue; } break;
      case Op.JLE32_X: if ((L[d] >>> 0) <= (L[s] >>> 0)) { pc = C[b + 5]; continue; } break;
      case Op.JLE32_K: if ((L[d] >>> 0) <= (C[b + 4] >>> 0)) { pc = C[b + 5]; continue; } break;
      case Op.JSGT32_X: if (L[d] > L[s]) { pc = C[b + 5]; continue; } break;
      case Op.JSGT32_K: if (L[d] > C[b + 4]) { pc = C[b + 5]; continue; } break;
      case Op.JSGE32_X: if (L[d] >= L[s]) { pc = C[b + 5]; continue; } break;
      case Op.JSGE32_K: if (L[d] >= C[b + 4]) { pc = C[b + 5]; continue; } break;
      case Op.JSLT32_X: if (L[d] < L[s]) { pc = C[b + 5]; continue; } break;
      case Op.JSLT32_K: if (L[d] < C[b + 4]) { pc = C[b + 5]; continue; } break;
      case Op.JSLE32_X: if (L[d] <= L[s]) { pc = C[b + 5]; continue; } break;
      case Op.JSLE32_K: if (L[d] <= C[b + 4]) { pc = C[b + 5]; continue; } break;

      // ---- calls
      case Op.CALL_HELPER: case Op.CALL_KFUNC:
        st.left = left;
        callHelper(st, pc, C[b] === Op.CALL_KFUNC);
        left = st.left;
        break;
      case Op.CALL_LOCAL: pushFrame(st, pc + 1, pc); pc = C[b + 5]; continue;
      case Op.CALLX:
        st.left = left;
        pc = callx(st, pc, d);
        left = st.left;
        continue;
      case Op.EXIT:
        if (st.depth === stopDepth) { st.left = left; return; }
        pc = popFrame(st);
        continue;
      case Op.MAY_GOTO:
        if (st.mayGoto === 0) { pc = C[b + 5]; continue; }
        st.mayGoto--;
        break;

      // ---- loads of constants and legacy packet loads
      case Op.LDDW: L[d] = C[b + 4]; H[d] = C[b + 6]; pc += 2; continue;
      case Op.LD_ABS_W: st.left = left; ldPacket(st, pc, C[b + 4], 4); break;
      case Op.LD_ABS_H: st.left = left; ldPacket(st, pc, C[b + 4], 2); break;
      case Op.LD_ABS_B: st.left = left; ldPacket(st, pc, C[b + 4], 1); break;
      case Op.LD_IND_W: st.left = left; ldPacket(st, pc, (L[s] + C[b + 4]) | 0, 4); break;
      case Op.LD_IND_H: st.left = left; ldPacket(st, pc, (L[s] + C[b + 4]) | 0, 2); break;
      case Op.LD_IND_B: st.left = left; ldPacket(st, pc, (L[s] + C[b + 4]) | 0, 1); break;

      // ---- memory: address = src + off (loads), dst + off (stores)
      case Op.LDX_W: case Op.LDACQ_W: {
        const a = (L[s] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[s] - 1) | 0 : a > 0xffffffff ? (H[s] + 1) | 0 : H[s];
        if (ahi !== M.hi || alo < M.lo || alo + 4 > M.end) refill(st, alo, ahi, 4, false, pc);
        L[d] = M.dv.getInt32(alo - M.lo, true); H[d] = 0; break;
      }
      case Op.LDX_H: case Op.LDACQ_H: {
        const a = (L[s] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[s] - 1) | 0 : a > 0xffffffff ? (H[s] + 1) | 0 : H[s];
        if (ahi !== M.hi || alo < M.lo || alo + 2 > M.end) refill(st, alo, ahi, 2, false, pc);
        L[d] = M.dv.getUint16(alo - M.lo, true); H[d] = 0; break;
      }
      case Op.LDX_B: case Op.LDACQ_B: {
        const a = (L[s] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[s] - 1) | 0 : a > 0xffffffff ? (H[s] + 1) | 0 : H[s];
        if (ahi !== M.hi || alo < M.lo || alo + 1 > M.end) refill(st, alo, ahi, 1, false, pc);
        L[d] = M.dv.getUint8(alo - M.lo); H[d] = 0; break;
      }
      case Op.LDX_DW: case Op.LDACQ_DW: {
        const a = (L[s] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[s] - 1) | 0 : a > 0xffffffff ? (H[s] + 1) | 0 : H[s];
        if (ahi !== M.hi || alo < M.lo || alo + 8 > M.end) refill(st, alo, ahi, 8, false, pc);
        const o = alo - M.lo; L[d] = M.dv.getInt32(o, true); H[d] = M.dv.getInt32(o + 4, true); break;
      }
      case Op.LDSX_W: {
        const a = (L[s] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[s] - 1) | 0 : a > 0xffffffff ? (H[s] + 1) | 0 : H[s];
        if (ahi !== M.hi || alo < M.lo || alo + 4 > M.end) refill(st, alo, ahi, 4, false, pc);
        const v = M.dv.getInt32(alo - M.lo, true); L[d] = v; H[d] = v >> 31; break;
      }
      case Op.LDSX_H: {
        const a = (L[s] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[s] - 1) | 0 : a > 0xffffffff ? (H[s] + 1) | 0 : H[s];
        if (ahi !== M.hi || alo < M.lo || alo + 2 > M.end) refill(st, alo, ahi, 2, false, pc);
        const v = M.dv.getInt16(alo - M.lo, true); L[d] = v; H[d] = v >> 31; break;
      }
      case Op.LDSX_B: {
        const a = (L[s] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[s] - 1) | 0 : a > 0xffffffff ? (H[s] + 1) | 0 : H[s];
        if (ahi !== M.hi || alo < M.lo || alo + 1 > M.end) refill(st, alo, ahi, 1, false, pc);
        const v = M.dv.getInt8(alo - M.lo); L[d] = v; H[d] = v >> 31; break;
      }
      case Op.ST_W: case Op.STX_W: case Op.STREL_W: {
        const a = (L[d] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[d] - 1) | 0 : a > 0xffffffff ? (H[d] + 1) | 0 : H[d];
        if (ahi !== M.hi || alo < M.lo || alo + 4 > M.end || !M.w) refill(st, alo, ahi, 4, true, pc);
        M.dv.setInt32(alo - M.lo, C[b] === Op.ST_W ? C[b + 4] : L[s], true); break;
      }
      case Op.ST_H: case Op.STX_H: case Op.STREL_H: {
        const a = (L[d] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[d] - 1) | 0 : a > 0xffffffff ? (H[d] + 1) | 0 : H[d];
        if (ahi !== M.hi || alo < M.lo || alo + 2 > M.end || !M.w) refill(st, alo, ahi, 2, true, pc);
        M.dv.setInt16(alo - M.lo, C[b] === Op.ST_H ? C[b + 4] : L[s], true); break;
      }
      case Op.ST_B: case Op.STX_B: case Op.STREL_B: {
        const a = (L[d] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[d] - 1) | 0 : a > 0xffffffff ? (H[d] + 1) | 0 : H[d];
        if (ahi !== M.hi || alo < M.lo || alo + 1 > M.end || !M.w) refill(st, alo, ahi, 1, true, pc);
        M.dv.setInt8(alo - M.lo, C[b] === Op.ST_B ? C[b + 4] : L[s]); break;
      }
      case Op.ST_DW: case Op.STX_DW: case Op.STREL_DW: {
        const a = (L[d] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[d] - 1) | 0 : a > 0xffffffff ? (H[d] + 1) | 0 : H[d];
        if (ahi !== M.hi || alo < M.lo || alo + 8 > M.end || !M.w) refill(st, alo, ahi, 8, true, pc);
        const o = alo - M.lo;
        if (C[b] === Op.ST_DW) { M.dv.setInt32(o, C[b + 4], true); M.dv.setInt32(o + 4, C[b + 6], true); }
        else { M.dv.setInt32(o, L[s], true); M.dv.setInt32(o + 4, H[s], true); }
        break;
      }

      // ---- atomics (single-threaded: plain read-modify-write)
      case Op.AADD_W: case Op.AOR_W: case Op.AAND_W: case Op.AXOR_W:
      case Op.AFADD_W: case Op.AFOR_W: case Op.AFAND_W: case Op.AFXOR_W:
      case Op.AXCHG_W: case Op.ACMPXCHG_W: {
        const a = (L[d] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[d] - 1) | 0 : a > 0xffffffff ? (H[d] + 1) | 0 : H[d];
        if (ahi !== M.hi || alo < M.lo || alo + 4 > M.end || !M.w) refill(st, alo, ahi, 4, true, pc);
        atomic32(C[b], M.dv, alo - M.lo, L, H, s);
        break;
      }
      case Op.AADD_DW: case Op.AOR_DW: case Op.AAND_DW: case Op.AXOR_DW:
      case Op.AFADD_DW: case Op.AFOR_DW: case Op.AFAND_DW: case Op.AFXOR_DW:
      case Op.AXCHG_DW: case Op.ACMPXCHG_DW: {
        const a = (L[d] >>> 0) + C[b + 3], alo = a >>> 0, ahi = a < 0 ? (H[d] - 1) | 0 : a > 0xffffffff ? (H[d] + 1) | 0 : H[d];
        if (ahi !== M.hi || alo < M.lo || alo + 8 > M.end || !M.w) refill(st, alo, ahi, 8, true, pc);
        atomic64(C[b], M.dv, alo - M.lo, L, H, s);
        break;
      }

      case Op.TRAP:
      default:
        if (C[b + F_AUX] === TRAP_DEAD) throw new BpfRuntimeError('dead-code', pc, 'execution reached an instruction the verifier never reached (dead code, which the kernel removes)');
        throw new BpfRuntimeError('pc-out-of-range', pc,
          pc >= st.prog.n ? 'execution fell off the end of the program' : 'execution reached the second slot of an ld_imm64');
    }
    pc++;
  }
}

function atomic32(op: number, dv: DataView, o: number, L: Int32Array, H: Int32Array, s: number): void {
  const old = dv.getInt32(o, true), v = L[s];
  switch (op) {
    case Op.AADD_W: dv.setInt32(o, old + v, true); return;
    case Op.AOR_W: dv.setInt32(o, old | v, true); return;
    case Op.AAND_W: dv.setInt32(o, old & v, true); return;
    case Op.AXOR_W: dv.setInt32(o, old ^ v, true); return;
    case Op.AFADD_W: dv.setInt32(o, old + v, true); break;
    case Op.AFOR_W: dv.setInt32(o, old | v, true); break;
    case Op.AFAND_W: dv.setInt32(o, old & v, true); break;
    case Op.AFXOR_W: dv.setInt32(o, old ^ v, true); break;
    case Op.AXCHG_W: dv.setInt32(o, v, true); break;
    case Op.ACMPXCHG_W:
      if (old === L[0]) dv.setInt32(o, v, true);
      L[0] = old; H[0] = 0;
      return;
  }
  L[s] = old; H[s] = 0;
}

function atomic64(op: number, dv: DataView, o: number, L: Int32Array, H: Int32Array, s: number): void {
  const ol = dv.getInt32(o, true), oh = dv.getInt32(o + 4, true), vl = L[s], vh = H[s];
  let nl = 0, nh = 0;
  switch (op) {
    case Op.AADD_DW: case Op.AFADD_DW: { const x = (ol >>> 0) + (vl >>> 0); nl = x | 0; nh = (oh + vh + (x > 0xffffffff ? 1 : 0)) | 0; break; }
    case Op.AOR_DW: case Op.AFOR_DW: nl = ol | vl; nh = oh | vh; break;
    case Op.AAND_DW: case Op.AFAND_DW: nl = ol & vl; nh = oh & vh; break;
    case Op.AXOR_DW: case Op.AFXOR_DW: nl = ol ^ vl; nh = oh ^ vh; break;
    case Op.AXCHG_DW: nl = vl; nh = vh; break;
    case Op.ACMPXCHG_DW:
      if (ol === L[0] && oh === H[0]) { dv.setInt32(o, vl, true); dv.setInt32(o + 4, vh, true); }
      L[0] = ol; H[0] = oh;
      return;
  }
  dv.setInt32(o, nl, true); dv.setInt32(o + 4, nh, true);
  if (op >= Op.AFADD_DW) { L[s] = ol; H[s] = oh; }
}
