// 64-bit immediates: resolve_pseudo_ldimm64's pass over the program before the walk
// (ld_imm64 pairs, map fds, BPF_LDX reserved fields, bpf_opcode_in_insntable), and
// check_ld_imm in the walk (constants, BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE with the
// array maps' map_direct_value_addr, BPF_PSEUDO_FUNC, BPF_PSEUDO_BTF_ID of a vmlinux
// variable or function: check_pseudo_btf_id with the kernel's kallsyms_lookup_name given
// as input.kernelSymbol; map indexes and module BTF are `not modelled yet`) (kernel/bpf/verifier.c).
import { Insn, ldImm64Value } from '../isa/insn';
import {
  BPF_CLASS, BPF_MODE, BPF_SIZE, BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_IMM, BPF_DW, BPF_X, OP_LD_IMM64, OP_CALL,
  BPF_PSEUDO_MAP_FD, BPF_PSEUDO_FUNC, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_BTF_ID, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE,
} from '../isa/opcodes';
import { VALID_OPCODES } from '../isa/validate';
import { VerifyInput, MapInfo } from './types';
import { checkReservedFields } from './reserved_fields';
import { VerifierEnv, fail, notModelled } from './env';
import { findSubprog } from './subprogs';
import { checkDst, setReg } from './regs';
import { RegState, BtfRef, ptrReg, mapRef, constScalarReg, MEM_RDONLY, MEM_PERCPU } from './state';
import { transferEpoch } from './scalar/alu';
import { btfTypeAt, skipModifiers } from './btf_view';
import { Btf } from '../btf/btf';
import { findByName, typeSize } from '../btf/lookup';

/** BPF_JMP | BPF_CALL | BPF_X (callx): not in the kernel's instruction table. */
const OP_CALLX = OP_CALL | BPF_X;

/** resolve_pseudo_ldimm64 with the opcode checks that run in the same pass. */
export function resolvePseudoLdimm64(env: VerifierEnv, input: VerifyInput): void {
  const insns = input.insns;
  for (let i = 0; i < insns.length; i++) {
    const x = insns[i];
    if (BPF_CLASS(x.code) === BPF_LDX) checkReservedFields(env, x, 'BPF_LDX');
    if (x.code === OP_LD_IMM64) {
      const next = insns[i + 1];
      if (!next || next.code !== 0 || next.dst !== 0 || next.src !== 0 || next.off !== 0) fail(env, 'EINVAL', 'ldImm64Invalid');
      checkReservedFields(env, x, 'BPF_LD_IMM64');
      resolveMapLdImm64(env, input, x, next);
      i++;
      continue;
    }
    if (!VALID_OPCODES.has(x.code) || x.code === OP_CALLX) fail(env, 'EINVAL', 'unknownOpcode', [x.code]);
  }
}

/** BPF_MAP_TYPE_ARRAY: the map type with map_direct_value_addr. */
const BPF_MAP_TYPE_ARRAY = 2;
/** BPF_MAX_VAR_OFF */
const MAX_VAR_OFF = 1 << 29;

/** resolve_pseudo_ldimm64 for the map forms: the src_reg kinds, the map, a direct value's offset. */
function resolveMapLdImm64(env: VerifierEnv, input: VerifyInput, x: Insn, next: Insn): void {
  if (x.src === 0 || x.src === BPF_PSEUDO_FUNC) return;
  if (x.src === BPF_PSEUDO_BTF_ID) return checkPseudoBtfId(env, input, x, next);
  const valueForm = x.src === BPF_PSEUDO_MAP_VALUE || x.src === BPF_PSEUDO_MAP_IDX_VALUE;
  if (!valueForm && !((x.src === BPF_PSEUDO_MAP_FD || x.src === BPF_PSEUDO_MAP_IDX) && next.imm === 0)) fail(env, 'EINVAL', 'unrecognizedLdImm64');
  if (x.src === BPF_PSEUDO_MAP_IDX || x.src === BPF_PSEUDO_MAP_IDX_VALUE) return notModelled(env, 'map indexes into fd_array');
  const m = input.maps?.get(x.imm);
  if (!m) fail(env, 'EBADF', 'mapFdInvalid', [x.imm]);
  if (!valueForm) return;
  const off = next.imm >>> 0;
  if (off >= MAX_VAR_OFF) fail(env, 'EINVAL', 'directValueOffset', [off]);
  if (m.type !== BPF_MAP_TYPE_ARRAY) fail(env, 'EINVAL', 'noDirectValueAccess');
  if (m.maxEntries !== 1) fail(env, 'ENOTSUPP', 'mapValueInvalidAccessPtr', [m.valueSize, off]);
  if (off >= m.valueSize) fail(env, 'EINVAL', 'mapValueInvalidAccessPtr', [m.valueSize, off]);
}

/**
 * check_pseudo_btf_id for vmlinux BTF (btf_fd 0): the id names a VAR or a FUNC whose
 * symbol kallsyms must know. Without the kernel's symbols a function keeps the model's
 * old answer when it is a kfunc the input resolves (kfuncs are text symbols); a variable
 * is `not modelled yet`.
 */
