// Loads and stores: the BPF_LDX/BPF_STX/BPF_ST instructions (check_load_mem,
// check_store_reg, save_aux_ptr_type, reserved fields) and check_mem_access's
// dispatch on the pointer's type with check_ptr_alignment: the stack (stack.ts),
// the context (check_ptr_off_reg, check_ctx_access over ctx.ts's rules), map keys
// and values (check_map_access_type, check_map_access with the value's special
// fields, bpf_map_direct_read of frozen read-only maps), packets
// (check_packet_access), PTR_TO_MEM, flow keys (check_flow_keys_access) and
// sockets (check_sock_access), all bounded by check_mem_region_access and
// __check_mem_access (kernel/bpf/verifier.c).
import { Insn } from '../isa/insn';
import { BPF_MODE, BPF_SIZE, BPF_MEM, BPF_MEMSX, BPF_W, BPF_H, BPF_B, BPF_DW } from '../isa/opcodes';
import { checkReservedFields } from './reserved_fields';
import { VerifierEnv, fail, failText, notModelled, text } from './env';
import { readReg, checkDst, setReg } from './regs';
import {
  RegState, PointerReg, PtrOf, BPF_REG_SIZE, BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG, PTR_MAYBE_NULL, MEM_RDONLY, PTR_UNTRUSTED,
  isPointer, isPktPointer, regTypeStr, scalarReg, ptrReg, UNKNOWN_SCALAR_REG, ScalarReg, immScalarReg,
} from './state';
import {
  Scalar, scalarCoerce, scalarCoerceSx, scalarConst, scalarIsConst,
} from './scalar_bridge';
import { tnumStrn, tnumIsAligned, tnumAdd, tnumConst, S64_MIN } from './scalar';
import { CTX_RULES, CtxRegType, bpfSockAccess, bpfSockCommonAccess, FLOW_KEYS_SIZE } from './ctx';
import { checkStackAccess } from './stack';
import { mayAccessDirectPktData } from './pkt';
import { checkPtrToBtfAccess } from './btf_access';
import { tracingCtxAccess } from './tracing_ctx';
import { PROG_TYPES } from './types';
import { checkPtrOffReg } from './helper_args';

const SIZE_BYTES: Readonly<Record<number, number>> = { [BPF_W]: 4, [BPF_H]: 2, [BPF_B]: 1, [BPF_DW]: 8 };
export const accessSize = (insn: Insn): number => SIZE_BYTES[BPF_SIZE(insn.code)];

/** BPF_MAX_VAR_OFF */
export const BPF_MAX_VAR_OFF = 1 << 29;

/** A load (store = null) or a store of `val` from register `regno` (-1: BPF_ST's immediate). */
export interface MemAccess {
  /** The pointer's register. */
  regno: number;
  /** The instruction's offset. */
  off: number;
  size: number;
  /** A store of `val` from register `regno` (-1: none); `imm` for BPF_ST's immediate. */
  store: { val: RegState; regno: number; imm: boolean } | null;
  /** BPF_MEMSX */
  signExtend: boolean;
  /** strict_alignment_once (atomics) */
  strictAlign: boolean;
}

const LOAD_ACCESS: MemAccess = { regno: 0, off: 0, size: 0, store: null, signExtend: false, strictAlign: false };

/** BPF_LDX | BPF_MEM and BPF_MEMSX: check_load_mem */
export function checkLoad(env: VerifierEnv, insn: Insn): void {
  const src = readReg(env, insn.src);
  checkDst(env, insn.dst);
  // one access object rewritten per load (no allocation per load): the access checks read it
  // and keep nothing, and no load runs inside another's checkMemAccess
  const a = LOAD_ACCESS;
  a.regno = insn.src; a.off = insn.off; a.size = accessSize(insn); a.signExtend = BPF_MODE(insn.code) === BPF_MEMSX;
  const v = checkMemAccess(env, src, a);
  setReg(env, insn.dst, v);
  saveAuxPtrType(env, src);
}

