// State equivalence (kernel/bpf/verifier.c): states_equal over the frames
// (func_states_equal: live registers by regsafe, the stack by stacksafe), refsafe
// over held references and locks, check_ids / check_scalar_ids with their id map,
// range_within + tnum_in for scalars and offset pointers, and the three levels:
// NOT_EXACT (pruning: imprecise scalars and unused registers match anything),
// RANGE_WITHIN (loops whose marks are not final: every scalar's range must be
// contained) and EXACT (the infinite-loop check). states_maybe_looping too.
import { MAX_BPF_REG } from '../isa/opcodes';
import { RegState, VState, FuncState, StackSlot, RefState, BPF_REG_SIZE, isPointer, isRegionRef, PointerReg, ScalarReg, PtrOf, UNKNOWN_SCALAR_REG, INVALID_STACK_SLOT } from './state';
import { scalarSubsumes, scalarSameValue } from './scalar';

export type ExactLevel = 'not_exact' | 'exact' | 'range_within';

/**
 * struct bpf_idmap: old id -> cur id pairs (flat, in pairing order; the first `cnt` numbers
 * of `pairs` are in use), and the generator of temporary ids for check_scalar_ids.
 */
export interface IdMap { pairs: number[]; cnt: number; tmpGen: number }

export const newIdMap = (idGen: number): IdMap => ({ pairs: [], cnt: 0, tmpGen: idGen });

/**
 * One IdMap emptied for each comparison (states_equal does not nest, nor does widen_imprecise_scalars
 * with it): no allocation per comparison.
 */
const SCRATCH_IDS: IdMap = newIdMap(0);
export function scratchIdMap(idGen: number): IdMap {
  SCRATCH_IDS.cnt = 0;
  SCRATCH_IDS.tmpGen = idGen;
  return SCRATCH_IDS;
}

/** check_ids: both zero, or a consistent one-to-one pairing of old and current ids. */
export function checkIds(oldId: number, curId: number, m: IdMap): boolean {
  if (!oldId !== !curId) return false;
  if (!oldId) return true;
  const p = m.pairs, n = m.cnt;
  for (let i = 0; i < n; i += 2) {
    if (p[i] === oldId) return p[i + 1] === curId;
    if (p[i + 1] === curId) return false;
  }
  p[n] = oldId;
  p[n + 1] = curId;
  m.cnt = n + 2;
  return true;
}

/** check_scalar_ids: a zero id is a unique temporary one. */
function checkScalarIds(oldId: number, curId: number, m: IdMap): boolean {
  return checkIds(oldId || ++m.tmpGen, curId || ++m.tmpGen, m);
}

/** The type-specific fields a pointer carries besides its offsets and ids (map, range, BTF type, size, ...). */
function ptrExtraEqual(o: PointerReg, c: PointerReg): boolean {
  if (o.type !== c.type || o.flags !== c.flags) return false;
  switch (o.type) {
    case 'stack': return o.frameno === (c as typeof o).frameno;
    case 'map_ptr': case 'map_value': case 'map_key': return o.map.fd === (c as typeof o).map.fd;
    case 'pkt': case 'pkt_meta': return o.range === (c as typeof o).range;
    case 'btf_id': { const b = (c as typeof o).btf; return o.btf.id === b.id && o.btf.vmlinux === b.vmlinux; }
    case 'mem': return o.size === (c as typeof o).size;
    case 'func': return o.subprogno === (c as typeof o).subprogno;
    default: return true;
  }
}

/** regs_exact: the same register up to a renaming of ids. */
function regsExact(o: RegState, c: RegState, m: IdMap): boolean {
  if (o.type !== c.type) return false;
  if (o.type === 'not_init') return true;
  if (o.type === 'scalar') {
    const cs = (c as typeof o).s;
    return scalarSameValue(o.s, cs) && o.s.addConst === cs.addConst && checkIds(o.s.id, cs.id, m);
  }
  const cp = c as PointerReg;
  return ptrExtraEqual(o, cp) && o.off === cp.off && scalarSameValue(o.v, cp.v) && checkIds(o.id, cp.id, m) && checkIds(o.refObjId, cp.refObjId, m);
}

