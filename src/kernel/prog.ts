// BPF_PROG_LOAD and BPF_PROG_TEST_RUN (kernel/bpf/syscall.c bpf_prog_load(),
// bpf_prog_test_run(); net/bpf/test_run.c; libbpf bpf_prog_load() with its
// log-buffer retry, bpf_prog_test_run_opts()).
import { Insn } from '../isa/insn';
import { encode } from '../isa/codec';
import { BPF_PROG_LOAD, BPF_PROG_TEST_RUN, errnoName, sysClose } from './sys';
import { ERRNO, ErrnoName } from '../isa/uapi';
import { bpfCall, cString, fromCString, putObjName } from './call';
import { KernelError } from './errors';
import { attachTypeNum, progTypeNum } from './types';
import { btfLoad } from './btf';
import { progInfo } from './info';

export interface ProgLoadReq {
  insns: readonly Insn[];
  progType: number | string;
  /** Default 'GPL' (bpf_throw and many helpers need a GPL-compatible license). */
  license?: string;
  /**
   * 0, 1 or 2 (bit 2 = BPF_LOG_STATS also allowed). When omitted: load with
   * level 0 and, if rejected, load again at level 1 to get the verifier's
   * message (as libbpf does).
   */
  logLevel?: number;
  /** Initial log buffer size (attr->log_size); grown on ENOSPC unless growLog is false. Default 1 MiB. */
  logSize?: number;
  /** false: pass logSize as it is, and answer ENOSPC (with the rotated log) when the log did not fit. Default true. */
  growLog?: boolean;
  expectedAttachType?: number | string;
  /** Raw BTF bytes; loaded (BPF_BTF_LOAD) for prog_btf_fd and closed after the load. */
  btf?: Uint8Array;
  /** An already loaded BTF fd (used instead of `btf`). */
  btfFd?: number;
  /** bpf_func_info records (insn_off, type_id), 8 bytes each unless funcInfoRecSize says otherwise. */
  funcInfo?: Uint8Array;
  funcInfoRecSize?: number;
  /** bpf_line_info records, 16 bytes each unless lineInfoRecSize says otherwise. */
  lineInfo?: Uint8Array;
  lineInfoRecSize?: number;
  /** fd_array: BTF fds of kernel modules for kfunc calls (insn.off indexes it), or map fds. */
  fdArray?: readonly number[];
  name?: string;
  progFlags?: number;
  kernVersion?: number;
  attachBtfId?: number;
  /** attach_btf_obj_fd, or attach_prog_fd (the same field): the object attachBtfId is an id of. */
  attachBtfObjFd?: number;
}

export type ProgLoadResult =
  | { ok: true; fd: number; log: string; verifiedInsns?: number }
  | { ok: false; errno: ErrnoName; errnoNum: number; log: string; verifiedInsns?: number; stage?: 'btf' | 'prog' };

const PROG_ATTR_SIZE = 144; // offsetofend(log_true_size)
const MAX_LOG = 0xffffffff >>> 2; // kernel: log_size <= UINT_MAX >> 2

/** "processed N insns" of the verifier's final statistics line, if logged. */
export function parseVerifiedInsns(log: string): number | undefined {
  const m = /processed (\d+) insns/.exec(log);
  return m ? Number(m[1]) : undefined;
}

function u32s(xs: readonly number[]): Uint8Array {
  const b = new Uint8Array(xs.length * 4);
  const dv = new DataView(b.buffer);
  xs.forEach((x, i) => dv.setUint32(i * 4, x >>> 0, true));
  return b;
}

interface RawLoad { ret: number; errno: number; log: string; trueSize: number }

