// Jumps: check_cond_jmp_op (reserved fields, is_branch_taken for scalars and
// pointers, the other branch pushed with reg_set_min_max applied to both,
// sync_linked_regs, mark_ptr_or_null_regs for NULL checks, try_match_pkt_pointers
// for packet bounds), and the unconditional BPF_JA / gotol (kernel/bpf/verifier.c).
import { Insn } from '../isa/insn';
import {
  BPF_OP, BPF_SRC, BPF_X, BPF_K, BPF_JMP, BPF_JMP32, BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE,
  BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE, BPF_CLASS, BPF_JCOND, BPF_MAY_GOTO,
} from '../isa/opcodes';
import { checkReservedFields } from './reserved_fields';
import { ReservedRule } from '../isa/reserved';
import { VerifierEnv, curFrame, fail, notModelled, logOn } from './env';
import { readReg, markPrecise, ptrWith } from './regs';
import {
  RegState, VState, PointerReg, PTR_MAYBE_NULL, PTR_TRUSTED, PTR_UNTRUSTED, isPointer, isPktPointer, scalarReg, cloneState, mapEachReg,
  ptrReg, mapRef, withSpilled, ScalarReg, immScalarReg, constScalarReg,
} from './state';
import { Scalar, isBranchTaken, regSetMinMax, regSetMinMaxDst, syncLinkedScalar } from './scalar_bridge';
import { flipOpcode, scalarIsConst, scalarConstValue } from './scalar';
import { scalarSameValuePrecise, scalarWithIdOf } from './scalar/scalar';
import { isPktBranchTaken, tryMatchPktPointers } from './pkt';
import { BPF_MAP_TYPE_XSKMAP, BPF_MAP_TYPE_SOCKMAP, BPF_MAP_TYPE_SOCKHASH } from './types';
import { pushStack, pushOwnedState } from './states';
import { LinkedReg, recordLinkedRegs } from './precision';
import { printInsnState } from './print';
import { frameInsnIdx } from './states_equal';
import { transferEpoch } from './scalar/alu';

/** The conditional jump ops, as a bit mask indexed by BPF_OP >> 4. */
const COND_OPS = [BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE]
  .reduce((m, op) => m | (1 << (op >> 4)), 0);
const isCondOp = (op: number): boolean => ((COND_OPS >> (op >> 4)) & 1) === 1;
/** The reserved-field rules of the jumps (built once, not per instruction). */
const JA_RULES: readonly ReservedRule[] = ['BPF_JA'];
const COND_RULES: readonly ReservedRule[] = ['BPF_JMP/JMP32'];

/** BPF_JA (off) and BPF_JMP32 BPF_JA (gotol, imm); returns the target. */
export function checkJa(env: VerifierEnv, insn: Insn): number {
  const cls = BPF_CLASS(insn.code);
  checkReservedFields(env, insn, JA_RULES);
  return env.insnIdx + (cls === BPF_JMP ? insn.off : insn.imm) + 1;
}

/** sync_linked_regs: every collected register and spilled scalar with `known`'s id takes its refined value. */
function syncLinked(st: VState, known: Scalar, linked: readonly LinkedReg[]): void {
  if (!known.id) return;
  for (const e of linked) {
    const f = st.frames[e.fr];
    if (e.isReg) {
      const r = f.regs[e.regno];
      if (r.type === 'scalar' && r.s.id === known.id) f.regs[e.regno] = scalarReg(syncLinkedScalar(r.s, known));
    } else {
      const sl = f.stack[e.regno];
      if (sl?.spilled && sl.spilled.type === 'scalar' && sl.spilled.s.id === known.id) f.stack[e.regno] = withSpilled(sl, scalarReg(syncLinkedScalar(sl.spilled.s, known)));
    }
  }
}

/** reg_not_null: pointer types that are never NULL unless marked maybe-null. */
function regNotNull(r: PointerReg): boolean {
  if (r.flags & PTR_MAYBE_NULL) return false;
  switch (r.type) {
    case 'sock': case 'tcp_sock': case 'map_value': case 'map_key': case 'sock_common': case 'map_ptr': return true;
    case 'btf_id': return (r.flags & PTR_TRUSTED) !== 0;
    case 'mem': return (r.flags & PTR_UNTRUSTED) === 0;
    default: return false;
  }
}

