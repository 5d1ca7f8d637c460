// Abstract execution of one entry point: do_check, do_check_common (entry
// registers for the main program, global subprogs and the exception callback),
// check_alu_op, check_mem_access for stack (check_stack_write_fixed_off,
// check_stack_read_fixed_off) and ctx (rejected as not modelled), check_cond_jmp_op
// with is_branch_taken and reg_set_min_max, push_stack/pop_stack with the log
// rewind of level 1, check_func_call/prepare_func_exit for static subprogs,
// calls of global subprogs, the bpf_throw kfunc (check_kfunc_call's KF_bpf_throw
// handling + process_bpf_exit_full), check_return_code, the bpf_loop helper
// (push_callback_call, set_loop_callback_state, the callback's return range) with
// is_state_visited's state counting and its pruning at the bpf_loop call when the
// state after one callback iteration equals the one before (kernel/bpf/verifier.c).
// Anything beyond this (other helpers, maps, other kfuncs, packet and map pointers,
// atomics, state pruning of loops) is rejected as `not modelled yet: ...`.
import { Insn, isLdImm64, ldImm64Value } from '../isa/insn';
import {
  BPF_CLASS, BPF_OP, BPF_SRC, BPF_SIZE, BPF_MODE, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_ALU, BPF_ALU64, BPF_JMP,
  BPF_JMP32, BPF_X, BPF_K, BPF_MEM, BPF_IMM, BPF_W, BPF_H, BPF_B, BPF_DW, BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV,
  BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH, BPF_END, BPF_JA, BPF_CALL,
  BPF_EXIT, BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE,
  BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL, BPF_HELPER_CALL, MAX_BPF_STACK,
} from '../isa/opcodes';
import { formatInsnLine } from '../isa/disasm';
import { msg } from './messages';
import { VerifierLog, verbose, logReset, vlogAlignment, BPF_LOG_LEVEL1, BPF_LOG_LEVEL2 } from './log';
import { VerifyInput, VerifierReject, BPF_MAP_TYPE_PROG_ARRAY } from './types';
import { SubprogLayout, findSubprog } from './subprogs';
import { BPF_FUNC_LOOP } from './cfg';
import {
  RegState, FuncState, VState, StackSlot, SlotType, BPF_REG_SIZE, notInit, scalarReg, ptrReg, newFuncState,
  cloneState, isPointer, regTypeStr, formatFuncState,
} from './state';
import {
  Scalar, scalarUnknown, scalarConst, scalarFromImm, scalarIsConst, scalarZext32, aluScalar, isBranchTaken,
  regSetMinMax, formatInvalidScalar, scalarUnknown32, scalarUnknownSized, scalarUnlinked, assignScalarIdBeforeMov,
  linkAfterAlu, syncLinkedScalar, scalarCoerce,
} from './scalar_bridge';
import { returnRange } from './return_code';
import { precisionLog, PathEntry } from './precision';
import { Liveness, LivenessCtx, Callchain, setCurrent, resetWrites, commitWrites, stackRead, stackWrite, updateLiveStack } from './stack_liveness';

export const BPF_COMPLEXITY_LIMIT_INSNS = 1_000_000;
/** sched_cls, tracepoint, xdp, perf_event, cgroup_skb, cgroup_sock, sock_ops, cgroup_device, cgroup_sysctl, tracing, struct_ops, syscall. */
const THROW_PROG_TYPES = new Set([3, 5, 6, 7, 8, 9, 13, 15, 23, 26, 27, 31]);
const MAX_CALL_FRAMES = 8;

interface LoopSeen { idx: number; key: string; prev: LoopSeen | null }
interface StackElem { st: VState; insnIdx: number; prevInsnIdx: number; logPos: number; path: PathEntry | null; loops: LoopSeen | null }

export interface CheckEnv {
  input: VerifyInput;
  layout: SubprogLayout;
  log: VerifierLog;
  insnProcessed: number;
  /** Global subprogs called (to be validated later), by subprog index. */
  calledGlobals: Set<number>;
  /** 6.18 stack liveness (level-2 log lines only) and the CFG's prune points it prints at. */
  liveness: Liveness;
  prunePoints: Set<number>;
  /** Targets of back-edges (loops are walked iteration by iteration; no state pruning). */
  loopHeads: Set<number>;
  seenException: boolean;
  idGen: number;
  /** Calls of bpf_loop (mark_force_checkpoint). */
  forceCheckpoints: Set<number>;
  /** is_state_visited's counters: states added (never freed here), and jumps/insns at the last add. */
  totalStates: number;
  peakStates: number;
  maxStatesPerInsn: number;
  jmpsProcessed: number;
  prevJmpsProcessed: number;
  prevInsnProcessed: number;
  /** bpf_loop_inline_state per bpf_loop call: inlined (optimize_bpf_loop) when every visit had flags 0 and one callback. */
  loopInline: Map<number, { fit: boolean; subprogno: number }>;
}

const COND_OPS = new Set([BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE]);
const SIZE_BYTES: Record<number, number> = { [BPF_W]: 4, [BPF_H]: 2, [BPF_B]: 1, [BPF_DW]: 8 };

const reject = (errno: VerifierReject['errno'], text: string): never => { throw new VerifierReject(errno, text); };
const notModelled = (what: string): never => { throw new VerifierReject('EINVAL', msg('notModelled', [what]), true); };

