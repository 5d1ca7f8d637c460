// The functions of a program as the kernel's JIT gets them (jit_subprogs):
// where each starts, its stack depth, which can reach a tail call, which is
// the exception callback. PURE.
import { Insn } from '../isa/insn';
import { BPF_PSEUDO_CALL, BPF_PSEUDO_FUNC } from '../isa/opcodes';
import { JitError, JitFunc } from './types';
import { OP_TAIL_CALL } from './codegen';

export interface SplitOptions {
  /** Starts known from elsewhere (func_info), besides call and function-pointer targets. */
  extraStarts?: readonly number[];
  /** Stack depth of each function in order (the verifier's `stack depth a+b+...`). */
  stackDepths: readonly number[];
  /** First instruction of the exception callback, if there is one. */
  exceptionCbStart?: number;
}

/**
 * Split `insns` into functions: starts at 0, at bpf-to-bpf call targets,
 * function-pointer (BPF_PSEUDO_FUNC) targets and the extra starts. A function
 * can reach a tail call when it makes one or calls (transitively) one that
 * does, as check_max_stack_depth marks every frame of such a call chain.
 */
export function splitFunctions(insns: readonly Insn[], o: SplitOptions): JitFunc[] {
  const starts = new Set<number>([0, ...(o.extraStarts ?? [])]);
  if (o.exceptionCbStart !== undefined) starts.add(o.exceptionCbStart);
  for (let i = 0; i < insns.length; i++) {
    const n = insns[i];
    if (n.code === 0x85 && n.src === BPF_PSEUDO_CALL) starts.add(i + 1 + n.imm);
    if (n.code === 0x18) {
      if (n.src === BPF_PSEUDO_FUNC) starts.add(i + 1 + n.imm);
      i++;
    }
  }
  const sorted = [...starts].sort((a, b) => a - b);
  for (const s of sorted) if (s < 0 || s >= insns.length) throw new JitError(-1, `a function would start at insn ${s}, outside the program`);
  if (sorted.length !== o.stackDepths.length) {
    throw new JitError(-1, `found ${sorted.length} functions, but ${o.stackDepths.length} stack depths`);
  }
  const funcOf = (pc: number): number => { let k = 0; while (k + 1 < sorted.length && sorted[k + 1] <= pc) k++; return k; };
  const hasTail = sorted.map(() => false);
  const callees = sorted.map(() => new Set<number>());
  for (let i = 0; i < insns.length; i++) {
    const n = insns[i];
    if (n.code === OP_TAIL_CALL) hasTail[funcOf(i)] = true;
    if (n.code === 0x85 && n.src === BPF_PSEUDO_CALL) callees[funcOf(i)].add(funcOf(i + 1 + n.imm));
  }
  const reaches = (k: number, seen: Set<number>): boolean => {
    if (hasTail[k]) return true;
    seen.add(k);
    for (const c of callees[k]) if (!seen.has(c) && reaches(c, seen)) return true;
    return false;
  };
  return sorted.map((start, k) => ({
    start, len: (sorted[k + 1] ?? insns.length) - start, stackDepth: o.stackDepths[k],
    tailCallReachable: reaches(k, new Set()), exceptionCb: start === o.exceptionCbStart,
  }));
}
