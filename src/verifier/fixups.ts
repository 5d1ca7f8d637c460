// The rewrites that change what runs (`xlated`), in bpf_check's order after a
// successful walk: opt_hard_wire_dead_code_branches, opt_remove_dead_code,
// opt_remove_nops, convert_ctx_accesses (with the program type's prologue; the
// per-type tables are convert_ctx.ts), do_misc_fixups (the hidden default exception callback, division
// and modulo guards, tail calls with a constant key), with bpf_patch_insn_single /
// bpf_remove_insns moving branches as bpf_adj_branches does (kernel/bpf/verifier.c,
// kernel/bpf/core.c). Helper and kfunc call immediates become kernel addresses there:
// compare them masked. Constant blinding is off (root). PURE.
import { Insn, insn, isLdImm64, isPseudoCall, isPseudoFunc } from '../isa/insn';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_X, BPF_K, BPF_JMP, BPF_JMP32, BPF_ALU, BPF_ALU64, BPF_JA, BPF_CALL, BPF_EXIT, BPF_JCOND,
  BPF_DIV, BPF_MOD, BPF_NEG, BPF_MOV, BPF_XOR, BPF_ADD, BPF_SUB, BPF_JEQ, BPF_JNE, BPF_JGT, BPF_HELPER_CALL, BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, BPF_LD, BPF_MODE, BPF_ABS, BPF_IND,
  BPF_LDX, BPF_STX, BPF_ST, BPF_MEM, BPF_MEMSX, BPF_SIZE, BPF_B, BPF_H, BPF_W, BPF_DW, BPF_JSGE, BPF_JLE, BPF_JGE, BPF_PSEUDO_CALL,
} from '../isa/opcodes';
import { PROG_TYPES } from './types';

/** Program types whose ops have gen_ld_abs (the skb ones: sk_filter, tc, cgroup skb, lwt...). */
const GEN_LD_ABS_TYPES: ReadonlySet<number> = new Set(['socket_filter', 'sched_cls', 'sched_act', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'lwt_seg6local']
  .map((n) => PROG_TYPES[n]));
import { helperId } from '../isa/helpers';
import { patchProgram } from '../isa/patch';
import { Btf } from '../btf/btf';
import { MapInfo } from './types';
import { inlineMapLookup } from './map_inline';
import { helperFunction, EMITTED_CALLS } from './call_targets';
import { btfTypeAt } from './btf_view';
import { CTX_CONVERSIONS, SOCK_POINTER_TABLE, TSTAMP_TYPE_OFFSET, convertCtxAccess, ctxPrologue } from './convert_ctx';

/** BPF_REG_AX, the verifier's scratch register in patches (r11). */
export const BPF_REG_AX = 11;

/** What the walk learnt that the rewrites need. */
export interface FixupFacts {
  insns: readonly Insn[];
  /** First instruction of each subprog (the layout's, without the hidden one). */
  subprogStarts: readonly number[];
  /** Each subprog's stack depth before do_misc_fixups' may_goto slots (bpf_loop inlining's included). */
  depthsBeforeMayGoto: readonly number[];
  /** insn_aux_data[i].seen */
  seen: Uint8Array;
  /** insn_aux_data[i].ptr_type of loads and stores (`type:flags`, save_aux_ptr_type). */
  ptrTypes: ReadonlyMap<number, string>;
  progType: number;
  /** The kernel's BTF: the offsets of its own structs (sk_buff, xdp_buff, sock, ...). */
  vmlinuxBtf?: Btf;
  /** A kernel symbol's address, when the kernel's symbols are known. */
  kernelSymbol?: (name: string) => bigint | undefined;
  /** The name of a kfunc call's function (imm = BTF id, off = BTF fd index). */
  kfuncName?: (imm: number, off: number) => string | undefined;
  /** insn_aux_data map_ptr_state of helper calls: the map, null when poisoned. */
  callMaps: ReadonlyMap<number, MapInfo | null>;
  /** bpf_loop calls the kernel inlines (optimize_bpf_loop), by instruction. */
  inlinedLoops: ReadonlyMap<number, InlinedLoop>;
  privileged: boolean;
  /** The default exception callback is appended (add_hidden_subprog). */
  hiddenExceptionCallback: boolean;
}

/** An inlined bpf_loop call: its callback subprog and the stack slots r6-r8 are kept in. */
export interface InlinedLoop { callbackSubprog: number; stackBase: number }

