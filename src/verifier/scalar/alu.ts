// The ALU transfer functions for scalars. Models kernel/bpf/verifier.c:
// adjust_scalar_min_max_vals, is_safe_to_compute_dst_reg_range,
// maybe_fork_scalars, scalar{32,}_min_max_{add,sub,mul,and,or,xor,lsh,rsh,arsh},
// __scalar{32,64}_min_max_lsh, scalar_byte_swap, and the scalar parts of
// check_alu_op for BPF_MOV (mov imm, mov reg, movsx) and BPF_NEG/BPF_END.
//
// Behaviour follows the live Linux 6.18 kernel (6.18.44 stable), which has
// these backports: tnum_overlap in JEQ/JNE, maybe_fork_scalars for AND/OR
// with dst in [-1, 0], BPF_NEG and BPF_END tracking, tnum_step refinement.
// BPF_DIV and BPF_MOD (signed or not) always give an unknown scalar there.
// add/sub, mul, and/or/xor and the 64-bit shifts run on 32-bit halves (halves.ts).
import {
  tnumLshift, tnumRshift,
  tnumArshift, tnumSubreg, tnumIsConst, tnumSubregIsConst, tnumBswap16, tnumBswap32, tnumBswap64,
  U64_MAX, U32_MAX, S64_MAX, S64_MIN, S32_MAX, S32_MIN,
} from './tnum';
import {
  Scalar, MutScalar, cloneScalar, scalarConst, scalarFromImm, scalarSameValuePrecise, scalarWithIdOf, u64, s64, u32, s32, bmin, bmax,
  mMarkKnown, mMarkKnown32, mMarkUnknown, mMarkUnbounded, mMarkUnbounded32, mMarkUnbounded64,
  mZext32To64, mCoerceToSize, mCoerceToSizeSx, mCoerceSubregToSizeSx,
} from './scalar';
import {
  BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR,
  BPF_MOV, BPF_ARSH, BPF_END, BPF_ALU, BPF_ALU64, BPF_CLASS, BPF_OP, BPF_SRC, BPF_TO_LE,
} from '../../isa/opcodes';
import { ScalarDomainError } from './errors';
import { mAddSubSync, mBitwiseSync, mShift64Sync, mMulSync, scalarIsKnownConst, mUpdateBounds, mUpdateBounds32, mBoundsSync } from './halves';

const hex = (n: number): string => '0x' + (n >>> 0).toString(16);

/** The checks check_alu_op makes before adjust_scalar_min_max_vals can be reached. */
function checkAluInsn(where: string, insn: AluInsn, allowMov: boolean): void {
  const cls = BPF_CLASS(insn.code);
  if (cls !== BPF_ALU && cls !== BPF_ALU64) {
    throw new ScalarDomainError('not-alu', `${where}(code ${hex(insn.code)})`, 'not an ALU or ALU64 instruction');
  }
  const op = BPF_OP(insn.code);
  if (op > BPF_END || (op === BPF_MOV && !allowMov)) {
    throw new ScalarDomainError('bad-alu-op', `${where}(code ${hex(insn.code)})`, `ALU operation ${hex(op)} is not a scalar transfer here`);
  }
  if (op === BPF_END && insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) {
    throw new ScalarDomainError('bad-size', `${where}(code ${hex(insn.code)})`, `byte swap width ${insn.imm} is not 16, 32 or 64`);
  }
}

/** The instruction fields the transfer function looks at. */
export interface AluInsn {
  /** The full opcode byte (class BPF_ALU or BPF_ALU64). */
  readonly code: number;
  /** insn->off (1 selects sdiv/smod; 8/16/32 selects movsx). */
  readonly off: number;
  /** insn->imm (the byte-swap width for BPF_END). */
  readonly imm: number;
}

export interface AluResult {
  /** The new state of the destination register. */
  readonly dst: Scalar;
  /**
   * Set when maybe_fork_scalars split the state: the caller must push a
   * branch state that re-runs this same instruction with the destination
   * register replaced by `fork` (the kernel logs it as "from N to N").
   */
  readonly fork?: Scalar;
}

