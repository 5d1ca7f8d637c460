// Subprogram discovery: add_subprog, add_subprog_and_kfunc,
// bpf_find_exception_callback_insn_off, btf_find_decl_tag_value, and the
// func_info checks of check_btf_func (kernel/bpf/verifier.c, kernel/bpf/btf.c).
import { Insn, isPseudoCall, isPseudoFunc, isKfuncCall } from '../isa/insn';
import { OP_CALL } from '../isa/opcodes';
import { msg } from './messages';
import { VerifierLog, verboseLine, BPF_LOG_LEVEL2 } from './log';
import { VerifyInput, VerifierReject, KfuncInfo } from './types';
import { Btf } from '../btf/btf';
import { findDeclTagValue as btfDeclTagValue } from '../btf/lookup';
import { btfTypeAt } from './btf_view';

export const BPF_MAX_SUBPROGS = 256;

export interface SubprogInfo {
  start: number;
  /** Bytes of stack the abstract execution saw this subprog use (before rounding). */
  stackDepth: number;
  hasTailCall: boolean;
  tailCallReachable: boolean;
  hasLdAbs: boolean;
  isCb: boolean;
  isAsyncCb: boolean;
  isExceptionCb: boolean;
  /** From func_info BTF; 'static' when there is no BTF. */
  linkage: 'static' | 'global' | 'extern';
  /** From func_info BTF, '' without. */
  name: string;
  btfId: number;
  /** Hidden (added by the verifier, e.g. the default exception callback). */
  hidden: boolean;
}

export interface KfuncCall { insn: number; info: KfuncInfo }

export interface SubprogLayout {
  subprogs: SubprogInfo[];
  /** Index of the exception callback subprog, 0 when none. */
  exceptionCallback: number;
  /** kfunc calls by insn index. */
  kfuncs: Map<number, KfuncInfo>;
}

const newSubprog = (start: number): SubprogInfo => ({
  start, stackDepth: 0, hasTailCall: false, tailCallReachable: false, hasLdAbs: false, isCb: false,
  isAsyncCb: false, isExceptionCb: false, linkage: 'static', name: '', btfId: 0, hidden: false,
});

/** find_subprog: index of the subprog starting exactly at `off`, -1 if none. */
export function findSubprog(subprogs: readonly SubprogInfo[], off: number): number {
  for (let i = 0; i < subprogs.length; i++) if (subprogs[i].start === off) return i;
  return -1;
}

/** The subprog containing insn `off`. */
export function containingSubprog(subprogs: readonly SubprogInfo[], off: number): number {
  let r = 0;
  for (let i = 0; i < subprogs.length; i++) if (subprogs[i].start <= off) r = i;
  return r;
}

function addSubprog(subprogs: SubprogInfo[], off: number, insnCnt: number): number {
  if (off >= insnCnt || off < 0) throw new VerifierReject('EINVAL', msg('callToInvalidDestination'));
  const found = findSubprog(subprogs, off);
  if (found >= 0) return found;
  if (subprogs.length >= BPF_MAX_SUBPROGS) throw new VerifierReject('E2BIG', msg('tooManySubprogs'));
  // kept sorted by start: insert in place (a sort copies the array each call)
  const info = newSubprog(off);
  let at = subprogs.length;
  subprogs.push(info);
  for (; at > 0 && subprogs[at - 1].start > off; at--) subprogs[at] = subprogs[at - 1];
  subprogs[at] = info;
  return at;
}

/** btf_find_decl_tag_value: the value of the one `key` decl tag on type `id` (component -1). */
export function findDeclTagValue(btf: Btf, id: number, key: string): string | 'ENOENT' | 'EEXIST' {
  const r = btfDeclTagValue(btf, id, -1, key);
  return r.ok ? r.value : r.errno;
}

/** btf_find_by_name_kind(btf, name, BTF_KIND_FUNC): the first FUNC of that name, -1 if none. */
function findFuncByName(btf: Btf, name: string): number {
  for (let id = 1; btfTypeAt(btf, id); id++) {
    const t = btfTypeAt(btf, id)!;
    if (t.kind === 'func' && t.name === name) return id;
  }
  return -1;
}

/** bpf_find_exception_callback_insn_off: 0 when there is no `exception_callback:` tag. */
export function findExceptionCallbackInsnOff(input: VerifyInput): number {
  const fi = input.funcInfo ?? [];
  if (!fi.length) return 0;
  const btf = input.btf;
  const main = btfTypeAt(btf, fi[0].typeId);
  if (!btf || !main) throw new VerifierReject('EINVAL', msg('invalidMainBtfId'));
  const name = findDeclTagValue(btf, fi[0].typeId, 'exception_callback:');
  if (name === 'ENOENT') return 0;
  if (name === 'EEXIST') throw new VerifierReject('EEXIST', msg('multipleExceptionCbTags'));
  const id = findFuncByName(btf, name);
  if (id < 0) throw new VerifierReject('ENOENT', msg('exceptionCbNotInBtf', [name]));
  const cb = btfTypeAt(btf, id);
  if (cb?.kind !== 'func' || cb.linkage !== 'global') throw new VerifierReject('EINVAL', msg('exceptionCbNotGlobal', [name]));
  let ret = 0;
  for (const rec of fi) {
    if (rec.typeId !== id) continue;
    ret = rec.insnOff;
    if (!ret) throw new VerifierReject('EINVAL', msg('exceptionCbInsnOffZero'));
  }
  if (!ret) throw new VerifierReject('EINVAL', msg('exceptionCbNotInFuncInfo'));
  return ret;
}