export type XlatedResult = { insns: Insn[] } | { notModelled: string };

/** Helpers that do_misc_fixups replaces by inline code on x86-64 (not modelled here). */
const INLINED_HELPERS: ReadonlySet<number> = new Set(['bpf_jiffies64', 'bpf_get_smp_processor_id',
  'bpf_get_func_arg', 'bpf_get_func_ret', 'bpf_get_func_arg_cnt', 'bpf_get_func_ip', 'bpf_kptr_xchg', 'bpf_get_branch_snapshot', 'bpf_map_lookup_percpu_elem', 'bpf_per_cpu_ptr', 'bpf_this_cpu_ptr']
  .map((n) => helperId(n)).filter((n): n is number => n !== undefined));

const BPF_FUNC_TAIL_CALL = helperId('bpf_tail_call');
const BPF_FUNC_MAP_LOOKUP_ELEM = helperId('bpf_map_lookup_elem');
const BPF_FUNC_TIMER_SET_CALLBACK = helperId('bpf_timer_set_callback');
/** ld_imm64 src_reg forms whose first imm names a map or holds an address (map fd, value, BTF id, map idx, idx value). */
const MAP_OR_ADDR_SRCS: ReadonlySet<number> = new Set([BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE]);
/** ...and those whose second imm is the address's upper half rather than an offset. */
const ADDR_SECOND_HALF_SRCS: ReadonlySet<number> = new Set([BPF_PSEUDO_MAP_FD, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_MAP_IDX]);

const isCondJump = (code: number): boolean => {
  const op = BPF_OP(code);
  if (BPF_CLASS(code) === BPF_JMP32) return op !== BPF_JA;
  return BPF_CLASS(code) === BPF_JMP && op !== BPF_JA && op !== BPF_EXIT && op !== BPF_CALL;
};

/**
 * The program being rewritten, with its subprog starts and, per instruction, its index in
 * the program as loaded (insn_aux_data moves with the instructions; patches have none).
 */
interface Rewriting {
  prog: Insn[];
  starts: number[];
  aux: (number | undefined)[];
  /** Subprogs (indexes of the loaded program's) whose may_goto was expanded: they get the counter's prologue. */
  mayGoto: Set<number>;
}

/**
 * bpf_patch_insn_data / bpf_remove_insns on the program (branches through isa/patch.ts),
 * its subprog starts (adjust_subprog_starts[_after_remove]: a subprog removed whole goes)
 * and its aux data (a patch's original instruction keeps its aux on the patch's last one).
 */
function rewrite(r: Rewriting, patches: ReadonlyMap<number, readonly Insn[]>, seen?: number[]): void {
  const { insns, newPc, origin } = patchProgram(r.prog, patches);
  const lastOf = (k: number): boolean => k + 1 >= origin.length || origin[k + 1] !== origin[k];
  r.aux = Array.from(origin, (o, k) => (!patches.has(o) || lastOf(k) ? r.aux[o] : undefined));
  if (seen) seen.splice(0, seen.length, ...Array.from(origin, (o) => seen[o]));
  const starts: number[] = [];
  for (const s of r.starts) {
    const moved = newPc[s];
    if (!starts.includes(moved) && moved < insns.length) starts.push(moved);
  }
  r.prog = insns;
  r.starts = starts;
}

/** bpf_patch_insn_single: replace prog[pos] by `patch`. */
const patchInsn = (r: Rewriting, pos: number, patch: Insn[]): void => rewrite(r, new Map([[pos, patch]]));

/** bpf_remove_insns: remove prog[pos, pos + cnt). */
const removeInsns = (r: Rewriting, pos: number, cnt: number, seen: number[]): void =>
  rewrite(r, new Map(Array.from({ length: cnt }, (_, k): [number, Insn[]] => [pos + k, []])), seen);

/**
 * inline_bpf_loop: the call becomes the loop itself (bpf_loop of kernel/bpf/bpf_iter.c):
 * too many iterations give -E2BIG; r6-r8 are spilled and hold the bound, the counter and
 * the context; the callback is called with (i, ctx) until it returns non-zero.
 */