/** __scalar32_min_max_lsh (shift amounts as u64) */
function lsh32Bounds(d: MutScalar, uminVal: bigint, umaxVal: bigint): void {
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  if (umaxVal > 31n || d.u32max > 1n << (31n - umaxVal)) {
    d.u32min = 0n;
    d.u32max = U32_MAX;
  } else {
    d.u32min = u32(d.u32min << uminVal);
    d.u32max = u32(d.u32max << umaxVal);
  }
}

/** scalar32_min_max_lsh */
function lsh32(d: MutScalar, s: Scalar): void {
  const sub = tnumSubreg(d.varOff);
  lsh32Bounds(d, s.u32min, s.u32max);
  d.varOff = tnumSubreg(tnumLshift(sub, Number(s.u32min)));
  mMarkUnbounded64(d);
  mUpdateBounds32(d);
}

/** scalar32_min_max_rsh */
function rsh32(d: MutScalar, s: Scalar): void {
  const sub = tnumSubreg(d.varOff);
  d.s32min = S32_MIN;
  d.s32max = S32_MAX;
  d.varOff = tnumRshift(sub, Number(s.u32min));
  d.u32min = d.u32min >> s.u32max;
  d.u32max = d.u32max >> s.u32min;
  mMarkUnbounded64(d);
  mUpdateBounds32(d);
}

/** scalar32_min_max_arsh (src is a known constant) */
function arsh32(d: MutScalar, s: Scalar): void {
  const sh = s.u32min;
  d.s32min = d.s32min >> sh;
  d.s32max = d.s32max >> sh;
  d.varOff = tnumArshift(tnumSubreg(d.varOff), Number(sh), 32);
  d.u32min = 0n;
  d.u32max = U32_MAX;
  mMarkUnbounded64(d);
  mUpdateBounds32(d);
}

/** scalar_min_max_arsh (src is a known constant) */
function arsh64(d: MutScalar, s: Scalar): void {
  const sh = s.umin;
  d.smin = d.smin >> sh;
  d.smax = d.smax >> sh;
  d.varOff = tnumArshift(d.varOff, Number(sh), 64);
  d.umin = 0n;
  d.umax = U64_MAX;
  mMarkUnbounded32(d);
  mUpdateBounds(d);
}

/** scalar_byte_swap (little-endian host: to_le is a truncation, to_be and bswap swap) */
function byteSwap(d: MutScalar, insn: AluInsn): void {
  const alu64 = BPF_CLASS(insn.code) === BPF_ALU64;
  const toLe = BPF_SRC(insn.code) === BPF_TO_LE;
  const needSwap = alu64 || !toLe;
  if (needSwap) {
    if (insn.imm === 16) d.varOff = tnumBswap16(d.varOff);
    else if (insn.imm === 32) d.varOff = tnumBswap32(d.varOff);
    else if (insn.imm === 64) d.varOff = tnumBswap64(d.varOff);
    mMarkUnbounded(d);
  }
  if (insn.imm === 16 || insn.imm === 32) mCoerceToSize(d, insn.imm / 8);
}

/**
 * is_safe_to_compute_dst_reg_range: false means the result is an unknown
 * scalar. Shifts need a constant amount below the instruction width;
 * BPF_DIV and BPF_MOD are never tracked on 6.18.
 */
export function isSafeToComputeDstRange(insn: AluInsn, src: Scalar): boolean {
  switch (BPF_OP(insn.code)) {
    case BPF_ADD: case BPF_SUB: case BPF_NEG: case BPF_AND: case BPF_XOR: case BPF_OR:
    case BPF_MUL: case BPF_END:
      return true;
    case BPF_LSH: case BPF_RSH: case BPF_ARSH: {
      const bits = BPF_CLASS(insn.code) === BPF_ALU64 ? 64n : 32n;
      const srcConst = bits === 32n
        ? tnumSubregIsConst(src.varOff) && src.s32min === src.s32max && src.u32min === src.u32max
        : tnumIsConst(src.varOff) && src.smin === src.smax && src.umin === src.umax;
      return srcConst && src.umax < bits;
    }
    default:
      return false;
  }
}

