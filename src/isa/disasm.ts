// Disassembler printing the kernel verifier log syntax. Models
// kernel/bpf/disasm.c print_bpf_insn(), print_bpf_end_insn(),
// print_bpf_bswap_insn(), __func_get_name(), __func_imm_name(), and the
// "%d: " prefix of kernel/bpf/verifier.c do_check().
//
// Options mirror struct bpf_insn_cbs: `kfuncName` is cb_call (the verifier's
// disasm_kfunc_name), `immName` is cb_imm (bpftool's print_imm). With
// `symbolic: true` the output is the canonical text of assemble() (asm-kernel.ts):
// ld_imm64 gets an ` ll` suffix and pseudo ld_imm64 forms become
// `map_fd(N)`, `map_value(N, OFF)`, `btf_id(ID)`, `func(+N)`, `map_idx(N)`,
// `map_idx_value(N, OFF)`; so assemble(disassemble(insns, {symbolic:true}))
// gives back the same instructions.
//
// Divergences from the kernel printer (forms the kernel never prints because
// it rejects them first): `callx rN` for BPF_JMP|BPF_CALL|BPF_X; an opcode the
// printer has no text for prints as `.insn 0xCODE...` in symbolic mode
// (otherwise the kernel's BUG_ strings or `(null)` where the kernel would).
import { Insn } from './insn';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_SIZE, BPF_MODE, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_JMP,
  BPF_JMP32, BPF_ALU64, BPF_X, BPF_NEG, BPF_END, BPF_MOV, BPF_DIV, BPF_MOD, BPF_JA, BPF_CALL, BPF_EXIT,
  BPF_JCOND, BPF_W, BPF_H, BPF_B, BPF_DW, BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM, BPF_MEMSX, BPF_ATOMIC,
  BPF_FETCH, BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL, BPF_ADD, BPF_AND, BPF_OR, BPF_XOR,
  BPF_MAY_GOTO, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_TO_BE, OP_LD_IMM64,
  BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE, OP_EXIT,
} from './opcodes';
import { HELPER_NAMES } from './helpers';
import { ldImm64Value } from './insn';
import { checkInsn } from './validate';

export interface DisasmOptions {
  /** cb_call: name of a kfunc call (src_reg 2; `imm` is the BTF id, `off` the BTF fd index). */
  kfuncName?: (insn: Insn) => string | undefined;
  /**
   * cb_call as bpftool's xlated dumper gives it (print_call): the name of a helper or kfunc
   * call whose imm is an address (helpers below __BPF_FUNC_MAX_ID keep their table name),
   * or for a bpf-to-bpf call the text after `call pc` (`+OFF`, dump form).
   */
  callName?: (insn: Insn) => string | undefined;
  /** cb_imm: text for the value of the ld_imm64 at insns[pc] (replaces `0x...`). */
  immName?: (insns: readonly Insn[], pc: number, value: bigint) => string | undefined;
  /** allow_ptr_leaks: when false, map fd / map value ld_imm64 print as 0x0 (default true, as for root). */
  allowPtrLeaks?: boolean;
  /** Print the assembler's canonical text (see header) instead of the exact kernel text. */
  symbolic?: boolean;
}

const ALU_STR: readonly (string | undefined)[] = [
  '+=', '-=', '*=', '/=', '|=', '&=', '<<=', '>>=', 'neg', '%=', '^=', '=', 's>>=', 'endian',
];
const JMP_STR: readonly (string | undefined)[] = [
  'jmp', '==', '>', '>=', '&', '!=', 's>', 's>=', 'call', 'exit', '<', '<=', 's<', 's<=',
];
const LDST_STR: Record<number, string> = { [BPF_W]: 'u32', [BPF_H]: 'u16', [BPF_B]: 'u8', [BPF_DW]: 'u64' };
const LDSX_STR: Record<number, string> = { [BPF_W]: 's32', [BPF_H]: 's16', [BPF_B]: 's8' };
const ATOMIC_ALU_STR: Record<number, string> = { [BPF_ADD]: 'add', [BPF_AND]: 'and', [BPF_OR]: 'or', [BPF_XOR]: 'xor' };
const CLASS_STR = ['ld', 'ldx', 'st', 'stx', 'alu', 'jmp', 'jmp32', 'alu64'];

