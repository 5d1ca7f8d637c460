// ALU instructions: check_alu_op (reserved fields, BPF_NEG/BPF_END, BPF_MOV with
// assign_scalar_id_before_mov, copy_register_state and the sign-extending movs,
// division by a zero constant, shift ranges), adjust_reg_min_max_vals for scalars
// (the scalar domain in scalar/, and the state maybe_fork_scalars pushes), and for
// pointers adjust_ptr_min_max_vals with check_reg_sane_offset and, for loaders
// without CAP_BPF, sanitize_check_bounds (kernel/bpf/verifier.c).
import { Insn } from '../isa/insn';
import {
  BPF_OP, BPF_SRC, BPF_X, BPF_K, BPF_ADD, BPF_SUB, BPF_DIV, BPF_MOD, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_NEG, BPF_END, BPF_MOV,
  BPF_AND, BPF_OR, BPF_XOR, BPF_CLASS, BPF_ALU64, MAX_BPF_STACK,
} from '../isa/opcodes';
import { checkReservedFields } from './reserved_fields';
import { BPF_ADDR_SPACE_CAST, ReservedRule } from '../isa/reserved';
import { VerifierEnv, curFrame, fail, notModelled } from './env';
import { readReg, checkDst, setReg, markPrecise, ptrWith } from './regs';
import { RegState, PointerReg, PTR_MAYBE_NULL, PTR_UNTRUSTED, isPointer, isPktPointer, regTypeStr, scalarReg, cloneState, UNKNOWN_SCALAR_REG, ScalarReg, immScalarReg, constScalarReg, smallConstScalarReg } from './state';
import { pushOwnedState } from './states';
import {
  Scalar, scalarConst, scalarIsConst, scalarZext32, scalarUnknown, aluScalar, scalarUnlinked,
  assignScalarIdBeforeMov, usedNextId, linkAfterAlu,
} from './scalar_bridge';
import { cloneScalar, mMarkUnbounded32 } from './scalar/scalar';
import { scalarIsKnownConst, mBoundsSync, mPtrAddSub } from './scalar/halves';
import { adjustScalar, foldedConst, transferEpoch } from './scalar/alu';
import { S64_MIN, S64_MAX, Tnum } from './scalar/tnum';
import { tnumStrn } from './scalar/print';
import { BPF_MAX_VAR_OFF } from './mem';

/** The unused operand of the unary ops and movs (the kernel passes the same register or none). */
const ZERO: Scalar = scalarConst(0n);

/** The reserved-field rules of each kind of ALU instruction (built once, not per instruction). */
const UNARY_RULES: readonly ReservedRule[] = ['BPF_NEG', 'BPF_END'];
const MOV_IMM_RULES: readonly ReservedRule[] = ['BPF_MOV'];
const MOV_REG_RULES: readonly ReservedRule[] = ['BPF_MOV', 'addr_space_cast'];
const ALU_RULES: readonly ReservedRule[] = ['BPF_ALU'];

/** bpf_alu_string, by BPF_OP >> 4 */
const ALU_STRING = ['+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian'];
const aluString = (op: number): string => ALU_STRING[op >> 4];

/** check_alu_op */
export function checkAluOp(env: VerifierEnv, insn: Insn, is64: boolean): void {
  const op = BPF_OP(insn.code);
  if (op === BPF_END || op === BPF_NEG) return checkUnary(env, insn, is64);
  if (op === BPF_MOV) return BPF_SRC(insn.code) === BPF_X ? checkMovReg(env, insn, is64) : checkMovImm(env, insn);
  if (op > BPF_END) fail(env, 'EINVAL', 'unknownOpcode', [insn.code]);
  checkBinary(env, insn, is64);
}

/** is_pointer_value: a pointer the loader may not see (no CAP_PERFMON: allow_ptr_leaks off). */
const isLeakyPointer = (env: VerifierEnv, r: RegState): boolean => isPointer(r) && !!env.input.unprivileged;