function inlineBpfLoops(r: Rewriting, loops: ReadonlyMap<number, InlinedLoop>, seen: number[]): void {
  const BPF_MAX_LOOPS = 1 << 23, E2BIG = 7;
  for (let i = 0; i < r.prog.length; i++) {
    const orig = r.aux[i];
    const loop = orig === undefined ? undefined : loops.get(orig);
    if (!loop) continue;
    const b = loop.stackBase;
    const body: Insn[] = [
      insn(BPF_JMP | BPF_JLE | BPF_K, 1, 0, 2, BPF_MAX_LOOPS), insn(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, -E2BIG), JA(16),
      insn(BPF_STX | BPF_MEM | BPF_DW, 10, 6, b), insn(BPF_STX | BPF_MEM | BPF_DW, 10, 7, b + 8), insn(BPF_STX | BPF_MEM | BPF_DW, 10, 8, b + 16),
      insn(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1), insn(BPF_ALU | BPF_MOV | BPF_K, 7, 0, 0, 0), insn(BPF_ALU64 | BPF_MOV | BPF_X, 8, 3),
      insn(BPF_JMP | BPF_JGE | BPF_X, 7, 6, 5, 0), insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 7), insn(BPF_ALU64 | BPF_MOV | BPF_X, 2, 8),
      insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0), insn(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, 1), insn(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, -6, 0),
      insn(BPF_ALU64 | BPF_MOV | BPF_X, 0, 7), insn(BPF_LDX | BPF_MEM | BPF_DW, 6, 10, b), insn(BPF_LDX | BPF_MEM | BPF_DW, 7, 10, b + 8),
      insn(BPF_LDX | BPF_MEM | BPF_DW, 8, 10, b + 16),
    ];
    rewrite(r, new Map([[i, body]]), seen);
    // the callback's start is known after patching
    const call = i + 12;
    r.prog[call] = { ...r.prog[call], imm: r.starts[loop.callbackSubprog] - call - 1 };
    i += body.length - 1;
  }
}

const JA = (off: number): Insn => insn(BPF_JMP | BPF_JA, 0, 0, off, 0);

/** opt_hard_wire_dead_code_branches, opt_remove_dead_code, opt_remove_nops */
function removeDeadCode(r: Rewriting, seen: number[]): void {
  for (let i = 0; i < r.prog.length; i++) {
    const x = r.prog[i];
    if (!isCondJump(x.code)) continue;
    if (!seen[i + 1]) r.prog[i] = JA(x.off);
    else if (!seen[i + 1 + x.off]) r.prog[i] = JA(0);
  }
  for (let i = 0; i < r.prog.length;) {
    if (seen[i]) { i++; continue; }
    let j = i;
    while (j < r.prog.length && !seen[j]) j++;
    removeInsns(r, i, j - i, seen);
  }
  for (let i = 0; i < r.prog.length; i++) {
    const x = r.prog[i];
    const nop = x.code === (BPF_JMP | BPF_JA) && !x.dst && !x.src && !x.off && !x.imm;
    if (!nop) continue;
    removeInsns(r, i, 1, seen);
    i--;
  }
}

/** Loads and stores convert_ctx_accesses rewrites: LDX MEM/MEMSX, STX MEM, ST MEM. */
const isConvertible = (code: number): boolean => {
  const cls = BPF_CLASS(code), mode = BPF_MODE(code);
  return (cls === BPF_LDX && (mode === BPF_MEM || mode === BPF_MEMSX)) || ((cls === BPF_STX || cls === BPF_ST) && mode === BPF_MEM);
};

