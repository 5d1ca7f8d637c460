// The stack: check_stack_access_within_bounds with grow_stack_state,
// check_stack_write_fixed_off (spills with save_register_state, scalar spills linked
// to their register, STACK_ZERO for constant zeros, scrub_special_slot for a spilled register),
// check_stack_read_fixed_off (fills of full and narrow spills, reads of
// misc/zero/uninitialised bytes), and the variable-offset accesses
// check_stack_write_var_off and check_stack_read_var_off with
// check_stack_range_initialized and mark_reg_stack_read (kernel/bpf/verifier.c).
import { MAX_BPF_STACK } from '../isa/opcodes';
import { VerifierEnv, curFrame, fail, notModelled } from './env';
import { markPrecise, scratchSlot } from './regs';
import { recordStackAccess, clearStackAccess } from './precision';
import {
  RegState, PtrOf, FuncState, StackSlot, SlotType, SlotTypes, BPF_REG_SIZE, isPointer, regTypeStr, scalarReg, stackSlot, slotWith,
  slotTypesWith, sharedSlotTypes, SLOT_TYPES, INVALID_STACK_SLOT, constScalarReg, UNKNOWN_SCALAR_REG,
} from './state';
import { scalarIsConst, scalarUnlinked, assignScalarIdBeforeMov, usedNextId } from './scalar_bridge';
import { tnumStrn } from './scalar';

/** What a read of bytes that are all STACK_ZERO (a known zero) or of other bytes (unknown) gives: the shared registers (registers are values). */
const zeroOrUnknownReg = (allZero: boolean): RegState => (allZero ? constScalarReg(0n, false) : UNKNOWN_SCALAR_REG);
import { stackRead, stackWrite } from './stack_liveness';
import type { MemAccess } from './mem';
import { destroyIfDynptrSlot } from './dynptr';

/** A stack access at a fixed offset `off` (< 0) from the frame pointer of `frameno`. */
export interface StackAccess { frameno: number; off: number; size: number }

function slotOf(f: FuncState, spi: number): StackSlot {
  while (f.stack.length <= spi) f.stack.push(INVALID_STACK_SLOT);
  return f.stack[spi];
}

const isSpilled = (sl: StackSlot | undefined): sl is StackSlot & { spilled: RegState } =>
  !!sl && sl.types[BPF_REG_SIZE - 1] === 'r' && !!sl.spilled;

/** 2^(8 * size) for the access sizes 1, 2 and 4 (and 8: above every u64). */
const SIZE_LIMIT: readonly bigint[] = [0n, 1n << 8n, 1n << 16n, 0n, 1n << 32n, 0n, 0n, 0n, 1n << 64n];

/** A scalar's umax fits in `size` bytes (the bits a narrow spill keeps); other registers always fit. */
const umaxFits = (r: RegState, size: number): boolean => r.type !== 'scalar' || r.s.umax < SIZE_LIMIT[size];

/** save_register_state: slot `spi` spills `r`; its top `size` bytes become STACK_SPILL, the rest lose zero/invalid marks. */
function saveRegisterState(f: FuncState, spi: number, r: RegState, size: number): void {
  const slot = f.stack[spi];
  let types: SlotTypes = SLOT_TYPES.r;
  if (size !== BPF_REG_SIZE) {
    const t = slot.types.slice();
    let i = BPF_REG_SIZE;
    for (; i > BPF_REG_SIZE - size; i--) t[i - 1] = 'r';
    for (; i; i--) if (t[i - 1] !== '0' && t[i - 1] !== '?') t[i - 1] = 'm';
    types = sharedSlotTypes(t);
  }
  f.stack[spi] = stackSlot(types, r, slot.obj);
}

/** The bytes of a scrubbed spill: STACK_MISC where they were written. */
const scrubbedTypes = (types: SlotTypes): SlotTypes => sharedSlotTypes(types.map((x) => (x === '?' ? '?' : 'm')));

/** scrub_special_slot: a plain write destroys a spilled register; the spill's bytes become STACK_MISC (scrub_spilled_slot). */
export function scrubSpecialSlot(slot: StackSlot): StackSlot {
  return slotWith(slot, slot.types[BPF_REG_SIZE - 1] === 'r' ? scrubbedTypes(slot.types) : slot.types, null);
}

/**
 * check_stack_write_fixed_off. `val` is the stored value; `valRegno` its register, or -1
 * for BPF_ST's immediate (`isStImm`) and for an atomic's write back.
 */
