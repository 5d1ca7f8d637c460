// Hand-built verifier cases: one program and one BTF (src/btf's model, built with
// btf/build.ts) drive both the verifier model and the live kernel (encoded).
import { Insn, insn, ldImm64 } from '../../src/isa/insn';
import { FuncInfo, PROG_TYPES, MapInfo } from '../../src/verifier/types';
import { Btf } from '../../src/btf/btf';
import { newBtf } from '../../src/btf/parse';
import { addInt, addPtr, addStruct, addFuncProto, addFunc, addDeclTag } from '../../src/btf/build';

export const I = {
  mov: (d: number, imm: number): Insn => insn(0xb7, d, 0, 0, imm),
  movr: (d: number, s: number): Insn => insn(0xbf, d, s, 0, 0),
  add: (d: number, imm: number): Insn => insn(0x07, d, 0, 0, imm),
  exit: (): Insn => insn(0x95),
  ja: (off: number): Insn => insn(0x05, 0, 0, off, 0),
  jgt: (d: number, imm: number, off: number): Insn => insn(0x25, d, 0, off, imm),
  jeq: (d: number, imm: number, off: number): Insn => insn(0x15, d, 0, off, imm),
  call: (rel: number): Insn => insn(0x85, 0, 1, 0, rel),
  kcall: (id: number): Insn => insn(0x85, 0, 2, 0, id),
  stx64: (d: number, s: number, off: number): Insn => insn(0x7b, d, s, off, 0),
  st64: (d: number, off: number, imm: number): Insn => insn(0x7a, d, 0, off, imm),
  ldx64: (d: number, s: number, off: number): Insn => insn(0x79, d, s, off, 0),
  ld64: (d: number, v: bigint): [Insn, Insn] => ldImm64(d, v),
  ldMap: (d: number, fd: number): [Insn, Insn] => [insn(0x18, d, 1, 0, fd), insn(0, 0, 0, 0, 0)],
  helper: (id: number): Insn => insn(0x85, 0, 0, 0, id),
};

/** Builds the program's BTF. */
export class DualBtf {
  readonly btf: Btf = newBtf();
  int(name = 'int', size = 4): number { return addInt(this.btf, name, size); }
  ptr(target: number): number { return addPtr(this.btf, target); }
  struct(name: string, size: number): number { return addStruct(this.btf, name, size); }
  proto(ret: number, params: { name: string; type: number }[]): number { return addFuncProto(this.btf, ret, params); }
  func(name: string, proto: number, global = true): number { return addFunc(this.btf, name, proto, global ? 'global' : 'static'); }
  tag(value: string, target: number): number { return addDeclTag(this.btf, value, target); }
}

export interface Case {
  name: string;
  progType: number;
  expectedAttachType?: number;
  insns: Insn[];
  btf?: DualBtf;
  funcInfo?: FuncInfo[];
  /** Maps the program uses: ld_imm64 imm = key here; the kernel test creates them and patches fds. */
  maps?: Map<number, MapInfo>;
  /** Our expected verdict and first error line (checked against the kernel too when it runs). */
  verdict: 'accept' | 'reject';
  error?: string;
}

/** Shared BTF shape: `int main(struct __sk_buff *ctx)` + optional callbacks. */
export function mainBtf(): { b: DualBtf; int: number; u64: number; ctxPtr: number; mainFn: number } {
  const b = new DualBtf();
  const int = b.int('int', 4);
  const u64 = b.int('unsigned long long', 8);
  const skb = b.struct('__sk_buff', 192);
  const ctxPtr = b.ptr(skb);
  const mainFn = b.func('main_prog', b.proto(int, [{ name: 'ctx', type: ctxPtr }]), true);
  return { b, int, u64, ctxPtr, mainFn };
}