type MemStore = NonNullable<MemAccess['store']>;
const STORE_VAL: MemStore = { val: UNKNOWN_SCALAR_REG, regno: -1, imm: false };
const STORE_ACCESS: MemAccess = { regno: 0, off: 0, size: 0, store: STORE_VAL, signExtend: false, strictAlign: false };

/**
 * The access of an instruction's store of `val` (from register `valRegno`, -1: none; `imm`: BPF_ST's
 * immediate) through register `regno`: one object rewritten per store, as LOAD_ACCESS per load (the
 * access checks read it and keep nothing, and no store runs inside another's checkMemAccess).
 */
export function storeAccess(regno: number, off: number, size: number, val: RegState, valRegno: number, imm: boolean, strictAlign: boolean): MemAccess {
  const a = STORE_ACCESS, s = STORE_VAL;
  s.val = val; s.regno = valRegno; s.imm = imm;
  a.regno = regno; a.off = off; a.size = size; a.store = s; a.strictAlign = strictAlign;
  return a;
}

/** BPF_STX | BPF_MEM: check_store_reg (atomics are in atomic.ts) */
export function checkStoreReg(env: VerifierEnv, insn: Insn): void {
  checkReservedFields(env, insn, 'BPF_STX');
  const val = readReg(env, insn.src);
  const dst = readReg(env, insn.dst);
  checkMemAccess(env, dst, storeAccess(insn.dst, insn.off, accessSize(insn), val, insn.src, false, false));
  saveAuxPtrType(env, dst);
}

/** BPF_ST | BPF_MEM */
export function checkStoreImm(env: VerifierEnv, insn: Insn): void {
  checkReservedFields(env, insn, 'BPF_ST');
  const dst = readReg(env, insn.dst);
  checkMemAccess(env, dst, storeAccess(insn.dst, insn.off, accessSize(insn), immScalarReg(insn.imm), -1, true, false));
  saveAuxPtrType(env, dst);
}

/** reg_type_mismatch_ok: types one instruction may see in turn (the context and sockets are rewritten per type). */
const mismatchOk = (t: RegState['type']): boolean =>
  t !== 'ctx' && t !== 'sock' && t !== 'sock_common' && t !== 'tcp_sock' && t !== 'xdp_sock' && t !== 'btf_id';

/** The `type:flags` keys of env.ptrTypeAt made so far (one string per pair, not one per access). */
const PTR_TYPE_KEYS = new Map<RegState['type'], string[]>();
function ptrTypeKey(r: RegState): string {
  if (!isPointer(r)) return r.type;
  let byFlags = PTR_TYPE_KEYS.get(r.type);
  if (!byFlags) PTR_TYPE_KEYS.set(r.type, byFlags = []);
  // flags are small bit sets; a sparse array is fine for the rare large ones
  return byFlags[r.flags] ??= `${r.type}:${r.flags}`;
}

/** save_aux_ptr_type: an instruction may not see the context on one path and another pointer on the next. */
export function saveAuxPtrType(env: VerifierEnv, r: RegState): void {
  const key = ptrTypeKey(r);
  const prev = env.ptrTypeAt.get(env.insnIdx);
  if (prev === undefined) { env.ptrTypeAt.set(env.insnIdx, key); return; }
  if (prev === key) return;
  const prevType = prev.split(':')[0] as RegState['type'];
  if (!mismatchOk(r.type) || !mismatchOk(prevType)) {
    if (r.type === 'btf_id' && prevType === 'btf_id') notModelled(env, 'an instruction seeing BTF pointers of different trust');
    fail(env, 'EINVAL', 'sameInsnDifferentPtrs');
  }
}

/** A value read from memory: an unknown scalar of `size` bytes, zero- or sign-extended (coerce_reg_to_size[_sx]). */
export const loadedScalar = (s: Scalar, size: number, signExtend: boolean): RegState =>
  scalarReg(size >= BPF_REG_SIZE ? s : signExtend ? scalarCoerceSx(s, size) : scalarCoerce(s, size));

