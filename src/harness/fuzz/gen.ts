// Generator profiles of random but plausible programs for differential fuzzing
// (src/harness/fuzz/diff.ts) and the differential unit tests:
//   scalar   ALU/ALU32 and forward jumps over scalars, stack spills and fills
//   mem      context fields of several program types, packet access with and without
//            bounds checks (gen-mem.ts)
//   calls    helper and kfunc calls, map lookups with and without NULL checks, ring
//            buffer and task references, RCU sections
//   subprog  bpf-to-bpf calls, bpf_throw at random depths with and without an
//            exception callback (BTF func_info, decl tag), RCU and preemption sections
// A generator takes a PRNG `rnd(n)` in [0, n) and kfunc ids by name.
import { Insn, insn } from '../../isa/insn';
import { helperId } from '../../isa/helpers';
import { MAP_TYPE as MAP_TYPES } from '../../isa/uapi';
import { MapInfo } from '../../verifier';
import { memProgram } from './gen-mem';

export type Rnd = (n: number) => number;

/** ALU and ALU32 ops, forward jumps, stack spills and fills over initialised scalar registers. */
export function scalarProgram(rnd: Rnd): Insn[] {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const out: Insn[] = [];
  for (let r = 0; r < 10; r++) out.push(insn(0xb7, r, 0, 0, pick([0, 1, -1, 5, 100, -100, 0x7fffffff])));
  if (rnd(2)) { out.push(insn(0x7b, 10, pick([2, 3, 4]), -8)); out.push(insn(0x7b, 10, pick([2, 3, 5]), -16)); }
  const n = 3 + rnd(16);
  for (let i = 0; i < n; i++) {
    const k = rnd(12);
    if (k < 5) {
      const op = pick([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0, 0x80]);
      const x = rnd(2) ? 0x08 : 0;
      out.push(insn(op | pick([0x07, 0x04]) | x, rnd(10), x ? rnd(10) : 0, pick([0, 0, 0, 1]), x ? 0 : pick([0, 1, -1, 7, 64, 255, -8, 32])));
    } else if (k < 7) {
      const op = pick([0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0]);
      const x = rnd(2) ? 0x08 : 0;
      out.push(insn(op | pick([0x05, 0x06]) | x, rnd(10), x ? rnd(10) : 0, rnd(4), x ? 0 : pick([0, 1, 10, -1, 100])));
    } else if (k < 9) {
      out.push(insn(0x63 | pick([0x18, 0x00, 0x08, 0x10]), 10, rnd(10), -8 * (1 + rnd(4)) + pick([0, 0, 0, 4])));
    } else if (k < 11) {
      out.push(insn(0x61 | pick([0x18, 0x00, 0x08, 0x10]), rnd(10), pick([10, 10, 10, 1]), pick([-8, -16, -8, 0, 4])));
    } else {
      out.push(insn(0xbf, rnd(10), 10));
    }
  }
  for (let i = 0; i < 4; i++) out.push(insn(0xb7, 0, 0, 0, 0)); // landing pads for the forward jumps
  out.push(insn(0x95));
  return out;
}


/** The maps the calls profile uses (ld_imm64 src 1 carries the index; the harness creates them on the kernel side). */
export const DIFF_MAPS: ReadonlyMap<number, MapInfo> = new Map([
  [0, { type: MAP_TYPES.hash, keySize: 4, valueSize: 8, maxEntries: 8, name: 'dh' }],
  [1, { type: MAP_TYPES.array, keySize: 4, valueSize: 16, maxEntries: 4, name: 'da' }],
  [2, { type: MAP_TYPES.ringbuf, keySize: 0, valueSize: 0, maxEntries: 4096, name: 'dr' }],
  [3, { type: MAP_TYPES.prog_array, keySize: 4, valueSize: 4, maxEntries: 2, name: 'dp' }],
  [4, { type: MAP_TYPES.queue, keySize: 0, valueSize: 8, maxEntries: 4, name: 'dq' }],
]);

