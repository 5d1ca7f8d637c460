// BPF_OBJ_GET_INFO_BY_FD on a program: struct bpf_prog_info (kernel/bpf/syscall.c
// bpf_prog_get_info_by_fd(); libbpf bpf_prog_get_info_by_fd(), bpftool prog dump).
import { BPF_OBJ_GET_INFO_BY_FD, errnoName } from './sys';
import { bpfCall, fromCString } from './call';
import { KernelError } from './errors';
import { Insn } from '../isa/insn';
import { decodeRaw } from '../isa/codec';

export interface ProgInfo {
  type: number;
  id: number;
  /** 8-byte program tag as 16 hex digits. */
  tag: string;
  name: string;
  jitedLen: number;
  xlatedLen: number;
  verifiedInsns: number;
  gplCompatible: boolean;
  btfId: number;
  nrMapIds: number;
  nrJitedFuncLens: number;
  runTimeNs: bigint;
  runCnt: bigint;
  /** With opts.xlated: the kernel's rewritten instructions. */
  xlated?: Insn[];
  /** With opts.jited: the native image (x86-64 bytes). */
  jited?: Uint8Array;
  /** With opts.jited: length of each function's image (main program first). */
  jitedFuncLens?: number[];
  /** With opts.jited: kernel address of each function. */
  jitedKsyms?: bigint[];
  /** With opts.funcInfo: the first instruction (in xlated numbering) and BTF type of each function with func_info. */
  funcInfo?: { insnOff: number; typeId: number }[];
}

const INFO_SIZE = 232; // sizeof(struct bpf_prog_info) in 6.x
const INFO_ATTR_SIZE = 16;

/** Info about a loaded program; with xlated/jited also its instruction dumps. */
export function progInfo(fd: number, opts: { xlated?: boolean; jited?: boolean; funcInfo?: boolean } = {}): ProgInfo {
  // First call: lengths.
  const first = bpfInfo(fd, []);
  const d = first.info;
  const base: ProgInfo = {
    type: d.getUint32(0, true),
    id: d.getUint32(4, true),
    tag: Array.from(new Uint8Array(d.buffer, 8, 8), (b) => b.toString(16).padStart(2, '0')).join(''),
    jitedLen: d.getUint32(16, true),
    xlatedLen: d.getUint32(20, true),
    nrMapIds: d.getUint32(52, true),
    name: fromCString(new Uint8Array(d.buffer, 64, 16)),
    gplCompatible: (d.getUint32(84, true) & 1) === 1,
    nrJitedFuncLens: d.getUint32(108, true),
    btfId: d.getUint32(128, true),
    runTimeNs: d.getBigUint64(192, true),
    runCnt: d.getBigUint64(200, true),
    verifiedInsns: d.getUint32(216, true),
  };
  if (!opts.xlated && !opts.jited && !opts.funcInfo) return base;
  const nrKsyms = d.getUint32(104, true);
  const nrFuncInfo = d.getUint32(144, true), funcInfoRecSize = d.getUint32(132, true);
  const want: { field: string; size: number }[] = [];
  if (opts.xlated) want.push({ field: 'xlated', size: base.xlatedLen });
  if (opts.jited) {
    want.push({ field: 'jited', size: base.jitedLen });
    want.push({ field: 'lens', size: base.nrJitedFuncLens * 4 });
    want.push({ field: 'ksyms', size: nrKsyms * 8 });
  }
  if (opts.funcInfo) want.push({ field: 'funcInfo', size: nrFuncInfo * funcInfoRecSize });
  const second = bpfInfo(fd, want.map((w) => w.size), (info, addr) => {
    want.forEach((w, i) => {
      const a = w.size ? addr(i) : 0n;
      switch (w.field) {
        case 'xlated': info.setUint32(20, w.size, true); info.setBigUint64(32, a, true); break;
        case 'jited': info.setUint32(16, w.size, true); info.setBigUint64(24, a, true); break;
        case 'lens': info.setUint32(108, base.nrJitedFuncLens, true); info.setBigUint64(120, a, true); break;
        case 'ksyms': info.setUint32(104, nrKsyms, true); info.setBigUint64(112, a, true); break;
        case 'funcInfo': info.setUint32(144, nrFuncInfo, true); info.setUint32(132, funcInfoRecSize, true); info.setBigUint64(136, a, true); break;
      }
    });
  });
  want.forEach((w, i) => {
    const bytes = second.regions[i];
    switch (w.field) {
      case 'xlated': base.xlated = decodeRaw(bytes.subarray(0, Math.min(bytes.length, second.info.getUint32(20, true)))); break;
      case 'jited': base.jited = bytes.subarray(0, Math.min(bytes.length, second.info.getUint32(16, true))); break;
      case 'lens': {
        const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        base.jitedFuncLens = Array.from({ length: bytes.length / 4 }, (_, k) => dv.getUint32(k * 4, true));
        break;
      }
      case 'ksyms': {
        const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        base.jitedKsyms = Array.from({ length: bytes.length / 8 }, (_, k) => dv.getBigUint64(k * 8, true));
        break;
      }
      case 'funcInfo': { // struct bpf_func_info { insn_off; type_id }
        const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        base.funcInfo = Array.from({ length: nrFuncInfo }, (_, k) => ({ insnOff: dv.getUint32(k * funcInfoRecSize, true), typeId: dv.getUint32(k * funcInfoRecSize + 4, true) }));
        break;
      }
    }
  });
  return base;
}

/** One BPF_OBJ_GET_INFO_BY_FD: `fillInfo` writes request fields into the info struct (addr(i) = address of buffer i). */
function bpfInfo(fd: number, sizes: number[], fillInfo?: (info: DataView, addr: (i: number) => bigint) => void):
  { info: DataView; regions: Uint8Array[] } {
  return bpfCall(BPF_OBJ_GET_INFO_BY_FD, INFO_ATTR_SIZE, [{ size: INFO_SIZE }, ...sizes.map((size) => ({ size }))],
    (a, addr, region) => {
      a.setUint32(0, fd, true);
      a.setUint32(4, INFO_SIZE, true);
      a.setBigUint64(8, addr(0), true);
      if (fillInfo) {
        const r0 = region(0);
        fillInfo(new DataView(r0.buffer, r0.byteOffset, r0.byteLength), (i) => addr(i + 1));
      }
    },
    ({ res, region }) => {
      if (res.ret < 0) {
        throw new KernelError('syscall', 'BPF_OBJ_GET_INFO_BY_FD', `${errnoName(res.errno)} on fd ${fd}`,
          { errno: errnoName(res.errno), errnoNum: res.errno });
      }
      const info = region(0).slice();
      return { info: new DataView(info.buffer), regions: sizes.map((_, i) => region(i + 1).slice()) };
    });
}
