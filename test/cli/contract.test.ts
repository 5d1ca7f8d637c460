// The CLI contract on the happy path, command by command: --help lists every
// option the command declares, an example and the exit statuses; --json prints
// exactly one JSON document on stdout and nothing else; --version; `not
// modelled yet` is the verdict `unknown` with exit status 3. Run in process
// (main() with stdout captured), one command after another.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runInProcess } from './bad-inputs-cases';
import { registry } from '../../src/cli/main';
import { allOptions } from '../../src/cli/command';
import { kernelAvailable } from '../../src/kernel/avail';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-contract-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const write = (name: string, text: string | Uint8Array): string => { const p = path.join(tmp, name); fs.writeFileSync(p, text); return p; };
const bpfx = (...args: string[]): ReturnType<typeof runInProcess> => runInProcess(args, tmp);
const OBJ = path.join(ROOT, 'fixtures/obj/exc_subprog_throw.bpf.o');
const kernel = kernelAvailable().ok;

test('--help of every command: every option on a line of its own, an example, the exit statuses', async () => {
  for (const name of Object.keys(registry)) {
    const cmd = registry[name]();
    const r = await bpfx(name, '--help');
    assert.equal(r.status, 0, name);
    const lines = r.stdout.split('\n');
    for (const o of allOptions(cmd)) {
      const line = lines.find((l) => new RegExp(`^  (-\\w, |    )--${o.name}\\b`).test(l));
      assert.ok(line, `${name}: --${o.name} has no line`);
      assert.ok(r.stdout.includes(o.description), `${name}: --${o.name} has no description`);
    }
    assert.ok(cmd.examples.length > 0 && r.stdout.includes(`examples:\n  ${cmd.examples[0]}`), `${name}: no example`);
    assert.match(r.stdout, /exit status:\n {2}0 {2}.+\n {2}1 {2}.+\n {2}2 {2}.+\n {2}3 {2}.+/, name);
  }
});

test('bpfx --version prints the version of package.json', async () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal((await bpfx('--version')).stdout, `bpfx ${version}\n`);
  assert.deepEqual(JSON.parse((await bpfx('--version', '--json')).stdout), { version });
});

test('--json: one document on stdout for every command on the happy path', async () => {
  const asm = write('ret.s', 'r0 = 42\nexit\n');
  const data = write('t.data', '-- asm\nmov %r0, 1\nexit\n-- result\n0x1\n');
  const conf = fs.mkdtempSync(path.join(tmp, 'conf-'));
  fs.copyFileSync(data, path.join(conf, 't.data'));
  const spec = write('s.yaml', 'name: s\ntype: socket_filter\nprogram:\n  asm: |\n    r0 = 1\n    exit\nexpect:\n  verdict: accept\n  retval: 1\n');
  const cases: [string[], (d: Record<string, unknown>) => void][] = [
    [['asm', asm], (d) => assert.deepEqual(d.hex, ['b7 00 00 00 2a 00 00 00', '95 00 00 00 00 00 00 00'])],
    [['disasm', asm], (d) => assert.deepEqual(d.insns, ['0: (b7) r0 = 42', '1: (95) exit'])],
    [['disasm', OBJ], (d) => assert.equal((d.programs as unknown[]).length, 2)],
    [['objdump', OBJ], (d) => assert.ok(Array.isArray(d.programs))],
    [['run', asm], (d) => assert.equal(d.retval, '0x2a')],
    [['run', data], (d) => assert.equal(d.retval, '0x1')],
    [['run', spec], (d) => assert.equal(d.retval, '0x1')],
    [['verify', asm], (d) => assert.equal(d.verdict, 'accept')],
    [['verify', spec, OBJ], (d) => assert.equal((d.programs as unknown[]).length, 3)],
    [['jit', asm], (d) => assert.ok((d.bytes as number) > 0)],
    [['btf', 'find', OBJ, 'bpf_throw'], (d) => assert.ok((d.lines as string[]).length > 0)],
    [['spec', spec, '--engine', 'interp'], (d) => assert.equal(d.passed, 1)],
    [['conformance', conf], (d) => assert.deepEqual([d.passed, d.failed], [1, 0])],
    [['conformance-plugin', '--program', 'b7 00 00 00 07 00 00 00 95 00 00 00 00 00 00 00'], (d) => assert.equal(d.retval, '0x7')],
    [['test-loader', path.join(ROOT, 'fixtures/obj/tl_retcodes.bpf.o'), '--engine', 'verifier'], (d) => assert.ok(Array.isArray(d.programs))],
  ];
  if (kernel) {
    cases.push([['kernel', asm, '--run'], (d) => assert.equal(d.retval, '0x2a')], [['probe'], (d) => assert.equal(typeof d.profile, 'string')]);
    // a spec's declared map is created and its fd patched in, as the spec runner's kernel engine does
    cases.push([['kernel', path.join(ROOT, 'specs/asm-map-lookup.yaml'), '--run'], (d) => assert.deepEqual([d.verdict, d.retval], ['accept', '0x2a'])]);
  }
  for (const [args, check] of cases) {
    const r = await bpfx(...args, '--json');
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout.trimEnd().split('\n').length, 1, `${args.join(' ')}: one line`);
    check(JSON.parse(r.stdout) as Record<string, unknown>);
  }
});

