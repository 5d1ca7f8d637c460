// Register and stack state of the abstract execution: struct bpf_reg_state,
// bpf_stack_state, bpf_func_state, bpf_verifier_state (include/linux/bpf_verifier.h),
// and their log text: print_reg_state, print_verifier_state (kernel/bpf/log.c).
// A register is a discriminated union on its type (enum bpf_reg_type): each type
// carries its own fields. Registers and scalars are values: replaced, never mutated.
import { MAX_BPF_REG, BPF_REG_FP } from '../isa/opcodes';
import { MapInfo } from './types';
import { Scalar, formatScalar, scalarConst, scalarUnknown, scalarFromImm } from './scalar_bridge';
import { formatScalarRanges, formatSnum, formatUnum, tnumStrn, tnumIsConst, tnumIsUnknown, preciseSmallConst } from './scalar';

/** BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG (include/uapi/linux/bpf.h): map_flags the verifier reads. */
export const BPF_F_RDONLY_PROG = 1 << 7;
export const BPF_F_WRONLY_PROG = 1 << 8;

/** The map a register points to or into (reg->map_ptr): the map's facts and the fd (or index) it was named by. */
export type MapRef = MapInfo & { fd: number };

/** The BTF type a PTR_TO_BTF_ID points to (reg->btf, reg->btf_id). */
export interface BtfRef { name: string; id: number; vmlinux: boolean }

/**
 * enum bpf_type_flag bits (include/linux/bpf.h) that change what a pointer may do and
 * how reg_type_str prints it. A pointer register's `flags` holds a bitwise or of these.
 */
export const PTR_MAYBE_NULL = 1 << 0;
export const MEM_RDONLY = 1 << 1;
export const MEM_RINGBUF = 1 << 2;
export const MEM_USER = 1 << 3;
export const MEM_PERCPU = 1 << 4;
export const MEM_RCU = 1 << 5;
export const PTR_UNTRUSTED = 1 << 6;
export const PTR_TRUSTED = 1 << 7;
export const MEM_ALLOC = 1 << 8;
export const NON_OWN_REF = 1 << 9;

/**
 * What every pointer register carries besides its type (struct bpf_reg_state): the fixed
 * offset `off`, the variable offset `v` (reg->var_off with its 64/32-bit bounds, a Scalar
 * whose id and precision are unused), `id` (packet pointers sharing a range, *_OR_NULL
 * pointers sharing a null check), `refObjId` (the reference it was acquired as) and the
 * type flags.
 */
export interface PtrFields {
  off: number;
  v: Scalar;
  id: number;
  refObjId: number;
  flags: number;
}

/** The kernel's AT_PKT_END and BEYOND_PKT_END range marks of a packet pointer compared with pkt_end. */
export const AT_PKT_END = -1;
export const BEYOND_PKT_END = -2;

export type RegState =
  | { type: 'not_init' }
  | { type: 'scalar'; s: Scalar }
  /** PTR_TO_CTX */
  | ({ type: 'ctx' } & PtrFields)
  /** PTR_TO_STACK of frame `frameno`. */
  | ({ type: 'stack'; frameno: number } & PtrFields)
  /** CONST_PTR_TO_MAP */
  | ({ type: 'map_ptr'; map: MapRef } & PtrFields)
  /** PTR_TO_MAP_VALUE */
  | ({ type: 'map_value'; map: MapRef } & PtrFields)
  /** PTR_TO_MAP_KEY */
  | ({ type: 'map_key'; map: MapRef } & PtrFields)
  /** PTR_TO_PACKET, PTR_TO_PACKET_META: `range` bytes from reg->off are known to be in the packet. */
  | ({ type: 'pkt' | 'pkt_meta'; range: number } & PtrFields)
  /** PTR_TO_PACKET_END */
  | ({ type: 'pkt_end' } & PtrFields)
  /** PTR_TO_FLOW_KEYS */
  | ({ type: 'flow_keys' } & PtrFields)
  /** PTR_TO_SOCKET, PTR_TO_SOCK_COMMON, PTR_TO_TCP_SOCK, PTR_TO_XDP_SOCK */
  | ({ type: 'sock' | 'sock_common' | 'tcp_sock' | 'xdp_sock' } & PtrFields)
  /** PTR_TO_TP_BUFFER (writable raw tracepoints) */
  | ({ type: 'tp_buffer' } & PtrFields)
  /** PTR_TO_BTF_ID */
  | ({ type: 'btf_id'; btf: BtfRef } & PtrFields)
  /** PTR_TO_MEM of `size` bytes (reg->mem_size); a dynptr's slice keeps the dynptr's id (reg->dynptr_id, 0: none). */
  | ({ type: 'mem'; size: number; dynptrId: number } & PtrFields)
  /** PTR_TO_BUF (rdonly/rdwr buffers of iterators) */
  | ({ type: 'buf' } & PtrFields)
  /** CONST_PTR_TO_DYNPTR: a callback's read-only dynptr argument (reg->dynptr.type; its id names its slices). */
  | ({ type: 'dynptr_ptr'; dtype: DynptrType } & PtrFields)
  /** PTR_TO_FUNC: a static subprog (reg->subprogno). */
  | ({ type: 'func'; subprogno: number } & PtrFields);