/** BPF_NEG and BPF_END */
function checkUnary(env: VerifierEnv, insn: Insn, is64: boolean): void {
  const op = BPF_OP(insn.code);
  const src = BPF_SRC(insn.code);
  checkReservedFields(env, insn, UNARY_RULES);
  const r = readReg(env, insn.dst);
  if (isLeakyPointer(env, r)) fail(env, 'EACCES', 'ptrArithProhibited', [insn.dst]);
  checkDst(env, insn.dst);
  // a pointer operand: check_reg_arg(DST_OP) leaves an unknown scalar
  if (r.type !== 'scalar') return setReg(env, insn.dst, UNKNOWN_SCALAR_REG);
  const res = aluScalar(insn, r.s, ZERO);
  setReg(env, insn.dst, scalarReg(res.dst));
}

/** BPF_MOV | BPF_K */
function checkMovImm(env: VerifierEnv, insn: Insn): void {
  checkReservedFields(env, insn, MOV_IMM_RULES);
  checkDst(env, insn.dst);
  // movImm's imprecise constant (bpf_capable), shared
  setReg(env, insn.dst, BPF_CLASS(insn.code) === BPF_ALU64 ? immScalarReg(insn.imm) : (insn.imm >= 0 ? immScalarReg(insn.imm) : constScalarReg(BigInt(insn.imm >>> 0), false)));
}

/**
 * Link the source register `r` to the copy about to be made (assign_scalar_id_before_mov);
 * returns the source's new register (a plain copy shares it: registers are values).
 */
function linkSource(env: VerifierEnv, regno: number, r: ScalarReg): ScalarReg {
  const s = r.s;
  const a = assignScalarIdBeforeMov(s, env.idGen + 1);
  if (a === s) return r; // already linked, or a constant: the register keeps its state
  if (usedNextId(s, a, env.idGen + 1)) env.idGen++;
  const linked = scalarReg(a) as ScalarReg;
  curFrame(env).regs[regno] = linked;
  return linked;
}

/** BPF_MOV | BPF_X: copies (linked scalars), mov32, and the sign-extending movs. */
function checkMovReg(env: VerifierEnv, insn: Insn, is64: boolean): void {
  checkReservedFields(env, insn, MOV_REG_RULES);
  // addr_space_cast (ALU64 mov, off 1): arenas are not loaded here, so no program has one
  if (is64 && insn.off === BPF_ADDR_SPACE_CAST) fail(env, 'EINVAL', 'addrSpaceCastNoArena');
  const s = readReg(env, insn.src);
  checkDst(env, insn.dst);
  if (is64 && insn.off === 0) {
    // copy_register_state; a scalar is linked to its copy
    if (s.type !== 'scalar') return setReg(env, insn.dst, s);
    // registers are values: the source's (linked) register is shared, not wrapped again
    return setReg(env, insn.dst, linkSource(env, insn.src, s));
  }
  if (isLeakyPointer(env, s)) fail(env, 'EACCES', is64 ? 'sextPartOfPointer' : 'partialCopyOfPtr', [insn.src]);
  if (s.type !== 'scalar') {
    // mark_reg_unknown, then (mov32) zext_32_to_64
    return setReg(env, insn.dst, scalarReg(is64 ? scalarUnknown() : scalarZext32(scalarUnknown())));
  }
  if (insn.off !== 0) {
    // movsx: linked only when the value cannot change by the sign extension
    const noSext = s.s.umax < 1n << BigInt(insn.off - 1);
    const src = noSext ? linkSource(env, insn.src, s).s : scalarUnlinked(s.s);
    return setReg(env, insn.dst, scalarReg(aluScalar(insn, ZERO, src).dst));
  }
  // mov32: linked only when the upper half is known zero
  if (s.s.umax <= 0xffffffffn) return setReg(env, insn.dst, scalarReg(scalarZext32(linkSource(env, insn.src, s).s)));
  setReg(env, insn.dst, scalarReg(scalarUnlinked(scalarZext32(s.s))));
}

