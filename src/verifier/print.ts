// The log lines of the walk: print_verifier_state, print_insn_state and the
// instruction line of do_check with its alignment, and the source line before it
// (verbose_linfo, find_linfo) (kernel/bpf/log.c, verifier.c).
import { formatInsnLine } from '../isa/disasm';
import { verbose, logReset, vlogAlignment, BPF_LOG_LEVEL2 } from './log';
import { VerifierEnv, curFrame, logOn, kfuncName, text } from './env';
import { FuncState, formatFuncState } from './state';

/** print_verifier_state(cur_func, print_all) */
export function printState(env: VerifierEnv, printAll: boolean): void {
  const all = printAll || env.allScratched;
  verbose(env.log, formatFuncState(curFrame(env), all, env.scratchedRegs, env.scratchedSlots, env.cur.refs));
  // print_verifier_state(print_all) leaves the scratch marks; only the scratched-only print clears them
  if (!printAll) {
    env.scratchedRegs.clear();
    env.scratchedSlots.clear();
    env.allScratched = false;
  }
}

/** A whole frame, as the call and return lines print it. */
export function printFrame(env: VerifierEnv, f: FuncState): void {
  verbose(env.log, formatFuncState(f, true, env.scratchedRegs, env.scratchedSlots, env.cur.refs));
}

const stateScratched = (env: VerifierEnv): boolean =>
  env.allScratched || env.scratchedRegs.size > 0 || env.scratchedSlots.size > 0;

/** print_insn_state: the scratched state after the instruction line, or on a line of its own. */
export function printInsnState(env: VerifierEnv): void {
  const log = env.log;
  if (env.prevLogPos && env.prevLogPos === log.len) {
    logReset(log, env.prevLogPos - 1);
    verbose(log, ' '.repeat(vlogAlignment(env.prevInsnPrintPos)) + ';');
  } else {
    verbose(log, `${env.insnIdx}:`);
  }
  printState(env, false);
}

/** find_linfo: the index of the last line info at or before `insnIdx`, or -1. */
function findLinfo(env: VerifierEnv, insnIdx: number): number {
  const li = env.input.lineInfo;
  if (!li?.length || insnIdx >= env.insns.length) return -1;
  let lo = 0, hi = li.length - 1; // li[lo].insnOff <= insnIdx (the first record is at 0)
  while (lo < hi) {
    const mid = lo + ((hi - lo + 1) >> 1);
    if (li[mid].insnOff <= insnIdx) lo = mid; else hi = mid - 1;
  }
  return lo;
}

/**
 * verbose_linfo: the source line of `insnIdx` (`PREFIX<line> @ <file name>:<line number>`,
 * leading white space trimmed, the file name without its directories), unless the line
 * info printed last (since do_check_common began, whatever the log lost since) is that
 * record or another of the same file and line number (only columns differ).
 */
export function verboseLinfo(env: VerifierEnv, insnIdx: number, prefix: string): void {
  const i = findLinfo(env, insnIdx);
  if (i < 0 || i === env.prevLinfo) return;
  const l = env.input.lineInfo![i];
  const prev = env.prevLinfo >= 0 ? env.input.lineInfo![env.prevLinfo] : undefined;
  if (prev && prev.fileName === l.fileName && prev.lineNum === l.lineNum) return;
  const file = l.fileName.slice(l.fileName.lastIndexOf('/') + 1);
  verbose(env.log, `${prefix}${l.line.replace(/^[ \t\n\v\f\r]+/, '')} @ ${file}:${l.lineNum}\n`);
  env.prevLinfo = i;
}

/** do_check's lines before an instruction runs: `from N to M:` with the state, then the instruction. */
export function logInsn(env: VerifierEnv): void {
  const log = env.log;
  if ((log.level & BPF_LOG_LEVEL2) && env.doPrintState) {
    verbose(log, '\n' + text(env, 'fromTo', [env.prevInsnIdx, env.insnIdx]));
    printState(env, true);
    env.doPrintState = false;
  }
  if (!logOn(env)) return;
  if (stateScratched(env)) printInsnState(env);
  verboseLinfo(env, env.insnIdx, '; ');
  env.prevLogPos = log.len;
  verbose(log, formatInsnLine(env.insns, env.insnIdx, { kfuncName: (i) => kfuncName(env, i) }) + '\n');
  env.prevInsnPrintPos = log.len - env.prevLogPos;
  env.prevLogPos = log.len;
}