export type RegType = RegState['type'];
export type PointerReg = Exclude<RegState, { type: 'not_init' } | { type: 'scalar' }>;
export type ScalarReg = Extract<RegState, { type: 'scalar' }>;
/** A pointer of one type: PtrOf<'pkt'>. */
export type PtrOf<T extends PointerReg['type']> = Extract<RegState, { type: T }>;
/** The type-specific fields of a pointer of type T (what ptrReg needs besides PtrFields). */
export type PtrExtra<T extends PointerReg['type']> = Omit<PtrOf<T>, keyof PtrFields | 'type'>;

const ZERO_OFF: Scalar = Object.freeze(scalarConst(0n));
/** The variable offset of a pointer with none (known zero). */
export const zeroVarOff = (): Scalar => ZERO_OFF;

/**
 * Every field of every pointer type. At run time each pointer register carries all of them,
 * in this order (fields its type lacks hold zero or undefined): one object shape for all
 * pointers, so V8's reads of `r.type` and the common fields stay monomorphic. Only the
 * type's own fields are ever read (the union type says which).
 */
export type AnyPtr = PtrFields & { type: PointerReg['type']; range: number; frameno: number; map: MapRef | undefined; btf: BtfRef | undefined;
  size: number; dynptrId: number; dtype: DynptrType | undefined; subprogno: number };

/** A pointer of type `type` with the type's own fields, at offset 0 unless `over` says otherwise. */
export function ptrReg<T extends PointerReg['type']>(type: T, extra: PtrExtra<T>, over: Partial<PtrFields> = {}): PtrOf<T> {
  const e = extra as Partial<AnyPtr>;
  const p: AnyPtr = {
    type, off: over.off ?? 0, v: over.v ?? ZERO_OFF, id: over.id ?? 0, refObjId: over.refObjId ?? 0, flags: over.flags ?? 0,
    range: e.range ?? 0, frameno: e.frameno ?? 0, map: e.map, btf: e.btf, size: e.size ?? 0, dynptrId: e.dynptrId ?? 0, dtype: e.dtype, subprogno: e.subprogno ?? 0,
  };
  return p as unknown as PtrOf<T>;
}

/**
 * The pointer with its id, ref_obj_id and flags replaced: every field written in ptrReg's order
 * (one hidden class for every pointer register; a spread would make another).
 */
export function ptrWithIds<P extends PointerReg>(p: P, id: number, refObjId: number, flags: number): P {
  const a = p as unknown as AnyPtr;
  const q: AnyPtr = {
    type: a.type, off: a.off, v: a.v, id, refObjId, flags, range: a.range, frameno: a.frameno, map: a.map, btf: a.btf, size: a.size,
    dynptrId: a.dynptrId, dtype: a.dtype, subprogno: a.subprogno,
  };
  return q as unknown as P;
}

export const BPF_REG_SIZE = 8;

/**
 * enum bpf_stack_slot_type, as print_verifier_state prints it: STACK_INVALID, STACK_SPILL,
 * STACK_MISC, STACK_ZERO, STACK_DYNPTR, STACK_ITER.
 */
