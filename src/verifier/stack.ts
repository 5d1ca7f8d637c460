// The stack: check_stack_write_fixed_off (spills with save_register_state, scalar
// spills linked to their register, STACK_ZERO for constant zeros, scrubbing a
// spilled register) and check_stack_read_fixed_off (fills of full and narrow spills,
// reads of misc/zero/uninitialised bytes) (kernel/bpf/verifier.c).
import { VerifierEnv, curFrame, fail, notModelled } from './env';
import { markPrecise } from './regs';
import { RegState, FuncState, StackSlot, SlotType, BPF_REG_SIZE, isPointer, regTypeStr, scalarReg } from './state';
import { scalarConst, scalarUnknown, scalarIsConst, scalarUnlinked, assignScalarIdBeforeMov } from './scalar_bridge';
import { stackRead, stackWrite } from './stack_liveness';

/** A stack access at a fixed offset `off` (< 0) from the frame pointer of `frameno`. */
export interface StackAccess { frameno: number; off: number; size: number }

function slotOf(f: FuncState, spi: number): StackSlot {
  while (f.stack.length <= spi) f.stack.push({ types: new Array<SlotType>(BPF_REG_SIZE).fill('?'), spilled: null });
  return f.stack[spi];
}

const isSpilled = (sl: StackSlot | undefined): sl is StackSlot & { spilled: RegState } =>
  !!sl && sl.types[BPF_REG_SIZE - 1] === 'r' && !!sl.spilled;

/** Bits needed for a scalar's umax (the width a narrow spill keeps). */
const umaxWidth = (r: RegState): number => (r.type === 'scalar' && r.s.umax !== 0n ? r.s.umax.toString(2).length : 0);

const slotIndex = (off: number): { slotNo: number; spi: number } => {
  const slotNo = -off - 1;
  return { slotNo, spi: Math.floor(slotNo / BPF_REG_SIZE) };
};

/** save_register_state: the top `size` bytes become STACK_SPILL, the rest lose zero/invalid marks. */
function saveRegisterState(slot: StackSlot, r: RegState, size: number): void {
  slot.spilled = r;
  let i = BPF_REG_SIZE;
  for (; i > BPF_REG_SIZE - size; i--) slot.types[i - 1] = 'r';
  for (; i; i--) if (slot.types[i - 1] !== '0' && slot.types[i - 1] !== '?') slot.types[i - 1] = 'm';
}

/**
 * check_stack_write_fixed_off. `val` is the stored value; `valRegno` its register, or -1
 * for BPF_ST's immediate.
 */
export function stackWriteFixedOff(env: VerifierEnv, a: StackAccess, val: RegState, valRegno: number): void {
  const f = env.cur.frames[a.frameno];
  const capable = !env.input.unprivileged;
  const { slotNo, spi } = slotIndex(a.off);
  if (a.size === BPF_REG_SIZE) stackWrite(env.liveness, a.frameno, spi);
  const slot = slotOf(f, spi);
  const reg = valRegno >= 0 ? val : null;
  if (!capable && isSpilled(slot) && slot.spilled.type !== 'scalar' && a.size !== BPF_REG_SIZE) fail(env, 'EACCES', 'corruptSpilledPtr');
  env.scratchedSlots.add(spi);
  const aligned = a.off % BPF_REG_SIZE === 0;
  if (reg && aligned && reg.type === 'scalar' && capable) {
    const fits = umaxWidth(reg) <= 8 * a.size;
    let r: RegState = reg;
    if (fits) {
      const linked = assignScalarIdBeforeMov(reg.s, env.idGen + 1);
      if (linked.usedId) env.idGen++;
      r = scalarReg(linked.src);
      curFrame(env).regs[valRegno] = r;
    }
    saveRegisterState(slot, r, a.size);
    env.path!.spi = spi;
    if (!fits && r.type === 'scalar') slot.spilled = scalarReg(scalarUnlinked(r.s));
    return;
  }
  if (!reg && aligned && capable) {
    saveRegisterState(slot, val, a.size);
    env.path!.spi = spi;
    return;
  }
  if (reg && isPointer(reg)) {
    if (reg.type !== 'ctx' && reg.type !== 'stack') notModelled(env, `spill of a ${regTypeStr(reg)} pointer`);
    if (a.size !== BPF_REG_SIZE) fail(env, 'EACCES', 'invalidSpillSize');
    if (a.frameno !== env.cur.curframe && reg.type === 'stack') fail(env, 'EINVAL', 'spillStackPtrToCaller');
    saveRegisterState(slot, reg, a.size);
    env.path!.spi = spi;
    return;
  }
  // a regular write destroys a spilled register: the whole slot becomes STACK_MISC (scrub_spilled_slot)
  if (slot.types[BPF_REG_SIZE - 1] === 'r') slot.types = slot.types.map((x) => (x === '?' ? '?' : 'm'));
  slot.spilled = null;
  const isZero = val.type === 'scalar' && scalarIsConst(val.s) && val.s.varOff.value === 0n;
  if (reg !== null && isZero) markPrecise(env, valRegno);
  for (let i = 0; i < a.size; i++) slot.types[(slotNo - i) % BPF_REG_SIZE] = isZero ? '0' : 'm';
}

