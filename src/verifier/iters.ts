// Open-coded iterators (kernel/bpf/verifier.c): process_iter_arg for a kfunc's
// `struct bpf_iter_<type> *` argument (the iterator's STACK_ITER slots, is_iter_reg_valid_
// uninit/_init, mark_stack_slots_iter with its reference, unmark_stack_slots_iter for
// bpf_iter_<type>_destroy) and process_iter_next_call (the walk goes on with the iterator
// drained and R0 = NULL; the active state, R0 not NULL and depth + 1, is explored later,
// its imprecise scalars widened against the previous visit of the call on this path).
// The loop converges in is_state_visited (states.ts): an iterator's next call is a forced
// checkpoint, and an active iterator meeting a state within the ranges of one still being
// explored is a backedge of the loop (scc.ts).
import { VerifierEnv, curFrame, fail, notModelled } from './env';
import { verbose } from './log';
import { PtrOf, StackObj, BPF_REG_SIZE, PTR_MAYBE_NULL, cloneState, isPointer, scalarReg, stackSlot, SLOT_TYPES, INVALID_STACK_SLOT, ptrWithIds, UNKNOWN_SCALAR_REG } from './state';
import { scalarConst, scalarIsConst } from './scalar_bridge';
import { acquireReference, releaseReference } from './refs';
import { stackRead, stackWrite } from './stack_liveness';
import { pushOwnedState, findPrevEntry } from './states';
import { widenImpreciseScalars } from './callbacks';
import { checkMemAccess } from './mem';
import { scratchSlot } from './regs';

/** The iterator argument of a kfunc: its type name (`num` for struct bpf_iter_num) and size. */
export interface IterArg { name: string; size: number }

/** Where the iterator argument lives (meta->iter): filled for next and destroy. */
export interface IterAt { readonly frameno: number; readonly spi: number }

/** The IterAt of each frame and slot, made once (plain immutable data: no object per next call). */
const ITER_AT: IterAt[] = [];
const ITER_AT_STRIDE = 64; // MAX_BPF_STACK / BPF_REG_SIZE slots per frame
const iterAt = (frameno: number, spi: number): IterAt =>
  (spi < ITER_AT_STRIDE ? (ITER_AT[frameno * ITER_AT_STRIDE + spi] ??= { frameno, spi }) : { frameno, spi });

/** stack_slot_obj_get_spi for an iterator of `nrSlots` slots; 'range' when not all allocated (-ERANGE). */
function iterSpi(env: VerifierEnv, reg: PtrOf<'stack'>, nrSlots: number): number | 'range' | 'bad' {
  if (!scalarIsConst(reg.v)) return notModelled(env, 'an iterator at a variable stack offset');
  const varOff = reg.v.varOff.value;
  const off = varOff === 0n ? reg.off : reg.off + Number(BigInt.asIntN(64, varOff));
  const spi = Math.trunc((-off - 1) / BPF_REG_SIZE);
  if (off % BPF_REG_SIZE || spi + 1 < nrSlots) {
    verbose(env.log, `cannot pass in iter at an offset=${off}\n`);
    return 'bad';
  }
  const allocated = env.cur.frames[reg.frameno].stack.length;
  return spi - nrSlots + 1 >= 0 && spi < allocated ? spi : 'range';
}

