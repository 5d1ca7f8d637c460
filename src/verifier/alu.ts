// ALU instructions: check_alu_op (reserved fields, BPF_NEG/BPF_END, BPF_MOV with
// assign_scalar_id_before_mov and copy_register_state, division by a zero constant,
// shift ranges), adjust_reg_min_max_vals for scalars (the scalar domain in scalar/),
// and adjust_ptr_min_max_vals for the one pointer form modelled: fp +/- constant
// (kernel/bpf/verifier.c).
import { Insn } from '../isa/insn';
import { BPF_OP, BPF_SRC, BPF_X, BPF_K, BPF_ADD, BPF_SUB, BPF_DIV, BPF_MOD, BPF_LSH, BPF_RSH, BPF_ARSH, BPF_NEG, BPF_END, BPF_MOV, MAX_BPF_STACK } from '../isa/opcodes';
import { VerifierEnv, curFrame, fail, notModelled } from './env';
import { readReg, checkDst, setReg } from './regs';
import { RegState, isPointer, regTypeStr, scalarReg } from './state';
import {
  scalarConst, scalarFromImm, scalarIsConst, scalarZext32, aluScalar, scalarUnlinked, assignScalarIdBeforeMov, linkAfterAlu,
} from './scalar_bridge';

/** check_alu_op */
export function checkAluOp(env: VerifierEnv, insn: Insn, is64: boolean): void {
  const op = BPF_OP(insn.code);
  if (op === BPF_END || op === BPF_NEG) return checkUnary(env, insn, is64);
  if (op === BPF_MOV) return BPF_SRC(insn.code) === BPF_X ? checkMovReg(env, insn, is64) : checkMovImm(env, insn);
  if (op > BPF_END) fail(env, 'EINVAL', 'unknownOpcode', [insn.code]);
  checkBinary(env, insn, is64);
}

/** BPF_NEG and BPF_END */
function checkUnary(env: VerifierEnv, insn: Insn, is64: boolean): void {
  const op = BPF_OP(insn.code);
  const src = BPF_SRC(insn.code);
  if (op === BPF_NEG) {
    if (src !== BPF_K || insn.src !== 0 || insn.off !== 0 || insn.imm !== 0) fail(env, 'EINVAL', 'negReserved');
  } else if (insn.src !== 0 || insn.off !== 0 || (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) || (is64 && src !== BPF_K)) {
    fail(env, 'EINVAL', 'endReserved');
  }
  const r = readReg(env, insn.dst);
  if (isPointer(r)) fail(env, 'EACCES', 'ptrArithProhibited', [insn.dst]);
  checkDst(env, insn.dst);
  if (r.type !== 'scalar') return;
  const res = aluScalar({ code: insn.code, off: insn.off, imm: insn.imm }, r.s, scalarConst(0n));
  setReg(env, insn.dst, scalarReg(res.dst));
}

/** BPF_MOV | BPF_K */
function checkMovImm(env: VerifierEnv, insn: Insn): void {
  if (insn.src !== 0 || insn.off !== 0) fail(env, 'EINVAL', 'movReserved');
  checkDst(env, insn.dst);
  setReg(env, insn.dst, scalarReg(aluScalar({ code: insn.code, off: 0, imm: insn.imm }, scalarConst(0n), scalarConst(0n)).dst));
}

/** BPF_MOV | BPF_X: copies (linked scalars), mov32, sign-extending movs (not modelled). */
function checkMovReg(env: VerifierEnv, insn: Insn, is64: boolean): void {
  if (insn.imm !== 0 || (insn.off !== 0 && insn.off !== 8 && insn.off !== 16 && insn.off !== 32)
    || (!is64 && insn.off === 32)) fail(env, 'EINVAL', 'movReserved');
  const s = readReg(env, insn.src);
  checkDst(env, insn.dst);
  if (isPointer(s)) {
    if (!is64 || insn.off !== 0) notModelled(env, 'partial copy of a pointer');
    setReg(env, insn.dst, s);
    return;
  }
  if (s.type !== 'scalar') return;
  if (insn.off !== 0) notModelled(env, 'sign-extending mov');
  if (is64) {
    // assign_scalar_id_before_mov + copy_register_state
    const a = assignScalarIdBeforeMov(s.s, env.idGen + 1);
    if (a.usedId) env.idGen++;
    curFrame(env).regs[insn.src] = scalarReg(a.src);
    setReg(env, insn.dst, scalarReg(a.src));
    return;
  }
  // mov32: linked only when the upper half is known zero
  if (s.s.umax <= 0xffffffffn) {
    const a = assignScalarIdBeforeMov(s.s, env.idGen + 1);
    if (a.usedId) env.idGen++;
    curFrame(env).regs[insn.src] = scalarReg(a.src);
    setReg(env, insn.dst, scalarReg(scalarZext32(a.src)));
  } else {
    setReg(env, insn.dst, scalarReg(scalarUnlinked(scalarZext32(s.s))));
  }
}

