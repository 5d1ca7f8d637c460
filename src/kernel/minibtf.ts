// A minimal BTF writer for hand-built test programs: INT, PTR, FUNC_PROTO,
// FUNC and DECL_TAG records plus bpf_func_info, enough for the verifier's
// BTF-dependent rules (global functions, exception_callback: decl tags).
// Layout as in include/uapi/linux/btf.h; kernel/bpf/btf.c btf_parse() checks it.

export interface MiniBtf {
  /** Encoded type records, in id order (id = index + 1). */
  types: number[][];
  /** String table (offset 0 is the empty string). */
  strings: string[];
  strLen: number;
  strOffs: Map<string, number>;
}

export const BTF_FUNC_STATIC = 0;
export const BTF_FUNC_GLOBAL = 1;

export function newBtf(): MiniBtf {
  return { types: [], strings: [''], strLen: 1, strOffs: new Map([['', 0]]) };
}

function str(b: MiniBtf, s: string): number {
  const have = b.strOffs.get(s);
  if (have !== undefined) return have;
  const off = b.strLen;
  b.strings.push(s);
  b.strOffs.set(s, off);
  b.strLen += new TextEncoder().encode(s).length + 1;
  return off;
}

function add(b: MiniBtf, words: number[]): number {
  b.types.push(words);
  return b.types.length;
}

const info = (kind: number, vlen: number, kflag = false): number => ((kflag ? 1 << 31 : 0) | (kind << 24) | vlen) >>> 0;

/** BTF_KIND_INT of `size` bytes. */
export function btfInt(b: MiniBtf, name: string, size: number, signed = true): number {
  return add(b, [str(b, name), info(1, 0), size, ((signed ? 1 : 0) << 24) | (size * 8)]);
}

export function btfPtr(b: MiniBtf, target: number): number {
  return add(b, [0, info(2, 0), target]);
}

/** BTF_KIND_STRUCT with no members (a named forward-like struct, e.g. __sk_buff). */
export function btfEmptyStruct(b: MiniBtf, name: string, size: number): number {
  return add(b, [str(b, name), info(4, 0), size]);
}

export function btfFuncProto(b: MiniBtf, ret: number, params: { name: string; type: number }[]): number {
  const w = [0, info(13, params.length), ret];
  for (const p of params) w.push(str(b, p.name), p.type);
  return add(b, w);
}

export function btfFunc(b: MiniBtf, name: string, proto: number, linkage = BTF_FUNC_GLOBAL): number {
  return add(b, [str(b, name), info(12, linkage), proto]);
}

/** BTF_KIND_DECL_TAG `value` on type `target` (component -1: the type itself). */
export function btfDeclTag(b: MiniBtf, value: string, target: number, component = -1): number {
  return add(b, [str(b, value), info(17, 0), target, component >>> 0]);
}

/** Raw BTF bytes: header, type section, string section. */
export function encodeBtf(b: MiniBtf): Uint8Array {
  const typeWords = b.types.reduce((n, t) => n + t.length, 0);
  const typeLen = typeWords * 4;
  const strBytes = new TextEncoder().encode(b.strings.join('\0') + '\0');
  const out = new Uint8Array(24 + typeLen + strBytes.length);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0xeb9f, true);
  out[2] = 1; // version
  out[3] = 0; // flags
  dv.setUint32(4, 24, true);
  dv.setUint32(8, 0, true);
  dv.setUint32(12, typeLen, true);
  dv.setUint32(16, typeLen, true);
  dv.setUint32(20, strBytes.length, true);
  let p = 24;
  for (const t of b.types) for (const w of t) { dv.setUint32(p, w >>> 0, true); p += 4; }
  out.set(strBytes, p);
  return out;
}

/** bpf_func_info records (insn_off, type_id), 8 bytes each. */
export function encodeFuncInfo(recs: { insnOff: number; typeId: number }[]): Uint8Array {
  const out = new Uint8Array(recs.length * 8);
  const dv = new DataView(out.buffer);
  recs.forEach((r, i) => { dv.setUint32(i * 8, r.insnOff, true); dv.setUint32(i * 8 + 4, r.typeId, true); });
  return out;
}
