// Precision tracking (kernel/bpf/verifier.c): mark_chain_precision and
// __mark_chain_precision walk the current state's instruction history backwards
// (backtrack_insn with the backtrack_state masks per frame, bt_sync_linked_regs for
// registers a conditional jump refined together), then the history of each parent
// checkpoint, marking the wanted scalars precise in those checkpoints;
// mark_all_scalars_precise is the fallback when the walk cannot follow;
// propagate_precision hands an equal old state's precise scalars to the pruned
// current one. The current state itself is never marked (the kernel does not either).
// The level-2 lines are the kernel's (`mark_precise: frame0: ...`).
import { Insn, isPseudoCall } from '../isa/insn';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_MODE, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32,
  BPF_X, BPF_MOV, BPF_END, BPF_NEG, BPF_EXIT, BPF_CALL, BPF_ABS, BPF_IND, BPF_REG_FP, BPF_PSEUDO_KFUNC_CALL, MAX_BPF_REG,
  BPF_ATOMIC, BPF_FETCH, BPF_CMPXCHG,
} from '../isa/opcodes';
import { disasmInsn } from '../isa/disasm';
import { verbose, BPF_LOG_LEVEL2 } from './log';
import { FuncState, VState, RegState, StackSlot, BPF_REG_SIZE, formatFuncState, withSpilled, cloneFunc, smallConstScalarReg } from './state';
import { VerifierEnv, JMP_POINT, MAX_CALL_FRAMES, kfuncName } from './env';
import type { Checkpoint } from './states';
import { findSubprog } from './subprogs';
import { BPF_FUNC_TAIL_CALL } from './helper_protos';
import { scalarWithPrecise, Scalar } from './scalar';
import { transferEpoch } from './scalar/alu';

/** A register or spilled slot a conditional jump refined with its linked scalars (struct linked_reg). */
export interface LinkedReg { fr: number; regno: number; isReg: boolean }

/**
 * One entry of the current state's history (struct bpf_jmp_history_entry), newest first
 * (a persistent list: a branch shares it in O(1)). Only some executed instructions have
 * one, as in the kernel: an instruction reached from elsewhere than the one before it
 * (its previous instruction, what get_prev_insn_idx follows), the first instruction after a
 * checkpoint (so the walk knows where the history ends), jump points, spills and fills of a
 * stack slot (INSN_F_STACK_ACCESS, slot and frame) and conditional jumps that refined linked
 * scalars together. The instructions between entries ran one after the other. An entry is
 * in the kernel's jmp_history (counts in jmp_history_cnt) when its HIST flag is set.
 *
 * An entry is a number: its row in HISTORY, this verification's table of entries (the
 * kernel's jmp_history is an array of small structs too). The table is kept from one
 * verification to the next: its rows are recycled, not allocated (a branch explosion makes
 * tens of thousands of entries).
 */
export type PathEntry = number;

/** A row of HISTORY: the entry's instruction, its previous instruction, the entry below it (-1: none), flags. */
const ROW = 4;
const R_IDX = 0, R_PREV_IDX = 1, R_PREV = 2, R_FLAGS = 3;
/** Row flags: in the kernel's jmp_history; has linked registers (in HISTORY.linked); above these bits, 1 + the stack access's frame * 64 + slot (0: none). */
const F_HIST = 1, F_LINKED = 2, F_STACK_SHIFT = 2;

const HISTORY = { rows: 0, t: new Int32Array(1024 * ROW), linked: new Map<PathEntry, LinkedReg[]>() };

/** A new verification: no entry yet (its rows and the linked registers of the last one are dropped). */
export function resetHistory(): void {
  HISTORY.rows = 0;
  if (HISTORY.linked.size !== 0) HISTORY.linked.clear();
}

/** A new history entry for instruction `idx` reached from `prevIdx`, on top of `prev`. */
export function pathEntry(idx: number, prevIdx: number, prev: PathEntry | null): PathEntry {
  const e = HISTORY.rows++;
  let t = HISTORY.t;
  if ((e + 1) * ROW > t.length) {
    const grown = new Int32Array(2 * t.length);
    grown.set(t);
    t = HISTORY.t = grown;
  }
  const o = e * ROW;
  t[o + R_IDX] = idx;
  t[o + R_PREV_IDX] = prevIdx;
  t[o + R_PREV] = prev ?? -1;
  t[o + R_FLAGS] = 0;
  return e;
}

