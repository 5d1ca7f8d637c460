// Helper calls: check_helper_call walking the helper's prototype (helper_protos.ts)
// with check_func_arg per argument type and check_map_func_compatibility, then the
// per-helper parts modelled: bpf_tail_call's key precision, and bpf_loop's callback
// (push_callback_call with set_loop_callback_state: R1 = index, R2 = ctx;
// update_loop_inline_state) (kernel/bpf/verifier.c).
import { Insn } from '../isa/insn';
import { MAX_BPF_STACK } from '../isa/opcodes';
import { VerifierEnv, MAX_CALL_FRAMES, curFrame, fail, notModelled } from './env';
import { readReg, clearArgRegs, scratchReg, markPrecise } from './regs';
import { RegState, regTypeStr, scalarReg, cloneState, newFuncState } from './state';
import { scalarUnknown, scalarIsConst } from './scalar_bridge';
import { HELPER_PROTOS, HelperArg, HelperProto } from './helper_protos';
import { logCallbackArgMismatch } from './func_args';
import { pushStack } from './states';

const isConstZero = (r: RegState): boolean => r.type === 'scalar' && scalarIsConst(r.s) && r.s.varOff.value === 0n;

/** check_func_arg for one argument of a helper. */
function checkFuncArg(env: VerifierEnv, proto: HelperProto, regno: number, kind: HelperArg): RegState {
  const r = readReg(env, regno);
  switch (kind) {
    case 'anything': return r;
    case 'ctx':
      if (r.type !== 'ctx') fail(env, 'EACCES', 'argTypeExpected', [regno, regTypeStr(r), 'ctx']);
      return r;
    case 'const_map_ptr':
      if (r.type !== 'map_ptr') fail(env, 'EACCES', 'argTypeExpected', [regno, regTypeStr(r), 'map_ptr']);
      return r;
    case 'func':
      if (r.type !== 'func') notModelled(env, `${proto.name} callback argument of type ${regTypeStr(r)}`);
      return r;
    case 'stack_or_null':
      if (!isConstZero(r) && !(r.type === 'stack' && r.off < 0 && r.off >= -MAX_BPF_STACK)) {
        notModelled(env, `${proto.name} callback_ctx of type ${regTypeStr(r)}`);
      }
      return r;
  }
}

/** check_helper_call */
export function checkHelperCall(env: VerifierEnv, insn: Insn, idx: number): void {
  const proto = HELPER_PROTOS[insn.imm];
  if (!proto) return notModelled(env, `helper call #${insn.imm}`);
  const args = proto.args.map((kind, i) => checkFuncArg(env, proto, i + 1, kind));
  const map = args.find((r) => r.type === 'map_ptr');
  if (proto.mapTypes && map && map.type === 'map_ptr' && !proto.mapTypes.includes(map.map.type)) {
    fail(env, 'EINVAL', 'mapTypeIntoFunc', [map.map.type, proto.name, insn.imm]);
  }
  if (proto.special === 'tail_call') {
    // record_func_key: a constant index within the prog array is marked precise
    const key = args[2];
    if (map?.type === 'map_ptr' && key.type === 'scalar' && scalarIsConst(key.s) && key.s.varOff.value < BigInt(map.map.maxEntries)) markPrecise(env, 3);
  } else if (proto.special === 'loop') {
    pushLoopCallback(env, idx, args);
  }
  clearArgRegs(env);
  curFrame(env).regs[0] = scalarReg(scalarUnknown());
  scratchReg(env, 0);
}

/** bpf_loop(nr_loops, callback_fn, callback_ctx, flags): queue the callback as a new frame. */
function pushLoopCallback(env: VerifierEnv, callsite: number, [nr, fn, ctx, flags]: RegState[]): void {
  if (nr.type !== 'scalar') return notModelled(env, 'bpf_loop with a pointer as nr_loops');
  if (flags.type !== 'scalar') return notModelled(env, 'bpf_loop with a pointer as flags');
  if (fn.type !== 'func') return;
  const sub = fn.subprogno;
  // update_loop_inline_state (flags are checked at run time, not here)
  const flagsZero = isConstZero(flags);
  const st = env.loopInline.get(callsite);
  if (!st) {
    if (flagsZero) markPrecise(env, 4);
    env.loopInline.set(callsite, { fit: flagsZero, subprogno: sub });
  } else if (st.fit) {
    if (flagsZero) markPrecise(env, 4);
    st.fit = flagsZero && st.subprogno === sub;
  }
  markPrecise(env, 1);
  if (nr.s.umax === 0n) notModelled(env, 'bpf_loop with nr_loops 0');
  if (env.cur.curframe + 1 >= MAX_CALL_FRAMES) notModelled(env, 'bpf_loop callback too deep in the call stack');
  logCallbackArgMismatch(env, sub);
  const cbState = cloneState(env.cur);
  const cb = newFuncState(env.cur.curframe + 1, sub, callsite);
  cb.regs[1] = scalarReg(scalarUnknown());
  cb.regs[2] = ctx;
  cb.inCallbackFn = true;
  cbState.frames.push(cb);
  cbState.curframe++;
  env.layout.subprogs[sub].isCb = true;
  pushStack(env, env.layout.subprogs[sub].start, callsite, cbState);
}
