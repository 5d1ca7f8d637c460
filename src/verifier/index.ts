// The verifier model's entry point: bpf_check() in the order the kernel runs
// its passes (kernel/bpf/verifier.c): check_btf_info_early, add_subprog_and_kfunc,
// check_subprogs, check_btf_info, check_cfg, do_check_main, do_check_subprogs,
// check_max_stack_depth, then print_verification_stats. PURE: no I/O.
import { newLog, verbose, logReset, logStats, logText, logFinalize, BPF_LOG_SIZE_MAX, BPF_LOG_LEVEL1, BPF_LOG_LEVEL2, BPF_LOG_STATS } from './log';
import { VerifyInput, VerifyResult, VerifierReject, VerifyStats, PROG_TYPES, Errno } from './types';
import { addSubprogAndKfunc, checkBtfFuncEarly, checkBtfFunc, SubprogLayout } from './subprogs';
import { checkSubprogs, checkCfg, prunePointSet } from './cfg';
import { successorTable } from '../isa/flow';
import { checkMaxStackDepth } from './stack_depth';
import { VerifierEnv, BPF_COMPLEXITY_LIMIT_INSNS, newEnv, text, fail, notModelled } from './env';
import { doCheckCommon } from './do_check';
import { markReservedFieldsOk } from './reserved_fields';
import { resolvePseudoLdimm64 } from './ld_imm';
import { progTypeInfo } from './prog_types';
import { computeLiveRegs, formatLiveRegs } from './live_regs';
import { kfuncAllowed } from './kfuncs';
import { helperAllowed } from './helpers';
import { computeScc, sccScratch } from './scc';
import { NEWEST_PROFILE } from './profiles';
import { BPF_JMP, BPF_JCOND } from '../isa/opcodes';

/** BPF_JMP | BPF_JCOND (may_goto) */
const OP_MAY_GOTO = BPF_JMP | BPF_JCOND;
import { xlatedProgram, reachedInsns, InlinedLoop } from './fixups';
import { newTransferEpoch } from './scalar/alu';
import { resetHistory } from './precision';

export * from './types';
export { msg, fmt, BASE_TEXTS } from './messages';
export * from './profiles';
export { maskKernelAddresses } from './fixups';
export { BPF_LOG_SIZE_MAX } from './log';
export type { XlatedResult } from './fixups';
export type { SubprogInfo, SubprogLayout } from './subprogs';

/**
 * bpf_prog_load_check_attach (kernel/bpf/syscall.c), the part that runs before the
 * verifier: program types that need a valid expected_attach_type (the program-type
 * table's `expectedAttach`). Returns the errno of a load that fails before bpf_check
 * (empty log), or null.
 */
function loadCheckAttach(input: VerifyInput): 'EINVAL' | null {
  const allowed = progTypeInfo(input.progType).expectedAttach;
  return allowed && !allowed.includes(input.expectedAttachType ?? 0) ? 'EINVAL' : null;
}

/**
 * optimize_bpf_loop: an inlined bpf_loop call keeps r6-r8 on the stack of its subprog
 * (24 bytes below the 8-aligned depth). Grows the depths; returns each inlined call
 * with its callback and where the registers go (for the rewrite).
 */
function optimizeBpfLoop(env: VerifierEnv, layout: SubprogLayout): Map<number, InlinedLoop> {
  const sp = layout.subprogs;
  const loops = new Map<number, InlinedLoop>();
  if (env.loopInline.size === 0) return loops;
  const inlined = [...env.loopInline].sort((a, b) => a[0] - b[0]);
  for (let s = 0; s < sp.length; s++) {
    const end = s + 1 < sp.length ? sp[s + 1].start : env.input.insns.length;
    const depth = sp[s].stackDepth;
    let extra = 0;
    for (const [idx, st] of inlined) {
      if (!st.fit || idx < sp[s].start || idx >= end) continue;
      extra = 3 * 8 + (Math.ceil(depth / 8) * 8 - depth);
      loops.set(idx, { callbackSubprog: st.subprogno, stackBase: -(depth + extra) });
    }
    sp[s].stackDepth += extra;
  }
  return loops;
}

/** Whether the walk reached an instruction of [start, end). */
const anySeen = (env: VerifierEnv, start: number, end: number): boolean => {
  for (let i = start; i < end; i++) if (env.seen[i]) return true;
  return false;
};

/**
 * do_misc_fixups for may_goto (timed may_goto on x86-64): a subprog with may_goto
 * keeps its loop count and timestamp in 16 more bytes of stack.
 */
function mayGotoStackExtra(env: VerifierEnv, layout: SubprogLayout): void {
  const sp = layout.subprogs;
  const insns = env.input.insns;
  for (let s = 0; s < sp.length; s++) {
    const end = s + 1 < sp.length ? sp[s + 1].start : insns.length;
    for (let i = sp[s].start; i < end; i++) {
      if (insns[i].code === OP_MAY_GOTO) { sp[s].stackDepth += 16; break; }
    }
  }
}

