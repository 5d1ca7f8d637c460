// Live stack slot analysis of Linux 6.18 (kernel/bpf/liveness.c): per call
// chain, per frame, per instruction may_read / must_write / must_write_acc /
// live_before masks, accumulated while do_check runs and propagated to a fixed
// point (update_instance) when a path exits or a subprogram returns. The model
// keeps it for the level-2 log lines it prints (`(0) frame 0 insn 2 +live -8`,
// `(0) live stack update done in 2 iterations`); verdicts do not depend on it.
import { Insn } from '../isa/insn';
import { successors, Successors } from '../isa/flow';

/**
 * The four 64-bit masks of every instruction of a frame (may_read, must_write,
 * must_write_acc, live_before), each as two 32-bit halves (low: slots 0-31), eight
 * numbers per instruction in one array: no bigint or object per instruction or update.
 */
type FrameMasks = Int32Array;
const MR = 0, MW = 2, ACC = 4, LB = 6, WORDS = 8;
/** A 64-bit mask from its halves (for the log). */
const toBig = (lo: number, hi: number): bigint => (lo | hi) === 0 ? 0n : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

export interface Callchain { callsites: number[]; spStarts: number[]; curframe: number }
interface Instance {
  cc: Callchain;
  start: number;
  insnCnt: number;
  updated: boolean;
  mustWriteDropped: boolean;
  frames: (FrameMasks | null)[];
  /** Per instruction: MW_UNSET (no visit committed yet), MW_ZERO (committed, every frame's must_write empty), MW_SOME. */
  mustWriteSet: Uint8Array;
}

export interface Liveness {
  /** The instances by call chain: a trie on the call sites, outermost first (no key string per lookup). */
  instances: ChainNode;
  cur: Instance | null;
  /** The slots the instruction being checked wrote, per frame: low and high halves (frame f at 2f, 2f + 1). */
  writeAcc: Int32Array;
  writeAny: boolean;
  writeIdx: number;
  /** compute_postorder of each subprog met, by its start (the program does not change during the walk). */
  postorders: Map<number, number[]>;
  /** How many instances are `updated` (none: bpf_update_live_stack has nothing to do). */
  dirty: number;
}

export const newLiveness = (): Liveness => ({
  instances: newNode(), cur: null, writeAcc: new Int32Array(16), writeAny: false, writeIdx: 0, postorders: new Map(), dirty: 0,
});

function setUpdated(lv: Liveness, inst: Instance): void {
  if (!inst.updated) lv.dirty++;
  inst.updated = true;
}

/**
 * A node of the instance trie, reached by the call sites of a chain (outermost first): the
 * instances of the chains ending here, by the innermost frame's subprog start (one in
 * practice: `start`/`inst`, others in `moreInsts`), and the longer chains by the next call
 * site: the first two met inline (`site`/`first`, `site2`/`second`: a subprog calls one or
 * two others; no Map lookup per step), the others in `more`.
 */
interface ChainNode {
  start: number; inst: Instance | null; moreInsts: Map<number, Instance> | null;
  site: number; first: ChainNode | null; site2: number; second: ChainNode | null; more: Map<number, ChainNode> | null;
}
const newNode = (): ChainNode => ({ start: -1, inst: null, moreInsts: null, site: -1, first: null, site2: -1, second: null, more: null });
function childNode(n: ChainNode, site: number): ChainNode {
  if (n.site === site) return n.first!;
  if (n.site2 === site) return n.second!;
  if (n.first === null) { n.site = site; return (n.first = newNode()); }
  if (n.second === null) { n.site2 = site; return (n.second = newNode()); }
  let c = (n.more ??= new Map()).get(site);
  if (!c) n.more.set(site, c = newNode());
  return c;
}
/** The instance at `n` whose innermost frame's subprog starts at `start`, or null. */
function instAt(n: ChainNode, start: number): Instance | null {
  if (n.start === start) return n.inst;
  return n.moreInsts?.get(start) ?? null;
}
function setInstAt(n: ChainNode, start: number, inst: Instance): Instance {
  if (n.inst === null) { n.start = start; n.inst = inst; } else (n.moreInsts ??= new Map()).set(start, inst);
  return inst;
}
const U64 = (1n << 64n) - 1n;

