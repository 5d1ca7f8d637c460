// The model's rewritten program (`xlated`: dead code removed, context accesses
// converted, division guards, map lookups inlined, legacy packet loads expanded, the
// hidden default exception callback) against the live kernel's BPF_OBJ_GET_INFO_BY_FD
// dump of the same program, with helper/kfunc call targets and map addresses masked:
// a table of programs, then every spec and fixture program both accept (identical,
// differing at a first instruction, or not modelled with the reason).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { Insn, insn, ldImm64 } from '../../src/isa/insn';
import { disassemble } from '../../src/isa/disasm';
import { verify, progTypeNumber, maskKernelAddresses, XlatedResult, MapInfo } from '../../src/verifier';
import { kernelAvailable, progLoad, closeFd } from '../../src/kernel';
import { mapCreate } from '../../src/kernel/map';
import { kernelSymbols } from '../../src/kernel/kallsyms';
import { progInfo } from '../../src/kernel/info';
import { runObjectFile } from '../../src/kernel/object';
import { vmlinuxFuncId, defaultHostFacts } from '../../src/kernel/host';
import { findSpecFiles, readSpecFile, programFromSpec } from '../../src/harness/program';
import { loadObjectPrograms } from '../../src/harness/object';
import { verifierInputFor } from '../../src/harness/engines/verifier';

const root = path.resolve(__dirname, '../../..');
const k = kernelAvailable();
let throwId = -1;
try { throwId = vmlinuxFuncId('bpf_throw'); } catch { /* no kernel BTF */ }
const kfunc = (id: number, off: number): { name: string } | undefined => (id === throwId && off === 0 ? { name: 'bpf_throw' } : undefined);

const mov = (d: number, imm: number): Insn => insn(0xb7, d, 0, 0, imm);
const alu = (code: number, d: number, s: number, off = 0): Insn => insn(code, d, s, off, 0);
const jeqImm = (d: number, imm: number, off: number): Insn => insn(0x15, d, 0, off, imm);
const call = (rel: number): Insn => insn(0x85, 0, 1, 0, rel);
const exit = insn(0x95);
const ldx = (size: number, d: number, s: number, off: number): Insn => insn(0x61 | ({ 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 } as Record<number, number>)[size], d, s, off, 0);
const stx = (size: number, d: number, s: number, off: number): Insn => insn(0x63 | ({ 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 } as Record<number, number>)[size], d, s, off, 0);
const host = k.ok ? defaultHostFacts() : undefined;
const syms = k.ok ? kernelSymbols() : undefined;
/** The model knows the kernel's symbols as the kernel engine's host does (root reads /proc/kallsyms). */
const kernelSymbol = syms ? (name: string): bigint | undefined => syms.byName.get(name) : undefined;
/** A map of the live kernel, and the model's view of it by the same fd. */
function kernelMap(type: string, keySize: number, valueSize: number, maxEntries: number): { fd: number; info: MapInfo } {
  const fd = mapCreate({ mapType: type, keySize, valueSize, maxEntries });
  return { fd, info: { type: { array: 2, hash: 1 }[type as 'array' | 'hash'], keySize, valueSize, maxEntries, name: '' } };
}
/** r0 = bpf_map_lookup_elem(map, &(u32)0 on the stack); return the value's first byte or 0 */
const lookup = (fd: number): Insn[] => [mov(1, 0), insn(0x63, 10, 1, -4, 0), insn(0xbf, 2, 10, 0, 0), insn(0x07, 2, 0, 0, -4),
  ...ldImm64(1, BigInt(fd), 1), insn(0x85, 0, 0, 0, 1), insn(0x15, 0, 0, 2, 0), ldx(1, 0, 0, 0), exit, mov(0, 0), exit];

/** The kernel's xlated instructions of a program it accepts, or null. */
function kernelXlated(insns: Insn[], progType: string): Insn[] | null {
  const r = progLoad({ insns, progType, logLevel: 0 });
  if (!r.ok) return null;
  try { return progInfo(r.fd, { xlated: true }).xlated ?? null; } finally { closeFd(r.fd); }
}

const text = (p: Insn[], maskCalls = true): string => disassemble(maskKernelAddresses(p, { calls: maskCalls })).join('\n');

