// check_kfunc_args (kernel/bpf/verifier.c): a kfunc's arguments against its BTF
// prototype. Scalars (with `__k` constants and the rdonly/rdwr_buf_size names),
// `__ign` arguments, pointers classified by get_kfunc_ptr_arg_type (the program's
// context, NULL for `__nullable`, BTF pointers and the sockets and maps that
// convert to them, memory of the pointee's size, memory and a `__sz`/`__szk`
// length), trusted, RCU and released arguments, and
// process_kf_arg_ptr_to_btf_id's struct match, allocated objects for bpf_obj_drop_impl,
// graph roots, nodes and bpf_rbtree_add_impl's callback (graph.ts).
// Refcounted kptrs, other callbacks, constant strings, workqueues and IRQ flags
// are `not modelled yet`.
import { verbose } from './log';
import { VerifierEnv, curFrame, fail, notModelled } from './env';
import { markPrecise, scratchReg } from './regs';
import {
  RegState, PointerReg, isPointer, regTypeStr, PTR_MAYBE_NULL, PTR_TRUSTED, MEM_ALLOC, MEM_PERCPU, NON_OWN_REF, MEM_RCU, ptrWithIds,
} from './state';
import { scalarIsConst } from './scalar_bridge';
import { VerifierReject } from './types';
import { BtfParam, BtfType } from '../btf/types';
import { typeSize, findByName } from '../btf/lookup';
import { btfTypeAt, skipModifiers } from './btf_view';
import { KfuncProto, KfuncParam, paramHasSuffix, resolved, btfTypeStr, btfIsProgCtxType } from './kfunc_btf';
import { checkFuncArgRegOff, newCallArgMeta } from './helper_args';
import { checkMemReg, checkMemSizeReg, registerIsNull, MemMeta } from './helper_mem';
import type { KfuncDesc } from './kfuncs';
import { IterAt, processIterArg } from './iters';
import { processDynptrArg } from './dynptr';
import { processIrqSave } from './irq';
import { GRAPH_ARG_KINDS, GraphArgKind, GraphMeta, GRAPH_KFUNCS, processGraphRootArg, processGraphNodeArg, processGraphCallbackArg } from './graph';

/** The KF_ITER_* role of an iterator kfunc. */
const iterRole = (d: KfuncDesc): 'new' | 'next' | 'destroy' | undefined =>
  d.flags.includes('iter_new') ? 'new' : d.flags.includes('iter_next') ? 'next' : d.flags.includes('iter_destroy') ? 'destroy' : undefined;

/** The graph part of the meta of a kfunc that is not a graph one: nothing writes it (graph arguments are refused before). */
const NO_GRAPH: GraphMeta = Object.freeze({});

/** struct bpf_kfunc_call_arg_meta, the part modelled. */
export interface KfuncArgMeta {
  releaseRegno: number;
  refObjId: number;
  /** A `__k` argument's value. */
  constArg?: bigint;
  /** rdonly_buf_size / rdwr_buf_size: the size of the returned memory. */
  r0Size?: number;
  r0Rdonly: boolean;
  /** The iterator argument of an iterator kfunc (meta->iter). */
  iter?: IterAt;
  /** The graph root and callback of a graph kfunc (meta->arg_list_head / arg_rbtree_root, meta->subprogno). */
  graph: GraphMeta;
}

const isScalarType = (t: BtfType | undefined): boolean => !!t && (t.kind === 'int' || t.kind === 'enum' || t.kind === 'enum64');

/** Register types that stand for a vmlinux struct (reg2btf_ids). */
const REG2BTF: Readonly<Partial<Record<RegState['type'], string>>> = {
  sock: 'sock', sock_common: 'sock_common', tcp_sock: 'tcp_sock', map_ptr: 'bpf_map',
};

/** BPF_REG_TRUSTED_MODIFIERS; any other flag is unsafe (bpf_type_has_unsafe_modifiers). */
const TRUSTED_MODIFIERS = MEM_ALLOC | PTR_TRUSTED | NON_OWN_REF;
const unsafeModifiers = (r: PointerReg): boolean => (r.flags & ~TRUSTED_MODIFIERS) !== 0;

