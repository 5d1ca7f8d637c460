// One program on the live kernel, end to end: load (BPF_PROG_LOAD), optionally
// test-run (BPF_PROG_TEST_RUN) and dump (BPF_OBJ_GET_INFO_BY_FD), close
// everything. Also the mapping of bpf_conformance "-- mem" bytes onto a kernel
// program (see docs/kernel-differences.md, "Running bpf_conformance programs").
// Models what the kernel selftests' test_loader (tools/testing/selftests/bpf/
// test_loader.c do_prog_test_run) does with __retval: 64 zero bytes of packet data.
import { Insn, insn, ldImm64 } from '../isa/insn';
import { progLoad, ProgLoadReq, testRun } from './prog';
import { progInfo } from './info';
import { mapCreate, mapLookup, mapUpdate } from './map';
import { sysClose } from './sys';
import { KernelError } from './errors';
import { progTypeNum } from './types';
import { PROG_TYPE, ProgTypeName, progTypeName } from '../isa/uapi';
import { DEFAULT_DATA_IN_SIZE } from '../runtime/context';

export interface KernelProgram {
  name: string;
  insns: readonly Insn[];
  progType: number | string;
  license?: string;
  expectedAttachType?: number | string;
  btf?: Uint8Array;
  /** An already loaded BTF fd (instead of btf). */
  btfFd?: number;
  funcInfo?: Uint8Array;
  lineInfo?: Uint8Array;
  fdArray?: readonly number[];
  attachBtfId?: number;
  /** attach_prog_fd: attachBtfId names a function of this loaded program (the same attr field as attach_btf_obj_fd). */
  attachProgFd?: number;
  progFlags?: number;
  kernVersion?: number;
}

export interface KernelInput {
  /** bpf_conformance memory: r1 = pointer to these bytes, r2 = their length. */
  mem?: Uint8Array;
  /** data_in (default for a run without mem/ctx: 64 zero bytes). */
  packet?: Uint8Array;
  /** ctx_in. */
  ctx?: Uint8Array;
}

/**
 * How `mem` reaches the program:
 * - 'map-value' (default): the bytes are the value of a one-entry array map;
 *   a prologue looks it up and sets r1 = value pointer, r2 = length. r1 is
 *   then PTR_TO_MAP_VALUE, which allows pointer arithmetic and variable
 *   offsets within the value, as the conformance programs expect.
 * - 'syscall-ctx': a BPF_PROG_TYPE_SYSCALL program gets the bytes as ctx_in
 *   (r1 = PTR_TO_CTX), a prologue sets r2 = length. Only constant offsets
 *   from r1 verify.
 */
export type MemMapping = 'map-value' | 'syscall-ctx';

export interface KernelRunOpts {
  logLevel?: number;
  /** The log buffer's first size (progLoad grows it on ENOSPC; default 1 MiB). */
  logSize?: number;
  /** Test-run after a successful load. */
  run?: boolean;
  /** 'all': xlated and jited, with func_info (what `bpfx jit --kernel` compares). */
  dump?: 'xlated' | 'jited' | 'all';
  memMapping?: MemMapping;
  repeat?: number;
  /**
   * Report the full 64-bit r0: the program becomes a static subprogram of a
   * wrapper that stores its r0 in a one-entry array map (see wideWrapper).
   * Only for programs without BTF func_info/line_info; the map-value mem mapping.
   */
  wideRetval?: boolean;
  /** Called with the program's fd once it loads, before the test run (fill a prog array, load a program that attaches to it). */
  onLoaded?: (fd: number) => void;
}

export interface KernelVerdict {
  prog: string;
  verdict: 'accept' | 'reject';
  errno: string | null;
  log: string;
  /** Test-run return value (the kernel reports 32 bits), null when not run. */
  retval: bigint | null;
  /** Why the test run failed (e.g. 'EINVAL'), null when it ran or was not asked for. */
  runError: string | null;
  xlatedInsns: number | null;
  jitedBytes: number | null;
  verifiedInsns: number | null;
  /** Instructions prepended by the mem mapping (log indices are shifted by this). */
  prologueInsns: number;
  xlated?: Insn[];
  jited?: Uint8Array;
  jitedFuncLens?: number[];
  /** Kernel address of each JITed function (for disassembly). */
  jitedKsyms?: bigint[];
  /** With dump 'all': func_info records (insn_off in xlated numbering). */
  funcInfo?: { insnOff: number; typeId: number }[];
  /** With wideRetval: the 32-bit retval BPF_PROG_TEST_RUN reported. */
  retval32?: bigint;
  /** With wideRetval: 64 when retval holds all of r0, 32 when the program threw (the wrapper never got r0). */
  retvalBits?: 32 | 64;
  /** mem after the run (the program may write it). */
  memOut?: Uint8Array;
  /** Test run data_out (the packet after the program), when the run took packet data. */
  dataOut?: Uint8Array;
  /** Test run ctx_out, when a ctx_in was given. */
  ctxOut?: Uint8Array;
  /** BPF_PROG_TEST_RUN's duration: the average ns of one run (over `repeat` runs). */
  duration?: number;
}

