// CO-RE relocations against vmlinux BTF (libbpf bpf_object__relocate_core,
// bpf_core_resolve_relo, relo_core.c bpf_core_calc_relo_insn /
// bpf_core_patch_insn). Filled in below.
import { Btf } from '../btf/btf';
import { BtfExt } from './btfext';
import { Prog } from './prog';

export interface CoreInput {
  progs: Prog[];
  secNames: string[];
  btf: Btf;
  ext: BtfExt;
  vmlinux?: Btf;
  warnings: string[];
}

export function relocateCore(_input: CoreInput): void {
  // TODO
}
