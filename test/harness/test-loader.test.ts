// bpfx test-loader: the annotation semantics (parse_test_spec), the log
// matching (validate_msgs), and our annotated fixtures (fixtures/obj/tl_*)
// run on the verifier model and, where bpf() is permitted, the live kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseTestSpec, AnnotationError, msgPattern, MsgPattern, patternRegex, DEFAULT_TEST_PROG_FLAGS } from '../../src/harness/test-loader/annotations';
import { PROG_LOAD_FLAGS as PROG_FLAGS } from '../../src/isa/uapi';
import { validateMsgs } from '../../src/harness/test-loader/match';
import { readObjectTests, runTests, readsContext, MachineFacts, ObjectTests } from '../../src/harness/test-loader/run';
import { fixtureHostFacts, hostFacts } from '../../src/kernel/host';
import { assemble } from '../../src/isa';
import { summarizeRun, junitReport } from '../../src/harness/test-loader/report';
import { kernelAvailable } from '../../src/kernel';

const ROOT = path.join(__dirname, '../../..');
const MAIN = path.join(ROOT, 'dist/src/cli/main.js');
const OBJ = path.join(ROOT, 'fixtures/obj');
const TL = fs.readdirSync(OBJ).filter((f) => /^tl_.*\.bpf\.o$/.test(f)).sort().map((f) => path.join(OBJ, f));
const MACHINE: MachineFacts = { arch: 'X86_64', jitEnabled: true, unprivDisabled: 2 };
/** The model alone answers for the kernel of fixtures/vmlinux; with the live kernel, for the probed one. */
const FIXTURE = { host: fixtureHostFacts(), machine: MACHINE };
const LIVE = (): typeof FIXTURE => ({ host: hostFacts(), machine: MACHINE });
const avail = kernelAvailable();
const kernelSkip = avail.ok ? false : `kernel unavailable: ${avail.reason}`;

test('parse_test_spec: each tag to its field', () => {
  const cases: { tags: string[]; check: (s: ReturnType<typeof parseTestSpec>) => void }[] = [
    { tags: [], check: (s) => { assert.deepEqual(s.modes, ['priv']); assert.equal(s.priv.expectFailure, false); assert.equal(s.logLevel, 0); assert.equal(s.progFlags, DEFAULT_TEST_PROG_FLAGS); } },
    { tags: ['comment:test_expect_failure', 'comment:test_expect_msg=0=R0 !read_ok', 'comment:test_expect_msg=1=R0 !read_ok'],
      check: (s) => { assert.equal(s.priv.expectFailure, true); assert.deepEqual(s.priv.msgs.map((m) => m.text), ['R0 !read_ok', 'R0 !read_ok']); } },
    { tags: ['comment:test_expect_msg=old form a=b'], check: (s) => assert.deepEqual(s.priv.msgs.map((m) => m.text), ['old form a=b']) },
    { tags: ['comment:test_expect_not_msg=3=bad'], check: (s) => assert.equal(s.priv.msgs[0].negative, true) },
    { tags: ['comment:test_expect_regex=R[0-9] !read_ok'], check: (s) => assert.equal(s.priv.msgs[0].regex, 'R[0-9] !read_ok') },
    { tags: ['comment:test_retval=0x10'], check: (s) => { assert.equal(s.priv.retval, 16); assert.equal(s.unpriv.retval, 16); } },
    { tags: ['comment:test_retval=INT_MIN'], check: (s) => assert.equal(s.priv.retval, -0x80000000) },
    { tags: ['comment:test_retval=-1'], check: (s) => assert.equal(s.priv.retval, -1) },
    { tags: ['comment:test_retval=0xbadcafe'], check: (s) => assert.equal(s.priv.retvalAny, true) },
    { tags: ['comment:test_retval=TEST_DATA_LEN'], check: (s) => assert.equal(s.priv.retval, 64) },
    { tags: ['comment:test_log_level=2'], check: (s) => assert.equal(s.logLevel, 2) },
    { tags: ['comment:test_prog_flags=BPF_F_STRICT_ALIGNMENT', 'comment:test_prog_flags=!BPF_F_TEST_RND_HI32', 'comment:test_prog_flags=0x40'],
      check: (s) => assert.equal(s.progFlags, (DEFAULT_TEST_PROG_FLAGS | PROG_FLAGS.BPF_F_STRICT_ALIGNMENT | 0x40) & ~PROG_FLAGS.BPF_F_TEST_RND_HI32) },
    { tags: ['comment:test_description=my test'], check: (s) => { assert.equal(s.priv.name, 'my test'); assert.equal(s.unpriv.name, 'my test @unpriv'); } },
    // Unprivileged runs inherit the privileged result, retval and messages unless they say their own.
    { tags: ['comment:test_expect_failure', 'comment:test_expect_msg=0=x', 'comment:test_expect_success_unpriv'],
      check: (s) => { assert.deepEqual(s.modes, ['priv', 'unpriv']); assert.equal(s.unpriv.expectFailure, false); assert.deepEqual(s.unpriv.msgs.map((m) => m.text), ['x']); } },
    { tags: ['comment:test_expect_msg_unpriv=0=u'], check: (s) => { assert.deepEqual(s.modes, ['unpriv']); assert.deepEqual(s.priv.msgs, []); } },
    { tags: ['comment:test_auxiliary'], check: (s) => { assert.equal(s.auxiliary, true); assert.deepEqual(s.modes, ['priv']); } },
    { tags: ['comment:test_auxiliary_unpriv'], check: (s) => assert.deepEqual(s.modes, ['unpriv']) },
    { tags: ['comment:test_btf_path=btf_data.bpf.o'], check: (s) => assert.equal(s.btfPath, 'btf_data.bpf.o') },
    { tags: ['comment:load_mode=jited'], check: (s) => assert.equal(s.loadMode, 'jited') },
    { tags: ['comment:test_caps_unpriv=12|39'], check: (s) => { assert.deepEqual(s.unpriv.caps, [12, 39]); assert.deepEqual(s.modes, ['unpriv']); } },
    // __jited lines count only after an __arch_* for this machine; "..." lifts the next-line rule once.
    { tags: ['comment:test_arch=ARM64', 'comment:test_jited=0=arm', 'comment:test_arch=X86_64', 'comment:test_jited=1=a', 'comment:test_jited=2=...', 'comment:test_jited=3=b', 'comment:test_jited=4=c'],
      check: (s) => { assert.deepEqual(s.arch, ['ARM64', 'X86_64']); assert.deepEqual(s.priv.jited.map((m) => [m.text, m.onNextLine]), [['a', true], ['b', false], ['c', true]]); } },
    { tags: ['comment:test_expect_xlated=0=0: r0 = 1', 'comment:test_expect_xlated=1=1: exit'],
      check: (s) => assert.deepEqual(s.priv.xlated.map((m) => m.onNextLine), [true, true]) },
    { tags: ['comment:test_expect_stderr=0=boom'], check: (s) => assert.deepEqual(s.unsupported, ['comment:test_expect_stderr']) },
  ];
  for (const c of cases) c.check(parseTestSpec('p', c.tags, 'X86_64'));
});

