// The unprivileged model (no CAP_BPF): cannot be checked against the kernel from a
// root test run, so these assert the kernel's documented texts and errnos.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify, PROG_TYPES } from '../../src/verifier';
import { I } from './cases';
import { insn } from '../../src/isa/insn';

const SK = PROG_TYPES.socket_filter;
const last = (log: string): string => { const l = log.split('\n').filter(Boolean); return l[l.length - 2] ?? ''; };

test('unprivileged: back-edges are rejected by check_cfg', () => {
  const r = verify({ insns: [I.mov(0, 0), I.add(0, 1), I.jgt(0, 10, -2), I.exit()], progType: SK, unprivileged: true, logLevel: 1 });
  assert.equal(r.verdict, 'reject');
  assert.equal(last(r.log), 'back-edge from insn 2 to 1');
  const root = verify({ insns: [I.mov(0, 0), I.add(0, 1), I.jgt(0, 10, -2), I.exit()], progType: SK, logLevel: 1 });
  assert.equal(root.verdict, 'accept');
});

test('unprivileged: bpf-to-bpf calls need CAP_BPF', () => {
  const r = verify({ insns: [I.call(1), I.exit(), I.mov(0, 0), I.exit()], progType: SK, unprivileged: true, logLevel: 1 });
  assert.equal(r.errno, 'EPERM');
  assert.equal(last(r.log), 'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN');
});

test('unprivileged: uninitialized stack reads and pointer returns are rejected', () => {
  // below the allocated stack: check_stack_slot_within_bounds (min_valid_off = -allocated_stack)
  const a = verify({ insns: [I.ldx64(0, 10, -8), I.exit()], progType: SK, unprivileged: true, logLevel: 1 });
  assert.equal(last(a.log), 'invalid read from stack R10 off=-8 size=8');
  // inside the allocated stack, a byte never written: check_stack_read_fixed_off
  const c = verify({ insns: [insn(0x62, 10, 0, -8, 1), I.ldx64(0, 10, -8), I.exit()], progType: SK, unprivileged: true, logLevel: 1 });
  assert.equal(last(c.log), 'invalid read from stack off -8+4 size 8');
  const b = verify({ insns: [I.movr(0, 10), I.exit()], progType: SK, unprivileged: true, logLevel: 1 });
  assert.equal(last(b.log), 'R0 leaks addr as return value');
});

test('unprivileged: only socket filters and cgroup_skb load', () => {
  const r = verify({ insns: [I.mov(0, 0), I.exit()], progType: PROG_TYPES.xdp, unprivileged: true, logLevel: 1 });
  assert.equal(r.errno, 'EPERM');
  assert.equal(r.log, '');
  assert.equal(verify({ insns: [I.mov(0, 0), insn(0x95)], progType: SK, unprivileged: true }).verdict, 'accept');
});
