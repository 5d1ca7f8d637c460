// Kernel profiles switch the model's tail-call rule and text: the same programs
// (tail calls reachable from callbacks; the calls that lead there are real, the
// tail calls dead code, so only check_max_stack_depth decides) answered by each
// profile, as recorded from the live kernels: linux-6.18-fixed from 6.18.44-fc-v1045
// (this machine), linux-6.18-initial from the rule of 6.18.44-fc-v595 (only the
// callers of a tail-calling subprog are checked, for the exception callback only).
// On a machine with bpf() the live kernel is held to the same table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify, PROFILES, KernelProfile, LINUX_6_18_INITIAL, LINUX_6_18_FIXED, NEWEST_PROFILE, profileByName } from '../../src/verifier';
import { verifierInputFor } from '../../src/harness/engines/verifier';
import { ProgramUnderTest, verifierResult } from '../../src/harness/engine';
import { DEAD_TAIL_CALL, MAIN, ProbeFunc, ProbeProgram, probeProgram, exceptionCallbackTailCallProbe } from '../../src/kernel/probe';
import { kernelAvailable, progLoad, closeFd } from '../../src/kernel';
import { encodeBtf, encodeFuncInfo } from '../../src/btf';
import { firstErrorLine } from '../../src/verifier/error_line';
import { hostFacts } from '../../src/kernel/host';

const underTest = (p: ProbeProgram): ProgramUnderTest =>
  ({ name: p.name, insns: p.insns, progType: p.progType, license: 'GPL', kfuncs: p.kfuncs, btf: { btf: p.btf, funcInfo: p.funcInfo } });

/** The model's answer as `profile`: 'accept' or the error line. */
function model(p: ProbeProgram, profile: KernelProfile): string {
  const r = verifierResult(verify(verifierInputFor(underTest(p), profile)));
  return r.verdict === 'accept' ? 'accept' : r.errorLine ?? '(no message)';
}

const S = (label: string): ProbeFunc => ({ label, params: ['u64'], linkage: 'static' });
const G = (label: string): ProbeFunc => ({ label, params: ['u64'], linkage: 'global' });
const CB = (label: string): ProbeFunc => ({ label, params: ['u64', 'pvoid'], linkage: 'static' });
const EXC_TAG = ['exception_callback:exception_cb'];
const loopMain = (cb: string): string => `main:\n r1 = 1\n r2 = func(${cb}) ll\n r3 = 0\n r4 = 0\n call bpf_loop\n r0 = 0\n exit\n`;
const excMain = 'main:\n r0 = 0\n exit\n';

const FIXED_TEXT = 'cannot tail call within callback';
const INITIAL_TEXT = 'cannot tail call within exception cb';

interface Row { name: string; text: string; funcs: ProbeFunc[]; tags?: string[]; initial: string; fixed: string }
const ROWS: Row[] = [
  { name: 'exception cb calls a static subprog with a tail call', text: `${excMain}exception_cb:\n call f\n r0 = 0\n exit${DEAD_TAIL_CALL}`,
    funcs: [MAIN, G('exception_cb'), S('f')], tags: EXC_TAG, initial: INITIAL_TEXT, fixed: FIXED_TEXT },
  { name: 'exception cb calls a global subprog with a tail call', text: `${excMain}exception_cb:\n call f\n r0 = 0\n exit${DEAD_TAIL_CALL}`,
    funcs: [MAIN, G('exception_cb'), G('f')], tags: EXC_TAG, initial: INITIAL_TEXT, fixed: FIXED_TEXT },
  { name: 'exception cb -> static g -> static f with a tail call', text: `${excMain}exception_cb:\n call g\n r0 = 0\n exit\ng:\n call f\n r0 = 0\n exit${DEAD_TAIL_CALL}`,
    funcs: [MAIN, G('exception_cb'), S('g'), S('f')], tags: EXC_TAG, initial: INITIAL_TEXT, fixed: FIXED_TEXT },
  { name: 'a tail call in the exception cb itself (a root of the walk)', text: `${excMain}exception_cb:${DEAD_TAIL_CALL.replace('f:', '')}`,
    funcs: [MAIN, G('exception_cb')], tags: EXC_TAG, initial: 'accept', fixed: 'accept' },
  { name: 'bpf_loop callback calls a static subprog with a tail call', text: `${loopMain('cb')}cb:\n call f\n r0 = 0\n exit${DEAD_TAIL_CALL}`,
    funcs: [MAIN, CB('cb'), S('f')], initial: 'accept', fixed: FIXED_TEXT },
  { name: 'bpf_loop callback calls a global subprog with a tail call', text: `${loopMain('cb')}cb:\n r1 = 0\n call f\n r0 = 0\n exit${DEAD_TAIL_CALL}`,
    funcs: [MAIN, CB('cb'), G('f')], initial: 'accept', fixed: FIXED_TEXT },
  { name: 'a tail call in the bpf_loop callback itself', text: `${loopMain('f')}${DEAD_TAIL_CALL}`,
    funcs: [MAIN, CB('f')], initial: 'accept', fixed: FIXED_TEXT },
  { name: 'main calls a subprog with a tail call, then bpf_loop with an empty callback',
    text: `main:\n call f\n r1 = 1\n r2 = func(cb) ll\n r3 = 0\n r4 = 0\n call bpf_loop\n r0 = 0\n exit\ncb:\n r0 = 0\n exit${DEAD_TAIL_CALL}`,
    funcs: [MAIN, CB('cb'), S('f')], initial: 'accept', fixed: 'accept' },
  { name: 'main calls a subprog with a tail call, then a callback calls another subprog',
    text: `main:\n call f\n r1 = 1\n r2 = func(cb) ll\n r3 = 0\n r4 = 0\n call bpf_loop\n r0 = 0\n exit\ncb:\n call h\n r0 = 0\n exit\nh:\n r0 = 0\n exit${DEAD_TAIL_CALL}`,
    funcs: [MAIN, CB('cb'), S('h'), S('f')], initial: 'accept', fixed: 'accept' },
  { name: 'callback with 256 stack bytes calls a tail-calling subprog: the 256-byte rule comes first',
    text: `${loopMain('cb')}cb:\n *(u64 *)(r10 - 256) = 0\n call f\n r0 = 0\n exit${DEAD_TAIL_CALL}`, funcs: [MAIN, CB('cb'), S('f')],
    initial: 'tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large',
    fixed: 'tail_calls are not allowed when call stack of previous frames is 256 bytes. Too large' },
  { name: 'the callee of a tail-calling subprog overflows the stack: checked before the tail call',
    text: `${loopMain('cb')}cb:\n *(u64 *)(r10 - 16) = 0\n call f\n r0 = 0\n exit\nf:\n r0 = 0\n if r0 != 0 goto tail\n call h\n r0 = 0\n exit\ntail:\n call bpf_tail_call\n exit\nh:\n *(u64 *)(r10 - 512) = 0\n r0 = 0\n exit`,
    funcs: [MAIN, CB('cb'), S('f'), S('h')],
    initial: 'combined stack size of 4 calls is 528. Too large', fixed: 'combined stack size of 4 calls is 528. Too large' },
];
const programOf = (r: Row): ProbeProgram => probeProgram(r.name.replace(/\W+/g, '_').slice(0, 15), r.text, r.funcs, r.tags ?? []);

