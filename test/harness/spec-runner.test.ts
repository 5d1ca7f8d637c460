// The spec runner: expectations as test_loader holds a load to its
// annotations (messages in order, not_msg, regex, xlated, log level 0,
// unprivileged), each failure one line with what was expected and what came
// back; a spec whose program cannot be built fails (never skips) at its file
// and line; one bad spec fails alone and the others still run. On the
// verifier model, for the kernel of fixtures/vmlinux (no bpf() needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseSpec } from '../../src/spec';
import { runSpecOn, Outcome } from '../../src/harness/spec-runner';
import { fixtureHostFacts } from '../../src/kernel/host';

const ROOT = path.join(__dirname, '../../..');
const MAIN = path.join(ROOT, 'dist/src/cli/main.js');
const host = fixtureHostFacts();

const uninit = (expect: string, extra = ''): string => `name: t
type: socket_filter
${extra}program:
  asm: |
    r0 = r2
    exit
expect:
${expect}`;

async function verifierOutcome(text: string): Promise<Outcome> {
  return runSpecOn(parseSpec(text, 'specs/t.yaml'), 'verifier', host);
}
const problems = (o: Outcome): string[] => (o.status === 'fail' ? o.problems : []);

const table: { what: string; expect: string; extra?: string; problems: RegExp[] }[] = [
  { what: 'messages in order, regex parts', expect: '  messages: ["0: (bf) r0 = r2", "R{{[0-9]}} !read_ok"]\n', problems: [] },
  { what: 'messages out of order', expect: '  messages: ["R2 !read_ok", "0: (bf) r0 = r2"]\n', problems: [/^messages: expected '0: \(bf\) r0 = r2' after 'R2 !read_ok', not found/] },
  { what: 'not_msg between matches', expect: '  messages: ["r0 = r2", not_msg: "!read_ok", "processed"]\n', problems: [/^messages: expected no '!read_ok' here, found it at line 3: 'R2 !read_ok'$/] },
  { what: 'a whole regex', expect: '  messages: [regex: "^processed [0-9]+ insns"]\n', problems: [] },
  { what: 'verdict and errno', expect: '  verdict: accept\n  errno: EINVAL\n', problems: [/^verdict: expected accept, got reject \(R2 !read_ok\)$/, /^errno: expected EINVAL, got EACCES$/] },
  { what: 'unprivileged: the privileged expectation carries over', expect: '  verdict: reject\n  unpriv:\n    error_line: R2 !read_ok\n', problems: [] },
  { what: 'unprivileged: its own expectation', expect: '  verdict: reject\n  unpriv:\n    verdict: accept\n', problems: [/^unpriv: verdict: expected accept, got reject/] },
];
for (const c of table) {
  test(`spec expectations: ${c.what}`, async () => {
    const o = await verifierOutcome(uninit(c.expect, c.extra));
    const got = problems(o);
    assert.equal(got.length, c.problems.length, got.join('\n'));
    c.problems.forEach((re, i) => assert.match(got[i], re));
  });
}

test('log level 0: an accepted program has no log to match; level 2 has the states', async () => {
  const prog = (level: number): string => `name: t\ntype: socket_filter\nload:\n  log_level: ${level}\nprogram:\n  asm: |\n    r1 = 5\n    r0 = r1\n    exit\nexpect:\n  messages: ["R1=5"]\n  xlated: ["0: r1 = 5", "1: r0 = r1"]\n`;
  assert.match(problems(await verifierOutcome(prog(0))).join(), /the log is empty/);
  assert.deepEqual(problems(await verifierOutcome(prog(2))), []);
});

test('a program that cannot be built fails at the file and line of the spec, on every engine', async () => {
  const spec = parseSpec('name: t\ntype: socket_filter\nprogram:\n  asm: |\n    r0 = 0\n    r0 = bogus\n    exit\nexpect:\n  verdict: accept\n', 'specs/bad.yaml');
  for (const engine of ['verifier', 'interp'] as const) {
    const o = await runSpecOn({ ...spec, expect: { verdict: 'accept', retval: 0 } }, engine, host);
    assert.equal(o.status, 'fail');
    assert.match(problems(o)[0], /^could not build the program: specs\/bad\.yaml:6:\d+: 'program\.asm' /);
  }
});

test('a declaration that cannot be built fails at the line of that function', async () => {
  const spec = parseSpec('name: t\ntype: sched_cls\nprogram:\n  asm: |\n    r0 = 0\n    exit\n  functions:\n    - name: main\n    - name: nowhere\nexpect:\n  verdict: accept\n', 'specs/fn.yaml');
  const o = await runSpecOn(spec, 'verifier', host);
  assert.match(problems(o)[0], /specs\/fn\.yaml:9:\d+: 'program\.functions\.1' function 'nowhere' has no label in program\.asm$/);
});

test('a prog flag the model does not take: not modelled yet, a skip with the reason', async () => {
  const o = await verifierOutcome(uninit('  verdict: reject\n', 'load:\n  flags: [BPF_F_XDP_HAS_FRAGS]\n'));
  assert.equal(o.status, 'skip');
  assert.match(o.status === 'skip' ? o.reason : '', /not modelled yet: prog flags BPF_F_XDP_HAS_FRAGS/);
});

test('bpfx spec: one bad spec fails alone, with its file and line; the others run', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-specs-'));
  try {
    fs.writeFileSync(path.join(dir, 'a-good.yaml'), 'name: good\ntype: socket_filter\nprogram:\n  asm: |\n    r0 = 0\n    exit\nexpect:\n  verdict: accept\n');
    fs.writeFileSync(path.join(dir, 'b-bad.yaml'), 'name: bad\ntype: socket_filter\nprogram:\n  asm: r0 = 0\nexpect:\n  verdikt: accept\n');
    fs.writeFileSync(path.join(dir, 'c-good.yaml'), 'name: good2\ntype: socket_filter\nprogram:\n  asm: |\n    r0 = 1\n    exit\nexpect:\n  verdict: accept\n');
    const r = spawnSync(process.execPath, [MAIN, 'spec', dir, '--engine', 'verifier', '--kernel-profile', host.profile.name], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stdout + r.stderr); // a spec that cannot be read is bad input (the CLI contract), after the others ran
    assert.match(r.stdout, /^FAIL .*b-bad\.yaml: .*b-bad\.yaml:6:\d+: 'expect\.verdikt' is not a known field$/m);
    assert.match(r.stdout, /^PASS .*a-good\.yaml \[verifier\]$/m);
    assert.match(r.stdout, /^PASS .*c-good\.yaml \[verifier\]$/m);
    assert.match(r.stdout, /^2 passed, 1 failed, 0 skipped \(1 could not be read\)$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