/** Entry `e` is in the kernel's jmp_history (a jump point): it counts in jmp_history_cnt. */
export function setInJmpHistory(e: PathEntry): void {
  HISTORY.t[e * ROW + R_FLAGS] |= F_HIST;
}

const entryIdx = (e: PathEntry): number => HISTORY.t[e * ROW + R_IDX];

/**
 * The walk of the history `path` that stands before an execution of instruction `idx`
 * (skip_first: that instruction itself is not walked, whether it has an entry yet or not)
 * starts at this instruction (-1: the history is empty) ...
 */
function historyStart(idx: number, path: PathEntry | null): number {
  if (path === null) return -1;
  const t = HISTORY.t, o = path * ROW;
  if (t[o + R_IDX] !== idx) return idx - 1;
  return t[o + R_PREV] < 0 ? -1 : t[o + R_PREV_IDX];
}
/** ... with these entries not passed yet (get_prev_insn_idx passes `idx`'s own entry; -1: none). */
function historyEntries(idx: number, path: PathEntry | null): number {
  if (path === null) return -1;
  const o = path * ROW;
  return HISTORY.t[o + R_IDX] === idx ? HISTORY.t[o + R_PREV] : path;
}

/**
 * struct backtrack_state: registers and stack slots wanted precise, per frame. A frame's
 * stack mask (64 slots) is two 32-bit halves: `lo` for slots 0-31, `hi` for 32-63.
 */
interface Bt { frame: number; regs: number[]; lo: number[]; hi: number[] }

const ARGS = 0x3e;

const newBt = (frame: number): Bt => ({ frame, regs: [0, 0, 0, 0, 0, 0, 0, 0], lo: [0, 0, 0, 0, 0, 0, 0, 0], hi: [0, 0, 0, 0, 0, 0, 0, 0] });
/** The backtrack state of every walk: walks do not nest, so one is reset instead of allocating one per walk. */
const walkBt = newBt(0);
function freshBt(frame: number): Bt {
  walkBt.frame = frame;
  // a loop, not Array.prototype.fill: fill is a builtin call V8 does not inline (4.7% of loop_break's time)
  const { regs, lo, hi } = walkBt;
  for (let i = 0; i < 8; i++) { regs[i] = 0; lo[i] = 0; hi[i] = 0; }
  return walkBt;
}
/** No slot of frame `fr` is wanted. */
const slotsEmpty = (bt: Bt, fr: number): boolean => bt.lo[fr] === 0 && bt.hi[fr] === 0;
/** bt_empty: frames above `bt.frame` hold nothing (a walk leaves a callee's frame only empty). */
function btEmpty(bt: Bt): boolean {
  const { regs, lo, hi } = bt;
  // the current frame first: what is wanted is mostly there
  for (let i = bt.frame; i >= 0; i--) if ((regs[i] | lo[i] | hi[i]) !== 0) return false;
  return true;
}
const isReg = (bt: Bt, r: number): boolean => (bt.regs[bt.frame] & (1 << r)) !== 0;
const setReg = (bt: Bt, r: number, fr = bt.frame): void => { bt.regs[fr] |= 1 << r; };
const clearReg = (bt: Bt, r: number, fr = bt.frame): void => { bt.regs[fr] &= ~(1 << r); };
const setSlot = (bt: Bt, fr: number, spi: number): void => { if (spi < 32) bt.lo[fr] |= 1 << spi; else bt.hi[fr] |= 1 << (spi - 32); };
const isSlot = (bt: Bt, fr: number, spi: number): boolean => (spi < 32 ? bt.lo[fr] & (1 << spi) : bt.hi[fr] & (1 << (spi - 32))) !== 0;
const clearSlot = (bt: Bt, fr: number, spi: number): void => { if (spi < 32) bt.lo[fr] &= ~(1 << spi); else bt.hi[fr] &= ~(1 << (spi - 32)); };

/** fmt_reg_mask */
const fmtRegs = (m: number): string => { const o: string[] = []; for (let i = 0; i < 11; i++) if (m & (1 << i)) o.push(`r${i}`); return o.join(','); };
/** bpf_fmt_stack_mask of frame `fr` */
const fmtStack = (bt: Bt, fr: number): string => { const o: string[] = []; for (let i = 0; i < 64; i++) if (isSlot(bt, fr, i)) o.push(`${-(i + 1) * 8}`); return o.join(','); };

