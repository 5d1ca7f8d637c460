// Assembler for the kernel / clang BPF assembly syntax: the text the verifier
// log prints (kernel/bpf/disasm.c print_bpf_insn) and the syntax of clang's
// BPF inline assembly used by the kernel selftests
// (tools/testing/selftests/bpf/progs/verifier_*.c; llvm BPFAsmParser).
//
// Statements end at a newline or `;`. Comments: `//`, `/* ... */`, and `#` to
// end of line (except in the log form `call name#N`). A verifier log line
// `12: (b7) r0 = 42 ; R0=42` is accepted: the `N: (xx) ` prefix is dropped and
// so is the register state after `;`. Labels: `name:` (`l0_%=` allowed).
// llvm-objdump's text (hex immediates and offsets, `goto +0x3 <sym+0x38>`) is
// accepted too, except that it prints helper and bpf-to-bpf calls alike.
//
// Accepted forms (rN is 64-bit, wN the 32-bit view; N is 0..10):
//   rD = IMM | rS            wD = IMM | wS            rD op= rS|IMM  (+= -= *= /= |= &= <<= >>= %= ^= s>>= s/= s%=)
//   rD = -rD                 rD = (s8|s16|s32)rS      wD = (s8|s16)wS
//   rD = be16|be32|be64|le16|le32|le64|bswap16|bswap32|bswap64 rD
//   rD = addr_space_cast(rS, DST_AS, SRC_AS)
//   rD = IMM64 ll            (also `rD = IMM` without ll when IMM is outside int32, so the
//                             register gets the value as written: `r1 = 0x80000000` is ld_imm64)
//   rD = map_fd(FD) ll       rD = map_value(FD, OFF) ll   rD = btf_id(ID[, BTF_FD]) ll
//   rD = btf_id(NAME) ll     (a kernel variable or function by name, via opts.ksymId: __ksym)
//   rD = func(+N|label) ll   rD = map_idx(IDX) ll         rD = map_idx_value(IDX, OFF) ll
//   rD = ld_pseudo(SRC, IMM, IMM_HI) ll                    (any ld_imm64; `ll` optional on pseudo forms)
//   rD = *(u8|u16|u32|u64|s8|s16|s32 *)(rS +OFF)          *(uNN *)(rD +OFF) = rS|IMM
//   r0 = *(u8|u16|u32 *)skb[IMM]      r0 = *(u8|u16|u32 *)skb[rS + IMM]
//   lock *(u32|u64 *)(rD +OFF) += rS  (also &= |= ^=)
//   rS = atomic[64]_fetch_add|and|or|xor((uNN *)(rD +OFF), rS)
//   rS = atomic[64]_xchg((uNN *)(rD +OFF), rS)         r0 = atomic[64]_cmpxchg((uNN *)(rD +OFF), r0, rS)
//   rS = xchg_64(rD + OFF, rS)   wS = xchg32_32(rD + OFF, wS)   r0 = cmpxchg_64(rD + OFF, r0, rS)  (clang)
//   rD = load_acquire((uNN *)(rS +OFF))    store_release((uNN *)(rD +OFF), rS)
//   goto pc+N | +N | label    gotol pc+N | label    may_goto pc+N | label
//   if rD|wD OP rS|wS|IMM goto pc+N|+N|label    (OP: == != > >= < <= s> s>= s< s<= &)
//   call NAME (helper name, or kfunc via opts.kfuncId, or a label: bpf-to-bpf call)
//   call N (helper id)   call NAME#N (log form)   call pc+N   call kfunc(BTF_ID[, OFF])   callx rN
//   exit
//   .insn 0xCODE, DST, SRC, OFF, IMM                       (one raw slot)
import { Insn, insn, ldImm64 } from './insn';
import { AsmError } from './errors';
import {
  BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_K, BPF_X, BPF_END, BPF_TO_LE, BPF_TO_BE, BPF_MOV, BPF_NEG,
  BPF_LDX, BPF_ST, BPF_STX, BPF_LD, BPF_MEM, BPF_MEMSX, BPF_ATOMIC, BPF_ABS, BPF_IND, BPF_W, BPF_H, BPF_B,
  BPF_DW, BPF_FETCH, BPF_XCHG, BPF_CMPXCHG, BPF_LOAD_ACQ, BPF_STORE_REL, OP_CALL, OP_EXIT, BPF_JA, BPF_JCOND,
  BPF_CALL, BPF_HELPER_CALL, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE,
  BPF_PSEUDO_BTF_ID, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE, MAX_BPF_REG,
} from './opcodes';
import { helperId, HELPER_NAMES } from './helpers';