/**
 * bpf_insn_successors (fall-through first, then the jump target; calls fall through): from
 * the program's successor table when it has the instruction, else found now.
 */
const succOf = (ctx: { insns: readonly Insn[]; successors: readonly (Successors | undefined)[] }, idx: number): Successors =>
  ctx.successors[idx] ?? successors(ctx.insns, idx);

/** subprogPostorder's marks (1: seen, 2: done), one array reused by every call: cleared on entry, grown to the largest program. */
let POSTORDER_MARKS = new Uint8Array(0);

/** compute_postorder for one subprog: DFS postorder from its start (no closure, no array of marks per call). */
export function subprogPostorder(ctx: { insns: readonly Insn[]; successors: readonly (Successors | undefined)[] }, start: number): number[] {
  const n = ctx.insns.length;
  if (POSTORDER_MARKS.length < n) POSTORDER_MARKS = new Uint8Array(n);
  const state = POSTORDER_MARKS;
  state.fill(0, 0, n);
  const out: number[] = [];
  const stack = [start];
  state[start] = 1;
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (state[top] & 2) { out.push(top); stack.pop(); continue; }
    const s = succOf(ctx, top);
    // the fall-through, then the jump target
    const a = s.next, b = s.jump;
    if (a !== null && a >= 0 && a < n && !state[a]) { stack.push(a); state[a] = 1; }
    if (b !== null && b >= 0 && b < n && !state[b]) { stack.push(b); state[b] = 1; }
    state[top] |= 2;
  }
  return out;
}

export interface LivenessCtx {
  insns: readonly Insn[];
  subprogEnd: (start: number) => number;
  prunePoints: Set<number>;
  /** Whether `log` prints (level 2): the lines are not even formatted otherwise. */
  logLines: boolean;
  /** The program's successor table (isa/flow.ts, built once per verification); an instruction it lacks has its successors found when needed. */
  successors: readonly (Successors | undefined)[];
  log: (s: string) => void;
}

/** The instance of call chain `cc`, made when met the first time. */
function lookup(lv: Liveness, ctx: LivenessCtx, cc: Callchain): Instance {
  let node = lv.instances;
  for (let i = 0; i < cc.curframe; i++) node = childNode(node, cc.callsites[i]);
  const start = cc.callsites[cc.curframe];
  return instAt(node, start)
    ?? setInstAt(node, start, newInstance(ctx, { callsites: [...cc.callsites], spStarts: [...cc.spStarts], curframe: cc.curframe }));
}

/** A new instance for call chain `cc` (kept: the caller gives it away). */
function newInstance(ctx: LivenessCtx, cc: Callchain): Instance {
  const start = cc.spStarts[cc.curframe];
  const cnt = ctx.subprogEnd(start) - start;
  return { cc, start, insnCnt: cnt,
    updated: false, mustWriteDropped: false, frames: [], mustWriteSet: new Uint8Array(cnt) };
}

/** The masks of frame `frame` of `inst` (allocated, all zero, when `alloc`), or null. */
function frameMasks(inst: Instance, frame: number, alloc: boolean): FrameMasks | null {
  const fm = inst.frames[frame];
  if (fm) return fm;
  if (!alloc) return null;
  return (inst.frames[frame] = new Int32Array(inst.insnCnt * WORDS));
}
/** Where instruction `idx`'s masks start in a frame's array, or -1 outside the instance's subprog. */
function at(inst: Instance, idx: number): number {
  const i = idx - inst.start;
  return i >= 0 && i < inst.insnCnt ? i * WORDS : -1;
}

/** A frame as the instances know it: its subprog and the call instruction that made it. */
export interface FrameKey { subprogno: number; callsite: number }

/**
 * The instance of the call chain of frames 0..f of a state (their subprogs and call sites),
 * found without building the chain: it is built only for an instance met the first time.
 */
