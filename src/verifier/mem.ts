// Loads and stores: the BPF_LDX/BPF_STX/BPF_ST instructions (check_load_mem,
// check_store_reg, reserved fields) and check_mem_access's dispatch on the pointer's
// type: the stack at a fixed offset (stack.ts, with check_stack_access_within_bounds
// and the alignment rule), the context as the program type's table allows
// (is_valid_access, the part modelled), everything else `not modelled yet`
// (kernel/bpf/verifier.c).
import { Insn } from '../isa/insn';
import { BPF_MODE, BPF_SIZE, BPF_MEM, BPF_W, BPF_H, BPF_B, BPF_DW, MAX_BPF_STACK } from '../isa/opcodes';
import { VerifierEnv, fail, notModelled } from './env';
import { readReg, checkDst, setReg } from './regs';
import { RegState, PointerReg, BPF_REG_SIZE, regTypeStr, scalarReg } from './state';
import { scalarFromImm, scalarUnknown32, scalarCoerce } from './scalar_bridge';
import { progTypeInfo } from './prog_types';
import { stackReadFixedOff, stackWriteFixedOff } from './stack';

const SIZE_BYTES: Readonly<Record<number, number>> = { [BPF_W]: 4, [BPF_H]: 2, [BPF_B]: 1, [BPF_DW]: 8 };
export const accessSize = (insn: Insn): number => SIZE_BYTES[BPF_SIZE(insn.code)];

/** BPF_LDX | BPF_MEM */
export function checkLoad(env: VerifierEnv, insn: Insn): void {
  if (BPF_MODE(insn.code) !== BPF_MEM) notModelled(env, 'sign-extending loads (BPF_MEMSX)');
  const src = readReg(env, insn.src);
  checkDst(env, insn.dst);
  const size = accessSize(insn);
  let v = checkMemAccess(env, src, insn.src, insn.off, size, null);
  if (size < BPF_REG_SIZE && v.type === 'scalar') v = scalarReg(scalarCoerce(v.s, size));
  setReg(env, insn.dst, v);
}

/** BPF_STX | BPF_MEM (atomics are not modelled) */
export function checkStoreReg(env: VerifierEnv, insn: Insn): void {
  if (BPF_MODE(insn.code) !== BPF_MEM) notModelled(env, 'atomic instructions');
  if (insn.imm !== 0) fail(env, 'EINVAL', 'stxReserved');
  const val = readReg(env, insn.src);
  const dst = readReg(env, insn.dst);
  checkMemAccess(env, dst, insn.dst, insn.off, accessSize(insn), { val, regno: insn.src });
}

/** BPF_ST | BPF_MEM */
export function checkStoreImm(env: VerifierEnv, insn: Insn): void {
  if (BPF_MODE(insn.code) !== BPF_MEM || insn.src !== 0) fail(env, 'EINVAL', 'stReserved');
  const dst = readReg(env, insn.dst);
  checkMemAccess(env, dst, insn.dst, insn.off, accessSize(insn), { val: scalarReg(scalarFromImm(insn.imm)), regno: -1 });
}

/** The value of a store and its register (-1: an immediate). */
interface StoreValue { val: RegState; regno: number }

/** check_mem_access: a load (store = null) returns the loaded value. */
function checkMemAccess(env: VerifierEnv, ptr: RegState, regno: number, insnOff: number, size: number, store: StoreValue | null): RegState {
  switch (ptr.type) {
    case 'ctx': return checkCtxAccess(env, ptr, insnOff, size, store !== null);
    case 'stack': return checkStackAccess(env, ptr, regno, insnOff, size, store);
    case 'scalar': return fail(env, 'EACCES', 'invalidMemAccess', [regno, 'scalar']);
    default: return notModelled(env, `memory access through ${regTypeStr(ptr)}`);
  }
}

/** check_ctx_access: aligned 4-byte reads of the u32 fields the program type's table lists. */
function checkCtxAccess(env: VerifierEnv, ptr: PointerReg & { type: 'ctx' }, insnOff: number, size: number, write: boolean): RegState {
  const off = ptr.off + insnOff;
  const reads = progTypeInfo(env.input.progType).ctxU32Reads;
  const ok = !write && size === 4 && ptr.off === 0 && off % 4 === 0 && reads.some((r) => off >= r.from && off <= r.to);
  if (!ok) notModelled(env, `context ${write ? 'write' : 'read'} at offset ${off} size ${size}`);
  return scalarReg(scalarUnknown32());
}

/** check_stack_access_within_bounds and the alignment rule, then the fixed-offset access. */
function checkStackAccess(env: VerifierEnv, ptr: PointerReg & { type: 'stack' }, regno: number, insnOff: number, size: number,
  store: StoreValue | null): RegState {
  const off = ptr.off + insnOff;
  if (off % size !== 0) fail(env, 'EACCES', 'stackMisalignedFixed', [ptr.off, insnOff, size]);
  if (off >= 0 || off < -MAX_BPF_STACK) fail(env, 'EACCES', store ? 'stackWriteOutOfBounds' : 'stackReadOutOfBounds', [regno, off, size]);
  // update_stack_depth
  const sp = env.layout.subprogs[env.cur.frames[ptr.frameno].subprogno];
  if (-off > sp.stackDepth) sp.stackDepth = -off;
  const access = { frameno: ptr.frameno, off, size };
  if (!store) return stackReadFixedOff(env, access);
  stackWriteFixedOff(env, access, store.val, store.regno);
  return store.val;
}