/** The walk's failure: -ENOTSUPP (or a case the kernel calls a verifier bug): force all scalars precise. */
const NOTSUPP = 'notsupp';
type BtResult = 'ok' | typeof NOTSUPP;

function syncLinked(bt: Bt, l: LinkedReg[]): void {
  const some = l.some((x) => (x.isReg ? (bt.regs[x.fr] & (1 << x.regno)) !== 0 : isSlot(bt, x.fr, x.regno)));
  if (!some) return;
  for (const x of l) if (x.isReg) setReg(bt, x.regno, x.fr); else setSlot(bt, x.fr, x.regno);
}

/** The subprog starting at `target` is a global one. */
function globalSubprogAt(env: VerifierEnv, target: number): boolean {
  const s = findSubprog(env.layout.subprogs, target);
  return s >= 0 && env.layout.subprogs[s].linkage === 'global';
}

/** backtrack_insn for a call or exit instruction. */
function backtrackCall(env: VerifierEnv, idx: number, m: number, subseq: number, bt: Bt): BtResult {
  const insn = env.insns[idx];
  if (BPF_OP(insn.code) === BPF_EXIT) {
    // back into a callback from its helper: the caller's R1-R5 stay wanted (as the 6.18 log shows);
    // back into a static subprog: its arguments should have been found already
    if (!(subseq >= 0 && env.callsCallback.has(subseq)) && bt.regs[bt.frame] & ARGS) return NOTSUPP;
    const r0 = subseq - 1 >= 0 && isPseudoCall(env.insns[subseq - 1]) && isReg(bt, 0);
    clearReg(bt, 0);
    if (bt.frame + 1 >= bt.regs.length) return NOTSUPP;
    bt.frame++;
    if (r0) setReg(bt, 0);
    return 'ok';
  }
  if (isPseudoCall(insn)) {
    if ((m & GLOBAL_CALL) !== 0) {
      if (bt.regs[bt.frame] & ARGS) return NOTSUPP;
      clearReg(bt, 0);
      return 'ok';
    }
    if (bt.regs[bt.frame] & ~ARGS || !slotsEmpty(bt, bt.frame) || bt.frame === 0) return NOTSUPP;
    // the wanted arguments R1-R5 move to the caller's frame
    bt.regs[bt.frame - 1] |= bt.regs[bt.frame] & ARGS;
    bt.regs[bt.frame] &= ~ARGS;
    bt.frame--;
    return 'ok';
  }
  if ((m & CALLS_CALLBACK) !== 0 && idx !== subseq - 1) {
    // leaving a callback's body backwards, to the helper that called it
    if (bt.regs[bt.frame] & ~ARGS || !slotsEmpty(bt, bt.frame) || bt.frame === 0) return NOTSUPP;
    bt.regs[bt.frame] &= ~ARGS;
    bt.frame--;
    return 'ok';
  }
  if (insn.src === BPF_PSEUDO_KFUNC_CALL && insn.imm === 0) return NOTSUPP;
  clearReg(bt, 0);
  if (bt.regs[bt.frame] & ARGS) return NOTSUPP;
  if (insn.src === 0 && insn.imm === BPF_FUNC_TAIL_CALL && subseq - idx !== 1) return NOTSUPP;
  return 'ok';
}

/** is_atomic_fetch_insn */
const atomicFetch = (insn: Insn): boolean =>
  BPF_CLASS(insn.code) === BPF_STX && BPF_MODE(insn.code) === BPF_ATOMIC && (insn.imm & BPF_FETCH) !== 0;

/**
 * backtrack_insn: what instruction `idx` (its mask `m`) needs precise before it, given what is
 * wanted after it; `e` is its history entry (-1 when it has none).
 */
