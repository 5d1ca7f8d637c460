// The rewritten program as bpftool's `prog dump xlated` prints it, for `bpfx kernel
// --dump xlated` (the kernel's) and `bpfx verify --dump xlated` (the model's), so the
// two can be diffed: `%4d: (code) insn`, helper and kfunc calls named after the kernel
// function their imm reaches (kallsyms, as bpftool's print_call_helper), bpf-to-bpf
// calls as `call pc+OFF` (the dump form's offset; bpftool without jited ksyms), maps
// as `map[id:N]` in the kernel's dump and `map[fd:N]` in the model's (it has no ids).
import { Insn } from '../isa/insn';
import { bpftoolXlatedLines, bpftoolImmName } from '../isa/disasm';
import { BPF_PSEUDO_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE } from '../isa/opcodes';
import { KernelSymbols, callTargetName } from '../kernel/kallsyms';

const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);

/** bpftool's lines for an xlated program; `model`: the model's (maps by fd). */
export function xlatedDumpLines(insns: readonly Insn[], syms: KernelSymbols | undefined, model: boolean): string[] {
  return bpftoolXlatedLines(insns, {
    immName: (p, pc, value) => {
      const n = p[pc];
      if (model && (n.src === BPF_PSEUDO_MAP_FD || n.src === BPF_PSEUDO_MAP_VALUE)) {
        return n.src === BPF_PSEUDO_MAP_FD ? `map[fd:${n.imm}]` : `map[fd:${n.imm}][0]+${p[pc + 1]?.imm ?? 0}`;
      }
      return bpftoolImmName(p, pc, value);
    },
    callName: (n) => (n.src === BPF_PSEUDO_CALL ? signed(n.off) : syms && callTargetName(syms, n.imm)),
  });
}
