// Precision backtracking as the level-2 log shows it: mark_chain_precision /
// __mark_chain_precision and backtrack_insn (kernel/bpf/verifier.c) over the
// instruction path of the current state. The model never creates checkpoints, so
// there is no parent state: the walk ends at the state's first instruction and,
// when registers are still wanted, falls back to "forcing all scalars precise".
// Backtracking through bpf-to-bpf calls, exits, linked registers and callbacks is
// not modelled: the walk stops there without printing more.
import { Insn, isPseudoCall } from '../isa/insn';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_MODE, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32,
  BPF_X, BPF_MOV, BPF_END, BPF_NEG, BPF_EXIT, BPF_CALL, BPF_JA, BPF_ABS, BPF_IND,
} from '../isa/opcodes';
import { disasmInsn } from '../isa/disasm';

/**
 * One executed instruction of the current state's path, newest first (a persistent list, so a
 * branch copies it in O(1)); `spi` is set for stack spills/fills (INSN_F_STACK_ACCESS).
 */
export interface PathEntry { idx: number; spi?: number; prev: PathEntry | null }

interface Bt { regs: number; stack: number[]; }

/** Longest walk printed per mark_chain_precision call (a model limit, see header). */
export const MAX_BACKTRACK = 256;

const fmtRegs = (m: number): string => { const o: string[] = []; for (let i = 0; i < 11; i++) if (m & (1 << i)) o.push(`r${i}`); return o.join(','); };
const fmtStack = (s: number[]): string => s.slice().sort((a, b) => a - b).map((spi) => `${-(spi + 1) * 8}`).join(',');

/** Returns the log text of mark_chain_precision(regno) at the end of `path` (path's last entry is the current insn). */
export function precisionLog(insns: readonly Insn[], head: PathEntry | null, firstIdx: number, regno: number, frame: number,
  kfuncName: (i: Insn) => string | undefined): string {
  if (regno < 0 || !head) return '';
  const bt: Bt = { regs: 1 << regno, stack: [] };
  let out = `mark_precise: frame${frame}: last_idx ${head.idx} first_idx ${firstIdx} subseq_idx -1 \n`;
  // Without checkpoints the walk can cover the whole path; bound it (the kernel would stop at a parent state).
  let steps = 0;
  for (let e = head.prev; e && steps < MAX_BACKTRACK; e = e.prev, steps++) {
    const insn = insns[e.idx];
    out += `mark_precise: frame${frame}: regs=${fmtRegs(bt.regs)} stack=${fmtStack(bt.stack)} before ${e.idx}: `
      + `(${(insn.code & 0xff).toString(16).padStart(2, '0')}) ${disasmInsn(insns, e.idx, { kfuncName })}\n`;
    const r = backtrack(insn, e, bt);
    if (r === 'stop') return out;
    if (r === 'all') return out + `mark_precise: frame${frame}: falling back to forcing all scalars precise\n`;
    if (!bt.regs && !bt.stack.length) return out;
  }
  return out + `mark_precise: frame${frame}: falling back to forcing all scalars precise\n`;
}

function backtrack(insn: Insn, e: PathEntry, bt: Bt): 'ok' | 'stop' | 'all' {
  const cls = BPF_CLASS(insn.code), op = BPF_OP(insn.code), x = BPF_SRC(insn.code) === BPF_X;
  const d = 1 << insn.dst, s = 1 << insn.src;
  const has = (m: number): boolean => (bt.regs & m) !== 0;
  if (cls === BPF_ALU || cls === BPF_ALU64) {
    if (!has(d)) return 'ok';
    if (op === BPF_END || op === BPF_NEG) return 'ok';
    if (op === BPF_MOV) {
      bt.regs &= ~d;
      if (x) bt.regs |= s;
    } else if (x) bt.regs |= s;
    return 'ok';
  }
  if (cls === BPF_LDX) {
    if (!has(d)) return 'ok';
    bt.regs &= ~d;
    if (e.spi === undefined) return 'ok';
    if (!bt.stack.includes(e.spi)) bt.stack.push(e.spi);
    return 'ok';
  }
  if (cls === BPF_STX || cls === BPF_ST) {
    if (has(d)) return 'all';
    if (e.spi === undefined) return 'ok';
    const k = bt.stack.indexOf(e.spi);
    if (k < 0) return 'ok';
    bt.stack.splice(k, 1);
    if (cls === BPF_STX) bt.regs |= s;
    return 'ok';
  }
  if (cls === BPF_JMP || cls === BPF_JMP32) {
    if (op === BPF_EXIT || isPseudoCall(insn)) return 'stop';
    if (op === BPF_CALL) {
      bt.regs &= ~1;
      return bt.regs & 0x3e ? 'stop' : 'ok';
    }
    if (op === BPF_JA) return 'ok';
    if (x) {
      if (!has(d) && !has(s)) return 'ok';
      bt.regs |= d | s;
    }
    return 'ok';
  }
  if (cls === BPF_LD) {
    if (!has(d)) return 'ok';
    bt.regs &= ~d;
    const mode = BPF_MODE(insn.code);
    if (mode === BPF_ABS || mode === BPF_IND) return 'all';
  }
  return 'ok';
}
