// Hand-built cases for the calls half of the verifier model (issue 10): helpers
// through their prototypes (check_func_arg per argument type, return values,
// program types), callbacks, kfuncs and global functions. Each runs on the model
// and, in the same test, on the live kernel (verifier.test.ts).
import { Insn, insn } from '../../src/isa/insn';
import { helperId } from '../../src/isa/helpers';
import { PROG_TYPES, MapInfo } from '../../src/verifier/types';
import { MAP_TYPE as MAP_TYPES } from '../../src/isa/uapi';
import { Case, I, mainBtf } from './cases';
import { addDeclTag } from '../../src/btf/build';

const H = (name: string): Insn => {
  const id = helperId(name);
  if (id === undefined) throw new Error(`no helper ${name}`);
  return I.helper(id);
};
/** rD = fp + off */
const fp = (d: number, off: number): Insn[] => [I.movr(d, 10), I.add(d, off)];
const st32 = (d: number, off: number, imm: number): Insn => insn(0x62, d, 0, off, imm);
const and = (d: number, imm: number): Insn => insn(0x57, d, 0, 0, imm);
const jne = (d: number, imm: number, off: number): Insn => insn(0x55, d, 0, off, imm);
const RET0: Insn[] = [I.mov(0, 0), I.exit()];

const HASH = 2000, ARRAY = 2001, RINGBUF = 2002, PROGS = 2003, QUEUE = 2004, PERF = 2005, RDONLY = 2006;
const MAPS = new Map<number, MapInfo>([
  [HASH, { type: MAP_TYPES.hash, keySize: 4, valueSize: 8, maxEntries: 16, name: 'hash' }],
  [ARRAY, { type: MAP_TYPES.array, keySize: 4, valueSize: 16, maxEntries: 4, name: 'arr' }],
  [RINGBUF, { type: MAP_TYPES.ringbuf, keySize: 0, valueSize: 0, maxEntries: 4096, name: 'rb' }],
  [PROGS, { type: MAP_TYPES.prog_array, keySize: 4, valueSize: 4, maxEntries: 4, name: 'progs' }],
  [QUEUE, { type: MAP_TYPES.queue, keySize: 0, valueSize: 8, maxEntries: 8, name: 'q' }],
  [PERF, { type: MAP_TYPES.perf_event_array, keySize: 4, valueSize: 4, maxEntries: 2, name: 'perf' }],
  [RDONLY, { type: MAP_TYPES.array, keySize: 4, valueSize: 8, maxEntries: 1, name: 'ro', flags: 1 << 7 }],
]);