/** The binary ALU ops: reserved fields, constant checks, then the transfer function. */
function checkBinary(env: VerifierEnv, insn: Insn, is64: boolean): void {
  const op = BPF_OP(insn.code);
  const src = BPF_SRC(insn.code);
  const signed = (op === BPF_DIV || op === BPF_MOD) && insn.off === 1;
  checkReservedFields(env, insn, ALU_RULES);
  if (src === BPF_X) readReg(env, insn.src);
  const d = readReg(env, insn.dst);
  if ((op === BPF_MOD || op === BPF_DIV) && src === BPF_K && insn.imm === 0) fail(env, 'EINVAL', 'divByZero');
  if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && src === BPF_K) {
    if (insn.imm < 0 || insn.imm >= (is64 ? 64 : 32)) fail(env, 'EINVAL', 'invalidShift', [insn.imm]);
  }
  checkDst(env, insn.dst);
  // a BPF_K operand is a constant scalar: its register state is built only for pointer arithmetic
  let s: Scalar;
  if (src === BPF_X) {
    const sreg = curFrame(env).regs[insn.src];
    if (isPointer(d) || isPointer(sreg)) return adjustRegWithPointer(env, insn, d, sreg);
    if (sreg.type !== 'scalar') return;
    s = sreg.s;
  } else {
    const sreg = immScalarReg(insn.imm);
    if (isPointer(d)) return adjustRegWithPointer(env, insn, d, sreg);
    s = (sreg as ScalarReg).s;
  }
  if (d.type !== 'scalar') return;
  // two constants (a branch explosion's paths carry different ones, and miss the memos): the
  // folded constant's shared register, no copy (adjustScalar and linkAfterAlu give the same value)
  const folded = foldedConst(insn, d.s, s);
  if (folded !== null) {
    return setReg(env, insn.dst, typeof folded === 'number' ? smallConstScalarReg(folded, d.s.precise) : constScalarReg(folded, d.s.precise));
  }
  const bpfCapable = !env.input.unprivileged;
  const idx = env.insnIdx;
  const memo = ALU_MEMO[idx];
  const epoch = transferEpoch();
  if (memo !== undefined && memo.d === d.s && memo.s === s && memo.bpfCapable === bpfCapable && memo.epoch === epoch) {
    if (memo.fork) pushForkedScalar(env, insn.dst, memo.fork);
    return setReg(env, insn.dst, memo.reg);
  }
  // the instruction itself is the AluInsn (code, off, imm), and never a mov here
  const res = adjustScalar(insn, d.s, s);
  if (res.fork) pushForkedScalar(env, insn.dst, res.fork);
  const reg = scalarReg(linkAfterAlu(insn, d.s.umax, res.dst, s, bpfCapable));
  // the entry is rewritten in place (no allocation per miss)
  if (memo === undefined) ALU_MEMO[idx] = { epoch, d: d.s, s, bpfCapable, reg, fork: res.fork };
  else {
    memo.epoch = epoch;
    memo.d = d.s; memo.s = s; memo.bpfCapable = bpfCapable; memo.reg = reg; memo.fork = res.fork;
  }
  setReg(env, insn.dst, reg);
}

/**
 * The last scalar result of each binary ALU instruction (by its index: instructions do not change
 * during one verification, and an array read costs a tenth of a WeakMap's), by its operands' objects: the
 * transfer is pure and scalars are values, and a branch explosion runs the same instruction
 * on the same operand objects again on every path (one entry per instruction; the shared
 * result object then also makes the next instruction's operands, and regsafe's `o === c`, hit).
 */
interface AluMemo {
  /** The verification that remembered it (transferEpoch): instructions do not change during one, a loader may rewrite them between two. */
  epoch: number;
  d: Scalar;
  s: Scalar;
  bpfCapable: boolean;
  reg: RegState;
  fork: Scalar | undefined;
}
const ALU_MEMO: (AluMemo | undefined)[] = [];

/**
 * maybe_fork_scalars' push_stack(insn_idx, insn_idx): the current state with `dst` set to
 * `fork` runs this instruction again later (the kernel's log shows `from N to N:`). The
 * pushed history keeps this instruction's entry; the re-run adds another only at a jump
 * point (do_check.ts), as the kernel's does.
 */
function pushForkedScalar(env: VerifierEnv, dst: number, fork: Scalar): void {
  const st = cloneState(env.cur);
  st.frames[st.curframe].regs[dst] = scalarReg(fork);
  pushOwnedState(env, env.insnIdx, env.insnIdx, st);
}

