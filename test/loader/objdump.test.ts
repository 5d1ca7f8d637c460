// bpfx objdump FILE.o [--json]: the listing the brief specifies, and libbpf's
// message as {"error": {kind: 'libbpf', message, file, at}} with exit status 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURES } from './fixtures';

const main = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
const vmlinux = path.join(FIXTURES, 'vmlinux', fs.readdirSync(path.join(FIXTURES, 'vmlinux')).find((f) => f.endsWith('.btf.gz'))!);
const objdump = (obj: string, ...args: string[]): { status: number | null; out: string; err: string } => {
  const r = spawnSync(process.execPath, [main, 'objdump', path.join(FIXTURES, 'obj', `${obj}.bpf.o`), '--btf', vmlinux, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
};

test('objdump --json: programs, appended subprogs, exception callback, maps, externs', () => {
  const r = objdump('exc_subprog_throw', '--json');
  assert.equal(r.status, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.programs, [
    { name: 'subprog_throws', section: 'tc', type: 'sched_cls', insns: 36, exception_callback: 'exc_cb', subprogs: ['static_thrower', 'global_thrower', 'exc_cb'] },
    { name: 'static_subprog_throws_no_cb', section: 'tc', type: 'sched_cls', insns: 13, exception_callback: null, subprogs: ['static_thrower'] },
  ]);
  assert.deepEqual(j.maps, []);
  assert.deepEqual(j.externs.map((e: { name: string; kind: string; resolved: boolean }) => [e.name, e.kind, e.resolved]), [['bpf_throw', 'kfunc', true]]);
});

test('objdump --json lists maps with their types', () => {
  const j = JSON.parse(objdump('programs', '--json').out);
  assert.deepEqual(j.maps, [
    { name: 'seen', type: 'hash' }, { name: 'jumps', type: 'prog_array' }, { name: 'events', type: 'ringbuf' },
    { name: 'counters', type: 'array' }, { name: 'programs.data', type: 'array' }, { name: 'programs.rodata', type: 'array' },
    { name: 'programs.bss', type: 'array' },
  ]);
  assert.deepEqual(j.programs.map((p: { insns: number }) => p.insns), [51, 82, 42, 21, 12]);
});

test('objdump --json: a libbpf error is {"error": {kind: libbpf, message: <libbpf message>}} and exit 2', () => {
  const r = objdump('exc_missing_cb', '--json');
  assert.equal(r.status, 2);
  const e = JSON.parse(r.out).error;
  assert.deepEqual([e.kind, e.message], ['libbpf', "prog 'throw_missing_cb': cannot find exception callback 'no_such_callback'"]);
  assert.match(e.file, /exc_missing_cb\.bpf\.o$/);
});

test('objdump text names the exception callback of each program', () => {
  const r = objdump('exc_valid');
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /throw_with_cb {2}sec 'tc' {2}type sched_cls {2}16 insns/);
  assert.match(r.out, /\+ exc_cb at insn 13 {2}\[exception callback\]/);
  assert.match(r.out, /exception callback: exc_cb/);
});

test('objdump text: libbpf error on stderr, one line naming the file, exit 2', () => {
  const r = objdump('exc_static_cb');
  assert.equal(r.status, 2);
  assert.match(r.err, /^bpfx objdump: \S+exc_static_cb\.bpf\.o: libbpf: prog 'throw_static_cb': exception callback static_cb must be a global non-hidden function\n$/);
});
