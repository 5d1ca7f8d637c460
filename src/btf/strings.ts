// BTF string section: NUL-terminated strings addressed by byte offset
// (kernel btf_name_by_offset / libbpf btf__str_by_offset). The raw bytes are kept
// as read so that re-encoding is byte-identical; new strings are appended.

export interface StringTable {
  /** The string section as read (own part only for split BTF). */
  bytes: Uint8Array;
  /**
   * Whole section decoded once, on first lookup, when it is pure ASCII (fast
   * substring lookups); null when not ASCII; undefined before the first lookup.
   */
  text: string | null | undefined;
  /** Strings appended after `bytes` (by the encoder or by edits), with their local offsets. */
  added: string[];
  addedOffsets: Map<string, number>;
  addedByOffset: Map<number, string>;
  /** Local size in bytes: bytes.length plus the appended strings with their NULs. */
  size: number;
}

// The WHATWG Encoding API is there in every JavaScript runtime, but it is not
// part of the ES2022 library the pure stages compile against (tsconfig.pure.json):
// the two constructors this file uses are declared here, for this module only.
declare const TextDecoder: new (label: 'utf-8') => { decode(bytes: Uint8Array): string };
declare const TextEncoder: new () => { encode(s: string): Uint8Array };

const utf8 = new TextDecoder('utf-8');
/** UTF-8 bytes of a string (BTF names are UTF-8 in the string section). */
export const utf8enc = new TextEncoder();

export function makeStringTable(bytes: Uint8Array): StringTable {
  return {
    bytes, text: undefined,
    added: [], addedOffsets: new Map(), addedByOffset: new Map(), size: bytes.length,
  };
}

/** String at a local offset, or undefined when no string is there. */
export function stringAt(st: StringTable, off: number): string | undefined {
  if (!Number.isInteger(off) || off < 0) return undefined;
  if (off < st.bytes.length) {
    if (st.text === undefined) {
      let ascii = true;
      for (let i = 0; i < st.bytes.length; i++) if (st.bytes[i] >= 0x80) { ascii = false; break; }
      st.text = ascii ? utf8.decode(st.bytes) : null;
    }
    if (st.text !== null) {
      const end = st.text.indexOf('\0', off);
      return st.text.substring(off, end < 0 ? st.text.length : end);
    }
    let end = off;
    while (end < st.bytes.length && st.bytes[end] !== 0) end++;
    return utf8.decode(st.bytes.subarray(off, end));
  }
  return st.addedByOffset.get(off);
}

/** Local offset of `s`, appending it if it was not added before. */
export function internString(st: StringTable, s: string): number {
  const known = st.addedOffsets.get(s);
  if (known !== undefined) return known;
  const off = st.size;
  st.added.push(s);
  st.addedOffsets.set(s, off);
  st.addedByOffset.set(off, s);
  st.size += utf8enc.encode(s).length + 1;
  return off;
}

/** The whole local section: original bytes followed by the appended strings. */
export function stringSectionBytes(st: StringTable): Uint8Array {
  if (st.added.length === 0) return st.bytes;
  const out = new Uint8Array(st.size);
  out.set(st.bytes, 0);
  let o = st.bytes.length;
  for (const s of st.added) {
    const b = utf8enc.encode(s);
    out.set(b, o);
    o += b.length + 1;
  }
  return out;
}

/** Whether the string at local offset `off` is exactly `s` (no allocation on the ASCII path). */
export function stringIs(st: StringTable, off: number, s: string): boolean {
  if (off < st.bytes.length && off >= 0) {
    if (st.text === undefined) stringAt(st, off);
    if (st.text) return st.text.startsWith(s, off) && st.text.charCodeAt(off + s.length) === 0;
  }
  return stringAt(st, off) === s;
}
