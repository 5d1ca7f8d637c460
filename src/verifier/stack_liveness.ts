// Live stack slot analysis of Linux 6.18 (kernel/bpf/liveness.c): per call
// chain, per frame, per instruction may_read / must_write / must_write_acc /
// live_before masks, accumulated while do_check runs and propagated to a fixed
// point (update_instance) when a path exits or a subprogram returns. The model
// keeps it for the level-2 log lines it prints (`(0) frame 0 insn 2 +live -8`,
// `(0) live stack update done in 2 iterations`); verdicts do not depend on it.
import { Insn } from '../isa/insn';
import { successors } from '../isa/flow';

interface Masks { mayRead: bigint; mustWrite: bigint; mustWriteAcc: bigint; liveBefore: bigint }
export interface Callchain { callsites: number[]; spStarts: number[]; curframe: number }
interface Instance {
  cc: Callchain;
  start: number;
  insnCnt: number;
  updated: boolean;
  mustWriteDropped: boolean;
  frames: (Masks[] | null)[];
  mustWriteSet: boolean[];
}

export interface Liveness {
  instances: Map<string, Instance>;
  cur: Instance | null;
  writeAcc: bigint[];
  writeIdx: number;
  /** compute_postorder of each subprog met, by its start (the program does not change during the walk). */
  postorders: Map<number, number[]>;
  /** How many instances are `updated` (none: bpf_update_live_stack has nothing to do). */
  dirty: number;
  /** The instances of outermost frames, by subprog start (the common current instance, found without a key string). */
  outermost: Map<number, Instance>;
}

export const newLiveness = (): Liveness => ({ instances: new Map(), cur: null, writeAcc: [], writeIdx: 0, postorders: new Map(), dirty: 0, outermost: new Map() });

function setUpdated(lv: Liveness, inst: Instance): void {
  if (!inst.updated) lv.dirty++;
  inst.updated = true;
}

function key(cc: Callchain): string {
  let k = String(cc.callsites[0]);
  for (let i = 1; i <= cc.curframe; i++) k += ',' + cc.callsites[i];
  return k;
}
const U64 = (1n << 64n) - 1n;

/** bpf_insn_successors: fall-through first, then the jump target (calls fall through). */
function insnSuccessors(insns: readonly Insn[], idx: number): number[] {
  const s = successors(insns, idx);
  const out: number[] = [];
  if (s.next !== null) out.push(s.next);
  if (s.jump !== null) out.push(s.jump);
  return out;
}

/** compute_postorder for one subprog: DFS postorder from its start. */
export function subprogPostorder(insns: readonly Insn[], start: number): number[] {
  const state = new Map<number, number>();
  const out: number[] = [];
  const stack = [start];
  state.set(start, 1);
  while (stack.length) {
    const top = stack[stack.length - 1];
    if ((state.get(top) ?? 0) & 2) { out.push(top); stack.pop(); continue; }
    for (const s of insnSuccessors(insns, top)) {
      if (s < 0 || s >= insns.length) continue;
      if (!state.get(s)) { stack.push(s); state.set(s, 1); }
    }
    state.set(top, (state.get(top) ?? 0) | 2);
  }
  return out;
}

export interface LivenessCtx {
  insns: readonly Insn[];
  subprogEnd: (start: number) => number;
  prunePoints: Set<number>;
  /** Whether `log` prints (level 2): the lines are not even formatted otherwise. */
  logLines: boolean;
  /** bpf_insn_successors of each instruction met, kept (the program does not change during the walk). */
  successors: (number[] | undefined)[];
  log: (s: string) => void;
}

function lookup(lv: Liveness, ctx: LivenessCtx, cc: Callchain): Instance {
  const k = key(cc);
  let inst = lv.instances.get(k);
  if (!inst) {
    const start = cc.spStarts[cc.curframe];
    const cnt = ctx.subprogEnd(start) - start;
    inst = { cc: { callsites: [...cc.callsites], spStarts: [...cc.spStarts], curframe: cc.curframe }, start, insnCnt: cnt,
      updated: false, mustWriteDropped: false, frames: [], mustWriteSet: new Array<boolean>(cnt).fill(false) };
    lv.instances.set(k, inst);
  }
  return inst;
}

const newMasks = (): Masks => ({ mayRead: 0n, mustWrite: 0n, mustWriteAcc: 0n, liveBefore: 0n });
function frameMasks(inst: Instance, frame: number, idx: number, alloc: boolean): Masks | null {
  if (!inst.frames[frame]) {
    if (!alloc) return null;
    inst.frames[frame] = Array.from({ length: inst.insnCnt }, newMasks);
  }
  return inst.frames[frame]![idx - inst.start] ?? null;
}

export function setCurrent(lv: Liveness, ctx: LivenessCtx, cc: Callchain): void { lv.cur = lookup(lv, ctx, cc); }

/** setCurrent for an outermost frame of the subprog at `start` (call chain `(start)`). */
export function setCurrentOutermost(lv: Liveness, ctx: LivenessCtx, start: number): void {
  let inst = lv.outermost.get(start);
  if (!inst) {
    inst = lookup(lv, ctx, { callsites: [start], spStarts: [start], curframe: 0 });
    lv.outermost.set(start, inst);
  }
  lv.cur = inst;
}

function markRead(lv: Liveness, inst: Instance, frame: number, idx: number, mask: bigint): void {
  const m = frameMasks(inst, frame, idx, true)!;
  const nr = m.mayRead | mask;
  if (nr !== m.mayRead && (nr | m.liveBefore) !== m.liveBefore) setUpdated(lv, inst);
  m.mayRead = nr;
}