/** The same register value in both states (registers are shared values): only its ids need pairing. */
function sameRegIds(r: RegState, type: RegState['type'], m: IdMap): boolean {
  if (type === 'not_init') return true;
  if (type === 'scalar') { const id = (r as ScalarReg).s.id; return checkIds(id, id, m); }
  const p = r as PointerReg;
  return checkIds(p.id, p.id, m) && checkIds(p.refObjId, p.refObjId, m);
}

/**
 * regsafe: whether `o` being safe implies `c` is. The register types are read once (`ot`, `ct`):
 * a register's `type` is a megamorphic load (one object shape per pointer kind), not merged by V8.
 */
export function regsafe(o: RegState, c: RegState, m: IdMap, exact: ExactLevel, allPrecise: boolean): boolean {
  const ot = o.type;
  if (o === c && (ot !== 'scalar' || !allPrecise)) return sameRegIds(o, ot, m);
  if (exact === 'exact') return regsExact(o, c, m);
  const ct = c.type;
  if (ot === 'not_init') return exact === 'not_exact' || ct === 'not_init';
  if (ot !== ct) return false;
  if (ot === 'scalar') {
    const os = (o as ScalarReg).s, cs = (c as ScalarReg).s;
    if (allPrecise) return scalarSameValue(os, cs) && os.addConst === cs.addConst && checkScalarIds(os.id, cs.id, m);
    if (!os.precise && exact === 'not_exact') return true;
    if (os.addConst !== cs.addConst) return false;
    if (os.addConst && os.delta !== cs.delta) return false;
    return scalarSubsumes(os, cs) && checkScalarIds(os.id, cs.id, m);
  }
  const op = o as PointerReg, cp = c as PointerReg;
  switch (ot) {
    case 'map_key': case 'map_value': case 'mem': case 'buf': case 'tp_buffer':
      return ptrExtraEqual(op, cp) && op.off === cp.off && scalarSubsumes(op.v, cp.v)
        && checkIds(op.id, cp.id, m) && checkIds(op.refObjId, cp.refObjId, m);
    case 'pkt': case 'pkt_meta': {
      const or = o as PtrOf<'pkt' | 'pkt_meta'>, cr = c as PtrOf<'pkt' | 'pkt_meta'>;
      if (or.range > cr.range || or.off !== cr.off || or.flags !== cr.flags) return false;
      if (!checkIds(or.id, cr.id, m)) return false;
      return scalarSubsumes(or.v, cr.v);
    }
    default:
      return regsExact(o, c, m);
  }
}

/** unbound_reg: an unknown imprecise scalar. */
const UNBOUND: RegState = UNKNOWN_SCALAR_REG;

/** scalar_reg_for_stack: a 64-bit spilled scalar, or an unbound scalar for a slot of misc (or, privileged, uninitialised) bytes. */
function scalarForStack(sl: StackSlot, allowUninit: boolean): RegState | null {
  if (sl.types[0] === 'r' && sl.spilled?.type === 'scalar') return sl.spilled;
  // a loop, not every() with a closure: a closure of allowUninit would be made per call
  const types = sl.types;
  for (let b = 0; b < BPF_REG_SIZE; b++) if (types[b] !== 'm' && (types[b] !== '?' || !allowUninit)) return null;
  return UNBOUND;
}


/** stacksafe: the explored stack's used slots are matched by the current one. */
/** stacksafe for slot `spi` of the explored stack. */
function slotSafe(old: FuncState, cur: FuncState, spi: number, m: IdMap, exact: ExactLevel, allowUninit: boolean, allPrecise: boolean): boolean {
  const curSlots = cur.stack.length;
  const os = old.stack[spi], cs = spi < curSlots ? cur.stack[spi] : INVALID_STACK_SLOT;
  // scalar_reg_for_stack of both slots: the same for every byte of the slot, found at its first used byte
  let regs: 0 | 1 | 2 = 0, oreg: RegState | null = null, creg: RegState | null = null;
  for (let b = 0; b < BPF_REG_SIZE; b++) {
    const ot = os.types[b];
    if (exact !== 'not_exact' && (spi >= curSlots || ot !== cs.types[b])) return false;
    if (ot === '?') continue;
    if (allowUninit && ot === 'm') continue;
    if (spi >= curSlots) return false;
    if (!regs) {
      oreg = scalarForStack(os, allowUninit);
      creg = oreg ? scalarForStack(cs, allowUninit) : null;
      regs = oreg && creg ? 2 : 1;
    }
    if (regs === 2) return regsafe(oreg!, creg!, m, exact, allPrecise);
    const ct = cs.types[b];
    if (ot === 'm' && ct === '0') continue;
    if (ot !== ct) return false;
    if (b !== BPF_REG_SIZE - 1) continue;
    const top = os.types[BPF_REG_SIZE - 1];
    if (top === 'r') {
      if (!os.spilled || !cs.spilled || !regsafe(os.spilled, cs.spilled, m, exact, allPrecise)) return false;
    } else if (top === 'i') {
      // STACK_ITER: the same iterator type and state, its reference up to ids (the depth is not compared)
      const oi = os.obj, ci = cs.obj;
      if (oi?.kind !== 'iter' || ci?.kind !== 'iter' || oi.name !== ci.name || oi.first !== ci.first || oi.state !== ci.state
        || !checkIds(oi.refObjId, ci.refObjId, m)) return false;
    } else if (top !== 'm' && top !== '0' && top !== '?') {
      return false; // slot kinds not compared here are never equal
    }
  }
  return true;
}

