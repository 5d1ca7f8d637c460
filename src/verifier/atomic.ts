// Atomic instructions and the legacy packet loads: check_atomic with
// check_atomic_rmw (add/and/or/xor with and without fetch, xchg, cmpxchg: a read
// and a write of the same memory, the old value into the fetch register),
// check_atomic_load and check_atomic_store (load-acquire, store-release),
// atomic_ptr_type_ok; and check_ld_abs for BPF_LD_[ABS|IND] (kernel/bpf/verifier.c).
import { Insn } from '../isa/insn';
import {
  BPF_SIZE, BPF_MODE, BPF_W, BPF_DW, BPF_ADD, BPF_AND, BPF_OR, BPF_XOR, BPF_FETCH, BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ,
  BPF_STORE_REL, BPF_IND, BPF_ABS,
} from '../isa/opcodes';
import { VerifierEnv, fail } from './env';
import { checkResourceLeak } from './refs';
import { readReg, checkDst, setReg, scratchReg } from './regs';
import { RegState, PointerReg, isPointer, regTypeStr, notInit, UNKNOWN_SCALAR_REG } from './state';
import { PROG_TYPES as P } from './types';
import { checkMemAccess, accessSize, saveAuxPtrType, MemAccess, loadedScalar, storeAccess } from './mem';

const RMW_OPS: ReadonlySet<number> = new Set([BPF_ADD, BPF_ADD | BPF_FETCH, BPF_AND, BPF_AND | BPF_FETCH, BPF_OR, BPF_OR | BPF_FETCH,
  BPF_XOR, BPF_XOR | BPF_FETCH, BPF_XCHG, BPF_CMPXCHG]);

/** atomic_ptr_type_ok: no atomics on the context, packets, flow keys or sockets. */
const ATOMIC_BAD_PTRS: ReadonlySet<RegState['type']> = new Set(['ctx', 'pkt', 'pkt_meta', 'pkt_end', 'flow_keys', 'sock', 'sock_common', 'tcp_sock', 'xdp_sock']);
const atomicPtrTypeOk = (r: RegState): boolean => !ATOMIC_BAD_PTRS.has(r.type);

/** is_pointer_value for the loader's privileges. */
const leaky = (env: VerifierEnv, r: RegState): boolean => isPointer(r) && !!env.input.unprivileged;

/** BPF_STX | BPF_ATOMIC: check_atomic */
export function checkAtomic(env: VerifierEnv, insn: Insn): void {
  if (RMW_OPS.has(insn.imm)) return checkAtomicRmw(env, insn);
  if (insn.imm === BPF_LOAD_ACQ || insn.imm === BPF_STORE_REL) return checkAtomicLoadStore(env, insn);
  fail(env, 'EINVAL', 'atomicInvalidOpcode', [insn.imm]);
}

/** check_atomic_rmw */
function checkAtomicRmw(env: VerifierEnv, insn: Insn): void {
  if (BPF_SIZE(insn.code) !== BPF_W && BPF_SIZE(insn.code) !== BPF_DW) fail(env, 'EINVAL', 'atomicInvalidSize');
  const val = readReg(env, insn.src);
  const dst = readReg(env, insn.dst);
  if (insn.imm === BPF_CMPXCHG && leaky(env, readReg(env, 0))) fail(env, 'EACCES', 'leaksAddrInto', [0, 'mem']);
  if (leaky(env, val)) fail(env, 'EACCES', 'leaksAddrInto', [insn.src, 'mem']);
  if (!atomicPtrTypeOk(dst)) fail(env, 'EACCES', 'stAtomicNotAllowed', [insn.dst, regTypeStr(dst)]);
  const loadReg = insn.imm & BPF_FETCH ? (insn.imm === BPF_CMPXCHG ? 0 : insn.src) : -1;
  if (loadReg >= 0) checkDst(env, loadReg);
  const a: MemAccess = { regno: insn.dst, off: insn.off, size: accessSize(insn), store: null, signExtend: false, strictAlign: true };
  checkMemAccess(env, dst, a);
  if (loadReg >= 0) {
    const old = checkMemAccess(env, dst, a);
    // check_stack_read of a pointer-sized value into a register: a spilled pointer is filled as it is
    setReg(env, loadReg, isPointer(old) ? old : loadedScalar(old.type === 'scalar' ? old.s : UNKNOWN_SCALAR_REG.s, a.size, false));
  }
  // the value written: an unknown scalar (registers are values: the shared one)
  checkMemAccess(env, dst, storeAccess(a.regno, a.off, a.size, UNKNOWN_SCALAR_REG, -1, false, true));
}

/** check_atomic_load (load-acquire) and check_atomic_store (store-release) */
function checkAtomicLoadStore(env: VerifierEnv, insn: Insn): void {
  const load = insn.imm === BPF_LOAD_ACQ;
  const ptrRegno = load ? insn.src : insn.dst;
  let ptr: RegState;
  if (load) {
    ptr = readReg(env, insn.src);
    checkDst(env, insn.dst);
    const v = checkMemAccess(env, ptr, { regno: insn.src, off: insn.off, size: accessSize(insn), store: null, signExtend: false, strictAlign: true });
    setReg(env, insn.dst, v);
  } else {
    const val = readReg(env, insn.src);
    ptr = readReg(env, insn.dst);
    checkMemAccess(env, ptr, storeAccess(insn.dst, insn.off, accessSize(insn), val, insn.src, false, true));
  }
  saveAuxPtrType(env, ptr);
  if (!atomicPtrTypeOk(ptr)) fail(env, 'EACCES', load ? 'ldAtomicNotAllowed' : 'stAtomicNotAllowed', [ptrRegno, regTypeStr(ptr)]);
}

/** may_access_skb: the program types with gen_ld_abs */
const LD_ABS_TYPES: ReadonlySet<number> = new Set([P.socket_filter, P.sched_cls, P.sched_act]);

/** check_ld_abs: BPF_LD_[ABS|IND] reads the packet of the skb in R6 through a helper; R0 gets the value. */
export function checkLdAbs(env: VerifierEnv, insn: Insn): void {
  const mode = BPF_MODE(insn.code);
  if (!LD_ABS_TYPES.has(env.input.progType)) fail(env, 'EINVAL', 'ldAbsNotAllowed');
  if (insn.dst !== 0 || insn.off !== 0 || BPF_SIZE(insn.code) === BPF_DW || (mode === BPF_ABS && insn.src !== 0)) {
    fail(env, 'EINVAL', 'ldAbsReserved');
  }
  const r6 = readReg(env, 6);
  // gen_ld_abs may end the program at run time: nothing may be held here
  checkResourceLeak(env, false, true, 'BPF_LD_[ABS|IND]');
  if (r6.type !== 'ctx') fail(env, 'EINVAL', 'ldAbsR6NotCtx');
  if (mode === BPF_IND) readReg(env, insn.src);
  const ctx = r6 as PointerReg;
  if (ctx.off) fail(env, 'EACCES', 'derefModifiedPtr', ['ctx', 6, ctx.off]);
  const regs = env.cur.frames[env.cur.curframe].regs;
  for (let r = 0; r <= 5; r++) { regs[r] = notInit(); scratchReg(env, r); }
  regs[0] = UNKNOWN_SCALAR_REG;
}
