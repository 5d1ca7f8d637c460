// convert_ctx_accesses per program type against the live kernel: for every context
// offset and access size the kernel accepts (a one-load or one-store program), the
// model's rewritten program must be the kernel's xlated program. Rows: program type,
// expected attach type, ctx size, loads or stores. Offsets of the kernel's structs
// come from its BTF, so a kernel build with other layouts is checked the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Insn, insn } from '../../src/isa/insn';
import { disassemble } from '../../src/isa/disasm';
import { verify, progTypeNumber, ATTACH_TYPES } from '../../src/verifier';
import { kernelAvailable, progLoad, closeFd } from '../../src/kernel';
import { progInfo } from '../../src/kernel/info';
import { defaultHostFacts } from '../../src/kernel/host';
import { BPF_LDX, BPF_STX, BPF_MEM, BPF_B, BPF_H, BPF_W, BPF_DW } from '../../src/isa/opcodes';

const k = kernelAvailable();
const SIZE: Record<number, number> = { 1: BPF_B, 2: BPF_H, 4: BPF_W, 8: BPF_DW };

interface Row { type: string; attach?: string; size: number; store: boolean; ret?: number }
const rows: Row[] = [
  { type: 'sched_cls', size: 192, store: false }, { type: 'sched_cls', size: 192, store: true },
  { type: 'socket_filter', size: 192, store: false }, { type: 'socket_filter', size: 192, store: true },
  { type: 'cgroup_skb', size: 192, store: false }, { type: 'cgroup_skb', size: 192, store: true },
  { type: 'sk_skb', size: 192, store: false }, { type: 'sk_skb', size: 192, store: true },
  { type: 'xdp', size: 24, store: false }, { type: 'flow_dissector', size: 192, store: false },
  { type: 'cgroup_sock', size: 80, store: false }, { type: 'cgroup_sock', size: 80, store: true },
  { type: 'sock_ops', size: 224, store: false }, { type: 'sk_msg', size: 80, store: false },
  { type: 'perf_event', size: 184, store: false }, { type: 'cgroup_sysctl', size: 8, store: false },
  { type: 'cgroup_sockopt', attach: 'cgroup_getsockopt', size: 40, store: false },
  { type: 'cgroup_sock_addr', attach: 'cgroup_inet4_connect', size: 72, store: false, ret: 1 },
  { type: 'kprobe', size: 168, store: false },
];

/** r2 = 0; the access; r0 = ret; exit */
function program(off: number, size: number, store: boolean, ret: number): Insn[] {
  const access = store ? insn(BPF_STX | BPF_MEM | SIZE[size], 1, 2, off, 0) : insn(BPF_LDX | BPF_MEM | SIZE[size], 2, 1, off, 0);
  return [insn(0xb7, 2, 0, 0, 0), access, insn(0xb7, 0, 0, 0, ret), insn(0x95)];
}

for (const row of rows) {
  test(`convert_ctx_accesses: ${row.type}${row.attach ? ` (${row.attach})` : ''} ${row.store ? 'stores' : 'loads'} as the kernel rewrites them`, { skip: k.ok ? false : k.reason }, () => {
    const host = defaultHostFacts();
    const differs: string[] = [], notModelled: string[] = [];
    let same = 0;
    for (let off = 0; off < row.size; off++) {
      for (const size of [8, 4, 2, 1]) {
        if (off % size) continue;
        const insns = program(off, size, row.store, row.ret ?? 0);
        const r = progLoad({ insns, progType: row.type, expectedAttachType: row.attach, logLevel: 0 });
        if (!r.ok) continue;
        let theirs: string;
        try { theirs = disassemble(progInfo(r.fd, { xlated: true }).xlated ?? []).join('; '); } finally { closeFd(r.fd); }
        const m = verify({ insns, progType: progTypeNumber(row.type)!, expectedAttachType: row.attach ? ATTACH_TYPES[row.attach] : undefined,
          xlated: true, vmlinuxBtf: host.vmlinuxBtf });
        if (m.verdict !== 'accept' || !m.xlated) { notModelled.push(`${off}/${size}: ${m.error}`); continue; }
        if (!('insns' in m.xlated)) { notModelled.push(`${off}/${size}: ${m.xlated.notModelled}`); continue; }
        const ours = disassemble(m.xlated.insns).join('; ');
        if (ours === theirs) same++;
        else differs.push(`off ${off} size ${size}:\n  ours   ${ours}\n  kernel ${theirs}`);
      }
    }
    process.stdout.write(`# ${row.type} ${row.store ? 'stores' : 'loads'}: ${same} identical, ${differs.length} differ, ${notModelled.length} not modelled${notModelled.length ? ` (${notModelled.slice(0, 3).join('; ')})` : ''}\n`);
    assert.deepEqual(differs, []);
    assert.ok(same > 0, 'the kernel accepted no access of this row, or the model answered none');
  });
}