const h = (name: string): number => helperId(name)!;
const mov = (d: number, imm: number): Insn => insn(0xb7, d, 0, 0, imm);
const movr = (d: number, s: number): Insn => insn(0xbf, d, s, 0, 0);
const addi = (d: number, imm: number): Insn => insn(0x07, d, 0, 0, imm);
const call = (id: number): Insn => insn(0x85, 0, 0, 0, id);
const ldMap = (d: number, idx: number): Insn[] => [insn(0x18, d, 1, 0, idx), insn(0, 0, 0, 0, 0)];

/** One call with its arguments, right or wrong. */
function callBlock(rnd: Rnd, kfunc: (n: string) => number): Insn[] {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const stackArg = (r: number): Insn[] => (rnd(12) ? [movr(r, 10), addi(r, pick([-8, -16, -24, -24, -16, -8, -4, -2, 0, -512]))] : [mov(r, pick([0, 8]))]);
  const size = (r: number): Insn[] => [mov(r, pick([1, 4, 8, 8, 4, 16, 24, 0, -1]))];
  switch (rnd(18)) {
    case 0: return [...ldMap(1, pick([0, 1, 1, 4])), ...stackArg(2), call(h('bpf_map_lookup_elem'))];
    case 1: return [...ldMap(1, pick([0, 1, 4])), ...stackArg(2), ...stackArg(3), mov(4, pick([0, 1, 2])), call(h('bpf_map_update_elem'))];
    case 2: return [...ldMap(1, pick([0, 1])), ...stackArg(2), call(h('bpf_map_delete_elem'))];
    case 3: return [call(h(pick(['bpf_get_prandom_u32', 'bpf_ktime_get_ns', 'bpf_get_smp_processor_id', 'bpf_get_current_pid_tgid'])))];
    case 4: return [...stackArg(1), ...size(2), mov(3, 0), call(h('bpf_probe_read_kernel'))];
    case 5: return [...stackArg(1), ...size(2), call(h('bpf_get_current_comm'))];
    case 6: return [movr(1, 6), mov(2, pick([0, 14])), ...stackArg(3), ...size(4), call(h('bpf_skb_load_bytes'))];
    case 7: return [...stackArg(1), ...size(2), call(h('bpf_trace_printk'))];
    case 8: return [...ldMap(1, pick([2, 2, 0])), ...stackArg(2), ...size(3), mov(4, 0), call(h('bpf_ringbuf_output'))];
    case 9: return [movr(1, pick([6, 6, 10])), ...ldMap(2, pick([3, 3, 0])), mov(3, pick([0, 1, 5])), call(h('bpf_tail_call'))];
    case 10: return [...ldMap(1, 4), ...stackArg(2), call(h(pick(['bpf_map_pop_elem', 'bpf_map_peek_elem'])))];
    case 11: return [mov(1, 0), mov(2, 0), ...stackArg(3), ...size(4), mov(5, 0), call(h('bpf_csum_diff'))];
    case 12: return [insn(0x85, 0, 2, 0, kfunc('bpf_rcu_read_lock')), insn(0x85, 0, 2, 0, kfunc('bpf_rcu_read_unlock'))];
    case 13: return [insn(0x85, 0, 2, 0, kfunc('bpf_strcmp'))];
    case 14: case 15: { // a map value used after (or without) its NULL check
      const off = pick([0, 8, 4, 16, -8]);
      const use = [insn(0x79, 1, 0, off, 0), addi(1, 1), insn(0x7b, 0, 1, off, 0)];
      return [...ldMap(1, pick([0, 1, 1])), ...stackArg(2), call(h('bpf_map_lookup_elem')),
        ...(rnd(5) ? [insn(0x15, 0, 0, use.length, 0)] : []), ...use];
    }
    case 16: { // a ring buffer record: reserved, written, submitted or discarded (or leaked)
      const size = pick([8, 16, 8, 0]);
      const fill = [insn(0x7a, 0, 0, pick([0, 8]), 1)];
      const end = rnd(6) ? [movr(1, 0), mov(2, 0), call(h(pick(['bpf_ringbuf_submit', 'bpf_ringbuf_discard'])))] : [];
      return [...ldMap(1, 2), mov(2, size), mov(3, 0), call(h('bpf_ringbuf_reserve')),
        insn(0x15, 0, 0, fill.length + end.length, 0), ...fill, ...end];
    }
    default: { // an acquired task, released after its NULL check (or not)
      const rel = [movr(1, 0), insn(0x85, 0, 2, 0, kfunc('bpf_task_release'))];
      return [mov(1, pick([1, 0])), insn(0x85, 0, 2, 0, kfunc('bpf_task_from_pid')),
        ...(rnd(5) ? [insn(0x15, 0, 0, rel.length, 0)] : []), ...(rnd(6) ? rel : [])];
    }
  }
}

