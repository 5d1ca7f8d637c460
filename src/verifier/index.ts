// The verifier model's entry point: bpf_check() in the order the kernel runs
// its passes (kernel/bpf/verifier.c): check_btf_info_early, add_subprog_and_kfunc,
// check_subprogs, check_btf_info, check_cfg, do_check_main, do_check_subprogs,
// check_max_stack_depth, then print_verification_stats. PURE: no I/O.
import { msg } from './messages';
import { VALID_OPCODES } from '../isa/validate';
import { newLog, verbose, logReset, logStats, logText, BPF_LOG_LEVEL1, BPF_LOG_LEVEL2, BPF_LOG_STATS } from './log';
import { VerifyInput, VerifyResult, VerifierReject, VerifyStats, ATTACH_TYPES, PROG_TYPES } from './types';
import { addSubprogAndKfunc, checkBtfFuncEarly, checkBtfFunc, SubprogLayout } from './subprogs';
import { checkSubprogs, checkCfg } from './cfg';
import { checkMaxStackDepth } from './stack_depth';
import { NEWEST_PROFILE } from './profiles';
import { doCheckCommon, CheckEnv } from './do_check';
import { computeLiveRegs, formatLiveRegs } from './live_regs';
import { newLiveness } from './stack_liveness';

export * from './types';
export { msg, fmt, BASE_TEXTS } from './messages';
export * from './profiles';
export type { SubprogInfo, SubprogLayout } from './subprogs';

/**
 * bpf_prog_load_check_attach (kernel/bpf/syscall.c), the part that runs before the
 * verifier: program types that need a valid expected_attach_type. Returns the
 * errno of a load that fails before bpf_check (empty log), or null.
 */
function loadCheckAttach(input: VerifyInput): 'EINVAL' | 'EPERM' | null {
  const A = ATTACH_TYPES, P = PROG_TYPES, at = input.expectedAttachType ?? 0;
  const ok: Record<number, number[]> = {
    [P.cgroup_sock_addr]: [A.cgroup_inet4_bind, A.cgroup_inet6_bind, A.cgroup_inet4_connect, A.cgroup_inet6_connect,
      A.cgroup_udp4_sendmsg, A.cgroup_udp6_sendmsg, A.cgroup_udp4_recvmsg, A.cgroup_udp6_recvmsg, A.cgroup_inet4_getpeername,
      A.cgroup_inet6_getpeername, A.cgroup_inet4_getsockname, A.cgroup_inet6_getsockname, A.cgroup_unix_connect,
      A.cgroup_unix_sendmsg, A.cgroup_unix_recvmsg, A.cgroup_unix_getpeername, A.cgroup_unix_getsockname],
    [P.cgroup_sockopt]: [A.cgroup_getsockopt, A.cgroup_setsockopt],
    [P.sk_lookup]: [A.sk_lookup],
    [P.netfilter]: [A.netfilter],
    [P.cgroup_sock]: [0, A.cgroup_inet_sock_create, A.cgroup_inet_sock_release, A.cgroup_inet4_post_bind, A.cgroup_inet6_post_bind],
  };
  const allowed = ok[input.progType];
  return allowed && !allowed.includes(at) ? 'EINVAL' : null;
}

/** Program types whose load-time requirements (attach targets, sleepable flag, devices) this model does not check. */
const UNMODELLED_TYPES: Readonly<Record<number, string>> = {
  [PROG_TYPES.lirc_mode2]: 'lirc_mode2 programs', [PROG_TYPES.struct_ops]: 'struct_ops programs',
  [PROG_TYPES.ext]: 'freplace (ext) programs', [PROG_TYPES.lsm]: 'LSM programs', [PROG_TYPES.syscall]: 'syscall programs',
};

/**
 * optimize_bpf_loop: an inlined bpf_loop call keeps its three registers on the stack of its
 * subprog (24 bytes below the 8-aligned depth); only the depths (stats) are modelled.
 */
function optimizeBpfLoop(env: CheckEnv, layout: SubprogLayout): void {
  const sp = layout.subprogs;
  for (let s = 0; s < sp.length; s++) {
    const end = s + 1 < sp.length ? sp[s + 1].start : env.input.insns.length;
    const depth = sp[s].stackDepth;
    let extra = 0;
    for (const [idx, st] of env.loopInline) {
      if (st.fit && idx >= sp[s].start && idx < end) extra = 3 * 8 + (Math.ceil(depth / 8) * 8 - depth);
    }
    sp[s].stackDepth += extra;
  }
}