export function buildCallCases(kfuncId: (name: string) => number): Case[] {
  const SK = PROG_TYPES.socket_filter, TC = PROG_TYPES.sched_cls, XDP = PROG_TYPES.xdp, KP = PROG_TYPES.kprobe;
  const cases: Case[] = [];
  const add = (name: string, progType: number, insns: Insn[], verdict: 'accept' | 'reject', error?: string, extra: Partial<Case> = {}): void => {
    const usesMaps = insns.some((x) => x.code === 0x18 && x.src === 1);
    cases.push({ name: `helper: ${name}`, progType, insns, verdict, error, ...(usesMaps ? { maps: MAPS } : {}), ...extra });
  };
  // ---- which helpers a program type may call ----
  add('get_prandom_u32 in a socket filter', SK, [H('bpf_get_prandom_u32'), and(0, 1), I.exit()], 'accept');
  add('ktime_get_ns then exit with it (tc)', TC, [H('bpf_ktime_get_ns'), I.exit()], 'accept');
  add('redirect is not for socket filters', SK, [I.mov(1, 1), I.mov(2, 0), H('bpf_redirect'), ...RET0], 'reject',
    'program of this type cannot use helper bpf_redirect#23');
  add('redirect from xdp', XDP, [I.mov(1, 1), I.mov(2, 0), H('bpf_redirect'), I.exit()], 'accept');
  add('helper id out of range', SK, [I.helper(10000), ...RET0], 'reject', 'invalid func unknown#10000');
  add('get_current_pid_tgid in xdp (bpf_base_func_proto)', XDP, [H('bpf_get_current_pid_tgid'), ...RET0], 'accept');
  add('skb_pull_data is not for xdp', XDP, [I.mov(2, 0), H('bpf_skb_pull_data'), ...RET0], 'reject',
    'program of this type cannot use helper bpf_skb_pull_data#39');
  add('R0 of a void helper is unset', TC, [...I.ldMap(2, PROGS), I.mov(3, 0), H('bpf_tail_call'), I.exit()], 'reject', 'R0 !read_ok');
  add('R1-R5 are clobbered by a call', SK, [I.mov(1, 5), H('bpf_get_prandom_u32'), I.movr(0, 1), I.exit()], 'reject', 'R1 !read_ok');
  // ---- ARG_ANYTHING, ARG_PTR_TO_CTX, ARG_CONST_MAP_PTR ----
  add('ctx argument must be ctx', TC, [I.mov(1, 0), I.mov(2, 0), H('bpf_skb_pull_data'), ...RET0], 'reject', 'R1 type=scalar expected=ctx');
  add('skb_pull_data with ctx', TC, [I.mov(2, 0), H('bpf_skb_pull_data'), ...RET0], 'accept');
  add('map argument must be a map', SK, [I.mov(1, 0), ...fp(2, -8), H('bpf_map_lookup_elem'), ...RET0], 'reject',
    'R1 type=scalar expected=map_ptr');
  add('unset argument register', SK, [...I.ldMap(1, HASH), H('bpf_map_lookup_elem'), ...RET0], 'reject', 'R2 !read_ok');
  // ---- map keys and values on the stack ----
  add('lookup with a key on the stack', SK, [st32(10, -4, 1), ...I.ldMap(1, HASH), ...fp(2, -4), H('bpf_map_lookup_elem'), ...RET0], 'accept');
  add('lookup with a scalar key', SK, [...I.ldMap(1, HASH), I.mov(2, 4), H('bpf_map_lookup_elem'), ...RET0], 'reject',
    'R2 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_');
  add('lookup with the key running past the frame', SK, [...I.ldMap(1, HASH), ...fp(2, -2), H('bpf_map_lookup_elem'), ...RET0], 'reject',
    'invalid read from stack R2 off=-2 size=4');
  add('lookup with the key at the frame pointer', SK, [...I.ldMap(1, HASH), I.movr(2, 10), H('bpf_map_lookup_elem'), ...RET0], 'reject',
    'invalid read from stack R2 off=0 size=4');
  add('lookup with a key below the stack', SK, [...I.ldMap(1, HASH), ...fp(2, -516), H('bpf_map_lookup_elem'), ...RET0], 'reject',
    'invalid read from stack R2 off=-516 size=4');
  add('update with key and value on the stack', TC, [st32(10, -4, 1), I.st64(10, -16, 7), ...I.ldMap(1, HASH), ...fp(2, -4), ...fp(3, -16),
    I.mov(4, 0), H('bpf_map_update_elem'), ...RET0], 'accept');
  add('update with the value past the frame', TC, [...I.ldMap(1, HASH), ...fp(2, -8), ...fp(3, -4), I.mov(4, 0),
    H('bpf_map_update_elem'), ...RET0], 'reject', 'invalid read from stack R3 off=-4 size=8');
  add('update flags must be a scalar in no way', TC, [...I.ldMap(1, HASH), ...fp(2, -8), ...fp(3, -16), I.movr(4, 10),
    H('bpf_map_update_elem'), ...RET0], 'accept');
  add('delete from an array', SK, [...I.ldMap(1, ARRAY), ...fp(2, -4), H('bpf_map_delete_elem'), I.exit()], 'accept');
  add('update a read-only map', TC, [...I.ldMap(1, RDONLY), ...fp(2, -8), ...fp(3, -16), I.mov(4, 0),
    H('bpf_map_update_elem'), ...RET0], 'reject', 'write into map forbidden');
  add('pop into the stack (uninit value)', TC, [...I.ldMap(1, QUEUE), ...fp(2, -8), H('bpf_map_pop_elem'), I.ldx64(0, 10, -8), I.exit()], 'accept');
  add('push from the stack', TC, [I.st64(10, -8, 3), ...I.ldMap(1, QUEUE), ...fp(2, -8), I.mov(3, 0), H('bpf_map_push_elem'), I.exit()], 'accept');
  add('lookup in a queue (zero-sized key)', TC, [...I.ldMap(1, QUEUE), ...fp(2, -8), H('bpf_map_lookup_elem'), ...RET0], 'reject',
    'invalid zero-sized read');
  add('peek into a hash map', TC, [...I.ldMap(1, HASH), ...fp(2, -8), H('bpf_map_peek_elem'), ...RET0], 'reject',
    'cannot pass map_type 1 into func bpf_map_peek_elem#89');
  add('push to a hash map', TC, [...I.ldMap(1, HASH), ...fp(2, -8), I.mov(3, 0), H('bpf_map_push_elem'), ...RET0], 'reject',
    'cannot pass map_type 1 into func bpf_map_push_elem#87');
  add('tail call with a hash map', TC, [...I.ldMap(2, HASH), I.mov(3, 0), H('bpf_tail_call'), ...RET0], 'reject',
    'expected prog array map for tail callprocessed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0');
  add('ringbuf output from the stack', SK, [I.st64(10, -8, 1), ...I.ldMap(1, RINGBUF), ...fp(2, -8), I.mov(3, 8), I.mov(4, 0),
    H('bpf_ringbuf_output'), I.exit()], 'accept');
  // ---- memory and size pairs ----
  add('get_current_comm into the stack', KP, [...fp(1, -16), I.mov(2, 16), H('bpf_get_current_comm'), I.ldx64(0, 10, -16), I.exit()], 'accept');
  add('get_current_comm with zero size', KP, [...fp(1, -16), I.mov(2, 0), H('bpf_get_current_comm'), ...RET0], 'reject',
    'R2 invalid zero-sized read: u64=[0,0]');
  add('probe_read_kernel with zero size', KP, [...fp(1, -8), I.mov(2, 0), I.mov(3, 0), H('bpf_probe_read_kernel'), ...RET0], 'accept');
  add('probe_read_kernel with a negative size', KP, [...fp(1, -8), I.mov(2, -1), I.mov(3, 0), H('bpf_probe_read_kernel'), ...RET0], 'reject',
    "R2 min value is negative, either use unsigned or 'var &= const'");
  add('probe_read_kernel with an unbounded size', KP, [H('bpf_get_prandom_u32'), I.movr(2, 0), ...fp(1, -8), I.mov(3, 0),
    H('bpf_probe_read_kernel'), ...RET0], 'reject', "R2 min value is negative, either use unsigned or 'var &= const'");
  add('probe_read_kernel with a size below 2^32', KP, [H('bpf_get_prandom_u32'), insn(0xbc, 2, 0, 0, 0), ...fp(1, -8), I.mov(3, 0),
    H('bpf_probe_read_kernel'), ...RET0], 'reject', "R2 unbounded memory access, use 'var &= const' or 'if (var < const)'");
  add('probe_read_kernel with a masked size', KP, [H('bpf_get_prandom_u32'), I.movr(2, 0), and(2, 7), ...fp(1, -8), I.mov(3, 0),
    H('bpf_probe_read_kernel'), ...RET0], 'accept');
  add('probe_read_kernel size larger than the buffer', KP, [...fp(1, -8), I.mov(2, 16), I.mov(3, 0), H('bpf_probe_read_kernel'), ...RET0],
    'reject', 'invalid write to stack R1 off=-8 size=16');
  add('probe_read_kernel destination must be memory', KP, [I.mov(1, 0), I.mov(2, 8), I.mov(3, 0), H('bpf_probe_read_kernel'), ...RET0],
    'reject', 'R1 type=scalar expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_');
  add('probe_read_kernel filled bytes read back', KP, [...fp(1, -8), I.mov(2, 8), I.mov(3, 0), H('bpf_probe_read_kernel'),
    I.ldx64(0, 10, -8), I.exit()], 'accept');
  add('trace_printk of a stack string', KP, [st32(10, -4, 0x216968), ...fp(1, -4), I.mov(2, 4), H('bpf_trace_printk'), I.exit()], 'accept');
  add('csum_diff of two NULLs', TC, [I.mov(1, 0), I.mov(2, 0), I.mov(3, 0), I.mov(4, 0), I.mov(5, 0), H('bpf_csum_diff'), I.exit()], 'accept');
  add('csum_diff of NULL with a size', TC, [I.mov(1, 0), I.mov(2, 4), I.mov(3, 0), I.mov(4, 0), I.mov(5, 0), H('bpf_csum_diff'), I.exit()],
    'reject', 'R1 type=scalar expected=fp');
  add('skb_load_bytes into the stack', TC, [I.mov(2, 0), ...fp(3, -8), I.mov(4, 8), H('bpf_skb_load_bytes'), I.ldx64(0, 10, -8), I.exit()], 'accept');
  add('skb_load_bytes with the ctx as buffer', TC, [I.mov(2, 0), I.movr(3, 1), I.mov(4, 8), H('bpf_skb_load_bytes'), ...RET0], 'reject',
    'R3 type=ctx expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_');
  add('perf_event_output from the stack', TC, [I.st64(10, -8, 1), ...I.ldMap(2, PERF), I.mov(3, 0), ...fp(4, -8), I.mov(5, 8),
    H('bpf_perf_event_output'), ...RET0], 'accept');
  add('perf_event_output with a ringbuf', TC, [I.st64(10, -8, 1), ...I.ldMap(2, RINGBUF), I.mov(3, 0), ...fp(4, -8), I.mov(5, 8),
    H('bpf_perf_event_output'), ...RET0], 'reject', 'cannot pass map_type 27 into func bpf_perf_event_output#25');
  add('get_smp_processor_id range', SK, [H('bpf_get_smp_processor_id'), jne(0, 0, 0), I.exit()], 'accept');
  // ---- kfuncs: prototypes from vmlinux BTF, flags from the kfunc table ----
  const K = (name: string): Insn => I.kcall(kfuncId(name));
  const kadd = (name: string, progType: number, insns: Insn[], verdict: 'accept' | 'reject', error?: string): void => {
    cases.push({ name: `kfunc: ${name}`, progType, insns, verdict, error });
  };
  kadd('task_from_pid without release leaks', TC, [I.mov(1, 1), K('bpf_task_from_pid'), ...RET0], 'reject',
    'BPF_EXIT instruction in main prog would lead to reference leak');
  kadd('task_from_pid with an unset argument', TC, [K('bpf_task_from_pid'), ...RET0], 'reject', 'R1 is not a scalar');
  kadd('task_from_pid with a pointer', TC, [I.movr(1, 10), K('bpf_task_from_pid'), ...RET0], 'reject', 'R1 is not a scalar');
  kadd('task_from_pid not for socket filters', SK, [I.mov(1, 1), K('bpf_task_from_pid'), ...RET0], 'reject',
    'calling kernel function bpf_task_from_pid is not allowed');
  kadd('task_release of NULL', TC, [I.mov(1, 0), K('bpf_task_release'), ...RET0], 'reject', 'Possibly NULL pointer passed to trusted arg0');
  kadd('task_release of the ctx', TC, [K('bpf_task_release'), ...RET0], 'reject',
    'arg#0 pointer type STRUCT task_struct must point to scalar, or struct with scalar');
  kadd('task_release of an unreferenced task', TC, [H('bpf_get_current_task_btf'), I.movr(1, 0), K('bpf_task_release'), ...RET0], 'reject',
    'release kernel function bpf_task_release expects refcounted PTR_TO_BTF_ID');
  kadd('task_release of a maybe-NULL task', TC, [I.mov(1, 1), K('bpf_task_from_pid'), I.movr(1, 0), K('bpf_task_release'), ...RET0],
    'reject', 'Possibly NULL pointer passed to trusted arg0');
  kadd('task_acquire of the current task leaks', TC, [H('bpf_get_current_task_btf'), I.movr(1, 0), K('bpf_task_acquire'), ...RET0], 'reject',
    'BPF_EXIT instruction in main prog would lead to reference leak');
  kadd('task_acquire of a scalar', TC, [I.mov(1, 8), K('bpf_task_acquire'), ...RET0], 'reject',
    'arg#0 pointer type STRUCT task_struct must point to scalar, or struct with scalar');
  kadd('send_signal_task to the current task', TC, [H('bpf_get_current_task_btf'), I.movr(1, 0), I.mov(2, 9), I.mov(3, 0), I.mov(4, 0),
    K('bpf_send_signal_task'), ...RET0], 'accept');
  kadd('rcu read lock and unlock', SK, [K('bpf_rcu_read_lock'), K('bpf_rcu_read_unlock'), ...RET0], 'accept');
  kadd('exit inside an rcu read section', SK, [K('bpf_rcu_read_lock'), ...RET0], 'reject',
    'BPF_EXIT instruction in main prog cannot be used inside bpf_rcu_read_lock-ed region');
  kadd('rcu unlock without lock', SK, [K('bpf_rcu_read_unlock'), ...RET0], 'reject', 'unmatched rcu read unlock (kernel function bpf_rcu_read_unlock)');
  kadd('strcmp of two ignored pointers', SK, [K('bpf_strcmp'), I.exit()], 'accept');
  kadd('strnlen with a pointer count', SK, [I.movr(2, 10), K('bpf_strnlen'), I.exit()], 'reject', 'R2 is not a scalar');
  kadd('copy_from_user_str needs a sleepable program', TC, [...fp(1, -8), I.mov(2, 8), I.mov(3, 0), I.mov(4, 0),
    K('bpf_copy_from_user_str'), ...RET0], 'reject', 'program must be sleepable to call sleepable kfunc bpf_copy_from_user_str');
  kadd('throw while holding a task', TC, [I.mov(1, 1), K('bpf_task_from_pid'), I.mov(1, 0), K('bpf_throw'), ...RET0], 'reject',
    'bpf_throw would lead to reference leak');
  kadd('throw with an unset cookie', TC, [K('bpf_throw'), ...RET0], 'reject', 'R1 is not a scalar');
  globalFunctionCases(cases);
  callbackCases(cases);
  void [HASH, jne];
  return cases;
}