export interface AsmOptions {
  /** Source name used in error messages. */
  source?: string;
  /** Resolve a kfunc name to its BTF id (and optional BTF fd index in `off`). */
  kfuncId?: (name: string) => number | { id: number; off?: number } | undefined;
  /** Resolve a kernel symbol (a VAR or FUNC of the kernel's BTF) in `btf_id(NAME)` to its BTF id. */
  ksymId?: (name: string) => number | undefined;
  /** Resolve a map name in `map_fd(NAME)` / `map_value(NAME, OFF)` to the number the ld_imm64 carries. */
  mapIndex?: (name: string) => number | undefined;
}

export interface AsmResult {
  insns: Insn[];
  /** Label name -> instruction index (slot). */
  labels: Map<string, number>;
}

const ALU_OPS: Record<string, [number, number]> = {
  '+=': [0x00, 0], '-=': [0x10, 0], '*=': [0x20, 0], '/=': [0x30, 0], '|=': [0x40, 0], '&=': [0x50, 0],
  '<<=': [0x60, 0], '>>=': [0x70, 0], '%=': [0x90, 0], '^=': [0xa0, 0], 's>>=': [0xc0, 0],
  's/=': [0x30, 1], 's%=': [0x90, 1],
};
const JMP_OPS: Record<string, number> = {
  '==': 0x10, '>': 0x20, '>=': 0x30, '&': 0x40, '!=': 0x50, 's>': 0x60, 's>=': 0x70,
  '<': 0xa0, '<=': 0xb0, 's<': 0xc0, 's<=': 0xd0,
};
const SIZES: Record<string, [number, number]> = {
  u8: [BPF_B, BPF_MEM], u16: [BPF_H, BPF_MEM], u32: [BPF_W, BPF_MEM], u64: [BPF_DW, BPF_MEM],
  s8: [BPF_B, BPF_MEMSX], s16: [BPF_H, BPF_MEMSX], s32: [BPF_W, BPF_MEMSX],
};
const ATOMIC_ALU: Record<string, number> = { add: 0x00, and: 0x50, or: 0x40, xor: 0xa0 };

// Regex building blocks. Groups are named so that positions can be reported.
const R = String.raw;
const REG = (n: string): string => R`(?<${n}>[rw]\d+)`;
const NUM = (n: string): string => R`(?<${n}>[+-]?\s*(?:0[xX][0-9a-fA-F]+|\d+))`;
const MEM = (b: string, o: string): string => R`\(\s*${REG(b)}\s*(?:(?<${o}>[+-]\s*(?:0[xX][0-9a-fA-F]+|\d+)))?\s*\)`;
const SZ = R`(?<sz>u8|u16|u32|u64|s8|s16|s32)`;
const CAST = R`\*\s*\(\s*${SZ}\s*\*\s*\)`;
const TARGET = R`(?<tgt>pc\s*[+-]\s*(?:0[xX][0-9a-fA-F]+|\d+)|[+-]\s*(?:0[xX][0-9a-fA-F]+|\d+)|[A-Za-z_.$][\w.$%=]*)`;
const LABEL = /^([A-Za-z_.$][\w.$%=]*)\s*:/;

type Form = { re: RegExp; reD: RegExp; key: string; build: (g: Groups, c: Ctx) => void };
type Groups = Record<string, string | undefined>;

interface Fixup { pc: number; label: string; field: 'off' | 'imm'; line: number; col: number }

interface Ctx {
  out: Insn[];
  fixups: Fixup[];
  opts: AsmOptions;
  line: number;
  /** Column (1-based) of group `name` in the current statement. */
  col: (name: string) => number;
  err: (msg: string, group?: string) => AsmError;
  /** Opcode from a verifier log prefix `N: (xx) `, if the line had one. */
  logCode?: number;
}

const f = (src: string, build: Form['build']): Form => ({ re: new RegExp('^' + src + '$'), reD: new RegExp('^' + src + '$', 'd'), key: keyOf(src.replace(/\\s\*|\\s\+/g, ' ')), build });

/** Statements are matched only against forms with the same leading keyword (speed). */
function keyOf(text: string): string {
  const m = text.match(/^(if|gotol|goto|may_goto|callx|call|lock|exit|store_release|\\\.insn|\.insn)\b/);
  if (m) return m[1].replace(/^\\/, '');
  if (text.startsWith('*') || text.startsWith('\\*')) return '*';
  return 'reg';
}