/** An unknown value loaded zero-extended, by size (shared: registers are values, and most loads read an unknown). */
const UNKNOWN_LOADED: readonly RegState[] = [1, 2, 4].reduce<RegState[]>((t, n) => {
  t[n] = loadedScalar(UNKNOWN_SCALAR_REG.s, n, false);
  return t;
}, []);

/** The register a load of scalar `v` gives (loadedScalar; `v` itself for a full-width load, shared for an unknown). */
function loadedReg(v: ScalarReg, size: number, signExtend: boolean): RegState {
  if (size >= BPF_REG_SIZE) return v;
  if (v === UNKNOWN_SCALAR_REG && !signExtend) return UNKNOWN_LOADED[size];
  return loadedScalar(v.s, size, signExtend);
}

/** check_mem_access: a load returns the loaded value, a store the stored one. */
export function checkMemAccess(env: VerifierEnv, ptr: RegState, a: MemAccess): RegState {
  if (!isPointer(ptr)) return fail(env, 'EACCES', 'invalidMemAccess', [a.regno, regTypeStr(ptr)]);
  checkPtrAlignment(env, ptr, a);
  const v = accessByType(env, ptr, a);
  if (a.store) return a.store.val;
  return v.type === 'scalar' ? loadedReg(v, a.size, a.signExtend) : v;
}

/** check_ptr_alignment: strict for the stack (and atomics); packets are checked with NET_IP_ALIGN. */
function checkPtrAlignment(env: VerifierEnv, ptr: PointerReg, a: MemAccess): void {
  if (a.size === 1) return;
  const strictAlign = a.strictAlign || env.input.strictAlignment === true;
  if (isPktPointer(ptr)) {
    if (!strictAlign) return;
    const regOff = tnumAdd(ptr.v.varOff, tnumConst(BigInt(2 + ptr.off + a.off)));
    if (!tnumIsAligned(regOff, BigInt(a.size))) fail(env, 'EACCES', 'misalignedPacketAccess', [2, tnumStrn(ptr.v.varOff), ptr.off, a.off, a.size]);
    return;
  }
  const strict = ptr.type === 'stack' || strictAlign;
  if (!strict) return;
  // a constant zero variable part: the fixed offset alone decides (no tnum built per access)
  if (ptr.v.varOff.mask === 0n && ptr.v.varOff.value === 0n && ((ptr.off + a.off) & (a.size - 1)) === 0) return; // tnum_is_aligned's mask test
  const desc = ALIGN_DESC[ptr.type] ?? '';
  const regOff = tnumAdd(ptr.v.varOff, tnumConst(BigInt(ptr.off + a.off)));
  if (!tnumIsAligned(regOff, BigInt(a.size))) fail(env, 'EACCES', 'misalignedAccess', [desc, tnumStrn(ptr.v.varOff), ptr.off, a.off, a.size]);
}

/** check_ptr_alignment's pointer_desc */
const ALIGN_DESC: Partial<Record<RegState['type'], string>> = {
  flow_keys: 'flow keys ', map_key: 'key ', map_value: 'value ', ctx: 'context ', stack: 'stack ', sock: 'sock ',
  sock_common: 'sock_common ', tcp_sock: 'tcp_sock ', xdp_sock: 'xdp_sock ',
};

/** A store of a pointer into memory `what` leaks its address (unprivileged). */
function checkLeak(env: VerifierEnv, a: MemAccess, what: string): void {
  if (a.store && a.store.regno >= 0 && isPointer(a.store.val) && env.input.unprivileged) fail(env, 'EACCES', 'leaksAddrInto', [a.store.regno, what]);
}