const hex2 = (n: number): string => (n & 0xff).toString(16).padStart(2, '0');
/** printf("%+d") */
const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
/** C "(null)" for a missing table entry, as the kernel's vsnprintf prints it. */
const str = (s: string | undefined): string => s ?? '(null)';

/** Raw-slot text used in symbolic mode for instructions that have no syntax. */
export function rawInsnText(n: Insn): string {
  return `.insn 0x${hex2(n.code)}, ${n.dst}, ${n.src}, ${n.off}, ${n.imm}`;
}

/** Text of the instruction at insns[pc], as after `N: (xx) ` in the verifier log. */
export function disasmInsn(insns: readonly Insn[], pc: number, opts: DisasmOptions = {}): string {
  const n = insns[pc];
  if (n === undefined) throw new RangeError(`no instruction at ${pc}`);
  const bad = opts.symbolic === true && (checkInsn(insns, pc) !== undefined || (n.code === OP_EXIT && n.off !== 0));
  const t = bad ? undefined : printInsn(insns, pc, opts);
  if (t === undefined) return opts.symbolic ? rawInsnText(n) : `BUG_${hex2(n.code)}`;
  return t;
}

/** One verifier log line: `0: (b7) r0 = 42`; print_bpf_insn prints its BUG_ texts without the `(code) `. */
export function formatInsnLine(insns: readonly Insn[], pc: number, opts: DisasmOptions = {}): string {
  const text = disasmInsn(insns, pc, opts);
  return text.startsWith('BUG_') ? `${pc}: ${text}` : `${pc}: (${hex2(insns[pc].code)}) ${text}`;
}

/** One line per instruction (the second slot of an ld_imm64 has no line, as in the kernel log). */
export function disassemble(insns: readonly Insn[], opts: DisasmOptions = {}): string[] {
  const out: string[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    const line = formatInsnLine(insns, pc, opts);
    out.push(line);
    if (insns[pc].code === OP_LD_IMM64 && pc + 1 < insns.length && !line.includes(') .insn ')) pc++;
  }
  return out;
}

