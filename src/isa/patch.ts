// Replacing instructions by sequences while every jump, bpf-to-bpf call and
// function pointer keeps its target: the kernel's bpf_patch_insn_data /
// bpf_remove_insns with bpf_adj_branches (kernel/bpf/core.c), done for any number
// of places at once. The verifier's rewrites (verifier/fixups.ts, one place at a
// time as the kernel does) and the JIT's (jit/fixups.ts) both use it. PURE.
import { Insn, isPseudoCall, isPseudoFunc } from './insn';
import { BPF_CLASS, BPF_OP, BPF_JMP, BPF_JMP32, BPF_JA, BPF_CALL, BPF_EXIT, OP_LD_IMM64 } from './opcodes';
import { IsaError } from './errors';

/** A branch whose relative target moves with the code: its field, or null (calls to helpers, exit, ...). */
function branchField(x: Insn): 'off' | 'imm' | null {
  if (isPseudoCall(x) || isPseudoFunc(x)) return 'imm';
  const cls = BPF_CLASS(x.code), op = BPF_OP(x.code);
  if ((cls !== BPF_JMP && cls !== BPF_JMP32) || op === BPF_CALL || op === BPF_EXIT) return null;
  return x.code === (BPF_JMP32 | BPF_JA) ? 'imm' : 'off';
}

export interface Patched {
  insns: Insn[];
  /** For each instruction of the input (and one past the end), where it, or its replacement, now starts. */
  newPc: Int32Array;
  /** For each output instruction, the input instruction it came from. */
  origin: Int32Array;
}

/**
 * Replace input instructions by sequences (`patches`: index -> its replacement, empty
 * to remove it). A branch to a replaced instruction lands on the first instruction of
 * its sequence; branches inside a replacement are relative to it already and stay as
 * given. The second slot of an ld_imm64 travels with the first unless patched itself.
 * Throws IsaError (kind 'bad-jump') for a branch outside the program.
 */
export function patchProgram(insns: readonly Insn[], patches: ReadonlyMap<number, readonly Insn[]>): Patched {
  const newPc = new Int32Array(insns.length + 1);
  let at = 0;
  for (let i = 0; i < insns.length; i++) { newPc[i] = at; at += patches.get(i)?.length ?? 1; }
  newPc[insns.length] = at;
  const out: Insn[] = [];
  const origin = new Int32Array(at);
  for (let i = 0; i < insns.length; i++) {
    const p = patches.get(i);
    if (p) {
      for (const n of p) { origin[out.length] = i; out.push(n); }
      continue;
    }
    const n = insns[i];
    const field = branchField(n);
    origin[out.length] = i;
    if (!field) out.push(n);
    else {
      const t = i + 1 + n[field];
      if (t < 0 || t > insns.length) throw new IsaError('bad-jump', i * 8, `branch to insn ${t}, outside the program`);
      out.push({ ...n, [field]: newPc[t] - (newPc[i] + 1) });
    }
    if (n.code === OP_LD_IMM64 && i + 1 < insns.length && !patches.has(i + 1)) { i++; origin[out.length] = i; out.push(insns[i]); }
  }
  return { insns: out, newPc, origin };
}
