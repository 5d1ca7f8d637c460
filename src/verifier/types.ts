// Input and output of the verifier model: what BPF_PROG_LOAD gives the kernel's
// bpf_check() (insns, prog type, expected attach type, func_info, program BTF,
// kfunc resolution through vmlinux BTF) and what it returns (verdict, errno, log).
import { Insn } from '../isa/insn';
import { ATTACH_TYPE, Errno, MAP_TYPE, PROG_TYPE, progTypeName as uapiProgTypeName } from '../isa/uapi';
import { Btf } from '../btf/btf';

// The UAPI numbers live in src/isa/uapi.ts; these names are kept for the
// verifier's users (PROG_TYPES.xdp, ATTACH_TYPES[name], progTypeNumber('tc')).
// They keep their old types (indexable by any string).
export { PROG_TYPE_ALIASES, progTypeNumber } from '../isa/uapi';
export type { Errno } from '../isa/uapi';
export const PROG_TYPES: Readonly<Record<string, number>> = PROG_TYPE;
export const ATTACH_TYPES: Readonly<Record<string, number>> = ATTACH_TYPE;

/** The libbpf name of a program type, `unknown(N)` for a number the UAPI table does not name. */
export const progTypeName = (t: number): string => uapiProgTypeName(t) ?? `unknown(${t})`;

/**
 * One struct bpf_line_info record with its strings resolved in the program's BTF: the
 * source line and file name the log prints before the instructions it covers.
 */
export interface LineInfo { insnOff: number; line: string; fileName: string; lineNum: number }

/** One struct bpf_func_info record. */
export interface FuncInfo { insnOff: number; typeId: number }

/** A kernel function known through vmlinux (or module) BTF. */
export interface KfuncInfo { name: string; argCount?: number }

export interface VerifyOptions {
  /** BPF_LOG_LEVEL: 0, 1, 2 (and 4 = stats), as in attr->log_level. */
  logLevel?: number;
  /**
   * attr->log_size in bytes: the log rotates and keeps its last logSize - 1 bytes, and a
   * log that needed more fails the load with ENOSPC (bpf_vlog_finalize). Default: the
   * kernel's largest, BPF_LOG_SIZE_MAX (what the kernel engine reaches by growing its buffer).
   */
  logSize?: number;
  /** Model a loader without CAP_BPF (allow_uninit_stack etc. off). Default: privileged. */
  unprivileged?: boolean;
  /** Instruction limit (BPF_COMPLEXITY_LIMIT_INSNS). */
  insnLimit?: number;
  /** Monotonic clock in ns for the `verification time` line; pure callers may pass a fake. */
  clockNs?: () => bigint;
  /** Also compute the rewritten program (`xlated`) of an accepted program. */
  xlated?: boolean;
  /** The kernel answered for (messages and behaviours); default: the newest profile. */
  profile?: import('./profiles').KernelProfile;
}

/** A special field of a map value (the map's btf_record), named as btf_field_type_name prints it. */
export interface MapField {
  kind: 'bpf_spin_lock' | 'bpf_res_spin_lock' | 'bpf_timer' | 'bpf_wq' | 'kptr' | 'bpf_list_head' | 'bpf_rb_root' | 'bpf_refcount'
    | 'bpf_task_work' | 'bpf_list_node' | 'bpf_rb_node';
  offset: number; size: number;
  /** A graph root's `contains:<struct>:<member>` decl tag, resolved (struct btf_field_graph_root); absent when not found. */
  graph?: GraphRootInfo;
}

/** The node type of a bpf_list_head / bpf_rb_root: the struct's id and name in the program's BTF and the node member's offset. */
export interface GraphRootInfo { valueTypeId: number; valueName: string; nodeOffset: number }

/** A map the program references by fd (ld_imm64 src_reg BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE). */
export interface MapInfo {
  type: number; keySize: number; valueSize: number; maxEntries: number; name: string;
  /** map_flags: BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG matter to the verifier. */
  flags?: number;
  /** Frozen (BPF_MAP_FREEZE) before the program loads, as libbpf does for .rodata and .kconfig. */
  frozen?: boolean;
  /** The single value of an array map whose contents the verifier may read (frozen and read-only). */
  initialValue?: Uint8Array;
  /** Special fields of the value (spin lock, timer, kptr, ...), from the map's value BTF. */
  fields?: readonly MapField[];
  /** The inner map of a map-in-map (inner_map_meta). */
  inner?: MapInfo;
}