function backtrackInsn(env: VerifierEnv, idx: number, m: number, e: number, subseq: number, bt: Bt): BtResult {
  const insn = env.insns[idx];
  const cls = BPF_CLASS(insn.code), op = BPF_OP(insn.code), x = BPF_SRC(insn.code) === BPF_X;
  const dreg = insn.dst, sreg = insn.src;
  const flags = e >= 0 ? HISTORY.t[e * ROW + R_FLAGS] : 0;
  // the stack access: 1 + frame * 64 + slot (0: none)
  const stack = flags >>> F_STACK_SHIFT, fr = (stack - 1) >> 6, spi = (stack - 1) & 63;
  const linked = flags & F_LINKED ? HISTORY.linked.get(e) : undefined;
  if (linked !== undefined) syncLinked(bt, linked);
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    if (!isReg(bt, dreg) || op === BPF_END || op === BPF_NEG) return 'ok';
    if (op === BPF_MOV) {
      clearReg(bt, dreg);
      if (x && sreg !== BPF_REG_FP) setReg(bt, sreg);
    } else if (x && sreg !== BPF_REG_FP) setReg(bt, sreg);
  } else if (cls === BPF_LDX || atomicFetch(insn)) {
    // an atomic fetch loads the old value into its source register (r0 for cmpxchg): a fill when on the stack
    const loadReg = cls === BPF_LDX ? dreg : insn.imm === BPF_CMPXCHG ? 0 : sreg;
    if (!isReg(bt, loadReg)) return 'ok';
    clearReg(bt, loadReg);
    if (stack === 0) return 'ok';
    setSlot(bt, fr, spi);
  } else if (cls === BPF_STX || cls === BPF_ST) {
    if (isReg(bt, dreg)) return NOTSUPP;
    if (stack === 0) return 'ok';
    if (!isSlot(bt, fr, spi)) return 'ok';
    clearSlot(bt, fr, spi);
    if (cls === BPF_STX) setReg(bt, sreg);
  } else if (cls === BPF_JMP || cls === BPF_JMP32) {
    if (op === BPF_CALL || op === BPF_EXIT) {
      const r = backtrackCall(env, idx, m, subseq, bt);
      if (r !== 'ok') return r;
    } else if (x && (isReg(bt, dreg) || isReg(bt, sreg))) {
      setReg(bt, sreg);
      setReg(bt, dreg);
    }
  } else if (cls === BPF_LD) {
    if (!isReg(bt, dreg)) return 'ok';
    clearReg(bt, dreg);
    const mode = BPF_MODE(insn.code);
    if (mode === BPF_IND || mode === BPF_ABS) return NOTSUPP;
  }
  if (linked !== undefined) syncLinked(bt, linked);
  return 'ok';
}

/** The scalar `r` marked precise (registers are values: a new one, or the shared one of a precise small constant). */
function precise(r: RegState): RegState {
  if (r.type !== 'scalar' || r.s.precise) return r;
  const s = scalarWithPrecise(r.s, true);
  // scalarWithPrecise shares its precise small constants, and smallConstScalarReg the register holding
  // one (branch explosions mark the same few constants precise in checkpoint after checkpoint)
  if (s.varOff.mask === 0n && s.id === 0 && s.varOff.value <= 0x7fff_ffffn) {
    const shared = smallConstScalarReg(Number(s.varOff.value), true);
    if (shared.type === 'scalar' && shared.s === s) return shared;
  }
  return { type: 'scalar', s };
}

/** Stack slots per frame (MAX_BPF_STACK / BPF_REG_SIZE). */
const MAX_SLOTS = 64;

/**
 * The precise copies made in this verification (transferEpoch), by position: the register's scalar
 * (frame * MAX_BPF_REG + regno) and the stack slot (frame * MAX_SLOTS + spi) last marked there,
 * and what each became. A walk marks the same value in parent after parent (a state's copy
 * shares its registers and slots), and registers and slots are values: the precise copy of
 * one is the same whichever state holds it, so one copy serves them all.
 */
const TWINS = {
  epoch: -1,
  regIn: new Array<Scalar | null>(MAX_CALL_FRAMES * MAX_BPF_REG).fill(null), regOut: new Array<RegState | null>(MAX_CALL_FRAMES * MAX_BPF_REG).fill(null),
  slotIn: new Array<StackSlot | null>(MAX_CALL_FRAMES * MAX_SLOTS).fill(null), slotOut: new Array<StackSlot | null>(MAX_CALL_FRAMES * MAX_SLOTS).fill(null),
  /** The positions filled in this verification (the only ones to empty for the next). */
  regUsed: [] as number[], slotUsed: [] as number[],
};

/** The twins of another verification are forgotten (nothing one verification makes serves another). */
function twinsOfThisVerification(): void {
  const epoch = transferEpoch();
  if (TWINS.epoch === epoch) return;
  TWINS.epoch = epoch;
  for (const k of TWINS.regUsed) { TWINS.regIn[k] = null; TWINS.regOut[k] = null; }
  for (const k of TWINS.slotUsed) { TWINS.slotIn[k] = null; TWINS.slotOut[k] = null; }
  TWINS.regUsed.length = 0;
  TWINS.slotUsed.length = 0;
}