function instanceOf(lv: Liveness, ctx: LivenessCtx, frames: readonly FrameKey[], f: number, subprogs: readonly { start: number }[]): Instance {
  let node = lv.instances;
  for (let i = 0; i < f; i++) node = childNode(node, frames[i + 1].callsite);
  const start = subprogs[frames[f].subprogno].start;
  const inst = instAt(node, start);
  if (inst !== null) return inst;
  // arrays made at their size (a push on an empty array reserves 17 elements)
  const spStarts: number[] = new Array(f + 1), callsites: number[] = new Array(f + 1);
  for (let i = 0; i <= f; i++) {
    spStarts[i] = subprogs[frames[i].subprogno].start;
    callsites[i] = i < f ? frames[i + 1].callsite : spStarts[i];
  }
  return setInstAt(node, start, newInstance(ctx, { callsites, spStarts, curframe: f }));
}

/** setCurrent for frame `f` of a state (its frames' subprogs and call sites). */
export function setCurrentOf(lv: Liveness, ctx: LivenessCtx, frames: readonly FrameKey[], f: number,
  subprogs: readonly { start: number }[]): void {
  lv.cur = instanceOf(lv, ctx, frames, f, subprogs);
}

function markRead(lv: Liveness, inst: Instance, frame: number, idx: number, lo: number, hi: number): void {
  const m = frameMasks(inst, frame, true)!, o = at(inst, idx);
  const nrLo = m[o + MR] | lo, nrHi = m[o + MR + 1] | hi;
  const grew = nrLo !== m[o + MR] || nrHi !== m[o + MR + 1];
  if (grew && ((nrLo | m[o + LB]) !== m[o + LB] || (nrHi | m[o + LB + 1]) !== m[o + LB + 1])) setUpdated(lv, inst);
  m[o + MR] = nrLo;
  m[o + MR + 1] = nrHi;
}

export function stackRead(lv: Liveness, frame: number, idx: number, spi: number): void {
  if (lv.cur) markRead(lv, lv.cur, frame, idx, spi < 32 ? 1 << spi : 0, spi < 32 ? 0 : 1 << (spi - 32));
}
export function resetWrites(lv: Liveness, idx: number): void {
  lv.writeIdx = idx;
  if (lv.writeAny) {
    const w = lv.writeAcc;
    for (let i = 0; i < w.length; i++) w[i] = 0;
    lv.writeAny = false;
  }
}
export function stackWrite(lv: Liveness, frame: number, spi: number): void {
  if (spi < 32) lv.writeAcc[2 * frame] |= 1 << spi;
  else lv.writeAcc[2 * frame + 1] |= 1 << (spi - 32);
  lv.writeAny = true;
}

const MW_UNSET = 0, MW_ZERO = 1, MW_SOME = 2;
function commitTo(lv: Liveness, inst: Instance | null): void {
  if (!inst) return;
  const idx = lv.writeIdx - inst.start;
  if (idx < 0 || idx >= inst.insnCnt) return;
  const was = inst.mustWriteSet[idx];
  // nothing written, and nothing was before: no change in any frame (most instructions, every visit but the first)
  if (was === MW_ZERO && !lv.writeAny) { lv.writeIdx = 0; return; }
  const set = was !== MW_UNSET, o = idx * WORDS, w = lv.writeAcc;
  let some = false;
  for (let f = 0; f <= inst.cc.curframe; f++) {
    let lo = w[2 * f], hi = w[2 * f + 1];
    if (lo === 0 && hi === 0) {
      // nothing written where nothing was: no change (and no masks allocated: all-zero masks change nothing)
      const fm = inst.frames[f];
      if (!set || !fm || (fm[o + MW] === 0 && fm[o + MW + 1] === 0)) continue;
    }
    const m = frameMasks(inst, f, true)!;
    const oldLo = m[o + MW], oldHi = m[o + MW + 1];
    if (set) { lo &= oldLo; hi &= oldHi; }
    if (oldLo !== lo || oldHi !== hi) { m[o + MW] = lo; m[o + MW + 1] = hi; setUpdated(lv, inst); }
    if ((oldLo & ~lo) !== 0 || (oldHi & ~hi) !== 0) inst.mustWriteDropped = true;
    if ((lo | hi) !== 0) some = true;
  }
  inst.mustWriteSet[idx] = some ? MW_SOME : MW_ZERO;
  lv.writeIdx = 0;
}
export function commitWrites(lv: Liveness): void { commitTo(lv, lv.cur); }

