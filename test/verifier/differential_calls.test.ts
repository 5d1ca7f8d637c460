// The verifier model against the live kernel on generated programs with helper
// and kfunc calls: map lookups, updates and deletes with keys and values on the
// stack, memory and size pairs, program-type-specific helpers, tail calls, RCU
// sections, with arguments that are sometimes of the wrong type, size or place.
// A model that cannot decide says `not modelled yet` (counted, not a disagreement);
// every decided verdict must agree with the kernel's, every shared rejection must
// carry the kernel's message, and the model must never accept what Linux rejects.
// BPFX_DIFF_PROGRAMS sets the number of programs (npm test keeps it small).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Insn, insn } from '../../src/isa/insn';
import { helperId } from '../../src/isa/helpers';
import { verify, progTypeNumber, MapInfo } from '../../src/verifier';
import { MAP_TYPE as MAP_TYPES } from '../../src/isa/uapi';
import { progLoad, closeFd, kernelAvailable, mapCreate } from '../../src/kernel';
import { hostVmlinuxBtf, hostNrCpuIds, vmlinuxFuncId } from '../../src/kernel/host';
import { typeById } from '../../src/btf/btf';
import { firstErrorLine } from '../../src/verifier/error_line';

/** A small deterministic generator (LCG), so a failure names a reproducible seed. */
function generator(seed: number): (n: number) => number {
  let s = seed;
  return (n) => { s = (s * 1103515245 + 12345) & 0x7fffffff; return s % n; };
}

const MAPS: ReadonlyMap<number, MapInfo> = new Map([
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
function callBlock(rnd: (n: number) => number, kfunc: (n: string) => number): Insn[] {
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

function program(rnd: (n: number) => number, kfunc: (n: string) => number): Insn[] {
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

const avail = kernelAvailable();
const PROGRAMS = Number(process.env.BPFX_DIFF_PROGRAMS ?? 400);
const TYPES = ['socket_filter', 'sched_cls', 'xdp', 'kprobe'] as const;

test(`verifier model vs kernel on ${PROGRAMS} generated programs with calls: no wrong accept, decided verdicts and messages agree`,
  { skip: avail.ok ? false : `kernel unavailable: ${avail.reason}` }, () => {
    const seed = 20261202;
    const rnd = generator(seed);
    const vmlinuxBtf = hostVmlinuxBtf();
    const nrCpuIds = hostNrCpuIds();
    const kfunc = (name: string): number => vmlinuxFuncId(name);
    const kfuncInfo = (id: number): { name: string } | undefined => (vmlinuxBtf ? { name: typeById(vmlinuxBtf, id).name } : undefined);
    const fds = new Map([...MAPS].map(([i, m]) => [i, mapCreate({ mapType: m.type, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, name: m.name })]));
    const counts = { accept: 0, reject: 0, notModelled: 0, sameMessage: 0, total: 0 };
    const disagreements: string[] = [];
    for (let t = 0; t < PROGRAMS; t++) {
      const insns = program(rnd, kfunc);
      const type = TYPES[rnd(TYPES.length)];
      const ours = verify({ insns, progType: progTypeNumber(type)!, logLevel: 1, maps: MAPS, vmlinuxBtf, nrCpuIds, kfunc: kfuncInfo });
      const patched = insns.map((x) => (x.code === 0x18 && x.src === 1 ? { ...x, imm: fds.get(x.imm)! } : x));
      const k = progLoad({ insns: patched, progType: type, license: 'GPL', logLevel: 1 });
      if (k.ok) closeFd(k.fd);
      const kv = k.ok ? 'accept' : 'reject';
      counts.total++;
      counts[kv]++;
      const where = `program ${t} (seed ${seed}, ${type})`;
      if (ours.verdict === 'accept' && kv === 'reject') assert.fail(`WRONG ACCEPT: ${where}: kernel says ${firstErrorLine(k.log)}`);
      if (ours.notModelled) { counts.notModelled++; continue; }
      if (ours.verdict !== kv) disagreements.push(`${where}: ours ${ours.verdict} (${ours.error}), kernel ${kv}`);
      else if (kv === 'reject' && firstErrorLine(ours.log) !== firstErrorLine(k.log)) {
        disagreements.push(`${where}: ours '${firstErrorLine(ours.log)}', kernel '${firstErrorLine(k.log)}'`);
      } else if (kv === 'reject') counts.sameMessage++;
    }
    process.stdout.write(`# calls differential: ${counts.total} programs, kernel accepts ${counts.accept}, rejects ${counts.reject}; `
      + `model not modelled ${counts.notModelled}; decided disagreements ${disagreements.length}\n`);
    assert.deepEqual(disagreements.slice(0, 20), []);
    assert.ok(counts.accept > PROGRAMS / 10, `the generator must exercise accepts too: ${counts.accept}/${PROGRAMS}`);
  });
