// Assembler for the ubpf / bpf_conformance assembly syntax (the `-- asm`
// sections of bpf_conformance tests/*.data). Models the mnemonics of
// Alan-Jowett/bpf_conformance lib/src/bpf_assembler.cc and iovisor/ubpf
// ubpf/assembler.py:
//
//   mov %r1, -1          mov32 %r0, %r1        neg %r0     neg32 %r0
//   add/sub/mul/div/sdiv/or/and/lsh/rsh/mod/smod/xor/mov/arsh[32|64] dst, src|imm
//   movsx{8,16,32}{32,64} dst, src   (movsx832 = w-form sign-extend of 8 bits)
//   be16/be32/be64, le16/le32/le64 (BPF_ALU|BPF_END), swap16/32/64 = bswap16/32/64
//   lddw %r0, 0x1122334455667788
//   ldx{b,h,w,dw} dst, [src+off]    ldxs{b,h,w} dst, [src-off]
//   st{b,h,w,dw} [dst+off], imm     stx{b,h,w,dw} [dst+off], src
//   ldabs{b,h,w} imm                ldind{b,h,w} src, imm     (legacy packet loads)
//   lock [fetch] {add,and,or,xor}[32] [dst+off], src
//   lock {xchg,cmpxchg}[32] [dst+off], src
//   ja label|+N    ja32 label|+N (imm)    j{eq,gt,ge,set,ne,sgt,sge,lt,le,slt,sle}[32] dst, src|imm, label|+N
//   call N (helper)   call helper N   call local label|+N   call runtime N (kfunc)   call %rN (callx)
//   exit
//   label:            # comment to end of line
//
// The label `exit` names the first `exit` instruction unless defined
// explicitly. Registers %r0..%r15 are accepted (r11..r15 only for negative
// tests, as in bpf_conformance; decode() rejects them).
import { Insn, insn, ldImm64 } from './insn';
import { AsmError } from './errors';
import {
  BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_K, BPF_X, BPF_END, BPF_TO_LE, BPF_TO_BE, BPF_MOV, BPF_NEG,
  BPF_LDX, BPF_ST, BPF_STX, BPF_LD, BPF_MEM, BPF_MEMSX, BPF_ATOMIC, BPF_ABS, BPF_IND, BPF_W, BPF_H, BPF_B,
  BPF_DW, BPF_FETCH, BPF_XCHG, BPF_CMPXCHG, BPF_ADD, BPF_AND, BPF_OR, BPF_XOR, OP_CALL, OP_EXIT,
  BPF_JA, BPF_HELPER_CALL, BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_CALL,
} from './opcodes';

const ALU_OPS: Record<string, number> = {
  add: 0x00, sub: 0x10, mul: 0x20, div: 0x30, sdiv: 0x30, or: 0x40, and: 0x50, lsh: 0x60, rsh: 0x70,
  neg: 0x80, mod: 0x90, smod: 0x90, xor: 0xa0, mov: 0xb0, arsh: 0xc0,
};
const JMP_OPS: Record<string, number> = {
  jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40, jne: 0x50, jsgt: 0x60, jsge: 0x70,
  jlt: 0xa0, jle: 0xb0, jslt: 0xc0, jsle: 0xd0,
};
const SIZES: Record<string, number> = { b: BPF_B, h: BPF_H, w: BPF_W, dw: BPF_DW };
const ATOMIC_OPS: Record<string, number> = { add: BPF_ADD, and: BPF_AND, or: BPF_OR, xor: BPF_XOR };

interface Tok { text: string; col: number }

interface Fixup { pc: number; label: string; field: 'off' | 'imm'; tok: Tok; line: number }

