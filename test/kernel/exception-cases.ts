// Raw-instruction BPF exception programs (bpf_throw, exception_callback: decl
// tags), each with what the 2023 seed patches say and what today's kernel
// does. Shared by exceptions.test.ts; docs/kernel-differences.md records the
// same observations.
import { Insn, insn } from '../../src/isa/insn';
import { BtfLinkage } from '../../src/btf/types';
import { newBtf } from '../../src/btf/parse';
import { encodeBtf } from '../../src/btf/encode';
import { encodeFuncInfo } from '../../src/btf/ext';
import { addInt, addPtr, addStruct, addFuncProto, addFunc, addDeclTag } from '../../src/btf/build';
import { vmlinuxFuncId } from '../../src/kernel/host';

export type ParamType = 'u64' | 'pskb' | 'pvoid';
export interface FuncDecl { name: string; params: ParamType[]; off?: number; linkage?: BtfLinkage }
export interface ExcCase {
  name: string;
  insns: Insn[];
  funcs: FuncDecl[];
  /** exception_callback:<value> tags, each on funcs[target]. */
  tags: { value: string; target: number }[];
  progType: string;
  /** Set: no BTF and no func_info at all. */
  noBtf?: boolean;
  /** Today's kernel, as observed. */
  expect: { verdict: 'accept' | 'reject'; errno?: string; logLines?: string[]; logIncludes?: string; retval?: number };
  /** What the seed patches say would happen (for the doc). */
  seed: string;
}

const I = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => insn(code, dst, src, off, imm);
const mov = (d: number, imm: number): Insn => I(0xb7, d, 0, 0, imm);
const movr = (d: number, s: number): Insn => I(0xbf, d, s);
const exit = I(0x95);
const pcall = (rel: number): Insn => I(0x85, 0, 1, 0, rel);

export function btfFor(c: ExcCase): { btf: Uint8Array; funcInfo: Uint8Array } {
  const b = newBtf();
  const int = addInt(b, 'int', 4);
  const u64 = addInt(b, 'unsigned long long', 8, false);
  const pskb = addPtr(b, addStruct(b, '__sk_buff', 0));
  const pvoid = addPtr(b, 0);
  const T: Record<ParamType, number> = { u64, pskb, pvoid };
  const ids = c.funcs.map((f) => addFunc(b, f.name,
    addFuncProto(b, int, f.params.map((p, i) => ({ name: `a${i}`, type: T[p] }))), f.linkage ?? 'global'));
  for (const t of c.tags) addDeclTag(b, t.value, ids[t.target]);
  const recs = c.funcs.map((f, i) => ({ insnOff: f.off, typeId: ids[i] }))
    .filter((r): r is { insnOff: number; typeId: number } => r.insnOff !== undefined);
  return { btf: encodeBtf(b), funcInfo: encodeFuncInfo(recs) };
}