export function stackWriteFixedOff(env: VerifierEnv, a: StackAccess, val: RegState, valRegno: number, isStImm: boolean): void {
  const f = env.cur.frames[a.frameno];
  const capable = !env.input.unprivileged;
  const slotNo = -a.off - 1, spi = Math.floor(slotNo / BPF_REG_SIZE);
  if (a.size === BPF_REG_SIZE) stackWrite(env.liveness, a.frameno, spi);
  const before = slotOf(f, spi);
  const bt = before.types;
  // the usual shared slot types hold no iterator or irq flag byte: no scan for them
  if (bt !== SLOT_TYPES.r && bt !== SLOT_TYPES.m && bt !== SLOT_TYPES['0'] && bt !== SLOT_TYPES['?']) {
    if (bt.includes('i')) notModelled(env, 'a store over an iterator\'s stack slot');
    if (bt.includes('f')) notModelled(env, 'a store over an irq flag\'s stack slot');
  }
  destroyIfDynptrSlot(env, f, spi);
  const slot = slotOf(f, spi); // after the dynptr's slots were cleared (replaced)
  const reg = valRegno >= 0 ? val : null;
  if (!capable && isSpilled(slot) && slot.spilled.type !== 'scalar' && a.size !== BPF_REG_SIZE) fail(env, 'EACCES', 'corruptSpilledPtr');
  scratchSlot(env, spi);
  const aligned = a.off % BPF_REG_SIZE === 0;
  if (reg && aligned && reg.type === 'scalar' && capable) {
    const fits = umaxFits(reg, a.size);
    let r: RegState = reg;
    if (fits) {
      const linked = assignScalarIdBeforeMov(reg.s, env.idGen + 1);
      if (usedNextId(reg.s, linked, env.idGen + 1)) env.idGen++;
      r = linked === reg.s ? reg : scalarReg(linked);
      curFrame(env).regs[valRegno] = r;
    }
    saveRegisterState(f, spi, fits ? r : scalarReg(scalarUnlinked(reg.s)), a.size);
    recordStackAccess(env, a.frameno, spi);
    return;
  }
  if (!reg && isStImm && aligned && capable) {
    saveRegisterState(f, spi, val, a.size);
    recordStackAccess(env, a.frameno, spi);
    return;
  }
  if (reg && isPointer(reg)) {
    if (reg.type === 'tp_buffer') notModelled(env, `spill of a ${regTypeStr(reg)} pointer`);
    if (a.size !== BPF_REG_SIZE) fail(env, 'EACCES', 'invalidSpillSize');
    if (a.frameno !== env.cur.curframe && reg.type === 'stack') fail(env, 'EINVAL', 'spillStackPtrToCaller');
    saveRegisterState(f, spi, reg, a.size);
    recordStackAccess(env, a.frameno, spi);
    return;
  }
  const isZero = val.type === 'scalar' && scalarIsConst(val.s) && val.s.varOff.value === 0n;
  if (reg !== null && isZero) {
    f.stack[spi] = scrubSpecialSlot(slot); // as backtracking from here sees it
    markPrecise(env, valRegno);
  }
  const t: SlotType = isZero ? '0' : 'm';
  const cur = f.stack[spi];
  let types: SlotTypes = SLOT_TYPES[t];
  if (a.size !== BPF_REG_SIZE) {
    // the bytes of the slot scrubbed (scrub_special_slot), then the written ones
    const bytes = (cur.types[BPF_REG_SIZE - 1] === 'r' ? scrubbedTypes(cur.types) : cur.types).slice();
    for (let i = 0; i < a.size; i++) bytes[(slotNo - i) % BPF_REG_SIZE] = t;
    types = sharedSlotTypes(bytes);
  }
  f.stack[spi] = slotWith(cur, types, null);
}

/**
 * A byte of a fixed-offset read that may be read: misc, zero, a spilled register's part
 * where allowed (`spillOk`), uninitialised where allowed. Byte `i` of the access at `a.off`.
 */
function checkReadByte(env: VerifierEnv, a: StackAccess, slot: StackSlot | undefined, i: number, spillOk: boolean): SlotType {
  const ty = slot ? slot.types[(-a.off - 1 - i) % BPF_REG_SIZE] : '?';
  if ((ty === '?' && env.input.unprivileged) || (ty === 'r' && !spillOk) || ty === 'd' || ty === 'i' || ty === 'f') fail(env, 'EACCES', 'stackReadUninit', [a.off, i, a.size]);
  return ty;
}

