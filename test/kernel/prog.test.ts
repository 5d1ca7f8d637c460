// Live-kernel tests of src/kernel: BPF_PROG_LOAD verdicts and logs,
// BPF_PROG_TEST_RUN return values, OBJ_GET_INFO dumps, maps, and fd hygiene.
// Skipped, with the reason printed, where bpf() is not permitted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as k from '../../src/kernel';
import { Insn, insn, ldImm64 } from '../../src/isa/insn';

const avail = k.kernelAvailable();
if (!avail.ok) console.log(`kernel tests skipped: ${avail.reason}`);
const skip = avail.ok ? false : `kernel unavailable: ${avail.reason}`;

const mov64 = (dst: number, imm: number): Insn => insn(0xb7, dst, 0, 0, imm);
const exit: Insn = insn(0x95);

test('accepts r0 = 42; exit and test-runs it to 42', { skip }, () => {
  const r = k.progLoad({ progType: 'socket_filter', insns: [mov64(0, 42), exit], logLevel: 1 });
  assert.equal(r.ok, true);
  if (!r.ok) return;
  try {
    assert.equal(r.verifiedInsns, 2);
    assert.match(r.log, /^processed 2 insns \(limit 1000000\)/m);
    const run = k.testRun(r.fd, { dataIn: new Uint8Array(64) });
    assert.equal(run.retval, 42);
    assert.equal(run.dataOut?.length, 64);
  } finally { k.closeFd(r.fd); }
});

test('rejects exit with uninitialized r0: EACCES and "R0 !read_ok"', { skip }, () => {
  const r = k.progLoad({ progType: 'socket_filter', insns: [exit] });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.errno, 'EACCES');
  assert.equal(r.errnoNum, 13);
  assert.ok(r.log.split('\n').includes('R0 !read_ok'), r.log);
});

test('log level 2 on a tiny buffer grows the buffer instead of failing with ENOSPC', { skip }, () => {
  const insns: Insn[] = [];
  for (let i = 0; i < 200; i++) insns.push(mov64(1 + (i % 5), i));
  insns.push(mov64(0, 7), exit);
  const r = k.progLoad({ progType: 'socket_filter', insns, logLevel: 2, logSize: 128 });
  assert.equal(r.ok, true, r.ok ? '' : r.errno);
  if (!r.ok) return;
  try {
    assert.ok(r.log.length > 4096, `log has ${r.log.length} bytes`);
    assert.match(r.log, /199: \(b7\) r5 = 199/);
    assert.equal(r.verifiedInsns, 202);
  } finally { k.closeFd(r.fd); }
});

test('prog types by name, by BPF_PROG_TYPE_ name and by number; unknown name is a typed error', () => {
  assert.equal(k.progTypeNum('xdp'), 6);
  assert.equal(k.progTypeNum('BPF_PROG_TYPE_SCHED_CLS'), 3);
  assert.equal(k.progTypeNum(26), 26);
  assert.equal(k.progTypeNum('syscall'), 31);
  assert.equal(k.attachTypeNum('trace_fentry'), 24);
  assert.throws(() => k.progTypeNum('nosuch'), (e: unknown) => e instanceof k.KernelError && e.kind === 'bad-request' && /unknown prog type 'nosuch'/.test(e.message));
});

test('xdp program sees the packet: returns the first byte of data_in', { skip }, () => {
  // r2 = ctx->data; r3 = ctx->data_end; if r2 + 1 > r3 goto drop; r0 = *(u8 *)r2
  const insns = [
    insn(0x61, 2, 1, 0, 0), insn(0x61, 3, 1, 4, 0),
    insn(0xbf, 4, 2, 0, 0), insn(0x07, 4, 0, 0, 1),
    insn(0x2d, 4, 3, 2, 0),
    insn(0x71, 0, 2, 0, 0), exit,
    mov64(0, 1), exit,
  ];
  const r = k.progLoad({ progType: 'xdp', insns });
  assert.equal(r.ok, true, r.ok ? '' : r.log);
  if (!r.ok) return;
  try {
    const data = new Uint8Array(64); data[0] = 3;
    assert.equal(k.testRun(r.fd, { dataIn: data }).retval, 3);
    data[0] = 2;
    assert.equal(k.testRun(r.fd, { dataIn: data, repeat: 10 }).retval, 2);
  } finally { k.closeFd(r.fd); }
});

test('progInfo: xlated instructions, jited image and function lengths', { skip }, () => {
  const r = k.progLoad({ progType: 'socket_filter', insns: [mov64(0, 42), exit] });
  assert.equal(r.ok, true);
  if (!r.ok) return;
  try {
    const info = k.progInfo(r.fd, { xlated: true, jited: true });
    assert.equal(info.type, 1);
    assert.equal(info.xlatedLen, 16);
    assert.deepEqual(info.xlated, [mov64(0, 42), exit]);
    assert.equal(info.verifiedInsns, 2);
    assert.ok(info.jited && info.jited.length === info.jitedLen && info.jitedLen > 0);
    assert.deepEqual(info.jitedFuncLens, [info.jitedLen]);
    assert.match(info.tag, /^[0-9a-f]{16}$/);
  } finally { k.closeFd(r.fd); }
});

