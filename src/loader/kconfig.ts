// .kconfig externs (libbpf find_kcfg_type, btf__align_of, the kcfg layout in
// bpf_object__collect_externs, bpf_object__init_kconfig_map,
// bpf_object__resolve_externs' LINUX_* virtual externs,
// bpf_object__process_kconfig_line, set_kcfg_value_tri/_str/_num,
// is_kcfg_value_in_range, get_kernel_version). Values come from the caller
// (Kconfig text and kernel release), so the loader stays pure.
import { Btf, typeById, skipModsAndTypedefs } from '../btf';
import { EINVAL, LoaderError } from './errors';

export type KcfgType = 'unknown' | 'char' | 'bool' | 'int' | 'tristate' | 'char_arr';
export interface Kcfg { sz: number; align: number; type: KcfgType; signed: boolean; dataOff: number }

const ERANGE = -34;

export function findKcfgType(btf: Btf, id: number): { type: KcfgType; signed: boolean } {
  const t = typeById(btf, skipModsAndTypedefs(btf, id));
  switch (t.kind) {
    case 'int':
      if (t.bool) return { type: t.size === 1 ? 'bool' : 'unknown', signed: false };
      if (t.size === 1) return { type: 'char', signed: t.signed };
      if (t.size < 1 || t.size > 8 || (t.size & (t.size - 1))) return { type: 'unknown', signed: t.signed };
      return { type: 'int', signed: t.signed };
    case 'enum':
      return { type: t.size === 4 && t.name === 'libbpf_tristate' ? 'tristate' : 'unknown', signed: false };
    case 'array':
      if (t.nelems === 0 || findKcfgType(btf, t.type).type !== 'char') return { type: 'unknown', signed: false };
      return { type: 'char_arr', signed: false };
    default:
      return { type: 'unknown', signed: false };
  }
}

/** KERNEL_VERSION(a, b, c) of a uname release like "6.18.44-..." (0 when unparsable). */
export function kernelVersionCode(release: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(release);
  if (!m) return 0;
  return (Number(m[1]) << 16) + (Number(m[2]) << 8) + Math.min(Number(m[3]), 255);
}

export interface KcfgExt { name: string; weak: boolean; kcfg: Kcfg; set: boolean }

function inRange(k: Kcfg, v: bigint): boolean {
  const bits = BigInt(k.sz * 8);
  if (k.sz === 8) return true;
  const u = BigInt.asUintN(64, v);
  if (k.signed) return BigInt.asUintN(64, u + (1n << (bits - 1n))) < (1n << bits);
  return (u >> bits) === 0n;
}

export function setNum(e: KcfgExt, buf: Uint8Array, value: bigint): void {
  const k = e.kcfg;
  if (k.type !== 'int' && k.type !== 'char' && k.type !== 'bool') {
    throw new LoaderError('extern', EINVAL, `extern (kcfg) '${e.name}': value '${BigInt.asUintN(64, value)}' implies integer, char, or boolean type`);
  }
  if (k.type === 'bool' && BigInt.asUintN(64, value) > 1n) {
    throw new LoaderError('extern', EINVAL, `extern (kcfg) '${e.name}': value '${BigInt.asUintN(64, value)}' isn't boolean compatible`);
  }
  if (!inRange(k, value)) {
    throw new LoaderError('extern', ERANGE, `extern (kcfg) '${e.name}': value '${BigInt.asUintN(64, value)}' doesn't fit in ${k.sz} bytes`);
  }
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const v = BigInt.asUintN(64, value);
  if (k.sz === 1) dv.setUint8(k.dataOff, Number(v & 0xffn));
  else if (k.sz === 2) dv.setUint16(k.dataOff, Number(v & 0xffffn), true);
  else if (k.sz === 4) dv.setUint32(k.dataOff, Number(v & 0xffffffffn), true);
  else if (k.sz === 8) dv.setBigUint64(k.dataOff, v, true);
  else throw new LoaderError('extern', EINVAL, `extern (kcfg) '${e.name}': unsupported size ${k.sz}`);
  e.set = true;
}