/**
 * maybe_fork_scalars: a destination in [-1, 0] (64-bit, else 32-bit) ANDed
 * or ORed with a constant is split into the two constants. Returns the
 * forked destination (0) or null; `d` becomes -1.
 */
function maybeFork(d: MutScalar): Scalar | null {
  let alu32: boolean;
  if (d.smin === -1n && d.smax === 0n) alu32 = false;
  else if (d.s32min === -1n && d.s32max === 0n) alu32 = true;
  else return null;
  const other = cloneScalar(d);
  if (alu32) {
    mMarkKnown32(other, 0n);
    mMarkKnown32(d, U64_MAX);
  } else {
    mMarkKnown(other, 0n);
    mMarkKnown(d, U64_MAX);
  }
  return other;
}


/** `a op b` of two known operands (u64 values) as the result's u64 value, or null for the ops constFold does not fold. */
function constFoldValue(op: number, alu32: boolean, a: bigint, b: bigint): bigint | null {
  let r: bigint;
  switch (op) {
    case BPF_ADD: r = a + b; break;
    case BPF_SUB: r = a - b; break;
    case BPF_MUL: r = a * b; break;
    case BPF_AND: r = a & b; break;
    case BPF_OR: r = a | b; break;
    case BPF_XOR: r = a ^ b; break;
    // shift amounts are below the width here (is_safe_to_compute_dst_reg_range)
    case BPF_LSH: r = a << b; break;
    case BPF_RSH: r = (alu32 ? a & U32_MAX : a) >> b; break;
    case BPF_ARSH: r = (alu32 ? s32(a) : s64(a)) >> b; break;
    default: return null;
  }
  // truncated only when out of range (asUintN and & make a new bigint even when nothing changes)
  return r >= 0n && r <= (alu32 ? U32_MAX : U64_MAX) ? r : alu32 ? r & U32_MAX : u64(r);
}

/** The ops whose constant fold unlinks the register (the 64-bit and/or/xor helpers reach __mark_reg_known). */
const foldUnlinks = (op: number): boolean => op === BPF_AND || op === BPF_OR || op === BPF_XOR;

/**
 * Two known operands: the transfer functions and reg_bounds_sync end in the
 * constant `dst op src` with every bound equal to it, so it is computed at once.
 * The 64-bit and/or/xor helpers reach __mark_reg_known on constants, which
 * unlinks the register; the other ops keep its id. Returns false for the ops
 * this does not fold (they take the general path).
 */
function constFold(d: MutScalar, op: number, alu32: boolean, b: bigint): boolean {
  const v = constFoldValue(op, alu32, d.varOff.value, b);
  if (v === null) return false;
  if (foldUnlinks(op)) {
    d.id = 0;
    d.addConst = 0;
    d.delta = 0;
  }
  d.varOff = { value: v, mask: 0n };
  if (v <= S32_MAX) {
    // v in [0, 2^31) is its own s64, u32 and s32: one bigint for every field
    d.smin = v; d.smax = v; d.umin = v; d.umax = v;
    d.s32min = v; d.s32max = v; d.u32min = v; d.u32max = v;
    return true;
  }
  const sv = s64(v);
  const v32 = v & U32_MAX;
  const sv32 = s32(v32);
  d.smin = sv; d.smax = sv; d.umin = v; d.umax = v;
  d.s32min = sv32; d.s32max = sv32; d.u32min = v32; d.u32max = v32;
  return true;
}

/**
 * adjustScalar's result when it is an unlinked known constant: the u64 value, or null. Two
 * known operands fold (constFold) and the result has no id, BPF_ADD_CONST flags or delta
 * when dst had none or the op unlinks; every other field is the constant's, and reg->precise
 * is dst's. The caller builds (or shares) that constant instead of a transfer's copy.
 */