/** Global and static functions against their BTF signatures (btf_prepare_func_args, btf_check_func_arg_match). */
function globalFunctionCases(cases: Case[]): void {
  const TC = PROG_TYPES.sched_cls, XDP = PROG_TYPES.xdp;
  type Param = { name: string; type: number; tags?: string[] };
  const fn = (name: string, progType: number, main: Insn[], params: (x: { int: number; intPtr: number; ctxPtr: number; big: number; voidPtr: number }) => Param[],
    verdict: 'accept' | 'reject', error?: string, opts: { global?: boolean; body?: Insn[] } = {}): void => {
    const { b, int, ctxPtr, mainFn } = mainBtf();
    const intPtr = b.ptr(int);
    const big = b.ptr(b.struct('big', 16));
    const ps = params({ int, intPtr, ctxPtr, big, voidPtr: b.ptr(0) });
    const g = b.func('gfunc', b.proto(int, ps.map(({ name, type }) => ({ name, type }))), opts.global ?? true);
    ps.forEach((p, i) => (p.tags ?? []).forEach((t) => addDeclTag(b.btf, t, g, i)));
    const body = opts.body ?? [I.mov(0, 0), I.exit()];
    cases.push({ name: `func: ${name}`, progType, insns: [...main, ...body], btf: b,
      funcInfo: [{ insnOff: 0, typeId: mainFn }, { insnOff: main.length, typeId: g }], verdict, error });
  };
  const call = (setup: Insn[]): Insn[] => [...setup, I.call(1), I.exit()];
  const callAt = (setup: Insn[]): Insn[] => [...setup, I.call(2), I.mov(0, 0), I.exit()];
  fn('memory argument from the stack', TC, call(fp(1, -8)), (x) => [{ name: 'p', type: x.intPtr }], 'accept');
  fn('memory argument NULL', TC, call([I.mov(1, 0)]), (x) => [{ name: 'p', type: x.intPtr }], 'accept');
  fn('memory argument a scalar', TC, call([I.mov(1, 5)]), (x) => [{ name: 'p', type: x.intPtr }], 'reject', "Caller passes invalid args into func#1 ('gfunc')");
  fn('memory argument the ctx', TC, call([]), (x) => [{ name: 'p', type: x.intPtr }], 'reject', "Caller passes invalid args into func#1 ('gfunc')");
  fn('memory argument larger than the stack slot', TC, call(fp(1, -8)), (x) => [{ name: 'p', type: x.big }], 'reject',
    "Caller passes invalid args into func#1 ('gfunc')");
  fn('arg:nonnull memory given NULL', TC, call([I.mov(1, 0)]), (x) => [{ name: 'p', type: x.intPtr, tags: ['arg:nonnull'] }], 'reject',
    "Caller passes invalid args into func#1 ('gfunc')");
  fn('arg:nonnull memory from the stack', TC, call(fp(1, -4)), (x) => [{ name: 'p', type: x.intPtr, tags: ['arg:nonnull'] }], 'accept');
  fn('void pointer argument of a global function', TC, call(fp(1, -8)), (x) => [{ name: 'p', type: x.voidPtr }], 'reject',
    "Caller passes invalid args into func#1 ('gfunc')");
  fn('arg tag on a static function', TC, callAt([I.mov(1, 1)]), (x) => [{ name: 'a', type: x.int, tags: ['arg:nonnull'] }], 'accept',
    undefined, { global: false });
  fn('__sk_buff pointer in xdp is memory, not ctx', XDP, call([]), (x) => [{ name: 'skb', type: x.ctxPtr }], 'reject',
    "Caller passes invalid args into func#1 ('gfunc')");
  fn('arg:ctx on __sk_buff in tc', TC, call([]), (x) => [{ name: 'c', type: x.ctxPtr, tags: ['arg:ctx'] }], 'accept');
  fn('arg:ctx on an int pointer in tc', TC, call([]), (x) => [{ name: 'c', type: x.intPtr, tags: ['arg:ctx'] }], 'reject',
    "Caller passes invalid args into func#1 ('gfunc')");
  fn('arg:ctx on a void pointer', TC, call([]), (x) => [{ name: 'c', type: x.voidPtr, tags: ['arg:ctx'] }], 'accept');
  fn('arg:nullable on plain memory', TC, call([I.mov(1, 0)]), (x) => [{ name: 'p', type: x.intPtr, tags: ['arg:nullable'] }], 'reject',
    "Caller passes invalid args into func#1 ('gfunc')");
  fn('arg:nonnull on an int', TC, call([I.mov(1, 0)]), (x) => [{ name: 'a', type: x.int, tags: ['arg:nonnull'] }], 'reject',
    "Caller passes invalid args into func#1 ('gfunc')");
  fn('unknown arg tag', TC, call([I.mov(1, 0)]), (x) => [{ name: 'a', type: x.int, tags: ['arg:bogus'] }], 'reject',
    "Caller passes invalid args into func#1 ('gfunc')");
  fn('ctx argument given the stack', TC, call(fp(1, -8)), (x) => [{ name: 'c', type: x.ctxPtr }], 'reject',
    "Caller passes invalid args into func#1 ('gfunc')");
  fn('six arguments', TC, call([I.mov(1, 0), I.mov(2, 0), I.mov(3, 0), I.mov(4, 0), I.mov(5, 0)]),
    (x) => [1, 2, 3, 4, 5, 6].map((n) => ({ name: `a${n}`, type: x.int })), 'reject', "Caller passes invalid args into func#1 ('gfunc')");
  fn('scalar argument from an unset register', TC, call([]), (x) => [{ name: 'a', type: x.int }, { name: 'b', type: x.int }], 'reject',
    "Caller passes invalid args into func#1 ('gfunc')");
  fn('static function given a pointer for an int', TC, callAt([I.movr(1, 10)]), (x) => [{ name: 'a', type: x.int }], 'accept',
    undefined, { global: false });
}