/** is_trusted_reg */
export function isTrustedReg(r: PointerReg): boolean {
  if (r.refObjId) return true;
  if (REG2BTF[r.type] && !unsafeModifiers(r)) return true;
  return (r.flags & TRUSTED_MODIFIERS) !== 0 && !unsafeModifiers(r);
}

/** __btf_type_is_scalar_struct: a struct of scalars (and arrays of them), nested up to 4 levels. */
function isScalarStruct(env: VerifierEnv, k: KfuncProto, t: BtfType | undefined, depth: number): boolean {
  if (!t || t.kind !== 'struct') return false;
  for (const m of t.members) {
    const mt = resolved(k.btf, m.type);
    if (mt?.kind === 'struct') {
      if (depth >= 3) { verbose(env.log, 'max struct nesting depth exceeded\n'); return false; }
      if (!isScalarStruct(env, k, mt, depth + 1)) return false;
      continue;
    }
    if (mt?.kind === 'array') {
      if (!mt.nelems || !isScalarType(resolved(k.btf, mt.type))) return false;
      continue;
    }
    if (!isScalarType(mt)) return false;
  }
  return true;
}

type PtrArgKind = 'ctx' | 'null' | 'alloc' | 'btf_id' | 'mem' | 'mem_size' | 'callback' | GraphArgKind;

/** get_kfunc_ptr_arg_type */
function ptrArgKind(env: VerifierEnv, k: KfuncProto, params: readonly BtfParam[], i: number, reg: RegState): PtrArgKind {
  const p = params[i];
  const ptr = resolved(k.btf, p.type) as Extract<BtfType, { kind: 'ptr' }>;
  const refT = resolved(k.btf, ptr.type);
  if (btfIsProgCtxType(env, k.btf, ptr.type)) return 'ctx';
  if (paramHasSuffix(p, '__nullable') && registerIsNull(reg)) return 'null';
  if (paramHasSuffix(p, '__alloc')) return 'alloc';
  for (const s of ['__refcounted_kptr', '__str', '__map', '__uninit']) {
    if (paramHasSuffix(p, s)) return notModelled(env, `kfunc arguments with ${s}`);
  }
  if (refT?.kind === 'struct' && Object.hasOwn(GRAPH_ARG_KINDS, refT.name)) {
    if (!Object.hasOwn(GRAPH_KFUNCS, k.name)) return notModelled(env, `kfunc ${k.name} taking struct ${refT.name}`);
    return GRAPH_ARG_KINDS[refT.name as keyof typeof GRAPH_ARG_KINDS];
  }
  if (refT?.kind === 'struct' && /^(bpf_dynptr|bpf_wq)$|^bpf_iter_/.test(refT.name)) {
    return notModelled(env, `kfunc arguments of type struct ${refT.name}`);
  }
  if (reg.type === 'btf_id' || REG2BTF[reg.type]) {
    if (refT?.kind !== 'struct') fail(env, 'EINVAL', 'kfuncPtrArgUnsupported', [k.name, i, btfTypeStr(refT), refT?.name ?? '']);
    return 'btf_id';
  }
  if (refT?.kind === 'func_proto') {
    if (!GRAPH_KFUNCS[k.name]?.callback) return notModelled(env, 'kfunc callback arguments');
    return 'callback';
  }
  const next = params[i + 1];
  const sizeReg = curFrame(env).regs[i + 2];
  const memSize = !!next && sizeReg?.type === 'scalar' && isScalarType(resolved(k.btf, next.type))
    && (paramHasSuffix(next, '__sz') || paramHasSuffix(next, '__szk'));
  if (!isScalarType(refT) && !isScalarStruct(env, k, refT, 0) && (memSize ? refT !== undefined : true)) {
    fail(env, 'EINVAL', 'kfuncPtrMustPointToScalar', [i, btfTypeStr(refT), refT?.name ?? '', memSize ? 'void, ' : '']);
  }
  return memSize ? 'mem_size' : 'mem';
}