test('parse_test_spec: refusals name the program', () => {
  for (const tags of [['comment:test_retval=abc'], ['comment:test_log_level=x'], ['comment:test_prog_flags=BPF_F_NOPE'], ['comment:test_arch=MIPS'],
    ['comment:test_jited=0=x'], ['comment:test_expect_msg=0=a{{b'], ['comment:load_mode=maybe']]) {
    assert.throws(() => parseTestSpec('prog_x', tags), (e: unknown) => e instanceof AnnotationError && e.message.startsWith('prog_x: '), tags[0]);
  }
});

test('{{regex}} patterns: verbatim text escaped, POSIX classes translated', () => {
  assert.equal(patternRegex('plain'), null);
  assert.equal(patternRegex('a.b{{[0-9]+}}(c)'), 'a\\.b[0-9]+\\(c\\)');
  assert.equal(patternRegex('{{[[:digit:]]+}}'), '[0-9]+');
});

const P = (text: string, o: { negative?: boolean; onNextLine?: boolean } = {}): MsgPattern => msgPattern(text, o);

test('validate_msgs: ordered, regex, negative spans, next-line rule', () => {
  const log = 'aaa\nbbb\nccc\n';
  const cases: [MsgPattern[], string | null][] = [
    [[P('aaa'), P('ccc')], null],
    [[P('ccc'), P('aaa')], 'EXPECTED aaa'],            // order matters
    [[P('a{{a+}}'), P('b{{[b]+}}')], null],
    [[P('aaa'), P('aaa')], 'EXPECTED aaa'],            // the same text twice needs two occurrences
    [[P('zzz', { negative: true }), P('bbb')], null],
    [[P('aaa', { negative: true }), P('bbb')], 'UNEXPECTED aaa'],
    [[P('bbb'), P('ccc', { negative: true })], 'UNEXPECTED ccc'],
    [[P('aaa'), P('bbb', { negative: true }), P('ccc')], 'UNEXPECTED bbb'],
    [[P('bbb'), P('aaa', { negative: true })], null],   // only after the previous match
    [[P('aaa', { onNextLine: true }), P('bbb', { onNextLine: true })], null],
    [[P('aaa', { onNextLine: true }), P('ccc', { onNextLine: true })], 'WRONG LINE ccc'],
    [[P('^bbb')], 'EXPECTED ^bbb'],                    // plain text: '^' is a character
    [[P('{{^}}bbb')], null],                           // in a regex it anchors at a line start
  ];
  for (const [pats, want] of cases) {
    const f = validateMsgs(log, pats);
    assert.equal(f ? `${f.status} ${f.pattern.text}` : null, want, pats.map((p) => p.text).join(' | '));
  }
});

