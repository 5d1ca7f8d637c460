// Dynptrs on the stack (kernel/bpf/verifier.c): process_dynptr_func for helper arguments
// of type ARG_PTR_TO_DYNPTR (dynptr_get_spi, is_dynptr_reg_valid_uninit/_init,
// is_dynptr_type_expected), mark_stack_slots_dynptr (two STACK_DYNPTR slots, a reference
// for ringbuf dynptrs), destroy_if_dynptr_stack_slot (a store over a dynptr destroys it
// and its slices, or is refused for a referenced one), unmark_stack_slots_dynptr (the
// release by bpf_ringbuf_submit_dynptr/discard_dynptr) and the release argument check.
// A callback's const dynptr (CONST_PTR_TO_DYNPTR) is read-only; kfunc dynptr arguments are
// `not modelled yet`.
import { VerifierEnv, curFrame, fail, notModelled } from './env';
import { verbose } from './log';
import { FuncState, StackSlot, PtrOf, DynptrType, BPF_REG_SIZE, scalarReg, stackSlot, SLOT_TYPES, INVALID_STACK_SLOT } from './state';
import { scalarUnknown, scalarIsConst } from './scalar_bridge';
import { acquireReference, releaseReference, invalidateRegs } from './refs';
import { stackRead, stackWrite } from './stack_liveness';
import type { HelperArg } from './helper_protos';
import type { CallArgMeta } from './helper_args';
import { checkMemAccess } from './mem';
import { scratchSlot } from './regs';

/** BPF_DYNPTR_NR_SLOTS */
const DYNPTR_SLOTS = 2;

/** dynptr_type_refcounted */
const refcounted = (t: DynptrType): boolean => t === 'ringbuf';

/**
 * dynptr_get_spi: the slot of the dynptr `reg` points to, 'range' when its slots are
 * not all allocated yet (-ERANGE), 'bad' after logging why the offset is refused.
 */
function dynptrSpi(env: VerifierEnv, reg: PtrOf<'stack'>, what: string): number | 'range' | 'bad' {
  if (!scalarIsConst(reg.v)) return notModelled(env, `a ${what} at a variable stack offset`);
  const off = reg.off + Number(BigInt.asIntN(64, reg.v.varOff.value));
  const spi = Math.trunc((-off - 1) / BPF_REG_SIZE);
  if (off % BPF_REG_SIZE || spi < 1) {
    verbose(env.log, `cannot pass in ${what} at an offset=${off}\n`);
    return 'bad';
  }
  const allocated = env.cur.frames[reg.frameno].stack.length;
  return spi - DYNPTR_SLOTS + 1 >= 0 && spi < allocated ? spi : 'range';
}

/** destroy_if_dynptr_stack_slot: a write touching slot `spi` of `f` destroys the dynptr there. */
export function destroyIfDynptrSlot(env: VerifierEnv, f: FuncState, spi: number): void {
  const sl: StackSlot | undefined = f.stack[spi];
  if (!sl || sl.types[0] !== 'd' || sl.obj?.kind !== 'dynptr') return;
  const first = sl.obj.first ? spi : spi + 1;
  const o = f.stack[first].obj;
  if (o?.kind !== 'dynptr') return notModelled(env, 'a dynptr slot without its first slot');
  if (refcounted(o.dtype)) fail(env, 'EINVAL', 'overwriteReferencedDynptr');
  clearSlots(env, f, first);
  invalidateRegs(env, (r) => r.type === 'mem' && r.dynptrId === o.id);
}

/** invalidate_dynptr: both slots STACK_INVALID, written for the stack liveness (bpf_mark_stack_write). */
function clearSlots(env: VerifierEnv, f: FuncState, first: number): void {
  for (const s of [first, first - 1]) {
    f.stack[s] = INVALID_STACK_SLOT;
    scratchSlot(env, s);
    stackWrite(env.liveness, f.frameno, s);
  }
}

/** The `arg %d is an unacquired reference` check of a dynptr passed to a release helper; returns its reference. */
export function dynptrReleaseRef(env: VerifierEnv, regno: number): number {
  const reg = curFrame(env).regs[regno];
  if (reg.type !== 'stack') return fail(env, 'EINVAL', 'releaseUnownedDynptr');
  const spi = dynptrSpi(env, reg, 'dynptr');
  const o = typeof spi === 'number' ? env.cur.frames[reg.frameno].stack[spi].obj : undefined;
  if (o?.kind !== 'dynptr' || !o.refObjId) return fail(env, 'EINVAL', 'unacquiredReferenceArg', [regno]);
  return o.refObjId;
}

