// compute_live_registers (kernel/bpf/verifier.c, 6.15+): backward register
// liveness over the instruction graph, printed at log level 2 as the
// "Live regs before insn:" table. Per-insn use/def as compute_insn_live_regs;
// helper calls use their prototype's argument registers (for a helper the model
// has no prototype of, its UAPI signature's count; R1-R5 for one the program type
// may not call), kfunc
// calls use as many argument registers as the resolver reports (bpf_throw: 1).
import { Insn, isLdImm64 } from '../isa/insn';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_MODE, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32,
  BPF_K, BPF_MOV, BPF_END, BPF_NEG, BPF_JA, BPF_JCOND, BPF_EXIT, BPF_CALL, BPF_ABS, BPF_IND, BPF_ATOMIC, BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL, BPF_IMM, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL, BPF_FETCH,
} from '../isa/opcodes';
import { formatInsnLine } from '../isa/disasm';
import { successorTable, Successors } from '../isa/flow';
import { KfuncInfo } from './types';
import { HELPER_ARG_COUNTS } from '../isa/helpers';

const R0 = 1, CALLER_SAVED = 0x3f, ARGS = 0x3e, ALL = 0xffff;

/**
 * Which calls get_call_summary knows: a helper the program type may call (get_helper_proto
 * finds it), a kfunc with its parameter count (fetch_kfunc_meta: known and allowed for the
 * program type). Any other call reads R1-R5.
 */
export interface CallSummaries { kfuncs: ReadonlyMap<number, KfuncInfo>; helperAllowed: (funcId: number) => boolean }

/** use | def << 16 (both fit 16 bits): no object per instruction. */
const ud = (use: number, def: number): number => use | (def << 16);

/** compute_insn_live_regs: the registers an instruction reads (low 16 bits) and writes (high 16 bits). */
function useDef(insn: Insn, kfunc: KfuncInfo | undefined, helperAllowed: (funcId: number) => boolean): number {
  const cls = BPF_CLASS(insn.code), op = BPF_OP(insn.code), k = BPF_SRC(insn.code) === BPF_K;
  const dst = 1 << insn.dst, src = 1 << insn.src;
  switch (cls) {
    case BPF_LD: {
      const mode = BPF_MODE(insn.code);
      if (mode === BPF_IMM) return ud(0, dst);
      // (legacy packet loads and anything else: every register may be read, none written)
      return ud(ALL, 0);
    }
    case BPF_LDX: return ud(src, dst);
    case BPF_ST: return ud(dst, 0);
    case BPF_STX:
      if (BPF_MODE(insn.code) === BPF_ATOMIC) {
        if (insn.imm === BPF_CMPXCHG) return ud(R0 | dst | src, R0);
        if (insn.imm === BPF_LOAD_ACQ) return ud(src, dst);
        return ud(dst | src, insn.imm !== BPF_STORE_REL && insn.imm & BPF_FETCH ? src : 0);
      }
      return ud(dst | src, 0);
    case BPF_ALU: case BPF_ALU64:
      if (op === BPF_MOV) return ud(k ? 0 : src, dst);
      if (op === BPF_END || op === BPF_NEG) return ud(dst, dst);
      return ud(k ? dst : dst | src, dst);
    case BPF_JMP: case BPF_JMP32:
      if (op === BPF_JA || op === BPF_JCOND) return ud(0, 0); // may_goto reads no register
      if (op === BPF_EXIT) return ud(R0, 0);
      if (op === BPF_CALL && cls === BPF_JMP) {
        if (insn.src === BPF_PSEUDO_CALL) return ud(ARGS, CALLER_SAVED);
        if (insn.src === BPF_PSEUDO_KFUNC_CALL && kfunc?.argCount !== undefined) {
          return ud(((1 << kfunc.argCount) - 1) << 1, CALLER_SAVED);
        }
        // get_call_summary: a helper uses as many registers as its prototype has arguments
        // (the UAPI table; helper_protos.ts agrees on every modelled helper, a unit test checks)
        const nargs = insn.src === 0 && helperAllowed(insn.imm) ? HELPER_ARG_COUNTS[insn.imm] : undefined;
        if (nargs !== undefined) return ud(((1 << nargs) - 1) << 1, CALLER_SAVED);
        return ud(ARGS, CALLER_SAVED);
      }
      return ud(k ? dst : dst | src, 0);
  }
  return 0;
}

/** Each instruction's useDef, scratch of every verification (grown as needed). */
let USE_DEF = new Int32Array(256);

/** live_regs_before per instruction (bit n = Rn). */
export function computeLiveRegs(insns: readonly Insn[], calls: CallSummaries,
  succs: readonly Successors[] = successorTable(insns)): number[] {
  const n = insns.length;
  if (USE_DEF.length < n) USE_DEF = new Int32Array(Math.max(n, 2 * USE_DEF.length));
  const useDefs = USE_DEF;
  for (let i = 0; i < n; i++) {
    const insn = insns[i];
    // (the kfunc of a kfunc call only: no map lookup per instruction)
    const kfunc = insn.src === BPF_PSEUDO_KFUNC_CALL && BPF_CLASS(insn.code) === BPF_JMP && BPF_OP(insn.code) === BPF_CALL ? calls.kfuncs.get(i) : undefined;
    useDefs[i] = useDef(insn, kfunc, calls.helperAllowed);
  }
  const inS = new Array<number>(n).fill(0);
  for (let changed = true; changed;) {
    changed = false;
    for (let i = n - 1; i >= 0; i--) {
      if (i > 0 && isLdImm64(insns[i - 1])) continue; // the second slot of an ld_imm64
      // live after = live before each successor in the subprogram (calls fall through)
      const succ = succs[i];
      let out = 0;
      if (succ.next !== null && succ.next < n) out |= inS[succ.next];
      if (succ.jump !== null && succ.jump >= 0 && succ.jump < n) out |= inS[succ.jump];
      const u = useDefs[i];
      const v = (u & 0xffff) | (out & ~(u >>> 16));
      if (v !== inS[i]) { inS[i] = v; changed = true; }
    }
  }
  return inS;
}

/** The level-2 table. */
export function formatLiveRegs(insns: readonly Insn[], live: number[], scc: Int32Array, kfuncName: (i: Insn) => string | undefined): string {
  let out = 'Live regs before insn:\n';
  for (let i = 0; i < insns.length; i++) {
    let regs = '';
    for (let j = 0; j < 10; j++) regs += live[i] & (1 << j) ? String(j) : '.';
    // the instruction as the log prints it (a BUG_ text without its opcode)
    const insn = formatInsnLine(insns, i, { kfuncName }).replace(/^\d+: /, '');
    out += `${scc[i] ? `${String(scc[i]).padStart(3)} ` : '    '}${String(i).padStart(3)}: ${regs} ${insn}\n`;
    if (isLdImm64(insns[i])) i++;
  }
  return out;
}
