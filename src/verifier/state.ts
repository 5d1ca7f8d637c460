// Register and stack state of the abstract execution: struct bpf_reg_state,
// bpf_stack_state, bpf_func_state, bpf_verifier_state (include/linux/bpf_verifier.h),
// and their log text: print_reg_state, print_verifier_state (kernel/bpf/log.c).
import { Scalar, scalarUnknown, scalarConst, formatScalar } from './scalar_bridge';

/** enum bpf_reg_type, the part this model tracks; 'other' carries a kernel type name for the next part. */
export type RegType = 'not_init' | 'scalar' | 'ctx' | 'stack' | 'map_ptr' | 'other';

export interface RegState {
  type: RegType;
  /** Value for scalars; var_off of the variable offset for pointers (const 0 here). */
  s: Scalar;
  /** Fixed offset of a pointer. */
  off: number;
  /** Frame the stack pointer points into. */
  frameno: number;
  id: number;
  /** reg_type_str for 'other'. */
  otherName?: string;
  /** PTR_TO_FUNC: the subprog (reg->subprogno). */
  subprogno?: number;
  /** CONST_PTR_TO_MAP: the map. */
  map?: { name: string; keySize: number; valueSize: number; type: number; fd: number; maxEntries: number };
}

export const BPF_REG_SIZE = 8;
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
  inCallbackFn?: boolean;
}

export interface VState {
  frames: FuncState[];
  curframe: number;
}

export const notInit = (): RegState => ({ type: 'not_init', s: scalarUnknown(), off: 0, frameno: 0, id: 0 });
export const scalarReg = (s: Scalar): RegState => ({ type: 'scalar', s, off: 0, frameno: 0, id: 0 });
export const ptrReg = (type: RegType, off: number, frameno = 0): RegState =>
  ({ type, s: scalarConst(0n), off, frameno, id: 0 });

export function newFuncState(frameno: number, subprogno: number, callsite: number): FuncState {
  const regs: RegState[] = [];
  for (let i = 0; i < 11; i++) regs.push(notInit());
  regs[10] = ptrReg('stack', 0, frameno);
  return { regs, stack: [], frameno, subprogno, callsite, inExceptionCallback: false };
}

const cloneReg = (r: RegState): RegState => ({ ...r, s: { ...r.s } });

export function cloneFunc(f: FuncState): FuncState {
  return {
    ...f,
    regs: f.regs.map(cloneReg),
    stack: f.stack.map((sl) => ({ types: [...sl.types], spilled: sl.spilled ? cloneReg(sl.spilled) : null })),
  };
}

export const cloneState = (s: VState): VState => ({ frames: s.frames.map(cloneFunc), curframe: s.curframe });

export const isPointer = (r: RegState): boolean => r.type !== 'scalar' && r.type !== 'not_init';

export function regTypeStr(r: RegState): string {
  switch (r.type) {
    case 'not_init': return '?';
    case 'scalar': return 'scalar';
    case 'ctx': return 'ctx';
    case 'stack': return 'fp';
    case 'map_ptr': return 'map_ptr';
    case 'other': return r.otherName ?? 'ptr_';
  }
}

const snum = (v: number): string => (v >= -32768 && v <= 32767 ? `${v}` : '0x' + BigInt.asUintN(64, BigInt(v)).toString(16));

/** print_reg_state */
export function formatReg(r: RegState, curFrameno: number): string {
  if (r.type === 'scalar') return formatScalar(r.s);
  if (r.type === 'stack') {
    const fr = r.frameno !== curFrameno ? `[${r.frameno}]` : '';
    return `fp${fr}${snum(r.off)}`;
  }
  const parts: string[] = [];
  if (r.id) parts.push(`id=${r.id}`);
  if (r.map) {
    if (r.map.name) parts.push(`map=${r.map.name}`);
    parts.push(`ks=${r.map.keySize},vs=${r.map.valueSize}`);
  }
  if (r.off) parts.push(`off=${snum(r.off)}`);
  return `${regTypeStr(r)}(${parts.join(',')})`;
}

/** print_verifier_state: regs (only scratched unless printAll), then stack slots. */
export function formatFuncState(f: FuncState, printAll: boolean, scratchedRegs: Set<number>, scratchedSlots: Set<number>): string {
  let out = '';
  if (f.frameno) out += ` frame${f.frameno}:`;
  for (let i = 0; i < 11; i++) {
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
    let buf = sl.types.join('');
    if (sl.types[BPF_REG_SIZE - 1] === 'r' && sl.spilled) {
      const j = sl.types.indexOf('r');
      buf = sl.types.slice(0, j).join('');
      out += ` fp${(-i - 1) * BPF_REG_SIZE}=${buf}${formatReg(sl.spilled, f.frameno)}`;
    } else {
      out += ` fp${(-i - 1) * BPF_REG_SIZE}=${buf}`;
    }
  }
  if (f.inCallbackFn) out += ' cb';
  return out + '\n';
}