const objects = (): ObjectTests[] => TL.map((f) => readObjectTests(f, MACHINE.arch));

test('our annotated fixtures: at least 40 programs, half expected to fail, all met by the verifier model', async () => {
  const objs = objects();
  const specs = objs.flatMap((o) => o.tests.map((t) => t.spec!));
  assert.ok(specs.every((s) => s !== null), 'every fixture annotation parses');
  assert.ok(specs.length >= 40, `${specs.length} programs`);
  const failing = specs.filter((s) => s.priv.expectFailure).length;
  assert.ok(failing * 2 >= specs.length - 2 && failing * 2 <= specs.length + 2, `${failing} of ${specs.length} expected to fail`);
  const results = await runTests(objs, { engines: ['verifier'], ...FIXTURE });
  const bad = results.filter((r) => r.status !== 'pass').map((r) => `${path.basename(r.file)}:${r.name}: ${r.status} ${r.reason}`);
  assert.deepEqual(bad, []);
  // unprivileged runs are modelled (CAP_BPF dropped) and held to the _unpriv annotations
  assert.ok(results.filter((r) => r.mode === 'unpriv').length >= 5);
});

test('our annotated fixtures on the live kernel: every privileged run meets its annotations; the model agrees, no wrong accepts', { skip: kernelSkip }, async () => {
  const results = await runTests(objects(), { engines: ['verifier', 'kernel'], ...LIVE() });
  const kernel = results.filter((r) => r.engine === 'kernel');
  const bad = kernel.filter((r) => r.mode === 'priv' && r.status !== 'pass').map((r) => `${r.name}: ${r.status} ${r.reason}`);
  assert.deepEqual(bad, []);
  for (const r of kernel.filter((x) => x.mode === 'unpriv')) assert.match(r.reason ?? '', /unprivileged BPF is disabled here/);
  const s = summarizeRun(results, ['verifier', 'kernel']);
  assert.ok(s.agreement);
  assert.equal(s.agreement.wrongAccepts.length, 0);
  assert.equal(s.agreement.verdictsAgree, s.agreement.total);
  const xml = junitReport(results, s);
  assert.match(xml, /<testsuite name="kernel" tests="\d+" failures="0" skipped="\d+"/);
});

test('a wrong expectation fails with the first unmet one and the log around it', async () => {
  const objs = objects().map((o) => ({ ...o, tests: o.tests.filter((t) => t.prog === 'div_imm_zero' || t.prog === 'add_const') })).filter((o) => o.tests.length);
  const flipped = objs.map((o) => ({
    ...o, tests: o.tests.map((t) => ({ ...t, spec: t.spec && { ...t.spec, priv: { ...t.spec.priv, expectFailure: !t.spec.priv.expectFailure, msgs: [P('div by zero'), P('no such message')] } } })),
  }));
  const results = await runTests(flipped, { engines: ['verifier'], ...FIXTURE });
  const by = new Map(results.map((r) => [r.prog, r]));
  assert.equal(by.get('add_const')?.status, 'fail');
  assert.match(by.get('add_const')?.reason ?? '', /^unexpected_load_success/);
  assert.equal(by.get('div_imm_zero')?.status, 'fail');
  assert.match(by.get('div_imm_zero')?.reason ?? '', /^unexpected_load_failure: EINVAL: div by zero/);
  const withMsgs = await runTests(objs.map((o) => ({ ...o, tests: o.tests.map((t) => ({ ...t, spec: t.spec && { ...t.spec, priv: { ...t.spec.priv, msgs: [P('div by zero'), P('no such message')] } } })) })),
    { engines: ['verifier'], ...FIXTURE });
  const d = withMsgs.find((r) => r.prog === 'div_imm_zero')!;
  assert.equal(d.status, 'fail');
  assert.equal(d.reason, "expected message not found: 'no such message'");
  assert.equal(d.details[0], "MATCHED    SUBSTR: 'div by zero'");
  assert.ok(d.details.some((l) => /\| .*div by zero/.test(l)), 'the log around the failure');
});