export function buildCases(throwId: number): Case[] {
  const SK = PROG_TYPES.socket_filter, TC = PROG_TYPES.sched_cls, CGSKB = PROG_TYPES.cgroup_skb;
  const cases: Case[] = [];
  cases.push({ name: 'r0 = 42; exit', progType: SK, insns: [I.mov(0, 42), I.exit()], verdict: 'accept' });
  cases.push({ name: 'exit without r0', progType: SK, insns: [I.exit()], verdict: 'reject', error: 'R0 !read_ok' });
  cases.push({ name: 'unreachable insn', progType: SK, insns: [I.mov(0, 0), I.exit(), I.mov(0, 1), I.exit()], verdict: 'reject', error: 'unreachable insn 2' });
  cases.push({ name: 'jump out of range', progType: SK, insns: [I.mov(0, 0), I.ja(5), I.exit()], verdict: 'reject', error: 'jump out of range from insn 1 to 7' });
  cases.push({ name: 'jump into ld_imm64', progType: SK, insns: [I.mov(0, 0), I.jeq(0, 0, 1), ...I.ld64(1, 5n), I.exit()], verdict: 'reject', error: 'jump into the middle of ldimm64 insn 2' });
  cases.push({ name: 'last insn not exit', progType: SK, insns: [I.mov(0, 0)], verdict: 'reject', error: 'last insn is not an exit or jmp' });
  cases.push({ name: 'fall-through into subprog', progType: SK, insns: [I.call(2), I.mov(0, 0), I.mov(0, 1), I.mov(0, 2), I.exit()], verdict: 'reject', error: 'last insn is not an exit or jmp' });
  cases.push({ name: 'jump from main into subprog', progType: SK, insns: [I.call(2), I.jeq(0, 0, 1), I.exit(), I.mov(0, 0), I.exit()], verdict: 'reject', error: 'jump out of range from insn 1 to 3' });
  cases.push({ name: 'frame pointer is read only', progType: SK, insns: [I.mov(10, 0), I.mov(0, 0), I.exit()], verdict: 'reject', error: 'frame pointer is read only' });
  cases.push({ name: 'stack spill/fill of a constant', progType: SK, insns: [I.mov(1, 7), I.stx64(10, 1, -8), I.ldx64(0, 10, -8), I.exit()], verdict: 'accept' });
  cases.push({ name: 'stack write out of bounds', progType: SK, insns: [I.mov(1, 7), I.stx64(10, 1, -520), I.mov(0, 0), I.exit()], verdict: 'reject', error: 'invalid write to stack R10 off=-520 size=8' });
  cases.push({ name: 'misaligned stack access', progType: SK, insns: [I.mov(1, 7), I.stx64(10, 1, -12), I.mov(0, 0), I.exit()], verdict: 'reject', error: 'misaligned stack access off 0+0+-12 size 8' });
  cases.push({ name: 'div by zero imm', progType: SK, insns: [I.mov(0, 1), insn(0x37, 0, 0, 0, 0), I.exit()], verdict: 'reject', error: 'div by zero' });
  cases.push({ name: 'invalid shift', progType: SK, insns: [I.mov(0, 1), insn(0x67, 0, 0, 0, 64), I.exit()], verdict: 'reject', error: 'invalid shift 64' });
  cases.push({ name: 'cgroup_skb return 2', progType: CGSKB, insns: [I.mov(0, 2), I.exit()], verdict: 'reject', error: 'At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]' });
  cases.push({ name: 'cgroup_skb branch-bounded return', progType: CGSKB, insns: [I.mov(0, 5), I.jgt(0, 1, 1), I.exit(), I.mov(0, 1), I.exit()], verdict: 'accept' });
  cases.push({ name: 'static subprog call', progType: SK, insns: [I.mov(1, 3), I.call(1), I.exit(), I.movr(0, 1), I.add(0, 1), I.exit()], verdict: 'accept' });
  cases.push({ name: 'subprog reads caller-clobbered reg', progType: SK, insns: [I.mov(6, 3), I.call(1), I.exit(), I.movr(0, 6), I.exit()], verdict: 'reject', error: 'R6 !read_ok' });
  cases.push({ name: 'uninit stack read (privileged)', progType: SK, insns: [I.ldx64(0, 10, -16), I.mov(0, 0), I.exit()], verdict: 'accept' });
  cases.push({ name: 'narrow spill and fill', progType: SK,
    insns: [I.mov(1, 300), insn(0x63, 10, 1, -8, 0), insn(0x61, 0, 10, -8, 0), I.exit()], verdict: 'accept' });
  cases.push({ name: 'partial overwrite of a spilled scalar then fill', progType: SK,
    insns: [I.mov(1, 5), I.stx64(10, 1, -8), insn(0x72, 10, 0, -4, 7), I.ldx64(0, 10, -8), I.exit()], verdict: 'accept' });
  cases.push({ name: 'spill ctx pointer and fill', progType: SK,
    insns: [I.stx64(10, 1, -8), I.ldx64(2, 10, -8), I.mov(0, 0), I.exit()], verdict: 'accept' });
  cases.push({ name: 'narrow fill of a spilled pointer', progType: SK,
    insns: [I.stx64(10, 1, -8), insn(0x61, 2, 10, -8, 0), I.mov(0, 0), I.exit()], verdict: 'reject', error: 'invalid size of register fill' });
  cases.push({ name: 'return a pointer is fine for root (socket filter)', progType: SK, insns: [I.movr(0, 10), I.exit()], verdict: 'accept' });
  cases.push({ name: 'cgroup_skb returns a pointer', progType: CGSKB, insns: [I.movr(0, 10), I.exit()], verdict: 'reject',
    error: 'At program exit the register R0 is not a known value (fp)' });
  cases.push({ name: 'alu32 wraps and zero-extends', progType: CGSKB,
    insns: [I.mov(0, -1), insn(0x04, 0, 0, 0, 3), I.exit()], verdict: 'reject', error: 'At program exit the register R0 has smin=2 smax=2 should have been in [0, 1]' });
  cases.push({ name: 'jmp32 refinement', progType: CGSKB,
    insns: [I.ld64(1, 0x100000001n)[0], I.ld64(1, 0x100000001n)[1], insn(0x26, 1, 0, 2, 1), I.mov(0, 0), I.exit(), I.mov(0, 1), I.exit()], verdict: 'accept' });
  // combined stack: main 512 bytes + callee 8 bytes
  cases.push({ name: 'combined stack too large', progType: SK,
    insns: [I.st64(10, -512, 0), I.call(2), I.mov(0, 0), I.exit(), I.st64(10, -8, 0), I.mov(0, 0), I.exit()],
    verdict: 'reject', error: 'combined stack size of 2 calls is 528. Too large' });

  // ---- exceptions ----
  cases.push({ name: 'bpf_throw not allowed in socket filters', progType: SK, insns: [I.mov(1, 0), I.kcall(throwId), I.mov(0, 0), I.exit()],
    verdict: 'reject', error: 'calling kernel function bpf_throw is not allowed' });
  cases.push({ name: 'cgroup_sock_addr without expected attach type', progType: PROG_TYPES.cgroup_sock_addr, insns: [I.mov(0, 1), I.exit()],
    verdict: 'reject', error: '' });
  cases.push({ name: 'cgroup_sock_addr connect4 return 1', progType: PROG_TYPES.cgroup_sock_addr, expectedAttachType: 10, insns: [I.mov(0, 1), I.exit()],
    verdict: 'accept' });
  cases.push({ name: 'throw with default callback (tc)', progType: TC, insns: [I.mov(1, 0), I.kcall(throwId), I.mov(0, 0), I.exit()], verdict: 'accept' });
  cases.push({ name: 'default callback: cookie checked as return value', progType: CGSKB,
    insns: [I.mov(1, 64), I.kcall(throwId), I.mov(0, 0), I.exit()], verdict: 'reject',
    error: 'At program exit the register R1 has smin=64 smax=64 should have been in [0, 1]' });
  cases.push({ name: 'assert-style throw bounds the fall-through', progType: CGSKB,
    insns: [I.mov(0, 0), I.mov(1, 0), I.jgt(0, 1, 1), I.ja(1), I.kcall(throwId), I.exit()], verdict: 'accept' });
  cases.push({ name: 'throw skips the return check', progType: CGSKB,
    insns: [I.mov(1, 1), I.kcall(throwId), I.exit()], verdict: 'accept' });
  cases.push({ name: 'subprog ending in bpf_throw', progType: TC,
    insns: [I.call(2), I.mov(0, 0), I.exit(), I.mov(1, 0), I.kcall(throwId)], verdict: 'reject', error: 'last insn is not an exit or jmp' });

  const exCase = (name: string, cbParams: (x: { int: number; u64: number; ctxPtr: number }) => { name: string; type: number }[],
    opts: { tags?: string[]; cbGlobal?: boolean; cbRetPtr?: boolean; cbBody?: Insn[]; main?: Insn[]; progType?: number; cbName?: string; maps?: Map<number, MapInfo> },
    verdict: 'accept' | 'reject', error?: string): void => {
    const { b, int, u64, ctxPtr, mainFn } = mainBtf();
    for (const t of opts.tags ?? ['exception_callback:exc_cb']) b.tag(t, mainFn);
    const ret = opts.cbRetPtr ? b.ptr(int) : int;
    const cbFn = b.func(opts.cbName ?? 'exc_cb', b.proto(ret, cbParams({ int, u64, ctxPtr })), opts.cbGlobal ?? true);
    const main = opts.main ?? [I.mov(1, 0), I.kcall(throwId), I.mov(0, 0), I.exit()];
    const cb = opts.cbBody ?? [I.mov(0, 0), I.exit()];
    cases.push({ name, progType: opts.progType ?? TC, insns: [...main, ...cb], btf: b,
      funcInfo: [{ insnOff: 0, typeId: mainFn }, { insnOff: main.length, typeId: cbFn }], verdict, error, maps: opts.maps });
  };
  const one = (x: { u64: number }): { name: string; type: number }[] => [{ name: 'cookie', type: x.u64 }];
  exCase('exception callback accepted', one, {}, 'accept');
  exCase('exception callback: two tags', one, { tags: ['exception_callback:exc_cb', 'exception_callback:exc_cb'] }, 'reject', 'multiple exception callback tags for main subprog');
  exCase('exception callback: missing', one, { tags: ['exception_callback:nope'] }, 'reject', "exception callback 'nope' could not be found in BTF");
  exCase('exception callback: static linkage', one, { cbGlobal: false }, 'reject', "exception callback 'exc_cb' must have global linkage");
  exCase('exception callback: no argument', () => [], {}, 'reject', 'exception cb only supports single integer argument');
  exCase('exception callback: two arguments', (x) => [{ name: 'a', type: x.u64 }, { name: 'b', type: x.u64 }], {}, 'reject', 'exception cb only supports single integer argument');
  exCase('exception callback: pointer argument', (x) => [{ name: 'a', type: x.ctxPtr }], {}, 'reject', 'exception cb only supports single integer argument');
  exCase('exception callback: returns a pointer', one, { cbRetPtr: true }, 'reject', "Global function exc_cb() doesn't return scalar. Only those are supported.");
  exCase('exception callback: called directly', one, { main: [I.mov(1, 0), I.call(1), I.exit()] }, 'reject',
    'insn 1 cannot call exception cb directlyprocessed 5 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0');
  exCase('exception callback: throws', one, { main: [I.mov(0, 0), I.exit()], cbBody: [I.mov(1, 0), I.kcall(throwId), I.mov(0, 0), I.exit()] }, 'reject',
    'bpf_throw kfunc (insn 3) cannot be called from callback subprog 1');
  exCase('exception callback return checked (cgroup_skb)', one, { progType: CGSKB, cbBody: [I.mov(0, 5), I.exit()] }, 'reject',
    'At program exit the register R0 has smin=5 smax=5 should have been in [0, 1]');
  exCase('exception callback return refined by branch (cgroup_skb)', one,
    { progType: CGSKB, cbBody: [I.jgt(1, 1, 2), I.movr(0, 1), I.exit(), I.mov(0, 1), I.exit()] }, 'accept');
  exCase('exception callback return range too wide (cgroup_skb)', one,
    { progType: CGSKB, cbBody: [I.jgt(1, 2, 2), I.movr(0, 1), I.exit(), I.mov(0, 1), I.exit()] }, 'reject',
    'At program exit the register R0 has smin=0 smax=2 should have been in [0, 1]');
  // global functions: verified on their own, called as "assumed valid"
  const globalCase = (name: string, main: Insn[], body: Insn[], params: (x: { int: number; ctxPtr: number }) => { name: string; type: number }[],
    verdict: 'accept' | 'reject', error?: string, progType = TC): void => {
    const { b, int, ctxPtr, mainFn } = mainBtf();
    const g = b.func('gfunc', b.proto(int, params({ int, ctxPtr })), true);
    cases.push({ name, progType, insns: [...main, ...body], btf: b, funcInfo: [{ insnOff: 0, typeId: mainFn }, { insnOff: main.length, typeId: g }], verdict, error });
  };
  globalCase('global function with a scalar argument', [I.mov(1, 7), I.call(1), I.exit()], [I.movr(0, 1), I.exit()],
    (x) => [{ name: 'a', type: x.int }], 'accept');
  globalCase('global function called with a pointer for an int', [I.movr(1, 10), I.call(1), I.exit()], [I.mov(0, 0), I.exit()],
    (x) => [{ name: 'a', type: x.int }], 'reject', "Caller passes invalid args into func#1 ('gfunc')");
  globalCase('global function with a ctx argument', [I.call(1), I.exit()], [I.mov(0, 0), I.exit()],
    (x) => [{ name: 'ctx', type: x.ctxPtr }], 'accept');
  globalCase('global function reading an unset register', [I.mov(1, 1), I.call(1), I.exit()], [I.movr(0, 3), I.exit()],
    (x) => [{ name: 'a', type: x.int }], 'reject', 'R3 !read_ok');
  globalCase('global function returns in cgroup_skb (unchecked)', [I.mov(1, 1), I.call(2), I.mov(0, 0), I.exit()], [I.mov(0, 5), I.exit()],
    (x) => [{ name: 'a', type: x.int }], 'accept', undefined, CGSKB);

  const progArray = new Map<number, MapInfo>([[1000, { type: 3, keySize: 4, valueSize: 4, maxEntries: 4, name: 'jmp_table' }]]);
  cases.push({ name: 'tail call in main', progType: TC, maps: progArray,
    insns: [...I.ldMap(2, 1000), I.mov(3, 0), I.helper(12), I.mov(0, 0), I.exit()], verdict: 'accept' });
  exCase('exception callback: tail call (R1 is the cookie)', one, { maps: progArray,
    cbBody: [...I.ldMap(2, 1000), I.mov(3, 0), I.helper(12), I.mov(0, 0), I.exit()] }, 'reject', 'R1 type=scalar expected=ctx');
  exCase('exception callback reads unset register', one, { cbBody: [I.movr(0, 2), I.exit()] }, 'reject', 'R2 !read_ok');

  // ---- bpf_loop (helper 181): r2 = callback (ld_imm64 src_reg 4); the callback is a static subprog ----
  const loopCase = (name: string, main: (cbRel: number) => Insn[], cbBody: Insn[], verdict: 'accept' | 'reject', error?: string,
    progType = TC): void => {
    const { b, int, u64, mainFn } = mainBtf();
    const cbFn = b.func('loop_cb', b.proto(int, [{ name: 'idx', type: u64 }, { name: 'ctx', type: u64 }]), false);
    const m = main(0);
    // r2 = loop_cb is main's instruction at index `at`; imm is relative to the next slot
    const at = m.findIndex((x) => x.code === 0x18 && x.src === 4);
    const insns = main(m.length - at - 1);
    cases.push({ name, progType, insns: [...insns, ...cbBody], btf: b,
      funcInfo: [{ insnOff: 0, typeId: mainFn }, { insnOff: insns.length, typeId: cbFn }], verdict, error });
  };
  const ldFunc = (d: number, rel: number): Insn[] => [insn(0x18, d, 4, 0, rel), insn(0, 0, 0, 0, 0)];
  const loopMain = (nr: number, ctx: Insn[], flags = 0) => (rel: number): Insn[] =>
    [I.mov(1, nr), ...ldFunc(2, rel), ...ctx, I.mov(4, flags), I.helper(181), I.mov(0, 0), I.exit()];
  loopCase('bpf_loop callback throws', loopMain(4, [I.mov(3, 0)]), [I.mov(1, 0), I.kcall(throwId), I.mov(0, 0), I.exit()], 'reject',
    'bpf_throw kfunc (insn 9) cannot be called from callback subprog 1');
  loopCase('bpf_loop callback returning 0', loopMain(4, [I.mov(3, 0)]), [I.mov(0, 0), I.exit()], 'accept');
  loopCase('bpf_loop callback reads its stack ctx', loopMain(8, [I.st64(10, -8, 3), I.movr(3, 10), I.add(3, -8)]),
    [I.ldx64(0, 2, 0), I.mov(0, 1), I.exit()], 'accept');
  loopCase('bpf_loop callback returning 2', loopMain(4, [I.mov(3, 0)]), [I.mov(0, 2), I.exit()], 'reject',
    'At callback return the register R0 has smin=2 smax=2 should have been in [0, 1]');
  // flags are checked when the program runs, not by the verifier; the call is then not inlined
  loopCase('bpf_loop with flags 1', loopMain(4, [I.mov(3, 0)], 1), [I.mov(0, 0), I.exit()], 'accept');
  return cases;
}