interface Row { name: string; type: string; insns: () => Insn[]; maps?: () => Map<number, MapInfo> }
const maps = new Map<number, MapInfo>();
const withMap = (type: string, keySize: number, valueSize: number, maxEntries: number): { fd: number } => {
  const m = kernelMap(type, keySize, valueSize, maxEntries);
  maps.set(m.fd, m.info);
  return m;
};
let arrayMap = -1, oddArrayMap = -1, hashMap = -1;
if (k.ok) {
  arrayMap = withMap('array', 4, 8, 4).fd;
  oddArrayMap = withMap('array', 4, 20, 3).fd;
  hashMap = withMap('hash', 4, 8, 16).fd;
}
const rows: Row[] = [
  { name: 'div and mod by a register, 64 and 32 bits', type: 'socket_filter',
    insns: () => [mov(0, 7), mov(1, 3), alu(0x3f, 0, 1), alu(0x9f, 0, 1), alu(0x3c, 0, 1), alu(0x9c, 0, 1), exit] },
  { name: 'signed div and mod by a register', type: 'socket_filter',
    insns: () => [mov(0, 7), mov(1, 3), alu(0x3f, 0, 1, 1), alu(0x9f, 0, 1, 1), alu(0x3c, 0, 1, 1), alu(0x9c, 0, 1, 1), exit] },
  { name: 'signed div and mod by -1', type: 'socket_filter',
    insns: () => [mov(0, 7), insn(0x37, 0, 0, 1, -1), insn(0x97, 0, 0, 1, -1), insn(0x34, 0, 0, 1, -1), exit] },
  { name: 'a branch never taken: hard-wired, its target removed', type: 'socket_filter',
    insns: () => [mov(0, 0), mov(1, 1), jeqImm(1, 0, 2), mov(0, 2), exit, mov(0, 3), exit] },
  { name: 'a branch always taken: the fall-through removed', type: 'socket_filter',
    insns: () => [mov(0, 0), mov(1, 0), jeqImm(1, 0, 2), mov(0, 2), exit, mov(0, 3), exit] },
  { name: 'dead code before a subprog: the call moves', type: 'socket_filter',
    insns: () => [mov(6, 0), call(3), insn(0x55, 6, 0, 1, 0), exit, exit, mov(0, 1), exit] },
  { name: 'a jump over a division guard', type: 'socket_filter',
    insns: () => [mov(0, 1), mov(1, 2), mov(2, 5), insn(0x2d, 2, 1, 1, 0), alu(0x3f, 0, 1), exit] },
  { name: '__sk_buff in tc: len, pkt_type, queue_mapping, protocol, vlan_present, ifindex, napi_id, gso_segs, sk', type: 'sched_cls',
    insns: () => [ldx(4, 2, 1, 0), ldx(4, 2, 1, 4), ldx(4, 2, 1, 12), ldx(4, 2, 1, 16), ldx(4, 2, 1, 20), ldx(4, 2, 1, 40),
      ldx(4, 2, 1, 84), ldx(4, 2, 1, 164), ldx(8, 2, 1, 168), mov(0, 0), exit] },
  { name: '__sk_buff narrow loads: shifted and masked as the field is wider', type: 'sched_cls',
    insns: () => [ldx(1, 2, 1, 0), ldx(1, 2, 1, 1), ldx(2, 2, 1, 2), ldx(1, 2, 1, 3), ldx(2, 2, 1, 8), ldx(1, 2, 1, 12), ldx(1, 2, 1, 13), mov(0, 0), exit] },
  { name: '__sk_buff in tc: stores to mark, priority, tc_index, cb, tc_classid, tstamp', type: 'sched_cls',
    insns: () => [mov(2, 7), stx(4, 1, 2, 8), stx(4, 1, 2, 32), stx(4, 1, 2, 44), stx(4, 1, 2, 48), stx(8, 1, 2, 56), stx(4, 1, 2, 72), stx(8, 1, 2, 152), mov(0, 0), exit] },
  { name: '__sk_buff.tstamp: read as 0 for a delivery time at ingress', type: 'sched_cls', insns: () => [ldx(8, 2, 1, 152), mov(0, 0), exit] },
  { name: '__sk_buff.tstamp: a plain load when the program reads tstamp_type', type: 'sched_cls',
    insns: () => [ldx(1, 3, 1, 180), ldx(8, 2, 1, 152), mov(0, 0), exit] },
  { name: '__sk_buff in cgroup_skb: ifindex checked for a device, the socket fields', type: 'cgroup_skb',
    insns: () => [ldx(4, 2, 1, 40), ldx(4, 2, 1, 88), ldx(4, 2, 1, 92), ldx(4, 2, 1, 108), ldx(4, 2, 1, 132), ldx(4, 2, 1, 136), mov(0, 1), exit] },
  { name: 'tc writing packet data: the unclone prologue', type: 'sched_cls',
    insns: () => [ldx(4, 2, 1, 76), ldx(4, 3, 1, 80), insn(0xbf, 4, 2, 0, 0), insn(0x07, 4, 0, 0, 1), insn(0x2d, 4, 3, 2, 0), mov(5, 1), stx(1, 2, 5, 0), mov(0, 0), exit] },
  { name: 'xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index', type: 'xdp',
    insns: () => [ldx(4, 2, 1, 0), ldx(4, 2, 1, 4), ldx(4, 2, 1, 8), ldx(4, 2, 1, 12), ldx(4, 2, 1, 16), mov(0, 2), exit] },
  { name: 'bpf_sock in cgroup_sock: family, type, protocol, mark written', type: 'cgroup_sock',
    insns: () => [ldx(4, 2, 1, 4), ldx(4, 2, 1, 8), ldx(4, 2, 1, 12), mov(2, 3), stx(4, 1, 2, 16), mov(0, 1), exit] },
  { name: 'sock_ops: op, reply written, family, ports', type: 'sock_ops',
    insns: () => [ldx(4, 2, 1, 0), ldx(4, 2, 1, 20), ldx(4, 2, 1, 64), ldx(4, 2, 1, 68), mov(2, 1), stx(4, 1, 2, 4), mov(0, 1), exit] },
  { name: 'may_goto: the timed countdown, its slots set at the program\'s start', type: 'socket_filter',
    insns: () => [insn(0x7a, 10, 0, -8, 0), mov(0, 0), insn(0xe5, 0, 0, 1, 0), mov(0, 1), exit] },
  { name: 'may_goto in a static subprog: its own slots below its own depth', type: 'socket_filter',
    insns: () => [insn(0x7a, 10, 0, -16, 0), call(2), mov(0, 0), exit, insn(0x7a, 10, 0, -8, 0), mov(0, 0), insn(0xe5, 0, 0, 1, 0), mov(0, 1), exit] },
  { name: 'kprobe: pt_regs loads pass through', type: 'kprobe', insns: () => [ldx(8, 2, 1, 112), mov(0, 0), exit] },
  { name: 'LD_ABS and LD_IND become the packet-load helpers', type: 'socket_filter',
    insns: () => [insn(0xbf, 6, 1, 0, 0), insn(0x30, 0, 0, 0, 12), insn(0xbf, 7, 0, 0, 0), insn(0x48, 0, 7, 0, 2), insn(0x40, 0, 7, 0, 0), exit] },
  { name: 'array lookup inlined (power-of-2 value)', type: 'socket_filter', insns: () => lookup(arrayMap), maps: () => maps },
  { name: 'array lookup inlined (20-byte value: a multiply)', type: 'socket_filter', insns: () => lookup(oddArrayMap), maps: () => maps },
  { name: 'hash lookup: __htab_map_lookup_elem and the key skipped', type: 'socket_filter', insns: () => lookup(hashMap), maps: () => maps },
];

