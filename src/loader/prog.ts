// Internal program and relocation descriptors (libbpf struct bpf_program /
// struct reloc_desc) shared by the loader stages.
import { Insn } from '../isa/insn';

export type Relo =
  | { type: 'call'; insnIdx: number; symOff: number }
  | { type: 'subprog_addr'; insnIdx: number; symOff: number }
  | { type: 'ld64'; insnIdx: number; mapIdx: number }
  | { type: 'data'; insnIdx: number; mapIdx: number; symOff: number }
  | { type: 'extern_call'; insnIdx: number; extIdx: number }
  | { type: 'extern_ld64'; insnIdx: number; extIdx: number }
  | { type: 'core'; insnIdx: number };

export interface Prog {
  name: string;
  /** SEC() name without a leading '?'. */
  secName: string;
  secIdx: number;
  /** First instruction inside the section, and instruction count. */
  secInsnOff: number;
  secInsnCnt: number;
  /** The program's own instructions (CO-RE applied in place, like libbpf). */
  insns: Insn[];
  symGlobal: boolean;
  markBtfStatic: boolean;
  autoload: boolean;
  isSub: boolean;
  relos: Relo[];
}