/** Verify one program as BPF_PROG_LOAD would. Never throws for bad programs; the verdict says. */
export function verify(given: VerifyInput): VerifyResult {
  // bpf_prog_load_fixup_attach_type
  const defaultAttach = progTypeInfo(given.progType).defaultAttach;
  const input = defaultAttach !== undefined && !given.expectedAttachType ? { ...given, expectedAttachType: defaultAttach } : given;
  // bpf_prog_load: without CAP_BPF only socket filters and cgroup_skb programs may be loaded
  const pre = input.unprivileged && input.progType !== PROG_TYPES.socket_filter && input.progType !== PROG_TYPES.cgroup_skb
    ? 'EPERM' : loadCheckAttach(input) ?? logAttrError(input);
  if (pre) {
    return { verdict: 'reject', errno: pre, log: '', error: '', notModelled: false, hiddenExceptionCallback: false, logTrueSize: 0,
      stats: { insnProcessed: 0, totalStates: 0, peakStates: 0, maxStatesPerInsn: 0, durationUsec: 0, stackDepths: [], allStackDepths: [] } };
  }
  const t0 = input.clockNs ? input.clockNs() : 0n;
  const log = newLog(input.logLevel ?? 0, input.logSize || BPF_LOG_SIZE_MAX);
  const env = newEnv(input, input.profile ?? NEWEST_PROFILE, log);
  let layout: SubprogLayout | undefined;
  let error: VerifierReject | null = null;
  let hiddenExceptionCallback = false;
  let loops = new Map<number, InlinedLoop>();
  let depthsBeforeMayGoto: number[] = [];
  try {
    ({ layout, loops, depthsBeforeMayGoto } = bpfCheck(env));
    hiddenExceptionCallback = layout.subprogs.some((s) => s.hidden);
  } catch (e) {
    if (!(e instanceof VerifierReject)) throw e;
    error = e;
    layout = env.layout;
    if (e.message) verbose(log, e.message + (e.noNewline ? '' : '\n') + e.trailer);
  }
  const t1 = input.clockNs ? input.clockNs() : 0n;
  const durationUsec = Number((t1 - t0) / 1000n);
  // opt_remove_dead_code drops subprogs no path reached (a callback of a loop never entered); hidden ones come later
  const insnCount = input.insns.length;
  const seen = env.seen.subarray(0, insnCount); // (env.seen is a scratch table: its first insnCount entries)
  const stackDepths = layout.subprogs.filter((s, i) => i === 0 || s.hidden || error || anySeen(env, s.start, layout.subprogs[i + 1]?.start ?? insnCount))
    .map((s) => s.stackDepth);
  const stats: VerifyStats = { insnProcessed: env.insnProcessed, totalStates: env.totalStates, peakStates: env.peakStates, maxStatesPerInsn: env.maxStatesPerInsn, durationUsec, stackDepths,
    allStackDepths: layout.subprogs.map((s) => s.stackDepth) };
  // print_verification_stats
  if (log.level & BPF_LOG_STATS) {
    logStats(log, text(env, 'verificationTime', [durationUsec]) + '\n');
    logStats(log, text(env, 'stackDepth', [stackDepths.join('+')]) + '\n');
  }
  logStats(log, text(env, 'processed', [env.insnProcessed, input.insnLimit ?? BPF_COMPLEXITY_LIMIT_INSNS, env.maxStatesPerInsn, env.totalStates, env.peakStates, 0]) + '\n');
  const xlated = input.xlated && !error ? xlatedProgram({
    insns: input.insns, subprogStarts: layout.subprogs.filter((sp) => !sp.hidden).map((sp) => sp.start), depthsBeforeMayGoto, seen, ptrTypes: env.ptrTypeAt, callMaps: env.callMaps, progType: input.progType, vmlinuxBtf: input.vmlinuxBtf,
    kernelSymbol: input.kernelSymbol, kfuncName: (imm, off) => input.kfunc?.(imm, off)?.name, privileged: !input.unprivileged, hiddenExceptionCallback,
    inlinedLoops: loops,
  }) : undefined;
  // bpf_vlog_finalize: a log that did not fit fails the load, whatever the verdict
  const { trueSize, truncated } = logFinalize(log);
  return {
    xlated: truncated ? undefined : xlated,
    verdict: error || truncated ? 'reject' : 'accept',
    errno: truncated ? 'ENOSPC' : error ? error.errno : null,
    logTrueSize: trueSize,
    log: logText(log),
    // a rejection may print lines before its message (check_mem_region_access): the error is the last
    error: error ? error.message.split('\n').pop() ?? '' : '',
    notModelled: error ? error.notModelled : false,
    hiddenExceptionCallback,
    stats,
    ...(error || truncated ? {} : { reached: reachedInsns(input.insns, seen) }),
  };
}

