// bpfx btf: dump (bpftool format), find, --ext, --c on the committed fixtures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ROOT, fixtureObjects } from './helpers';

const CLI = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const obj = fixtureObjects().find((f) => f.endsWith('exc_valid.bpf.o'));
const skip = obj ? false : 'fixture missing';
const run = (...a: string[]) => spawnSync(process.execPath, [CLI, 'btf', ...a], { encoding: 'utf8' });

test('bpfx btf dump prints bpftool raw format', { skip }, () => {
  const r = run('dump', obj!);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\[1\] /);
  assert.match(r.stdout, /\] DECL_TAG 'exception_callback:exc_cb' type_id=\d+ component_idx=-1\n/);
  assert.match(r.stdout, /\] FUNC 'bpf_throw' type_id=\d+ linkage=extern\n/);
});

test('bpfx btf dump --ext and --c, find', { skip }, () => {
  const e = run('dump', obj!, '--ext');
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /^func_info tc insn_off=0 type_id=\d+ int throw_with_cb\(struct __sk_buff \*skb\)$/m);
  assert.match(e.stdout, /^line_info tc insn_off=0 \S+exc_valid\.bpf\.c:\d+:\d+ /m);
  const c = run('dump', obj!, '--c');
  assert.match(c.stdout, /^int exc_cb\(__u64 cookie\);$/m);
  const f = run('find', obj!, 'exc_cb', '--kind', 'func');
  assert.equal(f.status, 0);
  assert.match(f.stdout, /FUNC 'exc_cb' type_id=\d+ linkage=global\n\t\/\* int exc_cb\(__u64 cookie\) \*\//);
  assert.equal(run('find', obj!, 'no_such_thing').status, 1);
  const bad = run('find', obj!, 'x', '--kind', 'strukt');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /option '--kind' does not take 'strukt' \(one of: /);
});
