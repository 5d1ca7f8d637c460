// Exception callbacks as libbpf 1.3+ handles them (bpf_prog_assign_exc_cb and
// the append in bpf_object__relocate), checked on the fixture objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadObject, LoaderError, LinkedProgram } from '../../src/loader';
import { readFixture, vmlinuxBtf } from './fixtures';
import { EINVAL, ENOENT } from '../../src/loader/errors';

const load = (obj: string): LinkedProgram[] => loadObject(readFixture(obj), { objectName: obj, vmlinuxBtf: vmlinuxBtf() }).programs;
const prog = (obj: string, name: string): LinkedProgram => {
  const p = load(obj).find((x) => x.name === name);
  assert.ok(p, `${obj}: program ${name}`);
  return p;
};

test('valid callback is appended after the program and its subprograms', () => {
  const p = prog('exc_valid', 'throw_with_cb');
  assert.equal(p.exceptionCallback, 'exc_cb');
  assert.deepEqual(p.subprogs, ['helper_sub', 'exc_cb']);
  const cbStart = p.subprogOffsets[1];
  assert.equal(cbStart + 3, p.insns.length, 'exc_cb (3 insns) is last');
  // func_info has one record per function, at the function's start
  assert.deepEqual(p.funcInfo.map((f) => f.insnOff), [0, p.subprogOffsets[0], cbStart]);
  assert.ok(p.lineInfo.some((l) => l.insnOff >= cbStart), 'line_info of the callback is appended');
});

test('callback called directly is not appended twice', () => {
  const p = prog('exc_cb_called', 'throw_cb_called');
  assert.equal(p.exceptionCallback, 'exc_cb');
  assert.deepEqual(p.subprogs, ['exc_cb']);
});

test('two tags on one program: libbpf appends neither (left to the verifier)', () => {
  const p = prog('exc_two_tags', 'throw_two_tags');
  assert.equal(p.exceptionCallback, null);
  assert.deepEqual(p.subprogs, []);
});

test('throwing without a callback links no callback', () => {
  assert.equal(prog('exc_no_cb', 'throw_no_cb').exceptionCallback, null);
});

test('callback with a wrong signature is still appended (the verifier rejects it)', () => {
  const p = prog('exc_cb_bad_sig', 'throw_bad_sig');
  assert.equal(p.exceptionCallback, 'bad_sig_cb');
});

test('throwing subprogs and bpf_loop callbacks are appended before the exception callback', () => {
  const p = prog('exc_subprog_throw', 'subprog_throws');
  assert.deepEqual(p.subprogs, ['static_thrower', 'global_thrower', 'exc_cb']);
  const q = prog('exc_subprog_throw', 'static_subprog_throws_no_cb');
  assert.deepEqual(q.subprogs, ['static_thrower']);
  assert.equal(q.exceptionCallback, null);
  const l = prog('exc_loop_throw', 'throw_in_loop');
  assert.deepEqual(l.subprogs, ['loop_cb', 'exc_cb']);
});

const cases: [string, number, string][] = [
  ['exc_static_cb', EINVAL, "prog 'throw_static_cb': exception callback static_cb must be a global non-hidden function"],
  ['exc_hidden_cb', EINVAL, "prog 'throw_hidden_cb': exception callback hidden_cb must be a global non-hidden function"],
  ['exc_missing_cb', ENOENT, "prog 'throw_missing_cb': cannot find exception callback 'no_such_callback'"],
  ['exc_empty_tag', EINVAL, "prog 'throw_empty_tag': exception_callback:<value> decl tag contains empty value"],
];
for (const [obj, errno, msg] of cases) {
  test(`libbpf error: ${obj}`, () => {
    assert.throws(() => load(obj), (e: unknown) => e instanceof LoaderError && e.kind === 'exception-cb' && e.errno === errno && e.message === msg);
  });
}