const BPF_F_SLEEPABLE = 1 << 4;

/** Program types whose BPF_PROG_TEST_RUN takes packet data (net/bpf/test_run.c bpf_prog_test_run_skb/_xdp/_flow_dissector). */
const PACKET_TYPES: ReadonlySet<ProgTypeName> = new Set<ProgTypeName>(['socket_filter', 'sched_cls', 'sched_act', 'xdp', 'cgroup_skb', 'lwt_in', 'lwt_out', 'lwt_xmit', 'lwt_seg6local', 'flow_dissector']);
const takesPacket = (t: number | string): boolean => PACKET_TYPES.has(progTypeName(progTypeNum(t)) ?? 'unspec');

const readsR2 = (insns: readonly Insn[]): boolean => insns.some((n) => n.src === 2 || n.dst === 2);

/** The map-value prologue: r1 = &value of key 0 of map `mapFd`, r2 = len (10 slots: ld_imm64 takes two). */
export function memMapPrologue(mapFd: number, len: number): Insn[] {
  return [
    insn(0x62, 10, 0, -4, 0),            // *(u32 *)(r10 - 4) = 0
    ...ldImm64(1, BigInt(mapFd), 1),     // r1 = map[fd] ll
    insn(0xbf, 2, 10, 0, 0),             // r2 = r10
    insn(0x07, 2, 0, 0, -4),             // r2 += -4
    insn(0x85, 0, 0, 0, 1),              // call bpf_map_lookup_elem
    insn(0x55, 0, 0, 1, 0),              // if r0 != 0x0 goto pc+1
    insn(0x95, 0, 0, 0, 0),              // exit
    insn(0xbf, 1, 0, 0, 0),              // r1 = r0
    insn(0xb7, 2, 0, 0, len),            // r2 = len
  ];
}

/**
 * The wide-retval wrapper (22 slots with mem, 15 without): look up the result
 * map's value (r6), with mem also the mem map's value (r1 = value, r2 = len; else
 * r1 = the original ctx, kept in r7), call the program as a static subprogram
 * placed right after the wrapper, store its r0 at *(u64 *)r6 and 1 at
 * *(u64 *)(r6 + 8), and exit with r0. A program that ends by bpf_throw never
 * returns to the wrapper: the flag stays 0 and only the 32-bit retval is known.
 */
export function wideWrapper(resFd: number, mem: { fd: number; len: number } | null): Insn[] {
  const lookup = (fd: number): Insn[] => [
    insn(0x62, 10, 0, -4, 0), ...ldImm64(1, BigInt(fd), 1), insn(0xbf, 2, 10, 0, 0), insn(0x07, 2, 0, 0, -4),
    insn(0x85, 0, 0, 0, 1), insn(0x55, 0, 0, 1, 0), insn(0x95, 0, 0, 0, 0),
  ];
  const w: Insn[] = [insn(0xbf, 7, 1, 0, 0), ...lookup(resFd), insn(0xbf, 6, 0, 0, 0)];
  if (mem) w.push(...lookup(mem.fd), insn(0xbf, 1, 0, 0, 0), insn(0xb7, 2, 0, 0, mem.len));
  else w.push(insn(0xbf, 1, 7, 0, 0));
  w.push(insn(0x85, 0, 1, 0, 3), insn(0x7b, 6, 0, 0, 0), insn(0x7a, 6, 0, 8, 1), insn(0x95, 0, 0, 0, 0));
  return w;
}