/** adjust_reg_min_max_vals when a pointer is involved. */
function adjustRegWithPointer(env: VerifierEnv, insn: Insn, d: RegState, s: RegState): void {
  if (isPointer(s)) {
    if (isPointer(d)) {
      // pointer - pointer gives an unknown scalar where pointers may leak; any other op is refused
      if (BPF_OP(insn.code) === BPF_SUB && !env.input.unprivileged) return setReg(env, insn.dst, UNKNOWN_SCALAR_REG);
      fail(env, 'EACCES', 'ptrPtrProhibited', [insn.dst, aluString(BPF_OP(insn.code))]);
    }
    markPrecise(env, insn.dst);
    return adjustPtrMinMaxVals(env, insn, s, d as RegState & { type: 'scalar' }, false);
  }
  if (BPF_SRC(insn.code) === BPF_X) markPrecise(env, insn.src);
  adjustPtrMinMaxVals(env, insn, d as PointerReg, s as RegState & { type: 'scalar' }, true);
}

/**
 * check_reg_sane_offset for the offset (`isPtr` false) or for a pointer before and after
 * the arithmetic (its variable part and fixed offset). Linux 6.18 words a pointer whose
 * variable part goes out of bounds as `%s pointer offset %lld is not allowed` (recorded
 * from the kernel: test/verifier/alu_sweep.test.ts), an offset as `value %lld makes ...`.
 * The type string is built only for a message. Of the register it reads only var_off and smin
 * (given alone: the variable part's unsynced state is not built as a scalar).
 */
function checkRegSaneOffset(env: VerifierEnv, varOff: Tnum, smin: bigint, fixedOff: number, ptr: PointerReg, isPtr: boolean): void {
  const max = MAX_VAR_OFF;
  const min = NEG_MAX_VAR_OFF; // -max made once (a negation makes a new bigint)
  if (varOff.mask === 0n) {
    const u = varOff.value;
    const val = u <= S64_MAX ? u : BigInt.asIntN(64, u); // (s64): no new bigint for the usual non-negative one
    if (val >= max || val <= min) fail(env, 'EINVAL', 'mathWithConst', [regTypeStr(ptr), val]);
  }
  if (fixedOff >= BPF_MAX_VAR_OFF || fixedOff <= -BPF_MAX_VAR_OFF) fail(env, 'EINVAL', 'ptrOffsetNotAllowed', [regTypeStr(ptr), fixedOff]);
  if (isPtr) {
    if (smin >= max || smin <= min) fail(env, 'EINVAL', 'ptrOffsetNotAllowed', [regTypeStr(ptr), smin]);
    return;
  }
  if (smin === S64_MIN) fail(env, 'EINVAL', 'mathUnboundedMin', [regTypeStr(ptr)]);
  if (smin >= max || smin <= min) fail(env, 'EINVAL', 'valueOutOfBounds', [smin, regTypeStr(ptr)]);
}

const MAX_VAR_OFF = BigInt(BPF_MAX_VAR_OFF);
const NEG_MAX_VAR_OFF = -MAX_VAR_OFF;

/** The pointer types adjust_ptr_min_max_vals refuses whatever the offset. */
function ptrArithAllowed(ptr: PointerReg, known: boolean, off: Scalar, op: number): boolean {
  switch (ptr.type) {
    case 'ctx': case 'map_value': case 'map_key': case 'stack': case 'pkt_meta': case 'pkt': case 'tp_buffer': case 'btf_id':
    case 'mem': case 'buf': case 'func':
      return true;
    case 'flow_keys': return known;
    case 'map_ptr': return known && off.smin === 0n && op === BPF_ADD;
    default: return false;
  }
}

/** Does the fixed offset `off` plus the constant `k` fit in an s32? (a double is exact below 2^53, and beyond it far out of range) */
const sumFitsS32 = (off: number, k: bigint): boolean => {
  const n = off + Number(k);
  return n >= -0x8000_0000 && n <= 0x7fff_ffff;
};

/**
 * adjust_ptr_min_max_vals: `ptr op= off` (ptrIsDst) or `scalar op= ptr`. The result
 * keeps the pointer's type: a known offset moves the fixed offset, a variable one
 * the variable part (packet pointers then get a new id and lose their range).
 */
