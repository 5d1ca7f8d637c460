// The parsed BTF object (libbpf struct btf): own types decoded lazily from the
// raw type section, optional base BTF for split BTF (module BTF on vmlinux),
// string table. Lookup by id models btf__type_by_id / btf_type_by_id.
import { BtfError } from './errors';
import { BtfType, KIND_NAMES, VOID } from './types';
import { StringTable, stringAt } from './strings';
import { decodeRawType } from './decode';

/** Hash index of own type names: chains of type indexes per bucket, in id order. */
export interface NameIndex { mask: number; buckets: Int32Array; next: Int32Array; hashes: Uint32Array }

export interface Btf {
  /** Base BTF for split BTF (e.g. vmlinux under module BTF); undefined otherwise. */
  readonly base: Btf | undefined;
  /** Id of the first own type: 1, or the base's type count for split BTF. */
  readonly firstId: number;
  /** String offset at which own strings start (the base's string size for split BTF). */
  readonly strBase: number;
  /** hdr_len as read (extra header bytes are zero and re-emitted). */
  readonly hdrLen: number;
  /** Raw type section as read. */
  readonly raw: Uint8Array;
  /** Byte offset in `raw` of each raw own type, plus one final entry = raw.length. */
  readonly offsets: Uint32Array;
  /** BTF_KIND number of each raw own type. */
  readonly kinds: Uint8Array;
  /** Own types by index (id - firstId): decoded lazily, edited, or appended. */
  readonly types: (BtfType | undefined)[];
  readonly strings: StringTable;
  /** Lazy indexes (reset by setType/addType). */
  nameIndex?: NameIndex;
  tagIndex?: Map<number, number[]>;
  /** Cached DataView over `raw`. */
  rawView?: DataView;
}

/** DataView over the raw type section (created once). */
export function rawView(btf: Btf): DataView {
  return btf.rawView ??= new DataView(btf.raw.buffer, btf.raw.byteOffset, btf.raw.byteLength);
}

/** Number of type ids including void and the base's types (btf__type_cnt). */
export function typeCount(btf: Btf): number {
  return btf.firstId + btf.types.length;
}

/** Type by id; id 0 is void. Throws BtfError('bad-type-id') when out of range. */
export function typeById(btf: Btf, id: number): BtfType {
  if (id === 0) return VOID;
  if (id < btf.firstId) {
    if (btf.base && Number.isInteger(id) && id > 0) return typeById(btf.base, id);
    throw new BtfError('bad-type-id', '.BTF', 0, `type id ${id} out of range`);
  }
  const idx = id - btf.firstId;
  if (!Number.isInteger(idx) || idx >= btf.types.length) {
    throw new BtfError('bad-type-id', '.BTF', 0, `type id ${id} out of range (${typeCount(btf)} types)`);
  }
  let t = btf.types[idx];
  if (t === undefined) {
    t = decodeRawType(btf, idx);
    btf.types[idx] = t;
  }
  return t;
}

/** Kind of a type by id without decoding it (fast path for scans). */
export function kindOf(btf: Btf, id: number): BtfType['kind'] {
  if (id === 0) return 'void';
  if (id < btf.firstId) return btf.base ? kindOf(btf.base, id) : typeById(btf, id).kind;
  const idx = id - btf.firstId;
  if (idx < btf.kinds.length && btf.types[idx] === undefined) return KIND_NAMES[btf.kinds[idx]];
  return typeById(btf, id).kind;
}

/** String at an absolute offset (base strings first for split BTF), or throws. */
export function stringAtOffset(btf: Btf, off: number): string {
  if (off < btf.strBase && btf.base) return stringAtOffset(btf.base, off);
  const s = stringAt(btf.strings, off - btf.strBase);
  if (s === undefined) throw new BtfError('bad-string-offset', '.BTF', 0, `string offset ${off} out of range`);
  return s;
}

/** Total string size (base + own), i.e. the first offset the next appended string would get. */
export function stringSize(btf: Btf): number {
  return btf.strBase + btf.strings.size;
}

/** Replace an own type (e.g. sanitization). Invalidates lazy indexes. */
export function setType(btf: Btf, id: number, t: BtfType): void {
  const idx = id - btf.firstId;
  if (id === 0 || !Number.isInteger(idx) || idx < 0 || idx >= btf.types.length) {
    throw new BtfError('bad-type-id', '.BTF', 0, `cannot replace type id ${id}`);
  }
  btf.types[idx] = t;
  btf.nameIndex = undefined;
  btf.tagIndex = undefined;
}

/** Append a type, returning its new id (btf__add_*). Invalidates lazy indexes. */
export function addType(btf: Btf, t: BtfType): number {
  if (t.kind === 'void') throw new BtfError('encode', '.BTF', 0, 'cannot add the void type');
  btf.types.push(t);
  btf.nameIndex = undefined;
  btf.tagIndex = undefined;
  return btf.firstId + btf.types.length - 1;
}

/** All ids of this BTF (own ones; with base ids when `withBase`). */
export function* typeIds(btf: Btf, withBase = false): Generator<number> {
  const start = withBase ? 1 : btf.firstId;
  const end = typeCount(btf);
  for (let id = start; id < end; id++) yield id;
}
