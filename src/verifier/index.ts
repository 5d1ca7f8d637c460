// The verifier model's entry point: bpf_check() in the order the kernel runs
// its passes (kernel/bpf/verifier.c): check_btf_info_early, add_subprog_and_kfunc,
// check_subprogs, check_btf_info, check_cfg, do_check_main, do_check_subprogs,
// check_max_stack_depth, then print_verification_stats. PURE: no I/O.
import { msg } from './messages';
import { newLog, verbose, logReset, logStats, BPF_LOG_LEVEL1, BPF_LOG_LEVEL2, BPF_LOG_STATS } from './log';
import { VerifyInput, VerifyResult, VerifierReject, VerifyStats } from './types';
import { addSubprogAndKfunc, checkBtfFuncEarly, checkBtfFunc, SubprogLayout } from './subprogs';
import { checkSubprogs, checkCfg } from './cfg';
import { checkMaxStackDepth } from './stack_depth';
import { doCheckCommon, CheckEnv } from './do_check';
import { computeLiveRegs, formatLiveRegs } from './live_regs';
import { newLiveness } from './stack_liveness';

export * from './types';
export { PROFILE_LINUX_6_18, msg, fmt } from './messages';
export type { SubprogInfo, SubprogLayout } from './subprogs';

/** Verify one program as BPF_PROG_LOAD would. Never throws for bad programs; the verdict says. */
export function verify(input: VerifyInput): VerifyResult {
  const t0 = input.clockNs ? input.clockNs() : 0n;
  const log = newLog(input.logLevel ?? 0);
  let layout: SubprogLayout | undefined;
  const env: CheckEnv = {
    input, layout: undefined as unknown as SubprogLayout, log, insnProcessed: 0, calledGlobals: new Set(),
    liveness: newLiveness(), prunePoints: new Set(),
    seenException: false, idGen: 0,
  };
  let error: VerifierReject | null = null;
  let hiddenExceptionCallback = false;
  try {
    checkBtfFuncEarly(input);
    layout = addSubprogAndKfunc(input, log);
    env.layout = layout;
    checkSubprogs(input.insns, layout);
    checkBtfFunc(input, layout);
    // resolve_pseudo_ldimm64: map fds must name maps
    for (let i = 0; i < input.insns.length; i++) {
      const x = input.insns[i];
      if (x.code !== 0x18) continue;
      if (x.src === 1 && !input.maps?.has(x.imm)) throw new VerifierReject('EBADF', `fd ${x.imm} is not pointing to valid bpf_map`);
      i++;
    }
    const cfg = checkCfg(input.insns, layout, !input.unprivileged);
    env.prunePoints = cfg.prunePoints;
    if (cfg.backEdges.length) {
      const [from, to] = cfg.backEdges[0];
      throw new VerifierReject('EINVAL', msg('notModelled', [`loops (back-edge from insn ${from} to ${to})`]), true);
    }
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
          verbose(log, `Func#${i} ('${layout.subprogs[i].name}') is safe for any args that match its prototype\n`);
        }
      }
      if (!progressed) break;
    }
    checkMaxStackDepth(input.insns, layout);
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
  const stats: VerifyStats = { insnProcessed: env.insnProcessed, totalStates: 0, peakStates: 0, maxStatesPerInsn: 0, durationUsec, stackDepths };
  // print_verification_stats
  if (log.level & BPF_LOG_STATS) {
    logStats(log, `verification time ${durationUsec} usec\n`);
    logStats(log, `stack depth ${stackDepths.join('+')}\n`);
  }
  logStats(log, msg('processed', [env.insnProcessed, input.insnLimit ?? 1000000, 0, 0, 0, 0]) + '\n');
  return {
    verdict: error ? 'reject' : 'accept',
    errno: error ? error.errno : null,
    log: log.text,
    error: error ? error.message : '',
    notModelled: error ? error.notModelled : false,
    hiddenExceptionCallback,
    stats,
  };
}