/** convert_ctx_accesses: the type's prologue, then every access through the context or a socket pointer. */
function convertCtxAccesses(r: Rewriting, facts: FixupFacts): string | null {
  const table = CTX_CONVERSIONS[facts.progType];
  const tstampTypeAccess = [...facts.ptrTypes].some(([i, t]) => t.startsWith('ctx') && facts.insns[i].off === TSTAMP_TYPE_OFFSET);
  const directWrite = [...facts.ptrTypes].some(([i, t]) => /^pkt(_meta)?:/.test(t) && isStore(facts.insns[i].code));
  const prologue = ctxPrologue(facts.progType, directWrite, facts.vmlinuxBtf);
  if (typeof prologue === 'string') return `context access conversion: ${prologue}`;
  if (prologue.length) patchInsn(r, 0, [...prologue, r.prog[0]]);
  for (let i = prologue.length; i < r.prog.length; i++) {
    const orig = r.aux[i];
    const key = orig === undefined ? undefined : facts.ptrTypes.get(orig);
    const x = r.prog[i];
    if (key === undefined || !isConvertible(x.code)) continue;
    const type = key.split(':')[0];
    let t;
    if (type === 'ctx') {
      if (table === undefined) return `context access conversion (convert_ctx_accesses) for this program type`;
      if (table === null) continue;
      t = table;
    } else if (SOCK_POINTER_TABLE[type]) t = SOCK_POINTER_TABLE[type];
    else if (type === 'tcp_sock' || type === 'xdp_sock') return `the conversion of ${type} accesses`;
    else continue;
    if (!facts.vmlinuxBtf) return 'context access conversion without the kernel\'s BTF';
    const p = convertCtxAccess(facts.vmlinuxBtf, { insn: x, table: t, tstampTypeAccess: type === 'ctx' && tstampTypeAccess });
    if (typeof p === 'string') return `context access conversion: ${p}`;
    patchInsn(r, i, p);
    i += p.length - 1;
  }
  return null;
}

const isStore = (code: number): boolean => BPF_CLASS(code) === BPF_STX || BPF_CLASS(code) === BPF_ST;

/**
 * bpf_gen_ld_abs (the ops' gen_ld_abs of skb programs): r2 = the offset, r1 = the ctx
 * (r6), call the packet-load helper of the size (`helper` gives its imm), a negative
 * answer ends the program with 0. Null for a size without a helper.
 */
export function genLdAbs(x: Insn, helper: (size: 1 | 2 | 4) => number): Insn[] | null {
  const size = ({ [BPF_B]: 1, [BPF_H]: 2, [BPF_W]: 4 } as Record<number, 1 | 2 | 4>)[BPF_SIZE(x.code)];
  if (!size) return null;
  const off: Insn[] = BPF_MODE(x.code) === BPF_ABS
    ? [insn(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, x.imm)]
    : [insn(BPF_ALU64 | BPF_MOV | BPF_X, 2, x.src), ...(x.imm ? [insn(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, x.imm)] : [])];
  return [
    ...off, insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6), insn(BPF_JMP | BPF_CALL, 0, 0, 0, helper(size)),
    insn(BPF_JMP | BPF_JSGE | BPF_K, 0, 0, 2, 0), insn(BPF_ALU | BPF_XOR | BPF_X, 0, 0), insn(BPF_JMP | BPF_EXIT),
  ];
}

/** do_misc_fixups' patches for division and modulo: no exception at run time (also the JIT's fixups use them). */
export function divModPatch(x: Insn): Insn[] | null {
  const cls = BPF_CLASS(x.code), op = BPF_OP(x.code);
  if ((cls !== BPF_ALU && cls !== BPF_ALU64) || (op !== BPF_DIV && op !== BPF_MOD)) return null;
  const is64 = cls === BPF_ALU64, isDiv = op === BPF_DIV, signed = x.off === 1;
  const alu = is64 ? BPF_ALU64 : BPF_ALU, jmp = is64 ? BPF_JMP : BPF_JMP32;
  if (BPF_SRC(x.code) === BPF_K) {
    if (!signed || x.imm !== -1) return null;
    // sdiv by -1 is a negation, smod by -1 is zero
    return [isDiv ? insn(alu | BPF_NEG | BPF_K, x.dst) : insn(BPF_ALU | BPF_MOV | BPF_K, x.dst, 0, 0, 0)];
  }
  const mov32 = insn(BPF_ALU | BPF_MOV | BPF_X, x.dst, x.dst);
  if (signed) {
    const head = [insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_AX, x.src), insn(alu | BPF_ADD | BPF_K, BPF_REG_AX, 0, 0, 1)];
    if (isDiv) {
      return [...head, insn(jmp | BPF_JGT | BPF_K, BPF_REG_AX, 0, 4, 1), insn(jmp | BPF_JEQ | BPF_K, BPF_REG_AX, 0, 1, 0),
        insn(alu | BPF_MOV | BPF_K, x.dst, 0, 0, 0), insn(alu | BPF_NEG | BPF_K, x.dst), JA(1), x];
    }
    // smod: by 0 leaves dst (zero-extended in 32 bits), by -1 gives 0
    return [...head, insn(jmp | BPF_JGT | BPF_K, BPF_REG_AX, 0, 3, 1), insn(jmp | BPF_JEQ | BPF_K, BPF_REG_AX, 0, is64 ? 3 : 4, 1),
      insn(BPF_ALU | BPF_MOV | BPF_K, x.dst, 0, 0, 0), JA(1), x, ...(is64 ? [] : [JA(1), mov32])];
  }
  if (isDiv) return [insn(jmp | BPF_JNE | BPF_K, x.src, 0, 2, 0), insn(BPF_ALU | BPF_XOR | BPF_X, x.dst, x.dst), JA(1), x];
  return is64 ? [insn(jmp | BPF_JEQ | BPF_K, x.src, 0, 1, 0), x]
    : [insn(jmp | BPF_JEQ | BPF_K, x.src, 0, 2, 0), x, JA(1), mov32];
}