/** stacksafe: the explored stack's used slots are matched by the current one; returns the first slot that is not, or -1. */
function stacksafe(old: FuncState, cur: FuncState, m: IdMap, exact: ExactLevel, allowUninit: boolean, allPrecise: boolean): number {
  for (let spi = 0; spi < old.stack.length; spi++) if (!slotSafe(old, cur, spi, m, exact, allowUninit, allPrecise)) return spi;
  return -1;
}

/** The number of entries of `kind` (the RCU section flag, the preemption nesting count). */
const regionDepth = (st: VState, kind: RefState['kind']): number => st.refs.reduce((n, r) => n + (r.kind === kind ? 1 : 0), 0);

/**
 * refsafe, with states_equal's comparison of active_rcu_lock and active_preempt_locks:
 * the same sections, and the same references (up to ids) and locks in the same order.
 */
function refsafe(old: VState, cur: VState, m: IdMap): boolean {
  if (!old.refs.length && !cur.refs.length) return true;
  if (!old.refs.some(isRegionRef) && !cur.refs.some(isRegionRef)) return sameRefs(old.refs, cur.refs, m);
  if (regionDepth(old, 'rcu') !== regionDepth(cur, 'rcu') || regionDepth(old, 'preempt') !== regionDepth(cur, 'preempt')) return false;
  return sameRefs(old.refs.filter((r) => !isRegionRef(r)), cur.refs.filter((r) => !isRegionRef(r)), m);
}

/** The references and locks (no region entries) of both states are the same, in the same order, up to ids. */
function sameRefs(oldRefs: readonly RefState[], curRefs: readonly RefState[], m: IdMap): boolean {
  if (oldRefs.length !== curRefs.length) return false;
  for (let i = 0; i < oldRefs.length; i++) {
    const o = oldRefs[i], c = curRefs[i];
    if (o.kind !== c.kind || !checkIds(o.id, c.id, m)) return false;
    if (o.kind === 'lock' && o.obj !== c.obj) return false;
  }
  return true;
}

/** What the comparison needs besides the two states. */
export interface EqualCtx {
  /** live_regs_before per instruction (bit n = Rn). */
  liveRegs: readonly number[];
  idGen: number;
  /** bpf_capable: uninitialised stack reads are allowed, and scalars are imprecise unless marked. */
  privileged: boolean;
}

/** frame_insn_idx: where frame `i` of a state stands (its call instruction for the outer frames). */
export const frameInsnIdx = (st: VState, insnIdx: number, i: number): number => (i === st.curframe ? insnIdx : st.frames[i + 1].callsite);

/**
 * Where an explored state last differed from a current one (a register: its frame << 4 |
 * regno; a stack slot: MISS_SLOT | frame << 8 | spi; -1: nowhere yet): the next comparison
 * tests that register or slot first. The result does not
 * depend on the order: states_equal is the conjunction of its checks, and a register (or slot)
 * that is unsafe with no ids paired yet is unsafe whatever ids are paired before it.
 */
export interface MissHint {
  missAt: number;
  /**
   * The explored state's register at `missAt` when it was found there (null for a slot): tested without reading the
   * explored state. The register there may since have been replaced by its precise copy (precision marks; cleaning
   * never takes a live register), equal but for reg->precise: the kept one can only find the states equal where the
   * explored state's would not (the full comparison then answers), never the reverse.
   */
  missReg: RegState | null;
}