export function exceptionCases(): ExcCase[] {
  const kcall = I(0x85, 0, 2, 0, vmlinuxFuncId('bpf_throw'));
  const main: FuncDecl = { name: 'main_prog', params: ['pskb'], off: 0 };
  const cbAt = (off: number, extra: Partial<FuncDecl> = {}): FuncDecl => ({ name: 'exception_cb', params: ['u64'], off, ...extra });
  const tag = [{ value: 'exception_callback:exception_cb', target: 0 }];
  const throw7 = [mov(1, 7), kcall, mov(0, 0), exit];
  const cbPlus100 = [movr(0, 1), I(0x07, 0, 0, 0, 100), exit];
  // bpf_sk_lookup_tcp(ctx, &tuple(12 zero bytes on the stack), 12, BPF_F_CURRENT_NETNS, 0) then throw
  const skThenThrow = [movr(6, 1), I(0x7a, 10, 0, -16, 0), I(0x62, 10, 0, -8, 0), movr(1, 6), movr(2, 10), I(0x07, 2, 0, 0, -16),
    mov(3, 12), mov(4, -1), mov(5, 0), I(0x85, 0, 0, 0, 84), mov(1, 7), kcall, mov(0, 0), exit];
  return [
    {
      name: 'default callback: throw 7 from main (sched_cls)', insns: throw7, funcs: [main], tags: [], progType: 'sched_cls',
      expect: { verdict: 'accept', retval: 7 },
      seed: 'accept; the hidden default callback is `r0 = 0; exit`, so the program returns 0 (004: BPF_MOV64_IMM(BPF_REG_0, 0); 000: "hardcodes a return value of 0")',
    },
    {
      name: 'default callback without any BTF or func_info', insns: throw7, funcs: [], tags: [], progType: 'sched_cls', noBtf: true,
      expect: { verdict: 'accept', retval: 7 },
      seed: 'accept, returns 0',
    },
    {
      name: 'default callback: cookie taken from ctx->len (64-byte packet)', insns: [I(0x61, 1, 1, 0, 0), kcall, mov(0, 0), exit],
      funcs: [main], tags: [], progType: 'sched_cls',
      expect: { verdict: 'accept', retval: 64 },
      seed: 'accept, returns 0',
    },
    {
      name: 'default callback, cgroup_skb (return range [0, 1]): throw 7', insns: throw7, funcs: [main], tags: [], progType: 'cgroup_skb',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['At program exit the register R1 has smin=7 smax=7 should have been in [0, 1]'] },
      seed: 'accept: the default callback returns 0, the cookie is not checked (000 says the cookie "is subjected to constraints on the program\'s return value" only in its doc comment; 004 hard-codes 0)',
    },
    {
      name: 'default callback, cgroup_skb: throw 1', insns: [mov(1, 1), kcall, mov(0, 0), exit], funcs: [main], tags: [], progType: 'cgroup_skb',
      expect: { verdict: 'accept' },
      seed: 'accept',
    },
    {
      name: 'custom callback returns cookie + 100', insns: [...throw7, ...cbPlus100], funcs: [main, cbAt(4)], tags: tag, progType: 'sched_cls',
      expect: { verdict: 'accept', retval: 107 },
      seed: 'accept, returns 107',
    },
    {
      name: 'throw 9 from a static subprog, default callback', insns: [mov(1, 9), pcall(2), mov(0, 0), exit, kcall, mov(0, 0), exit],
      funcs: [main, { name: 'sub', params: ['u64'], off: 4, linkage: 'static' }], tags: [], progType: 'sched_cls',
      expect: { verdict: 'accept', retval: 9 },
      seed: 'accept, returns 0',
    },
    {
      name: 'throw 9 from a global subprog, custom callback', insns: [mov(1, 9), pcall(2), mov(0, 0), exit, kcall, mov(0, 0), exit, ...cbPlus100],
      funcs: [main, { name: 'sub', params: ['u64'], off: 4 }, cbAt(7)], tags: tag, progType: 'sched_cls',
      expect: { verdict: 'accept', retval: 109 },
      seed: 'accept, returns 109',
    },
    {
      name: 'custom callback, cgroup_skb: callback returns an unknown scalar', insns: [...throw7, ...cbPlus100], funcs: [main, cbAt(4)], tags: tag, progType: 'cgroup_skb',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['At program exit the register R0 has unknown scalar value should have been in [0, 1]'] },
      seed: 'reject: the callback\'s R0 is checked like the main program\'s (check_return_code with in_exception_callback_fn); message text of that era: "At program exit the register R0 has value %s should have been in %s"',
    },
    {
      name: 'callback with static linkage', insns: [...throw7, ...cbPlus100], funcs: [main, cbAt(4, { linkage: 'static' })], tags: tag, progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ["exception callback 'exception_cb' must have global linkage"] },
      seed: "reject EINVAL: \"exception callback 'exception_cb' must have global linkage\"",
    },
    {
      name: 'callback with two arguments', insns: [...throw7, ...cbPlus100], funcs: [main, { ...cbAt(4), params: ['u64', 'u64'] }], tags: tag, progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['exception cb only supports single integer argument'] },
      seed: 'reject EINVAL: "exception cb only supports single integer argument"',
    },
    {
      name: 'callback with no argument', insns: [...throw7, ...cbPlus100], funcs: [main, { ...cbAt(4), params: [] }], tags: tag, progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['exception cb only supports single integer argument'] },
      seed: 'reject EINVAL: "exception cb only supports single integer argument"',
    },
    {
      name: 'callback taking a pointer', insns: [...throw7, ...cbPlus100], funcs: [main, { ...cbAt(4), params: ['pskb'] }], tags: tag, progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['exception cb only supports single integer argument'] },
      seed: 'reject EINVAL: "exception cb only supports single integer argument"',
    },
    {
      name: 'callback in BTF but not in func_info', insns: [...throw7, ...cbPlus100], funcs: [main, { name: 'exception_cb', params: ['u64'] }], tags: tag, progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['exception callback type id not found in func_info'] },
      seed: 'reject EINVAL: "exception callback type id not found in func_info"',
    },
    {
      name: 'tag names a function that does not exist', insns: throw7, funcs: [main], tags: [{ value: 'exception_callback:nosuch', target: 0 }], progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'ENOENT', logLines: ["exception callback 'nosuch' could not be found in BTF"] },
      seed: "reject ENOENT: \"exception callback 'nosuch' could not be found in BTF\"",
    },
    {
      name: 'tag names the main program itself', insns: throw7, funcs: [main], tags: [{ value: 'exception_callback:main_prog', target: 0 }], progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['invalid exception callback insn_off in func_info: 0'] },
      seed: 'reject EINVAL: "invalid exception callback insn_off in func_info: 0"',
    },
    {
      name: 'two exception_callback tags on main', insns: [...throw7, ...cbPlus100, ...cbPlus100],
      funcs: [main, cbAt(4), { name: 'cb2', params: ['u64'], off: 7 }],
      tags: [...tag, { value: 'exception_callback:cb2', target: 0 }], progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EEXIST', logLines: ['multiple exception callback tags for main subprog'] },
      seed: 'reject EEXIST: "multiple exception callback tags for main subprog"',
    },
    {
      name: 'main calls the exception callback directly', insns: [mov(1, 7), pcall(2), mov(0, 0), exit, ...cbPlus100],
      funcs: [main, cbAt(4)], tags: tag, progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logIncludes: 'insn 1 cannot call exception cb directlyprocessed 7 insns' },
      seed: 'reject EINVAL: "insn 1 cannot call exception cb directly\\n" (today the message has lost its newline and runs into the statistics line)',
    },
    {
      name: 'exception callback itself throws', insns: [...throw7, mov(1, 1), kcall, mov(0, 0), exit], funcs: [main, cbAt(4)], tags: tag, progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['bpf_throw kfunc (insn 5) cannot be called from callback subprog 1'] },
      seed: 'reject EINVAL: "bpf_throw kfunc (insn 5) cannot be called from callback subprog 1"',
    },
    {
      name: 'bpf_loop callback throws', insns: [mov(1, 1), I(0x18, 2, 4, 0, 6), I(0, 0, 0, 0, 0), mov(3, 0), mov(4, 0), I(0x85, 0, 0, 0, 181), mov(0, 0), exit,
        mov(1, 3), kcall, mov(0, 0), exit],
      funcs: [main, { name: 'loop_cb', params: ['u64', 'pvoid'], off: 8, linkage: 'static' }], tags: [], progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['bpf_throw kfunc (insn 9) cannot be called from callback subprog 1'] },
      seed: 'reject EINVAL: "bpf_throw kfunc (insn 9) cannot be called from callback subprog 1"',
    },
    {
      name: 'throw while holding a socket reference', insns: skThenThrow, funcs: [main], tags: [], progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['Unreleased reference id=2 alloc_insn=9', 'bpf_throw would lead to reference leak'] },
      seed: 'reject EINVAL: "Unreleased reference id=2 alloc_insn=9" and nothing after it',
    },
    {
      name: 'program ends with the bpf_throw call', insns: [movr(6, 1), mov(1, 7), kcall], funcs: [main], tags: [], progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['last insn is not an exit or jmp'] },
      seed: 'the 004 comment says the last insn may be "exit or unconditional jump back or bpf_throw call"; the condition itself is cut from the seed text',
    },
    {
      name: 'bpf_throw from a non-GPL program', insns: throw7, funcs: [main], tags: [], progType: 'sched_cls',
      expect: { verdict: 'reject', errno: 'EINVAL', logLines: ['cannot call kernel function from non-GPL compatible program'] },
      seed: '(not covered by the seeds) kfuncs need a GPL-compatible license',
    },
  ];
}