/** Assemble ubpf/bpf_conformance syntax. `source` names the input in errors. */
export function assembleUbpf(text: string, source?: string): Insn[] {
  const out: Insn[] = [];
  const labels = new Map<string, number>();
  const fixups: Fixup[] = [];
  let firstExit: number | undefined;
  const lines = text.split(/\r?\n/);

  for (let li = 0; li < lines.length; li++) {
    const lineNo = li + 1;
    let raw = lines[li];
    const hash = raw.indexOf('#');
    if (hash >= 0) raw = raw.slice(0, hash);
    let toks = tokenize(raw);
    const err = (msg: string, t?: Tok): AsmError => new AsmError(msg, lineNo, t ? t.col : 1, source);

    // Labels (possibly followed by an instruction on the same line).
    while (toks.length > 0 && toks[0].text.endsWith(':')) {
      const name = toks[0].text.slice(0, -1);
      if (!/^[A-Za-z_.$][\w.$]*$/.test(name)) throw err(`invalid label '${name}'`, toks[0]);
      if (labels.has(name)) throw err(`duplicate label '${name}'`, toks[0]);
      labels.set(name, out.length);
      toks = toks.slice(1);
    }
    if (toks.length === 0) continue;

    const m = toks[0];
    const ops = toks.slice(1);
    const mn = m.text.toLowerCase();
    const want = (n: number): void => {
      if (ops.length !== n) throw err(`'${m.text}' takes ${n} operand${n === 1 ? '' : 's'}, got ${ops.length}`, m);
    };
    const pc = out.length;
    const target = (t: Tok, field: 'off' | 'imm'): number => {
      if (/^[+-]/.test(t.text)) return field === 'off' ? parseOff(t, err) : parseImm32(t, err);
      if (!/^[A-Za-z_.$][\w.$]*$/.test(t.text)) throw err(`expected a label or +N/-N, got '${t.text}'`, t);
      fixups.push({ pc, label: t.text, field, tok: t, line: lineNo });
      return 0;
    };

    let am: RegExpMatchArray | null;
    if (mn === 'exit') {
      want(0);
      if (firstExit === undefined) firstExit = pc;
      out.push(insn(OP_EXIT));
    } else if (mn === 'lddw') {
      want(2);
      const dst = parseReg(ops[0], err);
      out.push(...ldImm64(dst, parseImm64(ops[1], err)));
    } else if ((am = mn.match(/^ldx(s?)(b|h|w|dw)$/))) {
      want(2);
      if (am[1] && am[2] === 'dw') throw err(`unknown mnemonic '${m.text}'`, m);
      const dst = parseReg(ops[0], err);
      const [src, off] = parseMem(ops[1], err);
      out.push(insn(BPF_LDX | (am[1] ? BPF_MEMSX : BPF_MEM) | SIZES[am[2]], dst, src, off, 0));
    } else if ((am = mn.match(/^st(x?)(b|h|w|dw)$/))) {
      want(2);
      const [dst, off] = parseMem(ops[0], err);
      if (am[1]) out.push(insn(BPF_STX | BPF_MEM | SIZES[am[2]], dst, parseReg(ops[1], err), off, 0));
      else out.push(insn(BPF_ST | BPF_MEM | SIZES[am[2]], dst, 0, off, parseImm32(ops[1], err)));
    } else if ((am = mn.match(/^ldabs(b|h|w)$/))) {
      want(1);
      out.push(insn(BPF_LD | BPF_ABS | SIZES[am[1]], 0, 0, 0, parseImm32(ops[0], err)));
    } else if ((am = mn.match(/^ldind(b|h|w)$/))) {
      want(2);
      out.push(insn(BPF_LD | BPF_IND | SIZES[am[1]], 0, parseReg(ops[0], err), 0, parseImm32(ops[1], err)));
    } else if ((am = mn.match(/^(be|le|swap|bswap)(16|32|64)$/))) {
      want(1);
      const code = am[1] === 'be' ? BPF_ALU | BPF_END | BPF_TO_BE
        : am[1] === 'le' ? BPF_ALU | BPF_END | BPF_TO_LE : BPF_ALU64 | BPF_END | BPF_TO_LE;
      out.push(insn(code, parseReg(ops[0], err), 0, 0, Number(am[2])));
    } else if ((am = mn.match(/^movsx(8|16|32)(32|64)$/))) {
      want(2);
      if (am[1] === '32' && am[2] === '32') throw err(`unknown mnemonic '${m.text}'`, m);
      const cls = am[2] === '32' ? BPF_ALU : BPF_ALU64;
      out.push(insn(cls | BPF_MOV | BPF_X, parseReg(ops[0], err), parseReg(ops[1], err), Number(am[1]), 0));
    } else if ((am = mn.match(/^([a-z]+?)(32|64)?$/)) && ALU_OPS[am[1]] !== undefined) {
      const name = am[1];
      const cls = am[2] === '32' ? BPF_ALU : BPF_ALU64;
      const op = ALU_OPS[name];
      const off = name === 'sdiv' || name === 'smod' ? 1 : 0;
      if (op === BPF_NEG) {
        want(1);
        out.push(insn(cls | BPF_NEG | BPF_K, parseReg(ops[0], err), 0, 0, 0));
      } else {
        want(2);
        const dst = parseReg(ops[0], err);
        if (ops[1].text.startsWith('%')) out.push(insn(cls | op | BPF_X, dst, parseReg(ops[1], err), off, 0));
        else out.push(insn(cls | op | BPF_K, dst, 0, off, parseImm32(ops[1], err)));
      }
    } else if (mn === 'ja') {
      want(1);
      out.push(insn(BPF_JMP | BPF_JA, 0, 0, target(ops[0], 'off'), 0));
    } else if (mn === 'ja32') {
      want(1);
      out.push(insn(BPF_JMP32 | BPF_JA, 0, 0, 0, target(ops[0], 'imm')));
    } else if ((am = mn.match(/^(j[a-z]+?)(32)?$/)) && JMP_OPS[am[1]] !== undefined) {
      want(3);
      const cls = am[2] ? BPF_JMP32 : BPF_JMP;
      const op = JMP_OPS[am[1]];
      const dst = parseReg(ops[0], err);
      if (ops[1].text.startsWith('%')) {
        const src = parseReg(ops[1], err);
        out.push(insn(cls | op | BPF_X, dst, src, target(ops[2], 'off'), 0));
      } else {
        const imm = parseImm32(ops[1], err);
        out.push(insn(cls | op | BPF_K, dst, 0, target(ops[2], 'off'), imm));
      }
    } else if (mn === 'call') {
      if (ops.length === 1) {
        if (ops[0].text.startsWith('%')) out.push(insn(BPF_JMP | BPF_CALL | BPF_X, parseReg(ops[0], err), 0, 0, 0));
        else out.push(insn(OP_CALL, 0, BPF_HELPER_CALL, 0, parseImm32(ops[0], err)));
      } else {
        want(2);
        const mode = ops[0].text;
        if (mode === 'helper') out.push(insn(OP_CALL, 0, BPF_HELPER_CALL, 0, parseImm32(ops[1], err)));
        else if (mode === 'local') out.push(insn(OP_CALL, 0, BPF_PSEUDO_CALL, 0, target(ops[1], 'imm')));
        else if (mode === 'runtime') out.push(insn(OP_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, parseImm32(ops[1], err)));
        else throw err(`invalid call mode '${mode}' (helper, local or runtime)`, ops[0]);
      }
    } else if (mn === 'lock') {
      let rest = ops;
      let fetch = false;
      if (rest.length > 0 && rest[0].text === 'fetch') { fetch = true; rest = rest.slice(1); }
      if (rest.length !== 3) throw err(`'lock' takes [fetch] OP [dst+off], src`, m);
      const lm = rest[0].text.match(/^(add|and|or|xor|xchg|cmpxchg)(32)?$/);
      if (!lm) throw err(`unknown atomic operation '${rest[0].text}'`, rest[0]);
      const size = lm[2] ? BPF_W : BPF_DW;
      let imm: number;
      if (lm[1] === 'xchg') imm = BPF_XCHG;
      else if (lm[1] === 'cmpxchg') imm = BPF_CMPXCHG;
      else imm = ATOMIC_OPS[lm[1]] | (fetch ? BPF_FETCH : 0);
      if (fetch && (lm[1] === 'xchg' || lm[1] === 'cmpxchg')) throw err(`'fetch' is implied for ${lm[1]}`, ops[0]);
      const [dst, off] = parseMem(rest[1], err);
      out.push(insn(BPF_STX | BPF_ATOMIC | size, dst, parseReg(rest[2], err), off, imm));
    } else {
      throw err(`unknown mnemonic '${m.text}'`, m);
    }
  }

  if (firstExit !== undefined && !labels.has('exit')) labels.set('exit', firstExit);
  for (const f of fixups) {
    const at = labels.get(f.label);
    if (at === undefined) throw new AsmError(`undefined label '${f.label}'`, f.line, f.tok.col, source);
    const rel = at - f.pc - 1;
    if (f.field === 'off') {
      if (rel < -32768 || rel > 32767) throw new AsmError(`jump to '${f.label}' out of 16-bit range (${rel})`, f.line, f.tok.col, source);
      out[f.pc].off = rel;
    } else out[f.pc].imm = rel;
  }
  return out;
}

