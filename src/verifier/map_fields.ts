// The special fields of a map value as the kernel's btf_parse_fields finds them in
// the value's BTF (kernel/bpf/btf.c: btf_find_field, btf_find_struct_field,
// btf_find_nested_struct, btf_find_kptr): spin locks, timers, workqueues, graph
// roots, refcounts, and kptr-tagged pointers, at their byte offsets,
// descending into nested structs, arrays of them and global data sections; a graph
// root's node type from its `contains:<struct>:<member>` decl tag (btf_parse_graph_root).
// The record of a program BTF struct that bpf_obj_new allocates (btf_parse_struct_metas)
// also has its graph nodes. PURE.
import { Btf, typeIds } from '../btf/btf';
import { BtfType } from '../btf/types';
import { findByName } from '../btf/lookup';
import { MapField, GraphRootInfo } from './types';
import { btfTypeAt, skipModifiers } from './btf_view';

/** Struct names the kernel treats as special fields, and the name btf_field_type_name prints. */
const SPECIAL_STRUCTS: Readonly<Record<string, MapField['kind']>> = {
  bpf_spin_lock: 'bpf_spin_lock', bpf_res_spin_lock: 'bpf_res_spin_lock', bpf_timer: 'bpf_timer', bpf_wq: 'bpf_wq',
  bpf_list_head: 'bpf_list_head', bpf_rb_root: 'bpf_rb_root', bpf_refcount: 'bpf_refcount', bpf_task_work: 'bpf_task_work',
};
/** The graph nodes, special in allocated objects only (map values have none). */
const NODE_STRUCTS: Readonly<Record<string, MapField['kind']>> = { bpf_list_node: 'bpf_list_node', bpf_rb_node: 'bpf_rb_node' };
/** The node struct each graph root holds. */
const ROOT_NODE: Readonly<Record<string, string>> = { bpf_list_head: 'bpf_list_node', bpf_rb_root: 'bpf_rb_node' };

/** Where a decl tag may name a field: the struct (or var) `target` and its member index (-1: the var itself). */
interface TagSite { target: number; comp: number }

/** btf_find_decl_tag_value for `contains:`, then btf_parse_graph_root: the node struct and its node member's offset. */
function graphRoot(btf: Btf, site: TagSite | undefined, rootKind: string): GraphRootInfo | undefined {
  if (!site) return undefined;
  let value: string | undefined;
  for (const id of typeIds(btf)) {
    const t = btfTypeAt(btf, id);
    if (t?.kind !== 'decl_tag' || t.type !== site.target || t.componentIdx !== site.comp || !t.name.startsWith('contains:')) continue;
    if (value !== undefined) return undefined; // two tags: the kernel refuses the BTF
    value = t.name.slice('contains:'.length);
  }
  const m = value?.match(/^([^:]+):([^:]+)$/);
  if (!m) return undefined;
  const valueTypeId = findByName(btf, m[1], 'struct');
  const st = valueTypeId === undefined ? undefined : btfTypeAt(btf, valueTypeId);
  if (!st || st.kind !== 'struct') return undefined;
  const node = st.members.find((x) => x.name === m[2]);
  const nt = node && btfTypeAt(btf, skipModifiers(btf, node.type));
  if (!node || nt?.kind !== 'struct' || nt.name !== ROOT_NODE[rootKind] || node.bitOffset % 64) return undefined;
  return { valueTypeId: valueTypeId!, valueName: st.name, nodeOffset: node.bitOffset / 8 };
}

const KPTR_TAGS: ReadonlySet<string> = new Set(['kptr', 'kptr_untrusted', 'percpu_kptr', 'uptr']);

/** Whether a pointer type carries a kptr type tag (`ptr -> type_tag "kptr" -> struct`). */
function isKptr(btf: Btf, t: BtfType): boolean {
  if (t.kind !== 'ptr') return false;
  const tag = btfTypeAt(btf, t.type);
  return !!tag && tag.kind === 'type_tag' && KPTR_TAGS.has(tag.name);
}

/** The special fields inside type `id` placed at byte `base` (`site`: where a decl tag on it would be; nodes when `withNodes`). */
function fieldsIn(btf: Btf, id: number, base: number, depth: number, out: MapField[], withNodes: boolean, site?: TagSite): void {
  if (depth > 8) return;
  const t = btfTypeAt(btf, skipModifiers(btf, id));
  if (!t) return;
  const special = t.kind === 'struct' ? SPECIAL_STRUCTS[t.name] ?? (withNodes ? NODE_STRUCTS[t.name] : undefined) : undefined;
  if (t.kind === 'struct' && special) {
    const f: MapField = { kind: special, offset: base, size: t.size };
    if (ROOT_NODE[special]) {
      const g = graphRoot(btf, site, special);
      if (g) f.graph = g;
    }
    out.push(f);
    return;
  }
  if (isKptr(btf, t)) { out.push({ kind: 'kptr', offset: base, size: 8 }); return; }
  if (t.kind === 'struct' || t.kind === 'union') {
    const sid = skipModifiers(btf, id);
    t.members.forEach((m, i) => {
      if (m.bitfieldSize === 0) fieldsIn(btf, m.type, base + m.bitOffset / 8, depth + 1, out, withNodes, { target: sid, comp: i });
    });
  } else if (t.kind === 'array') {
    const inner: MapField[] = [];
    fieldsIn(btf, t.type, 0, depth + 1, inner, withNodes);
    if (!inner.length) return;
    const el = btfTypeAt(btf, skipModifiers(btf, t.type));
    const elSize = el && 'size' in el ? (el as { size: number }).size : 8;
    for (let i = 0; i < t.nelems; i++) for (const f of inner) out.push({ ...f, offset: base + i * elSize + f.offset });
  } else if (t.kind === 'datasec') {
    for (const v of t.vars) {
      const vt = btfTypeAt(btf, v.type);
      if (vt && vt.kind === 'var') fieldsIn(btf, vt.type, base + v.offset, depth + 1, out, withNodes, { target: v.type, comp: -1 });
    }
  }
}

/**
 * btf_parse_fields for a map's value type; undefined for a map created without value
 * BTF (no btf_value_type_id: the kernel's map->btf is NULL, `has to have BTF`).
 */
export function mapValueFields(btf: Btf | undefined, valueTypeId: number): MapField[] | undefined {
  if (!btf || !valueTypeId) return undefined;
  const out: MapField[] = [];
  fieldsIn(btf, valueTypeId, 0, 0, out, false);
  return out;
}

/**
 * The record of a struct of the program's BTF (btf_find_struct_meta's record): its special
 * fields with graph nodes; empty when it has none (the kernel keeps no meta for it).
 */
export function structFields(btf: Btf, typeId: number): MapField[] {
  const out: MapField[] = [];
  fieldsIn(btf, typeId, 0, 0, out, true);
  return out;
}