/** do_misc_fixups, the parts modelled. */
/** BPF_MAX_TIMED_LOOPS: the count a timed may_goto checks the clock after */
const BPF_MAX_TIMED_LOOPS = 0xffff;

/** The subprog (its index in facts.subprogStarts) of an instruction of the loaded program. */
const subprogOf = (facts: FixupFacts, orig: number): number => {
  let s = 0;
  while (s + 1 < facts.subprogStarts.length && facts.subprogStarts[s + 1] <= orig) s++;
  return s;
};

/** The may_goto slots below a subprog's depth: the count at -depth-16, the start time at -depth-8. */
const mayGotoCountOff = (facts: FixupFacts, sub: number): number => -facts.depthsBeforeMayGoto[sub] - 16;

/**
 * Timed may_goto (x86-64: bpf_jit_supports_timed_may_goto): count down in the subprog's
 * slot; at zero jump as may_goto does; every BPF_MAX_TIMED_LOOPS iterations ask
 * arch_bpf_timed_may_goto (AX = the slot) whether time is up.
 */
function mayGotoPatch(r: Rewriting, i: number, facts: FixupFacts): Insn[] {
  const x = r.prog[i];
  const sub = subprogOf(facts, r.aux[i] ?? 0);
  const off = mayGotoCountOff(facts, sub);
  r.mayGoto.add(sub);
  return [
    insn(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_AX, 10, off), insn(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_AX, 0, x.off + 5, 0),
    insn(BPF_ALU64 | BPF_SUB | BPF_K, BPF_REG_AX, 0, 0, 1), insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_AX, 0, 2, 0),
    insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_AX, 0, 0, off), insn(BPF_JMP | BPF_CALL, 0, 0, 0, callImmOf(facts, 'arch_bpf_timed_may_goto') ?? 0),
    insn(BPF_STX | BPF_MEM | BPF_DW, 10, BPF_REG_AX, off),
  ];
}

/** do_misc_fixups' end: a subprog with may_goto first sets its count and clears its start time. */
function mayGotoPrologues(r: Rewriting, facts: FixupFacts): void {
  for (const sub of [...r.mayGoto].sort((a, b) => a - b)) {
    const origStart = facts.subprogStarts[sub], origEnd = facts.subprogStarts[sub + 1] ?? facts.insns.length;
    const at = r.aux.findIndex((o) => o !== undefined && o >= origStart && o < origEnd);
    if (at < 0) continue;
    const off = mayGotoCountOff(facts, sub);
    patchInsn(r, at, [insn(BPF_ST | BPF_MEM | BPF_DW, 10, 0, off, BPF_MAX_TIMED_LOOPS), insn(BPF_ST | BPF_MEM | BPF_DW, 10, 0, off + 8, 0), r.prog[at]]);
  }
}

function miscFixups(r: Rewriting, facts: FixupFacts): string | null {
  if (facts.hiddenExceptionCallback) {
    // add_hidden_subprog: the default callback returns the cookie
    r.starts.push(r.prog.length);
    r.prog.push(insn(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1), insn(BPF_JMP | BPF_EXIT));
    r.aux.push(undefined, undefined);
  }
  for (let i = 0; i < r.prog.length; i++) {
    const next = miscFixup(r, i, facts);
    if (typeof next === 'string') return next;
    i = next;
  }
  mayGotoPrologues(r, facts);
  return null;
}