const fmtCc = (cc: Callchain): string => `(${cc.callsites.slice(0, cc.curframe + 1).join(',')})`;
function fmtStackMask(m: bigint): string {
  const out: string[] = [];
  for (let i = 0n; i < 64n; i++) if (m & (1n << i)) out.push(`${-(Number(i) + 1) * 8}`);
  return out.join(',');
}

function logChange(ctx: LivenessCtx, cc: Callchain, pfx: string, frame: number, idx: number, oldM: bigint, newM: bigint): void {
  const changed = oldM ^ newM;
  if (!changed) return;
  let s = `${fmtCc(cc)} frame ${frame} insn ${idx} `;
  const ones = newM & changed, zeros = ~newM & changed & U64;
  if (ones) s += `+${pfx} ${fmtStackMask(ones)} `;
  if (zeros) s += `-${pfx} ${fmtStackMask(zeros)}`;
  ctx.log(s + '\n');
}

function updateInsn(ctx: LivenessCtx, inst: Instance, m: FrameMasks, frame: number, idx: number): boolean {
  const succ = succOf(ctx, idx);
  // bpf_insn_successors' order: the fall-through, then the jump target
  const first = succ.next ?? succ.jump, second = succ.next === null ? null : succ.jump;
  if (first === null) return false;
  const o = at(inst, idx);
  // live after: the union over the successors; written: their intersection
  const s0 = at(inst, first);
  let afterLo = 0, afterHi = 0, accLo = 0, accHi = 0;
  if (s0 >= 0) { afterLo = m[s0 + LB]; afterHi = m[s0 + LB + 1]; accLo = m[s0 + ACC]; accHi = m[s0 + ACC + 1]; }
  if (second !== null) {
    const sk = at(inst, second);
    if (sk >= 0) {
      afterLo |= m[sk + LB]; afterHi |= m[sk + LB + 1];
      accLo &= m[sk + ACC]; accHi &= m[sk + ACC + 1];
    } else accLo = accHi = 0;
  }
  const mwLo = m[o + MW], mwHi = m[o + MW + 1], mrLo = m[o + MR], mrHi = m[o + MR + 1];
  accLo |= mwLo; accHi |= mwHi;
  const beforeLo = (afterLo & ~mwLo) | mrLo, beforeHi = (afterHi & ~mwHi) | mrHi;
  const changed = beforeLo !== m[o + LB] || beforeHi !== m[o + LB + 1] || accLo !== m[o + ACC] || accHi !== m[o + ACC + 1];
  if (ctx.logLines && ((mrLo | mrHi | mwLo | mwHi) !== 0 || idx === inst.start || ctx.prunePoints.has(idx))) {
    logChange(ctx, inst.cc, 'live', frame, idx, toBig(m[o + LB], m[o + LB + 1]), toBig(beforeLo, beforeHi));
    logChange(ctx, inst.cc, 'written', frame, idx, toBig(m[o + ACC], m[o + ACC + 1]), toBig(accLo, accHi));
  }
  m[o + LB] = beforeLo; m[o + LB + 1] = beforeHi;
  m[o + ACC] = accLo; m[o + ACC + 1] = accHi;
  return changed;
}