test('profiles: the tail call in a callee of the exception callback gives each profile\'s text', () => {
  const p = exceptionCallbackTailCallProbe();
  for (const profile of PROFILES) assert.equal(model(p, profile), profile.texts.tailCallInCallback, profile.name);
  assert.equal(model(p, LINUX_6_18_INITIAL), INITIAL_TEXT);
  assert.equal(model(p, LINUX_6_18_FIXED), FIXED_TEXT);
  // No profile given: the newest.
  const r = verify({ ...verifierInputFor(underTest(p), LINUX_6_18_INITIAL), profile: undefined });
  assert.equal(r.error, NEWEST_PROFILE.texts.tailCallInCallback);
});

test('profiles: data', () => {
  assert.deepEqual(PROFILES.map((p) => p.name), ['linux-6.18-initial', 'linux-6.18-fixed']);
  assert.equal(NEWEST_PROFILE, LINUX_6_18_FIXED);
  assert.equal(profileByName('linux-6.18-initial'), LINUX_6_18_INITIAL);
  assert.equal(profileByName('linux-7'), undefined);
  assert.deepEqual(LINUX_6_18_INITIAL.behaviour, { tailCallInAnyCallback: false, globalThrowCheckedAtCallsite: false, throwChecksLocksInEveryFrame: false });
  assert.deepEqual(LINUX_6_18_FIXED.behaviour, { tailCallInAnyCallback: true, globalThrowCheckedAtCallsite: true, throwChecksLocksInEveryFrame: true });
});

for (const row of ROWS) {
  test(`profiles: ${row.name}`, () => {
    const p = programOf(row);
    assert.equal(model(p, LINUX_6_18_INITIAL), row.initial, 'linux-6.18-initial');
    assert.equal(model(p, LINUX_6_18_FIXED), row.fixed, 'linux-6.18-fixed');
  });
}

const avail = kernelAvailable();
test('profiles: on this machine the model, as the probed profile, answers every row as the live kernel does',
  { skip: avail.ok ? false : `kernel unavailable: ${avail.reason}` }, () => {
    const host = hostFacts();
    assert.equal(host.profileFrom, 'probe');
    for (const row of [...ROWS.map(programOf), exceptionCallbackTailCallProbe()]) {
      const r = progLoad({ progType: row.progType, insns: row.insns, license: 'GPL', logLevel: 1, btf: encodeBtf(row.btf), funcInfo: encodeFuncInfo(row.funcInfo) });
      if (r.ok) closeFd(r.fd);
      const kernel = r.ok ? 'accept' : firstErrorLine(r.log);
      assert.equal(model(row, host.profile), kernel, `${row.name} (profile ${host.profile.name})`);
    }
  });