/** do_misc_fixups for the instruction at i: the index of the last instruction it became, or why not modelled. */
function miscFixup(r: Rewriting, i: number, facts: FixupFacts): number | string {
  const x = r.prog[i];
  const patched = (p: Insn[]): number => { patchInsn(r, i, p); return i + p.length - 1; };
  if (isLdImm64(x)) {
    if (x.src !== BPF_PSEUDO_BTF_ID) return i + 1;
    // check_pseudo_btf_id: the kernel symbol's address (0 for an unresolved weak one), src_reg 0 in the dump
    const name = x.imm === 0 ? '' : facts.vmlinuxBtf && btfTypeAt(facts.vmlinuxBtf, x.imm)?.name;
    const addr = name === '' ? 0n : name ? facts.kernelSymbol?.(name) : undefined;
    if (addr === undefined) return 'the address of a kernel symbol (BPF_PSEUDO_BTF_ID) without the kernel\'s symbols';
    r.prog[i] = { ...x, src: 0, imm: Number(BigInt.asIntN(32, addr)) };
    r.prog[i + 1] = { ...r.prog[i + 1], imm: Number(BigInt.asIntN(32, addr >> 32n)) };
    return i + 1;
  }
  const divMod = divModPatch(x);
  if (divMod) return patched(divMod);
  if (BPF_CLASS(x.code) === BPF_JMP && BPF_OP(x.code) === BPF_JCOND) return patched(mayGotoPatch(r, i, facts));
  if (BPF_CLASS(x.code) === BPF_LD && (BPF_MODE(x.code) === BPF_ABS || BPF_MODE(x.code) === BPF_IND)) {
    // the helpers' addresses are the kernel's: imm 0 here (masked in comparisons)
    const p = GEN_LD_ABS_TYPES.has(facts.progType) ? genLdAbs(x, (size) => callImmOf(facts, EMITTED_CALLS.skbLoad[size]) ?? 0) : null;
    return p ? patched(p) : 'BPF_LD_[ABS|IND] of this program type';
  }
  if (x.code !== (BPF_JMP | BPF_CALL)) return i;
  if (x.src === BPF_HELPER_CALL && x.imm === BPF_FUNC_MAP_LOOKUP_ELEM) {
    const orig = r.aux[i];
    const p = inlineMapLookup(orig === undefined ? null : facts.callMaps.get(orig) ?? null, facts.vmlinuxBtf, callImmOf(facts, EMITTED_CALLS.htabLookup) ?? 0);
    if (typeof p === 'string') return p;
    if (p) return patched(p);
  }
  if (x.src === BPF_HELPER_CALL && INLINED_HELPERS.has(x.imm)) return `the inlined helper #${x.imm}`;
  // the kernel passes prog->aux in r3: a kernel heap address
  if (x.src === BPF_HELPER_CALL && x.imm === BPF_FUNC_TIMER_SET_CALLBACK) return 'bpf_timer_set_callback (r3 = the address of prog->aux)';
  if (x.src === BPF_PSEUDO_KFUNC_CALL && x.imm === 0) return 'an unresolved kfunc call';
  const kfunc = x.src === BPF_PSEUDO_KFUNC_CALL ? facts.kfuncName?.(x.imm, x.off) : undefined;
  // fixup_kfunc_call passes the object's size and its btf_struct_meta (a kernel address) in r1, r2
  if (kfunc === 'bpf_obj_new_impl' || kfunc === 'bpf_obj_drop_impl' || kfunc === 'bpf_percpu_obj_new_impl') return `the ${kfunc} rewrite (size and struct meta arguments)`;
  // __fixup_collection_insert_kfunc: the node's struct meta (a kernel address) and offset in r3/r4 (r4/r5 for bpf_rbtree_add_impl)
  if (kfunc === 'bpf_list_push_front_impl' || kfunc === 'bpf_list_push_back_impl' || kfunc === 'bpf_rbtree_add_impl') {
    return `the ${kfunc} rewrite (struct meta and node offset arguments)`;
  }
  patchCallImm(r, i, facts);
  return i;
}

/** patch_call_imm / fixup_kfunc_call: the call's imm becomes its function's BPF_CALL_IMM where the symbols are known. */
function patchCallImm(r: Rewriting, i: number, facts: FixupFacts): void {
  const x = r.prog[i];
  if (!facts.kernelSymbol || (x.src === BPF_HELPER_CALL && x.imm === BPF_FUNC_TAIL_CALL)) return;
  const orig = r.aux[i];
  const map = orig === undefined ? undefined : facts.callMaps.get(orig);
  const fn = x.src === BPF_HELPER_CALL ? helperFunction(x.imm, facts.progType, map ? map.type : null)
    : x.src === BPF_PSEUDO_KFUNC_CALL ? facts.kfuncName?.(x.imm, x.off) : undefined;
  const imm = fn === undefined ? undefined : callImmOf(facts, fn);
  if (imm !== undefined) r.prog[i] = { ...x, imm };
}