/**
 * precise(r) of register `regno` of frame `fr`: the copy made for the same scalar there before,
 * if any (keyed by the scalar: two registers holding one scalar are the same value).
 */
function preciseRegAt(fr: number, regno: number, r: RegState): RegState {
  if (r.type !== 'scalar' || r.s.precise) return r;
  const k = fr * MAX_BPF_REG + regno;
  const was = TWINS.regIn[k];
  if (was === r.s) return TWINS.regOut[k]!;
  if (was === null) TWINS.regUsed.push(k);
  const p = precise(r);
  TWINS.regIn[k] = r.s;
  TWINS.regOut[k] = p;
  return p;
}

/** Slot `spi` of frame `fr` (a spilled scalar) with its scalar precise: the copy made for the same slot value there before, if any. */
function preciseSlotAt(fr: number, spi: number, sl: StackSlot): StackSlot {
  const k = fr * MAX_SLOTS + spi;
  const was = TWINS.slotIn[k];
  if (was === sl) return TWINS.slotOut[k]!;
  if (was === null) TWINS.slotUsed.push(k);
  const p = withSpilled(sl, precise(sl.spilled!));
  TWINS.slotIn[k] = sl;
  TWINS.slotOut[k] = p;
  return p;
}

const isSpilledScalar = (f: FuncState, spi: number): boolean => {
  const sl = f.stack[spi];
  return !!sl && sl.types[BPF_REG_SIZE - 1] === 'r' && sl.spilled?.type === 'scalar';
};

/**
 * Frame `fr` of checkpoint `cp`'s state, for writing: a frame the checkpoint shares with
 * another one (addCheckpoint shares a frame equal to its parent's) is copied first and
 * becomes its own.
 */
export function ownFrame(cp: Checkpoint, fr: number): FuncState {
  const frames = cp.st.frames;
  if (cp.ownFrames & (1 << fr)) return frames[fr];
  cp.ownFrames |= 1 << fr;
  return (frames[fr] = cloneFunc(frames[fr]));
}

/** mark_all_scalars_precise: every scalar of every parent checkpoint of the current state. */
function markAllScalarsPrecise(env: VerifierEnv): void {
  if (env.log.level & BPF_LOG_LEVEL2) verbose(env.log, `mark_precise: frame${env.cur.curframe}: falling back to forcing all scalars precise\n`);
  const log = (env.log.level & BPF_LOG_LEVEL2) !== 0;
  const imprecise = (r: RegState | null): boolean => r !== null && r.type === 'scalar' && !r.s.precise;
  for (let cp = env.parent; cp; cp = cp.parent) {
    const frames = cp.st.frames;
    for (let fr = 0; fr < frames.length; fr++) {
      for (let i = 0; i < BPF_REG_FP; i++) {
        const r = frames[fr].regs[i];
        if (!imprecise(r)) continue;
        ownFrame(cp, fr).regs[i] = preciseRegAt(fr, i, r);
        env.preciseMarks++;
        if (log) verbose(env.log, `force_precise: frame${fr}: forcing r${i} to be precise\n`);
      }
      for (let spi = 0; spi < frames[fr].stack.length; spi++) {
        const sl = frames[fr].stack[spi];
        if (sl.types[BPF_REG_SIZE - 1] !== 'r' || !imprecise(sl.spilled)) continue;
        ownFrame(cp, fr).stack[spi] = preciseSlotAt(fr, spi, sl);
        env.preciseMarks++;
        if (log) verbose(env.log, `force_precise: frame${fr}: forcing fp${-(spi + 1) * BPF_REG_SIZE} to be precise\n`);
      }
    }
  }
}