function adjustPtrMinMaxVals(env: VerifierEnv, insn: Insn, ptr: PointerReg, offReg: RegState & { type: 'scalar' }, ptrIsDst: boolean): void {
  const idx = env.insnIdx;
  const o = offReg.s;
  const epoch = transferEpoch();
  const memo = PTR_ALU[idx];
  if (memo !== undefined && memo.ptr === ptr && memo.o === o && memo.ptrIsDst === ptrIsDst && memo.epoch === epoch) return setReg(env, insn.dst, memo.res);
  const ids = env.idGen;
  const res = ptrAluResult(env, insn, ptr, o, ptrIsDst);
  // remembered when pure: privileged (no sanitation) and no id made (a packet pointer moved by a variable gets a new one)
  if (env.idGen === ids && !env.input.unprivileged) {
    if (memo === undefined) PTR_ALU[idx] = { epoch, ptr, o, ptrIsDst, res };
    else { memo.epoch = epoch; memo.ptr = ptr; memo.o = o; memo.ptrIsDst = ptrIsDst; memo.res = res; }
  }
  setReg(env, insn.dst, res);
}

/**
 * The last result of each pointer arithmetic instruction (by index), by its operands' objects:
 * a pointer and a shared constant meet again on many paths (`r0 += r1` after a branch explosion).
 */
interface PtrAlu {
  epoch: number;
  ptr: PointerReg;
  o: Scalar;
  ptrIsDst: boolean;
  res: RegState;
}
const PTR_ALU: (PtrAlu | undefined)[] = [];

/** adjust_ptr_min_max_vals's new destination register (checks fail the verification). */
function ptrAluResult(env: VerifierEnv, insn: Insn, ptr: PointerReg, o: Scalar, ptrIsDst: boolean): RegState {
  const dst = insn.dst;
  const op = BPF_OP(insn.code);
  const known = scalarIsConst(o);
  if ((known && (o.smin !== o.smax || o.umin !== o.umax)) || o.smin > o.smax || o.umin > o.umax) return UNKNOWN_SCALAR_REG;
  if (BPF_CLASS(insn.code) !== BPF_ALU64) {
    if (op === BPF_SUB && !env.input.unprivileged) return UNKNOWN_SCALAR_REG;
    fail(env, 'EACCES', 'ptr32Prohibited', [dst]);
  }
  if (ptr.flags & PTR_MAYBE_NULL) fail(env, 'EACCES', 'ptrArithNullCheck', [dst, regTypeStr(ptr)]);
  if (ptr.type === 'mem' && (ptr.flags & PTR_UNTRUSTED)) return ptr;
  if (!ptrArithAllowed(ptr, known, o, op)) fail(env, 'EACCES', 'ptrArithOnType', [dst, regTypeStr(ptr)]);
  checkRegSaneOffset(env, o.varOff, o.smin, 0, ptr, false);
  checkRegSaneOffset(env, ptr.v.varOff, ptr.v.smin, ptr.off, ptr, true);
  if (env.input.unprivileged && BPF_SRC(insn.code) === BPF_X && (op === BPF_ADD || op === BPF_SUB) && !sanitationRefusesStack(ptr, o, op, ptrIsDst)) {
    notModelled(env, 'pointer arithmetic with a register without CAP_BPF (Spectre sanitation)');
  }
  let moved: PtrMove = 0; // how the op moves the variable part
  let off = ptr.off;
  // packet pointers moved by a variable get a new id and lose (or keep) their range
  let id = ptr.id;
  let range = isPktPointer(ptr) ? ptr.range : 0;
  if (op === BPF_ADD) {
    if (known && sumFitsS32(ptr.off, o.smin)) {
      off = ptr.off + Number(o.smin);
    } else {
      moved = 1;
      if (isPktPointer(ptr)) { id = ++env.idGen; range = 0; }
    }
  } else if (op === BPF_SUB) {
    if (!ptrIsDst) fail(env, 'EACCES', 'subPtrFromScalar', [dst]);
    if (ptr.type === 'stack') fail(env, 'EACCES', 'subFromStackPtr', [dst]);
    if (known && sumFitsS32(ptr.off, -o.smin)) {
      off = ptr.off - Number(o.smin);
    } else {
      moved = 2;
      if (isPktPointer(ptr)) { id = ++env.idGen; range = o.smin < 0n ? 0 : range; }
    }
  } else if (op === BPF_AND || op === BPF_OR || op === BPF_XOR) {
    fail(env, 'EACCES', 'bitwiseOnPtr', [dst, aluString(op)]);
  } else {
    fail(env, 'EACCES', 'ptrArithWithOp', [dst, aluString(op)]);
  }
  const pv = ptrVarPart(env.insnIdx, ptr.v, o, moved);
  checkRegSaneOffset(env, pv.unsyncedVarOff, pv.unsyncedSmin, off, ptr, true);
  const v = pv.synced;
  const res = off === ptr.off && v === ptr.v && id === ptr.id ? ptr : ptrWith(ptr, off, v, id, ptr.flags, range);
  if (env.input.unprivileged) sanitizeCheckBounds(env, dst, res);
  return res;
}