/** check_mem_access's branches by pointer type. */
function accessByType(env: VerifierEnv, ptr: PointerReg, a: MemAccess): RegState {
  const off = a.off + ptr.off;
  const write = a.store !== null;
  switch (ptr.type) {
    case 'stack': return checkStackAccess(env, ptr, a, off);
    case 'ctx': checkLeak(env, a, 'ctx'); return checkCtxAccess(env, ptr, a);
    case 'map_key':
      if (write) fail(env, 'EACCES', 'writeToChangeKey', [a.regno]);
      checkMemRegionAccess(env, ptr, a.regno, off, a.size, ptr.map.keySize);
      return UNKNOWN_SCALAR_REG;
    case 'map_value': checkLeak(env, a, 'map'); return checkMapValueAccess(env, ptr, a, off);
    case 'mem': return checkMemPtrAccess(env, ptr, a, off);
    case 'pkt': case 'pkt_meta':
      if (write && !mayAccessDirectPktData(env.input.progType, true)) fail(env, 'EACCES', 'cannotWriteIntoPacket');
      checkLeak(env, a, 'packet');
      checkPacketAccess(env, ptr, a.regno, off, a.size);
      return UNKNOWN_SCALAR_REG;
    case 'flow_keys':
      checkLeak(env, a, 'flow keys');
      if (off < 0 || off + a.size > FLOW_KEYS_SIZE) fail(env, 'EACCES', 'invalidFlowKeysAccess', [off, a.size]);
      return UNKNOWN_SCALAR_REG;
    case 'sock': case 'sock_common': case 'tcp_sock': case 'xdp_sock':
      if (ptr.flags & PTR_MAYBE_NULL) break;
      if (write) fail(env, 'EACCES', 'cannotWriteInto', [a.regno, regTypeStr(ptr)]);
      return checkSockAccess(env, ptr, a.regno, off, a.size);
    case 'btf_id':
      if (ptr.flags & PTR_MAYBE_NULL) break;
      return checkPtrToBtfAccess(env, ptr, a.regno, off, a.size, write);
    case 'map_ptr': return notModelled(env, 'reads of struct bpf_map through a map pointer');
    case 'tp_buffer': case 'buf': return notModelled(env, `memory access through ${regTypeStr(ptr)}`);
    default: break;
  }
  return fail(env, 'EACCES', 'invalidMemAccess', [a.regno, regTypeStr(ptr)]);
}

/** __check_mem_access's message for an access outside [0, memSize). */
function memAccessError(env: VerifierEnv, ptr: PointerReg, regno: number, off: number, size: number, memSize: number): string {
  switch (ptr.type) {
    case 'map_key': return text(env, 'invalidAccessMapKey', [memSize, off, size]);
    case 'map_value': return text(env, 'invalidAccessMapValue', [memSize, off, size]);
    case 'pkt': case 'pkt_meta': case 'pkt_end': return text(env, 'invalidAccessPacket', [off, size, regno, ptr.id, off, memSize]);
    default: return text(env, 'invalidAccessMem', [memSize >>> 0, off, size]);
  }
}

/** (int) of a 64-bit value, as C truncates it. */
const toInt = (v: bigint): number => Number(BigInt.asIntN(32, v));

/**
 * check_mem_region_access: both ends of the variable offset must keep the access in
 * [0, memSize). `off` includes the fixed offset. Messages before the final one are
 * part of the rejection (the kernel prints them on lines of their own).
 */