/** check_stack_read_fixed_off: the value a load of `a` gives. */
export function stackReadFixedOff(env: VerifierEnv, a: StackAccess): RegState {
  const f = env.cur.frames[a.frameno];
  const { slotNo, spi } = slotIndex(a.off);
  env.scratchedSlots.add(spi);
  stackRead(env.liveness, a.frameno, env.insnIdx, spi);
  const slot: StackSlot | undefined = f.stack[spi];
  const typeAt = (i: number): SlotType => (slot ? slot.types[(slotNo - i) % BPF_REG_SIZE] : '?');
  const allowUninit = !env.input.unprivileged;
  /** A byte that may be read: misc, zero, a spilled register's part where allowed, uninitialised where allowed. */
  const checkByte = (i: number, spillOk: boolean): SlotType => {
    const ty = typeAt(i);
    if ((ty === '?' && !allowUninit) || (ty === 'r' && !spillOk)) fail(env, 'EACCES', 'stackReadUninit', [a.off, i, a.size]);
    return ty;
  };
  if (isSpilled(slot)) return fillSpilled(env, a, slot, spi, (i) => checkByte(i, true));
  let zeros = 0;
  for (let i = 0; i < a.size; i++) if (checkByte(i, false) === '0') zeros++;
  return scalarReg(zeros === a.size ? scalarConst(0n) : scalarUnknown());
}

/** A read of a slot holding a spilled register: the register, a narrow part of it, or misc bytes. */
function fillSpilled(env: VerifierEnv, a: StackAccess, slot: StackSlot & { spilled: RegState }, spi: number,
  checkByte: (i: number) => SlotType): RegState {
  const sp0 = slot.spilled;
  env.path!.spi = spi;
  let spillSize = 1;
  for (let i = BPF_REG_SIZE - 1; i > 0 && slot.types[i - 1] === 'r'; i--) spillSize++;
  if (a.size === BPF_REG_SIZE && spillSize === BPF_REG_SIZE) return sp0;
  if (sp0.type !== 'scalar') fail(env, 'EACCES', 'invalidFillSize');
  if (a.size <= spillSize && a.off % BPF_REG_SIZE === 0) {
    return umaxWidth(sp0) > a.size * 8 ? scalarReg(scalarUnlinked(sp0.s)) : sp0;
  }
  let spillCnt = 0, zeroCnt = 0;
  for (let i = 0; i < a.size; i++) {
    const ty = checkByte(i);
    if (ty === 'r') spillCnt++;
    else if (ty === '0') zeroCnt++;
  }
  if ((spillCnt === a.size && scalarIsConst(sp0.s) && sp0.s.varOff.value === 0n) || zeroCnt === a.size) {
    env.path!.spi = undefined;
    return scalarReg(scalarConst(0n));
  }
  return scalarReg(scalarUnknown());
}