for (const row of rows) {
  test(`xlated: ${row.name}`, { skip: k.ok ? false : k.reason }, () => {
    const insns = row.insns();
    const kx = kernelXlated(insns, row.type);
    assert.ok(kx, 'the kernel accepts it');
    const m = verify({ insns, progType: progTypeNumber(row.type)!, xlated: true, vmlinuxBtf: host?.vmlinuxBtf, maps: row.maps?.(), kernelSymbol });
    assert.equal(m.verdict, 'accept', m.log);
    assert.ok(m.xlated && 'insns' in m.xlated, `model: ${JSON.stringify(m.xlated)}`);
    // call targets too where the kernel's symbols are readable
    assert.equal(text(m.xlated.insns, !syms), text(kx, !syms));
  });
}

test('xlated: bpf_throw without a callback appends the default one', { skip: k.ok ? (throwId < 0 ? 'no bpf_throw in kernel BTF' : false) : k.reason }, () => {
  const insns = [mov(1, 3), insn(0x85, 0, 2, 0, throwId), mov(0, 0), exit];
  const kx = kernelXlated(insns, 'sched_cls');
  assert.ok(kx);
  const m = verify({ insns, progType: progTypeNumber('sched_cls')!, xlated: true, kfunc, kernelSymbol });
  assert.ok(m.xlated && 'insns' in m.xlated);
  assert.equal(text(m.xlated.insns, !syms), text(kx, !syms));
});