export type SlotType = '?' | 'r' | 'm' | '0' | 'd' | 'i' | 'f';

/** enum bpf_dynptr_type, as dynptr_type_str prints it. */
export type DynptrType = 'local' | 'ringbuf';

/**
 * The object a STACK_DYNPTR or STACK_ITER slot holds (the kernel keeps it in the slot's
 * spilled_ptr): a dynptr spans two slots, `first` marking the lower one; an iterator
 * spans its struct's slots, the first (highest spi) holding its reference.
 */
export type StackObj =
  | { kind: 'dynptr'; dtype: DynptrType; first: boolean; id: number; refObjId: number }
  | { kind: 'iter'; name: string; first: boolean; refObjId: number; state: 'active' | 'drained'; depth: number };

/**
 * A stack slot (struct bpf_stack_state). Slots are immutable values shared between states
 * (a state's clone copies only the array of slots): a writer puts a new slot in `stack[spi]`.
 */
export interface StackSlot {
  readonly types: SlotTypes;
  readonly spilled: RegState | null;
  /** The dynptr or iterator of a 'd' or 'i' slot (only those slots have the field). */
  readonly obj?: StackObj;
}

/** slot_type[BPF_REG_SIZE]: the type of each byte of a slot, byte 7 the highest (fp-1 of fp-8's slot). */
export type SlotTypes = readonly SlotType[];

// made as every slot-types array always was (a holey array: one elements kind at every read)
const uniformTypes = (t: SlotType): SlotTypes => new Array<SlotType>(BPF_REG_SIZE).fill(t);
/** The slot types whose 8 bytes are all one type, shared by every slot that has them. */
export const SLOT_TYPES: Readonly<Record<SlotType, SlotTypes>> = {
  '?': uniformTypes('?'), r: uniformTypes('r'), m: uniformTypes('m'), '0': uniformTypes('0'),
  d: uniformTypes('d'), i: uniformTypes('i'), f: uniformTypes('f'),
};

/** A slot; every slot is built here (two object shapes: with and without a dynptr or iterator). */
export const stackSlot = (types: SlotTypes, spilled: RegState | null, obj?: StackObj): StackSlot =>
  (obj ? { types, spilled, obj } : { types, spilled });

/** A never-written slot (STACK_INVALID bytes), shared. */
export const INVALID_STACK_SLOT: StackSlot = stackSlot(SLOT_TYPES['?'], null);

/** `types` with byte `k` set to `t`: the same array when nothing changes, a shared one when uniform. */
export function slotTypesWith(types: SlotTypes, k: number, t: SlotType): SlotTypes {
  if (types[k] === t) return types;
  const out = types.slice();
  out[k] = t;
  return sharedSlotTypes(out);
}

/** A slot-types array a writer built: the shared array when all 8 bytes are one type. */
export function sharedSlotTypes(types: SlotTypes): SlotTypes {
  const t = types[0];
  for (let i = 1; i < BPF_REG_SIZE; i++) if (types[i] !== t) return types;
  return SLOT_TYPES[t];
}

/** The slot with these types and spilled register (the same slot when both are the ones it holds). */
export const slotWith = (sl: StackSlot, types: SlotTypes, spilled: RegState | null): StackSlot =>
  sl.types === types && sl.spilled === spilled ? sl : stackSlot(types, spilled, sl.obj);

/** The slot with its spilled register replaced (same slot when `spilled` is the one it holds). */
export const withSpilled = (sl: StackSlot, spilled: RegState | null): StackSlot => slotWith(sl, sl.types, spilled);

export interface FuncState {
  regs: RegState[];
  /** stack[i] covers fp-(i+1)*8 .. fp-i*8-1 */
  stack: StackSlot[];
  frameno: number;
  subprogno: number;
  /** Index of the call instruction in the caller, -1 for the entry frame. */
  callsite: number;
  inExceptionCallback: boolean;
  /** in_callback_fn: a sync callback (bpf_loop); its exit returns to the callsite. */
  inCallbackFn: boolean;
  /** in_async_callback_fn: a timer callback, walked as the entry frame of a state of its own. */
  inAsyncCallbackFn: boolean;
  /** callback_depth: callbacks of a bpf_loop call in this frame explored in a row on this path. */
  callbackDepth: number;
}