/** Split a line into tokens on whitespace and commas, keeping 1-based columns. */
function tokenize(line: string): Tok[] {
  const toks: Tok[] = [];
  const re = /[^\s,]+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) toks.push({ text: m[0], col: m.index + 1 });
  return toks;
}

type ErrFn = (msg: string, t?: Tok) => AsmError;

function parseReg(t: Tok, err: ErrFn): number {
  const m = t.text.match(/^%r(\d+)$/);
  if (!m || Number(m[1]) > 15) throw err(`expected a register %r0..%r10, got '${t.text}'`, t);
  return Number(m[1]);
}

/** Parse an integer literal: decimal or 0x hex, optional sign. */
function parseInt(text: string): bigint | undefined {
  const m = text.match(/^([+-]?)(0x[0-9a-f]+|\d+)$/i);
  if (!m) return undefined;
  const v = BigInt(m[2]);
  return m[1] === '-' ? -v : v;
}

function parseImm32(t: Tok, err: ErrFn): number {
  const v = parseInt(t.text);
  if (v === undefined) throw err(`expected an integer, got '${t.text}'`, t);
  if (v < -(1n << 31n) || v > 0xffffffffn) throw err(`immediate ${t.text} out of 32-bit range`, t);
  return Number(BigInt.asIntN(32, v));
}

function parseImm64(t: Tok, err: ErrFn): bigint {
  const v = parseInt(t.text);
  if (v === undefined) throw err(`expected an integer, got '${t.text}'`, t);
  if (v < -(1n << 63n) || v > 0xffffffffffffffffn) throw err(`immediate ${t.text} out of 64-bit range`, t);
  return BigInt.asUintN(64, v);
}

function parseOff(t: Tok, err: ErrFn, text = t.text): number {
  const v = parseInt(text);
  if (v === undefined) throw err(`expected an offset, got '${text}'`, t);
  if (v < -32768n || v > 0xffffn) throw err(`offset ${text} out of 16-bit range`, t);
  return Number(BigInt.asIntN(16, v));
}

/** `[%rN]`, `[%rN+off]`, `[%rN-off]`. */
function parseMem(t: Tok, err: ErrFn): [number, number] {
  const m = t.text.match(/^\[(%r\d+)(?:([+-].*))?\]$/);
  if (!m) throw err(`expected a memory operand [%rN+off], got '${t.text}'`, t);
  const reg = parseReg({ text: m[1], col: t.col + 1 }, err);
  const off = m[2] === undefined ? 0 : parseOff(t, err, m[2]);
  return [reg, off];
}