/** Helper and kfunc calls with right or wrong arguments, map lookups with and without NULL checks, references. */
export function callsProgram(rnd: Rnd, kfunc: (n: string) => number): Insn[] {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const out: Insn[] = [movr(6, 1)];
  for (let r = 7; r < 10; r++) out.push(mov(r, pick([0, 1, 4, 8, 100])));
  for (let s = 1; s <= 3; s++) if (rnd(3)) out.push(insn(0x7a, 10, 0, -8 * s, pick([0, 1, 2, 3])));
  const n = 1 + rnd(4);
  for (let i = 0; i < n; i++) {
    out.push(...callBlock(rnd, kfunc));
    if (rnd(2)) out.push(insn(0x57, 0, 0, 0, pick([1, 3, 255]))); // use R0 (set, or unset after a void helper)
    if (rnd(3) === 0) out.push(insn(0x7b, 10, pick([7, 8, 9]), pick([-8, -16, -24])));
  }
  out.push(mov(0, 0), insn(0x95));
  return out;
}


/** A function of a generated program, for its BTF and bpf_func_info (the harness builds both). */
export interface GenFunc { name: string; params: ('ctx' | 'u64')[]; linkage: 'static' | 'global'; off: number }

/** One generated program: what BPF_PROG_LOAD gets. */
export interface GenProgram {
  profile: string;
  progType: string;
  attach?: string;
  insns: Insn[];
  /** Uses DIFF_MAPS (ld_imm64 with src 1 and the map's index). */
  maps: boolean;
  /** Functions with BTF (absent: no BTF, no func_info). */
  funcs?: GenFunc[];
  /** exception_callback:NAME decl tags on the main function. */
  exceptionCallback?: string;
  /** The packet of the test run (data_in). */
  packet: Uint8Array;
}

type Item = Insn | { callTo: number };

