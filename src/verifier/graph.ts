// Graph collections: the bpf_list_* and bpf_rbtree_* kfuncs over roots (bpf_list_head,
// bpf_rb_root) in map values, whose nodes (bpf_list_node, bpf_rb_node) sit in objects of
// bpf_obj_new (kernel/bpf/verifier.c: is_bpf_graph_api_kfunc, check_kfunc_args' cases
// KF_ARG_PTR_TO_LIST_HEAD, _LIST_NODE, _RB_ROOT, _RB_NODE and _CALLBACK,
// __process_kf_arg_ptr_to_graph_root, __process_kf_arg_ptr_to_graph_node,
// check_reg_allocation_locked, ref_set_non_owning, ref_convert_owning_non_owning,
// invalidate_non_owning_refs, mark_reg_graph_node, check_special_kfunc's graph returns,
// set_rbtree_add_callback_state, in_rbtree_lock_required_cb).
// A root must be guarded by the bpf_spin_lock of its own map value, held; inserting a node
// turns the owning reference into non-owning ones (usable until the unlock), popping or
// removing returns an owning reference. Inside an rbtree `less` callback the lock is held,
// nodes may not be passed and locks not taken. Roots inside allocated objects, refcounted
// nodes, the kfuncs not in GRAPH_KFUNCS and graph calls in subprograms a `less` callback
// calls are `not modelled yet`.
import { verbose } from './log';
import { VerifierEnv, curFrame, fail, notModelled, text } from './env';
import { RegState, PointerReg, FuncState, ptrReg, isPointer, mapEachReg, MEM_ALLOC, NON_OWN_REF, ptrWithIds } from './state';
import { scalarIsConst } from './scalar_bridge';
import { MapField } from './types';
import { structFields } from './map_fields';
import { btfTypeAt } from './btf_view';
import { releaseReference, invalidateRegs } from './refs';
import { pushKfuncCallback } from './callbacks';

/** The argument kinds of get_kfunc_ptr_arg_type for the graph structs, by the parameter's struct name. */
export const GRAPH_ARG_KINDS = { bpf_list_head: 'list_head', bpf_rb_root: 'rb_root', bpf_list_node: 'list_node', bpf_rb_node: 'rb_node' } as const;
export type GraphArgKind = (typeof GRAPH_ARG_KINDS)[keyof typeof GRAPH_ARG_KINDS];

/** What a graph kfunc does: its collection, whether it inserts arg#1's node, what R0 is, whether it calls `less`. */
export interface GraphKfunc {
  api: 'list' | 'rbtree';
  /** bpf_list_push_*_impl, bpf_rbtree_add_impl: the owning reference in R2 becomes non-owning and is released. */
  insert: boolean;
  /** R0: a node of the root's type, owning (KF_ACQUIRE) or non-owning; none when the kfunc returns a scalar. */
  ret: 'owning' | 'non_owning' | 'none';
  /** bpf_rbtree_add_impl's `less` callback (a sync callback, set_rbtree_add_callback_state). */
  callback: boolean;
}

/** The graph kfuncs modelled (their KF_ flags are kfuncs.ts's table). */
export const GRAPH_KFUNCS: Readonly<Record<string, GraphKfunc>> = {
  bpf_list_push_front_impl: { api: 'list', insert: true, ret: 'none', callback: false },
  bpf_list_push_back_impl: { api: 'list', insert: true, ret: 'none', callback: false },
  bpf_list_pop_front: { api: 'list', insert: false, ret: 'owning', callback: false },
  bpf_list_pop_back: { api: 'list', insert: false, ret: 'owning', callback: false },
  bpf_list_front: { api: 'list', insert: false, ret: 'non_owning', callback: false },
  bpf_list_back: { api: 'list', insert: false, ret: 'non_owning', callback: false },
  bpf_rbtree_add_impl: { api: 'rbtree', insert: true, ret: 'none', callback: true },
  bpf_rbtree_first: { api: 'rbtree', insert: false, ret: 'non_owning', callback: false },
  bpf_rbtree_remove: { api: 'rbtree', insert: false, ret: 'owning', callback: false },
  bpf_rbtree_root: { api: 'rbtree', insert: false, ret: 'non_owning', callback: false },
  bpf_rbtree_left: { api: 'rbtree', insert: false, ret: 'non_owning', callback: false },
  bpf_rbtree_right: { api: 'rbtree', insert: false, ret: 'non_owning', callback: false },
};