/** check_kfunc_args */
export function checkKfuncArgs(env: VerifierEnv, k: KfuncProto, desc: KfuncDesc): KfuncArgMeta {
  const params = k.proto.params;
  // every field in the literal: one object shape for all calls (fields added later change the shape)
  const meta: KfuncArgMeta = { releaseRegno: 0, refObjId: 0, constArg: undefined, r0Size: undefined, r0Rdonly: false, iter: undefined, graph: Object.hasOwn(GRAPH_KFUNCS, k.name) ? {} : NO_GRAPH };
  if (params.length > 5) fail(env, 'EINVAL', 'kfuncTooManyArgs', [k.name, params.length, 5]);
  const release = desc.flags.includes('release');
  const trusted = desc.flags.includes('trusted_args') || release;
  const rcu = desc.flags.includes('rcu');
  for (let i = 0; i < params.length; i++) {
    const regno = i + 1;
    const reg = curFrame(env).regs[regno];
    scratchReg(env, regno);
    const a = k.params[i], p = a.p;
    if (a.ign) continue;
    if (a.scalar) { checkScalarArg(env, a, reg, regno, meta); continue; }
    if (!a.ptr) fail(env, 'EINVAL', 'kfuncUnrecognizedArg', [i, btfTypeStr(a.t)]);
    const mayBeNull = registerIsNull(reg) || (isPointer(reg) && (reg.flags & PTR_MAYBE_NULL) !== 0);
    if ((trusted || rcu) && mayBeNull && !a.nullable) fail(env, 'EACCES', 'kfuncNullTrustedArg', [i]);
    if (isPointer(reg) && reg.refObjId) {
      if (release && meta.refObjId) notModelled(env, 'two referenced kfunc arguments');
      meta.refObjId = reg.refObjId;
      if (release) meta.releaseRegno = regno;
    }
    const role = i === 0 ? iterRole(desc) : undefined;
    if (role) {
      if (!a.iter) return notModelled(env, `iterator kfunc ${k.name} without an iterator argument`);
      // (next and destroy: meta->ref_obj_id is the iterator's reference, read before destroy drops it)
      const iterRef = role === 'new' || reg.type !== 'stack' ? 0 : iterRefAt(env, reg);
      meta.iter = processIterArg(env, regno, a.iter, role, env.insnIdx);
      if (meta.iter) meta.refObjId = env.cur.frames[meta.iter.frameno].stack[meta.iter.spi].obj?.refObjId ?? iterRef;
      continue;
    }
    if (a.dynptr) {
      kfuncDynptrArg(env, p, i, reg, regno);
      continue;
    }
    if (a.irqFlag) {
      if (desc.special !== 'irq_save') return notModelled(env, `irq flag arguments of ${k.name}`);
      processIrqSave(env, regno);
      continue;
    }
    const kind = ptrArgKind(env, k, params, i, reg);
    if (kind === 'null') continue;
    if (kind === 'btf_id' && (trusted || rcu) && isPointer(reg) && !isTrustedReg(reg)) {
      if (!rcu) fail(env, 'EINVAL', 'kfuncMustBeTrusted', [regno]);
      if (!(reg.flags & MEM_RCU)) fail(env, 'EINVAL', 'kfuncMustBeRcu', [regno]);
    }
    if (kind === 'alloc' && (trusted || rcu) && (!isPointer(reg) || !isTrustedReg(reg))) {
      if (!rcu) fail(env, 'EINVAL', 'kfuncMustBeTrusted', [regno]);
      return notModelled(env, 'an RCU kfunc taking an allocated object');
    }
    checkFuncArgRegOff(env, reg, regno, release && isPointer(reg) && reg.refObjId !== 0);
    if (kind === 'mem_size') i++;
    checkPtrArg(env, k, params, i - (kind === 'mem_size' ? 1 : 0), kind, reg, regno, meta);
  }
  if (release && !meta.releaseRegno) fail(env, 'EINVAL', 'kfuncReleaseExpectsRef', [k.name]);
  return meta;
}