/** bpf-to-bpf calls, bpf_throw at random depths, exception callbacks, RCU and preemption sections. */
export function subprogProgram(rnd: Rnd, kfunc: (n: string) => number): Omit<GenProgram, 'packet'> {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const kcall = (name: string): Insn => insn(0x85, 0, 2, 0, kfunc(name));
  const throwIf = (reg: number): Insn[] => {
    const body = [mov(1, pick([0, 1, 7, 42, -1, 0x7fffffff])), kcall('bpf_throw')];
    if (rnd(4) === 0) return body; // unconditional
    return [insn(pick([0x25, 0x35, 0xa5, 0x55, 0x15]), reg, 0, body.length, pick([0, 1, 3, 10, 64, 100])), ...body];
  };
  const section = (): [Insn[], Insn[]] => {
    const s = pick([['bpf_rcu_read_lock', 'bpf_rcu_read_unlock'], ['bpf_preempt_disable', 'bpf_preempt_enable']]);
    return [[kcall(s[0])], rnd(6) ? [kcall(s[1])] : []];
  };
  const progType = pick(['sched_cls', 'sched_cls', 'sched_cls', 'cgroup_skb']);
  const nsub = 1 + rnd(4);
  const funcs: Item[][] = [];
  // main: r6 = ctx, r7 = ctx->len (the packet decides which way throws go), calls, maybe a throw, maybe a section
  const main: Item[] = [movr(6, 1), insn(0x61, 7, 6, 0, 0), mov(8, 0)];
  const [enter, leave] = rnd(4) === 0 ? section() : [[], []];
  main.push(...enter);
  for (let k = 1 + rnd(3); k > 0; k--) {
    main.push(rnd(3) ? movr(1, 7) : mov(1, pick([0, 5, 100])), { callTo: 1 + rnd(nsub) }, insn(0x0f, 8, 0, 0, 0));
    if (rnd(5) === 0) main.push(...throwIf(pick([7, 8])));
  }
  main.push(...leave, movr(0, 8));
  if (progType === 'cgroup_skb' && rnd(4)) main.push(insn(0x57, 0, 0, 0, 1));
  main.push(insn(0x95));
  funcs.push(main);
  for (let f = 1; f <= nsub; f++) {
    const body: Item[] = [movr(0, 1)];
    for (let k = rnd(4); k > 0; k--) {
      const op = rnd(6);
      if (op < 3) body.push(insn(pick([0x07, 0x17, 0x27, 0x57, 0x47, 0xa7, 0x77, 0x67]), 0, 0, 0, pick([1, 3, 7, 255, 16, 2])));
      else if (op === 3) { const o = pick([-8, -16]); body.push(insn(0x7b, 10, 0, o, 0), insn(0x79, 0, 10, o, 0)); }
      else if (op === 4 && f < nsub) body.push(insn(0x7b, 10, 0, -8, 0), movr(1, 0), { callTo: f + 1 + rnd(nsub - f) }, insn(0x79, 1, 10, -8, 0), insn(0x0f, 0, 1, 0, 0));
      else if (rnd(20) === 0) body.push({ callTo: 1 + rnd(f) }); // recursion: the kernel rejects it
      else body.push(insn(0xbf, 6, 0, 0, 0), ...throwIf(pick([1, 6])), movr(0, 6));
    }
    body.push(insn(0x95));
    funcs.push(body);
  }
  const cbKind = rnd(3); // 0: none, 1: exception callback, 2: callback without an r0 or with a wide return
  if (cbKind) funcs.push(cbKind === 1 ? [movr(0, 1), insn(0x57, 0, 0, 0, pick([1, 0xff, 0x7fffffff])), insn(0x95)] : [movr(0, 1), insn(0x07, 0, 0, 0, 100), insn(0x95)]);
  // layout and call resolution
  const offs: number[] = [];
  let at = 0;
  for (const f of funcs) { offs.push(at); at += f.length; }
  const insns: Insn[] = [];
  funcs.forEach((f) => f.forEach((x) => {
    const pc = insns.length;
    insns.push('callTo' in x ? insn(0x85, 0, 1, 0, offs[x.callTo] - pc - 1) : x);
  }));
  const withBtf = rnd(4) !== 0;
  if (!withBtf) return { profile: 'subprog', progType, insns: cbKind ? insns.slice(0, offs[offs.length - 1]) : insns, maps: false };
  const gfuncs: GenFunc[] = [{ name: 'main_prog', params: ['ctx'], linkage: 'global', off: 0 }];
  for (let f = 1; f <= nsub; f++) gfuncs.push({ name: `sub${f}`, params: ['u64'], linkage: 'static', off: offs[f] });
  if (cbKind) gfuncs.push({ name: 'exception_cb', params: ['u64'], linkage: 'global', off: offs[nsub + 1] });
  return { profile: 'subprog', progType, insns, maps: false, funcs: gfuncs, exceptionCallback: cbKind && rnd(8) ? 'exception_cb' : undefined };
}

/**
 * Valid ALU/ALU32 programs over values read from the packet (after a bounds check): every
 * operation (signed division and modulo, sign-extending moves, byte swaps, shifts by
 * registers), forward branches, a result stored back into the packet. Almost always
 * accepted: the profile that feeds the runtimes (interp, jit, kernel) the most programs.
 */
