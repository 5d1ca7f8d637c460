// Function signatures from BTF (kernel/bpf/btf.c, kernel/bpf/verifier.c):
// btf_prepare_func_args (the argument kinds of a subprog: scalars, the program's
// context, `arg:ctx`, `arg:nonnull`, pointers to memory of the pointee's size for
// global functions; every message of a mismatch; a static function's BTF that does
// not convert is unreliable without a message), btf_check_func_arg_match (the
// caller's R1..R5 against those kinds) and btf_check_subprog_call (a subprog whose
// check failed once is `unreliable` and not checked again).
import { verbose } from './log';
import { VerifierEnv, curFrame, fail, notModelled, text } from './env';
import { RegState, isPointer, PTR_MAYBE_NULL } from './state';
import { VerifierReject, Errno } from './types';
import { MessageKey, MessageArgs } from './messages';
import { declTagsOf, typeSize } from '../btf/lookup';
import { BtfType } from '../btf/types';
import { btfTypeAt, resolvedAt, funcProtoOf, isScalarKind } from './btf_view';
import { btfIsProgCtxType, btfTypeStr, progCtxType } from './kfunc_btf';
import { checkFuncArgRegOff, newCallArgMeta } from './helper_args';
import { processDynptrArg } from './dynptr';
import { checkMemReg, registerIsNull } from './helper_mem';

/** struct bpf_subprog_arg_info: ARG_ANYTHING, ARG_PTR_TO_CTX, or ARG_PTR_TO_MEM of `size` bytes. */
export type ArgKind = { kind: 'scalar' } | { kind: 'ctx' } | { kind: 'mem'; size: number; nullable: boolean } | { kind: 'dynptr' };

/** A failure of btf_prepare_func_args: logged (unless `silent`), with its errno. */
export class PrepareError { constructor(readonly errno: Errno, readonly message: string | null) {} }

const TAGS = ['ctx', 'trusted', 'nonnull', 'nullable', 'arena'] as const;
type Tag = typeof TAGS[number];

/** btf_prepare_func_args's answer for one subprog: the kinds, or why they are unusable. */
export type PreparedArgs = readonly ArgKind[] | PrepareError;

/** btf_prepare_func_args once per subprog (it depends on the program's BTF only); later calls reuse the answer (sub->args_cached). */
function prepare(env: VerifierEnv, subprog: number): PreparedArgs {
  const bySubprog = env.argsCached ??= new Map();
  let r = bySubprog.get(subprog);
  if (r === undefined) bySubprog.set(subprog, r = prepareUncached(env, subprog));
  return r;
}

/** The tags of a parameter without `arg:` decl tags (most): shared, never written. */
const NO_TAGS: Set<Tag> = new Set();

/** btf_prepare_func_args: the kinds, or a PrepareError (`message` null: -EINVAL without a message). */
function prepareUncached(env: VerifierEnv, subprog: number): ArgKind[] | PrepareError {
  const sp = env.layout.subprogs[subprog];
  const isGlobal = sp.linkage === 'global';
  const btf = env.input.btf;
  const err = (errno: Errno, key: MessageKey | null, args: MessageArgs = []): PrepareError =>
    new PrepareError(errno, key === null ? null : text(env, key, args));
  if (!btf || !sp.btfId) return isGlobal ? err('EFAULT', 'globalFuncNeedsBtf') : err('EINVAL', null);
  const fnName = btfTypeAt(btf, sp.btfId)?.name ?? '';
  const proto = funcProtoOf(btf, sp.btfId);
  if (!proto) return err('EFAULT', 'invalidFuncType', [fnName]);
  const params = proto.params;
  if (params.length > 5) return isGlobal ? err('EINVAL', 'globalFuncTooManyArgs', [fnName, params.length, 5]) : err('EINVAL', null);
  if (!isScalarKind(resolvedAt(btf, proto.returnType))) return isGlobal ? err('EINVAL', 'globalFuncNotScalarRet', [fnName]) : err('EINVAL', null);
  const out: ArgKind[] = [];
  for (let i = 0; i < params.length; i++) {
    let tags = NO_TAGS;
    for (const d of declTagsOf(btf, sp.btfId, i)) {
      if (!d.tag.name.startsWith('arg:')) continue;
      if (!isGlobal) return err('EOPNOTSUPP', 'argTagInStatic', [i]);
      const tag = d.tag.name.slice(4) as Tag;
      if (!TAGS.includes(tag)) return err('EOPNOTSUPP', 'argTagsUnsupported', [i]);
      if (tags === NO_TAGS) tags = new Set();
      tags.add(tag);
    }
    const t = resolvedAt(btf, params[i].type);
    const kind = t?.kind === 'ptr' ? pointerArg(env, i, t, tags, isGlobal, fnName) : plainArg(env, i, t, tags, isGlobal, fnName);
    if (kind instanceof PrepareError) return kind;
    out.push(kind);
  }
  return out;
}