export function foldedConst(insn: AluInsn, dst: Scalar, src: Scalar): number | bigint | null {
  const op = BPF_OP(insn.code);
  if ((dst.id !== 0 || dst.addConst !== 0 || dst.delta !== 0) && !foldUnlinks(op)) return null;
  if (!scalarIsKnownConst(dst) || !scalarIsKnownConst(src) || !isSafeToComputeDstRange(insn, src)) return null;
  const a = dst.varOff.value, b = src.varOff.value;
  if (a <= 0x7fff_ffffn && b <= 0x7fff_ffffn) {
    const r = smallFoldValue(op, Number(a), Number(b));
    if (r >= 0) return r;
  }
  return constFoldValue(op, BPF_CLASS(insn.code) !== BPF_ALU64, a, b);
}

/**
 * constFoldValue of operands in [0, 2^31) as Numbers (a bigint op allocates its result, and
 * a branch explosion folds on every path): the result when it is in [0, 2^31) (then it is
 * exact, and the same in 32 and 64 bits; signed and unsigned shifts agree on such operands),
 * else -1 (the bigint fold decides). Rounding is monotonic, so a product or shift whose
 * double is below 2^31 is exact.
 */
function smallFoldValue(op: number, a: number, b: number): number {
  let r: number;
  switch (op) {
    case BPF_ADD: r = a + b; break;
    case BPF_SUB: r = a - b; break;
    case BPF_MUL: r = a * b; break;
    case BPF_AND: return a & b;
    case BPF_OR: return a | b;
    case BPF_XOR: return a ^ b;
    case BPF_LSH: r = a * 2 ** b; break;
    case BPF_RSH: case BPF_ARSH: return b >= 31 ? 0 : a >>> b;
    default: return -1;
  }
  return r >= 0 && r <= 0x7fff_ffff ? r : -1;
}

/**
 * adjust_scalar_min_max_vals: the new state of a scalar destination after
 * `dst = dst <op> src` (ALU or ALU64, BPF_K sources passed as scalarFromImm),
 * BPF_NEG (src ignored) or BPF_END (src ignored).
 * Ids are the caller's business (adjust_reg_min_max_vals, see linkAfterAlu):
 * the returned state keeps dst's id except where the kernel clears it itself
 * (__mark_reg_known / __mark_reg_unknown inside the transfer, BPF_NEG, and
 * BPF_END unless it is the no-op le64). `bpfCapable` (env->bpf_capable)
 * decides whether an untracked result is marked precise.
 */
export function adjustScalar(insn: AluInsn, dst: Scalar, src: Scalar, bpfCapable = true): AluResult {
  checkAluInsn('adjustScalar', insn, false);
  const memo = TRANSFERS.get(insn);
  if (memo !== undefined && (memo.epoch !== epoch || memo.code !== insn.code || memo.off !== insn.off || memo.imm !== insn.imm)) {
    // from another verification, or rewritten since (a loader may patch an instruction between verifications):
    // emptied in place, its entries' objects kept to be overwritten (no allocation per instruction per verification)
    memo.epoch = epoch; memo.code = insn.code; memo.off = insn.off; memo.imm = insn.imm;
    memo.next = 0; memo.size = 0;
  } else if (memo !== undefined) {
    const known = recall(memo, dst, src, bpfCapable);
    if (known !== null) return { dst: known };
  }
  const res = transfer(insn, dst, src, bpfCapable);
  if (!res.fork) remember(insn, memo, dst, src, bpfCapable, res.dst);
  return res;
}

/**
 * One transfer remembered: the operands, the result, and whether the result unlinked the
 * register (else it keeps dst's id, BPF_ADD_CONST flags and delta). The transfer reads
 * only the operands' values, dst's precision and bpf_capable, and either keeps or clears
 * dst's id fields: a later dst with the same values and another id gets the same result
 * with its own id. An entry made from a dst without id fields cannot tell keeping from
 * clearing, so it serves only such a dst.
 */
