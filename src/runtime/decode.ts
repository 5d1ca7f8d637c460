// Pre-decoding for the interpreter: every instruction slot becomes 8 int32s in
// one flat array (internal op, dst, src, off, imm, jump target, aux), checked
// once so that the run loop never meets a malformed instruction. Models the
// structural checks of kernel/bpf/verifier.c (check_subprogs' jump range
// checks, resolve_pseudo_ldimm64) to the extent the interpreter needs them.
import { Insn } from '../isa/insn';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_SIZE, BPF_MODE, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_ALU64,
  BPF_JMP, BPF_JMP32, BPF_X, BPF_W, BPF_H, BPF_B, BPF_DW, BPF_IMM, BPF_ABS, BPF_IND, BPF_MEM, BPF_MEMSX,
  BPF_ATOMIC, BPF_PSEUDO_FUNC,
} from '../isa/opcodes';
import { successors } from '../isa/flow';
import { opcodeRule, reservedRuleText } from '../isa/reserved';
import { BpfRuntimeError } from './errors';
import { Op } from './ops';
import { HelperFn, HelperTable, VmOptions } from './types';

/** F_AUX of a TRAP slot that holds an instruction the verifier never reached (VmOptions.reached). */
export const TRAP_DEAD = 1;

/** Int32 fields per slot in Program.code. */
export const STRIDE = 8;
export const F_OP = 0, F_DST = 1, F_SRC = 2, F_OFF = 3, F_IMM = 4, F_TGT = 5, F_AUX = 6;

/** Base of code addresses: ld_imm64 BPF_PSEUDO_FUNC and callx use CODE_BASE + 8 * pc. */
export const CODE_BASE = 0xffff_c000_0000_0000n;
export const CODE_BASE_HI = 0xffffc000 | 0;

export interface Program {
  insns: readonly Insn[];
  /** Number of slots. */
  n: number;
  /** (n + 1) * STRIDE int32s; slot n is a TRAP so falling off the end is caught. */
  code: Int32Array;
  /** Helper / kfunc implementation per call slot (undefined: unknown, fails when reached). */
  fns: (HelperFn | undefined)[];
}

const hex2 = (n: number): string => '0x' + (n & 0xff).toString(16).padStart(2, '0');

function lookup(t: HelperTable | undefined, id: number): HelperFn | undefined {
  if (!t) return undefined;
  if (t instanceof Map) return t.get(id);
  return (t as Readonly<Record<number, HelperFn>>)[id];
}

const ALU_OPS: Record<number, [number, number]> = {
  // BPF_OP -> [X op of ALU64, X op of ALU32]; the K op is X + 1
  0x00: [Op.ADD64_X, Op.ADD32_X], 0x10: [Op.SUB64_X, Op.SUB32_X], 0x20: [Op.MUL64_X, Op.MUL32_X],
  0x30: [Op.DIV64_X, Op.DIV32_X], 0x40: [Op.OR64_X, Op.OR32_X], 0x50: [Op.AND64_X, Op.AND32_X],
  0x60: [Op.LSH64_X, Op.LSH32_X], 0x70: [Op.RSH64_X, Op.RSH32_X], 0x90: [Op.MOD64_X, Op.MOD32_X],
  0xa0: [Op.XOR64_X, Op.XOR32_X], 0xb0: [Op.MOV64_X, Op.MOV32_X], 0xc0: [Op.ARSH64_X, Op.ARSH32_X],
};

const JMP_OPS: Record<number, [number, number]> = {
  // BPF_OP -> [X op of JMP, X op of JMP32]; the K op is X + 1
  0x10: [Op.JEQ_X, Op.JEQ32_X], 0x20: [Op.JGT_X, Op.JGT32_X], 0x30: [Op.JGE_X, Op.JGE32_X],
  0x40: [Op.JSET_X, Op.JSET32_X], 0x50: [Op.JNE_X, Op.JNE32_X], 0x60: [Op.JSGT_X, Op.JSGT32_X],
  0x70: [Op.JSGE_X, Op.JSGE32_X], 0xa0: [Op.JLT_X, Op.JLT32_X], 0xb0: [Op.JLE_X, Op.JLE32_X],
  0xc0: [Op.JSLT_X, Op.JSLT32_X], 0xd0: [Op.JSLE_X, Op.JSLE32_X],
};