/** check_stack_read_fixed_off: the value a load of `a` gives. */
export function stackReadFixedOff(env: VerifierEnv, a: StackAccess): RegState {
  const f = env.cur.frames[a.frameno];
  const spi = Math.floor((-a.off - 1) / BPF_REG_SIZE);
  scratchSlot(env, spi);
  stackRead(env.liveness, a.frameno, env.insnIdx, spi);
  const slot: StackSlot | undefined = f.stack[spi];
  if (isSpilled(slot)) return fillSpilled(env, a, slot, spi);
  let zeros = 0;
  for (let i = 0; i < a.size; i++) if (checkReadByte(env, a, slot, i, false) === '0') zeros++;
  return zeroOrUnknownReg(zeros === a.size);
}

/** A read of a slot holding a spilled register: the register, a narrow part of it, or misc bytes. */
function fillSpilled(env: VerifierEnv, a: StackAccess, slot: StackSlot & { spilled: RegState }, spi: number): RegState {
  const sp0 = slot.spilled;
  recordStackAccess(env, a.frameno, spi);
  let spillSize = 1;
  for (let i = BPF_REG_SIZE - 1; i > 0 && slot.types[i - 1] === 'r'; i--) spillSize++;
  if (a.size === BPF_REG_SIZE && spillSize === BPF_REG_SIZE) return sp0;
  if (sp0.type !== 'scalar') fail(env, 'EACCES', 'invalidFillSize');
  if (a.size <= spillSize && a.off % BPF_REG_SIZE === 0) {
    return umaxFits(sp0, a.size) ? sp0 : scalarReg(scalarUnlinked(sp0.s));
  }
  let spillCnt = 0, zeroCnt = 0;
  for (let i = 0; i < a.size; i++) {
    const ty = checkReadByte(env, a, slot, i, true);
    if (ty === 'r') spillCnt++;
    else if (ty === '0') zeroCnt++;
  }
  // a fill of a spilled zero is still a fill; other reads do not restore the spilled register
  if (spillCnt === a.size && scalarIsConst(sp0.s) && sp0.s.varOff.value === 0n) return constScalarReg(0n, false); // the shared zero (registers are values)
  clearStackAccess(env);
  return zeroOrUnknownReg(zeroCnt === a.size);
}

/** BPF_MAX_VAR_OFF */
const MAX_VAR_OFF = 1n << 29n;

/**
 * check_stack_access_within_bounds, then grow_stack_state: the frame's stack covers
 * the access and its subprog's depth grows to it (rounded up to 8 bytes).
 */
function stackWithinBounds(env: VerifierEnv, ptr: PtrOf<'stack'>, regno: number, off: number, size: number, write: boolean): void {
  const f = env.cur.frames[ptr.frameno];
  const extra = write ? ' write to' : ' read from';
  const constOff = scalarIsConst(ptr.v);
  if (constOff && ptr.v.varOff.value === 0n) {
    // the usual fp-N: the same checks in numbers (no bigint allocated per access)
    const minValid = write || !env.input.unprivileged ? -MAX_BPF_STACK : -f.stack.length * BPF_REG_SIZE;
    if (off >= minValid && off <= -1 && off + size <= 0) return growStack(env, f, -off);
  }
  let minOff: bigint, maxOff: bigint;
  if (constOff) {
    minOff = BigInt.asIntN(64, ptr.v.varOff.value) + BigInt(off);
    maxOff = minOff + BigInt(size);
  } else {
    if (ptr.v.smax >= MAX_VAR_OFF || ptr.v.smin <= -MAX_VAR_OFF) fail(env, 'EACCES', 'stackVarUnbounded', [extra, regno]);
    minOff = ptr.v.smin + BigInt(off);
    maxOff = ptr.v.smax + BigInt(off) + BigInt(size);
  }
  const minValid = write || !env.input.unprivileged ? -MAX_BPF_STACK : -f.stack.length * BPF_REG_SIZE;
  if (minOff < BigInt(minValid) || minOff > -1n || maxOff > 0n) {
    // check_stack_slot_within_bounds fails with EACCES, an access reaching above the frame with EINVAL
    const errno = minOff < BigInt(minValid) || minOff > -1n ? 'EACCES' : 'EINVAL';
    if (constOff) fail(env, errno, write ? 'stackWriteOutOfBounds' : 'stackReadOutOfBounds', [regno, off, size]);
    fail(env, errno, 'stackVarOutOfBounds', [extra, regno, tnumStrn(ptr.v.varOff), off, size]);
  }
  growStack(env, f, Number(-minOff));
}