interface Transfer {
  d: Scalar;
  s: Scalar;
  bpfCapable: boolean;
  res: Scalar;
  unlinks: boolean;
  idFree: boolean;
}
/** Entries per instruction: the same instruction meets a few operand values again and again (subprogram calls, loops, parsers). */
const TRANSFER_WAYS = 4;
/**
 * The memos' epoch: a new one per verification (bpf_check in index.ts starts it), so that
 * what one verification remembers never answers in another (a benchmark verifying one
 * program again and again would otherwise time the memo, not the verifier).
 */
let epoch = 0;
export const transferEpoch = (): number => epoch;
export const newTransferEpoch = (): number => ++epoch;

/** The transfers remembered for one instruction in one epoch (the first `size` of `ways`), with the fields it had then. */
interface Transfers {
  epoch: number;
  code: number;
  off: number;
  imm: number;
  next: number;
  size: number;
  readonly ways: Transfer[];
}
const TRANSFERS = new WeakMap<AluInsn, Transfers>();


function recall(memo: Transfers, dst: Scalar, src: Scalar, bpfCapable: boolean): Scalar | null {
  for (let i = 0; i < memo.size; i++) {
    const t = memo.ways[i];
    if (t.bpfCapable !== bpfCapable || !scalarSameValuePrecise(t.s, src) || !scalarSameValuePrecise(t.d, dst)) continue;
    if (t.idFree && (dst.id !== 0 || dst.addConst !== 0)) continue;
    return t.unlinks ? t.res : scalarWithIdOf(t.res, dst);
  }
  return null;
}

function remember(insn: AluInsn, memo: Transfers | undefined, dst: Scalar, src: Scalar, bpfCapable: boolean, res: Scalar): void {
  const idFree = dst.id === 0 && dst.addConst === 0 && dst.delta === 0;
  const unlinks = !idFree && res.id === 0 && res.addConst === 0 && res.delta === 0;
  if (memo === undefined) {
    TRANSFERS.set(insn, { epoch, code: insn.code, off: insn.off, imm: insn.imm, next: 1, size: 1, ways: [{ d: dst, s: src, bpfCapable, res, unlinks, idFree }] });
    return;
  }
  const t = memo.ways[memo.next];
  // an entry of an earlier epoch (or one evicted) is overwritten in place
  if (t === undefined) memo.ways[memo.next] = { d: dst, s: src, bpfCapable, res, unlinks, idFree };
  else { t.d = dst; t.s = src; t.bpfCapable = bpfCapable; t.res = res; t.unlinks = unlinks; t.idFree = idFree; }
  memo.next = (memo.next + 1) % TRANSFER_WAYS;
  if (memo.size < TRANSFER_WAYS) memo.size++;
}