/** Parse a register token; returns [number, is32]. */
function reg(c: Ctx, g: Groups, name: string): [number, boolean] {
  const t = g[name]!;
  const n = Number(t.slice(1));
  if (!Number.isInteger(n) || n >= MAX_BPF_REG) throw c.err(`invalid register '${t}' (r0..r10)`, name);
  return [n, t[0] === 'w'];
}

/** A 64-bit register (memory base, call target). */
function reg64(c: Ctx, g: Groups, name: string): number {
  const [n, w] = reg(c, g, name);
  if (w) throw c.err(`expected a 64-bit register rN, got '${g[name]}'`, name);
  return n;
}

function bigOf(_c: Ctx, g: Groups, name: string): bigint {
  const t = g[name]!.replace(/\s+/g, '');
  const neg = t.startsWith('-');
  const body = t.replace(/^[+-]/, '');
  const v = BigInt(body);
  return neg ? -v : v;
}

function imm32(c: Ctx, g: Groups, name: string): number {
  const v = bigOf(c, g, name);
  if (v < -(1n << 31n) || v > 0xffffffffn) throw c.err(`immediate ${g[name]} out of 32-bit range`, name);
  return Number(BigInt.asIntN(32, v));
}

function off16(c: Ctx, g: Groups, name: string): number {
  if (g[name] === undefined) return 0;
  const v = bigOf(c, g, name);
  if (v < -32768n || v > 32767n) throw c.err(`offset ${g[name]} out of 16-bit range`, name);
  return Number(v);
}

function sameWidth(c: Ctx, a: boolean, b: boolean, name: string): void {
  if (a !== b) throw c.err('mixed 32-bit (wN) and 64-bit (rN) registers', name);
}

/** Resolve a jump/call target: numeric now, labels later. */
function target(c: Ctx, g: Groups, field: 'off' | 'imm'): number {
  const t = g.tgt!.replace(/\s+/g, '');
  const m = t.match(/^(?:pc)?([+-])(0x[0-9a-f]+|\d+)$/i);
  if (m) {
    const v = (m[1] === '-' ? -1 : 1) * Number(m[2]);
    if (field === 'off' && (v < -32768 || v > 32767)) throw c.err(`jump offset ${t} out of 16-bit range`, 'tgt');
    if (field === 'imm' && (v < -(2 ** 31) || v > 2 ** 31 - 1)) throw c.err(`offset ${t} out of 32-bit range`, 'tgt');
    return v;
  }
  c.fixups.push({ pc: c.out.length, label: t, field, line: c.line, col: c.col('tgt') });
  return 0;
}

function sizeOf(c: Ctx, g: Groups, allowSx: boolean): [number, number] {
  const s = SIZES[g.sz!];
  if (!allowSx && s[1] === BPF_MEMSX) throw c.err(`sign-extending size '${g.sz}' not allowed here`, 'sz');
  return s;
}