export { mainBtf };

/** Callbacks of bpf_loop and bpf_for_each_map_elem. */
function callbackCases(cases: Case[]): void {
  const TC = PROG_TYPES.sched_cls;
  const ldFunc = (d: number, rel: number): Insn[] => [insn(0x18, d, 4, 0, rel), insn(0, 0, 0, 0, 0)];
  /** main(rel) builds the main program given the callback's offset from its ld_imm64; cb params are pointers unless `ints`. */
  const cb = (name: string, main: (rel: number) => Insn[], body: Insn[], verdict: 'accept' | 'reject', error?: string,
    opts: { params?: number; ints?: boolean } = {}): void => {
    const { b, int, u64, mainFn } = mainBtf();
    const vp = b.ptr(0);
    const n = opts.params ?? 2;
    const params = Array.from({ length: n }, (_v, i) => ({ name: `a${i}`, type: opts.ints || (n === 2 && i === 0) ? u64 : vp }));
    const cbFn = b.func('cb', b.proto(int, params), false);
    const m0 = main(0);
    const at = m0.findIndex((x) => x.code === 0x18 && x.src === 4);
    const insns = main(m0.length - at - 1);
    const usesMaps = insns.some((x) => x.code === 0x18 && x.src === 1);
    cases.push({ name: `callback: ${name}`, progType: TC, insns: [...insns, ...body], btf: b, ...(usesMaps ? { maps: MAPS } : {}),
      funcInfo: [{ insnOff: 0, typeId: mainFn }, { insnOff: insns.length, typeId: cbFn }], verdict, error });
  };
  const loop = (nr: Insn[], ctx: Insn[], after: Insn[] = RET0) => (rel: number): Insn[] =>
    [...nr, ...ldFunc(2, rel), ...ctx, I.mov(4, 0), H('bpf_loop'), ...after];
  const counterCtx = [I.st64(10, -8, 0), ...fp(3, -8)];
  const incr = [I.ldx64(1, 2, 0), I.add(1, 1), I.stx64(2, 1, 0), I.mov(0, 0), I.exit()];
  cb('bpf_loop callback counting on the caller stack', loop([I.mov(1, 10)], counterCtx), incr, 'accept');
  cb('bpf_loop counter read after the loop', loop([I.mov(1, 10)], counterCtx, [I.ldx64(0, 10, -8), I.exit()]), incr, 'accept');
  cb('bpf_loop callback returning its index bit', loop([I.mov(1, 5)], [I.mov(3, 0)]), [I.movr(0, 1), and(0, 1), I.exit()], 'accept');
  cb('bpf_loop with zero iterations never checks the callback', loop([I.mov(1, 0)], [I.mov(3, 0)]), [I.mov(0, 5), I.exit()], 'accept');
  cb('bpf_loop with unknown iterations checks the callback', loop([H('bpf_get_prandom_u32'), I.movr(1, 0), and(1, 3)], [I.mov(3, 0)]),
    [I.mov(0, 5), I.exit()], 'reject', 'At callback return the register R0 has smin=5 smax=5 should have been in [0, 1]');
  cb('bpf_loop callback reads an unset register', loop([I.mov(1, 3)], [I.mov(3, 0)]), [I.movr(0, 3), I.exit()], 'reject', 'R3 !read_ok');
  cb('bpf_loop callback returns a pointer', loop([I.mov(1, 3)], [I.mov(3, 0)]), [I.movr(0, 10), I.exit()], 'reject',
    'cannot return stack pointer to the caller');
  cb('bpf_loop context must be the stack or NULL', loop([I.mov(1, 3)], [I.mov(3, 8)]), [I.mov(0, 0), I.exit()], 'reject',
    'R3 type=scalar expected=fp');
  cb('bpf_loop callback given the ctx as its context', loop([I.movr(6, 1), I.mov(1, 3)], [I.movr(3, 6)]), [I.mov(0, 0), I.exit()],
    'reject', 'R3 type=ctx expected=fp');
  const each = (map: number, ctx: Insn[]) => (rel: number): Insn[] =>
    [...I.ldMap(1, map), ...ldFunc(2, rel), ...ctx, I.mov(4, 0), H('bpf_for_each_map_elem'), ...RET0];
  cb('for_each_map_elem over a hash map', each(2000, [I.mov(3, 0)]), [I.mov(0, 0), I.exit()], 'accept', undefined, { params: 4 });
  cb('for_each_map_elem over an array with a stack context', each(2001, counterCtx), [I.ldx64(1, 4, 0), I.mov(0, 1), I.exit()], 'accept',
    undefined, { params: 4 });
  cb('for_each_map_elem over a prog array', each(2003, [I.mov(3, 0)]), [I.mov(0, 0), I.exit()], 'reject',
    'callback function not allowed for map', { params: 4 });
  cb('for_each_map_elem callback returning 3', each(2000, [I.mov(3, 0)]), [I.mov(0, 3), I.exit()], 'reject',
    'At callback return the register R0 has smin=3 smax=3 should have been in [0, 1]', { params: 4 });
  cb('for_each_map_elem callback reads R5', each(2000, [I.mov(3, 0)]), [I.movr(0, 5), I.exit()], 'reject', 'R5 !read_ok', { params: 4 });
}
