// BPF_MAP_CREATE, BPF_MAP_UPDATE_ELEM, BPF_MAP_LOOKUP_ELEM, BPF_MAP_DELETE_ELEM,
// BPF_MAP_FREEZE
// (kernel/bpf/syscall.c map_create(), map_update_elem(), map_lookup_elem();
// libbpf bpf_map_create(), bpf_map_update_elem(), bpf_map_lookup_elem()).
import { BPF_MAP_CREATE, BPF_MAP_FREEZE, BPF_MAP_DELETE_ELEM, BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, errnoName } from './sys';
import { bpfCall, putObjName } from './call';
import { KernelError } from './errors';
import { mapTypeNum } from './types';
import { ERRNO } from '../isa/uapi';

export interface MapCreateReq {
  mapType: number | string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  mapFlags?: number;
  name?: string;
  innerMapFd?: number;
  numaNode?: number;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  btfVmlinuxValueTypeId?: number;
  mapExtra?: bigint;
}

const MAP_ATTR_SIZE = 72; // offsetofend(map_extra)
const ELEM_ATTR_SIZE = 32;

/** Create a map; returns its fd or throws KernelError(kind 'syscall'). */
export function mapCreate(req: MapCreateReq): number {
  const type = mapTypeNum(req.mapType);
  return bpfCall(BPF_MAP_CREATE, MAP_ATTR_SIZE, [], (a) => {
    a.setUint32(0, type, true);
    a.setUint32(4, req.keySize, true);
    a.setUint32(8, req.valueSize, true);
    a.setUint32(12, req.maxEntries, true);
    a.setUint32(16, req.mapFlags ?? 0, true);
    a.setUint32(20, req.innerMapFd ?? 0, true);
    a.setUint32(24, req.numaNode ?? 0, true);
    putObjName(a, 28, req.name);
    a.setUint32(48, req.btfFd ?? 0, true);
    a.setUint32(52, req.btfKeyTypeId ?? 0, true);
    a.setUint32(56, req.btfValueTypeId ?? 0, true);
    a.setUint32(60, req.btfVmlinuxValueTypeId ?? 0, true);
    a.setBigUint64(64, req.mapExtra ?? 0n, true);
  }, ({ res }) => {
    if (res.ret < 0) {
      throw new KernelError('syscall', 'BPF_MAP_CREATE', `${errnoName(res.errno)} creating ${req.name ?? 'map'}`,
        { errno: errnoName(res.errno), errnoNum: res.errno, prog: req.name });
    }
    return res.ret;
  });
}

function elemCall(cmd: number, op: string, fd: number, key: Uint8Array, value: Uint8Array | number | null, flags: number) {
  const valueRegion = typeof value === 'number' ? { size: value } : value ? { bytes: value } : { size: 0 };
  return bpfCall(cmd, ELEM_ATTR_SIZE, [{ bytes: key }, valueRegion], (a, addr) => {
    a.setUint32(0, fd, true);
    a.setBigUint64(8, addr(0), true);
    a.setBigUint64(16, addr(1), true);
    a.setBigUint64(24, BigInt(flags), true);
  }, ({ res, region }) => ({ res, value: region(1).slice() }));
}

/** BPF_ANY = 0, BPF_NOEXIST = 1, BPF_EXIST = 2. Throws KernelError on failure. */
export function mapUpdate(fd: number, key: Uint8Array, value: Uint8Array, flags = 0): void {
  const { res } = elemCall(BPF_MAP_UPDATE_ELEM, 'BPF_MAP_UPDATE_ELEM', fd, key, value, flags);
  if (res.ret < 0) throw new KernelError('syscall', 'BPF_MAP_UPDATE_ELEM', errnoName(res.errno), { errno: errnoName(res.errno), errnoNum: res.errno });
}

/** The value under `key`, or null when there is none (ENOENT). valueSize: bytes to read (per-CPU maps: round_up(value_size, 8) * ncpus). */
export function mapLookup(fd: number, key: Uint8Array, valueSize: number): Uint8Array | null {
  const { res, value } = elemCall(BPF_MAP_LOOKUP_ELEM, 'BPF_MAP_LOOKUP_ELEM', fd, key, valueSize, 0);
  if (res.ret < 0) {
    if (res.errno === ERRNO.ENOENT) return null;
    throw new KernelError('syscall', 'BPF_MAP_LOOKUP_ELEM', errnoName(res.errno), { errno: errnoName(res.errno), errnoNum: res.errno });
  }
  return value;
}

/** Delete `key`; false when it was not there (ENOENT). */
export function mapDelete(fd: number, key: Uint8Array): boolean {
  const { res } = elemCall(BPF_MAP_DELETE_ELEM, 'BPF_MAP_DELETE_ELEM', fd, key, null, 0);
  if (res.ret < 0) {
    if (res.errno === ERRNO.ENOENT) return false;
    throw new KernelError('syscall', 'BPF_MAP_DELETE_ELEM', errnoName(res.errno), { errno: errnoName(res.errno), errnoNum: res.errno });
  }
  return true;
}

/** BPF_MAP_FREEZE: no more writes from user space (libbpf freezes .rodata maps). */
export function mapFreeze(fd: number): void {
  const res = bpfCall(BPF_MAP_FREEZE, 8, [], (a) => { a.setUint32(0, fd, true); }, (v) => v.res);
  if (res.ret < 0) throw new KernelError('syscall', 'BPF_MAP_FREEZE', errnoName(res.errno), { errno: errnoName(res.errno), errnoNum: res.errno });
}