/** is_sync_callback_calling_kfunc: the kfuncs whose callsite is a forced checkpoint. */
/** (a Set of the names: a miss in GRAPH_KFUNCS, most kfuncs, walks the object's prototype chain) */
const SYNC_CALLBACK_KFUNCS: ReadonlySet<string> = new Set(Object.keys(GRAPH_KFUNCS).filter((n) => GRAPH_KFUNCS[n].callback));
export const isSyncCallbackKfunc = (name: string): boolean => SYNC_CALLBACK_KFUNCS.has(name);

/** The root argument a graph kfunc checked (meta->arg_list_head / arg_rbtree_root). */
export interface GraphRootArg { field: MapField & { graph: NonNullable<MapField['graph']> } }

/** The graph part of struct bpf_kfunc_call_arg_meta. */
export interface GraphMeta { root?: GraphRootArg; subprogno?: number }

/** btf_field_type_name of a root or node kind. */
const FIELD_NAME: Readonly<Record<GraphArgKind, MapField['kind']>> = {
  list_head: 'bpf_list_head', rb_root: 'bpf_rb_root', list_node: 'bpf_list_node', rb_node: 'bpf_rb_node',
};

/** The allocated object type: PTR_TO_BTF_ID | MEM_ALLOC of the program's BTF, no other flag. */
const isOwnedAlloc = (r: RegState): r is Extract<RegState, { type: 'btf_id' }> => r.type === 'btf_id' && r.flags === MEM_ALLOC;
/** type_is_non_owning_ref */
const isNonOwning = (r: RegState): boolean => isPointer(r) && (r.flags & NON_OWN_REF) !== 0;

/** Whether frame `f` is a callback of an rbtree kfunc (is_rbtree_lock_required_kfunc at its callsite). */
const isRbtreeCbFrame = (env: VerifierEnv, f: FuncState): boolean =>
  f.frameno > 0 && f.inCallbackFn && GRAPH_KFUNCS[env.layout.kfuncs.get(f.callsite)?.name ?? '']?.api === 'rbtree';

/** in_rbtree_lock_required_cb: the current frame is bpf_rbtree_add_impl's `less`. */
export const inRbtreeCallback = (env: VerifierEnv): boolean => isRbtreeCbFrame(env, curFrame(env));

/** A graph kfunc or a lock helper called from a subprogram that a `less` callback calls: `not modelled yet`. */
export function graphCallStart(env: VerifierEnv, name: string): void {
  if (!inRbtreeCallback(env) && env.cur.frames.some((f) => isRbtreeCbFrame(env, f))) notModelled(env, `${name} below an rbtree callback`);
}

/** reg_btf_record: the special fields of the memory a root argument points into. */
function regRecord(env: VerifierEnv, reg: PointerReg): readonly MapField[] {
  if (reg.type === 'map_value') return reg.map.fields ?? [];
  if (reg.type === 'btf_id' && !reg.btf.vmlinux && env.input.btf) return structFields(env.input.btf, reg.btf.id);
  return [];
}

/** The register's constant offset (reg->off + var_off), or the kernel's message for a variable one. */
function constOff(env: VerifierEnv, reg: PointerReg, regno: number, kind: GraphArgKind): number {
  if (!scalarIsConst(reg.v)) fail(env, 'EINVAL', 'graphVarOff', [regno, FIELD_NAME[kind]]);
  return reg.off + Number(BigInt.asIntN(64, reg.v.varOff.value));
}

