// Memory passed to helpers and kfuncs: check_helper_mem_access (the dispatch on the
// pointer's type), check_mem_size_reg (a pointer and its size argument),
// check_mem_reg (kfunc memory of a BTF-given size), and the stack's part:
// check_stack_access_within_bounds, grow_stack_state (stack.ts's) and
// check_stack_range_initialized (every byte read must be initialised where the
// loader lacks CAP_BPF; a helper that writes clobbers spilled registers), then
// the byte-by-byte STACK_MISC marking of a raw-mode (MEM_UNINIT) argument that
// check_helper_call does after the arguments (kernel/bpf/verifier.c).
import { checkPtrToBtfAccess } from './btf_access';
import { MAX_BPF_STACK } from '../isa/opcodes';
import { VerifierEnv, curFrame, fail, notModelled } from './env';
import { markPrecise, scratchSlot } from './regs';
import {
  RegState, PointerReg, StackSlot, BPF_REG_SIZE, MEM_RDONLY, PTR_MAYBE_NULL, regTypeStr,
  slotWith, slotTypesWith, sharedSlotTypes, ptrWithIds, UNKNOWN_SCALAR_REG,
} from './state';
import { Scalar, scalarIsConst } from './scalar_bridge';
import { tnumStrn } from './scalar';
import { stackRead } from './stack_liveness';
import { checkMemAccess } from './mem';
import { scrubSpecialSlot, growStack } from './stack';

/** BPF_MAX_VAR_OFF, BPF_MAX_VAR_SIZ */
export const BPF_MAX_VAR_OFF = 1n << 29n;
export const BPF_MAX_VAR_SIZ = 1n << 29n;

export type AccessType = 'read' | 'write';

/** What check_func_arg remembers for a later raw-mode write and the size refinement of R0 (struct bpf_call_arg_meta, part). */
export interface MemMeta {
  rawMode: boolean;
  /** Set by a raw-mode stack access: the bytes check_helper_call marks STACK_MISC. */
  access?: { regno: number; size: number };
  /** The size argument's umax (msize_max_value). */
  msizeMax?: bigint;
}

const isZeroConst = (r: RegState): boolean => r.type === 'scalar' && scalarIsConst(r.s) && r.s.varOff.value === 0n;
/** register_is_null */
export const registerIsNull = isZeroConst;

type StackPtr = Extract<RegState, { type: 'stack' }>;

/** The [min, max] offsets from the frame pointer a stack pointer with `off` more may start at. */
function stackOffRange(reg: StackPtr, off: number): { min: number; max: number; constOff: boolean } {
  const v: Scalar = reg.v;
  if (scalarIsConst(v)) {
    const o = Number(BigInt.asIntN(64, v.varOff.value)) + off;
    return { min: o, max: o, constOff: true };
  }
  return { min: Number(v.smin) + off, max: Number(v.smax) + off, constOff: false };
}

/** check_stack_access_within_bounds, then grow_stack_state. */
function checkStackAccessWithinBounds(env: VerifierEnv, regno: number, reg: StackPtr, off: number, size: number, t: AccessType): void {
  const f = env.cur.frames[reg.frameno];
  const extra = t === 'read' ? ' read from' : ' write to';
  const constOff = scalarIsConst(reg.v);
  if (!constOff && (reg.v.smax >= BPF_MAX_VAR_OFF || reg.v.smin <= -BPF_MAX_VAR_OFF)) {
    fail(env, 'EACCES', 'stackVarUnbounded', [extra, regno]);
  }
  const { min, max } = stackOffRange(reg, off);
  const end = max + size;
  // check_stack_slot_within_bounds: reads of never-written slots are allowed with allow_uninit_stack only
  const minValid = t === 'write' || !env.input.unprivileged ? -MAX_BPF_STACK : -f.stack.length * BPF_REG_SIZE;
  const bad = min < minValid || min > -1 || end > 0 || size < 0;
  if (bad) {
    if (constOff) fail(env, size < 0 ? 'EFAULT' : min < minValid || min > -1 ? 'EACCES' : 'EINVAL', 'stackOutOfBounds', [extra, regno, off, size]);
    fail(env, min < minValid || min > -1 ? 'EACCES' : 'EINVAL', 'stackVarOutOfBounds', [extra, regno, tnumStrn(reg.v.varOff), off, size]);
  }
  growStack(env, f, -min);
}