const FORMS: Form[] = [
  f(R`exit`, (_g, c) => { c.out.push(insn(OP_EXIT)); }),
  f(R`goto\s*${TARGET}`, (g, c) => { c.out.push(insn(BPF_JMP | BPF_JA, 0, 0, target(c, g, 'off'), 0)); }),
  f(R`gotol\s*${TARGET}`, (g, c) => { c.out.push(insn(BPF_JMP32 | BPF_JA, 0, 0, 0, target(c, g, 'imm'))); }),
  f(R`may_goto\s*${TARGET}`, (g, c) => { c.out.push(insn(BPF_JMP | BPF_JCOND, 0, 0, target(c, g, 'off'), 0)); }),
  f(R`if\s+${REG('d')}\s*(?<op>==|!=|s>=|s<=|s>|s<|>=|<=|>|<|&)\s*(?:${REG('s')}|${NUM('i')})\s*goto\s*${TARGET}`, (g, c) => {
    const [d, dw] = reg(c, g, 'd');
    const cls = dw ? BPF_JMP32 : BPF_JMP;
    const op = JMP_OPS[g.op!];
    if (g.s !== undefined) {
      const [s, sw] = reg(c, g, 's');
      sameWidth(c, dw, sw, 's');
      c.out.push(insn(cls | op | BPF_X, d, s, target(c, g, 'off'), 0));
    } else {
      const imm = imm32(c, g, 'i');
      c.out.push(insn(cls | op | BPF_K, d, 0, target(c, g, 'off'), imm));
    }
  }),
  f(R`callx\s+${REG('d')}`, (g, c) => { c.out.push(insn(BPF_JMP | BPF_CALL | BPF_X, reg64(c, g, 'd'), 0, 0, 0)); }),
  f(R`call\s+kfunc\(\s*${NUM('i')}\s*(?:,\s*${NUM('o')}\s*)?\)`, (g, c) => {
    c.out.push(insn(OP_CALL, 0, BPF_PSEUDO_KFUNC_CALL, off16(c, g, 'o'), imm32(c, g, 'i')));
  }),
  f(R`call\s+pc\s*(?<tgt>[+-]\s*(?:0[xX][0-9a-fA-F]+|\d+))`, (g, c) => { c.out.push(insn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, target(c, g, 'imm'))); }),
  f(R`call\s+${NUM('i')}`, (g, c) => { c.out.push(insn(OP_CALL, 0, BPF_HELPER_CALL, 0, imm32(c, g, 'i'))); }),
  f(R`call\s+(?<name>[A-Za-z_][\w]*)#${NUM('i')}`, (g, c) => {
    const id = imm32(c, g, 'i');
    const isHelper = g.name === 'unknown' || HELPER_NAMES[id] === g.name;
    c.out.push(insn(OP_CALL, 0, isHelper ? BPF_HELPER_CALL : BPF_PSEUDO_KFUNC_CALL, 0, id));
  }),
  f(R`call\s+(?<tgt>[A-Za-z_.$][\w.$%=]*)`, (g, c) => {
    // Resolved at the end: a label (bpf-to-bpf call), else a helper, else a kfunc.
    c.fixups.push({ pc: c.out.length, label: g.tgt!, field: 'imm', line: c.line, col: c.col('tgt') });
    c.out.push(insn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
  }),
  f(R`lock\s*${CAST}\s*${MEM('d', 'o')}\s*(?<op>\+=|&=|\|=|\^=)\s*${REG('s')}`, (g, c) => {
    const [size] = sizeOf(c, g, false);
    if (size !== BPF_W && size !== BPF_DW) throw c.err('atomic operations need u32 or u64', 'sz');
    const imm = { '+=': 0x00, '&=': 0x50, '|=': 0x40, '^=': 0xa0 }[g.op!]!;
    c.out.push(insn(BPF_STX | BPF_ATOMIC | size, reg64(c, g, 'd'), reg(c, g, 's')[0], off16(c, g, 'o'), imm));
  }),
  f(R`store_release\(\s*\(\s*${SZ}\s*\*\s*\)\s*${MEM('d', 'o')}\s*,\s*${REG('s')}\s*\)`, (g, c) => {
    const [size] = sizeOf(c, g, false);
    c.out.push(insn(BPF_STX | BPF_ATOMIC | size, reg64(c, g, 'd'), reg(c, g, 's')[0], off16(c, g, 'o'), BPF_STORE_REL));
  }),
  f(R`${CAST}\s*${MEM('d', 'o')}\s*=\s*(?:${REG('s')}|${NUM('i')})`, (g, c) => {
    const [size] = sizeOf(c, g, false);
    const d = reg64(c, g, 'd');
    const off = off16(c, g, 'o');
    if (g.s !== undefined) c.out.push(insn(BPF_STX | BPF_MEM | size, d, reg(c, g, 's')[0], off, 0));
    else c.out.push(insn(BPF_ST | BPF_MEM | size, d, 0, off, imm32(c, g, 'i')));
  }),
  f(R`${REG('d')}\s*=\s*${CAST}\s*${MEM('s', 'o')}`, (g, c) => {
    const [size, mode] = sizeOf(c, g, true);
    if (mode === BPF_MEMSX && size === BPF_DW) throw c.err('no s64 load', 'sz');
    c.out.push(insn(BPF_LDX | mode | size, reg(c, g, 'd')[0], reg64(c, g, 's'), off16(c, g, 'o'), 0));
  }),
  f(R`${REG('d')}\s*=\s*${CAST}\s*skb\[\s*(?:${REG('s')}\s*(?:\+\s*${NUM('i')})?|${NUM('a')})\s*\]`, (g, c) => {
    const [size] = sizeOf(c, g, false);
    if (size === BPF_DW) throw c.err('legacy packet loads are u8, u16 or u32', 'sz');
    if (reg(c, g, 'd')[0] !== 0) throw c.err('legacy packet loads write r0', 'd');
    if (g.s !== undefined) c.out.push(insn(BPF_LD | BPF_IND | size, 0, reg64(c, g, 's'), 0, g.i === undefined ? 0 : imm32(c, g, 'i')));
    else c.out.push(insn(BPF_LD | BPF_ABS | size, 0, 0, 0, imm32(c, g, 'a')));
  }),
  f(R`${REG('r')}\s*=\s*atomic(?<w>64)?_fetch_(?<aop>add|and|or|xor)\(\s*\(\s*${SZ}\s*\*\s*\)\s*${MEM('d', 'o')}\s*,\s*${REG('s')}\s*\)`, (g, c) => {
    atomicRmw(c, g, ATOMIC_ALU[g.aop!] | BPF_FETCH);
  }),
  f(R`${REG('r')}\s*=\s*atomic(?<w>64)?_xchg\(\s*\(\s*${SZ}\s*\*\s*\)\s*${MEM('d', 'o')}\s*,\s*${REG('s')}\s*\)`, (g, c) => {
    atomicRmw(c, g, BPF_XCHG);
  }),
  f(R`${REG('r')}\s*=\s*atomic(?<w>64)?_cmpxchg\(\s*\(\s*${SZ}\s*\*\s*\)\s*${MEM('d', 'o')}\s*,\s*${REG('z')}\s*,\s*${REG('s')}\s*\)`, (g, c) => {
    atomicCmpxchg(c, g);
  }),
  f(R`${REG('r')}\s*=\s*(?<cl>xchg|xchg32)_(?<cw>32|64)\(\s*${REG('d')}\s*(?<o>[+-]\s*(?:0[xX][0-9a-fA-F]+|\d+))?\s*,\s*${REG('s')}\s*\)`, (g, c) => {
    g.sz = g.cl === 'xchg32' ? 'u32' : 'u64';
    atomicRmw(c, g, BPF_XCHG);
  }),
  f(R`${REG('r')}\s*=\s*(?<cl>cmpxchg|cmpxchg32)_(?<cw>32|64)\(\s*${REG('d')}\s*(?<o>[+-]\s*(?:0[xX][0-9a-fA-F]+|\d+))?\s*,\s*${REG('z')}\s*,\s*${REG('s')}\s*\)`, (g, c) => {
    g.sz = g.cl === 'cmpxchg32' ? 'u32' : 'u64';
    atomicCmpxchg(c, g);
  }),
  f(R`${REG('d')}\s*=\s*load_acquire\(\s*\(\s*${SZ}\s*\*\s*\)\s*${MEM('s', 'o')}\s*\)`, (g, c) => {
    const [size] = sizeOf(c, g, false);
    c.out.push(insn(BPF_STX | BPF_ATOMIC | size, reg(c, g, 'd')[0], reg64(c, g, 's'), off16(c, g, 'o'), BPF_LOAD_ACQ));
  }),
  f(R`${REG('d')}\s*=\s*(?<e>be|le|bswap)(?<bits>16|32|64)\s+${REG('s')}`, (g, c) => {
    const [d] = reg(c, g, 'd');
    const [s] = reg(c, g, 's');
    if (d !== s) throw c.err('byte swap works in place: source and destination must be the same register', 's');
    const code = g.e === 'be' ? BPF_ALU | BPF_END | BPF_TO_BE : g.e === 'le' ? BPF_ALU | BPF_END | BPF_TO_LE : BPF_ALU64 | BPF_END | BPF_TO_LE;
    c.out.push(insn(code, d, 0, 0, Number(g.bits)));
  }),
  f(R`${REG('d')}\s*=\s*-\s*${REG('s')}`, (g, c) => {
    const [d, dw] = reg(c, g, 'd');
    const [s, sw] = reg(c, g, 's');
    sameWidth(c, dw, sw, 's');
    if (d !== s) throw c.err('negation works in place: source and destination must be the same register', 's');
    c.out.push(insn((dw ? BPF_ALU : BPF_ALU64) | BPF_NEG | BPF_K, d, 0, 0, 0));
  }),
  f(R`${REG('d')}\s*=\s*\(\s*s(?<bits>8|16|32)\s*\)\s*${REG('s')}`, (g, c) => {
    const [d, dw] = reg(c, g, 'd');
    const [s, sw] = reg(c, g, 's');
    sameWidth(c, dw, sw, 's');
    c.out.push(insn((dw ? BPF_ALU : BPF_ALU64) | BPF_MOV | BPF_X, d, s, Number(g.bits), 0));
  }),
  f(R`${REG('d')}\s*=\s*addr_space_cast\(\s*${REG('s')}\s*,\s*${NUM('a')}\s*,\s*${NUM('b')}\s*\)`, (g, c) => {
    const a = imm32(c, g, 'a'), b = imm32(c, g, 'b');
    if (a < 0 || a > 0xffff || b < 0 || b > 0xffff) throw c.err('address spaces are 0..65535', 'a');
    c.out.push(insn(BPF_ALU64 | BPF_MOV | BPF_X, reg64(c, g, 'd'), reg64(c, g, 's'), 1, ((a << 16) | b) | 0));
  }),
  f(R`${REG('d')}\s*=\s*(?<pf>map_fd|map_value|btf_id|func|map_idx|map_idx_value|ld_pseudo)\(\s*(?<args>[^)]*)\)(?:\s*ll)?`, (g, c) => {
    pseudoLd(c, g);
  }),
  f(R`${REG('d')}\s*=\s*${NUM('i')}\s*(?<ll>ll)?`, (g, c) => {
    const [d, dw] = reg(c, g, 'd');
    const v = bigOf(c, g, 'i');
    // A 64-bit mov sign-extends its 32-bit immediate: a value outside int32 keeps its
    // meaning only as an ld_imm64. wN = 0xffffffff is a plain 32-bit mov.
    const fits = v >= -(1n << 31n) && v <= 0x7fffffffn;
    if (g.ll !== undefined || (!fits && !dw) || c.logCode === 0x18) {
      if (dw) throw c.err('ld_imm64 needs a 64-bit register', 'd');
      if (v < -(1n << 63n) || v > 0xffffffffffffffffn) throw c.err(`immediate ${g.i} out of 64-bit range`, 'i');
      c.out.push(...ldImm64(d, v));
      return;
    }
    c.out.push(insn((dw ? BPF_ALU : BPF_ALU64) | BPF_MOV | BPF_K, d, 0, 0, imm32(c, g, 'i')));
  }),
  f(R`${REG('d')}\s*=\s*${REG('s')}`, (g, c) => {
    const [d, dw] = reg(c, g, 'd');
    const [s, sw] = reg(c, g, 's');
    sameWidth(c, dw, sw, 's');
    c.out.push(insn((dw ? BPF_ALU : BPF_ALU64) | BPF_MOV | BPF_X, d, s, 0, 0));
  }),
  f(R`${REG('d')}\s*(?<op>\+=|-=|\*=|/=|\|=|&=|<<=|>>=|%=|\^=|s>>=|s/=|s%=)\s*(?:${REG('s')}|${NUM('i')})`, (g, c) => {
    const [d, dw] = reg(c, g, 'd');
    const [op, off] = ALU_OPS[g.op!];
    const cls = dw ? BPF_ALU : BPF_ALU64;
    if (g.s !== undefined) {
      const [s, sw] = reg(c, g, 's');
      sameWidth(c, dw, sw, 's');
      c.out.push(insn(cls | op | BPF_X, d, s, off, 0));
    } else c.out.push(insn(cls | op | BPF_K, d, 0, off, imm32(c, g, 'i')));
  }),
  f(R`\.insn\s+${NUM('c')}\s*,\s*${NUM('a')}\s*,\s*${NUM('b')}\s*,\s*${NUM('o')}\s*,\s*${NUM('i')}`, (g, c) => {
    const code = imm32(c, g, 'c'), dst = imm32(c, g, 'a'), src = imm32(c, g, 'b');
    if (code < 0 || code > 0xff) throw c.err('opcode is 0..255', 'c');
    if (dst < 0 || dst > 15) throw c.err('dst is 0..15', 'a');
    if (src < 0 || src > 15) throw c.err('src is 0..15', 'b');
    c.out.push(insn(code, dst, src, off16(c, g, 'o'), imm32(c, g, 'i')));
  }),
];