test('not modelled yet: verdict unknown with the reason, exit 3, in text, JSON and stats', async () => {
  const f = write('lirc.s', 'r0 = 0\nexit\n');
  const t = await bpfx('verify', f, '--type', 'lirc_mode2');
  assert.equal(t.status, 3);
  assert.match(t.stdout, /^lirc\.s: unknown \(not modelled yet: .+\)$/m);
  const j = JSON.parse((await bpfx('verify', f, '--type', 'lirc_mode2', '--json')).stdout);
  assert.equal(j.verdict, 'unknown');
  assert.match(j.reason, /^not modelled yet: /);
  const s = await bpfx('verify', f, '--type', 'lirc_mode2', '--stats', '--csv');
  assert.equal(s.status, 3);
  assert.match(s.stdout.split('\n')[1], /^lirc\.s,lirc\.s,unknown,/);
  // several programs: a reject (1) outranks unknown (3), bad input (2) outranks both
  const both = await bpfx('verify', f, write('rej.s', 'exit\n'), '--type', 'lirc_mode2', '--json');
  assert.deepEqual(JSON.parse(both.stdout).programs.map((p: { verdict: string }) => p.verdict), ['unknown', 'unknown']);
  assert.equal(both.status, 3);
  const { exitStatus } = await import('../../src/cli/outcome');
  assert.deepEqual([exitStatus(['unknown', 'reject']), exitStatus(['reject', 'bad-input', 'unknown']), exitStatus(['ok', 'unknown']), exitStatus([])], [1, 2, 3, 0]);
});

test('input kinds by content, not by name: an object named .txt, assembly named .o, bytes named .s', async () => {
  const obj = write('object.txt', fs.readFileSync(OBJ));
  assert.equal((await bpfx('verify', obj, '--prog', 'subprog_throws')).status, 0);
  const asmO = write('prog.o', 'r0 = 3\nexit\n');
  assert.equal((await bpfx('run', asmO)).stdout, '0x3\n');
  const bytes = write('bytes.s', Uint8Array.of(0xb7, 0, 0, 0, 5, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0));
  assert.equal((await bpfx('run', bytes)).stdout, '0x5\n');
  const hex = write('hex.yaml.txt', 'b7 00 00 00 06 00 00 00\n95 00 00 00 00 00 00 00\n');
  assert.equal((await bpfx('run', hex)).stdout, '0x6\n');
});

test('an error that is not a typed one is `internal`: one line that says it is a bug, never a stack trace', async () => {
  const { describeError, errorLine } = await import('../../src/cli/outcome');
  const e = describeError(new TypeError("Cannot read properties of undefined (reading 'x')\n    at f (x.js:1:2)"), 'a.o');
  assert.deepEqual([e.kind, e.file, e.at], ['internal', 'a.o', null]);
  assert.equal(errorLine('verify', e), "bpfx verify: a.o: internal error (a bug in bpfx, please report it): TypeError: Cannot read properties of undefined (reading 'x') at f (x.js:1:2)");
});

test('help of a name that is not a command (an Object.prototype member) prints the general help', async () => {
  // found by the cli parser fuzzer: `bpfx help constructor` called Object's constructor as a command
  for (const sub of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    const r = await bpfx('help', sub);
    assert.equal(r.status, 0, sub);
    assert.match(r.stdout, /^usage: bpfx /m, sub);
    assert.equal(r.stderr, '', sub);
  }
});