export function stackRead(lv: Liveness, frame: number, idx: number, spi: number): void {
  if (lv.cur) markRead(lv, lv.cur, frame, idx, 1n << BigInt(spi));
}
export function resetWrites(lv: Liveness, idx: number): void { lv.writeIdx = idx; if (lv.writeAcc.length) lv.writeAcc.length = 0; }
export function stackWrite(lv: Liveness, frame: number, spi: number): void {
  lv.writeAcc[frame] = (lv.writeAcc[frame] ?? 0n) | (1n << BigInt(spi));
}

function commitTo(lv: Liveness, inst: Instance | null): void {
  if (!inst) return;
  const idx = lv.writeIdx - inst.start;
  if (idx < 0 || idx >= inst.insnCnt) return;
  const set = inst.mustWriteSet[idx];
  for (let f = 0; f <= inst.cc.curframe; f++) {
    let mask = lv.writeAcc[f] ?? 0n;
    // nothing written where nothing was: no change (and no masks allocated: all-zero masks change nothing)
    if (mask === 0n && (!set || !(frameMasks(inst, f, lv.writeIdx, false)?.mustWrite))) continue;
    const m = frameMasks(inst, f, lv.writeIdx, true)!;
    const old = m.mustWrite;
    if (set) mask &= old;
    if (old !== mask) { m.mustWrite = mask; setUpdated(lv, inst); }
    if (old & ~mask) inst.mustWriteDropped = true;
  }
  inst.mustWriteSet[idx] = true;
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
  if (!changed || !ctx.logLines) return;
  let s = `${fmtCc(cc)} frame ${frame} insn ${idx} `;
  const ones = newM & changed, zeros = ~newM & changed & U64;
  if (ones) s += `+${pfx} ${fmtStackMask(ones)} `;
  if (zeros) s += `-${pfx} ${fmtStackMask(zeros)}`;
  ctx.log(s + '\n');
}

function updateInsn(ctx: LivenessCtx, inst: Instance, frame: number, idx: number): boolean {
  const succ = ctx.successors[idx] ??= insnSuccessors(ctx.insns, idx);
  if (!succ.length) return false;
  const m = frameMasks(inst, frame, idx, false)!;
  // live after: the union over the successors; written: their intersection (masks are 64-bit, so U64 & x is x)
  const s0 = frameMasks(inst, frame, succ[0], false);
  let after = s0 ? s0.liveBefore : 0n, acc = s0 ? s0.mustWriteAcc : 0n;
  for (let k = 1; k < succ.length; k++) {
    const sm = frameMasks(inst, frame, succ[k], false);
    after |= sm ? sm.liveBefore : 0n;
    acc &= sm ? sm.mustWriteAcc : 0n;
  }
  // (the zero tests only spare allocating new bigints)
  if (m.mustWrite !== 0n) {
    acc |= m.mustWrite;
    after &= ~m.mustWrite;
  }
  const before = m.mayRead !== 0n ? after | m.mayRead : after;
  const changed = before !== m.liveBefore || acc !== m.mustWriteAcc;
  if (ctx.logLines && (m.mayRead || m.mustWrite || idx === inst.start || ctx.prunePoints.has(idx))) {
    logChange(ctx, inst.cc, 'live', frame, idx, m.liveBefore, before);
    logChange(ctx, inst.cc, 'written', frame, idx, m.mustWriteAcc, acc);
  }
  m.liveBefore = before;
  m.mustWriteAcc = acc;
  return changed;
}

function updateInstance(lv: Liveness, ctx: LivenessCtx, inst: Instance): void {
  if (inst.mustWriteDropped) for (const fr of inst.frames) if (fr) for (const m of fr) m.mustWriteAcc = 0n;
  let po = lv.postorders.get(inst.start);
  if (!po) {
    po = subprogPostorder(ctx.insns, inst.start);
    lv.postorders.set(inst.start, po);
  }
  let cnt = 0, changed: boolean;
  do {
    cnt++;
    changed = false;
    for (let f = 0; f <= inst.cc.curframe; f++) {
      if (!inst.frames[f]) continue;
      for (const i of po) changed = updateInsn(ctx, inst, f, i) || changed;
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
      const m = frameMasks(inst, f, inst.start, false);
      if (!m) continue;
      lv.writeAcc[f] = (lv.writeAcc[f] ?? 0n) | m.mustWriteAcc;
      markRead(lv, outer, f, callsite, m.liveBefore);
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

/**
 * bpf_live_stack_query_init + bpf_stack_slot_alive for every slot of frame `frameno` at
 * once: the mask of the slots a state standing at `insnIdx` with call chains `chains` (one
 * per frame, outermost first) may still read: read from there on in the innermost
 * instance, or after (for a callback-calling helper: before) a call site of an outer frame.
 */
export function stackAliveMask(lv: Liveness, ctx: LivenessCtx, chains: Callchain[], insnIdx: number, frameno: number,
  callsCallback: (idx: number) => boolean): bigint {
  const curframe = chains.length - 1;
  const liveBefore = (inst: Instance, idx: number): bigint => frameMasks(inst, frameno, idx, false)?.liveBefore ?? 0n;
  const inner = lookup(lv, ctx, chains[curframe]);
  let mask = liveBefore(inner, insnIdx);
  for (let i = frameno; i < curframe; i++) {
    const callsite = inner.cc.callsites[i];
    mask |= liveBefore(lookup(lv, ctx, chains[i]), callsCallback(callsite) ? callsite : callsite + 1);
  }
  return mask;
}