function loadOnce(req: ProgLoadReq, type: number, attach: number, btfFd: number, code: Uint8Array,
  license: Uint8Array, fdArray: Uint8Array | undefined, level: number, logSize: number): RawLoad {
  const fiRec = req.funcInfoRecSize ?? 8, liRec = req.lineInfoRecSize ?? 16;
  const fi = req.funcInfo && req.funcInfo.length ? req.funcInfo : undefined;
  const li = req.lineInfo && req.lineInfo.length ? req.lineInfo : undefined;
  return bpfCall(BPF_PROG_LOAD, PROG_ATTR_SIZE,
    [{ bytes: code }, { bytes: license }, { size: level ? logSize : 0 }, { bytes: fi }, { bytes: li }, { bytes: fdArray }],
    (a, addr) => {
      a.setUint32(0, type, true);
      a.setUint32(4, code.length / 8, true);
      a.setBigUint64(8, addr(0), true);
      a.setBigUint64(16, addr(1), true);
      a.setUint32(24, level, true);
      a.setUint32(28, level ? logSize : 0, true);
      a.setBigUint64(32, level ? addr(2) : 0n, true);
      a.setUint32(40, req.kernVersion ?? 0, true);
      a.setUint32(44, req.progFlags ?? 0, true);
      putObjName(a, 48, req.name);
      a.setUint32(68, attach, true);
      a.setUint32(72, btfFd, true);
      if (fi) {
        a.setUint32(76, fiRec, true);
        a.setBigUint64(80, addr(3), true);
        a.setUint32(88, Math.floor(fi.length / fiRec), true);
      }
      if (li) {
        a.setUint32(92, liRec, true);
        a.setBigUint64(96, addr(4), true);
        a.setUint32(104, Math.floor(li.length / liRec), true);
      }
      a.setUint32(108, req.attachBtfId ?? 0, true);
      a.setUint32(112, req.attachBtfObjFd ?? 0, true);
      if (fdArray) a.setBigUint64(120, addr(5), true);
    },
    (v) => ({ ret: v.res.ret, errno: v.res.errno, log: level ? fromCString(v.region(2)) : '', trueSize: v.attr.getUint32(140, true) }));
}

/**
 * Load a program. A rejection is a result (ok: false, errno name, verifier
 * log), not an exception; KernelError is thrown only for unusable requests.
 * The caller owns the returned fd: closeFd() it.
 */
export function progLoad(req: ProgLoadReq): ProgLoadResult {
  const type = progTypeNum(req.progType);
  const attach = req.expectedAttachType === undefined ? 0 : attachTypeNum(req.expectedAttachType);
  if (!req.insns.length) throw new KernelError('bad-request', 'BPF_PROG_LOAD', 'no instructions', { prog: req.name });
  const code = encode(req.insns);
  const license = cString(req.license ?? 'GPL');
  const fdArray = req.fdArray && req.fdArray.length ? u32s(req.fdArray) : undefined;
  const explicit = req.logLevel !== undefined;
  let level = req.logLevel ?? 0;
  const growLog = req.growLog !== false;
  let logSize = req.logSize ?? 1 << 20;
  if (level && growLog && logSize < 128) logSize = 128;

  let btfFd = req.btfFd ?? 0;
  let ownBtf = false;
  if (!req.btfFd && req.btf) {
    const b = btfLoad(req.btf, { logLevel: level || undefined });
    if (!b.ok) return { ok: false, errno: b.errno, errnoNum: b.errnoNum, log: b.log, stage: 'btf' };
    btfFd = b.fd;
    ownBtf = true;
  }
  try {
    for (;;) {
      const r = loadOnce(req, type, attach, btfFd, code, license, fdArray, level, logSize);
      if (r.ret >= 0) {
        let verifiedInsns = parseVerifiedInsns(r.log);
        if (verifiedInsns === undefined) {
          try { verifiedInsns = progInfo(r.ret).verifiedInsns; } catch { /* info is best effort */ }
        }
        return { ok: true, fd: r.ret, log: r.log, verifiedInsns };
      }
      if (r.errno === ERRNO.ENOSPC && level && growLog && logSize < MAX_LOG) {
        logSize = Math.min(MAX_LOG, Math.max(r.trueSize + 1, logSize * 4));
        continue;
      }
      if (!explicit && level === 0) { level = 1; continue; }
      return { ok: false, errno: errnoName(r.errno), errnoNum: r.errno, log: r.log, verifiedInsns: parseVerifiedInsns(r.log), stage: 'prog' };
    }
  } finally {
    if (ownBtf) sysClose(btfFd);
  }
}