/** process_iter_arg for argument `regno` of a kfunc with the KF_ITER_* role `role`; returns where the iterator is. */
export function processIterArg(env: VerifierEnv, regno: number, it: IterArg, role: 'new' | 'next' | 'destroy', insnIdx: number): IterAt | undefined {
  const reg = curFrame(env).regs[regno];
  if (reg.type !== 'stack') return fail(env, 'EINVAL', 'iterNotOnStack', [regno - 1]);
  const nr = it.size / BPF_REG_SIZE;
  if (!Number.isInteger(nr) || nr < 1) return notModelled(env, `iterator struct bpf_iter_${it.name} of ${it.size} bytes`);
  const f = env.cur.frames[reg.frameno];
  if (role === 'new') {
    const spi = iterSpi(env, reg, nr);
    let uninit = spi !== 'bad';
    if (typeof spi === 'number') for (let i = 0; i < nr && uninit; i++) uninit = !f.stack[spi - i].types.includes('i');
    if (!uninit) fail(env, 'EINVAL', 'iterNotUninit', [it.name, regno - 1]);
    for (let i = 0; i < nr * BPF_REG_SIZE; i += BPF_REG_SIZE) {
      checkMemAccess(env, reg, { regno, off: i, size: BPF_REG_SIZE, store: { val: UNKNOWN_SCALAR_REG, regno: -1, imm: false }, signExtend: false, strictAlign: false });
    }
    const at = iterSpi(env, reg, nr) as number;
    const id = acquireReference(env, insnIdx);
    for (let i = 0; i < nr; i++) {
      f.stack[at - i] = stackSlot(SLOT_TYPES.i, null, { kind: 'iter', name: it.name, first: i === 0, refObjId: i === 0 ? id : 0, state: 'active', depth: 0 });
      scratchSlot(env, at - i);
    }
    return undefined;
  }
  const spi = iterSpi(env, reg, nr);
  let valid = typeof spi === 'number';
  for (let i = 0; i < nr && valid; i++) {
    const sl = f.stack[(spi as number) - i], o = sl.obj;
    valid = o?.kind === 'iter' && o.name === it.name && o.first === (i === 0) && (sl.types === SLOT_TYPES.i || sl.types.every((t) => t === 'i'));
  }
  if (!valid) fail(env, 'EINVAL', 'iterNotInit', [it.name, regno - 1]);
  const at = spi as number;
  for (let i = 0; i < nr; i++) stackRead(env.liveness, reg.frameno, env.insnIdx, at - i);
  if (role === 'destroy') {
    const o = f.stack[at].obj;
    if (o?.kind !== 'iter' || !releaseReference(env, o.refObjId)) return fail(env, 'EINVAL', 'iterNotInit', [it.name, regno - 1]);
    for (let i = 0; i < nr; i++) {
      f.stack[at - i] = INVALID_STACK_SLOT;
      stackWrite(env.liveness, reg.frameno, at - i);
      scratchSlot(env, at - i);
    }
  }
  return iterAt(reg.frameno, at);
}

/** R0 of a drained iterator's next call: NULL (registers are immutable values: one serves every call). */
const R0_NULL = scalarReg(scalarConst(0n));

type IterObj = Extract<StackObj, { kind: 'iter' }>;
/** A copy of iterator `o` with its state and depth replaced (a literal: object spread is slow in V8). */
const iterObj = (o: IterObj, state: IterObj['state'], depth: number): IterObj =>
  ({ kind: 'iter', name: o.name, first: o.first, refObjId: o.refObjId, state, depth });

/** process_iter_next_call, after R0 was set from the kfunc's return type. */
export function processIterNextCall(env: VerifierEnv, at: IterAt, insnIdx: number): void {
  const f = env.cur.frames[at.frameno], slot = f.stack[at.spi];
  const o = slot.obj;
  if (o?.kind !== 'iter') return notModelled(env, 'an iterator slot without its iterator');
  if (o.state === 'active') {
    // is_state_visited made the checkpoint at this call (a forced one): the previous visit is above it
    const parent = env.parent;
    if (!parent || parent.insnIdx !== insnIdx) return notModelled(env, 'an iterator next call without its checkpoint');
    const prev = findPrevEntry(env, insnIdx, parent.dfsDepth);
    const queued = cloneState(env.cur);
    queued.frames[at.frameno].stack[at.spi] = stackSlot(slot.types, slot.spilled, iterObj(o, o.state, o.depth + 1));
    if (prev) widenImpreciseScalars(env, prev, queued);
    const qregs = queued.frames[queued.curframe].regs;
    const r0 = qregs[0];
    if (isPointer(r0)) qregs[0] = ptrWithIds(r0, r0.id, r0.refObjId, r0.flags & ~PTR_MAYBE_NULL);
    pushOwnedState(env, insnIdx + 1, insnIdx, queued); // queued is the branch's own copy
  }
  f.stack[at.spi] = stackSlot(slot.types, slot.spilled, iterObj(o, 'drained', o.depth));
  scratchSlot(env, at.spi);
  curFrame(env).regs[0] = R0_NULL;
}