/** A pointer parameter of btf_prepare_func_args. */
function pointerArg(env: VerifierEnv, i: number, t: Extract<BtfType, { kind: 'ptr' }>, tags: Set<Tag>, isGlobal: boolean,
  fnName: string): ArgKind | PrepareError {
  const btf = env.input.btf!;
  const err = (key: MessageKey, args: MessageArgs = []): PrepareError => new PrepareError('EINVAL', text(env, key, args));
  if (tags.has('ctx') || btfIsProgCtxType(env, btf, t.type)) {
    if ([...tags].some((x) => x !== 'ctx')) return err('argTagsInvalidCombination', [i]);
    if (tags.has('ctx')) {
      const bad = validateProgCtxType(env, i, t.type);
      if (bad) return bad;
    }
    return { kind: 'ctx' };
  }
  const target = resolvedAt(btf, t.type);
  if (target?.kind === 'struct' && target.name === 'bpf_dynptr') {
    // ARG_PTR_TO_DYNPTR | MEM_RDONLY (a callback's record of bpf_user_ringbuf_drain, a global function's argument)
    if (tags.size) return notModelled(env, 'dynptr arguments with tags');
    return { kind: 'dynptr' };
  }
  if (tags.has('trusted') || tags.has('arena')) return notModelled(env, 'arg:trusted and arg:arena function arguments');
  if (isGlobal) {
    if (tags.has('nullable')) return err('argTagsInvalidCombination', [i]);
    let size: number;
    try { size = target ? typeSize(btf, t.type) : -1; } catch { size = -1; }
    if (size < 0 || !target || target.kind === 'func_proto') return err('argRefSizeUnknown', [i, btfTypeStr(target), target?.name ?? '', -22]);
    return { kind: 'mem', size, nullable: !tags.has('nonnull') };
  }
  return plainArg(env, i, t, tags, isGlobal, fnName);
}

/** skip_pointer: a parameter that is not (handled as) a pointer. */
function plainArg(env: VerifierEnv, i: number, t: BtfType | undefined, tags: Set<Tag>, isGlobal: boolean, fnName: string): ArgKind | PrepareError {
  if (tags.size) return new PrepareError('EINVAL', text(env, 'argTagNotPointer', [i]));
  if (isScalarKind(t)) return { kind: 'scalar' };
  if (!isGlobal) return new PrepareError('EINVAL', null);
  return new PrepareError('EINVAL', text(env, 'globalFuncArgUnsupported', [i, btfTypeStr(t), fnName]));
}

/** btf_validate_prog_ctx_type for an `arg:ctx` parameter (the program types modelled). */
function validateProgCtxType(env: VerifierEnv, i: number, target: number): PrepareError | null {
  const btf = env.input.btf!;
  const t = resolvedAt(btf, target);
  if (!t) return null; // `void *ctx __arg_ctx` is always valid
  if (!t.name) return new PrepareError('EINVAL', text(env, 'argCtxNoName', [i]));
  const ctx = progCtxType(env);
  if ([5, 28, 31].includes(env.input.progType)) return null; // tracepoint, ext, syscall: anything goes
  if (!ctx.type || ctx.type.kind !== 'struct') return notModelled(env, `arg:ctx in program type ${env.input.progType}`);
  if (t.kind !== 'struct' || t.name !== ctx.type.name) return new PrepareError('EINVAL', text(env, 'argCtxShouldBe', [i, ctx.type.name]));
  return null;
}

/** btf_prepare_func_args for an entry point (a global subprog or the exception callback): rejects on failure. */
export function prepareFuncArgs(env: VerifierEnv, subprog: number): readonly ArgKind[] {
  const r = prepare(env, subprog);
  if (!(r instanceof PrepareError)) return r;
  if (r.message === null) return notModelled(env, 'static subprog without usable BTF as entry');
  throw new VerifierReject(r.errno, r.message);
}

/**
 * do_check_common for the main program with func_info: btf_prepare_func_args(0) only
 * validates the signature; its message stays in the log and a mismatch (or anything but
 * one context argument) marks the main program's BTF unreliable, never a rejection.
 * A signature the model cannot read leaves no line and the BTF unreliable.
 */
