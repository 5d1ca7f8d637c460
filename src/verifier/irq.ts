// IRQ flags (kernel/bpf/verifier.c): process_irq_flag for bpf_local_irq_save's
// `unsigned long *flags__irq_flag` argument. The flag's 8-byte stack slot is written
// (check_mem_access) and becomes STACK_IRQ_FLAG ('f'), and an IRQ reference
// (REF_TYPE_IRQ) is held: every exit, tail call and throw with it held is refused
// (check_resource_leak, refs.ts). Restoring (bpf_local_irq_restore, not in the kfunc
// table), a second save while one is held, and a flag not at a constant, aligned
// stack slot are `not modelled yet`: a path that saved can end only in a rejection
// or in one of those, never in an accept.
import { VerifierEnv, curFrame, notModelled } from './env';
import { BPF_REG_SIZE, scalarReg, stackSlot, SLOT_TYPES } from './state';
import { scalarUnknown, scalarIsConst } from './scalar_bridge';
import { checkMemAccess } from './mem';
import { scratchSlot } from './regs';

/** process_irq_flag for bpf_local_irq_save(R`regno`). */
export function processIrqSave(env: VerifierEnv, regno: number): void {
  const reg = curFrame(env).regs[regno];
  if (reg.type !== 'stack') return notModelled(env, `an irq flag in ${reg.type}`);
  if (!scalarIsConst(reg.v)) return notModelled(env, 'an irq flag at a variable stack offset');
  const off = reg.off + Number(BigInt.asIntN(64, reg.v.varOff.value));
  if (off % BPF_REG_SIZE) return notModelled(env, `an irq flag at offset ${off}`);
  if (env.cur.refs.some((r) => r.kind === 'irq')) return notModelled(env, 'bpf_local_irq_save with IRQs already disabled');
  checkMemAccess(env, reg, { regno, off: 0, size: BPF_REG_SIZE, store: { val: scalarReg(scalarUnknown()), regno: -1, imm: false }, signExtend: false, strictAlign: false });
  const f = env.cur.frames[reg.frameno];
  const spi = (-off - 1) / BPF_REG_SIZE | 0;
  f.stack[spi] = stackSlot(SLOT_TYPES.f, null);
  scratchSlot(env, spi);
  env.cur.refs.push({ kind: 'irq', id: ++env.idGen, insnIdx: env.insnIdx });
}