function checkMemRegionAccess(env: VerifierEnv, ptr: PointerReg, regno: number, off: number, size: number, memSize: number): void {
  const v = ptr.v;
  // a constant zero variable part: both ends are `off` (an int), checked without bigint or closures
  if (v.smin === 0n && v.umax === 0n && (off | 0) === off && off >= 0 && size > 0 && off + size <= memSize) return;
  // both ends small (smin >= 0, umax below BPF_MAX_VAR_OFF, |off| below 2^30): their int sums are exact doubles
  if (v.smin >= 0n && v.umax < MAX_VAR_OFF_BIG && (off | 0) === off && off < 0x4000_0000 && off > -0x4000_0000) {
    const lo = Number(v.smin) + off, hi = Number(v.umax) + off;
    if (!insideMem(lo, size, memSize)) rejectLines(env, [memAccessError(env, ptr, regno, lo, size, memSize), text(env, 'minValueOutside', [regno])]);
    if (!insideMem(hi, size, memSize)) rejectLines(env, [memAccessError(env, ptr, regno, hi, size, memSize), text(env, 'maxValueOutside', [regno])]);
    return;
  }
  const offB = BigInt(off);
  if (v.smin < 0n && (v.smin === S64_MIN || offB + v.smin !== BigInt(toInt(offB + v.smin)) || v.smin + offB < 0n)) {
    rejectLines(env, [text(env, 'minValueNegative', [regno])]);
  }
  const lo = toInt(v.smin + offB);
  if (!insideMem(lo, size, memSize)) rejectLines(env, [memAccessError(env, ptr, regno, lo, size, memSize), text(env, 'minValueOutside', [regno])]);
  if (v.umax >= MAX_VAR_OFF_BIG) rejectLines(env, [text(env, 'unboundedMemAccess', [regno])]);
  const hi = toInt(v.umax + offB);
  if (!insideMem(hi, size, memSize)) rejectLines(env, [memAccessError(env, ptr, regno, hi, size, memSize), text(env, 'maxValueOutside', [regno])]);
}

const MAX_VAR_OFF_BIG = BigInt(BPF_MAX_VAR_OFF);
/** Is [o, o + size) inside [0, memSize)? (module functions: no closures per access) */
const insideMem = (o: number, size: number, memSize: number): boolean => o >= 0 && size > 0 && o + size <= memSize;
/** check_mem_region_access's rejection: its lines, each a line of the log. */
const rejectLines = (env: VerifierEnv, lines: string[]): never => failText(env, 'EACCES', lines.join('\n'));

/**
 * check_packet_access: the range proven for the pointer's id covers its variable part, so
 * only the fixed offset is checked against it (__check_mem_access).
 */
function checkPacketAccess(env: VerifierEnv, ptr: PtrOf<'pkt' | 'pkt_meta'>, regno: number, off: number, size: number): void {
  if (ptr.v.smin < 0n) fail(env, 'EACCES', 'minValueNegative', [regno]);
  const outside = (): string => text(env, 'pktOffsetOutside', [regno]);
  if (ptr.range < 0) failText(env, 'EINVAL', outside());
  if (off >= 0 && size > 0 && off + size <= ptr.range) return;
  failText(env, 'EACCES', memAccessError(env, ptr, regno, off, size, ptr.range) + '\n' + outside());
}

/** PTR_TO_MEM: null, read-only and bounds checks. */
function checkMemPtrAccess(env: VerifierEnv, ptr: PtrOf<'mem'>, a: MemAccess, off: number): RegState {
  const rdonly = (ptr.flags & MEM_RDONLY) !== 0;
  if (ptr.flags & PTR_MAYBE_NULL) fail(env, 'EACCES', 'invalidMemAccess', [a.regno, regTypeStr(ptr)]);
  if (a.store && rdonly) fail(env, 'EACCES', 'cannotWriteInto', [a.regno, regTypeStr(ptr)]);
  checkLeak(env, a, 'mem');
  if (!(rdonly && (ptr.flags & PTR_UNTRUSTED))) checkMemRegionAccess(env, ptr, a.regno, off, a.size, ptr.size);
  return UNKNOWN_SCALAR_REG;
}

/** PTR_TO_MAP_VALUE: access type, bounds, special fields, constants of frozen read-only maps. */
function checkMapValueAccess(env: VerifierEnv, ptr: PtrOf<'map_value'>, a: MemAccess, off: number): RegState {
  const map = ptr.map;
  if (ptr.flags & PTR_MAYBE_NULL) fail(env, 'EACCES', 'invalidMemAccess', [a.regno, regTypeStr(ptr)]);
  const flags = map.flags ?? 0;
  if (a.store && (flags & BPF_F_RDONLY_PROG)) fail(env, 'EACCES', 'writeIntoMapForbidden', [map.valueSize, off, a.size]);
  if (!a.store && (flags & BPF_F_WRONLY_PROG)) fail(env, 'EACCES', 'readFromMapForbidden', [map.valueSize, off, a.size]);
  checkMemRegionAccess(env, ptr, a.regno, off, a.size, map.valueSize);
  for (const f of map.fields ?? []) {
    if (ptr.v.smin + BigInt(off) < BigInt(f.offset + f.size) && BigInt(f.offset) < ptr.v.umax + BigInt(off + a.size)) {
      if (f.kind === 'kptr') return notModelled(env, 'kptr fields of map values');
      fail(env, 'EACCES', 'mapFieldDirectAccess', [f.kind]);
    }
  }
  if (!a.store && scalarIsConst(ptr.v) && (flags & BPF_F_RDONLY_PROG) && map.frozen) {
    return scalarReg(scalarConst(directRead(env, map.initialValue, off + Number(ptr.v.varOff.value), a.size, a.signExtend)));
  }
  return UNKNOWN_SCALAR_REG;
}