/** Mark the wanted registers and slots of `bt` precise in checkpoint `cp`; the ones already precise need no more walking. */
function markInParent(env: VerifierEnv, cp: Checkpoint, bt: Bt): void {
  const st = cp.st;
  for (let fr = bt.frame; fr >= 0; fr--) {
    const f = st.frames[fr];
    // the wanted registers and slots, lowest first: one step per set bit (m & -m is the lowest)
    for (let m = bt.regs[fr]; m !== 0; m &= m - 1) {
      const i = 31 - Math.clz32(m & -m);
      const r = f.regs[i];
      if (r.type !== 'scalar' || r.s.precise) clearReg(bt, i, fr);
      else { ownFrame(cp, fr).regs[i] = preciseRegAt(fr, i, r); env.preciseMarks++; }
    }
    for (let half = 0; half < 2; half++) {
      for (let m = half === 0 ? bt.lo[fr] : bt.hi[fr]; m !== 0; m &= m - 1) {
        const spi = half * 32 + 31 - Math.clz32(m & -m);
        if (!isSpilledScalar(f, spi)) { clearSlot(bt, fr, spi); continue; }
        const sl = f.stack[spi];
        if (sl.spilled!.type === 'scalar' && (sl.spilled as { s: { precise: boolean } }).s.precise) clearSlot(bt, fr, spi);
        else { ownFrame(cp, fr).stack[spi] = preciseSlotAt(fr, spi, sl); env.preciseMarks++; }
      }
    }
    if (env.log.level & BPF_LOG_LEVEL2) {
      verbose(env.log, `mark_precise: frame${fr}: parent state regs=${fmtRegs(bt.regs[fr])} stack=${fmtStack(bt, fr)}: `);
      verbose(env.log, formatFuncState(st.frames[fr], true, new Set(), new Set(), st.refs));
    }
  }
}

/** An instruction's mask (below): backtrack_insn must run there whatever is wanted (a call or an exit). */
const ALWAYS = 1 << 16;
/** Set in every mask made: 0 in the table means "not made yet". */
const MADE = 1 << 17;
/** The instruction calls a helper with a callback (check_cfg's calls_callback). */
const CALLS_CALLBACK = 1 << 18;
/** A call of a global subprog. */
const GLOBAL_CALL = 1 << 19;

/**
 * What backtrack_insn reads of instruction `i` when it has no history entry (no linked
 * registers, no stack access): it leaves `bt` unchanged unless a register of this mask is
 * wanted in the current frame (the destination of an ALU operation, a load or a store, the
 * register an atomic fetch loads, both operands of a conditional jump on a register; none of
 * a conditional jump on an immediate), or the mask has ALWAYS. A call's mask also says
 * what kind of call it is (CALLS_CALLBACK, GLOBAL_CALL).
 */
function insnMask(env: VerifierEnv, i: number): number {
  const insn = env.insns[i];
  const cls = insn.code & 7;
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    const op = insn.code & 0xf0;
    if (op === BPF_CALL || op === BPF_EXIT) {
      const global = isPseudoCall(insn) && globalSubprogAt(env, i + insn.imm + 1);
      return MADE | ALWAYS | (env.callsCallback.has(i) ? CALLS_CALLBACK : 0) | (global ? GLOBAL_CALL : 0);
    }
    return MADE | ((insn.code & BPF_X) !== 0 ? (1 << insn.dst) | (1 << insn.src) : 0);
  }
  if (atomicFetch(insn)) return MADE | (1 << (insn.imm === BPF_CMPXCHG ? 0 : insn.src));
  return MADE | (1 << insn.dst);
}

/**
 * The masks of this verification's instructions (made when a walk first passes one), so the
 * walk's common step (an instruction that changes nothing wanted) reads one number instead
 * of the instruction's fields. Instructions do not change during a verification.
 */
const MASKS = { epoch: -1, of: new Int32Array(0) };
function masksOfThisVerification(n: number): Int32Array {
  const epoch = transferEpoch();
  if (MASKS.epoch === epoch && MASKS.of.length >= n) return MASKS.of;
  MASKS.epoch = epoch;
  if (MASKS.of.length < n) MASKS.of = new Int32Array(Math.max(n, 2 * MASKS.of.length));
  else MASKS.of.fill(0, 0, n);
  return MASKS.of;
}

/**
 * __mark_chain_precision from the current state at the instruction being checked (not
 * walked itself: skip_first), then from each parent checkpoint.
 */