export const BPF_MAP_TYPE_PROG_ARRAY = MAP_TYPE.prog_array;
export const BPF_MAP_TYPE_SOCKMAP = MAP_TYPE.sockmap;
export const BPF_MAP_TYPE_XSKMAP = MAP_TYPE.xskmap;
export const BPF_MAP_TYPE_SOCKHASH = MAP_TYPE.sockhash;

export interface VerifyInput extends VerifyOptions {
  insns: readonly Insn[];
  progType: number;
  expectedAttachType?: number;
  /** attr->attach_btf_id for tracing/lsm programs (0 or absent: none). */
  attachBtfId?: number;
  /** attr->attach_prog_fd is set: attachBtfId is a function of that BPF program (not modelled yet). */
  attachToProgram?: boolean;
  funcInfo?: readonly FuncInfo[];
  /** bpf_line_info records, sorted by insnOff (the first at 0), as the kernel checked them. */
  lineInfo?: readonly LineInfo[];
  /** The program's BTF (prog_btf_fd), src/btf's model. */
  btf?: Btf;
  /** Resolves a kfunc call (imm = vmlinux BTF id, off = module fd index). */
  kfunc?: (btfId: number, off: number) => KfuncInfo | undefined;
  /** Maps by fd, as the kernel finds them through the fd in ld_imm64. */
  maps?: ReadonlyMap<number, MapInfo>;
  /** The running kernel's BTF (btf_vmlinux): kfunc prototypes, struct ids, context types. */
  vmlinuxBtf?: Btf;
  /** nr_cpu_ids of the kernel answered for (bpf_get_smp_processor_id's range). */
  nrCpuIds?: number;
  /** The license is GPL-compatible (default true). */
  gplCompatible?: boolean;
  /** BPF_F_SLEEPABLE */
  sleepable?: boolean;
  /** BPF_F_STRICT_ALIGNMENT (env->strict_alignment): every access is checked for alignment, packets with NET_IP_ALIGN */
  strictAlignment?: boolean;
  /** The program is JIT-compiled (tail calls in programs with subprogs need it); default true. */
  jitted?: boolean;
  /**
   * The address of a kernel symbol (/proc/kallsyms of the kernel answered for): xlated
   * helper and kfunc calls carry BPF_CALL_IMM (address minus __bpf_call_base), ld_imm64 of a
   * kernel symbol its address. Absent: calls keep their ids, such ld_imm64 are not modelled.
   */
  kernelSymbol?: (name: string) => bigint | undefined;
}

export interface VerifyStats {
  insnProcessed: number;
  totalStates: number;
  peakStates: number;
  maxStatesPerInsn: number;
  durationUsec: number;
  /** Per-subprog stack depth, as `stack depth` prints it (subprogs no path reached are left out). */
  stackDepths: number[];
  /** Per-subprog stack depth of every subprog, reached or not (what a JIT of the unpruned program needs). */
  allStackDepths: number[];
}

export interface VerifyResult {
  verdict: 'accept' | 'reject';
  errno: Errno | null;
  log: string;
  /** The first error line (the kernel's message), '' when accepted. */
  error: string;
  /** True when the rejection is `not modelled yet: ...` (we could not decide). */
  notModelled: boolean;
  /** The program throws without an exception callback: the kernel appended its default one (r0 = 0; exit). */
  hiddenExceptionCallback: boolean;
  stats: VerifyStats;
  /** attr->log_true_size: the bytes the whole log needed, its terminating zero included (0 without a log). */
  logTrueSize: number;
  /**
   * For an accepted program: 1 for each instruction the walk reached (insn_aux_data seen, the
   * second slot of a reached ld_imm64 included). The kernel removes the others (opt_remove_dead_code;
   * sanitize_dead_code unprivileged) before the program runs, so they are never decoded there.
   */
  reached?: Uint8Array;
  /** With `xlated`, for an accepted program: the program as the kernel runs it, or why the model cannot say. */
  xlated?: import('./fixups').XlatedResult;
}

/** Thrown inside the model to reject a program; caught by verify(). */
export class VerifierReject extends Error {
  readonly errno: Errno;
  readonly notModelled: boolean;
  /** The kernel prints this message without a trailing newline. */
  readonly noNewline: boolean;
  /** Lines the kernel prints after the message (the states after `infinite loop detected`). */
  readonly trailer: string;
  constructor(errno: Errno, message: string, notModelled = false, noNewline = false, trailer = '') {
    super(message);
    this.name = 'VerifierReject';
    this.errno = errno;
    this.notModelled = notModelled;
    this.noNewline = noNewline;
    this.trailer = trailer;
  }
}