export interface TestRunOpts {
  dataIn?: Uint8Array;
  ctxIn?: Uint8Array;
  repeat?: number;
  flags?: number;
  cpu?: number;
  /** Room for data_out (default dataIn.length + 512, 0 for none). */
  dataSizeOut?: number;
  /** Room for ctx_out (default ctxIn.length, 0 for none). */
  ctxSizeOut?: number;
}

export interface TestRunResult {
  /** The program's return value (u32, as the kernel reports it). */
  retval: number;
  /** Average run time in ns. */
  duration: number;
  dataOut?: Uint8Array;
  ctxOut?: Uint8Array;
}

const TEST_ATTR_SIZE = 80; // offsetofend(batch_size), rounded up to 8

/** BPF_PROG_TEST_RUN; throws KernelError (kind 'syscall') when the kernel refuses to run. */
export function testRun(fd: number, opts: TestRunOpts = {}): TestRunResult {
  const dataIn = opts.dataIn, ctxIn = opts.ctxIn;
  const dataOutSize = opts.dataSizeOut ?? (dataIn ? dataIn.length + 512 : 0);
  const ctxOutSize = opts.ctxSizeOut ?? (ctxIn ? ctxIn.length : 0);
  return bpfCall(BPF_PROG_TEST_RUN, TEST_ATTR_SIZE,
    [{ bytes: dataIn }, { size: dataOutSize }, { bytes: ctxIn }, { size: ctxOutSize }],
    (a, addr) => {
      a.setUint32(0, fd, true);
      a.setUint32(8, dataIn?.length ?? 0, true);
      a.setUint32(12, dataOutSize, true);
      a.setBigUint64(16, dataIn?.length ? addr(0) : 0n, true);
      a.setBigUint64(24, dataOutSize ? addr(1) : 0n, true);
      a.setUint32(32, opts.repeat ?? 0, true);
      a.setUint32(40, ctxIn?.length ?? 0, true);
      a.setUint32(44, ctxOutSize, true);
      a.setBigUint64(48, ctxIn?.length ? addr(2) : 0n, true);
      a.setBigUint64(56, ctxOutSize ? addr(3) : 0n, true);
      a.setUint32(64, opts.flags ?? 0, true);
      a.setUint32(68, opts.cpu ?? 0, true);
    },
    ({ res, attr, region }) => {
      if (res.ret < 0) {
        throw new KernelError('syscall', 'BPF_PROG_TEST_RUN', `${errnoName(res.errno)} running program fd ${fd}`,
          { errno: errnoName(res.errno), errnoNum: res.errno });
      }
      const out: TestRunResult = { retval: attr.getUint32(4, true), duration: attr.getUint32(36, true) };
      if (dataOutSize) out.dataOut = region(1).slice(0, attr.getUint32(12, true));
      if (ctxOutSize) out.ctxOut = region(3).slice(0, attr.getUint32(44, true));
      return out;
    });
}

/** progLoad that throws KernelError (kind 'rejected', errno name, verifier log) when the program is refused. */
export function progLoadOrThrow(req: ProgLoadReq): { fd: number; log: string; verifiedInsns?: number } {
  const r = progLoad(req);
  if (r.ok) return r;
  const lines = r.log.split('\n').filter((l) => l && !/^processed \d+ insns/.test(l));
  throw new KernelError('rejected', r.stage === 'btf' ? 'BPF_BTF_LOAD' : 'BPF_PROG_LOAD',
    `${r.errno}: ${lines[lines.length - 1] ?? 'no verifier log'}`, { errno: r.errno, errnoNum: r.errnoNum, log: r.log, prog: req.name });
}