/** grow_stack_state: allocate the slots down to `size` bytes below the frame pointer; its subprog's depth grows to them. */
export function growStack(env: VerifierEnv, f: FuncState, size: number): void {
  const n = Math.ceil(size / BPF_REG_SIZE);
  if (n === 0) return;
  slotOf(f, n - 1);
  const sp = env.layout.subprogs[f.subprogno];
  if (sp.stackDepth < n * BPF_REG_SIZE) sp.stackDepth = n * BPF_REG_SIZE;
}

/** check_mem_access for PTR_TO_STACK: bounds, then a fixed- or variable-offset read or write. */
export function checkStackAccess(env: VerifierEnv, ptr: PtrOf<'stack'>, a: MemAccess, off: number): RegState {
  const write = a.store !== null;
  stackWithinBounds(env, ptr, a.regno, off, a.size, write);
  if (scalarIsConst(ptr.v)) {
    const varOff = ptr.v.varOff.value;
    const access = { frameno: ptr.frameno, off: varOff === 0n ? off : off + Number(BigInt.asIntN(64, varOff)), size: a.size };
    if (!a.store) return stackReadFixedOff(env, access);
    stackWriteFixedOff(env, access, a.store.val, a.store.regno, a.store.imm);
    return a.store.val;
  }
  if (env.input.unprivileged) fail(env, 'EACCES', 'stackVarUnpriv', [a.regno, tnumStrn(ptr.v.varOff)]);
  const minOff = Number(ptr.v.smin) + off;
  const maxOff = Number(ptr.v.smax) + off + a.size;
  if (!a.store) return stackReadVarOff(env, ptr.frameno, minOff, maxOff);
  stackWriteVarOff(env, ptr.frameno, minOff, maxOff, a.store.val, a.store.regno);
  return a.store.val;
}

/** The slot and byte of stack offset `i` (< 0). */
const byteAt = (i: number): { spi: number; byte: number } => {
  const slot = -i - 1;
  return { spi: Math.floor(slot / BPF_REG_SIZE), byte: slot % BPF_REG_SIZE };
};

/**
 * check_stack_read_var_off (privileged: every byte may be read) and mark_reg_stack_read:
 * a known zero when every byte in [minOff, maxOff) is STACK_ZERO, else unknown.
 */
function stackReadVarOff(env: VerifierEnv, frameno: number, minOff: number, maxOff: number): RegState {
  const f = env.cur.frames[frameno];
  for (let i = minOff; i < maxOff; i++) stackRead(env.liveness, frameno, env.insnIdx, byteAt(i).spi);
  let zeros = 0;
  for (let i = minOff; i < maxOff; i++) {
    const { spi, byte } = byteAt(i);
    scratchSlot(env, spi);
    if (slotOf(f, spi).obj) notModelled(env, 'a variable-offset read over a dynptr or iterator');
    if (slotOf(f, spi).types[byte] !== '0') break;
    zeros++;
  }
  return zeroOrUnknownReg(zeros === maxOff - minOff);
}

/** check_stack_write_var_off (privileged): every byte in range becomes misc (zero stays zero when writing zero). */
function stackWriteVarOff(env: VerifierEnv, frameno: number, minOff: number, maxOff: number, val: RegState, valRegno: number): void {
  const f = env.cur.frames[frameno];
  const insn = env.insns[env.insnIdx];
  const writingZero = val.type === 'scalar' && scalarIsConst(val.s) && val.s.varOff.value === 0n && (valRegno >= 0 || insn.imm === 0);
  let zeroUsed = false;
  for (let i = minOff; i < maxOff; i++) {
    const { spi, byte } = byteAt(i);
    const slot = slotOf(f, spi);
    scratchSlot(env, spi);
    if (slot.obj) notModelled(env, 'a variable-offset write over a dynptr or iterator');
    const sp = slot.spilled;
    if (writingZero && slot.types[byte] === 'r' && sp && sp.type === 'scalar' && scalarIsConst(sp.s) && sp.s.varOff.value === 0n) {
      zeroUsed = true;
      continue;
    }
    // the slot is scrubbed, not only its register: a fill must not find spill bytes without a register
    const scrubbed = scrubSpecialSlot(slot);
    let t: SlotType = 'm';
    if (writingZero && scrubbed.types[byte] === '0') { t = '0'; zeroUsed = true; }
    f.stack[spi] = slotWith(scrubbed, slotTypesWith(scrubbed.types, byte, t), null);
  }
  if (zeroUsed && valRegno >= 0) markPrecise(env, valRegno);
}