/** check_stack_range_initialized */
export function checkStackRangeInitialized(env: VerifierEnv, regno: number, reg: StackPtr, off: number, size: number,
  zeroSizeAllowed: boolean, t: AccessType, meta: MemMeta | null): void {
  if (size === 0 && !zeroSizeAllowed) fail(env, 'EACCES', 'invalidZeroSizedRead');
  checkStackAccessWithinBounds(env, regno, reg, off, size, t);
  const { min, max, constOff } = stackOffRange(reg, off);
  if (!constOff) {
    if (env.input.unprivileged) fail(env, 'EACCES', 'stackVarUnpriv', [regno, tnumStrn(reg.v.varOff)]);
    if (meta?.rawMode) meta = null;
  }
  const f = env.cur.frames[reg.frameno];
  if (meta?.rawMode) {
    meta.access = { regno, size };
    return;
  }
  for (let i = min; i < max + size; i++) {
    const slot = -i - 1;
    const spi = Math.floor(slot / BPF_REG_SIZE);
    const sl: StackSlot = f.stack[spi];
    const k = slot % BPF_REG_SIZE;
    const ty = sl.types[k];
    stackRead(env.liveness, reg.frameno, env.insnIdx, spi);
    if (ty === 'm') continue;
    if (ty === '0' || (ty === '?' && !env.input.unprivileged)) {
      if (t === 'write') f.stack[spi] = slotWith(sl, slotTypesWith(sl.types, k, 'm'), sl.spilled);
      continue;
    }
    const spilled = sl.types[BPF_REG_SIZE - 1] === 'r' && sl.spilled;
    if (spilled && (sl.spilled!.type === 'scalar' || !env.input.unprivileged)) {
      if (t === 'write') f.stack[spi] = slotWith(sl, sharedSlotTypes(sl.types.map((x) => (x === 'r' ? 'm' : x))), UNKNOWN_SCALAR_REG);
      continue;
    }
    // a dynptr's, an iterator's or an irq flag's bytes ('d', 'i', 'f') are never read, root or not
    if (constOff) fail(env, 'EACCES', 'stackIndirectReadUninit', [regno, min, i - min, size]);
    fail(env, 'EACCES', 'stackVarReadUninit', [regno, tnumStrn(reg.v.varOff), i - min, size]);
  }
}

/**
 * The byte writes check_helper_call simulates for a raw-mode stack argument
 * (check_mem_access(BPF_B, BPF_WRITE) per byte): every byte becomes STACK_MISC and a
 * spilled register in a touched slot is scrubbed.
 */
export function markRawModeWrites(env: VerifierEnv, access: { regno: number; size: number }): void {
  const reg = curFrame(env).regs[access.regno];
  if (reg.type !== 'stack') return notModelled(env, `raw-mode helper memory in ${regTypeStr(reg)}`);
  const f = env.cur.frames[reg.frameno];
  const { min } = stackOffRange(reg, reg.off);
  for (let i = 0; i < access.size; i++) {
    const off = min + i;
    const slot = -off - 1;
    const spi = Math.floor(slot / BPF_REG_SIZE);
    growStack(env, f, -off);
    const sl = f.stack[spi];
    if (sl.obj || sl.types.includes('f')) notModelled(env, 'helper writes over a dynptr, iterator or irq flag');
    if (env.input.unprivileged && sl.types[BPF_REG_SIZE - 1] === 'r' && sl.spilled && sl.spilled.type !== 'scalar') {
      fail(env, 'EACCES', 'corruptSpilledPtr');
    }
    const scrubbed = scrubSpecialSlot(sl);
    f.stack[spi] = slotWith(scrubbed, slotTypesWith(scrubbed.types, slot % BPF_REG_SIZE, 'm'), null);
    scratchSlot(env, spi);
  }
}

