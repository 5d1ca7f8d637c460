// Helper arguments: check_func_arg for one argument of a prototype
// (helper_protos.ts): check_reg_arg, the pointer-leak rule of ARG_ANYTHING,
// may_access_direct_pkt_data, NULL for nullable arguments, check_reg_type over
// compatible_reg_types (the `R%d type=%s expected=...` message),
// check_func_arg_reg_off / __check_ptr_off_reg, release arguments, and the
// per-type work: the map of a CONST_MAP_PTR, map keys and values, memory and size
// pairs, allocation sizes, callbacks (kernel/bpf/verifier.c).
import { helperName } from '../isa/helpers';
import { dynptrReleaseRef, processDynptrArg } from './dynptr';
import { VerifierEnv, fail, notModelled } from './env';
import { readReg, markPrecise } from './regs';
import { markSlotChainPrecision } from './precision';
import {
  RegState, RegType, PointerReg, MapRef, isPointer, isPktPointer, regTypeStr,
  PTR_MAYBE_NULL, MEM_RDONLY, MEM_RINGBUF, PTR_TRUSTED, MEM_RCU, MEM_ALLOC, PTR_UNTRUSTED, NON_OWN_REF,
} from './state';
import { scalarIsConst } from './scalar_bridge';
import { tnumStrn } from './scalar';
import { PROG_TYPE as P, MAP_TYPE as M } from '../isa/uapi';
import { HelperArg, HelperProto, ArgBase, BPF_FUNC_SPIN_LOCK } from './helper_protos';
import { processSpinLock, processTimerFunc } from './spin_lock';
import { MemMeta, checkHelperMemAccess, checkMemSizeReg, registerIsNull } from './helper_mem';

/** struct bpf_call_arg_meta: what the arguments tell check_helper_call. */
export interface CallArgMeta extends MemMeta {
  funcId: number;
  map?: MapRef;
  /** The constant key of an array map lookup (get_constant_map_key), -1 when unknown. */
  constMapKey: bigint;
  /** ref_obj_id of the one argument holding a reference. */
  refObjId: number;
  releaseRegno: number;
  subprogno: number;
  /** ARG_CONST_ALLOC_SIZE_OR_ZERO's value (mem_size). */
  memSize: number;
  /** The id and reference of the dynptr argument (meta->dynptr_id, its ref_obj_id). */
  dynptrId: number;
  dynptrRefObjId: number;
}

export const newCallArgMeta = (funcId: number): CallArgMeta =>
  ({ funcId, rawMode: false, constMapKey: -1n, refObjId: 0, releaseRegno: 0, subprogno: -1, memSize: 0, dynptrId: 0, dynptrRefObjId: 0 });

/** A register type of compatible_reg_types: base type and exact type flags. */
interface CompatType { type: RegType; flags: number }
const c = (type: RegType, flags = 0): CompatType => ({ type, flags });

const MEM_TYPES = [c('stack'), c('pkt'), c('pkt_meta'), c('map_key'), c('map_value'), c('mem'), c('mem', MEM_RINGBUF), c('buf'), c('btf_id', PTR_TRUSTED)];
const SOCK_TYPES = [c('sock_common'), c('sock'), c('tcp_sock'), c('xdp_sock')];

/** compatible_reg_types */
const COMPATIBLE: Readonly<Partial<Record<ArgBase, readonly CompatType[]>>> = {
  map_key: MEM_TYPES, map_value: MEM_TYPES, mem: MEM_TYPES,
  const_size: [c('scalar')], const_size_or_zero: [c('scalar')], alloc_size_or_zero: [c('scalar')],
  const_map_ptr: [c('map_ptr')], ctx: [c('ctx')],
  sock_common: SOCK_TYPES, btf_id_sock_common: [...SOCK_TYPES, c('btf_id'), c('btf_id', PTR_TRUSTED)], socket: [c('sock')],
  btf_id: [c('btf_id'), c('btf_id', PTR_TRUSTED), c('btf_id', MEM_RCU)],
  spin_lock: [c('map_value'), c('btf_id', MEM_ALLOC)],
  ringbuf_mem: [c('mem', MEM_RINGBUF)],
  func: [c('func')], stack: [c('stack')], dynptr: [c('stack'), c('dynptr_ptr')], const_str: [c('map_value')], timer: [c('map_value')],
  kptr_xchg_dest: [c('map_value'), c('btf_id', MEM_ALLOC)],
};