/** Run do_check_common for `subprog` (0 = main). Returns normally when every path is safe. */
export function doCheckCommon(env: CheckEnv, subprog: number): void {
  const { input, layout, log } = env;
  const insns = input.insns;
  const sp = layout.subprogs[subprog];
  const st: VState = { frames: [newFuncState(0, subprog, -1)], curframe: 0 };
  const regs0 = st.frames[0].regs;
  const isExCb = subprog !== 0 && subprog === layout.exceptionCallback;
  if (subprog) {
    verbose(log, msg('validating', [sp.name, subprog]) + '\n');
    const args = prepareFuncArgs(env, subprog);
    if (isExCb) {
      st.frames[0].inExceptionCallback = true;
      if (args.length !== 1 || args[0] !== 'scalar') reject('EINVAL', msg('exceptionCbSingleIntArg'));
    }
    args.forEach((a, i) => { regs0[i + 1] = a === 'ctx' ? ptrReg('ctx', 0) : scalarReg(scalarUnknown()); });
  } else {
    regs0[1] = ptrReg('ctx', 0);
  }

  const stack: StackElem[] = [];
  const scratchedRegs = new Set<number>();
  const scratchedSlots = new Set<number>();
  let allScratched = true;
  let prevLogPos = 0;
  let prevInsnPrintPos = 0;
  let insnIdx = sp.start;
  let prevInsnIdx = -1;
  let cur = st;
  const logOn = (log.level & (BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2)) !== 0;
  const popLog = !(log.level & BPF_LOG_LEVEL2);
  let doPrintState = false;

  const frame = (): FuncState => cur.frames[cur.curframe];
  /** The current state's instruction path (its jump history), for precision backtracking. */
  let path: PathEntry | null = null;
  const kfuncName = (i: Insn): string | undefined => input.kfunc?.(i.imm, i.off)?.name;
  /** mark_chain_precision(regno): only its level-2 log is modelled (precision marks do not change verdicts here). */
  const lv = env.liveness;
  const lvCtx: LivenessCtx = {
    insns, prunePoints: env.prunePoints,
    subprogEnd: (start: number) => { const i = findSubprog(layout.subprogs, start); return i + 1 < layout.subprogs.length ? layout.subprogs[i + 1].start : insns.length; },
    log: (t: string) => { if (log.level & BPF_LOG_LEVEL2) verbose(log, t); },
  };
  const chainAt = (f: number): Callchain => {
    const callsites: number[] = [], spStarts: number[] = [];
    for (let i = 0; i <= f; i++) {
      spStarts.push(layout.subprogs[cur.frames[i].subprogno].start);
      callsites.push(i < f ? cur.frames[i + 1].callsite : spStarts[i]);
    }
    return { callsites, spStarts, curframe: f };
  };
  const updateLive = (): void => updateLiveStack(lv, lvCtx, cur.frames.map((_f, i) => chainAt(i)));
  const markPrecise = (regno: number): void => {
    if (!(log.level & BPF_LOG_LEVEL2) || input.unprivileged) return;
    verbose(log, precisionLog(insns, path, sp.start, regno, cur.curframe, kfuncName));
  };
  const scratchReg = (r: number): void => { scratchedRegs.add(r); };
  const printState = (printAll: boolean): void => {
    const f = frame();
    const all = printAll || allScratched;
    verbose(log, formatFuncState(f, all, scratchedRegs, scratchedSlots));
    // print_verifier_state(print_all) leaves the scratch marks; only the scratched-only print clears them
    if (!printAll) { scratchedRegs.clear(); scratchedSlots.clear(); allScratched = false; }
  };
  const stateScratched = (): boolean => allScratched || scratchedRegs.size > 0 || scratchedSlots.size > 0;
  const printInsnState = (): void => {
    if (prevLogPos && prevLogPos === log.len) {
      logReset(log, prevLogPos - 1);
      verbose(log, ' '.repeat(vlogAlignment(prevInsnPrintPos)) + ';');
    } else {
      verbose(log, `${insnIdx}:`);
    }
    printState(false);
  };

  /** check_reg_arg(SRC_OP) */
  const readReg = (r: number): RegState => {
    if (r >= 11) reject('EINVAL', msg('invalidRegNo', [r]));
    scratchReg(r);
    const reg = frame().regs[r];
    if (reg.type === 'not_init') reject('EACCES', msg('regNotReadOk', [r]));
    return reg;
  };
  /** check_reg_arg(DST_OP) */
  const checkDst = (r: number): void => {
    if (r >= 11) reject('EINVAL', msg('invalidRegNo', [r]));
    scratchReg(r);
    if (r === 10) reject('EACCES', msg('frameReadOnly'));
  };
  const setReg = (r: number, v: RegState): void => { frame().regs[r] = v; };

  /** States added at prune points (is_state_visited), by insn: exact keys at bpf_loop calls. */
  const visited = new Map<number, string[]>();
  /** The last exit returned from a bpf_loop callback to its callsite. */
  let cbReturn = false;
  /** States seen at loop heads on the current path (exact copies), for `infinite loop detected`. */
  let loopSeen: LoopSeen | null = null;
  const LOOP_WINDOW = 64;
  const regKey = (r: RegState): string => {
    if (r.type === 'not_init') return '-';
    const x = r.s;
    return `${r.type}:${r.off}:${r.frameno}:${r.map?.fd ?? ''}:${r.subprogno ?? ''}:${x.varOff.value}/${x.varOff.mask}:${x.smin}:${x.smax}:${x.umin}:${x.umax}:${x.s32min}:${x.s32max}:${x.u32min}:${x.u32max}:${x.id}`;
  };
  const stateKey = (s: VState): string => {
    let k = `${s.curframe}`;
    for (const f of s.frames) {
      k += `|${f.subprogno}@${f.callsite}${f.inCallbackFn ? 'cb' : ''}`;
      for (const r of f.regs) k += ';' + regKey(r);
      for (const sl of f.stack) k += ',' + sl.types.join('') + (sl.spilled ? regKey(sl.spilled) : '');
    }
    return k;
  };
  const pushStack = (target: number, from: number, s: VState): void => {
    if (stack.length + 1 > 8192) reject('E2BIG', msg('jumpSeqTooComplex', [stack.length + 1]));
    stack.push({ st: cloneState(s), insnIdx: target, prevInsnIdx: from, logPos: log.len, path, loops: loopSeen });
  };

  /** Returns false when there is nothing left to explore. */
  const popStack = (): boolean => {
    const e = stack.pop();
    if (!e) return false;
    cur = e.st;
    path = e.path;
    loopSeen = e.loops;
    insnIdx = e.insnIdx;
    prevInsnIdx = e.prevInsnIdx;
    if (popLog && logOn) logReset(log, e.logPos);
    return true;
  };

  for (;;) {
    if (insnIdx >= insns.length) reject('EFAULT', msg('invalidInsnIdx', [insnIdx, insns.length]));
    const insn = insns[insnIdx];
    const cls = BPF_CLASS(insn.code);
    if (++env.insnProcessed > (input.insnLimit ?? BPF_COMPLEXITY_LIMIT_INSNS)) reject('E2BIG', msg('tooLarge', [env.insnProcessed]));
    if (env.prunePoints.has(insnIdx)) {
      // is_state_visited, the part modelled: states are counted as the kernel adds them; a state is
      // pruned only at a bpf_loop call whose earlier state it equals exactly (exact equality implies
      // the kernel's states_equal); a callback that does not converge so is not modelled.
      const forced = env.forceCheckpoints.has(insnIdx);
      const list = visited.get(insnIdx) ?? [];
      const key = forced ? stateKey(cur) : '';
      const fromCallback = cbReturn;
      cbReturn = false;
      if (forced && list.includes(key)) {
        if (logOn) verbose(log, doPrintState ? '\n' + msg('fromToSafe', [prevInsnIdx, insnIdx]) + '\n' : msg('safe', [insnIdx]) + '\n');
        allScratched = true;
        if (!popStack()) break;
        lv.cur = null;
        doPrintState = true;
        continue;
      }
      if (fromCallback) notModelled('bpf_loop callback whose state does not converge after one iteration');
      if (env.maxStatesPerInsn < list.length) env.maxStatesPerInsn = list.length;
      if (forced || (env.jmpsProcessed - env.prevJmpsProcessed >= 2 && env.insnProcessed - env.prevInsnProcessed >= 8)) {
        env.totalStates++;
        env.peakStates++;
        env.prevJmpsProcessed = env.jmpsProcessed;
        env.prevInsnProcessed = env.insnProcessed;
        list.push(forced ? key : '');
        visited.set(insnIdx, list);
      }
    }

    if ((log.level & BPF_LOG_LEVEL2) && doPrintState) {
      verbose(log, '\n' + msg('fromTo', [prevInsnIdx, insnIdx]));
      printState(true);
      doPrintState = false;
    }
    if (log.level & BPF_LOG_LEVEL1 || log.level & BPF_LOG_LEVEL2) {
      if (stateScratched()) printInsnState();
      prevLogPos = log.len;
      verbose(log, formatInsnLine(insns, insnIdx, { kfuncName: (i) => input.kfunc?.(i.imm, i.off)?.name }) + '\n');
      prevInsnPrintPos = log.len - prevLogPos;
      prevLogPos = log.len;
    }
    const thisIdx = insnIdx;
    if (env.loopHeads.has(thisIdx)) {
      // an exact repeat of a state at a loop head on this path can never terminate
      const key = stateKey(cur);
      let n = 0;
      for (let e = loopSeen; e && n < LOOP_WINDOW; e = e.prev, n++) {
        if (e.idx === thisIdx && e.key === key) reject('EINVAL', msg('infiniteLoop', [thisIdx]));
      }
      loopSeen = { idx: thisIdx, key, prev: loopSeen };
    }
    path = { idx: thisIdx, prev: path };
    if (!lv.cur) setCurrent(lv, lvCtx, chainAt(cur.curframe));
    resetWrites(lv, thisIdx);
    let exceptionExit = false;
    let exitPath = false;

    if (cls === BPF_ALU || cls === BPF_ALU64) {
      checkAlu(insn, cls === BPF_ALU64);
    } else if (cls === BPF_LDX) {
      if (BPF_MODE(insn.code) !== BPF_MEM) notModelled('sign-extending loads (BPF_MEMSX)');
      const src = readReg(insn.src);
      checkDst(insn.dst);
      const size = SIZE_BYTES[BPF_SIZE(insn.code)];
      let v = memAccess(src, insn.src, insn.off, size, 'read', null, null) as RegState;
      if (size < BPF_REG_SIZE && v.type === 'scalar') v = scalarReg(scalarCoerce(v.s, size));
      setReg(insn.dst, v);
    } else if (cls === BPF_STX) {
      if (BPF_MODE(insn.code) !== BPF_MEM) notModelled('atomic instructions');
      if (insn.imm !== 0) reject('EINVAL', msg('stxReserved'));
      const val = readReg(insn.src);
      const dst = readReg(insn.dst);
      memAccess(dst, insn.dst, insn.off, SIZE_BYTES[BPF_SIZE(insn.code)], 'write', val, insn.src);
    } else if (cls === BPF_ST) {
      if (BPF_MODE(insn.code) !== BPF_MEM || insn.src !== 0) reject('EINVAL', msg('stReserved'));
      const dst = readReg(insn.dst);
      memAccess(dst, insn.dst, insn.off, SIZE_BYTES[BPF_SIZE(insn.code)], 'write', scalarReg(scalarFromImm(insn.imm)), -1);
    } else if (cls === BPF_JMP || cls === BPF_JMP32) {
      env.jmpsProcessed++;
      const op = BPF_OP(insn.code);
      if (op === BPF_CALL) {
        if (BPF_SRC(insn.code) !== BPF_K || (insn.src !== BPF_PSEUDO_KFUNC_CALL && insn.off !== 0)
          || (insn.src !== BPF_HELPER_CALL && insn.src !== BPF_PSEUDO_CALL && insn.src !== BPF_PSEUDO_KFUNC_CALL)
          || insn.dst !== 0 || cls === BPF_JMP32) reject('EINVAL', msg('callReserved'));
        if (insn.src === BPF_PSEUDO_CALL) {
          checkFuncCall(insn);
          commitWrites(lv);
          lv.cur = null;
          continue;
        } else if (insn.src === BPF_PSEUDO_KFUNC_CALL) {
          const info = env.layout.kfuncs.get(thisIdx);
          if (!info || info.name !== 'bpf_throw' || insn.off !== 0) notModelled(`kfunc ${info?.name ?? insn.imm}`);
          // the generic kfunc set (bpf_throw) is registered for these program types on 6.18 (observed on the live kernel)
          if (!THROW_PROG_TYPES.has(input.progType)) reject('EACCES', msg('kfuncNotAllowed', [info!.name]));
          checkThrow();
          exceptionExit = true;
          exitPath = true;
        } else if (insn.imm === 12) {
          checkTailCall();
        } else if (insn.imm === BPF_FUNC_LOOP) {
          checkLoop(thisIdx);
        } else {
          notModelled(`helper call #${insn.imm}`);
        }
      } else if (op === BPF_JA) {
        if (BPF_SRC(insn.code) !== BPF_K || insn.src !== 0 || insn.dst !== 0
          || (cls === BPF_JMP && insn.imm !== 0) || (cls === BPF_JMP32 && insn.off !== 0)) reject('EINVAL', msg('jaReserved'));
        insnIdx += (cls === BPF_JMP ? insn.off : insn.imm) + 1;
        prevInsnIdx = thisIdx;
        commitWrites(lv);
        continue;
      } else if (op === BPF_EXIT) {
        if (BPF_SRC(insn.code) !== BPF_K || insn.imm !== 0 || insn.src !== 0 || insn.dst !== 0 || cls === BPF_JMP32)
          reject('EINVAL', msg('exitReserved'));
        exitPath = true;
      } else if (op === 0xe0) {
        notModelled('may_goto');
      } else {
        if (checkCondJmp(insn, cls === BPF_JMP)) { prevInsnIdx = thisIdx; commitWrites(lv); continue; }
      }
    } else if (cls === BPF_LD) {
      const mode = BPF_MODE(insn.code);
      if (mode !== BPF_IMM) notModelled('BPF_LD_[ABS|IND]');
      if (BPF_SIZE(insn.code) !== BPF_DW) reject('EINVAL', msg('invalidBpfLdImm'));
      if (insn.off !== 0) reject('EINVAL', msg('invalidBpfLdImm'));
      checkDst(insn.dst);
      if (insn.src === 1) {
        // resolve_pseudo_ldimm64 + check_ld_imm for BPF_PSEUDO_MAP_FD
        const m = input.maps?.get(insn.imm);
        if (!m) reject('EBADF', msg('mapFdInvalid', [insn.imm]));
        setReg(insn.dst, { ...ptrReg('map_ptr', 0), map: { name: m!.name, keySize: m!.keySize, valueSize: m!.valueSize, type: m!.type, fd: insn.imm, maxEntries: m!.maxEntries } });
        insnIdx++;
        prevInsnIdx = thisIdx;
        insnIdx++;
        commitWrites(lv);
        continue;
      }
      if (insn.src === 4) {
        // check_ld_imm for BPF_PSEUDO_FUNC: PTR_TO_FUNC of a static subprog with BTF
        const sub = findSubprog(layout.subprogs, thisIdx + insn.imm + 1);
        if (sub < 0) reject('EFAULT', msg('noProgAtInsn', [thisIdx + insn.imm + 1]));
        if (!input.btf || !input.funcInfo) notModelled('function pointer without func_info');
        if (layout.subprogs[sub].linkage !== 'static') notModelled('callback function not static');
        setReg(insn.dst, { ...ptrReg('other', 0), otherName: 'func', subprogno: sub });
        insnIdx++;
        prevInsnIdx = thisIdx;
        insnIdx++;
        commitWrites(lv);
        continue;
      }
      if (insn.src !== 0) notModelled(`ld_imm64 with src_reg ${insn.src} (map values, BTF ids, functions)`);
      setReg(insn.dst, scalarReg(scalarConst(ldImm64Value(insns, thisIdx))));
      insnIdx++;
    }

    commitWrites(lv);
    if (exitPath) {
      if (!exceptionExit && cur.curframe > 0) {
        updateLive();
        prepareFuncExit();
        lv.cur = null;
        doPrintState = true;
        continue;
      }
      if (!exceptionExit) checkReturnCode(0, 'R0');
      // process_bpf_exit
      allScratched = true;
      updateLive();
      if (!popStack()) break;
      lv.cur = null;
      updateLive();
      doPrintState = true;
      continue;
    }
    prevInsnIdx = thisIdx;
    insnIdx++;
  }

  // ---- instruction semantics ----

  function checkAlu(insn: Insn, is64: boolean): void {
    const op = BPF_OP(insn.code);
    const src = BPF_SRC(insn.code);
    if (op === BPF_END || op === BPF_NEG) {
      if (op === BPF_NEG) {
        if (src !== 0 || insn.src !== 0 || insn.off !== 0 || insn.imm !== 0) reject('EINVAL', msg('negReserved'));
      } else if (insn.src !== 0 || insn.off !== 0 || (insn.imm !== 16 && insn.imm !== 32 && insn.imm !== 64) || (is64 && src !== 0)) {
        reject('EINVAL', msg('endReserved'));
      }
      const r = readReg(insn.dst);
      if (isPointer(r)) reject('EACCES', msg('ptrArithProhibited', [insn.dst]));
      checkDst(insn.dst);
      const res = aluScalar({ code: insn.code, off: insn.off, imm: insn.imm }, r.s, scalarConst(0n));
      setReg(insn.dst, scalarReg(res.dst));
      return;
    }
    if (op === BPF_MOV) {
      if (src === BPF_X) {
        if (insn.imm !== 0 || (insn.off !== 0 && insn.off !== 8 && insn.off !== 16 && insn.off !== 32)
          || (!is64 && insn.off === 32)) reject('EINVAL', msg('movReserved'));
        const s = readReg(insn.src);
        checkDst(insn.dst);
        if (isPointer(s)) {
          if (!is64 || insn.off !== 0) notModelled('partial copy of a pointer');
          setReg(insn.dst, { ...s, s: { ...s.s } });
          return;
        }
        if (is64 && insn.off === 0) {
          // assign_scalar_id_before_mov + copy_register_state
          const a = assignScalarIdBeforeMov(s.s, env.idGen + 1);
          if (a.usedId) env.idGen++;
          frame().regs[insn.src] = scalarReg(a.src);
          setReg(insn.dst, scalarReg({ ...a.src, precise: a.src.precise }));
          return;
        }
        if (!is64 && insn.off === 0) {
          // mov32: linked only when the upper half is known zero
          let sv = s.s;
          if (sv.umax <= 0xffffffffn) {
            const a = assignScalarIdBeforeMov(sv, env.idGen + 1);
            if (a.usedId) env.idGen++;
            frame().regs[insn.src] = scalarReg(a.src);
            sv = a.src;
            setReg(insn.dst, scalarReg(scalarZext32(sv)));
          } else {
            setReg(insn.dst, scalarReg(scalarUnlinked(scalarZext32(sv))));
          }
          return;
        }
        notModelled('sign-extending mov');
      } else {
        if (insn.src !== 0 || insn.off !== 0) reject('EINVAL', msg('movReserved'));
        checkDst(insn.dst);
        setReg(insn.dst, scalarReg(aluScalar({ code: insn.code, off: 0, imm: insn.imm }, scalarConst(0n), scalarConst(0n)).dst));
      }
      return;
    }
    if (op > BPF_END) reject('EINVAL', msg('unknownOpcode', [insn.code]));
    const signed = (op === BPF_DIV || op === BPF_MOD) && insn.off === 1;
    if (src === BPF_X) {
      if (insn.imm !== 0 || (insn.off !== 0 && !signed)) reject('EINVAL', msg('aluReserved'));
      readReg(insn.src);
    } else if (insn.src !== 0 || (insn.off !== 0 && !signed)) reject('EINVAL', msg('aluReserved'));
    const d = readReg(insn.dst);
    if ((op === BPF_MOD || op === BPF_DIV) && src === BPF_K && insn.imm === 0) reject('EINVAL', msg('divByZero'));
    if ((op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH) && src === BPF_K) {
      const size = is64 ? 64 : 32;
      if (insn.imm < 0 || insn.imm >= size) reject('EINVAL', msg('invalidShift', [insn.imm]));
    }
    checkDst(insn.dst);
    const sreg: RegState = src === BPF_X ? frame().regs[insn.src] : scalarReg(scalarFromImm(insn.imm));
    if (isPointer(d) || isPointer(sreg)) {
      // adjust_ptr_min_max_vals: only fp +/- constant is modelled
      if (d.type === 'stack' && sreg.type === 'scalar' && is64 && (op === BPF_ADD || op === BPF_SUB) && scalarIsConst(sreg.s)) {
        const k = Number(BigInt.asIntN(64, sreg.s.varOff.value));
        const off = op === BPF_ADD ? d.off + k : d.off - k;
        if (Math.abs(off) >= (1 << 29)) notModelled('huge stack pointer offsets');
        setReg(insn.dst, { ...d, off });
        return;
      }
      notModelled(`ALU on a ${regTypeStr(isPointer(d) ? d : sreg)} pointer`);
    }
    const ai = { code: insn.code, off: insn.off, imm: insn.imm };
    const res = aluScalar(ai, d.s, sreg.s);
    if (res.fork) notModelled('maybe_fork_scalars state split');
    setReg(insn.dst, scalarReg(linkAfterAlu(ai, d.s.umax, res.dst, sreg.s, !input.unprivileged)));
  }

  function slotOf(f: FuncState, spi: number): StackSlot {
    while (f.stack.length <= spi) f.stack.push({ types: new Array<SlotType>(BPF_REG_SIZE).fill('?'), spilled: null });
    return f.stack[spi];
  }

  /** check_mem_access for PTR_TO_STACK with a fixed offset; everything else is not modelled. */
  function memAccess(ptr: RegState, regno: number, insnOff: number, size: number, t: 'read' | 'write',
    val: RegState | null, valRegno: number | null): RegState | void {
    if (ptr.type === 'ctx') {
      // A conservative subset of the is_valid_access rules: aligned 4-byte reads of plain
      // u32 fields of __sk_buff (socket_filter, sched_cls, sched_act) and xdp_md.
      const P = input.progType;
      const off = ptr.off + insnOff;
      const skbTypes = [1, 3, 4];
      const ok = t === 'read' && size === 4 && ptr.off === 0 && (
        (skbTypes.includes(P) && off >= 0 && off <= 40 && off % 4 === 0) ||
        (P === 6 && (off === 12 || off === 16)));
      if (!ok) notModelled(`context ${t} at offset ${off} size ${size}`);
      return scalarReg(scalarUnknown32());
    }
    if (ptr.type !== 'stack') {
      if (ptr.type === 'scalar') reject('EACCES', msg('invalidMemAccess', [regno, 'scalar']));
      notModelled(`memory access through ${regTypeStr(ptr)}`);
    }
    const off = ptr.off + insnOff;
    if (off % size !== 0) reject('EACCES', msg('stackMisalignedFixed', [ptr.off, insnOff, size]));
    if (off >= 0 || off < -MAX_BPF_STACK) {
      reject('EACCES', msg(t === 'write' ? 'stackWriteOutOfBounds' : 'stackReadOutOfBounds', [regno, off, size]));
    }
    const f = cur.frames[ptr.frameno];
    const sp = env.layout.subprogs[f.subprogno];
    if (-off > sp.stackDepth) sp.stackDepth = -off;
    const slotNo = -off - 1;
    const spi = Math.floor(slotNo / BPF_REG_SIZE);
    const byteIdx = (i: number): number => (slotNo - i) % BPF_REG_SIZE;
    const capable = !input.unprivileged;
    const isSpilled = (sl: StackSlot | undefined): boolean => !!sl && sl.types[BPF_REG_SIZE - 1] === 'r' && !!sl.spilled;
    if (t === 'write') {
      // check_stack_write_fixed_off
      const v = val as RegState;
      if (size === BPF_REG_SIZE) stackWrite(lv, ptr.frameno, spi);
      const slot = slotOf(f, spi);
      const reg = valRegno !== null && valRegno >= 0 ? v : null;
      if (!capable && isSpilled(slot) && slot.spilled!.type !== 'scalar' && size !== BPF_REG_SIZE) {
        reject('EACCES', msg('corruptSpilledPtr'));
      }
      scratchedSlots.add(spi);
      const save = (r: RegState): void => {
        // save_register_state
        slot.spilled = { ...r, s: { ...r.s } };
        let i = BPF_REG_SIZE;
        for (; i > BPF_REG_SIZE - size; i--) slot.types[i - 1] = 'r';
        for (; i; i--) if (slot.types[i - 1] !== '0' && slot.types[i - 1] !== '?') slot.types[i - 1] = 'm';
      };
      if (reg && off % BPF_REG_SIZE === 0 && reg.type === 'scalar' && capable) {
        const width = reg.s.umax === 0n ? 0 : reg.s.umax.toString(2).length;
        const fits = width <= 8 * size;
        let r = reg;
        if (fits) {
          const a = assignScalarIdBeforeMov(reg.s, env.idGen + 1);
          if (a.usedId) env.idGen++;
          frame().regs[valRegno as number] = scalarReg(a.src);
          r = scalarReg(a.src);
        }
        save(r);
        path!.spi = spi;
        if (!fits) slot.spilled = scalarReg(scalarUnlinked(slot.spilled!.s));
        return;
      }
      if (!reg && off % BPF_REG_SIZE === 0 && valRegno === -1 && capable) {
        save(v);
        path!.spi = spi;
        return;
      }
      if (reg && isPointer(reg)) {
        if (reg.type !== 'ctx' && reg.type !== 'stack') notModelled(`spill of a ${regTypeStr(reg)} pointer`);
        if (size !== BPF_REG_SIZE) reject('EACCES', msg('invalidSpillSize'));
        if (ptr.frameno !== cur.curframe && reg.type === 'stack') reject('EINVAL', msg('spillStackPtrToCaller'));
        save(reg);
        path!.spi = spi;
        return;
      }
      // a regular write destroys a spilled register: the whole slot becomes STACK_MISC (scrub_spilled_slot)
      if (slot.types[BPF_REG_SIZE - 1] === 'r') {
        slot.types = slot.types.map((x) => (x === '?' ? '?' : 'm'));
      }
      slot.spilled = null;
      const zero = (reg !== null && reg.type === 'scalar' && scalarIsConst(reg.s) && reg.s.varOff.value === 0n)
        || (reg === null && valRegno === -1 && scalarIsConst(v.s) && v.s.varOff.value === 0n);
      if (reg !== null && zero) markPrecise(valRegno as number);
      for (let i = 0; i < size; i++) slot.types[byteIdx(i)] = zero ? '0' : 'm';
      return;
    }
    // check_stack_read_fixed_off
    scratchedSlots.add(spi);
    stackRead(lv, ptr.frameno, insnIdx, spi);
    const slot = f.stack[spi];
    const typeAt = (i: number): SlotType => (slot ? slot.types[byteIdx(i)] : '?');
    const allowUninit = capable;
    if (slot && isSpilled(slot)) {
      const sp0 = slot.spilled!;
      path!.spi = spi;
      let spillSize = 1;
      for (let i = BPF_REG_SIZE - 1; i > 0 && slot.types[i - 1] === 'r'; i--) spillSize++;
      if (size !== BPF_REG_SIZE || spillSize !== BPF_REG_SIZE) {
        if (sp0.type !== 'scalar') reject('EACCES', msg('invalidFillSize'));
        if (size <= spillSize && off % BPF_REG_SIZE === 0) {
          const width = sp0.s.umax === 0n ? 0 : sp0.s.umax.toString(2).length;
          let r = scalarReg({ ...sp0.s });
          if (width > size * 8) r = scalarReg(scalarUnlinked(r.s));
          return r;
        }
        let spillCnt = 0, zeroCnt = 0;
        for (let i = 0; i < size; i++) {
          const ty = typeAt(i);
          if (ty === 'r') { spillCnt++; continue; }
          if (ty === 'm') continue;
          if (ty === '0') { zeroCnt++; continue; }
          if (ty === '?' && allowUninit) continue;
          reject('EACCES', msg('stackReadUninit', [off, i, size]));
        }
        if ((spillCnt === size && scalarIsConst(sp0.s) && sp0.s.varOff.value === 0n) || zeroCnt === size) {
          path!.spi = undefined;
          return scalarReg(scalarConst(0n));
        }
        return scalarReg(scalarUnknown());
      }
      return { ...sp0, s: { ...sp0.s } };
    }
    let zeros = 0;
    for (let i = 0; i < size; i++) {
      const ty = typeAt(i);
      if (ty === 'm') continue;
      if (ty === '0') { zeros++; continue; }
      if (ty === '?' && allowUninit) continue;
      reject('EACCES', msg('stackReadUninit', [off, i, size]));
    }
    return scalarReg(zeros === size ? scalarConst(0n) : scalarUnknown());
  }

  /** sync_linked_regs: every register and spilled scalar with `known`'s id takes its refined value. */
  function syncLinked(st: VState, known: Scalar): void {
    if (!known.id) return;
    for (const f of st.frames) {
      f.regs.forEach((r, i) => { if (r.type === 'scalar' && r.s.id === known.id) f.regs[i] = scalarReg(syncLinkedScalar(r.s, known)); });
      for (const sl of f.stack) if (sl.spilled && sl.spilled.type === 'scalar' && sl.spilled.s.id === known.id) sl.spilled = scalarReg(syncLinkedScalar(sl.spilled.s, known));
    }
  }

  /** check_cond_jmp_op; returns true when it set insnIdx itself (branch taken). */
  function checkCondJmp(insn: Insn, is64: boolean): boolean {
    const op = BPF_OP(insn.code);
    if (!COND_OPS.has(op)) reject('EINVAL', msg('unknownOpcode', [insn.code]));
    let src: RegState;
    const isX = BPF_SRC(insn.code) === BPF_X;
    if (isX) {
      if (insn.imm !== 0) reject('EINVAL', msg('condJmpReserved'));
      src = readReg(insn.src);
    } else {
      if (insn.src !== 0) reject('EINVAL', msg('condJmpReserved'));
      src = scalarReg(scalarFromImm(insn.imm));
    }
    const dst = readReg(insn.dst);
    if (isPointer(dst) || isPointer(src)) notModelled('comparison involving pointers');
    const jmp32 = !is64;
    const taken = isBranchTaken(dst.s, src.s, op, jmp32);
    const target = insnIdx + insn.off + 1;
    if (taken >= 0) {
      if (!isPointer(dst)) markPrecise(insn.dst);
      if (isX && !isPointer(src)) markPrecise(insn.src);
    }
    if (taken === 1) {
      if (log.level & (BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2)) printInsnState();
      insnIdx = target;
      return true;
    }
    if (taken === 0) {
      if (log.level & (BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2)) printInsnState();
      return false;
    }
    const other = cloneState(cur);
    const same = isX && insn.src === insn.dst;
    const b = regSetMinMax(dst.s, src.s, op, jmp32, same);
    const of = other.frames[other.curframe];
    of.regs[insn.dst] = scalarReg(b.trueDst);
    if (isX) of.regs[insn.src] = scalarReg(b.trueSrc);
    frame().regs[insn.dst] = scalarReg(b.falseDst);
    if (isX) frame().regs[insn.src] = scalarReg(b.falseSrc);
    syncLinked(other, b.trueDst);
    syncLinked(cur, b.falseDst);
    if (isX) { syncLinked(other, b.trueSrc); syncLinked(cur, b.falseSrc); }
    pushStack(target, insnIdx, other);
    if (log.level & (BPF_LOG_LEVEL1 | BPF_LOG_LEVEL2)) printInsnState();
    return false;
  }

  function checkFuncCall(insn: Insn): void {
    const target = insnIdx + insn.imm + 1;
    const subprogno = findSubprog(env.layout.subprogs, target);
    if (subprogno < 0) reject('EFAULT', msg('noProgAtInsn', [target]));
    if (cur.curframe + 1 >= MAX_CALL_FRAMES) reject('E2BIG', msg('callStackTooDeepCall', [cur.curframe + 2]));
    const callee = env.layout.subprogs[subprogno];
    const caller = frame();
    if (callee.linkage === 'global') {
      const args = prepareFuncArgs(env, subprogno);
      for (let i = 0; i < args.length; i++) {
        const r = readReg(i + 1);
        if (args[i] === 'scalar' && r.type !== 'scalar') reject('EINVAL', msg('argNotScalar', [i + 1]) + '\n' + msg('callerInvalidArgs', [subprogno, callee.name]));
        if (args[i] === 'ctx' && r.type !== 'ctx') notModelled('global function argument of a non-ctx pointer');
      }
      env.calledGlobals.add(subprogno);
      if (log.level & BPF_LOG_LEVEL1 || log.level & BPF_LOG_LEVEL2)
        verbose(log, msg('globalAssumedValid', [subprogno, callee.name]) + '\n');
      for (let r = 1; r <= 5; r++) caller.regs[r] = notInit();
      caller.regs[0] = scalarReg(scalarUnknown());
      scratchReg(0);
      insnIdx++;
      prevInsnIdx = insnIdx - 1;
      return;
    }
    if (callee.isExceptionCb) throw new VerifierReject('EINVAL', msg('callExceptionCbDirectly', [insnIdx]), false, true);
    const calleeFrame = newFuncState(cur.curframe + 1, subprogno, insnIdx);
    for (let r = 1; r <= 5; r++) calleeFrame.regs[r] = { ...caller.regs[r], s: { ...caller.regs[r].s } };
    for (let r = 0; r <= 5; r++) caller.regs[r] = notInit(); // clear_caller_saved_regs, before the print
    if (log.level & BPF_LOG_LEVEL1 || log.level & BPF_LOG_LEVEL2) {
      verbose(log, msg('callerHeader') + '\n');
      verbose(log, formatFuncState(caller, true, scratchedRegs, scratchedSlots));
      verbose(log, msg('calleeHeader') + '\n');
      verbose(log, formatFuncState(calleeFrame, true, scratchedRegs, scratchedSlots));
    }
    cur.frames.push(calleeFrame);
    cur.curframe++;
    allScratched = true;
    prevInsnIdx = insnIdx;
    insnIdx = target;
  }

  function prepareFuncExit(): void {
    const callee = frame();
    const r0 = callee.regs[0];
    if (r0.type === 'not_init') reject('EACCES', msg('regNotReadOk', [0]));
    if (r0.type === 'stack' && r0.frameno === callee.frameno) notModelled('returning a pointer to the callee stack');
    if (r0.type === 'other') notModelled(`returning a ${regTypeStr(r0)} pointer from a subprog`);
    const caller = cur.frames[cur.curframe - 1];
    if (callee.inCallbackFn) {
      // a bpf_loop callback: R0 in [0, 1]; back to the callsite, which calls the callback again
      // unless the state there is one already seen
      if (r0.type !== 'scalar') reject('EACCES', msg('callbackR0NotScalar'));
      markPrecise(0);
      if (!(0n <= r0.s.smin && r0.s.smax <= 1n)) {
        reject('EINVAL', msg('retvalOutOfRange', ['At callback return', 'R0', formatInvalidScalar(r0.s), 0, 1]));
      }
      cbReturn = true;
    } else {
      caller.regs[0] = { ...r0, s: { ...r0.s } };
    }
    const retTo = callee.inCallbackFn ? callee.callsite : callee.callsite + 1;
    if (log.level & BPF_LOG_LEVEL1 || log.level & BPF_LOG_LEVEL2) {
      verbose(log, msg('returningFromCallee') + '\n');
      verbose(log, formatFuncState(callee, true, scratchedRegs, scratchedSlots));
      verbose(log, msg('toCallerAt', [retTo]) + '\n');
      verbose(log, formatFuncState(caller, true, scratchedRegs, scratchedSlots));
    }
    cur.frames.pop();
    cur.curframe--;
    // (the kernel leaves no scratch marks here: no state line follows `from N to M:`)
    prevInsnIdx = insnIdx;
    insnIdx = retTo;
  }

  /** check_helper_call for bpf_tail_call(ctx, prog_array, index). */
  function checkTailCall(): void {
    const r1 = readReg(1);
    if (r1.type !== 'ctx') reject('EACCES', msg('argTypeExpected', [1, regTypeStr(r1), 'ctx']));
    const r2 = readReg(2);
    if (r2.type !== 'map_ptr') reject('EACCES', msg('argTypeExpected', [2, regTypeStr(r2), 'map_ptr']));
    if (r2.map!.type !== BPF_MAP_TYPE_PROG_ARRAY) reject('EINVAL', msg('mapTypeIntoFunc', [r2.map!.type, 'bpf_tail_call', 12]));
    const r3 = readReg(3);
    if (r3.type === 'scalar' && scalarIsConst(r3.s) && r3.s.varOff.value < BigInt(r2.map!.maxEntries)) markPrecise(3);
    for (let r = 1; r <= 5; r++) frame().regs[r] = notInit();
    frame().regs[0] = scalarReg(scalarUnknown());
    scratchReg(0);
  }

  /**
   * check_helper_call for bpf_loop(nr_loops, callback_fn, callback_ctx, flags): the callback is
   * queued as a new frame (push_callback_call with set_loop_callback_state: R1 = index, R2 = ctx)
   * and the caller goes on with R0 = scalar.
   */
  function checkLoop(callsite: number): void {
    const r1 = readReg(1);
    if (r1.type !== 'scalar') notModelled('bpf_loop with a pointer as nr_loops');
    const r2 = readReg(2);
    if (r2.type !== 'other' || r2.otherName !== 'func') notModelled(`bpf_loop callback argument of type ${regTypeStr(r2)}`);
    const r3 = readReg(3);
    const ctxOk = (r3.type === 'scalar' && scalarIsConst(r3.s) && r3.s.varOff.value === 0n)
      || (r3.type === 'stack' && r3.off < 0 && r3.off >= -MAX_BPF_STACK);
    if (!ctxOk) notModelled(`bpf_loop callback_ctx of type ${regTypeStr(r3)}`);
    const r4 = readReg(4);
    if (r4.type !== 'scalar') notModelled('bpf_loop with a pointer as flags');
    const sub = r2.subprogno!;
    // update_loop_inline_state (flags are checked at run time, not here)
    const flagsZero = scalarIsConst(r4.s) && r4.s.varOff.value === 0n;
    const st = env.loopInline.get(callsite);
    if (!st) {
      if (flagsZero) markPrecise(4);
      env.loopInline.set(callsite, { fit: flagsZero, subprogno: sub });
    } else if (st.fit) {
      if (flagsZero) markPrecise(4);
      st.fit = flagsZero && st.subprogno === sub;
    }
    markPrecise(1);
    if (r1.s.umax === 0n) notModelled('bpf_loop with nr_loops 0');
    if (cur.curframe + 1 >= MAX_CALL_FRAMES) notModelled('bpf_loop callback too deep in the call stack');
    // push_callback_call -> btf_check_subprog_call: its message is logged, its verdict ignored
    callbackArgsLog(sub);
    const cbState = cloneState(cur);
    const cb = newFuncState(cur.curframe + 1, sub, callsite);
    cb.regs[1] = scalarReg(scalarUnknown());
    cb.regs[2] = { ...r3, s: { ...r3.s } };
    cb.inCallbackFn = true;
    cbState.frames.push(cb);
    cbState.curframe++;
    env.layout.subprogs[sub].isCb = true;
    pushStack(env.layout.subprogs[sub].start, callsite, cbState);
    for (let r = 1; r <= 5; r++) frame().regs[r] = notInit();
    frame().regs[0] = scalarReg(scalarUnknown());
    scratchReg(0);
  }

  /**
   * btf_check_func_arg_match for a static callback against the caller's R1..R5: integer
   * parameters want scalars; a parameter that is neither an integer nor a pointer makes
   * btf_prepare_func_args fail without a message (observed: `void *`).
   */
  function callbackArgsLog(sub: number): void {
    const b = input.btf;
    const spInfo = env.layout.subprogs[sub];
    const fn = b && spInfo.btfId ? b.types[spInfo.btfId] : undefined;
    const proto = fn && fn.type !== undefined ? b!.types[fn.type] : undefined;
    if (!b || !proto || proto.kind !== 'func_proto') return notModelled('bpf_loop callback without a BTF prototype');
    const skipMods = (id: number | undefined): number => {
      let c = id ?? 0;
      for (let guard = 0; guard < 64 && c; guard++) {
        const t = b.types[c];
        if (!t || !['typedef', 'volatile', 'const', 'restrict', 'type_tag'].includes(t.kind)) break;
        c = t.type ?? 0;
      }
      return c;
    };
    const params = proto.params ?? [];
    if (params.length > 5) return notModelled('bpf_loop callback with more than 5 parameters');
    const kinds = params.map((p) => b.types[skipMods(p.type)]);
    if (kinds.some((t) => t && t.kind === 'ptr' && b.types[skipMods(t.type)]?.kind !== 'void')) {
      return notModelled('bpf_loop callback with typed pointer parameters');
    }
    if (!kinds.every((t) => t && (t.kind === 'int' || t.kind === 'enum' || t.kind === 'enum64'))) return;
    for (let i = 0; i < params.length; i++) {
      const r = frame().regs[i + 1];
      if (r.type === 'not_init') return notModelled('bpf_loop callback parameter from an unset register');
      if (r.type !== 'scalar') { verbose(log, msg('argNotScalar', [i + 1]) + '\n'); return; }
    }
  }

  /** check_kfunc_call for bpf_throw(u64 cookie). */
  function checkThrow(): void {
    const r1 = readReg(1);
    if (r1.type !== 'scalar') reject('EINVAL', msg('argNotScalar', [1]));
    env.seenException = true;
    if (!env.layout.exceptionCallback) checkReturnCode(1, 'R1');
    for (let r = 0; r <= 5; r++) frame().regs[r] = notInit();
  }

  /** check_return_code */
  function checkReturnCode(regno: number, regName: string): void {
    const f0 = cur.frames[0];
    const isSubprog = f0.subprogno !== 0;
    const reg = readReg(regno);
    if (isPointer(reg) && input.unprivileged) reject('EACCES', msg('leaksAddrAsReturn', [regno]));
    if (reg.type === 'other') notModelled(`returning a ${regTypeStr(reg)} pointer`);
    if (isSubprog && !f0.inExceptionCallback) {
      if (reg.type !== 'scalar') reject('EINVAL', msg('subprogExitNotScalar', [regno, regTypeStr(reg)]));
      return;
    }
    const range = returnRange(input.progType, input.expectedAttachType ?? 0, !!input.attachBtfId);
    if (range === 'unsupported') return notModelled(`return value rules of program type ${input.progType}`);
    if (range === null) return;
    const ctx = 'At program exit';
    if (reg.type !== 'scalar') reject('EINVAL', msg('returnNotKnownValue', [ctx, regno, regTypeStr(reg)]));
    markPrecise(regno);
    const s: Scalar = reg.s;
    if (!(BigInt(range.min) <= s.smin && s.smax <= BigInt(range.max))) {
      reject('EINVAL', msg('retvalOutOfRange', [ctx, regName, formatInvalidScalar(s), range.min, range.max]));
    }
  }
}