/**
 * struct bpf_reference_state: a reference the program holds (acquired pointer, lock, IRQ
 * section); the RCU read section (active_rcu_lock) and each level of a preemption-disabled
 * region (active_preempt_locks, a nesting count) are entries too, with id 0, though the
 * kernel keeps them as counters beside refs[] (isRegionRef).
 */
export interface RefState {
  kind: 'ptr' | 'lock' | 'rcu' | 'irq' | 'preempt'; id: number; insnIdx: number;
  /** A lock's object (refs[].ptr): the map's fd for a map value's bpf_spin_lock. */
  obj?: number;
}

/** An entry that is a counter of struct bpf_verifier_state in the kernel, not one of its refs[]. */
export const isRegionRef = (r: RefState): boolean => r.kind === 'rcu' || r.kind === 'preempt';

export interface VState {
  frames: FuncState[];
  curframe: number;
  /** acquired_refs / refs[] of struct bpf_verifier_state, in acquisition order. */
  refs: RefState[];
}

const NOT_INIT: RegState = Object.freeze({ type: 'not_init' });
export const notInit = (): RegState => NOT_INIT;
export const scalarReg = (s: Scalar): RegState => ({ type: 'scalar', s });
/** mark_reg_unknown's register (imprecise): registers and scalars are immutable values, so one object serves every use (no allocation per unknown). */
export const UNKNOWN_SCALAR_REG: ScalarReg = { type: 'scalar', s: scalarUnknown() };

/** The registers of BPF_K operands and of known constants made so far (one per immediate, value and precision: registers are values). */
const IMM_REGS = new Map<number, RegState>();
const PRECISE_CONST_REGS = new Map<number, ScalarReg>();
/** Constants from 2^31 on (bigint keys: a Map compares them by value). */
const WIDE_CONST_REGS = new Map<bigint, RegState>();
const PRECISE_WIDE_CONST_REGS = new Map<bigint, RegState>();
const INTERNED_MAX = 4096;

/** The register of a BPF_K operand (scalarFromImm(imm)), shared: no register built per instruction. */
export function immScalarReg(imm: number): RegState {
  let r = IMM_REGS.get(imm);
  if (r === undefined) {
    if (IMM_REGS.size >= INTERNED_MAX) IMM_REGS.clear();
    IMM_REGS.set(imm, r = scalarReg(scalarFromImm(imm)));
  }
  return r;
}

/**
 * The register of the known constant `v` (a u64: __mark_reg_known, id 0), reg->precise `precise`;
 * shared (with immScalarReg's for imprecise values in [0, 2^31)).
 */
export function constScalarReg(v: bigint, precise: boolean): RegState {
  if (v > 0x7fff_ffffn) {
    const wide = precise ? PRECISE_WIDE_CONST_REGS : WIDE_CONST_REGS;
    let r = wide.get(v);
    if (r === undefined) {
      if (wide.size >= INTERNED_MAX) wide.clear();
      wide.set(v, r = scalarReg(scalarConst(v, precise)));
    }
    return r;
  }
  return smallConstScalarReg(Number(v), precise);
}

/**
 * constScalarReg of `n` in [0, 2^31) given as a Number (no bigint built unless the register is new).
 * A precise one holds the shared precise scalar of scalarWithPrecise (one value, one object).
 */
export function smallConstScalarReg(n: number, precise: boolean): RegState {
  if (!precise) return immScalarReg(n);
  const s = preciseSmallConst(n);
  let r = PRECISE_CONST_REGS.get(n);
  if (r === undefined || r.s !== s) {
    if (PRECISE_CONST_REGS.size >= INTERNED_MAX) PRECISE_CONST_REGS.clear();
    PRECISE_CONST_REGS.set(n, r = { type: 'scalar', s });
  }
  return r;
}
export const ctxReg = (off = 0): RegState => ptrReg('ctx', {}, { off });
export const stackReg = (off: number, frameno: number): RegState => ptrReg('stack', { frameno }, { off });