/** reg_type_str of a type and its flags. */
const typeStr = (t: CompatType): string =>
  (t.type === 'scalar' ? 'scalar' : regTypeStr({ type: t.type, flags: t.flags } as unknown as RegState));

/** may_access_direct_pkt_data for a helper argument (BPF_READ): the program type reads packets and the helper takes them. */
function mayAccessPktData(env: VerifierEnv, proto: HelperProto): boolean {
  switch (env.input.progType) {
    case P.lwt_in: case P.lwt_out: case P.lwt_seg6local: case P.sk_reuseport: case P.flow_dissector: case P.cgroup_skb:
    case P.sched_cls: case P.sched_act: case P.xdp: case P.lwt_xmit: case P.sk_skb: case P.sk_msg:
      return !!proto.pktAccess;
    case P.cgroup_sockopt: return true;
    default: return false;
  }
}

/** check_reg_type: the register's type must be one the argument accepts. */
function checkRegType(env: VerifierEnv, regno: number, arg: HelperArg, base: ArgBase, reg: RegState, meta: CallArgMeta): void {
  const compatible = COMPATIBLE[base];
  if (!compatible) return notModelled(env, `helper argument of type ${base}`);
  let flags = isPointer(reg) ? reg.flags : 0;
  if (arg.rdonly) flags &= ~MEM_RDONLY;
  if (arg.nullable) flags &= ~PTR_MAYBE_NULL;
  let found = false;
  for (let i = 0; !found && i < compatible.length; i++) found = compatible[i].type === reg.type && compatible[i].flags === flags;
  if (!found) fail(env, 'EACCES', 'argTypeExpected', [regno, regTypeStr(reg), compatible.map(typeStr).join(', ')]);
  if (reg.type !== 'btf_id') return;
  // a trusted BTF pointer is memory only for helpers that read it (check_helper_mem_access reads it as a struct)
  if (compatible !== MEM_TYPES) notModelled(env, 'BTF pointers as helper arguments');
  if (!arg.rdonly) fail(env, 'EACCES', 'helperMayWriteBtf', [helperName(meta.funcId), regno, regTypeStr(reg)]);
}

/** __check_ptr_off_reg: a pointer passed on must be unmodified (a fixed offset where `fixedOffOk`). */
export function checkPtrOffReg(env: VerifierEnv, reg: PointerReg, regno: number, fixedOffOk: boolean): void {
  if (reg.off < 0) fail(env, 'EACCES', 'negativeOffsetPtr', [regTypeStr(reg), regno, reg.off]);
  if (!fixedOffOk && reg.off) fail(env, 'EACCES', 'derefModifiedPtr', [regTypeStr(reg), regno, reg.off]);
  if (!scalarIsConst(reg.v) || reg.v.varOff.value !== 0n) fail(env, 'EACCES', 'variablePtrAccess', [regTypeStr(reg), tnumStrn(reg.v.varOff)]);
}

/** Register types a helper may receive at any fixed and variable offset (check_func_arg_reg_off). */
const ANY_OFFSET: ReadonlySet<RegType> = new Set<RegType>(['stack', 'pkt', 'pkt_meta', 'map_key', 'map_value', 'buf']);