/** check_kfunc_args' KF_ARG_PTR_TO_LIST_HEAD / _RB_ROOT, then __process_kf_arg_ptr_to_graph_root. */
export function processGraphRootArg(env: VerifierEnv, reg: RegState, regno: number, argno: number, kind: 'list_head' | 'rb_root',
  meta: GraphMeta): void {
  if (reg.type !== 'map_value' && !isOwnedAlloc(reg)) fail(env, 'EINVAL', 'graphArgExpectedMapOrAlloc', [argno]);
  if (reg.type !== 'map_value') {
    if (!reg.refObjId) fail(env, 'EINVAL', 'kfuncAllocObjNotReferenced');
    return notModelled(env, `a ${FIELD_NAME[kind]} in an allocated object`);
  }
  const name = FIELD_NAME[kind];
  const off = constOff(env, reg, regno, kind);
  const rec = regRecord(env, reg);
  const field = rec.find((f) => f.offset === off && f.kind === name);
  if (!field) fail(env, 'EINVAL', 'graphFieldNotFound', [name, off]);
  if (!field.graph) return notModelled(env, `a ${name} without a contains: tag the model resolves`);
  const lock = rec.find((f) => f.kind === 'bpf_spin_lock');
  if (!lock) return notModelled(env, `a ${name} whose map value has no bpf_spin_lock`);
  checkRegAllocationLocked(env, reg, lock.offset, name);
  meta.root = { field: field as GraphRootArg['field'] };
}

/** check_reg_allocation_locked: the held lock must be the one of the root's map value (same map, same id). */
function checkRegAllocationLocked(env: VerifierEnv, reg: Extract<RegState, { type: 'map_value' }>, lockOff: number, name: string): void {
  const locks = env.cur.refs.filter((r) => r.kind === 'lock');
  if (locks.length && !locks.some((r) => r.id === reg.id && r.obj === reg.map.fd)) verbose(env.log, text(env, 'graphLockNotSameAlloc') + '\n');
  if (!locks.some((r) => r.id === reg.id && r.obj === reg.map.fd)) fail(env, 'EINVAL', 'graphLockNotHeld', [lockOff, name]);
}

/** check_kfunc_args' KF_ARG_PTR_TO_LIST_NODE / _RB_NODE, then __process_kf_arg_ptr_to_graph_node. */
export function processGraphNodeArg(env: VerifierEnv, fn: string, reg: RegState, regno: number, argno: number,
  kind: 'list_node' | 'rb_node', meta: GraphMeta): void {
  const g = GRAPH_KFUNCS[fn];
  if (kind === 'list_node' || g?.insert) {
    if (!isOwnedAlloc(reg)) fail(env, 'EINVAL', 'kfuncExpectedAllocObj', [argno]);
    if (!reg.refObjId) fail(env, 'EINVAL', 'kfuncAllocObjNotReferenced');
  } else {
    if (!isNonOwning(reg) && !(isPointer(reg) && reg.refObjId)) fail(env, 'EINVAL', 'rbNodeNotOwned', [fn]);
    if (inRbtreeCallback(env)) fail(env, 'EINVAL', 'rbNodeInRbtreeCb', [fn]);
  }
  if (reg.type !== 'btf_id' || reg.btf.vmlinux || !(reg.flags & MEM_ALLOC)) return notModelled(env, `a ${FIELD_NAME[kind]} argument in ${reg.type}`);
  const name = FIELD_NAME[kind];
  const off = constOff(env, reg, regno, kind);
  const btf = env.input.btf;
  if (!btf) return notModelled(env, 'graph nodes without the program\'s BTF');
  const fields = structFields(btf, reg.btf.id);
  if (fields.some((f) => f.kind === 'bpf_refcount')) return notModelled(env, 'refcounted graph nodes');
  if (!fields.some((f) => f.offset === off && f.kind === name)) fail(env, 'EINVAL', 'graphFieldNotFound', [name, off]);
  const root = meta.root?.field;
  if (!root) return notModelled(env, `${fn} without its root argument first`);
  const rootName = root.kind;
  // btf_struct_ids_match(strict): the node's object is the root's value type itself
  if (reg.btf.id !== root.graph.valueTypeId) {
    fail(env, 'EINVAL', 'graphNodeStructMismatch', [rootName, name, root.graph.nodeOffset, root.graph.valueName, off, reg.btf.name]);
  }
  if (off !== root.graph.nodeOffset) fail(env, 'EINVAL', 'graphNodeWrongOff', [off, name, root.graph.nodeOffset, root.graph.valueName]);
}