/** A MissHint at a stack slot: MISS_SLOT | frame << 8 | spi (a register's is frame << 4 | regno). */
const MISS_SLOT = 0x10000;

/**
 * The register or stack slot of `miss` alone, with no ids paired, makes the states differ. A register is compared
 * as `miss.missReg`, live where the current state's frame stands: the explored state is not read at all (where the
 * states have other frame counts or call sites, they differ anyway).
 */
function missedBefore(ctx: EqualCtx, old: VState, cur: VState, insnIdx: number, exact: ExactLevel, miss: MissHint): boolean {
  const at = miss.missAt;
  if (at & MISS_SLOT) {
    const fr = (at >> 8) & 0xff, spi = at & 0xff;
    if (fr > cur.curframe || fr > old.curframe) return false;
    const fo = old.frames[fr];
    return spi < fo.stack.length && !slotSafe(fo, cur.frames[fr], spi, scratchIdMap(ctx.idGen), exact, ctx.privileged, !ctx.privileged);
  }
  const fr = at >> 4, r = at & 15;
  if (fr > cur.curframe) return false;
  const live = ctx.liveRegs[frameInsnIdx(cur, insnIdx, fr)] ?? 0xffff;
  return (live & (1 << r)) !== 0 && !regsafe(miss.missReg!, cur.frames[fr].regs[r], scratchIdMap(ctx.idGen), exact, !ctx.privileged);
}

/** states_equal of an explored state at `insnIdx` and the current one. */
export function statesEqual(ctx: EqualCtx, old: VState, cur: VState, insnIdx: number, exact: ExactLevel, miss?: MissHint): boolean {
  // where the states last differed first, then the checks of each frame that need no register (a conjunction:
  // the order does not change the answer)
  if (miss && miss.missAt >= 0 && missedBefore(ctx, old, cur, insnIdx, exact, miss)) return false;
  if (old.curframe !== cur.curframe) return false;
  for (let i = 0; i <= old.curframe; i++) {
    const fo = old.frames[i], fc = cur.frames[i];
    if (fo.callsite !== fc.callsite || fo.callbackDepth > fc.callbackDepth) return false;
  }
  const m = scratchIdMap(ctx.idGen);
  if (!refsafe(old, cur, m)) return false;
  for (let i = 0; i <= old.curframe; i++) {
    // func_states_equal
    const fo = old.frames[i], fc = cur.frames[i];
    const live = ctx.liveRegs[frameInsnIdx(old, insnIdx, i)] ?? 0xffff;
    for (let r = 0; r < MAX_BPF_REG; r++) {
      if ((live & (1 << r)) && !regsafe(fo.regs[r], fc.regs[r], m, exact, !ctx.privileged)) {
        if (miss) { miss.missAt = (i << 4) | r; miss.missReg = fo.regs[r]; }
        return false;
      }
    }
    const spi = stacksafe(fo, fc, m, exact, ctx.privileged, !ctx.privileged);
    if (spi >= 0) {
      if (miss) { miss.missAt = MISS_SLOT | (i << 8) | spi; miss.missReg = null; }
      return false;
    }
  }
  return true;
}

/** states_maybe_looping: the current frame's registers are bit for bit the old ones. */
export function statesMaybeLooping(old: VState, cur: VState): boolean {
  if (old.curframe !== cur.curframe) return false;
  const fo = old.frames[cur.curframe], fc = cur.frames[cur.curframe];
  for (let i = 0; i < MAX_BPF_REG; i++) {
    const o = fo.regs[i], c = fc.regs[i];
    if (o === c) continue; // registers are values: the same object is the same bits
    if (o.type !== c.type) return false;
    if (o.type === 'scalar') {
      const cs = (c as typeof o).s;
      if (!scalarSameValue(o.s, cs) || o.s.id !== cs.id || o.s.addConst !== cs.addConst) return false;
    } else if (isPointer(o)) {
      const cp = c as PointerReg;
      if (!ptrExtraEqual(o, cp) || o.off !== cp.off || !scalarSameValue(o.v, cp.v) || o.id !== cp.id || o.refObjId !== cp.refObjId) return false;
    }
  }
  return true;
}