type Outcome = { kind: 'same'; callsToo: boolean } | { kind: 'skip' } | { kind: 'differs'; at: string } | { kind: 'not-modelled'; why: string };

/** Compare where both accept and the model can say. */
function compareOne(ours: XlatedResult | undefined, theirs: Insn[] | null | undefined): Outcome {
  if (!ours || !theirs) return { kind: 'skip' };
  if (!('insns' in ours)) return { kind: 'not-modelled', why: ours.notModelled };
  const a = disassemble(maskKernelAddresses(ours.insns)), b = disassemble(maskKernelAddresses(theirs));
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  if (i < a.length || a.length !== b.length) return { kind: 'differs', at: `insn ${i}: ours '${a[i] ?? '(end)'}', kernel '${b[i] ?? '(end)'}'` };
  return { kind: 'same', callsToo: text(ours.insns, false) === text(theirs, false) };
}

test('xlated: every spec and fixture program both accept', { skip: k.ok ? false : k.reason }, () => {
  const h = defaultHostFacts();
  const outcomes: [string, Outcome][] = [];
  for (const f of findSpecFiles([path.join(root, 'specs')])) {
    const p = programFromSpec(readSpecFile(f), h);
    const m = verify({ insns: p.insns, progType: progTypeNumber(p.progType)!, xlated: true, kfunc, vmlinuxBtf: h.vmlinuxBtf, kernelSymbol });
    outcomes.push([path.basename(f), compareOne(m.verdict === 'accept' ? m.xlated : undefined, kernelXlated(p.insns, p.progType))]);
  }
  const objDir = path.join(root, 'fixtures/obj');
  for (const o of fs.readdirSync(objDir).filter((f) => f.endsWith('.bpf.o'))) {
    let kernel: ReturnType<typeof runObjectFile>;
    try { kernel = runObjectFile(path.join(objDir, o), { dump: 'xlated' }); } catch { continue; }
    for (const p of loadObjectPrograms(path.join(objDir, o), h)) {
      const m = verify({ ...verifierInputFor(p, h.profile, 0, h), xlated: true, kernelSymbol });
      const kv = kernel.verdicts.find((v) => v.prog === p.name);
      outcomes.push([`${o}:${p.name}`, compareOne(m.verdict === 'accept' ? m.xlated : undefined, kv?.verdict === 'accept' ? kv.xlated : null)]);
    }
  }
  const count = (kind: Outcome['kind']): number => outcomes.filter(([, c]) => c.kind === kind).length;
  const compared = outcomes.length - count('skip');
  const callsToo = outcomes.filter(([, c]) => c.kind === 'same' && c.callsToo).length;
  process.stdout.write(`# xlated: ${count('same')} identical (${callsToo} with helper/kfunc call targets too), ${count('differs')} differ, ${count('not-modelled')} not modelled (of ${compared} both accept; ${count('skip')} not accepted by both)\n`);
  for (const [name, c] of outcomes) {
    if (c.kind === 'differs') process.stdout.write(`#   differs ${name}: ${c.at}\n`);
    if (c.kind === 'not-modelled') process.stdout.write(`#   not modelled ${name}: ${c.why}\n`);
  }
  assert.deepEqual(outcomes.filter(([, c]) => c.kind === 'differs').map(([n, c]) => `${n} ${'at' in c ? c.at : ''}`), []);
  // the target: 90% of the programs both accept are identical
  assert.ok(count('same') >= 0.9 * compared, `${count('same')} of ${compared} identical`);
  if (syms) assert.deepEqual(outcomes.filter(([, c]) => c.kind === 'same' && !c.callsToo).map(([n]) => n), [], 'call targets differ');
});