/** check_kfunc_args' KF_ARG_PTR_TO_CALLBACK: a static subprogram's address. */
export function processGraphCallbackArg(env: VerifierEnv, reg: RegState, argno: number, meta: GraphMeta): void {
  if (reg.type !== 'func') fail(env, 'EINVAL', 'kfuncCallbackNotFunc', [argno]);
  meta.subprogno = reg.subprogno;
}

/** mark_reg_graph_node, then ref_set_non_owning when `nonOwning`: a node of the root's value type at its node offset. */
function graphNodeReg(env: VerifierEnv, root: GraphRootArg, nonOwning: boolean): PointerReg {
  const g = root.field.graph;
  const fields = env.input.btf ? structFields(env.input.btf, g.valueTypeId) : [];
  if (fields.some((f) => f.kind === 'bpf_refcount')) return notModelled(env, 'refcounted graph nodes');
  const t = btfTypeAt(env.input.btf, g.valueTypeId);
  return ptrReg('btf_id', { btf: { name: t && 'name' in t ? t.name : g.valueName, id: g.valueTypeId, vmlinux: false } },
    { off: g.nodeOffset, flags: MEM_ALLOC | (nonOwning ? NON_OWN_REF : 0) });
}

/** set_rbtree_add_callback_state: less(a, b) gets two non-owning nodes of the root's type. */
export function pushRbtreeAddCallback(env: VerifierEnv, meta: GraphMeta, callsite: number): void {
  const root = meta.root;
  if (!root || meta.subprogno === undefined) return notModelled(env, 'bpf_rbtree_add_impl without its root and callback');
  if (env.layout.subprogs[meta.subprogno]?.linkage !== 'static') return notModelled(env, 'a callback argument that is not a static function');
  pushKfuncCallback(env, meta.subprogno, callsite, (_caller: FuncState, callee: FuncState) => {
    callee.regs[1] = graphNodeReg(env, root, true);
    callee.regs[2] = graphNodeReg(env, root, true);
  });
}

/**
 * ref_convert_owning_non_owning then release_reference for the node an insertion takes
 * (R2): every copy of the owning pointer becomes a non-owning one, and the reference goes.
 */
export function convertInsertedNode(env: VerifierEnv, fnName: string, funcId: number): void {
  const node = curFrame(env).regs[2];
  const id = isPointer(node) ? node.refObjId : 0;
  if (!id || !env.cur.refs.some((r) => r.kind === 'ptr' && r.id === id)) return notModelled(env, `${fnName} without a reference to convert`);
  mapEachReg(env.cur, (r) => (isPointer(r) && r.refObjId === id ? ptrWithIds(r, r.id, 0, r.flags | NON_OWN_REF) : r));
  if (!releaseReference(env, id)) fail(env, 'EINVAL', 'kfuncRefNotAcquired', [fnName, funcId]);
}

/** check_special_kfunc's graph returns: R0 before KF_RET_NULL and KF_ACQUIRE apply (non-owning where the kfunc does not acquire). */
export function graphReturn(env: VerifierEnv, fn: string, meta: GraphMeta): PointerReg {
  const root = meta.root;
  if (!root) return notModelled(env, `${fn} without its root argument`);
  return graphNodeReg(env, root, GRAPH_KFUNCS[fn]?.ret === 'non_owning');
}

/** invalidate_non_owning_refs at bpf_spin_unlock: every non-owning reference becomes invalid. */
export function invalidateNonOwningRefs(env: VerifierEnv): void {
  invalidateRegs(env, (r) => isPointer(r) && (r.flags & NON_OWN_REF) !== 0);
}

/** btf_struct_access's rule for allocated objects: no load or store may touch a special field. */
export function checkAllocFieldAccess(env: VerifierEnv, typeId: number, off: number, size: number): void {
  const btf = env.input.btf;
  if (!btf) return notModelled(env, 'allocated objects without the program\'s BTF');
  for (const f of structFields(btf, typeId)) {
    if (!(off < f.offset + f.size && f.offset < off + size)) continue;
    if (f.kind === 'kptr') return notModelled(env, 'kptr fields of allocated objects');
    fail(env, 'EACCES', 'allocDirectAccess', [f.kind]);
  }
}