/** check_func_arg_reg_off */
export function checkFuncArgRegOff(env: VerifierEnv, reg: RegState, regno: number, release: boolean): void {
  if (!isPointer(reg)) return;
  if (release) {
    if (reg.off) fail(env, 'EINVAL', 'releaseNonZeroOff', [regno]);
    return checkPtrOffReg(env, reg, regno, false);
  }
  if (ANY_OFFSET.has(reg.type) && reg.flags === 0) return;
  if (reg.type === 'mem' && (reg.flags & ~(MEM_RDONLY | MEM_RINGBUF)) === 0 && !((reg.flags & MEM_RDONLY) && (reg.flags & MEM_RINGBUF))) return;
  if (reg.type === 'buf' && (reg.flags & ~MEM_RDONLY) === 0) return;
  const btfFixedOk = reg.type === 'btf_id' && (reg.flags & ~(PTR_TRUSTED | MEM_RCU | MEM_ALLOC | PTR_UNTRUSTED | NON_OWN_REF)) === 0;
  checkPtrOffReg(env, reg, regno, btfFixedOk);
}

/** check_func_arg for argument `i` (R`i+1`) of a helper. */
export function checkFuncArg(env: VerifierEnv, proto: HelperProto, i: number, meta: CallArgMeta): void {
  const arg = proto.args[i];
  if (!arg) return;
  const regno = i + 1;
  const reg = readReg(env, regno);
  if (arg.base === 'anything') {
    if (isPointer(reg) && env.input.unprivileged) fail(env, 'EACCES', 'leaksAddrInto', [regno, 'helper function']);
    return;
  }
  if (isPktPointer(reg) && !mayAccessPktData(env, proto)) fail(env, 'EACCES', 'helperPktAccess');
  let base: ArgBase = arg.base;
  if (base === 'map_value') base = resolveMapArgType(env, meta, arg);
  // CONST_PTR_TO_DYNPTR (a callback's dynptr) is the other type a dynptr argument takes
  if (base === 'dynptr' && arg.release) {
    meta.releaseRegno = regno;
    meta.dynptrRefObjId = dynptrReleaseRef(env, regno);
    checkFuncArgRegOff(env, reg, regno, false);
    return processDynptrArg(env, regno, arg, meta, env.insnIdx);
  }
  if (!(registerIsNull(reg) && arg.nullable)) {
    checkRegType(env, regno, arg, base, reg, meta);
    checkFuncArgRegOff(env, reg, regno, !!arg.release);
  } else {
    // a NULL for a pointer that may be NULL is taken precise (6.18 log: `regs=r3` of bpf_loop's NULL ctx first)
    markPrecise(env, regno);
  }
  if (arg.release) {
    if (isPointer(reg) && !reg.refObjId) fail(env, 'EINVAL', 'releaseUnreferenced', [regno]);
    meta.releaseRegno = regno;
  }
  if (isPointer(reg) && reg.refObjId) {
    if (meta.refObjId) notModelled(env, 'two referenced arguments');
    meta.refObjId = reg.refObjId;
  }
  checkArgByBase(env, proto, i, base, reg, meta);
}

/** resolve_map_arg_type: a sockmap's value argument is a socket. */
function resolveMapArgType(env: VerifierEnv, meta: CallArgMeta, arg: HelperArg): ArgBase {
  if (!meta.map) fail(env, 'EACCES', 'invalidMapPtrType');
  if (meta.map.type === M.sockmap || meta.map.type === M.sockhash) {
    if (arg.uninit || arg.nullable) fail(env, 'EINVAL', 'sockmapArgType');
    return 'btf_id_sock_common';
  }
  return 'map_value';
}