function markChain(env: VerifierEnv, bt: Bt): void {
  twinsOfThisVerification();
  const insns = env.insns;
  const log = (env.log.level & BPF_LOG_LEVEL2) !== 0;
  let lastIdx = env.insnIdx, firstIdx = env.firstInsnIdx, subseq = -1;
  // the walk's position: instruction `i` (-1: this history is done) and the newest entry not passed
  let i = historyStart(env.insnIdx, env.path), e = historyEntries(env.insnIdx, env.path);
  // e's instruction, kept in a local: the inner loop compares it at every step (-1: no entry left)
  let eIdx = e >= 0 ? entryIdx(e) : -1;
  // (HISTORY's table: no entry is made during a walk)
  const t = HISTORY.t;
  let st: Checkpoint | null = null;
  const masks = masksOfThisVerification(insns.length);
  for (;;) {
    // the registers wanted in the current frame (refreshed whenever bt changes)
    let want = bt.regs[bt.frame];
    if (log) verbose(env.log, `mark_precise: frame${bt.frame}: last_idx ${lastIdx} first_idx ${firstIdx} subseq_idx ${subseq} \n`);
    if (lastIdx < 0) {
      // the entry of a global subprog: its argument registers are precise from the start
      const f0 = (st ? st.st : env.cur).frames[0];
      if (f0.subprogno > 0 && f0.callsite === -1 && bt.lo.every((m) => m === 0) && bt.hi.every((m) => m === 0) && !(bt.regs[0] & ~ARGS) && bt.frame === 0) {
        const w = st ? ownFrame(st, 0) : f0;
        for (let r = 1; r <= 5; r++) if (bt.regs[0] & (1 << r)) w.regs[r] = preciseRegAt(0, r, f0.regs[r]);
        return;
      }
      markAllScalarsPrecise(env);
      return;
    }
    // the instruction being checked is skipped (skip_first), but is the next one of the walk's first
    if (!st) subseq = lastIdx;
    while (i >= 0) {
      if (!log) {
        // the common run, passed in one loop: instructions where backtrack_insn changes nothing
        // (no wanted register in their mask; an entry without linked registers or a stack access
        // is as good as none)
        for (;;) {
          let m = masks[i];
          if (m === 0) m = masks[i] = insnMask(env, i);
          if ((m & (want | ALWAYS)) !== 0) break;
          subseq = i;
          if (i === eIdx) {
            const o = e * ROW;
            if (t[o + R_FLAGS] >>> 1 !== 0) break;
            e = t[o + R_PREV];
            i = e < 0 ? -1 : t[o + R_PREV_IDX];
            eIdx = e < 0 ? -1 : t[e * ROW + R_IDX];
          } else i--;
          if (i < 0) break;
        }
        if (i < 0) break;
      }
      const own = i === eIdx ? e : -1;
      let m = masks[i];
      if (m === 0) m = masks[i] = insnMask(env, i);
      if (log) {
        verbose(env.log, `mark_precise: frame${bt.frame}: regs=${fmtRegs(bt.regs[bt.frame])} stack=${fmtStack(bt, bt.frame)} before ${i}: `
          + `(${(insns[i].code & 0xff).toString(16).padStart(2, '0')}) ${disasmInsn(insns, i, { kfuncName: (k) => kfuncName(env, k) })}\n`);
      }
      if (own >= 0 || (m & (want | ALWAYS)) !== 0) {
        if (backtrackInsn(env, i, m, own, subseq, bt) !== 'ok') { markAllScalarsPrecise(env); return; }
        if (btEmpty(bt)) return;
        want = bt.regs[bt.frame];
      }
      subseq = i;
      // get_prev_insn_idx
      if (own >= 0) {
        const o = own * ROW;
        e = t[o + R_PREV];
        i = e < 0 ? -1 : t[o + R_PREV_IDX];
        eIdx = e < 0 ? -1 : t[e * ROW + R_IDX];
      } else i--;
    }
    st = st ? st.parent : env.parent;
    if (!st) break;
    markInParent(env, st, bt);
    if (btEmpty(bt)) return;
    subseq = firstIdx;
    lastIdx = st.lastInsnIdx;
    firstIdx = st.firstInsnIdx;
    i = historyStart(st.insnIdx, st.path);
    e = historyEntries(st.insnIdx, st.path);
    eIdx = e >= 0 ? entryIdx(e) : -1;
  }
  if (!btEmpty(bt)) markAllScalarsPrecise(env);
}

/** mark_chain_precision(regno) of the current state at the instruction being checked. */
export function markChainPrecision(env: VerifierEnv, regno: number): void {
  if (env.input.unprivileged || regno < 0) return;
  const r = env.cur.frames[env.cur.curframe].regs[regno];
  if (r.type !== 'scalar') return;
  const bt = freshBt(env.cur.curframe);
  setReg(bt, regno);
  markChain(env, bt);
}