/** adjustScalar without the memo. */
function transfer(insn: AluInsn, dst: Scalar, src: Scalar, bpfCapable: boolean): AluResult {
  const d = cloneScalar(dst);
  const op = BPF_OP(insn.code);
  const alu32 = BPF_CLASS(insn.code) !== BPF_ALU64;
  let fork: Scalar | null = null;

  if (!isSafeToComputeDstRange(insn, src)) {
    // __mark_reg_unknown: precise unless the loader is bpf_capable.
    mMarkUnknown(d, !bpfCapable);
    return { dst: d };
  }
  if (scalarIsKnownConst(d) && scalarIsKnownConst(src) && constFold(d, op, alu32, src.varOff.value)) return { dst: d };

  switch (op) {
    case BPF_ADD: case BPF_SUB:
      // scalar{32,}_min_max_{add,sub}, tnum_{add,sub}, zext and reg_bounds_sync on 32-bit halves
      mAddSubSync(d, src, op === BPF_SUB, alu32);
      return { dst: d };
    case BPF_NEG: {
      // 0 - dst
      const orig: Scalar = cloneScalar(d);
      mMarkKnown(d, 0n);
      mAddSubSync(d, orig, true, alu32);
      return { dst: d };
    }
    case BPF_MUL:
      // on 32-bit halves and doubles (halves.ts)
      mMulSync(d, src, alu32);
      return { dst: d };
    case BPF_AND: case BPF_OR: case BPF_XOR:
      if (op !== BPF_XOR && tnumIsConst(src.varOff)) fork = maybeFork(d);
      // tnum_{and,or,xor}, scalar{32,}_min_max_{and,or,xor}, zext and reg_bounds_sync on 32-bit halves
      mBitwiseSync(d, src, op, alu32);
      return fork === null ? { dst: d } : { dst: d, fork };
    case BPF_LSH: case BPF_RSH:
      if (!alu32) {
        // 64-bit shifts by the constant (below 64) on 32-bit halves, synced (halves.ts)
        mShift64Sync(d, Number(src.umin), op === BPF_RSH);
        return { dst: d };
      }
      if (op === BPF_LSH) lsh32(d, src); else rsh32(d, src);
      break;
    case BPF_ARSH:
      if (alu32) arsh32(d, src); else arsh64(d, src);
      break;
    case BPF_END: {
      byteSwap(d, insn);
      // The live kernel unlinks the register unless the insn is a no-op (le64 on a little-endian host).
      const noop = BPF_CLASS(insn.code) !== BPF_ALU64 && BPF_SRC(insn.code) === BPF_TO_LE && insn.imm === 64;
      if (!noop) {
        d.id = 0; // clear_scalar_id
        d.addConst = 0;
        d.delta = 0;
      }
      break;
    }
    default:
      break;
  }

  if (alu32 && op !== BPF_END) mZext32To64(d);
  mBoundsSync(d);
  return fork === null ? { dst: d } : { dst: d, fork };
}

/** `dst = imm` (BPF_MOV | BPF_K): ALU64 sign-extends imm, ALU zero-extends its 32 bits. */
export function movImm(alu64: boolean, imm: number, bpfCapable = true): Scalar {
  // mark_reg_unknown first (unprivileged constants are precise), then __mark_reg_known
  if (bpfCapable && (alu64 || imm >= 0)) return scalarFromImm(imm); // the same (imprecise) constant
  return scalarConst(alu64 ? BigInt(imm | 0) : BigInt(imm >>> 0), !bpfCapable);
}

/**
 * The scalar parts of `dst = src` (BPF_MOV | BPF_X): off 0 copies (ALU64)
 * or copies and zero-extends the low 32 bits (ALU); off 8/16/32 is movsx
 * (coerce_reg_to_size_sx for ALU64, coerce_subreg_to_size_sx plus zext for
 * ALU). The copy keeps src's id and precision; the caller decides ids
 * (assign_scalar_id_before_mov) and clears them where the kernel does.
 */
export function movReg(alu64: boolean, off: number, src: Scalar): Scalar {
  if (off !== 0 && off !== 8 && off !== 16 && !(alu64 && off === 32)) {
    throw new ScalarDomainError('bad-size', `movReg(${alu64 ? 'alu64' : 'alu32'}, off ${off})`, 'movsx takes off 8, 16 or (64-bit only) 32');
  }
  const r = cloneScalar(src);
  if (alu64) {
    if (off !== 0) mCoerceToSizeSx(r, off >> 3);
    return r;
  }
  if (off !== 0) mCoerceSubregToSizeSx(r, off >> 3);
  mZext32To64(r);
  mBoundsSync(r);
  return r;
}

/** The result of an ALU instruction on the verifier's view, for BPF_MOV, BPF_NEG, BPF_END and the rest. */
export function aluScalar(insn: AluInsn, dst: Scalar, src: Scalar, bpfCapable = true): AluResult {
  checkAluInsn('aluScalar', insn, true);
  if (BPF_OP(insn.code) === BPF_MOV) {
    const alu64 = BPF_CLASS(insn.code) === BPF_ALU64;
    return { dst: BPF_SRC(insn.code) ? movReg(alu64, insn.off, src) : movImm(alu64, insn.imm, bpfCapable) };
  }
  return adjustScalar(insn, dst, src, bpfCapable);
}

export { BPF_DIV, BPF_MOD };