/** bpf_map_direct_read: the little-endian value at `off` of a frozen read-only map. */
function directRead(env: VerifierEnv, value: Uint8Array | undefined, off: number, size: number, signExtend: boolean): bigint {
  if (!value) return notModelled(env, 'a read-only map without its contents');
  let v = 0n;
  for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(value[off + i] ?? 0);
  return signExtend ? BigInt.asIntN(size * 8, v) : v;
}

/** check_ptr_off_reg, then check_ctx_access with the program type's is_valid_access. */
function checkCtxAccess(env: VerifierEnv, ptr: PtrOf<'ctx'>, a: MemAccess): RegState {
  checkPtrOffReg(env, ptr, a.regno, false);
  if (env.input.progType === PROG_TYPES.tracing) {
    const r = tracingCtxAccess(env, a.off, a.size, a.store !== null);
    if (r === false || (a.signExtend && r.type !== 'scalar')) fail(env, 'EACCES', 'invalidCtxAccess', [a.off, a.size]);
    return r;
  }
  const rule = CTX_RULES[env.input.progType];
  if (!rule) return notModelled(env, `context access of program type ${env.input.progType}`);
  const ans = rule({ off: a.off, size: a.size, write: a.store !== null, attach: env.input.expectedAttachType ?? 0, capable: !env.input.unprivileged });
  // a sign-extending load of a field that gives a pointer is refused like an invalid offset
  if (ans === false || (a.signExtend && ans !== 'scalar')) fail(env, 'EACCES', 'invalidCtxAccess', [a.off, a.size]);
  return ctxLoadResult(env, ans);
}

/** The register a context read gives: an unknown scalar, or a pointer of the field's type. */
function ctxLoadResult(env: VerifierEnv, t: CtxRegType): RegState {
  switch (t) {
    case 'scalar': return UNKNOWN_SCALAR_REG;
    case 'pkt': case 'pkt_meta': return ptrReg(t, { range: 0 });
    case 'pkt_end': case 'flow_keys': case 'sock': return ptrReg(t, {});
    case 'sock_or_null': return ptrReg('sock', {}, { flags: PTR_MAYBE_NULL, id: ++env.idGen });
    case 'sock_common_or_null': return ptrReg('sock_common', {}, { flags: PTR_MAYBE_NULL, id: ++env.idGen });
  }
}

/** check_sock_access */
function checkSockAccess(env: VerifierEnv, ptr: PtrOf<'sock' | 'sock_common' | 'tcp_sock' | 'xdp_sock'>, regno: number, off: number,
  size: number): RegState {
  if (ptr.v.smin < 0n) fail(env, 'EACCES', 'minValueNegative', [regno]);
  let valid: boolean;
  if (ptr.type === 'sock') valid = bpfSockAccess({ off, size, write: false, attach: 0, capable: true });
  else if (ptr.type === 'sock_common') valid = bpfSockCommonAccess({ off, size, write: false, attach: 0, capable: true });
  else return notModelled(env, `${ptr.type} field access`);
  if (!valid) fail(env, 'EACCES', 'invalidSockAccess', [regno, regTypeStr(ptr), off, size]);
  return UNKNOWN_SCALAR_REG;
}