function updateInstance(lv: Liveness, ctx: LivenessCtx, inst: Instance): void {
  if (inst.mustWriteDropped) {
    for (const fm of inst.frames) if (fm) for (let o = 0; o < fm.length; o += WORDS) { fm[o + ACC] = 0; fm[o + ACC + 1] = 0; }
  }
  let po = lv.postorders.get(inst.start);
  if (!po) {
    po = subprogPostorder(ctx, inst.start);
    lv.postorders.set(inst.start, po);
  }
  let cnt = 0, changed: boolean;
  do {
    cnt++;
    changed = false;
    for (let f = 0; f <= inst.cc.curframe; f++) {
      const fm = inst.frames[f];
      if (!fm) continue;
      for (const i of po) changed = updateInsn(ctx, inst, fm, f, i) || changed;
    }
  } while (changed);
  if (ctx.logLines) ctx.log(`${fmtCc(inst.cc)} live stack update done in ${cnt} iterations\n`);
  if (inst.cc.curframe > 0) {
    // propagate_to_outer_instance
    const cc = inst.cc;
    const outerCc: Callchain = { callsites: cc.callsites.slice(0, cc.curframe), spStarts: cc.spStarts.slice(0, cc.curframe), curframe: cc.curframe - 1 };
    outerCc.callsites[outerCc.curframe] = outerCc.spStarts[outerCc.curframe];
    const outer = lookup(lv, ctx, outerCc);
    const callsite = cc.callsites[cc.curframe - 1];
    resetWrites(lv, callsite);
    for (let f = 0; f < cc.curframe; f++) {
      const m = frameMasks(inst, f, false);
      if (!m) continue;
      lv.writeAcc[2 * f] |= m[ACC];
      lv.writeAcc[2 * f + 1] |= m[ACC + 1];
      lv.writeAny = true;
      markRead(lv, outer, f, callsite, m[LB], m[LB + 1]);
    }
    commitTo(lv, outer);
  }
}

/** bpf_update_live_stack for the call chains of the current state (innermost first). */
export function updateLiveStack(lv: Liveness, ctx: LivenessCtx, chains: Callchain[]): void {
  lv.cur = null;
  for (let f = chains.length - 1; f >= 0; f--) {
    const inst = lookup(lv, ctx, chains[f]);
    if (inst.updated) {
      updateInstance(lv, ctx, inst);
      inst.updated = false;
      lv.dirty--;
      inst.mustWriteDropped = false;
    }
  }
}

/** A mask of stack slots as two 32-bit halves: slots 0-31 in `lo`, 32-63 in `hi`. */
export interface SlotMask { lo: number; hi: number }

/** `out` with the live_before slots of frame `frameno` at `idx` in `inst` added. */
function addLiveBefore(inst: Instance, idx: number, frameno: number, out: SlotMask): void {
  const m = frameMasks(inst, frameno, false), o = at(inst, idx);
  if (m && o >= 0) { out.lo |= m[o + LB]; out.hi |= m[o + LB + 1]; }
}

/**
 * bpf_live_stack_query_init + bpf_stack_slot_alive for every slot of frame `frameno` at
 * once: the mask of the slots a state standing at `insnIdx` with these frames (outermost
 * first; their instances found from the frames, no call chain built) may still read: read
 * from there on in the innermost instance, or after (for a callback-calling helper: before)
 * a call site of an outer frame. (`callsCallback`: the instructions that call a
 * callback-calling helper. This runs once per frame of every cleaned checkpoint and
 * allocates nothing.)
 */
export function stackAliveMask(lv: Liveness, ctx: LivenessCtx, frames: readonly FrameKey[], subprogs: readonly { start: number }[],
  insnIdx: number, frameno: number, callsCallback: ReadonlySet<number>, out: SlotMask): void {
  const curframe = frames.length - 1;
  // the halves written into `out` (no bigint)
  out.lo = 0; out.hi = 0;
  addLiveBefore(instanceOf(lv, ctx, frames, curframe, subprogs), insnIdx, frameno, out);
  for (let i = frameno; i < curframe; i++) {
    const callsite = frames[i + 1].callsite;
    addLiveBefore(instanceOf(lv, ctx, frames, i, subprogs), callsCallback.has(callsite) ? callsite : callsite + 1, frameno, out);
  }
}
