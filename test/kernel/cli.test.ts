// `bpfx kernel` end to end (a child process per case): JSON lines, text
// output, dumps, exit codes, and the skip path when bpf() is unavailable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { kernelAvailable } from '../../src/kernel';

const ROOT = path.join(__dirname, '../../..');
const MAIN = path.join(ROOT, 'dist/src/cli/main.js');
const avail = kernelAvailable();
const skip = avail.ok ? false : `kernel unavailable: ${avail.reason}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-kernel-cli-'));

function bpfx(args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, 'kernel', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function file(name: string, text: string | Uint8Array): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
}

test('bpfx kernel --json --run on assembly: one JSON line with every key', { skip }, () => {
  const r = bpfx([file('ret42.s', 'r0 = 42\nexit\n'), '--json', '--run']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0]), {
    prog: 'ret42', verdict: 'accept', errno: null, log: '', retval: '0x2a', xlated_insns: 2, jited_bytes: JSON.parse(lines[0]).jited_bytes, verified_insns: 2,
  });
  assert.ok(JSON.parse(lines[0]).jited_bytes > 0);
});

test('bpfx kernel on a rejected program: exit 1, errno and the verifier message', { skip }, () => {
  const r = bpfx([file('noret.s', 'exit\n'), '--json']);
  assert.equal(r.code, 1);
  const j = JSON.parse(r.out);
  assert.equal(j.verdict, 'reject');
  assert.equal(j.errno, 'EACCES');
  assert.ok(j.log.split('\n').includes('R0 !read_ok'), j.log);
  assert.equal(j.retval, null);
});

test('bpfx kernel --dump xlated prints bpftool\'s xlated form; raw bytes input', { skip }, () => {
  const raw = Uint8Array.of(0xb7, 0x00, 0, 0, 7, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0);
  const r = bpfx([file('ret7.bin', raw), '--dump', 'xlated', '--run']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^--- xlated ---\n   0: \(b7\) r0 = 7\n   1: \(95\) exit$/m);
  assert.match(r.out, /^retval: 0x7$/m);
});

test('bpfx kernel --dump jited prints the x86-64 image', { skip }, () => {
  const r = bpfx([file('ret1.s', 'r0 = 1\nexit\n'), '--dump', 'jited']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^func #0 \(\d+ bytes\):$/m);
  assert.match(r.out, /push %rbp|55 /);
});

test('bpfx kernel on a bpf_conformance .data file maps -- mem and returns -- result', { skip }, () => {
  const data = '-- asm\nldxw %r0, [%r1+2]\nexit\n-- mem\naa bb 11 22 33 44 cc dd\n-- result\n0x44332211\n';
  const r = bpfx([file('ldxw.data', data), '--run', '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).retval, '0x44332211');
});

test('bpfx kernel --data-in feeds the packet of an xdp program', { skip }, () => {
  const asm = 'r2 = *(u32 *)(r1 + 0)\nr3 = *(u32 *)(r1 + 4)\nr4 = r2\nr4 += 1\nif r4 > r3 goto drop\nr0 = *(u8 *)(r2 + 0)\nexit\ndrop:\nr0 = 0\nexit\n';
  const r = bpfx([file('xdp1.s', asm), '--type', 'xdp', '--run', '--json', '--data-in', '03' + '00'.repeat(63)]);
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).retval, '0x3');
});

test('bpfx kernel on an object: one JSON document, {programs: [...]} in object order', { skip }, () => {
  const obj = path.join(ROOT, 'fixtures/obj/exc_subprog_throw.bpf.o');
  const r = bpfx([obj, '--json']);
  assert.equal(r.code, 0, r.err);
  const progs = JSON.parse(r.out).programs as { prog: string; verdict: string }[];
  assert.deepEqual(progs.map((p) => [p.prog, p.verdict]), [['subprog_throws', 'accept'], ['static_subprog_throws_no_cb', 'accept']]);
  const one = bpfx([obj, '--json', '--prog', 'subprog_throws']);
  assert.equal(JSON.parse(one.out).prog, 'subprog_throws');
});

test('bpfx kernel --dump xlated|jited names kfunc calls (kallsyms) and the program\'s functions', { skip }, () => {
  const obj = path.join(ROOT, 'fixtures/obj/exc_subprog_throw.bpf.o');
  const r = bpfx([obj, '--prog', 'subprog_throws', '--dump', 'xlated']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ *\d+: \(85\) call bpf_throw#\d+$/m);
  const j = bpfx([obj, '--prog', 'subprog_throws', '--dump', 'jited']);
  assert.equal(j.code, 0, j.err);
  assert.match(j.out, /call 0x[0-9A-F]+ {2}; bpf_throw$/m);
  assert.match(j.out, /call 0x[0-9A-F]+ {2}; func #1$/m);
});

test('bpfx kernel --stats: veristat columns from the kernel log, CSV with -o csv', { skip }, () => {
  const obj = path.join(ROOT, 'fixtures/obj/exc_subprog_throw.bpf.o');
  const r = bpfx([obj, '--stats', '-o', 'csv']);
  assert.equal(r.code, 0, r.err);
  const [head, ...rows] = r.out.trim().split('\n');
  assert.equal(head, 'file_name,prog_name,verdict,duration,total_insns,total_states,peak_states,max_states_per_insn,max_mark_read_len,prog_size,prog_size_jited,prog_type,attach_type,stack_depth,mem_peak');
  assert.deepEqual(rows.map((l) => l.split(',').slice(0, 3)), [
    ['exc_subprog_throw.bpf.o', 'static_subprog_throws_no_cb', 'success'], ['exc_subprog_throw.bpf.o', 'subprog_throws', 'success'],
  ]);
  const two = bpfx([obj, path.join(ROOT, 'fixtures/obj/exc_valid.bpf.o'), path.join(tmp, 'gone.o'), '--stats', '--json']);
  assert.equal(two.code, 2); // several files, as veristat takes them; the missing one is reported, the others load
  const d = JSON.parse(two.out);
  assert.deepEqual(d.programs.map((p: { prog: string }) => p.prog), ['static_subprog_throws_no_cb', 'subprog_throws', 'throw_with_cb']);
  assert.deepEqual(d.errors.map((e: { kind: string }) => e.kind), ['read']);
  const j = JSON.parse(bpfx([obj, '--stats', '--json', '--prog', 'subprog_throws']).out);
  assert.deepEqual(Object.keys(j), ['file', 'prog', 'verdict', 'verification_time_usec', 'processed_insns', 'total_states', 'peak_states', 'max_states_per_insn', 'stack_depth']);
  assert.ok(j.processed_insns > 0);
});

test('bpfx kernel --run --repeat: the duration of one run (BPF_PROG_TEST_RUN); --data-out writes the packet', { skip }, () => {
  const out = path.join(tmp, 'out.bin');
  const r = bpfx([file('pkt.s', 'r0 = 1\nexit\n'), '--type', 'sched_cls', '--repeat', '100', '--data-in', 'aabbcc' + '00'.repeat(61), '--data-out', out, '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(typeof j.duration, 'number');
  assert.equal(fs.readFileSync(out).subarray(0, 3).toString('hex'), 'aabbcc');
});

test('bpfx kernel: bad arguments are usage errors (exit 2)', () => {
  assert.equal(bpfx([]).code, 2);
  assert.equal(bpfx([file('x.s', 'r0 = 0\nexit\n'), '--dump', 'both']).code, 2);
  const bad = bpfx([file('y.s', 'r0 = 0\nexit\n'), '--type', 'no_such_type']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /unknown prog type 'no_such_type'/);
});

test('bpfx kernel without bpf(): prints why and exits 2', () => {
  const r = bpfx([file('z.s', 'r0 = 0\nexit\n')], { BPFX_NO_KERNEL: '1' });
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot use the kernel: BPFX_NO_KERNEL is set/);
});

test('bpfx kernel --wide-retval reports all 64 bits of r0; without it the kernel\'s 32', { skip }, () => {
  const data = file('wide.data', '-- asm\nlddw %r0, 0x123456789abcdef0\nexit\n-- result\n0x123456789abcdef0\n');
  const wide = bpfx([data, '--run', '--json', '--wide-retval']);
  assert.equal(wide.code, 0, wide.err);
  assert.equal(JSON.parse(wide.out).retval, '0x123456789abcdef0');
  const narrow = bpfx([data, '--run', '--json']);
  assert.equal(JSON.parse(narrow.out).retval, '0x9abcdef0');
});