/** BPF_CALL_IMM(fn): the function's address minus __bpf_call_base, or undefined. */
function callImmOf(facts: FixupFacts, fn: string): number | undefined {
  const a = facts.kernelSymbol?.(fn), base = facts.kernelSymbol?.('__bpf_call_base');
  if (a === undefined || base === undefined) return undefined;
  const d = a - base;
  return d >= -(1n << 31n) && d < 1n << 31n ? Number(d) : undefined;
}

/** insn_aux_data seen with the second slot of each reached ld_imm64 (the walk steps over it): what dead-code removal keeps. */
export function reachedInsns(insns: readonly Insn[], seen: Uint8Array): Uint8Array {
  const r = Uint8Array.from(seen);
  for (let i = 0; i + 1 < insns.length; i++) if (isLdImm64(insns[i]) && r[i]) r[++i] = 1;
  return r;
}

/** The program as the kernel runs it (BPF_OBJ_GET_INFO_BY_FD xlated_prog_insns), or why it is not modelled. */
export function xlatedProgram(facts: FixupFacts): XlatedResult {
  if (!facts.privileged) return { notModelled: 'the rewrites of unprivileged programs (sanitize_dead_code, alu limits)' };
  const r: Rewriting = { prog: facts.insns.slice(), starts: facts.subprogStarts.slice(), aux: facts.insns.map((_, i) => i), mayGoto: new Set() };
  const seen = Array.from(reachedInsns(facts.insns, facts.seen));
  inlineBpfLoops(r, facts.inlinedLoops, seen);
  removeDeadCode(r, seen);
  const ctxWhy = convertCtxAccesses(r, facts);
  if (ctxWhy) return { notModelled: ctxWhy };
  const why = miscFixups(r, facts);
  if (why) return { notModelled: why };
  if (r.starts.length > 1) callsInDumpForm(r);
  return { insns: r.prog };
}

/**
 * jit_subprogs' last step, for later dump requests: a bpf-to-bpf call keeps its relative
 * target in `off` and names the subprog by index in `imm`; a function pointer keeps the
 * relative target in its first half and the subprog index in its second.
 */
function callsInDumpForm(r: Rewriting): void {
  const starts = r.starts.slice().sort((a, b) => a - b);
  for (let i = 0; i < r.prog.length; i++) {
    const x = r.prog[i];
    if (isPseudoCall(x)) r.prog[i] = { ...x, off: x.imm, imm: starts.indexOf(i + x.imm + 1) };
    else if (isPseudoFunc(x)) { r.prog[i + 1] = { ...r.prog[i + 1], imm: starts.indexOf(i + x.imm + 1) }; i++; }
  }
}

/**
 * The parts of an xlated instruction that depend on the kernel's memory: helper and kfunc
 * call targets (unless `calls` is false: the model knows them with the kernel's symbols)
 * and map addresses in ld_imm64. Returns the program with them zeroed.
 */
export function maskKernelAddresses(prog: readonly Insn[], opts: { calls: boolean } = { calls: true }): Insn[] {
  const out = prog.slice();
  for (let i = 0; i < out.length; i++) {
    const x = out[i];
    if (x.code === (BPF_JMP | BPF_CALL) && (x.src === BPF_HELPER_CALL || x.src === BPF_PSEUDO_KFUNC_CALL)) {
      if (!opts.calls) continue;
      if (!(x.src === BPF_HELPER_CALL && x.imm === BPF_FUNC_TAIL_CALL)) out[i] = { ...x, imm: 0 };
    } else if (isLdImm64(x) && i + 1 < out.length) {
      // the map (id or fd) or kernel address; a map value keeps its offset in the second half
      if (MAP_OR_ADDR_SRCS.has(x.src)) out[i] = { ...x, imm: 0 };
      if (ADDR_SECOND_HALF_SRCS.has(x.src)) out[i + 1] = { ...out[i + 1], imm: 0 };
      i++;
    }
  }
  return out;
}