export function aluProgram(rnd: Rnd): { insns: Insn[]; progType: string } {
  const pick = <T>(a: readonly T[]): T => a[rnd(a.length)];
  const progType = pick(['sched_cls', 'xdp']);
  const [dataOff, endOff] = progType === 'xdp' ? [0, 4] : [76, 80];
  const regs = [0, 5, 7, 8, 9];
  const head: Insn[] = [movr(6, 1), insn(0x61, 2, 6, dataOff, 0), insn(0x61, 3, 6, endOff, 0), movr(4, 2), addi(4, 16)];
  const body: Insn[] = [insn(0x79, 7, 2, 0, 0), insn(0x79, 8, 2, 8, 0), insn(0x61, 9, 2, pick([0, 4, 8, 12]), 0),
    mov(0, pick([0, 1, -1, 0x7fffffff])), mov(5, pick([0, 3, -7, 64]))];
  const n = 3 + rnd(14);
  for (let i = 0; i < n; i++) {
    const is64 = rnd(2) === 1, cls = is64 ? 0x07 : 0x04;
    const d = pick(regs), s = pick(regs);
    const k = rnd(12);
    if (k < 6) {
      const op = pick([0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0, 0xc0, 0x80]);
      const signed = (op === 0x30 || op === 0x90) && rnd(2) ? 1 : 0;
      const shift = op === 0x60 || op === 0x70 || op === 0xc0;
      const div = op === 0x30 || op === 0x90;
      if (op === 0x80) body.push(insn(op | cls, d, 0, 0, 0)); // neg
      else if (rnd(2)) body.push(insn(op | cls | 0x08, d, s, signed, 0));
      else body.push(insn(op | cls, d, 0, signed, shift ? rnd(is64 ? 64 : 32) : pick(div ? [1, -1, 3, 7, 0x10000, -0x80000000] : [0, 1, -1, 3, 7, 255, 0x10000, -0x80000000, 0x7fffffff])));
    } else if (k === 6) body.push(insn(0xbc | (is64 ? 0x03 : 0), d, s, pick(is64 ? [8, 16, 32] : [8, 16]), 0)); // movsx
    else if (k === 7) body.push(insn(pick([0xd4, 0xdc, 0xd7]), d, 0, 0, pick([16, 32, 64]))); // le / be / bswap
    else if (k < 11) { // a forward branch over the next one to three instructions (they come next)
      const op = pick([0x10, 0x20, 0x30, 0x40, 0x50, 0xa0, 0xb0, 0x60, 0x70, 0xc0, 0xd0]);
      const jcls = rnd(2) ? 0x05 : 0x06;
      const skip = 1 + rnd(3);
      body.push(rnd(2) ? insn(op | jcls | 0x08, d, s, skip, 0) : insn(op | jcls, d, 0, skip, pick([0, 1, -1, 100, 0x7fffffff])));
      for (let m = 0; m < skip; m++) body.push(rnd(2) ? insn(pick([0x07, 0x04, 0x27]), pick(regs), 0, 0, pick([1, 2, -3])) : insn(pick([0xaf, 0x2f, 0x0c]), pick(regs), pick(regs), 0, 0));
    } else body.push(insn(0x7b, 2, pick(regs), pick([0, 8]), 0)); // the packet keeps a result (data_out)
  }
  body.push(insn(0xaf, 0, pick([7, 8, 9, 5]), 0, 0), insn(0x95));
  // bounds check: too short a packet returns 0
  return { insns: [...head, insn(0x2d, 4, 3, body.length, 0), ...body, mov(0, 0), insn(0x95)], progType };
}

export const PROFILES = ['scalar', 'mem', 'calls', 'subprog', 'alu'] as const;
export type ProfileName = typeof PROFILES[number];

/** Program `rnd` of a profile, with a test-run packet (14 to 128 random bytes) for the runtimes. */
export function generate(profile: ProfileName, rnd: Rnd, kfunc: (n: string) => number): GenProgram {
  const packet = Uint8Array.from({ length: 14 + rnd(115) }, () => (rnd(3) ? rnd(256) : 0));
  switch (profile) {
    case 'scalar': return { profile, progType: (['socket_filter', 'sched_cls', 'xdp'] as const)[rnd(3)], insns: scalarProgram(rnd), maps: false, packet };
    case 'mem': { const m = memProgram(rnd); return { profile, progType: m.type, attach: m.attach, insns: m.insns, maps: false, packet }; }
    case 'calls': {
      const insns = callsProgram(rnd, kfunc);
      return { profile, progType: (['socket_filter', 'sched_cls', 'xdp', 'kprobe'] as const)[rnd(4)], insns, maps: insns.some((x) => x.code === 0x18 && x.src === 1), packet };
    }
    case 'alu': { const a = aluProgram(rnd); return { profile, progType: a.progType, insns: a.insns, maps: false, packet }; }
    default: return { ...subprogProgram(rnd, kfunc), packet };
  }
}