/** The switch of check_func_arg on the argument's base type. */
function checkArgByBase(env: VerifierEnv, proto: HelperProto, i: number, base: ArgBase, reg: RegState, meta: CallArgMeta): void {
  const regno = i + 1;
  const arg = proto.args[i];
  const prevWrites = (): 'read' | 'write' => (proto.args[i - 1]?.write ? 'write' : 'read');
  switch (base) {
    case 'const_map_ptr':
      if (reg.type !== 'map_ptr') return;
      // a timer's map must be the map given (map_uid: 0 outside map-in-map values, which are not modelled here)
      if (meta.map && meta.map.fd !== reg.map.fd) fail(env, 'EINVAL', 'timerMapMismatch', [0, 0]);
      meta.map = reg.map;
      return;
    case 'timer':
      if (meta.map) notModelled(env, 'two map arguments');
      meta.map = processTimerFunc(env, regno, reg);
      return;
    case 'map_key':
      if (!meta.map) fail(env, 'EACCES', 'invalidMapPtrKey');
      checkHelperMemAccess(env, regno, meta.map.keySize, 'read', false, null);
      if (meta.map.type === M.array || meta.map.type === M.percpu_array) meta.constMapKey = constantMapKey(env, reg, meta.map.keySize);
      return;
    case 'map_value':
      if (arg.nullable && registerIsNull(reg)) return;
      if (!meta.map) fail(env, 'EACCES', 'invalidMapPtrValue');
      meta.rawMode = !!arg.uninit;
      return checkHelperMemAccess(env, regno, meta.map.valueSize, arg.write ? 'write' : 'read', false, meta);
    case 'func':
      if (reg.type === 'func') meta.subprogno = reg.subprogno;
      return;
    case 'mem':
      meta.rawMode = !!arg.uninit;
      if (arg.size !== undefined) {
        checkHelperMemAccess(env, regno, arg.size, arg.write ? 'write' : 'read', false, meta);
        if (arg.aligned && reg.type !== 'stack') notModelled(env, 'alignment of helper memory outside the stack');
        if (arg.aligned && reg.type === 'stack' && (reg.off % arg.size !== 0)) notModelled(env, 'misaligned helper memory');
      }
      return;
    case 'const_size': return checkMemSizeReg(env, reg, regno, prevWrites(), false, meta);
    case 'const_size_or_zero': return checkMemSizeReg(env, reg, regno, prevWrites(), true, meta);
    case 'alloc_size_or_zero':
      if (reg.type !== 'scalar' || !scalarIsConst(reg.s)) fail(env, 'EACCES', 'notKnownConstant', [regno]);
      meta.memSize = Number(reg.s.varOff.value);
      markPrecise(env, regno);
      return;
    case 'spin_lock': return processSpinLock(env, regno, reg, meta.funcId === BPF_FUNC_SPIN_LOCK);
    case 'dynptr': return processDynptrArg(env, regno, arg, meta, env.insnIdx);
    case 'ctx': case 'stack': case 'ringbuf_mem': case 'sock_common': case 'btf_id_sock_common': case 'socket': return;
    default: return notModelled(env, `helper argument of type ${base}`);
  }
}

/** get_constant_map_key: a key spilled as a constant (or zeroed) on the stack, else -1. */
function constantMapKey(env: VerifierEnv, key: RegState, keySize: number): bigint {
  if (env.input.unprivileged || key.type !== 'stack' || !scalarIsConst(key.v)) return -1n;
  const stackOff = key.off + Number(BigInt.asIntN(64, key.v.varOff.value));
  const slot = -stackOff - 1;
  const spi = Math.floor(slot / 8), off = slot % 8;
  const sl = env.cur.frames[key.frameno].stack[spi];
  if (!sl) return -1n;
  let zeros = 0;
  for (let i = off; i >= 0 && sl.types[i] === '0'; i--) zeros++;
  if (zeros >= keySize) return 0n;
  if (!(sl.types[7] === 'r' && sl.spilled && sl.spilled.type === 'scalar')) return -1n;
  let spill = 0;
  for (let i = off; i >= 0 && sl.types[i] === 'r'; i--) spill++;
  if (spill !== keySize || !scalarIsConst(sl.spilled.s)) return -1n;
  // the value is relied on: its slot is marked precise (no pruning on it)
  markSlotChainPrecision(env, key.frameno, spi);
  return sl.spilled.s.varOff.value;
}