function checkPseudoBtfId(env: VerifierEnv, input: VerifyInput, x: Insn, next: Insn): void {
  if (next.imm !== 0) return notModelled(env, 'ld_imm64 of a kernel module symbol (BPF_PSEUDO_BTF_ID with a btf_fd)');
  const btf = input.vmlinuxBtf;
  if (!btf) {
    if (input.kfunc?.(x.imm, 0)) return;
    return notModelled(env, 'ld_imm64 of a kernel symbol (BPF_PSEUDO_BTF_ID) without the kernel\'s BTF');
  }
  const t = btfTypeAt(btf, x.imm);
  if (!t) fail(env, 'ENOENT', 'ldImm64InvalidBtfId', [x.imm]);
  if (t.kind !== 'var' && t.kind !== 'func') fail(env, 'EINVAL', 'ldImm64NotVarOrFunc', [x.imm]);
  if (!input.kernelSymbol) {
    if (t.kind === 'func' && input.kfunc?.(x.imm, 0)) return;
    return notModelled(env, 'ld_imm64 of a kernel symbol (BPF_PSEUDO_BTF_ID) without the kernel\'s symbols');
  }
  if (!input.kernelSymbol(t.name)) fail(env, 'ENOENT', 'ldImm64NoKernelSymbol', [t.name]);
  btfVarReg(env, btf, x.imm);
}

/** The register an ld_imm64 of vmlinux VAR or FUNC `id` loads (aux->btf_var of __check_pseudo_btf_id). */
function btfVarReg(env: VerifierEnv, btf: Btf, id: number): RegState {
  const t = btfTypeAt(btf, id);
  if (t?.kind !== 'var') return ptrReg('mem', { size: 0, dynptrId: 0 }, { flags: MEM_RDONLY });
  const percpuSec = findByName(btf, '.data..percpu', 'datasec');
  const sec = percpuSec === undefined ? undefined : btfTypeAt(btf, percpuSec);
  const percpu = sec?.kind === 'datasec' && sec.vars.some((v) => v.type === id);
  const typeId = skipModifiers(btf, t.type);
  const target = btfTypeAt(btf, typeId);
  const ref = (): BtfRef => ({ name: target?.name ?? '', id: typeId, vmlinux: true });
  if (percpu) return ptrReg('btf_id', { btf: ref() }, { flags: MEM_PERCPU });
  if (target?.kind === 'struct') return ptrReg('btf_id', { btf: ref() });
  let size: number;
  try { size = typeSize(btf, typeId); } catch { return notModelled(env, `ld_imm64 of kernel variable ${t.name} whose type has no size`); }
  return ptrReg('mem', { size, dynptrId: 0 }, { flags: MEM_RDONLY });
}

/**
 * The map pointer each map ld_imm64 loaded last, by instruction index, with what it was made
 * of (the epoch, transferEpoch: a new one per verification; the instruction, its src and the
 * next slot's imm, the map): registers are values, so every path through the instruction gets
 * the same one (not a new pointer each).
 */
interface MapLdImm { epoch: number; insn: Insn; src: number; imm2: number; m: MapInfo; reg: RegState }
const MAP_LD_IMM: (MapLdImm | undefined)[] = [];

/** The CONST_PTR_TO_MAP (BPF_PSEUDO_MAP_FD) or PTR_TO_MAP_VALUE (BPF_PSEUDO_MAP_VALUE) an ld_imm64 of map `m` loads. */
function mapLdImmReg(env: VerifierEnv, insn: Insn, m: MapInfo): RegState {
  const idx = env.insnIdx, epoch = transferEpoch(), imm2 = env.insns[idx + 1].imm;
  const memo = MAP_LD_IMM[idx];
  if (memo !== undefined && memo.epoch === epoch && memo.insn === insn && memo.src === insn.src && memo.imm2 === imm2 && memo.m === m) return memo.reg;
  const map = mapRef(m, insn.imm);
  const reg = insn.src === BPF_PSEUDO_MAP_FD ? ptrReg('map_ptr', { map }) : ptrReg('map_value', { map }, { off: imm2 >>> 0 });
  MAP_LD_IMM[idx] = { epoch, insn, src: insn.src, imm2, m, reg };
  return reg;
}

/** check_ld_imm (and LD_ABS/LD_IND, not modelled); returns the index after the instruction. */
export function checkLdImm(env: VerifierEnv, insn: Insn): number {
  const idx = env.insnIdx;
  if (BPF_MODE(insn.code) !== BPF_IMM) notModelled(env, 'BPF_LD_[ABS|IND]');
  checkReservedFields(env, insn, 'BPF_LD_IMM');
  checkDst(env, insn.dst);
  const { input, layout } = env;
  if (insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_VALUE) {
    const m = input.maps?.get(insn.imm);
    if (!m) fail(env, 'EBADF', 'mapFdInvalid', [insn.imm]);
    setReg(env, insn.dst, mapLdImmReg(env, insn, m));
  } else if (insn.src === BPF_PSEUDO_FUNC) {
    // PTR_TO_FUNC of a static subprog with BTF
    const target = idx + insn.imm + 1;
    const sub = findSubprog(layout.subprogs, target);
    if (sub < 0) fail(env, 'EFAULT', 'noProgAtInsn', [target]);
    if (!input.btf || !input.funcInfo) notModelled(env, 'function pointer without func_info');
    if (layout.subprogs[sub].linkage !== 'static') notModelled(env, 'callback function not static');
    setReg(env, insn.dst, ptrReg('func', { subprogno: sub }));
  } else if (insn.src === BPF_PSEUDO_BTF_ID) {
    setReg(env, insn.dst, input.vmlinuxBtf ? btfVarReg(env, input.vmlinuxBtf, insn.imm) : ptrReg('mem', { size: 0, dynptrId: 0 }, { flags: MEM_RDONLY }));
  } else if (insn.src !== 0) {
    notModelled(env, `ld_imm64 with src_reg ${insn.src} (map values, BTF ids, functions)`);
  } else {
    setReg(env, insn.dst, constScalarReg(ldImm64Value(env.insns, idx), false));
  }
  return idx + 2;
}
