// The profile probe (src/kernel/probe.ts): each profile's expected answers
// select it; the model, run as a profile, answers the probes as that profile;
// on a machine with bpf() the live kernel is probed, its answers cached per boot,
// and `bpfx probe` prints them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import {
  ProbeProgram, ProbeFeatures, expectedFeatures, matchProfile, runProbes, probeLiveKernel, probeCacheFile,
} from '../../src/kernel/probe';
import { fixtureHostFacts, hostVmlinuxBtf, kfuncId } from '../../src/kernel/host';
import { kernelAvailable } from '../../src/kernel';
import { verify, PROFILES, LINUX_6_18_INITIAL, LINUX_6_18_FIXED, KernelProfile } from '../../src/verifier';
import { verifierInputFor } from '../../src/harness/engines/verifier';
import { verifierResult } from '../../src/harness/engine';

const main = path.join(__dirname, '../../src/cli/main.js');

function modelAnswers(profile: KernelProfile): (p: ProbeProgram) => { verdict: 'accept' | 'reject'; errorLine: string | null } {
  return (p) => {
    const r = verifierResult(verify(verifierInputFor({ name: p.name, insns: p.insns, progType: p.progType, license: 'GPL', kfuncs: p.kfuncs, btf: { btf: p.btf, funcInfo: p.funcInfo } }, profile)));
    // the model does not decide what it does not model: that probe cannot tell
    return r.notModelled ? { verdict: 'reject', errorLine: null } : { verdict: r.verdict ?? 'reject', errorLine: r.errorLine };
  };
}

test('probe: each profile\'s expected answers select it, exactly', () => {
  for (const p of PROFILES) assert.deepEqual(matchProfile(expectedFeatures(p)), { profile: p, exact: true }, p.name);
});

test('probe: unknown answers are ignored; a disagreement gives the closest profile, not exact', () => {
  const none: ProbeFeatures = { tail_call_in_any_callback: null, exception_cb_tail_call_message: null, global_throw_checked_at_callsite: null };
  assert.equal(matchProfile({ ...none, tail_call_in_any_callback: false }).profile, LINUX_6_18_INITIAL);
  assert.equal(matchProfile({ ...none, exception_cb_tail_call_message: 'cannot tail call within callback' }).profile, LINUX_6_18_FIXED);
  assert.equal(matchProfile(none).exact, true);
  const odd = { ...expectedFeatures(LINUX_6_18_FIXED), global_throw_checked_at_callsite: false };
  assert.deepEqual(matchProfile(odd), { profile: LINUX_6_18_FIXED, exact: false });
  assert.equal(matchProfile({ ...odd, exception_cb_tail_call_message: 'something else' }).exact, false);
});

test('probe: the model run as each profile answers the probes as that profile', () => {
  const throwId = kfuncId(fixtureHostFacts(), 'bpf_throw');
  assert.ok(throwId !== undefined);
  for (const p of PROFILES) {
    const f = runProbes(modelAnswers(p), throwId);
    assert.deepEqual(f, expectedFeatures(p), p.name);
    assert.deepEqual(matchProfile(f), { profile: p, exact: true });
  }
});

const avail = kernelAvailable();
const skip = avail.ok ? false : `kernel unavailable: ${avail.reason}`;

test('probe: the live kernel matches a profile exactly; the answers are cached per boot', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-probe-'));
  const saved = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = dir;
  try {
    const first = probeLiveKernel(hostVmlinuxBtf());
    assert.equal(first.cached, false);
    assert.equal(first.report.kernel, os.release());
    assert.equal(first.report.exact, true, JSON.stringify(first.report));
    assert.equal(first.profile.name, first.report.profile);
    assert.ok(Object.values(first.report.features).every((v) => v !== null), JSON.stringify(first.report.features));
    assert.equal(probeCacheFile(), path.join(dir, 'bpfx', 'probe.json'));
    const again = probeLiveKernel(hostVmlinuxBtf());
    assert.equal(again.cached, true);
    assert.deepEqual(again.report, first.report);
    // Another boot or kernel (another key) is probed again.
    const c = JSON.parse(fs.readFileSync(probeCacheFile(), 'utf8'));
    fs.writeFileSync(probeCacheFile(), JSON.stringify({ ...c, key: 'another boot' }));
    assert.equal(probeLiveKernel(hostVmlinuxBtf()).cached, false);
    assert.equal(probeLiveKernel(hostVmlinuxBtf(), { refresh: true }).cached, false);
  } finally {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bpfx probe --json: kernel, profile and features', { skip }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-probe-'));
  try {
    const r = spawnSync(process.execPath, [main, 'probe', '--json'], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: dir } });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(j), ['kernel', 'profile', 'features', 'exact']);
    assert.equal(j.kernel, os.release());
    assert.ok(PROFILES.some((p) => p.name === j.profile));
    assert.deepEqual(Object.keys(j.features), ['tail_call_in_any_callback', 'exception_cb_tail_call_message', 'global_throw_checked_at_callsite']);
    const t = spawnSync(process.execPath, [main, 'probe'], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: dir } });
    assert.equal(t.status, 0, t.stderr);
    assert.match(t.stdout, new RegExp(`^kernel:  ${os.release().replace(/\./g, '\\.')}\\nprofile: ${j.profile}  \\[cached\\]`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('bpfx probe without a usable kernel: exit 2 with the reason', () => {
  const r = spawnSync(process.execPath, [main, 'probe', '--json'], { encoding: 'utf8', env: { ...process.env, BPFX_NO_KERNEL: '1' } });
  assert.equal(r.status, 2);
  assert.deepEqual(JSON.parse(r.stdout), { error: { kind: 'kernel', message: 'the kernel cannot be used: BPFX_NO_KERNEL is set', file: null, at: null } });
});

test('--kernel-profile: an unknown name is a usage error (exit 2) naming the known ones; a known one is used', () => {
  const file = path.join(os.tmpdir(), `bpfx-profile-${process.pid}.s`);
  fs.writeFileSync(file, 'r0 = 0\nexit\n');
  try {
    const bad = spawnSync(process.execPath, [main, 'verify', file, '--kernel-profile', 'linux-2.6'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /unknown kernel profile 'linux-2\.6' \(known: linux-6\.18-initial, linux-6\.18-fixed\)/);
    for (const cmd of [['verify', file], ['run', file, '--engine', 'verifier'], ['spec', file]]) {
      const r = spawnSync(process.execPath, [main, ...cmd, '--kernel-profile', 'nope'], { encoding: 'utf8' });
      assert.equal(r.status, 2, `${cmd[0]}: ${r.stderr}`);
    }
    const ok = spawnSync(process.execPath, [main, 'verify', file, '--kernel-profile', 'linux-6.18-initial', '--json'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).verdict, 'accept');
  } finally {
    fs.rmSync(file, { force: true });
  }
});
