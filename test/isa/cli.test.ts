// bpfx asm / bpfx disasm end to end (spawns dist/src/cli/main.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';

const ROOT = path.join(__dirname, '../../..');
const MAIN = path.join(ROOT, 'dist/src/cli/main.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-isa-cli-'));
const bpfx = (args: string[], input?: string): { code: number; out: string; err: string } => {
  const r = spawnSync(process.execPath, [MAIN, ...args], { input, encoding: 'utf8', cwd: ROOT });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
};
const write = (name: string, data: string | Uint8Array): string => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, data);
  return p;
};

test('asm kernel syntax prints one slot per line; disasm reads it back', () => {
  const src = write('p.s', 'r0 = 42\nif r0 > 0x10 goto +1\nr1 = 0x1234 ll\nexit\n');
  const a = bpfx(['asm', src]);
  assert.equal(a.code, 0, a.err);
  assert.deepEqual(a.out.trim().split('\n'), [
    'b7 00 00 00 2a 00 00 00', '25 00 01 00 10 00 00 00', '18 01 00 00 34 12 00 00', '00 00 00 00 00 00 00 00', '95 00 00 00 00 00 00 00',
  ]);
  const d = bpfx(['disasm', write('p.hex', a.out)]);
  assert.equal(d.code, 0, d.err);
  assert.deepEqual(d.out.trim().split('\n'), ['0: (b7) r0 = 42', '1: (25) if r0 > 0x10 goto pc+1', '2: (18) r1 = 0x1234', '4: (95) exit']);
});

test('asm of a bpf_conformance .data file and --out raw bytes; disasm of raw bytes', () => {
  const data = write('t.data', '# c\n-- asm\nmov %r0, 1\nlddw %r1, 0x100000000\nexit\n-- result\n0x1\n');
  const bin = path.join(tmp, 't.bin');
  const a = bpfx(['asm', data, '--out', bin]);
  assert.equal(a.code, 0, a.err);
  assert.equal(fs.readFileSync(bin).length, 32);
  const d = bpfx(['disasm', bin]);
  assert.deepEqual(d.out.trim().split('\n'), ['0: (b7) r0 = 1', '1: (18) r1 = 0x100000000', '3: (95) exit']);
});

test('disasm of assembly text, --symbolic, and 0x words', () => {
  const d = bpfx(['disasm', '-', '--symbolic'], 'r1 = map_fd(3) ll\ncall 1\nexit\n');
  assert.deepEqual(d.out.trim().split('\n'), ['0: (18) r1 = map_fd(3) ll', '2: (85) call bpf_map_lookup_elem', '3: (95) exit']);
  const b = bpfx(['disasm', '-', '--bpftool'], 'r1 = map_value(3, 8) ll\nexit\n');
  assert.deepEqual(b.out.trim().split('\n'), ['0: (18) r1 = map[id:3][0]+8', '2: (95) exit']);
  const w = bpfx(['disasm', '-'], '0x5566778800000018\n0x1122334400000000\n0x0000000000000095\n');
  assert.deepEqual(w.out.trim().split('\n'), ['0: (18) r0 = 0x1122334455667788', '2: (95) exit']);
});

test('errors (exit 2): assembly error names file and line:col, bad bytes name the byte offset', () => {
  const f = write('bad.s', 'r0 = 0\nr0 +=\n');
  const a = bpfx(['asm', f]);
  assert.equal(a.code, 2);
  assert.equal(a.err, `bpfx asm: ${f}: asm: 2:1: cannot parse 'r0 +='\n`);
  const j = bpfx(['asm', f, '--json']);
  assert.deepEqual(JSON.parse(j.out), { error: { kind: 'asm', message: `${f}:2:1: cannot parse 'r0 +='`, file: f, at: '2:1' } });
  const d = bpfx(['disasm', write('bad.bin', Uint8Array.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0, 0, 0, 0, 0]))]);
  assert.equal(d.code, 2);
  assert.match(d.err, /bad\.bin: isa: unknown opcode ff at byte offset 8/);
  const s = bpfx(['asm', write('x.s', 'exit'), '--syntax', 'intel']);
  assert.equal(s.code, 2);
  assert.match(s.err, /option '--syntax' does not take 'intel' \(one of: kernel, ubpf\)/);
});

test('disasm of an object file: every program, or the one --prog names', () => {
  const two = bpfx(['disasm', path.join(ROOT, 'fixtures/obj/exc_subprog_throw.bpf.o')]);
  assert.equal(two.code, 0, two.err);
  assert.deepEqual(two.out.split('\n').filter((l) => l.endsWith(':')), ['subprog_throws:', 'static_subprog_throws_no_cb:']);
  const obj = path.join(ROOT, 'fixtures/obj/exc_cb_called.bpf.o');
  const none = bpfx(['disasm', obj, '--prog', 'no_such_prog']);
  assert.equal(none.code, 2);
  assert.match(none.err, /no program 'no_such_prog' \(programs: /);
  const p = bpfx(['disasm', obj, '--prog', 'throw_cb_called']);
  assert.equal(p.code, 0, p.err);
  assert.match(p.out, /^5: \(85\) call bpf_throw#\d+$/m);
  assert.match(p.out, /^7: \(85\) call pc\+1$/m);
});