/** The binary ALU ops: reserved fields, constant checks, then the transfer function. */
function checkBinary(env: VerifierEnv, insn: Insn, is64: boolean): void {
  const op = BPF_OP(insn.code);
  const src = BPF_SRC(insn.code);
  const signed = (op === BPF_DIV || op === BPF_MOD) && insn.off === 1;
  if (src === BPF_X) {
    if (insn.imm !== 0 || (insn.off !== 0 && !signed)) fail(env, 'EINVAL', 'aluReserved');
    readReg(env, insn.src);
  } else if (insn.src !== 0 || (insn.off !== 0 && !signed)) fail(env, 'EINVAL', 'aluReserved');
  const d = readReg(env, insn.dst);
  if ((op === BPF_MOD || op === BPF_DIV) && src === BPF_K && insn.imm === 0) fail(env, 'EINVAL', 'divByZero');
  if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && src === BPF_K) {
    if (insn.imm < 0 || insn.imm >= (is64 ? 64 : 32)) fail(env, 'EINVAL', 'invalidShift', [insn.imm]);
  }
  checkDst(env, insn.dst);
  const sreg: RegState = src === BPF_X ? curFrame(env).regs[insn.src] : scalarReg(scalarFromImm(insn.imm));
  if (isPointer(d) || isPointer(sreg)) return adjustPtrMinMaxVals(env, insn, is64, d, sreg);
  if (d.type !== 'scalar' || sreg.type !== 'scalar') return;
  const ai = { code: insn.code, off: insn.off, imm: insn.imm };
  const res = aluScalar(ai, d.s, sreg.s);
  if (res.fork) notModelled(env, 'maybe_fork_scalars state split');
  setReg(env, insn.dst, scalarReg(linkAfterAlu(ai, d.s.umax, res.dst, sreg.s, !env.input.unprivileged)));
}

/** Bound on a stack pointer's offset beyond which the model does not follow it. */
const MAX_MODELLED_STACK_OFF = 1 << 29;

/** adjust_ptr_min_max_vals: only fp +/- constant is modelled. */
function adjustPtrMinMaxVals(env: VerifierEnv, insn: Insn, is64: boolean, d: RegState, sreg: RegState): void {
  const op = BPF_OP(insn.code);
  // Subtracting from the frame pointer is refused outright (JITs may not cope with it).
  if (d.type === 'stack' && sreg.type === 'scalar' && is64 && op === BPF_SUB) fail(env, 'EACCES', 'subFromStackPtr', [insn.dst]);
  if (d.type === 'stack' && sreg.type === 'scalar' && is64 && op === BPF_ADD && scalarIsConst(sreg.s)) {
    const k = Number(BigInt.asIntN(64, sreg.s.varOff.value));
    const off = d.off + k;
    if (Math.abs(off) >= MAX_MODELLED_STACK_OFF) notModelled(env, 'huge stack pointer offsets');
    // sanitize_check_bounds: without CAP_BPF the result must stay inside the stack (check_stack_access_for_ptr_arithmetic).
    if (env.input.unprivileged && (off >= 0 || off < -MAX_BPF_STACK)) fail(env, 'EACCES', 'stackPtrArithOutOfRange', [insn.dst, off]);
    setReg(env, insn.dst, { ...d, off });
    return;
  }
  notModelled(env, `ALU on a ${regTypeStr(isPointer(d) ? d : sreg)} pointer`);
}