/** Verify one program as BPF_PROG_LOAD would. Never throws for bad programs; the verdict says. */
export function verify(input: VerifyInput): VerifyResult {
  // bpf_prog_load: without CAP_BPF only socket filters and cgroup_skb programs may be loaded
  const pre = input.unprivileged && input.progType !== PROG_TYPES.socket_filter && input.progType !== PROG_TYPES.cgroup_skb
    ? 'EPERM' : loadCheckAttach(input);
  if (pre) {
    return { verdict: 'reject', errno: pre, log: '', error: '', notModelled: false, hiddenExceptionCallback: false,
      stats: { insnProcessed: 0, totalStates: 0, peakStates: 0, maxStatesPerInsn: 0, durationUsec: 0, stackDepths: [] } };
  }
  const t0 = input.clockNs ? input.clockNs() : 0n;
  const log = newLog(input.logLevel ?? 0);
  let layout: SubprogLayout | undefined;
  const env: CheckEnv = {
    input, layout: undefined as unknown as SubprogLayout, log, insnProcessed: 0, calledGlobals: new Set(),
    liveness: newLiveness(), prunePoints: new Set(), loopHeads: new Set(),
    seenException: false, idGen: 0, forceCheckpoints: new Set(),
    loopInline: new Map(), totalStates: 0, peakStates: 0, maxStatesPerInsn: 0, jmpsProcessed: 0, prevJmpsProcessed: 0, prevInsnProcessed: 0,
  };
  let error: VerifierReject | null = null;
  let hiddenExceptionCallback = false;
  try {
    const unmodelled = UNMODELLED_TYPES[input.progType];
    if (unmodelled) throw new VerifierReject('EINVAL', msg('notModelled', [unmodelled]), true);
    if (input.progType === PROG_TYPES.tracing && !input.attachBtfId) throw new VerifierReject('EINVAL', msg('tracingNeedsBtfId'));
    checkBtfFuncEarly(input);
    layout = addSubprogAndKfunc(input, log);
    env.layout = layout;
    checkSubprogs(input.insns, layout);
    checkBtfFunc(input, layout);
    // resolve_pseudo_ldimm64: LDX reserved fields, map fds, and bpf_opcode_in_insntable
    for (let i = 0; i < input.insns.length; i++) {
      const x = input.insns[i];
      if ((x.code & 7) === 1 && (((x.code & 0xe0) !== 0x60 && (x.code & 0xe0) !== 0x80) || x.imm !== 0)) {
        throw new VerifierReject('EINVAL', msg('ldxReserved'));
      }
      if (x.code === 0x18) {
        if (i === input.insns.length - 1 || input.insns[i + 1].code !== 0 || input.insns[i + 1].dst !== 0
          || input.insns[i + 1].src !== 0 || input.insns[i + 1].off !== 0) throw new VerifierReject('EINVAL', msg('ldImm64Invalid'));
        if (x.src === 1 && !input.maps?.has(x.imm)) throw new VerifierReject('EBADF', msg('mapFdInvalid', [x.imm]));
        i++;
        continue;
      }
      if (!VALID_OPCODES.has(x.code) || x.code === 0x8d) throw new VerifierReject('EINVAL', msg('unknownOpcode', [x.code]));
    }
    const cfg = checkCfg(input.insns, layout, !input.unprivileged);
    env.prunePoints = cfg.prunePoints;
    env.forceCheckpoints = cfg.forceCheckpoints;
    env.loopHeads = new Set(cfg.backEdges.map(([, to]) => to));
    if (log.level & BPF_LOG_LEVEL2) {
      const live = computeLiveRegs(input.insns, layout.kfuncs);
      verbose(log, formatLiveRegs(input.insns, live, (i) => input.kfunc?.(i.imm, i.off)?.name));
    }
    doCheckCommon(env, 0);
    if (!(log.level & BPF_LOG_LEVEL2)) logReset(log, 0);
    // do_check_subprogs: global functions that were called, and the exception callback (always "called")
    const done = new Set<number>();
    for (;;) {
      let progressed = false;
      const todo = new Set(env.calledGlobals);
      if (layout.exceptionCallback) todo.add(layout.exceptionCallback);
      for (let i = 1; i < layout.subprogs.length; i++) {
        if (!todo.has(i) || done.has(i)) continue;
        if (layout.subprogs[i].linkage !== 'global') continue;
        done.add(i);
        progressed = true;
        doCheckCommon(env, i);
        if (!(log.level & BPF_LOG_LEVEL2)) logReset(log, 0);
        if (log.level & (BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2)) {
          verbose(log, msg('globalSafe', [i, layout.subprogs[i].name]) + '\n');
        }
      }
      if (!progressed) break;
    }
    checkMaxStackDepth(input.insns, layout, input.profile ?? NEWEST_PROFILE);
    optimizeBpfLoop(env, layout);
    // do_misc_fixups -> add_hidden_subprog: a program that throws without a callback gets the
    // default exception callback `r0 = 0; exit` appended as a hidden subprog.
    if (env.seenException && !layout.exceptionCallback) {
      hiddenExceptionCallback = true;
      layout.subprogs.push({ start: input.insns.length, stackDepth: 0, hasTailCall: false, tailCallReachable: false,
        hasLdAbs: false, isCb: true, isAsyncCb: true, isExceptionCb: true, linkage: 'static', name: '', btfId: 0, hidden: true });
    }
  } catch (e) {
    if (!(e instanceof VerifierReject)) throw e;
    error = e;
    if (e.message) verbose(log, e.message + (e.noNewline ? '' : '\n'));
  }
  const t1 = input.clockNs ? input.clockNs() : 0n;
  const durationUsec = Number((t1 - t0) / 1000n);
  const stackDepths = (layout?.subprogs ?? []).map((s) => s.stackDepth);
  const stats: VerifyStats = { insnProcessed: env.insnProcessed, totalStates: env.totalStates, peakStates: env.peakStates, maxStatesPerInsn: env.maxStatesPerInsn, durationUsec, stackDepths };
  // print_verification_stats
  if (log.level & BPF_LOG_STATS) {
    logStats(log, msg('verificationTime', [durationUsec]) + '\n');
    logStats(log, msg('stackDepth', [stackDepths.join('+')]) + '\n');
  }
  logStats(log, msg('processed', [env.insnProcessed, input.insnLimit ?? 1000000, env.maxStatesPerInsn, env.totalStates, env.peakStates, 0]) + '\n');
  return {
    verdict: error ? 'reject' : 'accept',
    errno: error ? error.errno : null,
    log: logText(log),
    error: error ? error.message : '',
    notModelled: error ? error.notModelled : false,
    hiddenExceptionCallback,
    stats,
  };
}