export function prepareMainArgs(env: VerifierEnv): void {
  if (!env.input.funcInfo?.length) return;
  let r: readonly ArgKind[] | PrepareError;
  try {
    r = prepare(env, 0);
  } catch (e) {
    if (e instanceof VerifierReject && e.notModelled) { (env.unreliableSubprogs ??= new Set()).add(0); return; }
    throw e;
  }
  if (r instanceof PrepareError) {
    if (r.message) verbose(env.log, r.message + '\n');
    (env.unreliableSubprogs ??= new Set()).add(0);
  } else if (r.length !== 1 || r[0].kind !== 'ctx') (env.unreliableSubprogs ??= new Set()).add(0);
}

/**
 * btf_check_subprog_call: the caller's registers against the subprog's BTF. Messages go to
 * the log; returns false on a mismatch (the subprog is then unreliable: later calls are
 * not checked). A global subprog's caller is rejected on false.
 */
export function btfCheckSubprogCall(env: VerifierEnv, subprog: number): Errno | null {
  if (!env.input.funcInfo?.length) return 'EINVAL';
  if (env.unreliableSubprogs?.has(subprog)) return 'EINVAL';
  const r = prepare(env, subprog);
  if (r instanceof PrepareError) {
    if (r.errno === 'EFAULT' && r.message) throw new VerifierReject('EFAULT', r.message);
    if (r.message) verbose(env.log, r.message + '\n');
    (env.unreliableSubprogs ??= new Set()).add(subprog);
    return r.errno;
  }
  const regs = curFrame(env).regs;
  for (let i = 0; i < r.length; i++) {
    const bad = argMismatch(env, r[i], regs[i + 1], i);
    if (bad !== null) {
      verbose(env.log, bad.message + '\n');
      (env.unreliableSubprogs ??= new Set()).add(subprog);
      return bad.errno;
    }
  }
  return null;
}

/**
 * btf_check_func_arg_match for a `struct bpf_dynptr *` argument (ARG_PTR_TO_DYNPTR | MEM_RDONLY):
 * check_func_arg_reg_off, then process_dynptr_func: an initialised dynptr on the stack or a
 * const one; anything else (scalars included) is not a dynptr.
 */
function dynptrArgMismatch(env: VerifierEnv, reg: RegState, i: number): { message: string; errno: Errno } | null {
  const regno = i + 1;
  if (reg.type === 'dynptr_ptr') return null;
  try {
    checkFuncArgRegOff(env, reg, regno, false);
    if (reg.type === 'stack') {
      processDynptrArg(env, regno, { base: 'dynptr', rdonly: true }, newCallArgMeta(0), env.insnIdx);
      return null;
    }
  } catch (e) {
    if (!(e instanceof VerifierReject) || e.notModelled) throw e;
    return { message: e.message, errno: e.errno };
  }
  return { message: text(env, 'dynptrArgNotStack', [i]), errno: 'EINVAL' };
}

/** btf_check_func_arg_match for one argument: null when it matches, else the message and errno. */
function argMismatch(env: VerifierEnv, kind: ArgKind, reg: RegState, i: number): { message: string; errno: Errno } | null {
  const regno = i + 1;
  const bad = (key: MessageKey, args: MessageArgs): { message: string; errno: Errno } => ({ message: text(env, key, args), errno: 'EINVAL' });
  if (kind.kind === 'scalar') return reg.type === 'scalar' ? null : bad('argNotScalar', [regno]);
  if (kind.kind === 'dynptr') return dynptrArgMismatch(env, reg, i);
  try {
    checkFuncArgRegOff(env, reg, regno, false);
  } catch (e) {
    if (!(e instanceof VerifierReject) || e.notModelled) throw e;
    return { message: e.message, errno: e.errno };
  }
  if (kind.kind === 'ctx') return reg.type === 'ctx' ? null : bad('argExpectsCtx', [i]);
  try {
    checkMemReg(env, reg, regno, kind.size);
  } catch (e) {
    if (!(e instanceof VerifierReject) || e.notModelled) throw e;
    return { message: e.message, errno: 'EINVAL' };
  }
  const maybeNull = registerIsNull(reg) || (isPointer(reg) && (reg.flags & PTR_MAYBE_NULL) !== 0);
  if (!kind.nullable && maybeNull) return bad('argExpectedNonNull', [i]);
  return null;
}