/** How pointer arithmetic moves the variable part: 0 not at all (a fixed offset), 1 `+= off`, 2 `-= off`. */
type PtrMove = 0 | 1 | 2;

/**
 * The variable part of a pointer after adjust_ptr_min_max_vals: moved by the offset register
 * (bounds and tnum on 32-bit halves), then __mark_reg32_unbounded (its var_off and smin,
 * `unsynced*`, are what the second check_reg_sane_offset reads) and reg_bounds_sync (`synced`). A constant variable
 * part the op does not move comes back unchanged from both, and is kept as it is.
 */
interface PtrVar {
  epoch: number;
  p: Scalar;
  o: Scalar;
  moved: PtrMove;
  unsyncedVarOff: Tnum;
  unsyncedSmin: bigint;
  synced: Scalar;
}
/** The last PtrVar of each instruction, by index: pure, and a pointer walks through many paths as one object. */
const PTR_VARS: (PtrVar | undefined)[] = [];

function ptrVarPart(idx: number, p: Scalar, o: Scalar, moved: PtrMove): PtrVar {
  const memo = PTR_VARS[idx];
  const epoch = transferEpoch();
  if (memo !== undefined && memo.p === p && memo.o === o && memo.moved === moved && memo.epoch === epoch) return memo;
  let unsyncedVarOff = p.varOff, unsyncedSmin = p.smin, synced = p;
  if (moved !== 0 || !scalarIsKnownConst(p)) {
    const m = cloneScalar(p);
    if (moved !== 0) mPtrAddSub(m, o, moved === 2);
    mMarkUnbounded32(m);
    unsyncedVarOff = m.varOff; // tnums and bigints are values: reg_bounds_sync below replaces them, never changes them
    unsyncedSmin = m.smin;
    mBoundsSync(m);
    synced = m;
  }
  if (memo === undefined) {
    const w: PtrVar = { epoch, p, o, moved, unsyncedVarOff, unsyncedSmin, synced };
    PTR_VARS[idx] = w;
    return w;
  }
  // rewritten in place (no allocation per miss)
  memo.epoch = epoch; memo.p = p; memo.o = o; memo.moved = moved; memo.unsyncedVarOff = unsyncedVarOff; memo.unsyncedSmin = unsyncedSmin; memo.synced = synced;
  return memo;
}

/**
 * The one case of sanitize_ptr_alu modelled: a constant stack pointer in (-MAX_BPF_STACK, 0] (its
 * u32 ptr_limit, -off, below MAX_BPF_STACK: retrieve_ptr_limit accepts it) plus a non-negative
 * unknown register (no mixed signs) passes the sanitation,
 * and sanitize_check_bounds then refuses the variable stack pointer it makes. The speculative
 * path sanitize_ptr_alu pushes is never walked: the program is refused.
 */
function sanitationRefusesStack(ptr: PointerReg, o: Scalar, op: number, ptrIsDst: boolean): boolean {
  return ptr.type === 'stack' && op === BPF_ADD && ptrIsDst && scalarIsConst(ptr.v) && ptr.v.varOff.value === 0n
    && ptr.off <= 0 && ptr.off > -MAX_BPF_STACK && !scalarIsConst(o) && o.smin >= 0n;
}

/** sanitize_check_bounds (no CAP_BPF): stack pointers stay in the frame, map value pointers in the value. */
function sanitizeCheckBounds(env: VerifierEnv, dst: number, r: PointerReg): void {
  if (r.type === 'stack') {
    if (!scalarIsConst(r.v)) fail(env, 'EACCES', 'stackVarArithUnpriv', [dst, tnumStrn(r.v.varOff), r.off]);
    const off = r.off + Number(BigInt.asIntN(64, r.v.varOff.value));
    if (off >= 0 || off < -MAX_BPF_STACK) fail(env, 'EACCES', 'stackArithOutOfRange', [dst, off]);
  } else if (r.type === 'map_value') {
    notModelled(env, 'map value pointer arithmetic without CAP_BPF');
  }
}
