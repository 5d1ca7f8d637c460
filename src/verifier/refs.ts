// References a program holds (struct bpf_reference_state in the verifier state):
// acquire_reference for helpers and kfuncs that return new references,
// release_reference (every copy of the pointer becomes invalid, mark_reg_invalid),
// check_reference_leak / check_resource_leak at exits, tail calls, BPF_LD_[ABS|IND] and bpf_throw,
// and the rule of do_check that no function but bpf_spin_unlock (and a few kfuncs)
// may be called while a bpf_spin_lock is held (kernel/bpf/verifier.c).
import { Insn } from '../isa/insn';
import { BPF_HELPER_CALL, BPF_PSEUDO_KFUNC_CALL } from '../isa/opcodes';
import { verbose } from './log';
import { VerifierEnv, fail, text } from './env';
import { RegState, UNKNOWN_SCALAR_REG, notInit, withSpilled } from './state';
import { VerifierReject } from './types';
import { BPF_FUNC_SPIN_UNLOCK } from './helper_protos';

/** acquire_reference: a new pointer reference acquired at `insnIdx`; returns its id. */
export function acquireReference(env: VerifierEnv, insnIdx: number): number {
  const id = ++env.idGen;
  env.cur.refs.push({ kind: 'ptr', id, insnIdx });
  return id;
}

/** mark_reg_invalid: NOT_INIT without CAP_PERFMON's pointer leaks, else an unknown scalar. */
export const invalidReg = (env: VerifierEnv): RegState => (env.input.unprivileged ? notInit() : UNKNOWN_SCALAR_REG);

/** Every register and spilled register of every frame for which `match` holds becomes invalid. */
export function invalidateRegs(env: VerifierEnv, match: (r: RegState) => boolean): void {
  for (const f of env.cur.frames) {
    for (let i = 0; i < f.regs.length; i++) if (match(f.regs[i])) f.regs[i] = invalidReg(env);
    const stack = f.stack;
    for (let i = 0; i < stack.length; i++) {
      const sl = stack[i];
      if (sl.spilled && match(sl.spilled)) stack[i] = withSpilled(sl, invalidReg(env));
    }
  }
}

/** release_reference_nomark: drop the pointer reference `id`; false when it is not held. */
export function releaseReferenceNomark(env: VerifierEnv, id: number): boolean {
  const refs = env.cur.refs;
  let i = 0;
  while (i < refs.length && (refs[i].kind !== 'ptr' || refs[i].id !== id)) i++;
  if (i === refs.length) return false;
  for (; i + 1 < refs.length; i++) refs[i] = refs[i + 1];
  refs.pop();
  return true;
}

/** release_reference: drop reference `refObjId` and invalidate every copy of its pointer. */
export function releaseReference(env: VerifierEnv, refObjId: number): boolean {
  if (!releaseReferenceNomark(env, refObjId)) return false;
  invalidateRegs(env, (r) => r.type !== 'scalar' && r.type !== 'not_init' && r.refObjId === refObjId);
  return true;
}

/**
 * check_resource_leak: at an exit (`exceptionExit` for bpf_throw), a tail call or a
 * throw, no lock (when `checkLock`) and no reference may be held. `prefix` names the
 * instruction in the message.
 */
export function checkResourceLeak(env: VerifierEnv, exceptionExit: boolean, checkLock: boolean, prefix: string): void {
  const refs = env.cur.refs;
  if (!refs.length) return; // the usual exit: nothing held (no scans, no closures)
  if (checkLock && refs.some((r) => r.kind === 'lock')) fail(env, 'EINVAL', 'resourceInLock', [prefix]);
  if (exceptionExit || env.cur.frames[env.cur.curframe].frameno === 0) {
    const leaks = refs.filter((r) => r.kind === 'ptr');
    if (leaks.length) {
      for (const r of leaks) verbose(env.log, text(env, 'unreleasedReference', [r.id, r.insnIdx]) + '\n');
      throw new VerifierReject('EINVAL', text(env, 'resourceRefLeak', [prefix]));
    }
  }
  if (checkLock && refs.some((r) => r.kind === 'irq')) fail(env, 'EINVAL', 'resourceInIrq', [prefix]);
  if (checkLock && refs.some((r) => r.kind === 'rcu')) fail(env, 'EINVAL', 'resourceInRcu', [prefix]);
  if (checkLock && refs.some((r) => r.kind === 'preempt')) fail(env, 'EINVAL', 'resourceInPreempt', [prefix]);
}

/** do_check: while a bpf_spin_lock is held only bpf_spin_unlock and the lock-safe kfuncs may be called. */
export function checkCallWhileLocked(env: VerifierEnv, insn: Insn, kfuncSpinAllowed = false): void {
  const refs = env.cur.refs;
  let i = 0;
  while (i < refs.length && refs[i].kind !== 'lock') i++;
  if (i === refs.length) return;
  if ((insn.src === BPF_HELPER_CALL && insn.imm !== BPF_FUNC_SPIN_UNLOCK)
    || (insn.src === BPF_PSEUDO_KFUNC_CALL && (insn.off !== 0 || !kfuncSpinAllowed))) fail(env, 'EINVAL', 'callInLock');
}
