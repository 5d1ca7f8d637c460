// Loads and stores through PTR_TO_BTF_ID: check_ptr_to_btf_access (kernel/bpf/verifier.c)
// over btf_struct_access and btf_struct_walk (kernel/bpf/btf.c). The walk finds what lies
// at [off, off+size) of the pointed-to struct in the kernel's BTF: a scalar, a pointer
// member (read whole, at its offset) or a nested struct to walk on. A pointer read this
// way inherits trust from its parent only where the kernel's BTF lists the member as
// safe: the `<struct>__safe_trusted`, `__safe_trusted_or_null`, `__safe_rcu` and
// `__safe_rcu_or_null` structs that BTF_TYPE_SAFE_* emit into vmlinux BTF are the
// table (btf_nested_type_is_trusted), read as data.
import { Btf } from '../btf/btf';
import { BtfType, BtfComposite } from '../btf/types';
import { findByName } from '../btf/lookup';
import { VerifierEnv, fail, notModelled } from './env';
import {
  RegState, PtrOf, BtfRef, PTR_MAYBE_NULL, PTR_UNTRUSTED, PTR_TRUSTED, MEM_RCU, MEM_USER, MEM_PERCPU, MEM_RDONLY, MEM_ALLOC, NON_OWN_REF,
  ptrReg, scalarReg,
} from './state';
import { scalarUnknown } from './scalar_bridge';
import { tnumStrn } from './scalar';
import { btfTypeAt, skipModifiers } from './btf_view';
import { isTrustedReg } from './kfunc_args';
import { PROG_TYPES } from './types';
import { checkAllocFieldAccess } from './graph';

/** What btf_struct_walk found at the access: enum bpf_struct_walk_result with its payload. */
type Walk =
  | { kind: 'scalar' }
  | { kind: 'ptr'; id: number; name: string; flags: number; field: string }
  | { kind: 'ptr_untrusted' };

/** A member's size and, for arrays, the flattened element (__btf_resolve_size). */
function resolveSize(btf: Btf, id: number): { size: number; elemId: number; nelems: number; isArray: boolean } | undefined {
  let nelems = 1;
  let isArray = false;
  let cur = skipModifiers(btf, id);
  for (let guard = 0; guard < 32; guard++) {
    const t = btfTypeAt(btf, cur);
    if (!t) return undefined;
    if (t.kind === 'array') { isArray = true; nelems *= t.nelems; cur = skipModifiers(btf, t.type); continue; }
    const one = t.kind === 'ptr' ? 8 : 'size' in t ? t.size : undefined;
    if (one === undefined) return undefined;
    return { size: one * nelems, elemId: cur, nelems, isArray };
  }
  return undefined;
}

/** The first type tag's flag on a pointer member's target (__user, __percpu, __rcu). */
function typeTagFlag(btf: Btf, ptrTarget: number): number {
  const t = btfTypeAt(btf, ptrTarget);
  if (!t || t.kind !== 'type_tag' || t.kindFlag) return 0;
  return ({ user: MEM_USER, percpu: MEM_PERCPU, rcu: MEM_RCU } as Record<string, number>)[t.name] ?? 0;
}

/** btf_struct_walk followed through nested structs as btf_struct_access does. */
function structWalk(env: VerifierEnv, btf: Btf, typeId: number, off: number, size: number): { w: Walk; unionFlags: number } {
  let flags = 0;
  let t: BtfType | undefined = btfTypeAt(btf, skipModifiers(btf, typeId));
  for (let depth = 0; depth < 32; depth++) {
    if (!t || (t.kind !== 'struct' && t.kind !== 'union')) return fail(env, 'EINVAL', 'btfNotStruct', [t && 'name' in t ? t.name : '']);
    const st: BtfComposite = t;
    // walking unions of several members gives untrusted pointers
    if (st.kind === 'union' && st.members.length !== 1) flags |= PTR_UNTRUSTED;
    if (off + size > st.size) {
      const last = st.members[st.members.length - 1];
      const lt = last && btfTypeAt(btf, skipModifiers(btf, last.type));
      if (lt?.kind === 'array' && lt.nelems === 0) return notModelled(env, `an access past a flexible array of struct ${st.name}`);
      return fail(env, 'EACCES', 'btfBeyondStruct', [st.name, off, size]);
    }
    const next = walkMembers(env, btf, st, off, size, flags);
    if (next.kind !== 'nested') return { w: next, unionFlags: flags };
    t = btfTypeAt(btf, next.typeId);
    off = next.off;
  }
  return notModelled(env, 'BTF structs nested deeper than 32 levels');
}