/** mark_chain_precision_batch with stack slot `spi` of frame `fr` wanted precise (get_constant_map_key). */
export function markSlotChainPrecision(env: VerifierEnv, fr: number, spi: number): void {
  if (env.input.unprivileged) return;
  const bt = freshBt(env.cur.curframe);
  setSlot(bt, fr, spi);
  markChain(env, bt);
}

/**
 * propagate_precision: the scalars precise in `old` (an equal explored state) are wanted
 * precise in the current state's checkpoints.
 */
export function propagatePrecision(env: VerifierEnv, old: VState): void {
  if (env.input.unprivileged) return;
  const bt = freshBt(old.curframe);
  const log = (env.log.level & BPF_LOG_LEVEL2) !== 0;
  for (let fr = old.curframe; fr >= 0; fr--) {
    const f = old.frames[fr];
    let first = true;
    for (let i = 0; i < BPF_REG_FP; i++) {
      const r = f.regs[i];
      if (r.type !== 'scalar' || !r.s.precise) continue;
      if (log) verbose(env.log, first ? `frame ${fr}: propagating r${i}` : `,r${i}`);
      setReg(bt, i, fr);
      first = false;
    }
    for (let spi = 0; spi < f.stack.length; spi++) {
      const sl = f.stack[spi];
      if (sl.types[BPF_REG_SIZE - 1] !== 'r' || !sl.spilled || sl.spilled.type !== 'scalar' || !sl.spilled.s.precise) continue;
      if (log) verbose(env.log, first ? `frame ${fr}: propagating fp${(-spi - 1) * BPF_REG_SIZE}` : `,fp${(-spi - 1) * BPF_REG_SIZE}`);
      setSlot(bt, fr, spi);
      first = false;
    }
    // (the kernel ends the line at any log level)
    if (!first && env.log.level) verbose(env.log, '\n');
  }
  if (btEmpty(bt)) return;
  markChain(env, bt);
}

/**
 * The history entry of the instruction being checked, made when it has none yet: it was
 * then reached from the instruction before it (any other arrival has an entry). (No
 * entry outside an instruction: the history is empty only before the walk's first.)
 */
function entryOfInsn(env: VerifierEnv): PathEntry {
  const e = env.path;
  if (e !== null && entryIdx(e) === env.insnIdx) return e;
  return (env.path = pathEntry(env.insnIdx, env.insnIdx - 1, e));
}

/** Entry `e` gets `flags`, and so is in the kernel's jmp_history if it was not yet. */
function addFlags(env: VerifierEnv, e: PathEntry, flags: number): void {
  const t = HISTORY.t, o = e * ROW + R_FLAGS;
  if (!(t[o] & F_HIST)) env.jmpHistoryCnt++;
  t[o] |= flags | F_HIST;
}

/** push_jmp_history with INSN_F_STACK_ACCESS: the instruction spilled to or filled from slot `spi` of frame `fr`. */
export function recordStackAccess(env: VerifierEnv, fr: number, spi: number): void {
  if (env.path === null) return;
  const e = entryOfInsn(env);
  HISTORY.t[e * ROW + R_FLAGS] &= F_HIST | F_LINKED;
  addFlags(env, e, (1 + fr * MAX_SLOTS + spi) << F_STACK_SHIFT);
}

/** The access recorded by recordStackAccess was not a spill or fill after all (no history entry). */
export function clearStackAccess(env: VerifierEnv): void {
  const e = env.path;
  if (e === null) return;
  const t = HISTORY.t, o = e * ROW;
  if (t[o + R_IDX] !== env.insnIdx || t[o + R_FLAGS] >>> F_STACK_SHIFT === 0) return;
  t[o + R_FLAGS] &= F_HIST | F_LINKED;
  if (t[o + R_FLAGS] === F_HIST && !(env.pointFlags[env.insnIdx] & JMP_POINT)) { t[o + R_FLAGS] = 0; env.jmpHistoryCnt--; }
}

/** push_jmp_history with linked registers: a conditional jump refined these scalars together. */
export function recordLinkedRegs(env: VerifierEnv, linked: LinkedReg[]): void {
  if (env.path === null || linked.length < 2) return;
  const e = entryOfInsn(env);
  HISTORY.linked.set(e, linked);
  addFlags(env, e, F_LINKED);
}