test('host skips: another arch, unprivileged runs where the kernel cannot do them', async () => {
  const results = await runTests(objects(), { engines: ['kernel'], host: fixtureHostFacts(), machine: { ...MACHINE, unprivDisabled: 2 }, progGlob: 'return_pointer' });
  const un = results.find((r) => r.mode === 'unpriv');
  assert.equal(un?.status, 'skip');
  assert.match(un?.reason ?? '', /kernel.unprivileged_bpf_disabled=2|not available/);
  const other = objects().map((o) => ({ ...o, tests: o.tests.slice(0, 1).map((t) => ({ ...t, spec: t.spec && { ...t.spec, arch: ['ARM64' as const] } })) }));
  const r = await runTests(other, { engines: ['verifier', 'kernel'], ...FIXTURE });
  assert.ok(r.length > 0 && r.every((x) => x.status === 'skip' && /__arch_arm64/.test(x.reason ?? '')));
});

function bpfx(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, 'test-loader', ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('bpfx test-loader: summary lines, --json, --junit, --prog', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-tl-'));
  const junit = path.join(tmp, 'out.xml');
  const r = bpfx([...TL, '--engine', 'verifier', '--junit', junit]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /^verifier: (\d+) programs: \1 pass, 0 fail, 0 skip$/m);
  assert.match(fs.readFileSync(junit, 'utf8'), /^<testsuites name="bpfx test-loader">/m);
  const j = bpfx([TL[0], '--engine', 'verifier', '--json', '--prog', 'throw_*']);
  assert.equal(j.code, 0);
  const doc = JSON.parse(j.out);
  assert.ok(doc.programs.length > 0 && doc.programs.every((p: { prog: string }) => p.prog.startsWith('throw_')));
  assert.equal(doc.summary[0].engine, 'verifier');
});

test('bpfx test-loader: bad input exits 2 with one line naming the file', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-tl-'));
  const junk = path.join(tmp, 'junk.o');
  fs.writeFileSync(junk, 'not an object');
  for (const [args, file] of [[[junk], junk], [[path.join(tmp, 'missing.o')], 'missing.o'], [[tmp], tmp], [[TL[0], '--engine', 'nope'], 'nope'], [[TL[0], '--bogus'], '--bogus']] as [string[], string][]) {
    const r = bpfx(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.out, '');
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.ok(r.err.includes(file), r.err);
  }
  const j = bpfx([junk, '--json']);
  assert.equal(j.code, 2);
  assert.equal(JSON.parse(j.out).error.file, junk);
});

test('__xlated is checked on the model and the kernel: a wrong line fails', async () => {
  const scalars = objects().filter((o) => o.file.endsWith('tl_scalars.bpf.o'))
    .map((o) => ({ ...o, tests: o.tests.filter((t) => t.prog === 'div_reg_rewritten') }));
  assert.equal(scalars[0].tests.length, 1);
  const wrong = scalars.map((o) => ({ ...o, tests: o.tests.map((t) => ({ ...t, spec: t.spec && { ...t.spec, priv: { ...t.spec.priv, xlated: [msgPattern('3: w0 ^= w0', { onNextLine: true }), msgPattern('4: exit', { onNextLine: true })] } } })) }));
  const engines = kernelSkip ? ['verifier' as const] : ['verifier' as const, 'kernel' as const];
  const facts = kernelSkip ? FIXTURE : LIVE();
  for (const r of await runTests(scalars, { engines, ...facts })) assert.equal(r.status, 'pass', `${r.engine}: ${r.reason}`);
  for (const r of await runTests(wrong, { engines, ...facts })) {
    assert.equal(r.status, 'fail', r.engine);
    assert.match(r.reason ?? '', /^xlated: expected line not found: '4: exit'/);
  }
});

test('readsContext: r1 read before it is overwritten (operand, base, call argument)', () => {
  const cases: [string, boolean][] = [
    ['r0 = 1\nexit', false],
    ['r1 = 0\nr0 = r1\nexit', false],
    ['r0 = *(u32 *)(r1 + 0)\nexit', true],
    ['r0 = r1\nexit', true],
    ['r1 += 8\nr0 = 0\nexit', true],
    ['*(u64 *)(r10 - 8) = r1\nr0 = 0\nexit', true],
    ['call 7\nexit', true],
    ['w1 = 5\ncall 7\nexit', false],
  ];
  for (const [asm, want] of cases) assert.equal(readsContext(assemble(asm)), want, asm);
});
