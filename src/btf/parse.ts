// Parse and validate a .BTF blob (kernel btf_parse_hdr, btf_parse_str_sec,
// btf_check_all_metas, btf_check_all_types/btf_resolve loop detection; libbpf
// btf__new / btf__new_split). Validation is one fast pass over the raw bytes;
// types are decoded to plain data lazily on first lookup (see btf.ts).
import { Btf, typeCount } from './btf';
import { BtfError } from './errors';
import { BTF_HEADER_SIZE, BTF_KIND, BTF_MAGIC, BTF_MAX_TYPE, BTF_VERSION, KIND_NAMES } from './types';
import { INFO_RESERVED, INT_RESERVED, infoKflag, infoKind, infoVlen, trailerSize, TYPE_HDR_SIZE } from './layout';
import { makeStringTable } from './strings';
import { stringSize } from './btf';

export interface BtfHeader {
  magic: number; version: number; flags: number; hdrLen: number;
  typeOff: number; typeLen: number; strOff: number; strLen: number;
}

function fail(kind: ConstructorParameters<typeof BtfError>[0], off: number, detail: string): never {
  throw new BtfError(kind, '.BTF', off, detail);
}

/** Read and check the 24-byte btf_header (plus any zero extension). */
export function parseBtfHeader(bytes: Uint8Array): BtfHeader {
  if (bytes.length < BTF_HEADER_SIZE) fail('truncated', 0, `${bytes.length} bytes is shorter than the ${BTF_HEADER_SIZE}-byte BTF header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = dv.getUint16(0, true);
  if (magic !== BTF_MAGIC) {
    if (magic === 0x9feb) fail('bad-magic', 0, 'big-endian BTF is not supported');
    fail('bad-magic', 0, `bad BTF magic 0x${magic.toString(16)}, expected 0xeb9f`);
  }
  const version = bytes[2], flags = bytes[3];
  if (version !== BTF_VERSION) fail('bad-version', 2, `unsupported BTF version ${version}`);
  if (flags !== 0) fail('bad-flags', 3, `unsupported BTF flags 0x${flags.toString(16)}`);
  const hdrLen = dv.getUint32(4, true);
  if (hdrLen < BTF_HEADER_SIZE) fail('bad-header', 4, `hdr_len ${hdrLen} is shorter than ${BTF_HEADER_SIZE}`);
  if (hdrLen > bytes.length) fail('bad-header', 4, `hdr_len ${hdrLen} is past the end of ${bytes.length} bytes`);
  for (let i = BTF_HEADER_SIZE; i < hdrLen; i++) {
    if (bytes[i] !== 0) fail('bad-header', i, 'non-zero byte in the unknown tail of the BTF header');
  }
  const typeOff = dv.getUint32(8, true), typeLen = dv.getUint32(12, true);
  const strOff = dv.getUint32(16, true), strLen = dv.getUint32(20, true);
  const dataLen = bytes.length - hdrLen;
  if (typeOff % 4 !== 0) fail('bad-header', 8, `unaligned type_off ${typeOff}`);
  if (typeOff + typeLen > dataLen) fail('bad-header', 12, `type section [${typeOff}, +${typeLen}) past the end of ${dataLen} data bytes`);
  if (strOff + strLen > dataLen) fail('bad-header', 20, `string section [${strOff}, +${strLen}) past the end of ${dataLen} data bytes`);
  if (typeLen > 0 && strLen > 0 && typeOff < strOff + strLen && strOff < typeOff + typeLen) {
    fail('bad-header', 16, 'type and string sections overlap');
  }
  return { magic, version, flags, hdrLen, typeOff, typeLen, strOff, strLen };
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The section as little-endian u32 words (a view when aligned on a little-endian host). */
function words(raw: Uint8Array): Uint32Array {
  const n = raw.byteLength >>> 2;
  if (LITTLE_ENDIAN_HOST && raw.byteOffset % 4 === 0) return new Uint32Array(raw.buffer, raw.byteOffset, n);
  const out = new Uint32Array(n);
  for (let i = 0, o = 0; i < n; i++, o += 4) out[i] = (raw[o] | (raw[o + 1] << 8) | (raw[o + 2] << 16) | (raw[o + 3] << 24)) >>> 0;
  return out;
}

function noVlen(vlen: number, kind: number, at: number, id: number): void {
  if (vlen !== 0) fail('bad-info', at + 4, `type #${id}: ${KIND_NAMES[kind]} with vlen ${vlen}`);
}
function noKflag(kflag: boolean, kind: number, at: number, id: number): void {
  if (kflag) fail('bad-info', at + 4, `type #${id}: ${KIND_NAMES[kind]} with kind_flag set`);
}

/**
 * Parse a .BTF section (or /sys/kernel/btf/vmlinux). With `base`, parse split
 * BTF (module BTF): ids continue after the base's and string offsets after its strings.
 */
export function parseBtf(bytes: Uint8Array, base?: Btf): Btf {
  const h = parseBtfHeader(bytes);
  const typeStart = h.hdrLen + h.typeOff, strStart = h.hdrLen + h.strOff;
  const strBytes = bytes.subarray(strStart, strStart + h.strLen);
  if (!base && h.strLen === 0) fail('bad-string-section', strStart, 'empty string section');
  if (!base && strBytes[0] !== 0) fail('bad-string-section', strStart, 'string section does not start with NUL');
  if (h.strLen > 0 && strBytes[h.strLen - 1] !== 0) fail('bad-string-section', strStart + h.strLen - 1, 'string section does not end with NUL');
  const strBase = base ? stringSize(base) : 0;
  const strTotal = strBase + h.strLen;
  const firstId = base ? typeCount(base) : 1;

  const raw = bytes.subarray(typeStart, typeStart + h.typeLen);
  const w = words(raw);
  const maxTypes = Math.floor(h.typeLen / TYPE_HDR_SIZE);
  const offs = new Uint32Array(maxTypes + 1);
  const kinds = new Uint8Array(maxTypes);
  const badName = (nameOff: number, at: number, what: string): never =>
    fail('bad-string-offset', typeStart + at, `${what} name_off ${nameOff} past the string section (${strTotal} bytes)`);

  // Pass 1: meta checks (btf_check_meta and the per-kind check_meta callbacks).
  let n = 0, o = 0, maxRef = 0;
  while (o < h.typeLen) {
    const at = typeStart + o;
    if (o + TYPE_HDR_SIZE > h.typeLen) fail('truncated', at, `type #${firstId + n} header truncated`);
    const nameOff = w[(o) >>> 2], info = w[(o + 4) >>> 2], st = w[(o + 8) >>> 2];
    if ((info & INFO_RESERVED) !== 0) fail('bad-info', at + 4, `type #${firstId + n}: reserved bits set in info 0x${info.toString(16)}`);
    const kind = infoKind(info), vlen = infoVlen(info), kflag = infoKflag(info);
    if (kind === 0 || kind >= KIND_NAMES.length) fail('unknown-kind', at + 4, `type #${firstId + n}: unknown BTF kind ${kind}`);
    const tsz = trailerSize(kind, vlen);
    if (o + TYPE_HDR_SIZE + tsz > h.typeLen) {
      fail(vlen > 0 ? 'bad-vlen' : 'truncated', at, `type #${firstId + n} (${KIND_NAMES[kind]}, vlen ${vlen}) runs past the type section`);
    }
    if (nameOff >= strTotal) badName(nameOff, o, `type #${firstId + n}`);
    const p = o + TYPE_HDR_SIZE;
    switch (kind) {
      case BTF_KIND.int: {
        noVlen(vlen, kind, at, firstId + n); noKflag(kflag, kind, at, firstId + n);
        const d = w[(p) >>> 2];
        const bits = d & 0xff, off = (d >>> 16) & 0xff, enc = (d >>> 24) & 0x0f;
        if ((d & INT_RESERVED) !== 0) fail('bad-int', typeStart + p, `type #${firstId + n}: reserved bits in int data 0x${d.toString(16)}`);
        if (enc & 8) fail('bad-int', typeStart + p, `type #${firstId + n}: unsupported int encoding ${enc}`);
        if (st !== 1 && st !== 2 && st !== 4 && st !== 8 && st !== 16) fail('bad-int', at + 8, `type #${firstId + n}: int size ${st}`);
        if (bits > 128 || off + bits > st * 8) fail('bad-int', typeStart + p, `type #${firstId + n}: int bits ${bits} offset ${off} do not fit ${st} bytes`);
        break;
      }
      case BTF_KIND.ptr: case BTF_KIND.typedef: case BTF_KIND.volatile: case BTF_KIND.const:
      case BTF_KIND.restrict:
        noVlen(vlen, kind, at, firstId + n); noKflag(kflag, kind, at, firstId + n);
        if (st > maxRef) maxRef = st;
        break;
      case BTF_KIND.float:
        noVlen(vlen, kind, at, firstId + n); noKflag(kflag, kind, at, firstId + n); break;
      case BTF_KIND.array: {
        noVlen(vlen, kind, at, firstId + n); noKflag(kflag, kind, at, firstId + n);
        if (st !== 0) fail('bad-info', at + 8, `type #${firstId + n}: array with size ${st}`);
        const e = w[p >>> 2], x = w[(p + 4) >>> 2];
        if (e > maxRef) maxRef = e;
        if (x > maxRef) maxRef = x;
        break;
      }
      case BTF_KIND.type_tag:
        noVlen(vlen, kind, at, firstId + n);
        if (st > maxRef) maxRef = st;
        break;
      case BTF_KIND.fwd:
        noVlen(vlen, kind, at, firstId + n);
        if (st !== 0) fail('bad-info', at + 8, `type #${firstId + n}: fwd with size/type ${st}`);
        break;
      case BTF_KIND.func:
        noKflag(kflag, kind, at, firstId + n);
        if (vlen > 2) fail('bad-linkage', at + 4, `type #${firstId + n}: func linkage ${vlen}`);
        if (st > maxRef) maxRef = st;
        break;
      case BTF_KIND.var: {
        noVlen(vlen, kind, at, firstId + n); noKflag(kflag, kind, at, firstId + n);
        const l = w[(p) >>> 2];
        if (l > 2) fail('bad-linkage', typeStart + p, `type #${firstId + n}: var linkage ${l}`);
        if (st > maxRef) maxRef = st;
        break;
      }
      case BTF_KIND.decl_tag: {
        noVlen(vlen, kind, at, firstId + n);
        const c = (w[(p) >>> 2] | 0);
        if (c < -1) fail('bad-info', typeStart + p, `type #${firstId + n}: decl_tag component_idx ${c}`);
        if (st > maxRef) maxRef = st;
        break;
      }
      case BTF_KIND.struct: case BTF_KIND.union:
        for (let i = 0, q = p >>> 2; i < vlen; i++, q += 3) {
          const m = w[q], mt = w[q + 1];
          if (m >= strTotal) badName(m, q * 4, `type #${firstId + n} member ${i}`);
          if (mt > maxRef) maxRef = mt;
        }
        break;
      case BTF_KIND.enum: case BTF_KIND.func_proto: {
        const proto = kind === BTF_KIND.func_proto;
        if (proto) { noKflag(kflag, kind, at, firstId + n); if (st > maxRef) maxRef = st; }
        for (let i = 0, q = p >>> 2; i < vlen; i++, q += 2) {
          const m = w[q];
          if (m >= strTotal) badName(m, q * 4, `type #${firstId + n} ${proto ? 'param' : 'value'} ${i}`);
          if (proto && w[q + 1] > maxRef) maxRef = w[q + 1];
        }
        break;
      }
      case BTF_KIND.enum64:
        for (let i = 0, q = p; i < vlen; i++, q += 12) {
          const m = w[(q) >>> 2];
          if (m >= strTotal) badName(m, q, `type #${firstId + n} value ${i}`);
        }
        break;
      case BTF_KIND.datasec:
        noKflag(kflag, kind, at, firstId + n);
        for (let i = 0, q = p >>> 2; i < vlen; i++, q += 3) if (w[q] > maxRef) maxRef = w[q];
        break;
    }
    offs[n] = o;
    kinds[n] = kind;
    n++;
    o += TYPE_HDR_SIZE + tsz;
  }
  offs[n] = o;
  const total = firstId + n;
  if (total - 1 > BTF_MAX_TYPE) fail('bad-header', 12, `${total - 1} types exceed the limit of ${BTF_MAX_TYPE}`);
  // Pass 2 only when some reference is out of range: it finds the first one for the error.
  if (maxRef >= total) checkTypeIds(w, offs, kinds, n, firstId, typeStart);
  checkLoops(w, offs, kinds, n, firstId, typeStart);

  return {
    base, firstId, strBase, hdrLen: h.hdrLen, raw,
    offsets: offs.slice(0, n + 1), kinds: kinds.slice(0, n),
    types: new Array(n), strings: makeStringTable(strBytes),
  };
}

/** Pass 2: every referenced type id is in range (kernel btf_check_all_types / resolve). */
function checkTypeIds(w: Uint32Array, offs: Uint32Array, kinds: Uint8Array, n: number, firstId: number, typeStart: number): void {
  const total = firstId + n;
  const bad = (id: number, at: number, owner: number, what: string): never =>
    fail('bad-type-id', typeStart + at, `type #${owner}${what} refers to type id ${id} (only ${total} ids)`);
  for (let i = 0; i < n; i++) {
    const t = offs[i], k = kinds[i];
    const vlen = w[(t + 4) >>> 2] & 0xffff, p = t + TYPE_HDR_SIZE;
    switch (k) {
      case BTF_KIND.ptr: case BTF_KIND.typedef: case BTF_KIND.volatile: case BTF_KIND.const:
      case BTF_KIND.restrict: case BTF_KIND.type_tag: case BTF_KIND.func: case BTF_KIND.var:
      case BTF_KIND.decl_tag:
        if (w[(t + 8) >>> 2] >= total) bad(w[(t + 8) >>> 2], t + 8, firstId + i, '');
        break;
      case BTF_KIND.array:
        if (w[p >>> 2] >= total) bad(w[p >>> 2], p, firstId + i, ' element');
        if (w[(p + 4) >>> 2] >= total) bad(w[(p + 4) >>> 2], p + 4, firstId + i, ' index');
        break;
      case BTF_KIND.struct: case BTF_KIND.union:
        for (let j = 0, q = (p + 4) >>> 2; j < vlen; j++, q += 3) if (w[q] >= total) bad(w[q], q * 4, firstId + i, ' member');
        break;
      case BTF_KIND.func_proto:
        if (w[(t + 8) >>> 2] >= total) bad(w[(t + 8) >>> 2], t + 8, firstId + i, ' return');
        for (let j = 0, q = (p + 4) >>> 2; j < vlen; j++, q += 2) if (w[q] >= total) bad(w[q], q * 4, firstId + i, ' param');
        break;
      case BTF_KIND.datasec:
        for (let j = 0, q = p >>> 2; j < vlen; j++, q += 3) if (w[q] >= total) bad(w[q], q * 4, firstId + i, ' var');
        break;
    }
  }
}

/**
 * Pass 3: reference loops through modifiers, typedefs, pointers, arrays and vars
 * (the kernel's btf_resolve reports "Loop detected").
 */
function checkLoops(w: Uint32Array, offs: Uint32Array, kinds: Uint8Array, n: number, firstId: number, typeStart: number): void {
  const state = new Uint8Array(n); // 0 new, 1 on the current path, 2 done
  const path = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    if (state[i] !== 0) continue;
    let plen = 0;
    let cur = i;
    for (;;) {
      if (state[cur] === 2) break;
      if (state[cur] === 1) fail('reference-loop', typeStart + offs[cur], `type #${firstId + cur} is part of a reference loop`);
      state[cur] = 1;
      path[plen++] = cur;
      const k = kinds[cur];
      let nx = -1;
      if (k === BTF_KIND.array) nx = w[(offs[cur] + TYPE_HDR_SIZE) >>> 2];
      else if (k === BTF_KIND.ptr || k === BTF_KIND.typedef || k === BTF_KIND.volatile || k === BTF_KIND.const ||
        k === BTF_KIND.restrict || k === BTF_KIND.type_tag || k === BTF_KIND.var) nx = w[(offs[cur] + 8) >>> 2];
      if (nx < firstId) break; // void, a base type, or not a chaining kind
      cur = nx - firstId;
    }
    for (let j = 0; j < plen; j++) state[path[j]] = 2;
  }
}

/** An empty BTF (only void), or an empty split BTF on `base`, to build types into with addType. */
export function newBtf(base?: Btf): Btf {
  return {
    base, firstId: base ? typeCount(base) : 1, strBase: base ? stringSize(base) : 0, hdrLen: BTF_HEADER_SIZE,
    raw: new Uint8Array(0), offsets: new Uint32Array(1), kinds: new Uint8Array(0), types: [],
    strings: makeStringTable(base ? new Uint8Array(0) : new Uint8Array(1)),
  };
}