const SIZE_INDEX: Record<number, number> = { [BPF_W]: 0, [BPF_H]: 1, [BPF_B]: 2, [BPF_DW]: 3 };

function invalid(insns: readonly Insn[], pc: number, why: string): never {
  throw new BpfRuntimeError('invalid-insn', pc, `invalid instruction ${hex2(insns[pc].code)}: ${why}`);
}
function checkReg(insns: readonly Insn[], pc: number, r: number, what: string): number {
  if (r > 10) invalid(insns, pc, `${what} register r${r} does not exist`);
  return r;
}
function checkDstReg(insns: readonly Insn[], pc: number, r: number): number {
  checkReg(insns, pc, r, 'destination');
  if (r === 10) invalid(insns, pc, 'frame pointer r10 is read-only');
  return r;
}

const ATOMIC_RMW_INDEX: Readonly<Record<number, number>> = { 0x00: 0, 0x40: 1, 0x50: 2, 0xa0: 3, 0x01: 4, 0x41: 5, 0x51: 6, 0xa1: 7, 0xe1: 8, 0xf1: 9 };

/** The internal op of a BPF_STX instruction: a store, an atomic read-modify-write, load-acquire or store-release. */
function storeOp(insns: readonly Insn[], pc: number): number {
  const i = insns[pc], c = i.code & 0xff, imm = i.imm | 0;
  const mode = BPF_MODE(c), size = BPF_SIZE(c), si = SIZE_INDEX[size];
  const dst = i.dst & 0xf, src = i.src & 0xf;
  checkReg(insns, pc, dst, 'destination'); checkReg(insns, pc, src, 'source');
  if (mode === BPF_MEM) return Op.STX_W + si;
  if (mode !== BPF_ATOMIC) return invalid(insns, pc, 'unknown opcode');
  if (imm === 0x100) { // load-acquire: dst = *(src + off)
    checkDstReg(insns, pc, dst);
    return [Op.LDACQ_W, Op.LDACQ_H, Op.LDACQ_B, Op.LDACQ_DW][si];
  }
  if (imm === 0x110) return [Op.STREL_W, Op.STREL_H, Op.STREL_B, Op.STREL_DW][si];
  if (size !== BPF_W && size !== BPF_DW) invalid(insns, pc, 'atomic read-modify-write needs a 32 or 64-bit size');
  const idx = ATOMIC_RMW_INDEX[imm];
  if (idx === undefined) invalid(insns, pc, `unknown atomic operation ${hex2(imm)}`);
  return (size === BPF_W ? Op.AADD_W : Op.AADD_DW) + idx;
}

/** Jump and call targets must land on an instruction (not an ld_imm64's second slot); so must the exception callback. */
function checkTargets(code: Int32Array, n: number, isSecondSlot: Uint8Array, exceptionCallbackPc: number | undefined): void {
  for (let pc = 0; pc < n; pc++) {
    const b = pc * STRIDE, op = code[b + F_OP];
    const isTarget = op === Op.JA || op === Op.GOTOL || op === Op.CALL_LOCAL || op === Op.MAY_GOTO ||
      (op >= Op.JEQ_X && op <= Op.JSLE32_K && op !== Op.GOTOL);
    if (!isTarget) continue;
    const t = code[b + F_TGT];
    if (t < 0 || t >= n) throw new BpfRuntimeError('bad-jump', pc, `jump target ${t} is outside the program (0..${n - 1})`);
    if (isSecondSlot[t]) throw new BpfRuntimeError('bad-jump', pc, `jump target ${t} is the second slot of an ld_imm64`);
  }
  if (exceptionCallbackPc !== undefined) {
    const t = exceptionCallbackPc;
    if (!Number.isInteger(t) || t < 0 || t >= n || isSecondSlot[t]) throw new BpfRuntimeError('bad-jump', -1, `exception callback pc ${t} is not an instruction of the program`);
  }
}

