// Context access conversion (convert_ctx_accesses and each program type's
// convert_ctx_access), swept: every aligned load and store of 1, 2, 4 and 8 bytes
// inside the context struct of 18 program types (as in ctx_sweep.test.ts) that the
// live kernel accepts is loaded into the kernel, and the kernel's rewritten program
// (BPF_OBJ_GET_INFO_BY_FD xlated, kernel addresses masked) is compared with the
// model's. Every conversion the model makes must be the kernel's instruction for
// instruction; the others are `not modelled yet` with a reason (counted apart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify, maskKernelAddresses } from '../../src/verifier';
import { PROG_TYPES, ATTACH_TYPES } from '../../src/verifier/types';
import { Insn, insn } from '../../src/isa/insn';
import { disassemble } from '../../src/isa/disasm';
import { kernelAvailable, progLoad, closeFd } from '../../src/kernel';
import { progInfo } from '../../src/kernel/info';
import { kernelSymbols } from '../../src/kernel/kallsyms';
import { defaultHostFacts } from '../../src/kernel/host';

/** [program type, expected attach type, sizeof(context struct)] */
const ROWS: readonly [string, string | undefined, number][] = [
  ['sched_cls', undefined, 192], ['socket_filter', undefined, 192], ['cgroup_skb', 'cgroup_inet_ingress', 192], ['xdp', undefined, 24],
  ['cgroup_sock', 'cgroup_inet_sock_create', 80], ['sock_ops', undefined, 224], ['sk_msg', undefined, 80],
  ['cgroup_sock_addr', 'cgroup_udp6_sendmsg', 72], ['cgroup_sockopt', 'cgroup_getsockopt', 40], ['sk_skb', undefined, 192],
  ['lwt_in', undefined, 192], ['flow_dissector', undefined, 192], ['kprobe', undefined, 168], ['perf_event', undefined, 184],
  ['cgroup_device', 'cgroup_device', 12], ['cgroup_sysctl', 'cgroup_sysctl', 8], ['raw_tracepoint', undefined, 96], ['tracepoint', undefined, 32],
];
const SIZE_BITS: Readonly<Record<number, number>> = { 1: 0x10, 2: 0x08, 4: 0x00, 8: 0x18 };
/** What the sweep gave on Linux 6.18 when it was written: conversions identical to the kernel's (the model converts no other access). */
const IDENTICAL = 1565;

function programs(structSize: number): Insn[][] {
  const out: Insn[][] = [];
  for (let off = 0; off < structSize; off++) {
    for (const size of [1, 2, 4, 8]) {
      if (off % size !== 0) continue;
      out.push([insn(0x61 | SIZE_BITS[size], 2, 1, off, 0), insn(0xb7, 0, 0, 0, 1), insn(0x95)]);
      out.push([insn(0xb7, 2, 0, 0, 0), insn(0x63 | SIZE_BITS[size], 1, 2, off, 0), insn(0xb7, 0, 0, 0, 1), insn(0x95)]);
    }
  }
  return out;
}

/** The program with kernel addresses masked (call targets too, where the kernel's symbols cannot be read). */
const text = (p: Insn[], maskCalls: boolean): string => disassemble(maskKernelAddresses(p, { calls: maskCalls })).join('\n');
const k = kernelAvailable();

test(`context conversions: ${IDENTICAL} identical to the kernel's, none different`, { skip: k.ok ? false : k.reason }, () => {
  const host = defaultHostFacts();
  const syms = kernelSymbols();
  const kernelSymbol = syms ? (name: string): bigint | undefined => syms.byName.get(name) : undefined;
  let identical = 0, notModelled = 0;
  const different: string[] = [];
  for (const [type, attach, size] of ROWS) {
    const progType = PROG_TYPES[type], expectedAttachType = attach ? ATTACH_TYPES[attach] : undefined;
    for (const insns of programs(size)) {
      const r = progLoad({ insns, progType, expectedAttachType, logLevel: 0 });
      if (!r.ok) continue;
      let kx: Insn[] | undefined;
      try { kx = progInfo(r.fd, { xlated: true }).xlated; } finally { closeFd(r.fd); }
      const m = verify({ insns, progType, expectedAttachType, xlated: true, vmlinuxBtf: host.vmlinuxBtf, kernelSymbol });
      assert.equal(m.verdict, 'accept', m.log);
      if (!m.xlated || !('insns' in m.xlated)) {
        assert.match(JSON.stringify(m.xlated), /context access conversion/);
        notModelled++;
      } else if (kx && text(m.xlated.insns, !syms) === text(kx, !syms)) identical++;
      else different.push(`${type} ${disassemble(insns)[insns.length === 3 ? 0 : 1]}:\nmodel:\n${text(m.xlated.insns, !syms)}\nkernel:\n${kx ? text(kx, !syms) : '(none)'}`);
    }
  }
  assert.deepEqual(different, []);
  assert.equal(identical, IDENTICAL, `${notModelled} not modelled`);
});
