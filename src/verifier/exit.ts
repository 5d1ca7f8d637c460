// Program exits: check_return_code (the return value of the main program, a global
// subprog, the exception callback; bpf_throw's cookie when the default callback
// returns it) (kernel/bpf/verifier.c). The range per program type is data in prog_types.ts.
import { VerifierEnv, fail, notModelled } from './env';
import { readReg, markPrecise } from './regs';
import { RegState, isPointer, regTypeStr } from './state';
import { returnRange } from './prog_types';
import { formatInvalidScalar } from './scalar_bridge';

/** check_return_code for register `regno`, printed as `regName` in the range message. */
export function checkReturnCode(env: VerifierEnv, regno: number, regName: string): void {
  const { input } = env;
  const f0 = env.cur.frames[0];
  const isSubprog = f0.subprogno !== 0;
  const reg = readReg(env, regno);
  if (isPointer(reg) && input.unprivileged) fail(env, 'EACCES', 'leaksAddrAsReturn', [regno]);
  if (reg.type === 'func') notModelled(env, `returning a ${regTypeStr(reg)} pointer`);
  // an async (timer) callback returns 0
  if (f0.inAsyncCallbackFn) return enforceRange(env, regno, regName, reg, { min: 0, max: 0 }, 'At async callback return');
  if (isSubprog && !f0.inExceptionCallback) {
    if (reg.type !== 'scalar') fail(env, 'EINVAL', 'subprogExitNotScalar', [regno, regTypeStr(reg)]);
    return;
  }
  const range = returnRange(input.progType, input.expectedAttachType ?? 0, !!input.attachBtfId);
  if (range === 'unsupported') return notModelled(env, `return value rules of program type ${input.progType}`);
  if (range === 'any') return;
  enforceRange(env, regno, regName, reg, range, 'At program exit');
}

/** check_return_code's enforce_retval: a known scalar within the range, printed with `where`. */
function enforceRange(env: VerifierEnv, regno: number, regName: string, reg: RegState, range: { min: number; max: number }, where: string): void {
  if (reg.type !== 'scalar') fail(env, 'EINVAL', 'returnNotKnownValue', [where, regno, regTypeStr(reg)]);
  markPrecise(env, regno);
  const s = reg.s;
  if (!(BigInt(range.min) <= s.smin && s.smax <= BigInt(range.max))) {
    fail(env, 'EINVAL', 'retvalOutOfRange', [where, regName, formatInvalidScalar(s), range.min, range.max]);
  }
}