/** check_helper_mem_access: `size` bytes at register `regno` for a helper. */
export function checkHelperMemAccess(env: VerifierEnv, regno: number, size: number, t: AccessType, zeroSizeAllowed: boolean,
  meta: MemMeta | null): void {
  const reg = curFrame(env).regs[regno];
  switch (reg.type) {
    case 'stack': return checkStackRangeInitialized(env, regno, reg, reg.off, size, zeroSizeAllowed, t, meta);
    case 'map_key':
      if (t === 'write') fail(env, 'EACCES', 'cannotWriteInto', [regno, regTypeStr(reg)]);
      return memoryRegion(env, regno, reg, size, t);
    case 'mem':
      if (reg.flags & MEM_RDONLY && t === 'write') fail(env, 'EACCES', 'cannotWriteInto', [regno, regTypeStr(reg)]);
      return memoryRegion(env, regno, reg, size, t);
    case 'pkt': case 'pkt_meta': case 'map_value':
      return memoryRegion(env, regno, reg, size, t);
    case 'btf_id':
      if (t === 'write') return notModelled(env, `helper writes to ${regTypeStr(reg)}`);
      checkPtrToBtfAccess(env, reg, regno, reg.off, size, false);
      return;
    case 'buf':
      return notModelled(env, `helper access to ${regTypeStr(reg)}`);
    case 'ctx': if (env.input.progType === 31) return notModelled(env, 'helper access to the syscall context');
      break;
    default: break;
  }
  if (zeroSizeAllowed && size === 0 && registerIsNull(reg)) return;
  fail(env, 'EACCES', 'argTypeExpected', [regno, regTypeStr(reg), 'fp']);
}

/**
 * check_packet_access, check_map_access (with check_map_access_type) and
 * check_mem_region_access of `size` bytes at the pointer's offset: the checks of a
 * load (or, for `write`, a store of an unknown value) of that size (mem.ts).
 */
function memoryRegion(env: VerifierEnv, regno: number, reg: PointerReg, size: number, t: AccessType): void {
  if (size === 0) return notModelled(env, `zero-sized helper access to ${regTypeStr(reg)}`);
  if (reg.type === 'map_value' && (reg.map.fields ?? []).length) return notModelled(env, 'helper access to map values with special fields');
  const store = t === 'write' && reg.type !== 'pkt' && reg.type !== 'pkt_meta' ? { val: UNKNOWN_SCALAR_REG, regno: -1, imm: false } : null;
  checkMemAccess(env, reg, { regno, off: 0, size, store, signExtend: false, strictAlign: false });
}

/** check_mem_size_reg: `reg` (R`regno`) is the size of the memory at R`regno - 1`. */
export function checkMemSizeReg(env: VerifierEnv, reg: RegState, regno: number, t: AccessType, zeroSizeAllowed: boolean,
  meta: MemMeta): void {
  if (reg.type !== 'scalar') return notModelled(env, 'a pointer as a size argument');
  const s = reg.s;
  meta.msizeMax = s.umax;
  const m = scalarIsConst(s) ? meta : null;
  if (s.smin < 0n) fail(env, 'EACCES', 'sizeNegative', [regno]);
  if (s.umin === 0n && !zeroSizeAllowed) fail(env, 'EACCES', 'sizeZero', [regno, s.umin, s.umax]);
  if (s.umax >= BPF_MAX_VAR_SIZ) fail(env, 'EACCES', 'sizeUnbounded', [regno]);
  checkHelperMemAccess(env, regno - 1, Number(s.umax), t, zeroSizeAllowed, m);
  markPrecise(env, regno);
}

/** check_mem_reg: a kfunc's pointer to `memSize` bytes, read and written. */
export function checkMemReg(env: VerifierEnv, reg: PointerReg | RegState, regno: number, memSize: number): void {
  if (registerIsNull(reg)) return;
  const regs = curFrame(env).regs;
  const saved = regs[regno];
  if (reg.type !== 'scalar' && reg.type !== 'not_init' && reg.flags & PTR_MAYBE_NULL) regs[regno] = ptrWithIds(reg, reg.id, reg.refObjId, reg.flags & ~PTR_MAYBE_NULL);
  try {
    checkHelperMemAccess(env, regno, memSize, 'read', true, null);
    checkHelperMemAccess(env, regno, memSize, 'write', true, null);
  } finally {
    regs[regno] = saved;
  }
}
