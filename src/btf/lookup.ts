// Type lookups (libbpf btf__find_by_name_kind, skip_mods_and_typedefs,
// btf__resolve_size, btf__resolve_type; kernel btf_type_skip_modifiers,
// btf_find_decl_tag_value, btf_member_bit_offset/_bitfield_size).
// Name and decl-tag indexes are built lazily on first use.
import { Btf, kindOf, NameIndex, rawView, typeById, typeCount } from './btf';
import { BtfError } from './errors';
import { stringIs, utf8enc } from './strings';
import { Errno } from '../isa/uapi';
import { BtfComposite, BtfDeclTag, BtfFunc, BtfFuncProto, BtfKind, BtfMember, BtfType, BTF_KIND } from './types';

/** libbpf's MAX_RESOLVE_DEPTH: chains longer than this are treated as loops. */
export const MAX_RESOLVE_DEPTH = 32;


/** FNV-1a over bytes [a, NUL) of `b`. */
function hashBytes(b: Uint8Array, a: number): number {
  let h = 0x811c9dc5;
  for (let i = a; i < b.length && b[i] !== 0; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

/** Where the NUL-terminated bytes of absolute string offset `off` live. */
function nameBytes(btf: Btf, off: number): [Uint8Array, number] {
  let b: Btf = btf;
  while (off < b.strBase && b.base) b = b.base;
  return [b.strings.bytes, off - b.strBase];
}

function nameIs(btf: Btf, off: number, name: string): boolean {
  let b: Btf = btf;
  while (off < b.strBase && b.base) b = b.base;
  return stringIs(b.strings, off - b.strBase, name);
}

function nameIndex(btf: Btf): NameIndex {
  if (btf.nameIndex) return btf.nameIndex;
  const n = btf.types.length;
  let size = 16;
  while (size < n * 2) size *= 2;
  const buckets = new Int32Array(size).fill(-1), next = new Int32Array(n).fill(-1), hashes = new Uint32Array(n);
  const dv = rawView(btf);
  const mask = size - 1;
  for (let i = n - 1; i >= 0; i--) {   // prepend in reverse: chains run in id order
    const t = btf.types[i];
    let h: number;
    if (t !== undefined) {
      if (t.name === '') continue;
      const raw = i < btf.kinds.length ? dv.getUint32(btf.offsets[i], true) : 0;
      if (raw !== 0 && t.nameOff === raw && nameIs(btf, raw, t.name)) {
        const [bytes, a] = nameBytes(btf, raw);   // unchanged name: hash the table bytes
        h = hashBytes(bytes, a);
      } else {
        h = hashBytes(utf8enc.encode(t.name + '\0'), 0);
      }
    } else {
      const off = dv.getUint32(btf.offsets[i], true);
      if (off === 0) continue;
      const [bytes, a] = nameBytes(btf, off);
      if (bytes[a] === 0) continue;
      h = hashBytes(bytes, a);
    }
    hashes[i] = h;
    const bkt = h & mask;
    next[i] = buckets[bkt];
    buckets[bkt] = i;
  }
  btf.nameIndex = { mask, buckets, next, hashes };
  return btf.nameIndex;
}

/** Own ids named `name` (ascending), optionally of one kind. */
function ownByName(btf: Btf, name: string, kind: BtfKind | undefined, first: boolean): number[] {
  const out: number[] = [];
  if (name === '') return out;
  const q = utf8enc.encode(name);
  const qz = new Uint8Array(q.length + 1);
  qz.set(q);
  const h = hashBytes(qz, 0);
  const ix = nameIndex(btf);
  const dv = rawView(btf);
  for (let i = ix.buckets[h & ix.mask]; i >= 0; i = ix.next[i]) {
    if (ix.hashes[i] !== h) continue;
    const t = btf.types[i];
    let same: boolean;
    if (t !== undefined) same = t.name === name;
    else {
      const [bytes, a] = nameBytes(btf, dv.getUint32(btf.offsets[i], true));
      same = a + q.length < bytes.length && bytes[a + q.length] === 0;
      for (let k = 0; same && k < q.length; k++) same = bytes[a + k] === q[k];
    }
    if (!same) continue;
    const id = btf.firstId + i;
    if (kind !== undefined && kindOf(btf, id) !== kind) continue;
    out.push(id);
    if (first) break;
  }
  return out;
}

/** All ids named `name` (base ids first), optionally of one kind. */
export function findAllByName(btf: Btf, name: string, kind?: BtfKind): number[] {
  const out = btf.base ? findAllByName(btf.base, name, kind) : [];
  return out.concat(ownByName(btf, name, kind, false));
}

/** First id named `name` (and of `kind` when given), like btf__find_by_name_kind; undefined if none. */
export function findByName(btf: Btf, name: string, kind?: BtfKind): number | undefined {
  if (btf.base) {
    const b = findByName(btf.base, name, kind);
    if (b !== undefined) return b;
  }
  return ownByName(btf, name, kind, true)[0];
}

function loop(id: number): never {
  throw new BtfError('reference-loop', '.BTF', 0, `type #${id}: reference chain longer than ${MAX_RESOLVE_DEPTH}`);
}

/** Follow const/volatile/restrict/type_tag (not typedefs); returns the first other id. */
export function skipMods(btf: Btf, id: number): number {
  for (let d = 0; d <= MAX_RESOLVE_DEPTH; d++) {
    const t = typeById(btf, id);
    if (t.kind !== 'const' && t.kind !== 'volatile' && t.kind !== 'restrict' && t.kind !== 'type_tag') return id;
    id = t.type;
  }
  return loop(id);
}

/** Follow modifiers and typedefs (libbpf skip_mods_and_typedefs); returns the resolved id. */
export function skipModsAndTypedefs(btf: Btf, id: number): number {
  for (let d = 0; d <= MAX_RESOLVE_DEPTH; d++) {
    const t = typeById(btf, id);
    if (t.kind !== 'const' && t.kind !== 'volatile' && t.kind !== 'restrict' && t.kind !== 'type_tag' && t.kind !== 'typedef') return id;
    id = t.type;
  }
  return loop(id);
}

/** The resolved type itself (typeById(skipModsAndTypedefs(id))). */
export function resolvedType(btf: Btf, id: number): BtfType {
  return typeById(btf, skipModsAndTypedefs(btf, id));
}

/** Size in bytes of a type (libbpf btf__resolve_size); pointers are 8 bytes (BPF target). */
export function typeSize(btf: Btf, id: number): number {
  let nelems = 1;
  const start = id;
  for (let d = 0; d <= MAX_RESOLVE_DEPTH; d++) {
    const t = typeById(btf, id);
    let size: number | undefined;
    switch (t.kind) {
      case 'int': case 'struct': case 'union': case 'enum': case 'enum64': case 'float': case 'datasec':
        size = t.size; break;
      case 'ptr': size = 8; break;
      case 'typedef': case 'volatile': case 'const': case 'restrict': case 'type_tag': case 'var':
        id = t.type; continue;
      case 'array':
        if (nelems && t.nelems > Math.floor(0xffffffff / nelems)) {
          throw new BtfError('no-size', '.BTF', 0, `type #${start}: array size overflows u32`);
        }
        nelems *= t.nelems; id = t.type; continue;
      default:
        throw new BtfError('no-size', '.BTF', 0, `type #${start}: ${t.kind} has no size`);
    }
    if (nelems && size > Math.floor(0xffffffff / nelems)) throw new BtfError('no-size', '.BTF', 0, `type #${start}: size overflows u32`);
    return nelems * size;
  }
  return loop(start);
}

/**
 * Alignment in bytes of a type as libbpf's btf__align_of computes it (8-byte
 * pointers): 1 for a struct or union whose layout shows it is packed (a member
 * off its alignment, or a size not a multiple of it); 0 when the type has none
 * (void, func, fwd ...). `memo` caches answers across calls on the same BTF.
 */
export function alignOf(btf: Btf, id: number, memo: Map<number, number> = new Map(), depth = 0): number {
  if (depth > MAX_RESOLVE_DEPTH) return 0;
  const known = memo.get(id);
  if (known !== undefined) return known;
  const t = typeById(btf, id);
  memo.set(id, 0); // a struct inside itself (malformed BTF) has no alignment, and is not walked again
  let a: number;
  switch (t.kind) {
    case 'int': case 'enum': case 'enum64': case 'float': a = Math.min(8, t.size); break;
    case 'ptr': a = 8; break;
    case 'typedef': case 'volatile': case 'const': case 'restrict': case 'type_tag': case 'array':
      a = alignOf(btf, t.type, memo, depth + 1); break;
    case 'struct': case 'union': {
      let max = 1;
      a = -1;
      for (const m of t.members) {
        const ma = alignOf(btf, m.type, memo, depth + 1);
        if (!ma) { a = 0; break; }
        if (m.bitfieldSize === 0 && m.bitOffset % (8 * ma) !== 0) { a = 1; break; } // packed
        max = Math.max(max, ma);
      }
      if (a < 0) a = t.size % max !== 0 ? 1 : max; // a size off the alignment: packed
      break;
    }
    default: a = 0;
  }
  memo.set(id, a);
  return a;
}

/** A struct/union member with its absolute position (through anonymous members). */
export interface MemberLocation {
  member: BtfMember;
  /** Member indexes from the outer struct down (anonymous struct/union levels included). */
  path: number[];
  /** Bit offset from the start of the outermost struct. */
  bitOffset: number;
  bitfieldSize: number;
}

/**
 * Find a named member of a struct/union (modifiers/typedefs skipped), descending
 * into anonymous struct/union members as C does (kernel btf_find_struct_member style).
 */
export function findMember(btf: Btf, id: number, name: string): MemberLocation | undefined {
  const t = resolvedType(btf, id);
  if (t.kind !== 'struct' && t.kind !== 'union') return undefined;
  return findIn(btf, t, name, 0, [], 0);
}

function findIn(btf: Btf, t: BtfComposite, name: string, base: number, path: number[], depth: number): MemberLocation | undefined {
  if (depth > MAX_RESOLVE_DEPTH) return undefined;
  for (let i = 0; i < t.members.length; i++) {
    const m = t.members[i];
    if (m.name === name) return { member: m, path: [...path, i], bitOffset: base + m.bitOffset, bitfieldSize: m.bitfieldSize };
    if (m.name === '') {
      const inner = resolvedType(btf, m.type);
      if (inner.kind === 'struct' || inner.kind === 'union') {
        const r = findIn(btf, inner, name, base + m.bitOffset, [...path, i], depth + 1);
        if (r) return r;
      }
    }
  }
  return undefined;
}

/** A FUNC and its FUNC_PROTO (btf__type_by_id(func->type)). */
export interface FuncSignature {
  funcId: number; func: BtfFunc;
  protoId: number; proto: BtfFuncProto;
}

/** Resolve a FUNC id to its prototype; throws BtfError if `id` is not a FUNC pointing to a FUNC_PROTO. */
export function funcSignature(btf: Btf, id: number): FuncSignature {
  const f = typeById(btf, id);
  if (f.kind !== 'func') throw new BtfError('bad-type-id', '.BTF', 0, `type #${id} is ${f.kind}, not func`);
  const p = typeById(btf, f.type);
  if (p.kind !== 'func_proto') throw new BtfError('bad-type-id', '.BTF', 0, `func #${id} '${f.name}' type #${f.type} is ${p.kind}, not func_proto`);
  return { funcId: id, func: f, protoId: f.type, proto: p };
}

/** Whether a func_proto is variadic (last param has type 0 and no name). */
export function isVariadic(proto: BtfFuncProto): boolean {
  const last = proto.params[proto.params.length - 1];
  return last !== undefined && last.type === 0 && last.name === '';
}

function tagIndex(btf: Btf): Map<number, number[]> {
  if (btf.tagIndex) return btf.tagIndex;
  const idx = new Map<number, number[]>();
  const dv = rawView(btf);
  for (let i = 0; i < btf.types.length; i++) {
    const t = btf.types[i];
    let target: number;
    if (t !== undefined) { if (t.kind !== 'decl_tag') continue; target = t.type; }
    else { if (btf.kinds[i] !== BTF_KIND.decl_tag) continue; target = dv.getUint32(btf.offsets[i] + 8, true); }
    const l = idx.get(target);
    if (l) l.push(btf.firstId + i); else idx.set(target, [btf.firstId + i]);
  }
  btf.tagIndex = idx;
  return idx;
}

export interface DeclTagRef { id: number; tag: BtfDeclTag }

/**
 * DECL_TAGs attached to type `id` (in base and split BTF). With `componentIdx`
 * only those for that member/param (-1 = the type itself).
 */
export function declTagsOf(btf: Btf, id: number, componentIdx?: number): DeclTagRef[] {
  const out = btf.base ? declTagsOf(btf.base, id, componentIdx) : [];
  for (const tid of tagIndex(btf).get(id) ?? []) {
    const tag = typeById(btf, tid) as BtfDeclTag;
    if (componentIdx === undefined || tag.componentIdx === componentIdx) out.push({ id: tid, tag });
  }
  return out;
}

/** Ids of every type of a kind (own + base), e.g. all FUNCs. */
export function idsOfKind(btf: Btf, kind: BtfKind): number[] {
  const out: number[] = [];
  const end = typeCount(btf);
  for (let id = 1; id < end; id++) if (kindOf(btf, id) === kind) out.push(id);
  return out;
}

/** Result of findDeclTagValue: the value after the key, or the kernel's errno. */
export type DeclTagValue = { ok: true; value: string; tagId: number } | { ok: false; errno: Extract<Errno, 'ENOENT' | 'EEXIST'> };

/**
 * Kernel btf_find_decl_tag_value(): the DECL_TAG on type `id` (component
 * `componentIdx`, -1 = the type itself) whose name starts with `key`; the value is
 * the rest of the name. ENOENT when there is none, EEXIST when there are several
 * (e.g. "exception_callback:" on a main program -> "multiple exception callback tags").
 */
export function findDeclTagValue(btf: Btf, id: number, componentIdx: number, key: string): DeclTagValue {
  const tags = declTagsOf(btf, id, componentIdx).filter((t) => t.tag.name.startsWith(key)).sort((a, b) => a.id - b.id);
  if (tags.length === 0) return { ok: false, errno: 'ENOENT' };
  if (tags.length > 1) return { ok: false, errno: 'EEXIST' };
  return { ok: true, value: tags[0].tag.name.slice(key.length), tagId: tags[0].id };
}