function setTri(e: KcfgExt, buf: Uint8Array, value: string): void {
  const k = e.kcfg;
  switch (k.type) {
    case 'bool':
      if (value === 'm') throw new LoaderError('extern', EINVAL, `extern (kcfg) '${e.name}': value '${value}' implies tristate or char type`);
      buf[k.dataOff] = value === 'y' ? 1 : 0;
      break;
    case 'tristate':
      new DataView(buf.buffer, buf.byteOffset).setUint32(k.dataOff, value === 'y' ? 1 : value === 'm' ? 2 : 0, true);
      break;
    case 'char':
      buf[k.dataOff] = value.charCodeAt(0);
      break;
    default:
      throw new LoaderError('extern', EINVAL, `extern (kcfg) '${e.name}': value '${value}' implies bool, tristate, or char type`);
  }
  e.set = true;
}

function setStr(e: KcfgExt, buf: Uint8Array, value: string, warnings: string[]): void {
  const k = e.kcfg;
  if (k.type !== 'char_arr') throw new LoaderError('extern', EINVAL, `extern (kcfg) '${e.name}': value '${value}' implies char array type`);
  if (value.length < 2 || !value.endsWith('"')) throw new LoaderError('extern', EINVAL, `extern (kcfg) '${e.name}': invalid string config '${value}'`);
  let len = value.length - 2;
  if (len >= k.sz) {
    warnings.push(`extern (kcfg) '${e.name}': long string '${value}' of (${len} bytes) truncated to ${k.sz - 1} bytes`);
    len = k.sz - 1;
  }
  for (let i = 0; i < len; i++) buf[k.dataOff + i] = value.charCodeAt(1 + i) & 0xff;
  buf[k.dataOff + len] = 0;
  e.set = true;
}

/** strtoull(value, &end, 0) over the whole string, or undefined. */
function parseU64(value: string): bigint | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(value);
  if (!m) return undefined;
  let digits = m[2];
  let v: bigint;
  if (/^0[xX]/.test(digits)) v = BigInt(digits);
  else if (digits.length > 1 && digits[0] === '0') { digits = digits.slice(1); v = BigInt('0o' + digits); }
  else v = BigInt(digits);
  if (v > 0xffffffffffffffffn) return undefined;
  return m[1] === '-' ? BigInt.asUintN(64, -v) : v;
}

/** bpf_object__process_kconfig_line over a whole Kconfig text. */
export function applyKconfigText(text: string, exts: KcfgExt[], buf: Uint8Array, warnings: string[]): void {
  for (const raw of text.split('\n')) {
    const line = raw;
    if (!line.startsWith('CONFIG_')) continue;
    const sep = line.indexOf('=');
    if (sep < 0) throw new LoaderError('extern', EINVAL, `failed to parse '${line}': no separator`);
    const name = line.slice(0, sep), value = line.slice(sep + 1);
    if (value === '') throw new LoaderError('extern', EINVAL, `failed to parse '${line}': no value`);
    const e = exts.find((x) => x.name === name);
    if (!e || e.set) continue;
    if (value[0] === 'y' || value[0] === 'n' || value[0] === 'm') setTri(e, buf, value[0]);
    else if (value[0] === '"') setStr(e, buf, value, warnings);
    else {
      const n = parseU64(value);
      if (n === undefined) throw new LoaderError('extern', EINVAL, `extern (kcfg) '${e.name}': value '${value}' isn't a valid integer`);
      if (e.kcfg.type !== 'int' && e.kcfg.type !== 'char') throw new LoaderError('extern', EINVAL, `extern (kcfg) '${e.name}': value '${value}' implies integer type`);
      setNum(e, buf, n);
    }
  }
}