/** is_branch_taken with pointers: packet pointers against pkt_end, non-NULL pointers against 0. */
function isBranchTakenWithPtr(dst: RegState, src: RegState, op: number, jmp32: boolean): number {
  if ((isPktPointer(dst) || dst.type === 'pkt_end') && (isPktPointer(src) || src.type === 'pkt_end') && !jmp32) {
    return isPktBranchTaken(dst, src, op, flipOpcode);
  }
  // Linux 6.18 decides no 32-bit comparison of a pointer: the low half of a non-NULL pointer may be 0
  if (jmp32) return -1;
  let p = dst, k = src;
  if (!(k.type === 'scalar' && scalarIsConst(k.s, false))) { op = flipOpcode(op); [p, k] = [k, p]; }
  if (!(k.type === 'scalar' && scalarIsConst(k.s, false)) || !isPointer(p) || !regNotNull(p)) return -1;
  if (scalarConstValue(k.s, false) !== 0n) return -1;
  return op === BPF_JEQ ? 0 : op === BPF_JNE ? 1 : -1;
}

/**
 * mark_ptr_or_null_regs: after `if rX == 0` on a maybe-null pointer, every register
 * sharing its id is NULL (a scalar 0) on one branch and the pointer on the other.
 */
function markPtrOrNullRegs(st: VState, regno: number, isNull: boolean): void {
  const r = st.frames[st.curframe].regs[regno];
  if (!isPointer(r)) return;
  const { id, refObjId } = r;
  if (refObjId && refObjId === id && isNull) st.refs = st.refs.filter((x) => x.id !== id);
  mapEachReg(st, (x) => {
    if (!isPointer(x) || !(x.flags & PTR_MAYBE_NULL) || x.id !== id) return x;
    if (isNull) return constScalarReg(0n, false); // the shared zero (registers are values)
    return markPtrNotNull(x);
  });
}

/** mark_ptr_not_null_reg, and the id kept only where a spin lock may be behind it. */
function markPtrNotNull(x: PointerReg): RegState {
  if (x.type === 'map_value') {
    const m = x.map;
    // the inner template (bpf_map_meta_alloc) has no name: the log prints map_ptr(ks=..,vs=..)
    if (m.inner) return ptrReg('map_ptr', { map: mapRef({ ...m.inner, name: '' }, m.fd) });
    if (m.type === BPF_MAP_TYPE_XSKMAP) return ptrReg('xdp_sock', {}, { refObjId: x.refObjId });
    if (m.type === BPF_MAP_TYPE_SOCKMAP || m.type === BPF_MAP_TYPE_SOCKHASH) return ptrReg('sock', {}, { refObjId: x.refObjId });
    let keepId = false;
    for (const f of m.fields ?? []) if (f.kind === 'bpf_spin_lock' || f.kind === 'bpf_res_spin_lock') keepId = true;
    return ptrWith(x, x.off, x.v, keepId ? x.id : 0, x.flags & ~PTR_MAYBE_NULL, 0);
  }
  return ptrWith(x, x.off, x.v, 0, x.flags & ~PTR_MAYBE_NULL, isPktPointer(x) ? x.range : 0);
}

/** check_cond_jmp_op; returns the index to continue at (the target when the branch is always taken). */
export function checkCondJmpOp(env: VerifierEnv, insn: Insn, is64: boolean): number {
  const op = BPF_OP(insn.code);
  if (!isCondOp(op)) fail(env, 'EINVAL', 'unknownOpcode', [insn.code]);
  const isX = BPF_SRC(insn.code) === BPF_X;
  const dst = readReg(env, insn.dst);
  let src: RegState;
  if (isX) {
    checkReservedFields(env, insn, COND_RULES);
    src = readReg(env, insn.src);
    const pktPair = (isPktPointer(dst) || dst.type === 'pkt_end') && (isPktPointer(src) || src.type === 'pkt_end');
    if (!pktPair && isPointer(src) && env.input.unprivileged) fail(env, 'EACCES', 'ptrComparisonProhibited', [insn.src]);
  } else {
    checkReservedFields(env, insn, COND_RULES);
    src = immScalarReg(insn.imm);
  }
  const jmp32 = !is64;
  const hasPtr = isPointer(dst) || isPointer(src);
  const taken = hasPtr ? isBranchTakenWithPtr(dst, src, op, jmp32)
    : isBranchTaken((dst as RegState & { type: 'scalar' }).s, (src as RegState & { type: 'scalar' }).s, op, jmp32);
  const idx = env.insnIdx;
  const target = idx + insn.off + 1;
  if (taken >= 0) {
    if (!isPointer(dst)) markPrecise(env, insn.dst);
    if (isX && !isPointer(src)) markPrecise(env, insn.src);
  }
  if (taken === 1 || taken === 0) {
    if (logOn(env)) printInsnState(env);
    return taken === 1 ? target : idx + 1;
  }
  const linked = collectLinkedRegs(env, isX && src.type === 'scalar' ? src.s.id : 0, dst.type === 'scalar' ? dst.s.id : 0);
  const other = cloneState(env.cur);
  if (dst.type === 'scalar' && src.type === 'scalar') splitScalars(env, insn, other, dst.s, src.s, jmp32, linked);
  else pointerBranches(env, insn, other, dst, src, jmp32);
  pushOwnedState(env, target, idx, other, 'EFAULT');
  if (logOn(env)) printInsnState(env);
  return idx + 1;
}