export type ArgKind = 'scalar' | 'ctx';

/** btf_prepare_func_args for global subprogs and the exception callback: scalar and ctx arguments. */
export function prepareFuncArgs(env: CheckEnv, subprog: number): ArgKind[] {
  const { input, layout } = env;
  const sp = layout.subprogs[subprog];
  const btf = input.btf;
  const isGlobal = sp.linkage === 'global';
  if (!btf || !sp.btfId) {
    if (!isGlobal && subprog !== layout.exceptionCallback) notModelled('static subprog without BTF as entry');
    reject('EFAULT', msg('globalFuncNeedsBtf'));
  }
  const b = btf!;
  const fn = b.types[sp.btfId];
  const proto = fn.type !== undefined ? b.types[fn.type] : undefined;
  if (!proto || proto.kind !== 'func_proto') reject('EFAULT', msg('invalidFuncType', [fn.name]));
  const params = proto!.params ?? [];
  if (params.length > 5) reject('EINVAL', msg('globalFuncTooManyArgs', [fn.name, params.length, 5]));
  const skipMods = (id: number | undefined): number => {
    let cur = id ?? 0;
    for (let guard = 0; guard < 64 && cur; guard++) {
      const t = b.types[cur];
      if (!t || !['typedef', 'volatile', 'const', 'restrict', 'type_tag'].includes(t.kind)) break;
      cur = t.type ?? 0;
    }
    return cur;
  };
  const ret = b.types[skipMods(proto!.type)];
  if (!ret || (ret.kind !== 'int' && ret.kind !== 'enum' && ret.kind !== 'enum64')) {
    reject('EINVAL', msg('globalFuncNotScalarRet', [fn.name]));
  }
  const out: ArgKind[] = [];
  for (let i = 0; i < params.length; i++) {
    for (let j = 1; j < b.types.length; j++) {
      const t = b.types[j];
      if (t.kind === 'decl_tag' && t.type === sp.btfId && t.componentIdx === i && t.name.startsWith('arg:')) notModelled('arg: decl tags');
    }
    const t = b.types[skipMods(params[i].type)];
    if (t && t.kind === 'ptr') {
      const target = b.types[skipMods(t.type)];
      const ctxNames = ['__sk_buff', 'xdp_md', 'bpf_sock', 'pt_regs', 'bpf_perf_event_data', 'bpf_sock_ops', 'sk_msg_md'];
      if (target && target.kind === 'struct' && ctxNames.includes(target.name)) { out.push('ctx'); continue; }
      notModelled('pointer arguments of global functions');
    }
    if (t && (t.kind === 'int' || t.kind === 'enum' || t.kind === 'enum64')) { out.push('scalar'); continue; }
    reject('EINVAL', msg('globalFuncArgUnsupported', [i, t ? t.kind.toUpperCase() : 'UNKNOWN', fn.name]));
  }
  return out;
}