type MemberHit = Walk | { kind: 'nested'; typeId: number; off: number };

/** One level of btf_struct_walk's member loop. */
function walkMembers(env: VerifierEnv, btf: Btf, st: BtfComposite, off: number, size: number, flags: number): MemberHit {
  for (const m of st.members) {
    let moff = Math.floor(m.bitOffset / 8);
    if (off + size <= moff) break;
    if (m.bitfieldSize) {
      const endBit = m.bitOffset + m.bitfieldSize;
      if (off <= moff && Math.ceil(endBit / 8) <= off + size) return { kind: 'scalar' };
      continue;
    }
    const rs = resolveSize(btf, m.type);
    if (!rs) return notModelled(env, `member ${m.name} of struct ${st.name} without a size`);
    const mtrueEnd = moff + rs.size;
    if (off >= mtrueEnd) continue;
    let mid = skipModifiers(btf, m.type);
    let msize = rs.size;
    if (rs.isArray) {
      if (moff === mtrueEnd) continue;
      msize = rs.size / rs.nelems;
      moff += Math.floor((off - moff) / msize) * msize;
      mid = rs.elemId;
    }
    const mt = btfTypeAt(btf, mid);
    if (mt && (mt.kind === 'struct' || mt.kind === 'union')) return { kind: 'nested', typeId: mid, off: off - moff };
    if (mt?.kind === 'ptr') {
      if (msize !== size || off !== moff) fail(env, 'EACCES', 'btfPtrMemberAccess', [m.name, moff, st.name, off, size]);
      const tag = typeTagFlag(btf, mt.type);
      const target = skipModifiers(btf, mt.type);
      const tt = btfTypeAt(btf, target);
      if (tt && tt.kind === 'struct') return { kind: 'ptr', id: target, name: tt.name, flags: tag, field: m.name };
      return { kind: 'ptr_untrusted' };
    }
    if (off + size > mtrueEnd && !(flags & PTR_UNTRUSTED)) fail(env, 'EACCES', 'btfBeyondMember', [m.name, mtrueEnd, st.name, off, size]);
    return { kind: 'scalar' };
  }
  return fail(env, 'EINVAL', 'btfNoField', [st.name, off]);
}

/** btf_nested_type_is_trusted: member `field` of `<struct><suffix>` is a pointer to `id`. */
function nestedTypeIsSafe(btf: Btf, parent: BtfRef, field: string, id: number, suffix: string): boolean {
  const safeId = findByName(btf, parent.name + suffix, 'struct');
  const safe = safeId === undefined ? undefined : btfTypeAt(btf, safeId);
  if (!safe || safe.kind !== 'struct') return false;
  return safe.members.some((m) => {
    const mt = btfTypeAt(btf, m.type);
    return mt?.kind === 'ptr' && m.name === field && skipModifiers(btf, mt.type) === id;
  });
}

/** in_rcu_cs: an RCU read section, a held lock, or a program that cannot sleep. */
const inRcuCs = (env: VerifierEnv): boolean => env.cur.refs.some((r) => r.kind === 'rcu' || r.kind === 'lock') || !env.input.sleepable;

/** The flags of a pointer loaded from `parent` (check_ptr_to_btf_access after btf_struct_access). */
function loadedPtrFlags(env: VerifierEnv, btf: Btf, parent: PtrOf<'btf_id'>, w: Extract<Walk, { kind: 'ptr' }>, walkFlags: number): number {
  let flag = w.flags | walkFlags;
  const safe = (suffix: string): boolean => nestedTypeIsSafe(btf, parent.btf, w.field, w.id, suffix);
  if (parent.flags & PTR_UNTRUSTED) return flag | PTR_UNTRUSTED;
  if (!isTrustedReg(parent) && !(parent.flags & MEM_RCU)) return notModelled(env, 'pointers walked from a BTF pointer that is neither trusted nor rcu');
  if (safe('__safe_trusted')) return flag | PTR_TRUSTED;
  if (safe('__safe_trusted_or_null')) return flag | PTR_TRUSTED | PTR_MAYBE_NULL;
  if (!inRcuCs(env) || (parent.flags & PTR_MAYBE_NULL)) return PTR_UNTRUSTED;
  if (safe('__safe_rcu')) return flag | MEM_RCU;
  const rcuOrNull = safe('__safe_rcu_or_null');
  if (flag & MEM_RCU || rcuOrNull) {
    flag |= MEM_RCU | PTR_MAYBE_NULL;
    if (rcuOrNull) flag &= ~PTR_UNTRUSTED;
    return flag;
  }
  if (flag & (MEM_PERCPU | MEM_USER)) return flag;
  // 6.18 marks a plain member walked from a trusted or rcu pointer untrusted (observed)
  return (flag & ~(MEM_ALLOC | PTR_TRUSTED | NON_OWN_REF | MEM_RCU)) | PTR_UNTRUSTED;
}