/** bpf_vlog_init's checks of the log attributes (bpf_verifier_log_attr_valid), or null. */
function logAttrError(input: VerifyInput): Errno | null {
  const size = input.logSize ?? 0;
  if (size && !input.logLevel) return 'EINVAL';
  return size > BPF_LOG_SIZE_MAX ? 'EINVAL' : null;
}

/** bpf_check's passes in the kernel's order; throws VerifierReject for a rejected program. */
function bpfCheck(env: VerifierEnv): { layout: SubprogLayout; loops: Map<number, InlinedLoop>; depthsBeforeMayGoto: number[] } {
  const { input, log } = env;
  // nothing the transfer memos (scalar/alu.ts, alu.ts, jmp.ts) remember answers in another verification
  newTransferEpoch();
  resetHistory();
  const unmodelled = progTypeInfo(input.progType).unmodelled;
  if (unmodelled) notModelled(env, unmodelled);
  if (input.attachToProgram) notModelled(env, 'attach targets in BPF programs (attach_prog_fd)');
  for (const [attach, what] of progTypeInfo(input.progType).unmodelledAttach ?? []) if (attach.includes(input.expectedAttachType ?? 0)) notModelled(env, what);
  checkBtfFuncEarly(input);
  const layout = addSubprogAndKfunc(input, log);
  env.layout = layout;
  const succ = successorTable(input.insns);
  env.lvCtx.successors = succ;
  checkSubprogs(input.insns, layout, succ);
  checkBtfFunc(input, layout);
  // check_attach_btf_id, after the subprogs were listed (`func#0 @0` at level 2)
  if (input.progType === PROG_TYPES.tracing && !input.attachBtfId) fail(env, 'EINVAL', 'tracingNeedsBtfId');
  resolvePseudoLdimm64(env, input);
  const cfg = checkCfg(input.insns, layout, !input.unprivileged, env.pointFlags, succ);
  // (the set of prune points is read by the level-2 log's liveness lines only)
  if (log.level & BPF_LOG_LEVEL2) env.prunePoints = env.lvCtx.prunePoints = prunePointSet(env.pointFlags, input.insns.length);
  markReservedFieldsOk(env);
  env.callsCallback = cfg.callsCallback;
  env.iterNext = cfg.iterNext;
  env.loopHeads = cfg.loopHeads;
  env.sccOf = computeScc(input.insns, succ, sccScratch(input.insns.length));
  // a kfunc the program type may not call has no call summary: it reads R1-R5
  let summaries = layout.kfuncs;
  for (const k of layout.kfuncs.values()) {
    if (kfuncAllowed(env, k.name)) continue;
    summaries = new Map([...layout.kfuncs].map(([i, k]) => [i, kfuncAllowed(env, k.name) ? k : { name: k.name }]));
    break;
  }
  env.liveRegs = computeLiveRegs(input.insns, { kfuncs: summaries, helperAllowed: (id) => helperAllowed(env, id) }, succ);
  if (log.level & BPF_LOG_LEVEL2) verbose(log, formatLiveRegs(input.insns, env.liveRegs, env.sccOf, (i) => input.kfunc?.(i.imm, i.off)?.name));
  doCheckCommon(env, 0);
  if (!(log.level & BPF_LOG_LEVEL2)) logReset(log, 0);
  doCheckSubprogs(env);
  checkMaxStackDepth(input.insns, layout, env.profile);
  const loops = optimizeBpfLoop(env, layout);
  const depthsBeforeMayGoto = layout.subprogs.map((sp) => sp.stackDepth);
  mayGotoStackExtra(env, layout);
  // do_misc_fixups -> add_hidden_subprog: a program that throws without a callback gets the
  // default exception callback `r0 = 0; exit` appended as a hidden subprog.
  if (env.seenException && !layout.exceptionCallback) {
    layout.subprogs.push({ start: input.insns.length, stackDepth: 0, hasTailCall: false, tailCallReachable: false,
      hasLdAbs: false, isCb: true, isAsyncCb: true, isExceptionCb: true, linkage: 'static', name: '', btfId: 0, hidden: true });
  }
  return { layout, loops, depthsBeforeMayGoto };
}

/** do_check_subprogs: global functions that were called, and the exception callback (always "called"). */
function doCheckSubprogs(env: VerifierEnv): void {
  const { layout, log } = env;
  if (!env.calledGlobals?.size && !layout.exceptionCallback) return; // (most programs: no sets made)
  const done = new Set<number>();
  for (let progressed = true; progressed;) {
    progressed = false;
    const todo = new Set(env.calledGlobals ?? []);
    if (layout.exceptionCallback) todo.add(layout.exceptionCallback);
    for (let i = 1; i < layout.subprogs.length; i++) {
      if (!todo.has(i) || done.has(i) || layout.subprogs[i].linkage !== 'global') continue;
      done.add(i);
      progressed = true;
      doCheckCommon(env, i);
      if (!(log.level & BPF_LOG_LEVEL2)) logReset(log, 0);
      if (log.level & (BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2)) verbose(log, text(env, 'globalSafe', [i, layout.subprogs[i].name]) + '\n');
    }
  }
}
