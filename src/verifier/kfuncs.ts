// kfunc calls: check_kfunc_call with the kfunc's flags and set from a table (the
// kernel's BTF_KFUNCS_START/BTF_ID_FLAGS id sets, KF_* flags), the program types a
// set is registered for (prog_types.ts), and bpf_throw's handling (KF_bpf_throw:
// the throw is an exceptional exit, process_bpf_exit_full) (kernel/bpf/verifier.c,
// kernel/bpf/helpers.c). A kfunc that is not in the table is `not modelled yet`.
import { Insn } from '../isa/insn';
import { VerifierEnv, curFrame, fail, notModelled } from './env';
import { readReg } from './regs';
import { progTypeInfo } from './prog_types';
import { checkReturnCode } from './exit';

/** KF_* flags (include/linux/btf.h). */
export type KfuncFlag = 'acquire' | 'release' | 'ret_null' | 'trusted_args' | 'sleepable' | 'destructive' | 'rcu' | 'iter_new' | 'iter_next' | 'iter_destroy';

/** The kfunc id sets of the kernel that the model knows, by what registers them. */
export type KfuncSet = 'generic';

/** Argument kinds checked by check_kfunc_args, the part modelled. */
export type KfuncArg = 'scalar';

export interface KfuncDesc {
  set: KfuncSet;
  flags: readonly KfuncFlag[];
  args: readonly KfuncArg[];
  /** Special handling after the arguments (the kernel's special_kfunc_list). */
  special?: 'throw';
}

export const KFUNC_TABLE: Readonly<Record<string, KfuncDesc>> = {
  // __bpf_kfunc void bpf_throw(u64 cookie), in the generic set
  bpf_throw: { set: 'generic', flags: [], args: ['scalar'], special: 'throw' },
};

/** What a kfunc call does to the walk: go on, or an exceptional exit. */
export type KfuncOutcome = 'next' | 'throw';

/** check_kfunc_call */
export function checkKfuncCall(env: VerifierEnv, insn: Insn, idx: number): KfuncOutcome {
  const info = env.layout.kfuncs.get(idx);
  const desc = info ? KFUNC_TABLE[info.name] : undefined;
  if (!info || !desc || insn.off !== 0) return notModelled(env, `kfunc ${info?.name ?? insn.imm}`);
  if (desc.set === 'generic' && !progTypeInfo(env.input.progType).genericKfuncs) fail(env, 'EACCES', 'kfuncNotAllowed', [info.name]);
  desc.args.forEach((kind, i) => {
    const r = readReg(env, i + 1);
    if (kind === 'scalar' && r.type !== 'scalar') fail(env, 'EINVAL', 'argNotScalar', [i + 1]);
  });
  if (desc.special === 'throw') {
    env.seenException = true;
    // without an exception callback the default one returns the cookie: it is checked as a return value
    if (!env.layout.exceptionCallback) checkReturnCode(env, 1, 'R1');
    const regs = curFrame(env).regs;
    for (let r = 0; r <= 5; r++) regs[r] = { type: 'not_init' };
    return 'throw';
  }
  return notModelled(env, `kfunc ${info.name} return value`);
}