function atomicRmw(c: Ctx, g: Groups, imm: number): void {
  const [size] = sizeOf(c, g, false);
  if (size !== BPF_W && size !== BPF_DW) throw c.err('atomic operations need u32 or u64', 'sz');
  const [r] = reg(c, g, 'r');
  const [s] = reg(c, g, 's');
  if (r !== s) throw c.err('the fetched value goes to the source register: use the same register on both sides', 's');
  c.out.push(insn(BPF_STX | BPF_ATOMIC | size, reg64(c, g, 'd'), s, off16(c, g, 'o'), imm));
}

function atomicCmpxchg(c: Ctx, g: Groups): void {
  const [size] = sizeOf(c, g, false);
  if (size !== BPF_W && size !== BPF_DW) throw c.err('atomic operations need u32 or u64', 'sz');
  if (reg(c, g, 'r')[0] !== 0) throw c.err('cmpxchg returns in r0', 'r');
  if (reg(c, g, 'z')[0] !== 0) throw c.err('cmpxchg compares with r0', 'z');
  c.out.push(insn(BPF_STX | BPF_ATOMIC | size, reg64(c, g, 'd'), reg(c, g, 's')[0], off16(c, g, 'o'), BPF_CMPXCHG));
}

function pseudoLd(c: Ctx, g: Groups): void {
  const d = reg64(c, g, 'd');
  const args = g.args!.split(',').map((a) => a.trim());
  const nums = (min: number, max: number): number[] => {
    if (args.length < min || args.length > max || args.some((a) => !/^[+-]?(0[xX][0-9a-fA-F]+|\d+)$/.test(a))) {
      throw c.err(`${g.pf}() takes ${min === max ? min : `${min} to ${max}`} integer argument${max > 1 ? 's' : ''}`, 'args');
    }
    return args.map((a) => imm32(c, { v: a }, 'v'));
  };
  // map_fd(NAME) / map_value(NAME, OFF): a map declared by the caller, by name.
  if ((g.pf === 'map_fd' || g.pf === 'map_value') && /^[A-Za-z_][\w.]*$/.test(args[0] ?? '')) {
    const at = c.opts.mapIndex?.(args[0]);
    if (at === undefined) throw c.err(`unknown map '${args[0]}'`, 'args');
    args[0] = String(at);
  }
  // btf_id(NAME): a kernel symbol (__ksym) by name.
  if (g.pf === 'btf_id' && args.length === 1 && /^[A-Za-z_]\w*$/.test(args[0])) {
    const id = c.opts.ksymId?.(args[0]);
    if (id === undefined) throw c.err(`unknown kernel symbol '${args[0]}' (no VAR or FUNC of that name in the kernel's BTF)`, 'args');
    args[0] = String(id);
  }
  const push = (src: number, lo: number, hi: number): void => {
    const [a, b] = ldImm64(d, 0n, src);
    a.imm = lo;
    b.imm = hi;
    c.out.push(a, b);
  };
  switch (g.pf) {
    case 'map_fd': { const [fd] = nums(1, 1); push(BPF_PSEUDO_MAP_FD, fd, 0); break; }
    case 'map_value': { const [fd, off] = nums(2, 2); push(BPF_PSEUDO_MAP_VALUE, fd, off); break; }
    case 'btf_id': { const [id, fd] = nums(1, 2); push(BPF_PSEUDO_BTF_ID, id, fd ?? 0); break; }
    case 'map_idx': { const [i] = nums(1, 1); push(BPF_PSEUDO_MAP_IDX, i, 0); break; }
    case 'map_idx_value': { const [i, off] = nums(2, 2); push(BPF_PSEUDO_MAP_IDX_VALUE, i, off); break; }
    case 'ld_pseudo': {
      const [src, lo, hi] = nums(3, 3);
      if (src < 0 || src > 15) throw c.err('pseudo source is 0..15', 'args');
      push(src, lo, hi);
      break;
    }
    case 'func': {
      if (args.length !== 1) throw c.err('func() takes one target: +N or a label', 'args');
      const t = args[0].replace(/\s+/g, '');
      if (/^[+-]\d+$/.test(t)) push(BPF_PSEUDO_FUNC, Number(t), 0);
      else if (/^[A-Za-z_.$][\w.$%=]*$/.test(t)) {
        c.fixups.push({ pc: c.out.length, label: t, field: 'imm', line: c.line, col: c.col('args') });
        push(BPF_PSEUDO_FUNC, 0, 0);
      } else throw c.err(`bad func() target '${t}'`, 'args');
      break;
    }
  }
}