/** Load (and optionally run and dump) one program; every fd opened here is closed before returning. */
export function kernelRun(p: KernelProgram, input: KernelInput = {}, opts: KernelRunOpts = {}): KernelVerdict {
  const mapping = opts.memMapping ?? 'map-value';
  let insns = p.insns;
  let progType: number | string = p.progType;
  let mapFd = -1;
  let resFd = -1;
  let prologue: Insn[] = [];
  const mem = input.mem;
  try {
    if (opts.wideRetval) {
      if (mapping !== 'map-value') throw new KernelError('bad-request', 'wide retval', 'wideRetval needs the map-value mem mapping', { prog: p.name });
      if (p.funcInfo?.length || p.lineInfo?.length) throw new KernelError('bad-request', 'wide retval', 'a wrapper cannot be added to a program with func_info/line_info', { prog: p.name });
      resFd = mapCreate({ mapType: 'array', keySize: 4, valueSize: 16, maxEntries: 1, name: 'bpfx_ret' });
      if (mem && mem.length) {
        mapFd = mapCreate({ mapType: 'array', keySize: 4, valueSize: mem.length, maxEntries: 1, name: 'bpfx_mem' });
        mapUpdate(mapFd, new Uint8Array(4), mem);
      }
      prologue = wideWrapper(resFd, mapFd >= 0 ? { fd: mapFd, len: mem!.length } : null);
      insns = [...prologue, ...insns];
    } else if (mem && mem.length) {
      if (mapping === 'map-value') {
        mapFd = mapCreate({ mapType: 'array', keySize: 4, valueSize: mem.length, maxEntries: 1, name: 'bpfx_mem' });
        mapUpdate(mapFd, new Uint8Array(4), mem);
        prologue = memMapPrologue(mapFd, mem.length);
      } else {
        progType = 'syscall';
        if (readsR2(insns)) prologue = [insn(0xb7, 2, 0, 0, mem.length)];
      }
      if (prologue.length && (p.funcInfo?.length || p.lineInfo?.length)) {
        throw new KernelError('bad-request', 'mem mapping', 'a prologue cannot be added to a program with func_info/line_info', { prog: p.name });
      }
      insns = [...prologue, ...insns];
    }
    const req: ProgLoadReq = {
      insns, progType, license: p.license, logLevel: opts.logLevel, logSize: opts.logSize, expectedAttachType: p.expectedAttachType,
      btf: p.btf, btfFd: p.btfFd, kernVersion: p.kernVersion, funcInfo: p.funcInfo, lineInfo: p.lineInfo, fdArray: p.fdArray, attachBtfId: p.attachBtfId, attachBtfObjFd: p.attachProgFd,
      // BPF_PROG_TYPE_SYSCALL must be sleepable ("Syscall programs can only be sleepable"); libbpf's SEC("syscall") sets it.
      progFlags: (p.progFlags ?? 0) | (progTypeNum(progType) === PROG_TYPE.syscall ? BPF_F_SLEEPABLE : 0), name: p.name,
    };
    const r = progLoad(req);
    const out: KernelVerdict = {
      prog: p.name, verdict: r.ok ? 'accept' : 'reject', errno: r.ok ? null : r.errno, log: r.log,
      retval: null, runError: null, xlatedInsns: null, jitedBytes: null,
      verifiedInsns: r.verifiedInsns ?? null, prologueInsns: prologue.length,
    };
    if (!r.ok) return out;
    try {
      opts.onLoaded?.(r.fd);
      const all = opts.dump === 'all';
      const info = progInfo(r.fd, { xlated: opts.dump === 'xlated' || all, jited: opts.dump === 'jited' || all, funcInfo: all });
      out.xlatedInsns = info.xlatedLen / 8;
      out.jitedBytes = info.jitedLen;
      out.verifiedInsns = info.verifiedInsns;
      if (info.xlated) out.xlated = info.xlated;
      if (info.jited) { out.jited = info.jited; out.jitedFuncLens = info.jitedFuncLens; out.jitedKsyms = info.jitedKsyms; }
      if (info.funcInfo) out.funcInfo = info.funcInfo;
      if (opts.run) {
        try {
          const syscallType = progTypeNum(progType) === PROG_TYPE.syscall;
          const res = syscallType
            ? testRun(r.fd, { ctxIn: mem && mem.length ? mem : input.ctx, ctxSizeOut: 0, dataSizeOut: 0 })
            : testRun(r.fd, { dataIn: input.packet ?? (takesPacket(progType) ? new Uint8Array(DEFAULT_DATA_IN_SIZE) : undefined), ctxIn: input.ctx, repeat: opts.repeat });
          out.retval = BigInt(res.retval >>> 0);
          out.duration = res.duration;
          if (!syscallType && res.dataOut) out.dataOut = res.dataOut;
          if (!syscallType && res.ctxOut) out.ctxOut = res.ctxOut;
          if (resFd >= 0) {
            const wide = mapLookup(resFd, new Uint8Array(4), 16);
            out.retval32 = out.retval;
            const dv = wide ? new DataView(wide.buffer, wide.byteOffset, 16) : null;
            if (dv && dv.getBigUint64(8, true) === 1n) { out.retval = dv.getBigUint64(0, true); out.retvalBits = 64; } else out.retvalBits = 32;
          }
          if (mapFd >= 0 && mem) out.memOut = mapLookup(mapFd, new Uint8Array(4), mem.length) ?? undefined;
        } catch (e) {
          if (!(e instanceof KernelError)) throw e;
          out.runError = e.errno ?? e.message;
        }
      }
    } finally {
      sysClose(r.fd);
    }
    return out;
  } finally {
    if (mapFd >= 0) sysClose(mapFd);
    if (resFd >= 0) sysClose(resFd);
  }
}

const hex = (v: bigint): string => '0x' + v.toString(16);

/** The one-line JSON shared by `bpfx kernel|verify|run --json`. */
export function verdictJson(v: KernelVerdict): string {
  return JSON.stringify({
    prog: v.prog, verdict: v.verdict, errno: v.errno, log: v.log,
    retval: v.retval === null ? null : hex(v.retval),
    xlated_insns: v.xlatedInsns, jited_bytes: v.jitedBytes, verified_insns: v.verifiedInsns,
  });
}