/** R10 of each frame (registers are immutable values: one per frame number will do). */
const FRAME_POINTERS: RegState[] = [];

export function newFuncState(frameno: number, subprogno: number, callsite: number): FuncState {
  const fp = FRAME_POINTERS[frameno] ??= stackReg(0, frameno);
  // a literal of MAX_BPF_REG (11) elements: one allocation of the exact size (push grows the backing store twice)
  const regs: RegState[] = [NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, NOT_INIT, fp];
  return { regs, stack: [], frameno, subprogno, callsite, inExceptionCallback: false, inCallbackFn: false, inAsyncCallbackFn: false, callbackDepth: 0 };
}

export function cloneFunc(f: FuncState): FuncState {
  // slots are immutable: the clone shares them. Every field written out (one object shape, no generic spread)
  return {
    regs: f.regs.slice(), stack: f.stack.slice(), frameno: f.frameno, subprogno: f.subprogno, callsite: f.callsite, inExceptionCallback: f.inExceptionCallback,
    inCallbackFn: f.inCallbackFn, inAsyncCallbackFn: f.inAsyncCallbackFn, callbackDepth: f.callbackDepth,
  };
}

export function cloneState(s: VState): VState {
  const frames: FuncState[] = new Array(s.frames.length);
  for (let i = 0; i < frames.length; i++) frames[i] = cloneFunc(s.frames[i]);
  return { frames, curframe: s.curframe, refs: s.refs.slice() };
}

/** A copy of `s` whose new innermost frame is `callee` (a callback's branch): the frames array made at its final size, not grown by a push. */
export function cloneStateWithCallee(s: VState, callee: FuncState): VState {
  const n = s.frames.length;
  const frames: FuncState[] = new Array(n + 1);
  for (let i = 0; i < n; i++) frames[i] = cloneFunc(s.frames[i]);
  frames[n] = callee;
  return { frames, curframe: n, refs: s.refs.slice() };
}

export const isPointer = (r: RegState): r is PointerReg => r.type !== 'scalar' && r.type !== 'not_init';

/** type_is_pkt_pointer */
export const isPktPointer = (r: RegState): r is PtrOf<'pkt' | 'pkt_meta'> => r.type === 'pkt' || r.type === 'pkt_meta';

/** The base type's name in reg_type_str's table. */
const BASE_NAMES: Readonly<Record<RegType, string>> = {
  not_init: '?', scalar: 'scalar', ctx: 'ctx', stack: 'fp', map_ptr: 'map_ptr', map_value: 'map_value', map_key: 'map_key',
  pkt: 'pkt', pkt_meta: 'pkt_meta', pkt_end: 'pkt_end', flow_keys: 'flow_keys', sock: 'sock', sock_common: 'sock_common',
  tcp_sock: 'tcp_sock', xdp_sock: 'xdp_sock', tp_buffer: 'tp_buffer', btf_id: 'ptr_', mem: 'mem', buf: 'buf', func: 'func',
  dynptr_ptr: 'dynptr_ptr',
};

/** reg_type_str's prefixes, in its order. */
const FLAG_PREFIXES: readonly (readonly [number, string])[] = [
  [MEM_RDONLY, 'rdonly_'], [MEM_RINGBUF, 'ringbuf_'], [MEM_USER, 'user_'], [MEM_PERCPU, 'percpu_'], [MEM_RCU, 'rcu_'],
  [PTR_UNTRUSTED, 'untrusted_'], [PTR_TRUSTED, 'trusted_'],
];

/** reg_type_str: the type with its flag prefixes and `_or_null` (`or_null_` for BTF ids). */
export function regTypeStr(r: RegState): string {
  if (!isPointer(r)) return BASE_NAMES[r.type];
  let prefix = '';
  for (const [bit, p] of FLAG_PREFIXES) if (r.flags & bit) prefix += p;
  const postfix = r.flags & PTR_MAYBE_NULL ? (r.type === 'btf_id' ? 'or_null_' : '_or_null') : '';
  return prefix + BASE_NAMES[r.type] + postfix;
}