/** The reference of the iterator a stack pointer names (iter_ref_obj_id), 0 when there is none. */
function iterRefAt(env: VerifierEnv, reg: Extract<RegState, { type: 'stack' }>): number {
  const varOff = reg.v.varOff.value;
  const spi = Math.trunc((-(varOff === 0n ? reg.off : reg.off + Number(BigInt.asIntN(64, varOff))) - 1) / 8);
  const o = env.cur.frames[reg.frameno]?.stack[spi]?.obj;
  return o?.kind === 'iter' ? o.refObjId : 0;
}

/** A scalar parameter: a scalar register, a known constant for `__k` and the buffer-size names. */
function checkScalarArg(env: VerifierEnv, a: KfuncParam, reg: RegState, regno: number, meta: KfuncArgMeta): void {
  if (reg.type !== 'scalar') fail(env, 'EINVAL', 'argNotScalar', [regno]);
  if (a.konst) {
    if (!scalarIsConst(reg.s)) fail(env, 'EINVAL', 'kfuncArgNotConst', [regno]);
    markPrecise(env, regno);
    meta.constArg = reg.s.varOff.value;
    return;
  }
  const name = a.p.name;
  if (name !== 'rdonly_buf_size' && name !== 'rdwr_buf_size') return;
  if (meta.r0Size !== undefined) notModelled(env, 'two buffer-size arguments');
  if (!scalarIsConst(reg.s)) fail(env, 'EINVAL', 'kfuncArgNotAConst', [regno]);
  meta.r0Size = Number(reg.s.varOff.value);
  meta.r0Rdonly = name === 'rdonly_buf_size';
  markPrecise(env, regno);
}

/** The second switch of check_kfunc_args, for the pointer kinds modelled. */
function checkPtrArg(env: VerifierEnv, k: KfuncProto, params: readonly BtfParam[], i: number, kind: PtrArgKind, reg: RegState,
  regno: number, meta: KfuncArgMeta): void {
  const ptr = resolved(k.btf, params[i].type) as Extract<BtfType, { kind: 'ptr' }>;
  const refT = resolved(k.btf, ptr.type);
  switch (kind) {
    case 'ctx':
      if (reg.type !== 'ctx') fail(env, 'EINVAL', 'kfuncExpectedCtx', [i, regTypeStr(reg)]);
      return;
    case 'btf_id': return checkBtfIdArg(env, k, i, refT!, reg as PointerReg);
    case 'list_head': case 'rb_root': return processGraphRootArg(env, reg, regno, i, kind, meta.graph);
    case 'list_node': case 'rb_node': return processGraphNodeArg(env, k.name, reg, regno, i, kind, meta.graph);
    case 'callback': return processGraphCallbackArg(env, reg, i, meta.graph);
    case 'alloc':
      // KF_ARG_PTR_TO_ALLOC_BTF_ID: an object of bpf_obj_new, for bpf_obj_drop_impl, still referenced
      if (reg.type === 'btf_id' && reg.flags === (MEM_ALLOC | MEM_PERCPU)) return notModelled(env, `kfunc ${k.name} taking a per-CPU allocated object`);
      if (reg.type !== 'btf_id' || reg.flags !== MEM_ALLOC) fail(env, 'EINVAL', 'kfuncExpectedAllocObj', [i]);
      if (k.name !== 'bpf_obj_drop_impl') return notModelled(env, `kfunc ${k.name} taking an allocated object`);
      // defensive, as in the kernel: an allocated object without a reference is a non-owning one
      // (NON_OWN_REF, MEM_RCU) or untrusted, refused just above; no program reaches this (6.18)
      if (!reg.refObjId) fail(env, 'EINVAL', 'kfuncAllocObjNotReferenced');
      return;
    case 'mem': {
      let size: number;
      try { size = typeSize(k.btf, ptr.type); } catch { return notModelled(env, `the size of ${btfTypeStr(refT)} ${refT?.name ?? ''}`); }
      return checkMemReg(env, reg, regno, size);
    }
    case 'mem_size': {
      const sizeReg = curFrame(env).regs[regno + 1];
      if (!registerIsNull(reg) || !paramHasSuffix(params[i], '__opt')) checkKfuncMemSizeReg(env, sizeReg, regno + 1, i);
      if (paramHasSuffix(params[i + 1], '__szk')) {
        if (sizeReg.type !== 'scalar' || !scalarIsConst(sizeReg.s)) fail(env, 'EINVAL', 'kfuncArgNotConst', [regno + 1]);
        meta.constArg = sizeReg.s.varOff.value;
      }
      return;
    }
    default: return;
  }
}

