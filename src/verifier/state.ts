// Register and stack state of the abstract execution: struct bpf_reg_state,
// bpf_stack_state, bpf_func_state, bpf_verifier_state (include/linux/bpf_verifier.h),
// and their log text: print_reg_state, print_verifier_state (kernel/bpf/log.c).
// A register is a discriminated union on its type (enum bpf_reg_type): each type
// carries its own fields. Registers and scalars are values: replaced, never mutated.
import { MAX_BPF_REG, BPF_REG_FP } from '../isa/opcodes';
import { Scalar, formatScalar } from './scalar_bridge';

/** CONST_PTR_TO_MAP: the map a register points to. */
export interface MapRef { name: string; keySize: number; valueSize: number; type: number; fd: number; maxEntries: number }

export type RegState =
  | { type: 'not_init' }
  | { type: 'scalar'; s: Scalar }
  /** PTR_TO_CTX with a fixed offset. */
  | { type: 'ctx'; off: number }
  /** PTR_TO_STACK: fixed offset from the frame pointer of frame `frameno`. */
  | { type: 'stack'; off: number; frameno: number }
  | { type: 'map_ptr'; map: MapRef }
  /** PTR_TO_FUNC: a static subprog (reg->subprogno). */
  | { type: 'func'; subprogno: number };

export type RegType = RegState['type'];
export type PointerReg = Exclude<RegState, { type: 'not_init' } | { type: 'scalar' }>;
export type ScalarReg = Extract<RegState, { type: 'scalar' }>;

export const BPF_REG_SIZE = 8;

/** enum bpf_stack_slot_type, as print_verifier_state prints it: STACK_INVALID, STACK_SPILL, STACK_MISC, STACK_ZERO. */
export type SlotType = '?' | 'r' | 'm' | '0';

export interface StackSlot {
  types: SlotType[];
  spilled: RegState | null;
}

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
}

export interface VState {
  frames: FuncState[];
  curframe: number;
}

const NOT_INIT: RegState = Object.freeze({ type: 'not_init' });
export const notInit = (): RegState => NOT_INIT;
export const scalarReg = (s: Scalar): RegState => ({ type: 'scalar', s });
export const ctxReg = (off = 0): RegState => ({ type: 'ctx', off });
export const stackReg = (off: number, frameno: number): RegState => ({ type: 'stack', off, frameno });

export function newFuncState(frameno: number, subprogno: number, callsite: number): FuncState {
  const regs: RegState[] = [];
  for (let i = 0; i < MAX_BPF_REG; i++) regs.push(NOT_INIT);
  regs[BPF_REG_FP] = stackReg(0, frameno);
  return { regs, stack: [], frameno, subprogno, callsite, inExceptionCallback: false, inCallbackFn: false };
}

export function cloneFunc(f: FuncState): FuncState {
  return {
    ...f,
    regs: f.regs.slice(),
    stack: f.stack.map((sl) => ({ types: sl.types.slice(), spilled: sl.spilled })),
  };
}

export const cloneState = (s: VState): VState => ({ frames: s.frames.map(cloneFunc), curframe: s.curframe });

export const isPointer = (r: RegState): r is PointerReg => r.type !== 'scalar' && r.type !== 'not_init';

/** reg_type_str */
export function regTypeStr(r: RegState): string {
  switch (r.type) {
    case 'not_init': return '?';
    case 'stack': return 'fp';
    default: return r.type;
  }
}

const snum = (v: number): string => (v >= -32768 && v <= 32767 ? `${v}` : '0x' + BigInt.asUintN(64, BigInt(v)).toString(16));

/** print_reg_state */
export function formatReg(r: RegState, curFrameno: number): string {
  switch (r.type) {
    case 'not_init': return '?';
    case 'scalar': return formatScalar(r.s);
    case 'stack': return `fp${r.frameno !== curFrameno ? `[${r.frameno}]` : ''}${snum(r.off)}`;
    case 'ctx': return `ctx(${r.off ? `off=${snum(r.off)}` : ''})`;
    case 'map_ptr': {
      const parts: string[] = [];
      if (r.map.name) parts.push(`map=${r.map.name}`);
      parts.push(`ks=${r.map.keySize},vs=${r.map.valueSize}`);
      return `map_ptr(${parts.join(',')})`;
    }
    case 'func': return 'func()';
  }
}

/** A key that is equal for two registers exactly when they are the same state. */
export function regKey(r: RegState): string {
  switch (r.type) {
    case 'not_init': return '-';
    case 'scalar': {
      const x = r.s;
      return `s:${x.varOff.value}/${x.varOff.mask}:${x.smin}:${x.smax}:${x.umin}:${x.umax}:${x.s32min}:${x.s32max}:${x.u32min}:${x.u32max}:${x.id}`;
    }
    case 'ctx': return `c:${r.off}`;
    case 'stack': return `fp:${r.off}:${r.frameno}`;
    case 'map_ptr': return `m:${r.map.fd}`;
    case 'func': return `f:${r.subprogno}`;
  }
}

/** A key equal for two states exactly when they are the same (registers, stacks, frames). */
export function stateKey(s: VState): string {
  let k = `${s.curframe}`;
  for (const f of s.frames) {
    k += `|${f.subprogno}@${f.callsite}${f.inCallbackFn ? 'cb' : ''}`;
    for (const r of f.regs) k += ';' + regKey(r);
    for (const sl of f.stack) k += ',' + sl.types.join('') + (sl.spilled ? regKey(sl.spilled) : '');
  }
  return k;
}

/** print_verifier_state: regs (only scratched unless printAll), then stack slots. */
export function formatFuncState(f: FuncState, printAll: boolean, scratchedRegs: Set<number>, scratchedSlots: Set<number>): string {
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
    // slot_type[0] is the lowest address byte; the kernel prints slot_type[0..7] in order
    if (sl.types[BPF_REG_SIZE - 1] === 'r' && sl.spilled) {
      const j = sl.types.indexOf('r');
      out += ` fp${(-i - 1) * BPF_REG_SIZE}=${sl.types.slice(0, j).join('')}${formatReg(sl.spilled, f.frameno)}`;
    } else {
      out += ` fp${(-i - 1) * BPF_REG_SIZE}=${sl.types.join('')}`;
    }
  }
  if (f.inCallbackFn) out += ' cb';
  return out + '\n';
}