/** Split a line into statements with their starting columns, removing comments. */
function statements(line: string, inBlock: { v: boolean }): { text: string; col: number; logCode?: number }[] {
  // Blank out comments, keeping columns.
  let s = '';
  for (let i = 0; i < line.length; i++) {
    if (inBlock.v) {
      if (line.startsWith('*/', i)) { inBlock.v = false; s += '  '; i++; } else s += ' ';
      continue;
    }
    if (line.startsWith('/*', i)) { inBlock.v = true; s += '  '; i++; continue; }
    if (line.startsWith('//', i)) break;
    // `#` starts a comment unless it is the `name#N` of a logged call.
    if (line[i] === '#' && !(/\w/.test(line[i - 1] ?? '') && /[-\d]/.test(line[i + 1] ?? ''))) break;
    s += line[i];
  }
  // A verifier log line: `N: (xx) text ; state`.
  const log = s.match(/^(\s*\d+:\s*\(([0-9a-fA-F]{2})\)\s*)/);
  if (log) {
    const rest = s.slice(log[1].length);
    const semi = rest.indexOf(';');
    return [{ text: semi >= 0 ? rest.slice(0, semi) : rest, col: log[1].length + 1, logCode: parseInt(log[2], 16) }];
  }
  const out: { text: string; col: number }[] = [];
  let start = 0;
  for (let i = 0; i <= s.length; i++) {
    if (i === s.length || s[i] === ';') {
      out.push({ text: s.slice(start, i), col: start + 1 });
      start = i + 1;
    }
  }
  return out;
}