/** check_kfunc_mem_size_reg, with the pair's message after the inner one. */
function checkKfuncMemSizeReg(env: VerifierEnv, sizeReg: RegState, regno: number, argno: number): void {
  const regs = curFrame(env).regs;
  const memReg = regs[regno - 1];
  if (isPointer(memReg) && memReg.flags & PTR_MAYBE_NULL) regs[regno - 1] = ptrWithIds(memReg, memReg.id, memReg.refObjId, memReg.flags & ~PTR_MAYBE_NULL);
  try {
    const m: MemMeta = { rawMode: false };
    checkMemSizeReg(env, sizeReg, regno, 'read', true, m);
    checkMemSizeReg(env, sizeReg, regno, 'write', true, m);
  } catch (e) {
    if (!(e instanceof VerifierReject) || e.notModelled) throw e;
    verbose(env.log, e.message + '\n');
    fail(env, e.errno, 'kfuncMemLenPair', [argno, argno + 1]);
  } finally {
    regs[regno - 1] = memReg;
  }
}

/** KF_ARG_PTR_TO_BTF_ID: the register's type, then process_kf_arg_ptr_to_btf_id's struct match. */
function checkBtfIdArg(env: VerifierEnv, k: KfuncProto, i: number, refT: BtfType, reg: PointerReg): void {
  const regName = REG2BTF[reg.type];
  if ((reg.type !== 'btf_id' || (unsafeModifiers(reg) && !(reg.flags & MEM_RCU))) && !regName) {
    const base = regTypeStr({ ...reg, flags: reg.flags & TRUSTED_MODIFIERS } as RegState);
    fail(env, 'EINVAL', 'kfuncArgIsExpected', [i, regTypeStr(reg), base]);
  }
  const regStruct = reg.type === 'btf_id' ? reg.btf.name : regName!;
  if (reg.type === 'btf_id' && !reg.btf.vmlinux) return notModelled(env, 'objects of the program\'s BTF passed as kernel structs');
  if (regStruct === refT.name || (refT.name === '__sk_buff' && regStruct === 'sk_buff') || (refT.name === 'xdp_md' && regStruct === 'xdp_buff')) return;
  const strict = reg.refObjId !== 0 && reg.type === 'btf_id';
  if (!strict && firstMemberIs(k, regStruct, refT.name, reg.off)) return;
  fail(env, 'EINVAL', 'kfuncArgStructMismatch', [k.name, i, btfTypeStr(refT), refT.name, i + 1, 'STRUCT', regStruct]);
}

/** btf_struct_walk at offset 0 (non-strict btf_struct_ids_match): `want` nests at the start of `have`. */
function firstMemberIs(k: KfuncProto, have: string, want: string, off: number): boolean {
  if (off !== 0) return false;
  let t = btfTypeAt(k.btf, skipModifiers(k.btf, findByName(k.btf, have, 'struct') ?? 0));
  for (let depth = 0; t && t.kind === 'struct' && depth < 8; depth++) {
    const m = t.members.find((x) => x.bitOffset === 0);
    if (!m) return false;
    t = resolved(k.btf, m.type);
    if (t?.kind === 'struct' && t.name === want) return true;
  }
  return false;
}

/** KF_ARG_PTR_TO_DYNPTR: the dynptr on the stack (mutable) or a callback's const one (read-only). */
function kfuncDynptrArg(env: VerifierEnv, p: BtfParam, i: number, reg: RegState, regno: number): void {
  if (reg.type !== 'stack' && reg.type !== 'dynptr_ptr') fail(env, 'EINVAL', 'dynptrArgNotStack', [i]);
  if (paramHasSuffix(p, '__uninit')) notModelled(env, 'kfuncs that create dynptrs');
  processDynptrArg(env, regno, { base: 'dynptr', rdonly: reg.type === 'dynptr_ptr' }, newCallArgMeta(0), env.insnIdx);
}