/** Check and pre-decode a program. Throws BpfRuntimeError ('invalid-insn', 'bad-jump', 'unresolved-ld-imm64'). */
export function predecode(insns: readonly Insn[], opts: VmOptions): Program {
  const n = insns.length;
  const code = new Int32Array((n + 1) * STRIDE);
  const fns: (HelperFn | undefined)[] = new Array(n + 1).fill(undefined);
  const isSecondSlot = new Uint8Array(n + 1);
  isSecondSlot[n] = 1;
  const bad = (pc: number, why: string): never => invalid(insns, pc, why);
  const reg = (pc: number, r: number, what: string): number => checkReg(insns, pc, r, what);
  const wreg = (pc: number, r: number): number => checkDstReg(insns, pc, r);
  // After the checks with their own words: the reserved-field rules the opcode byte breaks (the
  // interpreter ignores reserved bits in the other fields; callx has no rule: the kernel has no callx).
  const checkReserved = (pc: number): void => {
    const rule = opcodeRule(insns[pc].code);
    if (rule) bad(pc, reservedRuleText(rule, insns[pc]));
  };

  const reached = opts.reached;
  if (reached && reached.length !== n) throw new BpfRuntimeError('bad-argument', -1, `reached has ${reached.length} entries for ${n} instructions`);
  for (let pc = 0; pc < n; pc++) {
    // dead code: never decoded (the kernel removed it), a trap if the verifier was wrong
    if (reached && !reached[pc]) { code[pc * STRIDE + F_AUX] = TRAP_DEAD; continue; }
    const i = insns[pc];
    const c = i.code & 0xff, cls = BPF_CLASS(c), opf = BPF_OP(c), isX = BPF_SRC(c) === BPF_X;
    const b = pc * STRIDE;
    let op = -1;
    let dst = i.dst & 0xf, src = i.src & 0xf;
    const off = (i.off << 16) >> 16, imm = i.imm | 0;
    let tgt = -1, aux = imm >> 31;
    const flow = successors(insns, pc);

    if (cls === BPF_ALU || cls === BPF_ALU64) {
      const is64 = cls === BPF_ALU64;
      wreg(pc, dst);
      if (isX) reg(pc, src, 'source');
      if (opf === 0x80) { // NEG (NEG with BPF_X breaks a reserved-field rule, below)
        op = is64 ? Op.NEG64 : Op.NEG32;
      } else if (opf === 0xd0) { // END
        if (imm !== 16 && imm !== 32 && imm !== 64) bad(pc, `byte swap width ${imm} is not 16, 32 or 64`);
        const w = imm === 16 ? 0 : imm === 32 ? 1 : 2;
        if (is64) op = Op.BSWAP16 + w; // bswap (BPF_X there breaks a reserved-field rule, below)
        else op = (isX ? Op.BE16 : Op.LE16) + w;
      } else {
        const pair = ALU_OPS[opf];
        if (!pair) bad(pc, 'unknown ALU operation');
        let x = pair[is64 ? 0 : 1];
        if (opf === 0x30 || opf === 0x90) { // DIV / MOD: off 1 = signed
          if (off === 1) x = opf === 0x30 ? (is64 ? Op.SDIV64_X : Op.SDIV32_X) : (is64 ? Op.SMOD64_X : Op.SMOD32_X);
          else if (off !== 0) bad(pc, `division offset ${off} is not 0 or 1`);
        }
        if (opf === 0xb0 && off !== 0) { // MOVSX
          if (!isX) bad(pc, reservedRuleText('BPF_MOV', i));
          if (is64 && off === 8) op = Op.MOVSX64_8;
          else if (is64 && off === 16) op = Op.MOVSX64_16;
          else if (is64 && off === 32) op = Op.MOVSX64_32;
          else if (!is64 && off === 8) op = Op.MOVSX32_8;
          else if (!is64 && off === 16) op = Op.MOVSX32_16;
          else bad(pc, `sign-extension width ${off} is not supported`);
        } else op = isX ? x : x + 1;
      }
    } else if (cls === BPF_JMP || cls === BPF_JMP32) {
      const is64 = cls === BPF_JMP;
      if (opf === 0x00) { // JA / gotol
        op = is64 ? Op.JA : Op.GOTOL;
        tgt = flow.jump!;
      } else if (opf === 0x80 && is64) { // CALL
        if (isX) {
          op = Op.CALLX;
          reg(pc, dst, 'callx target');
        } else if (src === 0) {
          op = Op.CALL_HELPER;
          fns[pc] = lookup(opts.helpers, imm);
        } else if (src === 1) {
          op = Op.CALL_LOCAL;
          tgt = flow.callee!;
        } else if (src === 2) {
          op = Op.CALL_KFUNC;
          fns[pc] = lookup(opts.kfuncs, imm);
        } else bad(pc, `unknown call kind src_reg=${src}`);
      } else if (opf === 0x90 && is64) {
        op = Op.EXIT;
      } else if (opf === 0xe0 && is64) {
        if (isX || src !== 0) bad(pc, 'unknown conditional jump');
        op = Op.MAY_GOTO;
        tgt = flow.jump!;
      } else {
        const pair = JMP_OPS[opf];
        if (!pair) bad(pc, 'unknown jump operation');
        reg(pc, dst, 'destination');
        if (isX) reg(pc, src, 'source');
        op = pair[is64 ? 0 : 1] + (isX ? 0 : 1);
        tgt = flow.jump!;
      }
    } else if (cls === BPF_LD) {
      const mode = BPF_MODE(c), size = BPF_SIZE(c);
      if (mode === BPF_IMM && size === BPF_DW) {
        wreg(pc, dst);
        if (pc + 1 >= n) bad(pc, 'ld_imm64 without its second slot');
        const second = insns[pc + 1];
        if (second.code !== 0 || second.dst !== 0 || second.src !== 0 || second.off !== 0) bad(pc, 'invalid bpf_ld_imm64 insn');
        let value: bigint;
        if (src === 0) value = (BigInt(second.imm >>> 0) << 32n) | BigInt(imm >>> 0);
        else {
          const v = opts.resolveLdImm64?.(pc, i, second);
          if (v !== undefined) value = BigInt.asUintN(64, v);
          else if (src === BPF_PSEUDO_FUNC) {
            const t = flow.callee!;
            if (t < 0 || t >= n) throw new BpfRuntimeError('bad-jump', pc, `function address target ${t} is outside the program (0..${n - 1})`);
            value = CODE_BASE + BigInt(t * 8);
          } else throw new BpfRuntimeError('unresolved-ld-imm64', pc, `ld_imm64 with src_reg=${src} needs a resolveLdImm64 hook`);
        }
        op = Op.LDDW;
        code[b + F_IMM] = Number(value & 0xffffffffn) | 0;
        aux = Number(value >> 32n) | 0;
        isSecondSlot[pc + 1] = 1;
        code[b + F_OP] = op; code[b + F_DST] = dst; code[b + F_SRC] = src; code[b + F_OFF] = off; code[b + F_AUX] = aux;
        pc++; // the second slot stays TRAP
        continue;
      } else if ((mode === BPF_ABS || mode === BPF_IND) && size !== BPF_DW) {
        const si = SIZE_INDEX[size];
        if (mode === BPF_IND) reg(pc, src, 'source');
        op = (mode === BPF_ABS ? Op.LD_ABS_W : Op.LD_IND_W) + si;
      } else bad(pc, 'unknown opcode');
    } else if (cls === BPF_LDX) {
      const mode = BPF_MODE(c), si = SIZE_INDEX[BPF_SIZE(c)];
      wreg(pc, dst); reg(pc, src, 'source');
      if (mode === BPF_MEM) op = Op.LDX_W + si;
      else if (mode === BPF_MEMSX && si !== 3) op = Op.LDSX_W + si;
      else bad(pc, 'unknown opcode');
    } else if (cls === BPF_ST) {
      if (BPF_MODE(c) !== BPF_MEM) bad(pc, 'unknown opcode');
      reg(pc, dst, 'destination');
      op = Op.ST_W + SIZE_INDEX[BPF_SIZE(c)];
    } else if (cls === BPF_STX) {
      op = storeOp(insns, pc);
    }
    if (op < 0) bad(pc, 'unknown opcode');
    if (op !== Op.CALLX) checkReserved(pc);
    code[b + F_OP] = op; code[b + F_DST] = dst; code[b + F_SRC] = src; code[b + F_OFF] = off;
    code[b + F_IMM] = imm; code[b + F_TGT] = tgt; code[b + F_AUX] = aux;
  }
  code[n * STRIDE + F_OP] = Op.TRAP;

  checkTargets(code, n, isSecondSlot, opts.exceptionCallbackPc);
  return { insns, n, code, fns };
}