function printInsn(insns: readonly Insn[], pc: number, opts: DisasmOptions): string | undefined {
  const n = insns[pc];
  const code = n.code;
  const cls = BPF_CLASS(code);
  const op = BPF_OP(code);
  const size = BPF_SIZE(code);
  const mode = BPF_MODE(code);
  const sym = opts.symbolic === true;

  if (cls === BPF_ALU || cls === BPF_ALU64) {
    const r = cls === BPF_ALU ? 'w' : 'r';
    if (op === BPF_END) {
      if (cls === BPF_ALU64) return `r${n.dst} = bswap${n.imm} r${n.dst}`;
      return `r${n.dst} = ${BPF_SRC(code) === BPF_TO_BE ? 'be' : 'le'}${n.imm} r${n.dst}`;
    }
    if (op === BPF_NEG) return `${r}${n.dst} = -${r}${n.dst}`;
    if (code === (BPF_ALU64 | BPF_MOV | BPF_X) && n.off === 1) {
      return `r${n.dst} = addr_space_cast(r${n.src}, ${(n.imm >>> 16) & 0xffff}, ${n.imm & 0xffff})`;
    }
    if (code === (BPF_ALU64 | BPF_MOV | BPF_X) && n.off === -1) return `r${n.dst} = &(void __percpu *)(r${n.src})`;
    if (sym && ALU_STR[op >> 4] === undefined) return undefined;
    const sdiv = (op === BPF_DIV || op === BPF_MOD) && n.off === 1;
    const opStr = sdiv ? (op === BPF_DIV ? 's/=' : 's%=') : str(ALU_STR[op >> 4]);
    if (BPF_SRC(code) === BPF_X) {
      const movsx = op === BPF_MOV && (n.off === 8 || n.off === 16 || n.off === 32) ? `(s${n.off})` : '';
      return `${r}${n.dst} ${opStr} ${movsx}${r}${n.src}`;
    }
    return `${r}${n.dst} ${opStr} ${n.imm}`;
  }

  if (cls === BPF_STX) {
    const sz = LDST_STR[size];
    const mem = `(${sz} *)(r${n.dst} ${signed(n.off)})`;
    if (mode === BPF_MEM) return `*${mem} = r${n.src}`;
    if (mode !== BPF_ATOMIC) return sym ? undefined : `BUG_${hex2(code)}`;
    const w64 = size === BPF_DW ? '64' : '';
    const imm = n.imm;
    if (imm === BPF_ADD || imm === BPF_AND || imm === BPF_OR || imm === BPF_XOR) {
      return `lock *${mem} ${ALU_STR[imm >> 4]} r${n.src}`;
    }
    if (imm === (BPF_ADD | BPF_FETCH) || imm === (BPF_AND | BPF_FETCH) || imm === (BPF_OR | BPF_FETCH) || imm === (BPF_XOR | BPF_FETCH)) {
      return `r${n.src} = atomic${w64}_fetch_${ATOMIC_ALU_STR[imm & ~BPF_FETCH]}(${mem}, r${n.src})`;
    }
    if (imm === BPF_CMPXCHG) return `r0 = atomic${w64}_cmpxchg(${mem}, r0, r${n.src})`;
    if (imm === BPF_XCHG) return `r${n.src} = atomic${w64}_xchg(${mem}, r${n.src})`;
    if (imm === BPF_LOAD_ACQ) return `r${n.dst} = load_acquire((${sz} *)(r${n.src} ${signed(n.off)}))`;
    if (imm === BPF_STORE_REL) return `store_release(${mem}, r${n.src})`;
    return sym ? undefined : `BUG_${hex2(code)}`;
  }

  if (cls === BPF_ST) {
    if (mode === BPF_MEM) return `*(${LDST_STR[size]} *)(r${n.dst} ${signed(n.off)}) = ${n.imm}`;
    if (mode === 0xc0 && !sym) return 'nospec';
    return sym ? undefined : `BUG_st_${hex2(code)}`;
  }

  if (cls === BPF_LDX) {
    if (mode !== BPF_MEM && mode !== BPF_MEMSX) return sym ? undefined : `BUG_ldx_${hex2(code)}`;
    const sz = mode === BPF_MEM ? LDST_STR[size] : LDSX_STR[size];
    if (sym && sz === undefined) return undefined;
    return `r${n.dst} = *(${str(sz)} *)(r${n.src} ${signed(n.off)})`;
  }

  if (cls === BPF_LD) {
    if (mode === BPF_ABS) {
      if (sym && size === BPF_DW) return undefined;
      return `r0 = *(${LDST_STR[size]} *)skb[${n.imm}]`;
    }
    if (mode === BPF_IND) {
      if (sym && size === BPF_DW) return undefined;
      return `r0 = *(${LDST_STR[size]} *)skb[r${n.src} + ${n.imm}]`;
    }
    if (mode === BPF_IMM && size === BPF_DW) {
      if (sym) {
        if (pc + 1 >= insns.length) return undefined;
        return `r${n.dst} = ${symbolicImm64(n, insns[pc + 1])} ll`;
      }
      let value = ldImm64Value(insns, pc);
      if ((n.src === BPF_PSEUDO_MAP_FD || n.src === BPF_PSEUDO_MAP_VALUE) && opts.allowPtrLeaks === false) value = 0n;
      const named = opts.immName?.(insns, pc, value);
      return `r${n.dst} = ${named ?? '0x' + value.toString(16)}`;
    }
    return sym ? undefined : `BUG_ld_${hex2(code)}`;
  }

  if (cls === BPF_JMP || cls === BPF_JMP32) {
    const r = cls === BPF_JMP32 ? 'w' : 'r';
    if (op === BPF_CALL) {
      if (code === (BPF_JMP | BPF_CALL | BPF_X)) return `callx r${n.dst}`;
      if (sym && (cls !== BPF_JMP || BPF_SRC(code) !== 0)) return undefined;
      if (n.src === BPF_PSEUDO_CALL) return `call pc${(!sym && opts.callName?.(n)) || signed(n.imm)}`;
      let name: string | undefined;
      if (n.src === 0 && n.imm >= 0 && n.imm < HELPER_NAMES.length) name = HELPER_NAMES[n.imm];
      else if (n.src === BPF_PSEUDO_KFUNC_CALL) name = opts.kfuncName?.(n);
      if (name === undefined && !sym) name = opts.callName?.(n);
      if (sym) {
        if (n.src === 0) return name !== undefined ? `call ${name}` : `call ${n.imm}`;
        if (n.src === BPF_PSEUDO_KFUNC_CALL) return `call kfunc(${n.imm}${n.off !== 0 ? ', ' + n.off : ''})`;
        return undefined;
      }
      return `call ${name ?? 'unknown'}#${n.imm}`;
    }
    if (code === (BPF_JMP | BPF_JA)) return `goto pc${signed(n.off)}`;
    if (code === (BPF_JMP | BPF_JCOND) && n.src === BPF_MAY_GOTO) return `may_goto pc${signed(n.off)}`;
    if (code === (BPF_JMP32 | BPF_JA)) return `gotol pc${signed(n.imm)}`;
    if (code === (BPF_JMP | BPF_EXIT)) return 'exit';
    const js = JMP_STR[op >> 4];
    if (sym && (js === undefined || op === BPF_JA || op === BPF_CALL || op === BPF_EXIT || op === BPF_JCOND)) return undefined;
    if (BPF_SRC(code) === BPF_X) return `if ${r}${n.dst} ${str(js)} ${r}${n.src} goto pc${signed(n.off)}`;
    return `if ${r}${n.dst} ${str(js)} 0x${(n.imm >>> 0).toString(16)} goto pc${signed(n.off)}`;
  }
  return `${CLASS_STR[cls]}`;
}