/** Assemble kernel/clang syntax; returns the instructions and the label map. */
export function assembleWithLabels(text: string, opts: AsmOptions = {}): AsmResult {
  const out: Insn[] = [];
  const labels = new Map<string, number>();
  const fixups: Fixup[] = [];
  const lines = text.split(/\r?\n/);
  const inBlock = { v: false };
  for (let li = 0; li < lines.length; li++) {
    for (const st of statements(lines[li], inBlock)) {
      let body = st.text;
      let col = st.col;
      const lead = body.match(/^\s*/)![0].length;
      body = body.slice(lead);
      col += lead;
      let lm: RegExpMatchArray | null;
      while ((lm = body.match(LABEL)) !== null && !/^\d/.test(lm[1])) {
        if (labels.has(lm[1])) throw new AsmError(`duplicate label '${lm[1]}'`, li + 1, col, opts.source);
        labels.set(lm[1], out.length);
        const skip = lm[0].length + body.slice(lm[0].length).match(/^\s*/)![0].length;
        body = body.slice(skip);
        col += skip;
      }
      body = body.replace(/\s*<[^<>]*>$/, '').trimEnd(); // llvm-objdump's `goto +0x3 <sym+0x38>`
      if (body.length === 0) continue;
      let matched = false;
      const key = keyOf(body);
      for (const form of FORMS) {
        if (form.key !== key) continue;
        if (!form.re.test(body)) continue;
        const m = form.reD.exec(body) as (RegExpExecArray & { indices?: Record<string, unknown> }) | null;
        if (!m) continue;
        const g: Groups = { ...(m.groups ?? {}) };
        const idx = (m as unknown as { indices: { groups?: Record<string, [number, number] | undefined> } }).indices.groups ?? {};
        const ctx: Ctx = {
          out, fixups, opts, line: li + 1, logCode: st.logCode,
          col: (name) => col + (idx[name]?.[0] ?? 0),
          err: (msg, name) => new AsmError(msg, li + 1, name !== undefined && idx[name] ? col + idx[name]![0] : col, opts.source),
        };
        form.build(g, ctx);
        matched = true;
        break;
      }
      if (!matched) throw new AsmError(`cannot parse '${body}'`, li + 1, col, opts.source);
    }
  }
  if (inBlock.v) throw new AsmError('unterminated /* comment', lines.length, 1, opts.source);

  for (const fx of fixups) {
    const at = labels.get(fx.label);
    const n = out[fx.pc];
    if (n.code === OP_CALL && n.src === BPF_PSEUDO_CALL && at === undefined) {
      // `call NAME` that is not a label: helper by name, else kfunc.
      const h = helperId(fx.label);
      if (h !== undefined) { n.src = BPF_HELPER_CALL; n.imm = h; continue; }
      const k = opts.kfuncId?.(fx.label);
      if (k !== undefined) {
        const kk = typeof k === 'number' ? { id: k, off: 0 } : k;
        n.src = BPF_PSEUDO_KFUNC_CALL; n.imm = kk.id; n.off = kk.off ?? 0;
        continue;
      }
      throw new AsmError(`unknown function '${fx.label}' (not a label, helper, or resolvable kfunc)`, fx.line, fx.col, opts.source);
    }
    if (at === undefined) throw new AsmError(`undefined label '${fx.label}'`, fx.line, fx.col, opts.source);
    const rel = at - fx.pc - 1;
    if (fx.field === 'off') {
      if (rel < -32768 || rel > 32767) throw new AsmError(`jump to '${fx.label}' out of 16-bit range (${rel})`, fx.line, fx.col, opts.source);
      n.off = rel;
    } else n.imm = rel;
  }
  return { insns: out, labels };
}

/** Assemble kernel/clang syntax into instruction slots. */
export function assemble(text: string, opts: AsmOptions = {}): Insn[] {
  return assembleWithLabels(text, opts).insns;
}
