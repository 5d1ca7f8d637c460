// Function signatures from BTF: btf_prepare_func_args for global subprogs and the
// exception callback (scalar and ctx arguments modelled), and the part of
// btf_check_func_arg_match that logs for a static callback's arguments
// (kernel/bpf/btf.c).
import { verbose } from './log';
import { VerifierEnv, curFrame, fail, notModelled, text } from './env';
import { declTagsOf } from '../btf/lookup';
import { btfTypeAt, skipModifiers, resolvedAt, funcProtoOf, isScalarKind } from './btf_view';

export type ArgKind = 'scalar' | 'ctx';

/** The context structs a global function's pointer argument may name (btf_is_prog_ctx_type, the modelled part). */
const CTX_STRUCT_NAMES: ReadonlySet<string> = new Set(['__sk_buff', 'xdp_md', 'bpf_sock', 'pt_regs', 'bpf_perf_event_data', 'bpf_sock_ops', 'sk_msg_md']);

/** btf_prepare_func_args: the argument kinds of a global subprog or the exception callback. */
export function prepareFuncArgs(env: VerifierEnv, subprog: number): ArgKind[] {
  const { input, layout } = env;
  const sp = layout.subprogs[subprog];
  const btf = input.btf;
  if (!btf || !sp.btfId) {
    if (sp.linkage !== 'global' && subprog !== layout.exceptionCallback) notModelled(env, 'static subprog without BTF as entry');
    fail(env, 'EFAULT', 'globalFuncNeedsBtf');
  }
  const fn = btfTypeAt(btf, sp.btfId);
  const fnName = fn?.name ?? '';
  const proto = funcProtoOf(btf, sp.btfId);
  if (!proto) fail(env, 'EFAULT', 'invalidFuncType', [fnName]);
  const params = proto.params;
  if (params.length > 5) fail(env, 'EINVAL', 'globalFuncTooManyArgs', [fnName, params.length, 5]);
  if (!isScalarKind(resolvedAt(btf, proto.returnType))) fail(env, 'EINVAL', 'globalFuncNotScalarRet', [fnName]);
  const out: ArgKind[] = [];
  for (let i = 0; i < params.length; i++) {
    if (declTagsOf(btf, sp.btfId, i).some((t) => t.tag.name.startsWith('arg:'))) notModelled(env, 'arg: decl tags');
    const t = resolvedAt(btf, params[i].type);
    if (t && t.kind === 'ptr') {
      const target = resolvedAt(btf, t.type);
      if (target && target.kind === 'struct' && CTX_STRUCT_NAMES.has(target.name)) { out.push('ctx'); continue; }
      notModelled(env, 'pointer arguments of global functions');
    }
    if (isScalarKind(t)) { out.push('scalar'); continue; }
    fail(env, 'EINVAL', 'globalFuncArgUnsupported', [i, t ? t.kind.toUpperCase() : 'UNKNOWN', fnName]);
  }
  return out;
}

/**
 * btf_check_func_arg_match for a static callback against the caller's R1..R5: integer
 * parameters want scalars; a parameter that is neither an integer nor a pointer makes
 * btf_prepare_func_args fail without a message (observed: `void *`). Its message is
 * logged, its verdict ignored (push_callback_call).
 */
export function logCallbackArgMismatch(env: VerifierEnv, sub: number): void {
  const btf = env.input.btf;
  const proto = btf ? funcProtoOf(btf, env.layout.subprogs[sub].btfId) : undefined;
  if (!btf || !proto) return notModelled(env, 'bpf_loop callback without a BTF prototype');
  const params = proto.params;
  if (params.length > 5) return notModelled(env, 'bpf_loop callback with more than 5 parameters');
  const kinds = params.map((p) => btfTypeAt(btf, skipModifiers(btf, p.type)));
  if (kinds.some((t) => t && t.kind === 'ptr' && skipModifiers(btf, t.type) !== 0)) {
    return notModelled(env, 'bpf_loop callback with typed pointer parameters');
  }
  if (!kinds.every(isScalarKind)) return;
  for (let i = 0; i < params.length; i++) {
    const r = curFrame(env).regs[i + 1];
    if (r.type === 'not_init') return notModelled(env, 'bpf_loop callback parameter from an unset register');
    if (r.type !== 'scalar') { verbose(env.log, text(env, 'argNotScalar', [i + 1]) + '\n'); return; }
  }
}
