// bpfx jit as a user runs it: the image beside each BPF instruction, JSON,
// refusals as typed errors (exit 1), bad input (exit 2), the comparison with
// the live kernel; and bpfx run --engine jit --repeat with ns_per_run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { kernelAvailable } from '../../src/kernel';
import { nativeAvailable } from '../../src/harness/native-run';
import { hostJitOptions } from '../../src/harness/jit-kernel';

const MAIN = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');
const root = path.resolve(__dirname, '../../..');
const bpfx = (args: string[]): { code: number | null; out: string; err: string } => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-jit-'));
const write = (name: string, text: string): string => { const p = path.join(tmp, name); fs.writeFileSync(p, text); return p; };

test('bpfx jit --dump: each BPF instruction, then its x86-64 code disassembled (offset, bytes, text), functions and the exception callback', () => {
  const r = bpfx(['jit', path.join(root, 'fixtures/obj/exc_valid.bpf.o'), '--prog', 'throw_with_cb', '--dump']);
  assert.equal(r.code, 0, r.err);
  // the host's kernel decides how a function returns: `ret`, or `jmp` to the return thunk (4 bytes more per function)
  const thunk = hostJitOptions().returnThunk;
  assert.match(r.out, new RegExp(`^throw_with_cb: ${thunk ? 136 : 124} bytes, 3 functions, 16 insns \\(the verifier model accepts it\\)$`, 'm'));
  assert.match(r.out, new RegExp(`^func #2 exc_cb \\[exception callback\\] \\(${thunk ? 39 : 35} bytes, stack 0, \\d+ passes\\):$`, 'm'));
  const main = r.out.split('\n').slice(2, 13).map((l) => l.replace(/  +/g, '  ').trim());
  assert.deepEqual(main, [
    '; prologue', '0:  0f 1f 44 00 00  nop dword ptr [rax+rax]', '5:  0f 1f 00  nop dword ptr [rax]', '8:  55  push rbp',
    '9:  48 89 e5  mov rbp,rsp', 'c:  41 54  push r12', 'e:  53  push rbx', 'f:  41 55  push r13', '11:  41 56  push r14',
    '13:  41 57  push r15', '; 0: r6 = r1']);
  assert.match(r.out, /^; 3: if r2 > r1 goto pc\+3\n +20: {2}48 39 fe +cmp rsi,rdi\n +23: {2}77 0c +ja short 0x31$/m);
  assert.match(r.out, /^; 5: call .*\n +2a: {2}e8 00 00 00 00 +call 0x2f {2}; -> kfunc \d+$/m);
  // the instruction after bpf_throw is never reached: the kernel removes it, a ud2 here
  assert.match(r.out, /^; 6: dead code: the verifier never reaches it \(the kernel removes it\)\n +2f: {2}0f 0b +ud2$/m);
  if (thunk) assert.match(r.out, /^; 15: exit\n +21: {2}c9 +leave\n +22: {2}e9 00 00 00 00 +jmp 0x27 {2}; -> the return thunk$/m);
  else assert.match(r.out, /^; 15: exit\n +21: {2}c9 +leave\n +22: {2}c3 +ret$/m);
});

test('bpfx jit --json: image, instruction offsets, relocations', () => {
  const f = write('div.s', 'r0 = 7\nr1 = 0\nr0 /= r1\nexit\n');
  const r = bpfx(['jit', f, '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.basis, 'verifier');
  assert.equal(j.insns, 7); // the division guard adds three instructions
  assert.equal(j.image.length, j.bytes * 2);
  assert.equal(j.insn_offsets.length, 7);
  assert.ok(j.compile_ns > 0);
});

test('bpfx jit refuses what the verifier rejects (exit 1, the message), and bad input is exit 2', () => {
  const bad = write('uninit.s', 'r0 = r2\nexit\n');
  const r = bpfx(['jit', bad]);
  assert.equal(r.code, 1);
  assert.match(r.err, /uninit\.s: the verifier rejects it \(EACCES\): R2 !read_ok/);
  const j = bpfx(['jit', bad, '--json']);
  assert.equal(j.code, 1);
  const d = JSON.parse(j.out);
  assert.deepEqual([d.jitted, d.refused, d.verdict, d.reason], [false, 'rejected', 'reject', 'the verifier rejects it (EACCES): R2 !read_ok']);
  assert.equal(bpfx(['jit', path.join(tmp, 'nope.s')]).code, 2);
  assert.equal(bpfx(['jit']).code, 2);
});

test('bpfx jit --kernel: identical to the kernel\'s image', (t) => {
  const avail = kernelAvailable();
  if (!avail.ok) { t.skip(`the live kernel is not available: ${avail.reason}`); return; }
  const k = bpfx(['jit', path.join(root, 'fixtures/obj/exc_subprog_throw.bpf.o'), '--prog', 'subprog_throws', '--kernel']);
  assert.equal(k.code, 0, k.err);
  assert.match(k.out, /^kernel: identical instruction sequences \(\d+(\+\d+)+ bytes; addresses masked\)$/m);
});

test('bpfx run --engine jit --repeat N --json adds ns_per_run', (t) => {
  const avail = nativeAvailable();
  if (!avail.ok) { t.skip(`native execution is not available: ${avail.reason}`); return; }
  const f = write('ret.s', 'r0 = 42\nexit\n');
  const r = bpfx(['run', f, '--engine', 'jit', '--repeat', '100000', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.retval, '0x2a');
  assert.ok(typeof j.ns_per_run === 'number' && j.ns_per_run > 0, r.out);
  assert.equal(bpfx(['run', f, '--engine', 'jit', '--repeat', '0']).code, 2);
});