/** The canonical ld_imm64 operand for assemble(): `0x...` or a pseudo form. */
export function symbolicImm64(lo: Insn, hi: Insn): string {
  const value = BigInt.asUintN(64, (BigInt(hi.imm) << 32n) | BigInt(lo.imm >>> 0));
  switch (lo.src) {
    case 0: return '0x' + value.toString(16);
    case BPF_PSEUDO_MAP_FD: if (hi.imm === 0) return `map_fd(${lo.imm})`; break;
    case BPF_PSEUDO_MAP_VALUE: return `map_value(${lo.imm}, ${hi.imm})`;
    case BPF_PSEUDO_BTF_ID: return hi.imm === 0 ? `btf_id(${lo.imm})` : `btf_id(${lo.imm}, ${hi.imm})`;
    case BPF_PSEUDO_FUNC: if (hi.imm === 0) return `func(${signed(lo.imm)})`; break;
    case BPF_PSEUDO_MAP_IDX: if (hi.imm === 0) return `map_idx(${lo.imm})`; break;
    case BPF_PSEUDO_MAP_IDX_VALUE: return `map_idx_value(${lo.imm}, ${hi.imm})`;
  }
  return `ld_pseudo(${lo.src}, ${lo.imm}, ${hi.imm})`;
}

/**
 * bpftool's `prog dump xlated` (dump_xlated_plain): `%4d: ` and the instruction, with
 * the caller's cb_imm and cb_call (map ids, kernel symbol names).
 */
export function bpftoolXlatedLines(insns: readonly Insn[], opts: DisasmOptions = {}): string[] {
  const out: string[] = [];
  for (let pc = 0; pc < insns.length; pc++) {
    out.push(`${String(pc).padStart(4)}: (${hex2(insns[pc].code)}) ${disasmInsn(insns, pc, opts)}`);
    if (insns[pc].code === OP_LD_IMM64 && pc + 1 < insns.length) pc++;
  }
  return out;
}

/**
 * cb_imm as bpftool's `prog dump xlated` prints pseudo ld_imm64 operands
 * (tools/bpf/bpftool/xlated_dumper.c print_imm): `map[id:N]`,
 * `map[id:N][0]+OFF`, `map[idx:N]+OFF`, `subprog[+N]`, else `0x...`.
 * Pass as `immName` (the map id is the insn's imm, as in xlated dumps).
 */
export function bpftoolImmName(insns: readonly Insn[], pc: number, value: bigint): string {
  const n = insns[pc];
  const hi = insns[pc + 1]?.imm ?? 0;
  switch (n.src) {
    case BPF_PSEUDO_MAP_FD: return `map[id:${n.imm >>> 0}]`;
    case BPF_PSEUDO_MAP_VALUE: return `map[id:${n.imm >>> 0}][0]+${hi}`;
    case BPF_PSEUDO_MAP_IDX_VALUE: return `map[idx:${n.imm}]+${hi}`;
    case BPF_PSEUDO_FUNC: return `subprog[${signed(n.imm)}]`;
  }
  return '0x' + value.toString(16);
}