test('array map: update, lookup, delete; a program reads the map value', { skip }, () => {
  const fd = k.mapCreate({ mapType: 'array', keySize: 4, valueSize: 8, maxEntries: 2, name: 'bpfx-test' });
  try {
    const key = new Uint8Array(4);
    k.mapUpdate(fd, key, Uint8Array.of(0x2a, 0, 0, 0, 0, 0, 0, 0));
    assert.deepEqual(k.mapLookup(fd, key, 8), Uint8Array.of(0x2a, 0, 0, 0, 0, 0, 0, 0));
    assert.equal(k.mapLookup(fd, Uint8Array.of(5, 0, 0, 0), 8), null); // out of range: ENOENT
    assert.throws(() => k.mapDelete(fd, key), (e: unknown) => e instanceof k.KernelError && e.errno === 'EINVAL' && e.op === 'BPF_MAP_DELETE_ELEM');
    // *(u32 *)(fp - 4) = 0; r1 = map; r2 = fp - 4; r0 = map_lookup_elem(); if r0 == 0 goto out; r0 = *(u64 *)r0; exit
    const insns: Insn[] = [
      insn(0x62, 10, 0, -4, 0), ...ldImm64(1, BigInt(fd), 1), insn(0xbf, 2, 10, 0, 0), insn(0x07, 2, 0, 0, -4),
      insn(0x85, 0, 0, 0, 1), insn(0x15, 0, 0, 1, 0), insn(0x79, 0, 0, 0, 0), exit,
    ];
    const r = k.progLoad({ progType: 'socket_filter', insns });
    assert.equal(r.ok, true, r.ok ? '' : r.log);
    if (!r.ok) return;
    try { assert.equal(k.testRun(r.fd, { dataIn: new Uint8Array(64) }).retval, 0x2a); } finally { k.closeFd(r.fd); }
  } finally { k.closeFd(fd); }
});

test('closing a bad fd is a typed EBADF error', { skip }, () => {
  assert.throws(() => k.closeFd(999999), (e: unknown) => e instanceof k.KernelError && e.errno === 'EBADF' && e.kind === 'syscall');
});

test('no fd leaks: a thousand loads and closes leave /proc/self/fd as it was', { skip }, () => {
  const before = fs.readdirSync('/proc/self/fd').length;
  for (let i = 0; i < 1000; i++) {
    const r = k.progLoad({ progType: 'socket_filter', insns: [mov64(0, i), exit], logLevel: i % 3 === 0 ? 1 : 0 });
    assert.equal(r.ok, true);
    if (r.ok) k.closeFd(r.fd);
    // rejected loads must not leak either (and their BTF fds must be closed)
    const bad = k.progLoad({ progType: 'socket_filter', insns: [exit] });
    assert.equal(bad.ok, false);
  }
  assert.equal(fs.readdirSync('/proc/self/fd').length, before);
});

test('progLoadOrThrow: a rejection is a KernelError of kind rejected with errno and log', { skip }, () => {
  assert.throws(() => k.progLoadOrThrow({ progType: 'socket_filter', insns: [exit], name: 'no_r0' }), (e: unknown) =>
    e instanceof k.KernelError && e.kind === 'rejected' && e.errno === 'EACCES' && e.op === 'BPF_PROG_LOAD' && e.prog === 'no_r0'
    && e.message === 'BPF_PROG_LOAD (no_r0): EACCES: R0 !read_ok' && e.log.includes('0: (95) exit'));
  const ok = k.progLoadOrThrow({ progType: 'socket_filter', insns: [mov64(0, 1), exit] });
  k.closeFd(ok.fd);
});

test('fd_array: an ld_imm64 BPF_PSEUDO_MAP_IDX refers to fd_array[0]', { skip }, () => {
  const fd = k.mapCreate({ mapType: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
  try {
    k.mapUpdate(fd, new Uint8Array(4), Uint8Array.of(0x99, 0, 0, 0, 0, 0, 0, 0));
    const insns: Insn[] = [
      insn(0x62, 10, 0, -4, 0), ...ldImm64(1, 0n, 5 /* BPF_PSEUDO_MAP_IDX */), insn(0xbf, 2, 10, 0, 0), insn(0x07, 2, 0, 0, -4),
      insn(0x85, 0, 0, 0, 1), insn(0x15, 0, 0, 1, 0), insn(0x79, 0, 0, 0, 0), exit,
    ];
    const without = k.progLoad({ progType: 'socket_filter', insns });
    assert.equal(without.ok, false);
    if (!without.ok) {
      assert.equal(without.errno, 'EPROTO');
      assert.ok(without.log.split('\n').includes('fd_idx without fd_array is invalid'), without.log);
    }
    const r = k.progLoad({ progType: 'socket_filter', insns, fdArray: [fd] });
    assert.equal(r.ok, true, r.ok ? '' : r.log);
    if (r.ok) { try { assert.equal(k.testRun(r.fd, { dataIn: new Uint8Array(64) }).retval, 0x99); } finally { k.closeFd(r.fd); } }
  } finally { k.closeFd(fd); }
});
