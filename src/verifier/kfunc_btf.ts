// What the verifier reads of the kernel's own BTF (btf_vmlinux): kfunc prototypes
// (the FUNC a kfunc call's imm names and its FUNC_PROTO, with the parameter-name
// suffixes check_kfunc_args reads: __sz, __szk, __k, __ign, __opt, __nullable,
// __str, __map, __uninit), struct ids by name (ret_btf_id of helpers), and the
// canonical context type of each program type (struct bpf_ctx_convert, which
// btf_is_prog_ctx_type reads) (kernel/bpf/btf.c, kernel/bpf/verifier.c).
import { Btf } from '../btf/btf';
import { BtfFuncProto, BtfParam, BtfType } from '../btf/types';
import { findByName, typeSize } from '../btf/lookup';
import { VerifierEnv, notModelled } from './env';
import { BtfRef } from './state';
import type { IterArg } from './iters';
import { progTypeName, PROG_TYPES } from './types';
import { btfTypeAt, skipModifiers, isScalarKind } from './btf_view';

/** The kernel's BTF, or `not modelled yet` when the input has none. */
export function vmlinuxBtf(env: VerifierEnv): Btf {
  const btf = env.input.vmlinuxBtf;
  if (!btf) return notModelled(env, 'kernel BTF (btf_vmlinux) is not given');
  return btf;
}

/** A PTR_TO_BTF_ID's target: vmlinux struct `name`. */
export function vmlinuxStructRef(env: VerifierEnv, name: string): BtfRef {
  const btf = vmlinuxBtf(env);
  const id = findByName(btf, name, 'struct');
  if (id === undefined) return notModelled(env, `vmlinux struct ${name}`);
  return { name, id, vmlinux: true };
}

/**
 * What check_kfunc_args reads of one parameter, found once per (BTF, kfunc): the resolved types
 * and the name suffixes (a call then reads this record, not the kernel BTF's type objects).
 */
export interface KfuncParam {
  readonly p: BtfParam;
  /** The parameter's type, modifiers and typedefs skipped; undefined for void. */
  readonly t: BtfType | undefined;
  /** An int, enum or enum64 parameter. */
  readonly scalar: boolean;
  /** A pointer parameter, and what it points to (resolved). */
  readonly ptr: boolean;
  readonly pointee: BtfType | undefined;
  /** The iterator a `struct bpf_iter_<name> *` parameter takes (its name without `bpf_iter_`, its size). */
  readonly iter: IterArg | undefined;
  /** A `struct bpf_dynptr *` parameter. */
  readonly dynptr: boolean;
  /** Name suffixes (btf_param_match_suffix): __ign, __k, __nullable, __irq_flag. */
  readonly ign: boolean;
  readonly konst: boolean;
  readonly nullable: boolean;
  readonly irqFlag: boolean;
}

/**
 * A kfunc's FUNC and FUNC_PROTO, with its parameters read once and its return type resolved
 * (`retPointee` for a pointer; `retSize` the size of a pointer's non-struct target, undefined
 * when it has none). Shared by every verification against the same BTF: read-only.
 */
export interface KfuncProto {
  readonly name: string; readonly funcId: number; readonly proto: BtfFuncProto; readonly btf: Btf;
  readonly params: readonly KfuncParam[];
  readonly ret: BtfType | undefined;
  readonly retPointee: BtfType | undefined;
  readonly retSize: number | undefined;
}

/**
 * kfuncProto's answers so far, by kernel BTF and FUNC id: they depend on the BTF alone (which
 * does not change), as the kernel's btf_type_by_id lookups do; no object per call.
 */
const KFUNC_PROTOS = new WeakMap<Btf, Map<number, KfuncProto>>();

/** The kfunc's FUNC and FUNC_PROTO in vmlinux BTF (module kfuncs are not modelled). */
export function kfuncProto(env: VerifierEnv, imm: number, off: number): KfuncProto {
  if (off !== 0) return notModelled(env, 'kfuncs of kernel modules');
  const btf = vmlinuxBtf(env);
  let byId = KFUNC_PROTOS.get(btf);
  const known = byId?.get(imm);
  if (known) return known;
  const fn = btfTypeAt(btf, imm);
  if (!fn || fn.kind !== 'func') return notModelled(env, `kfunc btf id ${imm} is not a vmlinux FUNC`);
  const proto = btfTypeAt(btf, fn.type);
  if (!proto || proto.kind !== 'func_proto') return notModelled(env, `kfunc ${fn.name} without a prototype`);
  const ret = resolved(btf, proto.returnType);
  const retPointee = ret?.kind === 'ptr' ? resolved(btf, ret.type) : undefined;
  let retSize: number | undefined;
  if (ret?.kind === 'ptr' && retPointee && retPointee.kind !== 'struct') {
    try { retSize = typeSize(btf, ret.type); } catch { retSize = undefined; }
  }
  const k: KfuncProto = { name: fn.name, funcId: imm, proto, btf, params: proto.params.map((p) => kfuncParam(btf, p)), ret, retPointee, retSize };
  if (!byId) KFUNC_PROTOS.set(btf, byId = new Map());
  byId.set(imm, k);
  return k;
}