/** The kernel's error line: the line before `processed N insns`, or the last line. */
export function firstErrorLine(log: string): string {
  const lines = log.split('\n').filter((l) => l.length > 0);
  const i = lines.findIndex((l) => l.startsWith('processed '));
  return (i > 0 ? lines[i - 1] : lines[lines.length - 1]) ?? '';
}

/** Malformed-instruction cases (resolve_pseudo_ldimm64 stage). */
export function buildMalformedCases(): Case[] {
  const SK = PROG_TYPES.socket_filter;
  return [
    { name: 'unknown opcode', progType: SK, insns: [I.mov(0, 0), insn(0xff, 0, 0, 0, 0), I.exit()], verdict: 'reject', error: 'unknown opcode ff' },
    { name: 'callx is not a kernel insn', progType: SK, insns: [I.mov(0, 0), insn(0x8d, 1, 0, 0, 0), I.exit()], verdict: 'reject', error: 'unknown opcode 8d' },
    { name: 'ldx with reserved imm', progType: SK, insns: [insn(0x79, 0, 10, -8, 1), I.exit()], verdict: 'reject', error: 'BPF_LDX uses reserved fields' },
    { name: 'truncated ld_imm64', progType: SK, insns: [I.mov(0, 0), insn(0x18, 1, 0, 0, 1)], verdict: 'reject', error: 'last insn is not an exit or jmp' },
    { name: 'ld_imm64 with bad second slot', progType: SK, insns: [insn(0x18, 1, 0, 0, 1), insn(0, 1, 0, 0, 0), I.mov(0, 0), I.exit()], verdict: 'reject', error: 'invalid bpf_ld_imm64 insn' },
  ];
}