/**
 * collect_linked_regs: the scalars sharing the compared registers' ids, recorded in the
 * jump history before the branch is pushed (precision marks follow them together). Only
 * registers live before the frame's instruction count (Linux 6.18.y stable: a dead copy is
 * neither refined by the branch nor marked precise with it); spilled scalars always do.
 */
function collectLinkedRegs(env: VerifierEnv, srcId: number, dstId: number): readonly LinkedReg[] {
  if (!srcId && !dstId) return NO_LINKED; // nothing to collect, and fewer than 2 entries record nothing
  const linked: LinkedReg[] = [];
  const st = env.cur;
  for (const id of [srcId, dstId]) {
    if (!id) continue;
    for (let fr = st.curframe; fr >= 0; fr--) {
      const f = st.frames[fr];
      // only registers live before the frame's instruction (Linux 6.18: live_regs_before)
      const live = env.liveRegs[frameInsnIdx(st, env.insnIdx, fr)] ?? 0xffff;
      f.regs.forEach((r, regno) => {
        if (regno < 10 && (live & (1 << regno)) && r.type === 'scalar' && r.s.id === id) linked.push({ fr, regno, isReg: true });
      });
      f.stack.forEach((sl, spi) => {
        if (sl.types[7] === 'r' && sl.spilled?.type === 'scalar' && sl.spilled.s.id === id) linked.push({ fr, regno: spi, isReg: false });
      });
    }
  }
  recordLinkedRegs(env, linked);
  return linked;
}

const NO_LINKED: readonly LinkedReg[] = [];

/** reg_set_min_max on both branches, then sync_linked_regs. */
function splitScalars(env: VerifierEnv, insn: Insn, other: VState, d: Scalar, s: Scalar, jmp32: boolean, linked: readonly LinkedReg[]): void {
  const isX = BPF_SRC(insn.code) === BPF_X;
  const m = splitRegs(env, insn, d, s, jmp32, isX);
  const of = other.frames[other.curframe];
  of.regs[insn.dst] = m.trueDst;
  if (m.trueSrc) of.regs[insn.src] = m.trueSrc;
  const cf = curFrame(env);
  cf.regs[insn.dst] = m.falseDst;
  if (m.falseSrc) cf.regs[insn.src] = m.falseSrc;
  syncLinked(other, m.trueDst.s, linked);
  syncLinked(env.cur, m.falseDst.s, linked);
  if (m.trueSrc && m.falseSrc) { syncLinked(other, m.trueSrc.s, linked); syncLinked(env.cur, m.falseSrc.s, linked); }
}

/**
 * reg_set_min_max's branch registers, remembered per conditional jump (4 operand pairs):
 * pure, and scalars are values, so a branch explosion that compares the same objects
 * again gets the same registers (shared between the states, as any unchanged register
 * is), and operands with the same values and other ids get them with their own ids
 * (refinement and reg_bounds_sync never change ids).
 */
interface Split {
  readonly d: Scalar;
  readonly s: Scalar;
  readonly trueDst: ScalarReg;
  readonly falseDst: ScalarReg;
  readonly trueSrc: ScalarReg | null;
  readonly falseSrc: ScalarReg | null;
}
const SPLIT_WAYS = 4;
/** The splits remembered for one jump in one verification (transferEpoch: instructions do not change during one). */
interface Splits {
  readonly epoch: number;
  next: number;
  readonly ways: Split[];
}
/** By instruction index (an array read costs a tenth of a WeakMap's; the epoch tells another verification's). */
const SPLITS: (Splits | undefined)[] = [];