/** check_ptr_to_btf_access for a load (store = false) or a store of `size` bytes at `off` (reg->off included). */
export function checkPtrToBtfAccess(env: VerifierEnv, ptr: PtrOf<'btf_id'>, regno: number, off: number, size: number, store: boolean): RegState {
  const tname = ptr.btf.name;
  // these checks come before the walk, for the program's BTF as for the kernel's
  if (env.input.unprivileged) fail(env, 'EPERM', 'btfAccessNeedsCap', [tname]);
  if (env.input.gplCompatible === false && ptr.btf.vmlinux) fail(env, 'EINVAL', 'btfAccessNonGpl', [tname]);
  if (off < 0) fail(env, 'EACCES', 'btfNegativeAccess', [regno, tname, off]);
  const vo = ptr.v.varOff;
  if (vo.mask !== 0n || vo.value !== 0n) fail(env, 'EACCES', 'btfVariableOffset', [regno, tname, off, tnumStrn(vo)]);
  if (ptr.flags & MEM_USER) fail(env, 'EACCES', 'btfUserMemory', [regno, tname, off]);
  if (ptr.flags & MEM_PERCPU) fail(env, 'EACCES', 'btfPercpuMemory', [regno, tname, off]);
  if (!ptr.btf.vmlinux) return allocObjectAccess(env, ptr, off, size);
  const btf = env.input.vmlinuxBtf;
  if (!btf) return notModelled(env, 'kernel BTF (btf_vmlinux) is not given');
  if (ptr.flags & MEM_ALLOC) return notModelled(env, 'objects of bpf_obj_new');
  if (store) {
    // program types with their own btf_struct_access (networking, struct_ops) allow some writes
    if (WRITABLE_BTF_PROG_TYPES.has(env.input.progType)) return notModelled(env, 'writes through BTF pointers of this program type');
    fail(env, 'EACCES', 'btfOnlyRead');
  }
  const { w, unionFlags } = structWalk(env, btf, ptr.btf.id, off, size);
  switch (w.kind) {
    case 'scalar': return scalarReg(scalarUnknown());
    case 'ptr_untrusted': return ptrReg('mem', { size: 0, dynptrId: 0 }, { flags: MEM_RDONLY | PTR_UNTRUSTED });
    case 'ptr': {
      const flags = loadedPtrFlags(env, btf, ptr, w, unionFlags);
      return ptrReg('btf_id', { btf: { name: w.name, id: w.id, vmlinux: true } }, { flags, id: flags & PTR_MAYBE_NULL ? ++env.idGen : 0 });
    }
  }
}

/**
 * check_ptr_to_btf_access for an object of bpf_obj_new (PTR_TO_BTF_ID | MEM_ALLOC of the
 * program's BTF, owning or non-owning), after the checks common to every BTF pointer:
 * reads and writes of its scalars; its special fields
 * may not be touched (btf_struct_access). Pointer members and other flags are `not modelled yet`.
 */
function allocObjectAccess(env: VerifierEnv, ptr: PtrOf<'btf_id'>, off: number, size: number): RegState {
  if (!(ptr.flags & MEM_ALLOC) || (ptr.flags & ~(MEM_ALLOC | NON_OWN_REF))) return notModelled(env, 'BTF pointers into the program\'s own BTF');
  const btf = env.input.btf;
  if (!btf) return notModelled(env, 'allocated objects without the program\'s BTF');
  checkAllocFieldAccess(env, ptr.btf.id, off, size);
  const { w } = structWalk(env, btf, ptr.btf.id, off, size);
  if (w.kind !== 'scalar') return notModelled(env, 'pointer members of allocated objects');
  return scalarReg(scalarUnknown());
}

/** Program types whose bpf_verifier_ops have a btf_struct_access (writes to some kernel fields). */
const WRITABLE_BTF_PROG_TYPES = new Set<number>([PROG_TYPES.sched_cls, PROG_TYPES.sched_act, PROG_TYPES.xdp, PROG_TYPES.struct_ops]);