/** process_dynptr_func for helper argument `regno` (the register was checked to be a stack pointer). */
export function processDynptrArg(env: VerifierEnv, regno: number, arg: HelperArg, meta: CallArgMeta, insnIdx: number): void {
  const reg = curFrame(env).regs[regno];
  if (reg.type === 'dynptr_ptr') return constDynptrArg(env, regno, reg, arg, meta);
  if (reg.type !== 'stack') return fail(env, 'EINVAL', 'dynptrArgNotStack', [regno - 1]);
  const f = env.cur.frames[reg.frameno];
  if (arg.uninit) {
    const spi = dynptrSpi(env, reg, 'dynptr');
    if (spi === 'bad') fail(env, 'EINVAL', 'dynptrNotUninit');
    for (let i = 0; i < 16; i += BPF_REG_SIZE) writeSlot(env, reg, regno, i);
    const at = dynptrSpi(env, reg, 'dynptr') as number;
    destroyIfDynptrSlot(env, f, at);
    destroyIfDynptrSlot(env, f, at - 1);
    const dtype = arg.dynptr ?? 'local';
    const id = ++env.idGen;
    const refObjId = refcounted(dtype) ? acquireReference(env, insnIdx) : 0;
    for (const [s, first] of [[at, true], [at - 1, false]] as const) {
      f.stack[s] = stackSlot(SLOT_TYPES.d, null, { kind: 'dynptr', dtype, first, id, refObjId });
      scratchSlot(env, s);
    }
    return;
  }
  const spi = dynptrSpi(env, reg, 'dynptr');
  const o = typeof spi === 'number' ? f.stack[spi].obj : undefined;
  const valid = typeof spi === 'number' && o?.kind === 'dynptr' && o.first
    && f.stack[spi].types.every((t) => t === 'd') && f.stack[spi - 1].types.every((t) => t === 'd');
  if (!valid || o?.kind !== 'dynptr') return fail(env, 'EINVAL', 'dynptrNotInit', [regno - 1]);
  if (arg.dynptr && o.dtype !== arg.dynptr) fail(env, 'EINVAL', 'dynptrWrongType', [arg.dynptr, regno - 1]);
  stackRead(env.liveness, reg.frameno, env.insnIdx, spi as number);
  stackRead(env.liveness, reg.frameno, env.insnIdx, (spi as number) - 1);
  // the state after the call prints the dynptr read (6.18 log: `fp-24=dynptr_local(...)`)
  scratchSlot(env, spi as number);
  scratchSlot(env, (spi as number) - 1);
  meta.dynptrId = o.id;
  meta.dynptrRefObjId = o.refObjId;
}

/** check_mem_access(BPF_DW, BPF_WRITE) of process_dynptr_func at `off` from the stack pointer. */
function writeSlot(env: VerifierEnv, reg: PtrOf<'stack'>, regno: number, off: number): void {
  checkMemAccess(env, reg, { regno, off, size: BPF_REG_SIZE, store: { val: scalarReg(scalarUnknown()), regno: -1, imm: false }, signExtend: false, strictAlign: false });
}

/** unmark_stack_slots_dynptr after bpf_ringbuf_submit_dynptr/discard_dynptr released `refObjId`. */
export function unmarkDynptr(env: VerifierEnv, regno: number, refObjId: number): void {
  const reg = curFrame(env).regs[regno];
  if (reg.type !== 'stack') return;
  if (!releaseReference(env, refObjId)) fail(env, 'EINVAL', 'unacquiredReferenceArg', [regno]);
  for (const f of env.cur.frames) {
    f.stack.forEach((sl, s) => {
      if (sl.obj?.kind === 'dynptr' && sl.obj.refObjId === refObjId && sl.obj.first) clearSlots(env, f, s);
    });
  }
}

/** process_dynptr_func for a CONST_PTR_TO_DYNPTR: read-only, always initialised. */
function constDynptrArg(env: VerifierEnv, regno: number, reg: PtrOf<'dynptr_ptr'>, arg: HelperArg, meta: CallArgMeta): void {
  if (arg.uninit) fail(env, 'EINVAL', 'dynptrNotUninit');
  if (!arg.rdonly) fail(env, 'EINVAL', 'constDynptrMutated');
  if (arg.dynptr && reg.dtype !== arg.dynptr) fail(env, 'EINVAL', 'dynptrWrongType', [arg.dynptr, regno - 1]);
  meta.dynptrId = reg.id;
  meta.dynptrRefObjId = reg.refObjId;
}