/** print_reg_state */
export function formatReg(r: RegState, curFrameno: number): string {
  if (r.type === 'not_init') return '?';
  if (r.type === 'scalar') return formatScalar(r.s);
  let out = regTypeStr(r);
  const constOff = tnumIsConst(r.v.varOff);
  if (r.type === 'stack') {
    if (r.frameno !== curFrameno) out += `[${r.frameno}]`;
    if (constOff) return out + formatSnum(r.v.varOff.value + BigInt(r.off));
  }
  if (r.type === 'btf_id') out += r.btf.name;
  const parts: string[] = [];
  if (r.id) parts.push(`id=${r.id}`);
  if (r.refObjId) parts.push(`ref_obj_id=${r.refObjId}`);
  if (r.flags & NON_OWN_REF) parts.push('non_own_ref');
  if (r.type === 'map_ptr' || r.type === 'map_key' || r.type === 'map_value') {
    if (r.map.name) parts.push(`map=${r.map.name}`);
    parts.push(`ks=${r.map.keySize},vs=${r.map.valueSize}`);
  }
  if (r.off) parts.push(`off=${formatSnum(BigInt(r.off))}`);
  if (r.type === 'pkt' || r.type === 'pkt_meta') parts.push(`r=${formatUnum(BigInt.asUintN(64, BigInt(r.range)))}`);
  if (r.type === 'mem') parts.push(`sz=${formatUnum(BigInt(r.size))}`);
  if (r.type === 'dynptr_ptr') parts.push(`type=${r.dtype}`);
  if (constOff) {
    if (r.v.varOff.value) parts.push(`imm=${formatSnum(r.v.varOff.value)}`);
  } else {
    parts.push(...formatScalarRanges(r.v));
    if (!tnumIsUnknown(r.v.varOff)) parts.push(`var_off=${tnumStrn(r.v.varOff)}`);
  }
  return `${out}(${parts.join(',')})`;
}

const scalarKey = (x: Scalar): string =>
  `${x.varOff.value}/${x.varOff.mask}:${x.smin}:${x.smax}:${x.umin}:${x.umax}:${x.s32min}:${x.s32max}:${x.u32min}:${x.u32max}:${x.id}`;

/** A key that is equal for two registers exactly when they are the same state. */
export function regKey(r: RegState): string {
  if (r.type === 'not_init') return '-';
  if (r.type === 'scalar') return 's:' + scalarKey(r.s);
  let k = `${r.type}:${r.off}:${scalarKey(r.v)}:${r.id}:${r.refObjId}:${r.flags}`;
  switch (r.type) {
    case 'stack': k += `:${r.frameno}`; break;
    case 'map_ptr': case 'map_value': case 'map_key': k += `:${r.map.fd}`; break;
    case 'pkt': case 'pkt_meta': k += `:${r.range}`; break;
    case 'btf_id': k += `:${r.btf.vmlinux ? 'v' : 'p'}${r.btf.id}`; break;
    case 'mem': k += `:${r.size}`; break;
    case 'func': k += `:${r.subprogno}`; break;
    default: break;
  }
  return k;
}

/** A key equal for two states exactly when they are the same (registers, stacks, frames). */
export function stateKey(s: VState): string {
  let k = `${s.curframe}|${s.refs.map((r) => `${r.kind}${r.id}@${r.insnIdx}`).join(',')}`;
  for (const f of s.frames) {
    k += `|${f.subprogno}@${f.callsite}${f.inCallbackFn ? 'cb' : ''}${f.inAsyncCallbackFn ? 'acb' : ''}`;
    for (const r of f.regs) k += ';' + regKey(r);
    for (const sl of f.stack) k += ',' + sl.types.join('') + (sl.spilled ? regKey(sl.spilled) : '') + (sl.obj ? JSON.stringify(sl.obj) : '');
  }
  return k;
}