/** add_subprog_and_kfunc */
export function addSubprogAndKfunc(input: VerifyInput, log: VerifierLog): SubprogLayout {
  const insns: readonly Insn[] = input.insns;
  const subprogs: SubprogInfo[] = [];
  const kfuncs = new Map<number, KfuncInfo>();
  addSubprog(subprogs, 0, insns.length);
  for (let i = 0; i < insns.length; i++) {
    const insn = insns[i];
    if (!isPseudoFunc(insn) && !isPseudoCall(insn) && !isKfuncCall(insn)) continue;
    if (input.unprivileged) throw new VerifierReject('EPERM', msg('needCapBpf'));
    if (isPseudoFunc(insn) || isPseudoCall(insn)) addSubprog(subprogs, i + insn.imm + 1, insns.length);
    else {
      const info = input.kfunc?.(insn.imm, insn.off);
      if (!info) throw new VerifierReject('EINVAL', msg('notModelled', [`kfunc call with btf id ${insn.imm} (no kfunc resolver entry)`]), true);
      kfuncs.set(i, info);
    }
  }
  let exceptionCallback = 0;
  const exOff = findExceptionCallbackInsnOff(input);
  if (exOff) {
    addSubprog(subprogs, exOff, insns.length);
    for (let i = 1; i < subprogs.length; i++) {
      if (subprogs[i].start !== exOff) continue;
      exceptionCallback = i;
      subprogs[i].isCb = subprogs[i].isAsyncCb = subprogs[i].isExceptionCb = true;
      break;
    }
  }
  if (log.level & BPF_LOG_LEVEL2) subprogs.forEach((s, i) => verboseLine(log, msg('funcAt', [i, s.start])));
  return { subprogs, exceptionCallback, kfuncs };
}

/** check_btf_func_early: record order and type ids, before subprogs are known. */
export function checkBtfFuncEarly(input: VerifyInput): void {
  const fi = input.funcInfo;
  if (!fi || !fi.length) return;
  for (let i = 0; i < fi.length; i++) {
    if (i === 0 && fi[0].insnOff !== 0) throw new VerifierReject('EINVAL', msg('funcInfoFirstNotZero', [fi[0].insnOff]));
    if (i > 0 && fi[i].insnOff <= fi[i - 1].insnOff)
      throw new VerifierReject('EINVAL', msg('funcInfoNotSorted', [fi[i].insnOff, fi[i - 1].insnOff]), false, true); // printed without a newline
    const t = btfTypeAt(input.btf, fi[i].typeId);
    if (!t || t.kind !== 'func') throw new VerifierReject('EINVAL', msg('funcInfoBadType', [fi[i].typeId]), false, true);
  }
}

/** check_btf_func (and check_abnormal_return without func_info): match func_info to the subprog layout; record linkage and names. */
export function checkBtfFunc(input: VerifyInput, layout: SubprogLayout): void {
  const fi = input.funcInfo;
  if (!fi || !fi.length) {
    for (let i = 1; i < layout.subprogs.length; i++) {
      if (layout.subprogs[i].hasLdAbs) throw new VerifierReject('EINVAL', msg('ldAbsNoBtf'));
      if (layout.subprogs[i].hasTailCall) throw new VerifierReject('EINVAL', msg('tailCallNoBtf'));
    }
    return;
  }
  if (fi.length !== layout.subprogs.length) throw new VerifierReject('EINVAL', msg('funcInfoCount'));
  for (let i = 0; i < fi.length; i++) {
    if (layout.subprogs[i].start !== fi[i].insnOff) throw new VerifierReject('EINVAL', msg('funcInfoMismatch'));
    const t = btfTypeAt(input.btf, fi[i].typeId);
    layout.subprogs[i].linkage = t?.kind === 'func' ? t.linkage : 'static';
    layout.subprogs[i].name = t?.name ?? '';
    layout.subprogs[i].btfId = fi[i].typeId;
  }
}

/**
 * Whether `subprog`, or a subprog it calls (bpf-to-bpf calls, followed transitively),
 * holds a call instruction `hit` accepts: might_throw, changes_pkt_data of subprog_info.
 */
export function subprogReaches(layout: SubprogLayout, insns: readonly Insn[], subprog: number,
  hit: (call: Insn, idx: number, layout: SubprogLayout) => boolean): boolean {
  if (REACH.seen.length < layout.subprogs.length) REACH.seen = new Int32Array(Math.max(layout.subprogs.length, 2 * REACH.seen.length));
  if (++REACH.walk === 0x7fffffff) { REACH.seen.fill(0); REACH.walk = 1; }
  return reaches(layout, insns, subprog, hit, REACH.walk);
}

/**
 * The subprogs a subprogReaches walk has visited: `seen[i] === walk` (a number per walk, not a
 * set per call); `hit` does not start another walk.
 */
const REACH = { seen: new Int32Array(256), walk: 0 };

function reaches(layout: SubprogLayout, insns: readonly Insn[], subprog: number, hit: (call: Insn, idx: number, layout: SubprogLayout) => boolean, walk: number): boolean {
  if (REACH.seen[subprog] === walk) return false;
  REACH.seen[subprog] = walk;
  const sp = layout.subprogs;
  const end = subprog + 1 < sp.length ? sp[subprog + 1].start : insns.length;
  for (let i = sp[subprog].start; i < end; i++) {
    const x = insns[i];
    if (x.code !== OP_CALL) continue;
    if (hit(x, i, layout)) return true;
    if (!isPseudoCall(x)) continue;
    const callee = findSubprog(sp, i + x.imm + 1);
    if (callee >= 0 && reaches(layout, insns, callee, hit, walk)) return true;
  }
  return false;
}