/** One parameter's record (KfuncParam). */
function kfuncParam(btf: Btf, p: BtfParam): KfuncParam {
  const t = resolved(btf, p.type);
  const ptr = t?.kind === 'ptr';
  const pointee = t?.kind === 'ptr' ? resolved(btf, t.type) : undefined;
  const iter = pointee?.kind === 'struct' && pointee.name.startsWith('bpf_iter_')
    ? { name: pointee.name.slice('bpf_iter_'.length), size: pointee.size } : undefined;
  return {
    p, t, scalar: isScalarKind(t), ptr, pointee, iter, dynptr: pointee?.kind === 'struct' && pointee.name === 'bpf_dynptr',
    ign: paramHasSuffix(p, '__ign'), konst: paramHasSuffix(p, '__k'), nullable: paramHasSuffix(p, '__nullable'), irqFlag: paramHasSuffix(p, '__irq_flag'),
  };
}

/** btf_param_match_suffix */
export const paramHasSuffix = (p: BtfParam, suffix: string): boolean => p.name.length > suffix.length && p.name.endsWith(suffix);

/** The type a parameter or return type resolves to, modifiers and typedefs skipped; undefined for void. */
export const resolved = (btf: Btf, id: number): BtfType | undefined => btfTypeAt(btf, skipModifiers(btf, id));

/** btf_type_str */
export function btfTypeStr(t: BtfType | undefined): string {
  if (!t || t.kind === 'void') return 'UNKNOWN';
  const names: Partial<Record<BtfType['kind'], string>> = { func_proto: 'FUNC_PROTO', enum64: 'ENUM64', decl_tag: 'DECL_TAG', type_tag: 'TYPE_TAG' };
  return names[t.kind] ?? t.kind.toUpperCase();
}

type ProgCtxType = { type: BtfType | undefined; typedefName: string };

/** find_canonical_prog_ctx_type's answers so far, by kernel BTF and program type (the BTF does not change). */
const PROG_CTX_TYPES = new WeakMap<Btf, Map<number, ProgCtxType>>();

/**
 * find_canonical_prog_ctx_type: the name of the context type a program type's
 * functions take (struct bpf_ctx_convert's `BPF_PROG_TYPE_<T>_prog` member), the
 * resolved type itself, and the name before typedefs are resolved.
 */
export function progCtxType(env: VerifierEnv): ProgCtxType {
  const btf = vmlinuxBtf(env);
  const known = PROG_CTX_TYPES.get(btf)?.get(env.input.progType);
  if (known) return known;
  const convId = findByName(btf, 'bpf_ctx_convert', 'struct');
  const conv = convId === undefined ? undefined : btfTypeAt(btf, convId);
  if (!conv || conv.kind !== 'struct') return notModelled(env, 'struct bpf_ctx_convert in kernel BTF');
  const want = `BPF_PROG_TYPE_${progTypeName(env.input.progType).toUpperCase()}_prog`;
  const m = conv.members.find((x) => x.name === want);
  if (!m) return notModelled(env, `context type of program type ${env.input.progType}`);
  const direct = btfTypeAt(btf, m.type);
  const found = { type: btfTypeAt(btf, skipModifiers(btf, m.type)), typedefName: direct && direct.kind === 'typedef' ? direct.name : '' };
  let byType = PROG_CTX_TYPES.get(btf);
  if (!byType) PROG_CTX_TYPES.set(btf, byType = new Map());
  byType.set(env.input.progType, found);
  return found;
}


/**
 * btf_is_prog_ctx_type: `ptrTarget` (what a pointer parameter of `btf` points to) is the
 * program type's context struct, its kernel projection (sk_buff for __sk_buff, xdp_buff
 * for xdp_md), or bpf_user_pt_regs_t for kprobes. Logs nothing for the cases modelled.
 */
export function btfIsProgCtxType(env: VerifierEnv, btf: Btf, ptrTarget: number): boolean {
  const direct = btfTypeAt(btf, ptrTarget);
  if (env.input.progType === PROG_TYPES.kprobe && direct?.kind === 'typedef' && direct.name === 'bpf_user_pt_regs_t') return true;
  const t = resolved(btf, ptrTarget);
  if (!t || t.kind !== 'struct') return false;
  if (!t.name) return notModelled(env, 'an anonymous struct as a function argument');
  const ctx = progCtxType(env);
  let name = ctx.typedefName || ctx.type?.name || '';
  if (!name) return false;
  if ((name === '__sk_buff' && t.name === 'sk_buff') || (name === 'xdp_md' && t.name === 'xdp_buff')) return true;
  if (name !== t.name && ctx.typedefName) name = ctx.type?.name ?? '';
  return name === t.name;
}