/** print_verifier_state: regs (only scratched unless printAll), then stack slots. */
export function formatFuncState(f: FuncState, printAll: boolean, scratchedRegs: Set<number>, scratchedSlots: Set<number>,
  refs: readonly RefState[] = []): string {
  let out = '';
  if (f.frameno) out += ` frame${f.frameno}:`;
  for (let i = 0; i < MAX_BPF_REG; i++) {
    const r = f.regs[i];
    if (r.type === 'not_init') continue;
    if (!printAll && !scratchedRegs.has(i)) continue;
    out += ` R${i}=${formatReg(r, f.frameno)}`;
  }
  for (let i = 0; i < f.stack.length; i++) {
    if (!printAll && !scratchedSlots.has(i)) continue;
    const sl = f.stack[i];
    if (!sl.types.some((t) => t !== '?')) continue;
    if (sl.obj) {
      const o = formatStackObj(sl.obj, i);
      if (o) out += o;
      continue;
    }
    // slot_type[0] is the lowest address byte; the kernel prints slot_type[0..7] in order
    if (sl.types[BPF_REG_SIZE - 1] === 'r' && sl.spilled) {
      const j = sl.types.indexOf('r');
      out += ` fp${(-i - 1) * BPF_REG_SIZE}=${sl.types.slice(0, j).join('')}${formatReg(sl.spilled, f.frameno)}`;
    } else {
      out += ` fp${(-i - 1) * BPF_REG_SIZE}=${sl.types.join('')}`;
    }
  }
  // print_verifier_state: only when the first reference has an id, then every one that has
  const held = refs.filter((r) => !isRegionRef(r));
  if (held.length && held[0].id) out += ` refs=${held.filter((r) => r.id).map((r) => r.id).join(',')}`;
  if (f.inCallbackFn) out += ' cb';
  if (f.inAsyncCallbackFn) out += ' async_cb';
  return out + '\n';
}

/** MapRefs made so far, by map and fd (a MapRef is never changed: one per map and fd will do). */
const MAP_REFS = new WeakMap<MapInfo, Map<number, MapRef>>();

/** The MapRef of a map the program names by fd (or index). */
export function mapRef(m: MapInfo, fd: number): MapRef {
  let byFd = MAP_REFS.get(m);
  if (!byFd) MAP_REFS.set(m, byFd = new Map());
  let r = byFd.get(fd);
  if (!r) byFd.set(fd, r = { ...m, fd });
  return r;
}

/**
 * bpf_for_each_reg_in_vstate: replace every register and spilled register of every frame
 * of `st` by `f(reg)` (f returns its argument when nothing changes).
 */
export function mapEachReg(st: VState, f: (r: RegState) => RegState): void {
  for (const fr of st.frames) {
    for (let i = 0; i < fr.regs.length; i++) fr.regs[i] = f(fr.regs[i]);
    const stack = fr.stack;
    for (let i = 0; i < stack.length; i++) {
      const sl = stack[i];
      if (sl.spilled && sl.types[BPF_REG_SIZE - 1] === 'r') stack[i] = withSpilled(sl, f(sl.spilled));
    }
  }
}

/** Every spilled register of `f`'s stack (whatever its slot's bytes) replaced by `fn(reg)` (fn returns its argument when nothing changes). */
export function mapSpilledRegs(f: FuncState, fn: (r: RegState) => RegState): void {
  const stack = f.stack;
  for (let i = 0; i < stack.length; i++) {
    const sl = stack[i];
    if (sl.spilled) stack[i] = withSpilled(sl, fn(sl.spilled));
  }
}

/** print_verifier_state's text of a dynptr (at its first slot) or an iterator (at its referenced slot). */
function formatStackObj(o: StackObj, spi: number): string {
  const at = ` fp${(-spi - 1) * BPF_REG_SIZE}`;
  if (o.kind === 'dynptr') {
    if (!o.first) return '';
    const parts = [o.id ? `id=${o.id}` : '', o.refObjId ? `ref_id=${o.refObjId}` : '', o.id ? `dynptr_id=${o.id}` : ''].filter((x) => x);
    return `${at}=dynptr_${o.dtype}(${parts.join(',')})`;
  }
  if (!o.refObjId) return '';
  return `${at}=iter_${o.name}(ref_id=${o.refObjId},state=${o.state},depth=${o.depth})`;
}
