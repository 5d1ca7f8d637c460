// The CLI commands of the runtime area, run as a user would: bpfx run
// (--json, exit status), bpfx conformance-plugin (the bpf_conformance plugin
// protocol) and bpfx conformance on a directory of .data files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// dist/test/runtime/cli.test.js -> dist/src/cli/main.js
const MAIN = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');
const bpfx = (args: string[], input?: string): { code: number | null; out: string; err: string } => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-runtime-'));
const write = (name: string, text: string): string => { const p = path.join(tmp, name); fs.writeFileSync(p, text); return p; };

test('bpfx run --json prints retval as hex and exits 0', () => {
  const f = write('ok.asm', 'mov %r0, 0x2a\nexit\n');
  const r = bpfx(['run', f, '--json']);
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out);
  assert.equal(j.retval, '0x2a');
  assert.equal(j.error, null);
});

test('bpfx run: a .data file runs with its -- mem, --mem overrides it', () => {
  const f = write('len.data', '-- asm\nmov %r0, %r2\nexit\n-- mem\n01 02 03\n-- result\n0x3\n');
  assert.equal(bpfx(['run', f]).out, '0x3\n');
  assert.equal(bpfx(['run', f, '--mem', '00 00']).out, '0x2\n');
});

test('bpfx run --json reports a runtime error with a null retval and exits 1', () => {
  const f = write('oob.asm', 'mov %r1, 0\nldxdw %r0, [%r1+8]\nexit\n');
  const r = bpfx(['run', f, '--json']);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out);
  assert.equal(j.retval, null);
  assert.equal(j.error, 'invalid read of 8 bytes at 0x8 (pc 1)');
});

test('conformance-plugin: program on stdin, memory as argument, r0 in hex', () => {
  // mov r0, r2; exit
  const r = bpfx(['conformance-plugin', '00  11  22 '], 'bf 20 00 00 00 00 00 00 95 00 00 00 00 00 00 00\n');
  assert.equal(r.code, 0);
  assert.equal(r.out, '3\n');
  const p = bpfx(['conformance-plugin', '--program', 'b7 00 00 00 ff ff ff ff 95 00 00 00 00 00 00 00', '--engine interp']);
  assert.equal(p.out, 'ffffffffffffffff\n');
});

test('conformance-plugin: a runtime error goes to stdout with exit status 1', () => {
  const r = bpfx(['conformance-plugin'], '61 10 08 00 00 00 00 00 95 00 00 00 00 00 00 00\n');
  assert.equal(r.code, 1);
  assert.equal(r.out, 'invalid read of 4 bytes at 0x8 (pc 0)\n');
});

test('bpfx conformance DIR: FAIL lines and the closing count', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'suite-'));
  fs.writeFileSync(path.join(dir, 'good.data'), '-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n');
  fs.writeFileSync(path.join(dir, 'bad.data'), '-- asm\nmov %r0, 2\nexit\n-- result\n0x1\n');
  fs.writeFileSync(path.join(dir, 'known.data'), '-- asm\nmov %r0, 3\nexit\n-- result\n0x1\n');
  const kf = write('kf.txt', 'known waiting for a fix\n');
  const r = bpfx(['conformance', dir, '--known-failures', kf]);
  assert.equal(r.code, 1);
  const lines = r.out.trim().split('\n');
  assert.deepEqual(lines, [
    'FAIL bad: r0 = 0x2, expected 0x1',
    'KNOWN known: waiting for a fix (r0 = 0x3, expected 0x1)',
    '1 known failures (kf.txt), counted as neither passed nor failed',
    '1 passed, 1 failed',
  ]);
});

test('bpfx run --data-in: a tc program reads skb->len from its __sk_buff (65 bytes: 0x41)', () => {
  const f = write('len.s', 'r0 = *(u32 *)(r1 +0)\nr0 &= 0xff\nexit\n');
  const r = bpfx(['run', f, '--type', 'sched_cls', '--data-in', '00'.repeat(65), '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual([j.retval, j.error, j.data_out], ['0x41', null, '00'.repeat(65)]);
  // without --data-in: 64 zero bytes, as the kernel engine
  assert.equal(bpfx(['run', f, '--type', 'sched_cls']).out, '0x40\n');
});

test('bpfx run --ctx-in: ctx_out comes back; a ctx_in the kernel refuses is its errno', () => {
  const f = write('mark.s', 'r0 = *(u32 *)(r1 +8)\nr2 = 5\n*(u32 *)(r1 +12) = r2\nexit\n');
  const ctx = '00000000' + '00000000' + '2a000000' + '00'.repeat(180);
  const j = JSON.parse(bpfx(['run', f, '--type', 'sched_cls', '--ctx-in', ctx, '--json']).out);
  assert.equal(j.retval, '0x2a');
  assert.equal(j.ctx_out.slice(16, 24), '2a000000'); // mark copied back
  const bad = bpfx(['run', f, '--type', 'sched_cls', '--ctx-in', '01' + '00'.repeat(191), '--json']);
  assert.equal(bad.code, 1);
  assert.deepEqual(JSON.parse(bad.out), { retval: null, error: 'EINVAL' });
});

test('bpfx run --data-in FILE, --data-out FILE, --repeat N gives the duration of one run', () => {
  const f = write('first.s', 'r2 = *(u32 *)(r1 +76)\nr3 = *(u32 *)(r1 +80)\nr4 = r2\nr4 += 1\nif r4 > r3 goto out\nr0 = *(u8 *)(r2 +0)\nexit\nout:\nr0 = 0\nexit\n');
  const pkt = path.join(tmp, 'pkt.bin');
  fs.writeFileSync(pkt, Uint8Array.from([0x2a, ...new Array(63).fill(0)]));
  const out = path.join(tmp, 'out.bin');
  const r = bpfx(['run', f, '--type', 'sched_cls', '--data-in', pkt, '--data-out', out, '--repeat', '10', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.retval, '0x2a');
  assert.ok(typeof j.duration === 'number' && j.duration > 0, r.out);
  assert.deepEqual([...fs.readFileSync(out)], [...fs.readFileSync(pkt)]);
  const t = bpfx(['run', f, '--type', 'sched_cls', '--data-in', pkt, '--repeat', '3']);
  assert.match(t.out, /^0x2a\nduration: \d+ ns \([\d.]+ ns\/run, 3 runs\)\n$/);
});

test('bpfx run: --mem with --data-in, or bad hex, is a usage error (exit 2)', () => {
  const f = write('r0.s', 'r0 = 0\nexit\n');
  const both = bpfx(['run', f, '--mem', '00', '--data-in', '00']);
  assert.equal(both.code, 2);
  assert.match(both.err, /--mem \(raw memory in r1\/r2\) cannot be combined with --data-in or --ctx-in/);
  const hex = bpfx(['run', f, '--data-in', 'zz']);
  assert.equal(hex.code, 2);
  assert.match(hex.err, /--data-in: 'zz' is neither a file nor hex bytes \('zz' is not a hex byte\)/);
  const j = bpfx(['run', f, '--data-in', 'zz', '--json']);
  assert.equal(j.code, 2);
  assert.equal(JSON.parse(j.out).error.kind, 'usage');
});
