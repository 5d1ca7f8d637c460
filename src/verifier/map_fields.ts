// The special fields of a map value as the kernel's btf_parse_fields finds them in
// the value's BTF (kernel/bpf/btf.c: btf_find_field, btf_find_struct_field,
// btf_find_nested_struct, btf_find_kptr): spin locks, timers, workqueues, graph
// roots and nodes, refcounts, and kptr-tagged pointers, at their byte offsets,
// descending into nested structs, arrays of them and global data sections. PURE.
import { Btf } from '../btf/btf';
import { BtfType } from '../btf/types';
import { MapField } from './types';
import { btfTypeAt, skipModifiers } from './btf_view';

/** Struct names the kernel treats as special fields, and the name btf_field_type_name prints. */
const SPECIAL_STRUCTS: Readonly<Record<string, MapField['kind']>> = {
  bpf_spin_lock: 'bpf_spin_lock', bpf_res_spin_lock: 'bpf_res_spin_lock', bpf_timer: 'bpf_timer', bpf_wq: 'bpf_wq',
  bpf_list_head: 'bpf_list_head', bpf_rb_root: 'bpf_rb_root', bpf_refcount: 'bpf_refcount', bpf_task_work: 'bpf_task_work',
};
const KPTR_TAGS: ReadonlySet<string> = new Set(['kptr', 'kptr_untrusted', 'percpu_kptr', 'uptr']);

/** Whether a pointer type carries a kptr type tag (`ptr -> type_tag "kptr" -> struct`). */
function isKptr(btf: Btf, t: BtfType): boolean {
  if (t.kind !== 'ptr') return false;
  const tag = btfTypeAt(btf, t.type);
  return !!tag && tag.kind === 'type_tag' && KPTR_TAGS.has(tag.name);
}

/** The special fields inside type `id` placed at byte `base`. */
function fieldsIn(btf: Btf, id: number, base: number, depth: number, out: MapField[]): void {
  if (depth > 8) return;
  const t = btfTypeAt(btf, skipModifiers(btf, id));
  if (!t) return;
  if (t.kind === 'struct' && SPECIAL_STRUCTS[t.name]) { out.push({ kind: SPECIAL_STRUCTS[t.name], offset: base, size: t.size }); return; }
  if (isKptr(btf, t)) { out.push({ kind: 'kptr', offset: base, size: 8 }); return; }
  if (t.kind === 'struct' || t.kind === 'union') {
    for (const m of t.members) if (m.bitfieldSize === 0) fieldsIn(btf, m.type, base + m.bitOffset / 8, depth + 1, out);
  } else if (t.kind === 'array') {
    const inner: MapField[] = [];
    fieldsIn(btf, t.type, 0, depth + 1, inner);
    if (!inner.length) return;
    const el = btfTypeAt(btf, skipModifiers(btf, t.type));
    const elSize = el && 'size' in el ? (el as { size: number }).size : 8;
    for (let i = 0; i < t.nelems; i++) for (const f of inner) out.push({ ...f, offset: base + i * elSize + f.offset });
  } else if (t.kind === 'datasec') {
    for (const v of t.vars) {
      const vt = btfTypeAt(btf, v.type);
      if (vt && vt.kind === 'var') fieldsIn(btf, vt.type, base + v.offset, depth + 1, out);
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
  fieldsIn(btf, valueTypeId, 0, 0, out);
  return out;
}
