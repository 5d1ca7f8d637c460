// Reserved fields of an instruction, as do_check's per-class checks reject them
// (check_alu_op, check_cond_jmp_op, do_check_insn, check_ld_imm, resolve_pseudo_ldimm64;
// kernel/bpf/verifier.c). Which rule an instruction breaks is isa/reserved.ts's
// (one place, shared with the decoder and the interpreter); the message is the profile's.
import { Insn } from '../isa/insn';
import { ReservedRule, reservedFieldRule } from '../isa/reserved';
import { MessageKey } from './messages';
import { VerifierEnv, fail } from './env';

/** The message of each rule the walk checks where the instruction is executed. */
const RULE_MESSAGE: Partial<Readonly<Record<ReservedRule, MessageKey>>> = {
  BPF_ALU: 'aluReserved', BPF_MOV: 'movReserved', BPF_NEG: 'negReserved', BPF_END: 'endReserved',
  BPF_ST: 'stReserved', BPF_LDX: 'ldxReserved', BPF_STX: 'stxReserved', BPF_CALL: 'callReserved', BPF_JA: 'jaReserved',
  BPF_EXIT: 'exitReserved', 'BPF_JMP/JMP32': 'condJmpReserved', BPF_LD_IMM: 'invalidBpfLdImm', BPF_LD_IMM64: 'ldImm64Reserved',
  addr_space_cast: 'addrSpaceCastBadAs',
};

/**
 * A bit of VerifierEnv.pointFlags (beside env.ts's PRUNE_POINT, JMP_POINT and FORCE_CHECKPOINT):
 * the instruction breaks no reserved-field rule. Decided once per instruction before the walk
 * (markReservedFieldsOk), not at every execution of it.
 */
export const RESERVED_OK = 8;

/** Set RESERVED_OK on each instruction of the program that breaks no reserved-field rule. */
export function markReservedFieldsOk(env: VerifierEnv): void {
  const insns = env.insns, flags = env.pointFlags;
  for (let i = 0; i < insns.length; i++) if (reservedFieldRule(insns[i]) === null) flags[i] |= RESERVED_OK;
}

/**
 * Reject `insn` with its rule's message when it breaks one of the given rules (one rule
 * may be given alone: no array built per executed instruction).
 */
export function checkReservedFields(env: VerifierEnv, insn: Insn, rules: ReservedRule | readonly ReservedRule[]): void {
  const idx = env.insnIdx;
  if ((env.pointFlags[idx] & RESERVED_OK) !== 0 && env.insns[idx] === insn) return;
  const rule = reservedFieldRule(insn);
  if (!rule || (typeof rules === 'string' ? rule !== rules : !rules.includes(rule))) return;
  const key = RULE_MESSAGE[rule];
  if (key) fail(env, 'EINVAL', key);
}