/** reg_set_min_max's branch registers of `d op s` (from SPLITS when it has them). */
function splitRegs(env: VerifierEnv, insn: Insn, d: Scalar, s: Scalar, jmp32: boolean, isX: boolean): Split {
  const idx = env.insnIdx;
  let memo = SPLITS[idx];
  const epoch = transferEpoch();
  // from another verification (of another program, or one a loader patched): forgotten
  if (memo !== undefined && memo.epoch !== epoch) memo = undefined;
  if (memo !== undefined) {
    for (const w of memo.ways) if (w.d === d && w.s === s) return w;
    for (const w of memo.ways) if (scalarSameValuePrecise(w.d, d) && scalarSameValuePrecise(w.s, s)) return splitWithIds(w, d, s);
  }
  // BPF_K: the refined fake source register is never read
  const b = isX ? regSetMinMax(d, s, BPF_OP(insn.code), jmp32, insn.src === insn.dst) : regSetMinMaxDst(d, s, BPF_OP(insn.code), jmp32);
  const srcs = 'trueSrc' in b ? b : null;
  const w: Split = {
    d, s, trueDst: scalarReg(b.trueDst) as ScalarReg, falseDst: scalarReg(b.falseDst) as ScalarReg,
    trueSrc: srcs ? scalarReg(srcs.trueSrc) as ScalarReg : null, falseSrc: srcs ? scalarReg(srcs.falseSrc) as ScalarReg : null,
  };
  if (memo === undefined) {
    SPLITS[idx] = { epoch, next: 1, ways: [w] };
  } else {
    memo.ways[memo.next] = w;
    memo.next = (memo.next + 1) % SPLIT_WAYS;
  }
  return w;
}

/** A remembered split for operands of the same values: the registers with the ids of `d` and `s`. */
function splitWithIds(w: Split, d: Scalar, s: Scalar): Split {
  const reg = (r: ScalarReg, from: Scalar): ScalarReg => {
    const x = scalarWithIdOf(r.s, from);
    return x === r.s ? r : scalarReg(x) as ScalarReg;
  };
  return {
    d, s, trueDst: reg(w.trueDst, d), falseDst: reg(w.falseDst, d),
    trueSrc: w.trueSrc && reg(w.trueSrc, s), falseSrc: w.falseSrc && reg(w.falseSrc, s),
  };
}

/** The branches of a comparison involving a pointer: nullness, packet ranges, or nothing learnt. */
function pointerBranches(env: VerifierEnv, insn: Insn, other: VState, dst: RegState, src: RegState, jmp32: boolean): void {
  const op = BPF_OP(insn.code);
  const isX = BPF_SRC(insn.code) === BPF_X;
  // the scalar side still learns nothing: reg_set_min_max skips pointers
  if (!jmp32 && isX && isPointer(src) && isPointer(dst) && mayBeNull(src) !== mayBeNull(dst)
    && src.type !== 'btf_id' && dst.type !== 'btf_id' && (op === BPF_JEQ || op === BPF_JNE)) {
    const st = op === BPF_JEQ ? other : env.cur;
    const f = st.frames[st.curframe];
    const regno = mayBeNull(src) ? insn.src : insn.dst;
    const r = f.regs[regno];
    if (isPointer(r)) f.regs[regno] = markPtrNotNull(r);
  }
  if (!jmp32 && !isX && insn.imm === 0 && (op === BPF_JEQ || op === BPF_JNE) && mayBeNull(dst)) {
    markPtrOrNullRegs(env.cur, insn.dst, op === BPF_JNE);
    markPtrOrNullRegs(other, insn.dst, op === BPF_JEQ);
  } else if (!tryMatchPktPointers(insn, dst, src, env.cur, other) && isPointer(dst) && env.input.unprivileged) {
    fail(env, 'EACCES', 'ptrComparisonProhibited', [insn.dst]);
  }
}

const mayBeNull = (r: RegState): boolean => isPointer(r) && (r.flags & PTR_MAYBE_NULL) !== 0;

/**
 * BPF_JCOND may_goto: the fall-through is explored later (with one more level of
 * may_goto depth), the walk goes on at the target. Loops bounded by may_goto need the
 * kernel's state widening and pruning, which the model does not have.
 */
export function checkMayGoto(env: VerifierEnv, insn: Insn): number {
  if (insn.code !== (BPF_JMP | BPF_JCOND) || insn.src !== BPF_MAY_GOTO || insn.dst !== 0 || insn.imm !== 0) {
    fail(env, 'EINVAL', 'invalidMayGoto', [insn.imm]);
  }
  if (env.loopHeads.size) notModelled(env, 'may_goto in a program with loops');
  const idx = env.insnIdx;
  pushStack(env, idx + 1, idx, env.cur);
  return idx + insn.off + 1;
}
