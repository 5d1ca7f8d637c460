// A fault inside native code (src/native/fault.ts): the process ends by the
// signal, as before, but first says so on stderr, naming the signal, the
// faulting instruction and the address. Run in child processes; the
// conformance runner (harness/isolate.ts) reports the signal of a case and
// goes on with the next. A fault outside our images is left to the handler
// that was there before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { nativeAvailable } from '../../src/harness/native-run';
import { runConformanceIsolated } from '../../src/harness/isolate';

const MAIN = path.resolve(__dirname, '..', '..', 'src', 'cli', 'main.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfx-fault-'));
const write = (name: string, text: string): string => { const p = path.join(tmp, name); fs.writeFileSync(p, text); return p; };
/** An unverified (bpf_conformance) program that loads from address 0x10. */
const FAULTING = '-- asm\nmov %r1, 0x10\nldxdw %r0, [%r1]\nexit\n-- result\n0x0\n';

test('a SIGSEGV in jitted code: one line on stderr, then the process ends by SIGSEGV', (t) => {
  const a = nativeAvailable();
  if (!a.ok) { t.skip(`native execution is not available: ${a.reason}`); return; }
  const r = spawnSync(process.execPath, [MAIN, 'run', write('fault.data', FAULTING), '--engine', 'jit'], { encoding: 'utf8' });
  assert.equal(r.signal, 'SIGSEGV', `status ${r.status}, stderr ${r.stderr}`);
  assert.match(r.stderr, /^bpfx: native code faulted with SIGSEGV at rip 0x[0-9a-f]{16}, fault address 0x0000000000000010; the process ends$/m);
});

test('a fault outside our images goes to the previous handler, without our line', (t) => {
  const a = nativeAvailable();
  if (!a.ok) { t.skip(`native execution is not available: ${a.reason}`); return; }
  // Load an image (installs the handler), then call address 0x10 through koffi
  const script = `
    const { loadNativeProgram } = require(${JSON.stringify(path.resolve(__dirname, '../../src/harness/native-run.js'))});
    const { loadLibc } = require(${JSON.stringify(path.resolve(__dirname, '../../src/native/libc.js'))});
    const p = loadNativeProgram({ name: 'r', insns: [{ code: 0xb7, dst: 0, src: 0, off: 0, imm: 7 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }], progType: 'socket_filter', license: 'GPL' }, { unverified: true });
    process.stdout.write(String(p.run(0n, 0n)) + '\\n');
    const L = loadLibc();
    L.koffi.decode(L.ptr(0x10n), L.koffi.proto('int bpfx_nowhere()'))();`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), '7', r.stderr);
  assert.equal(r.signal, 'SIGSEGV', `status ${r.status}, stderr ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /bpfx: native code faulted/);
});

test('the conformance runner fails the faulting case with its signal and runs the next', (t) => {
  const a = nativeAvailable();
  if (!a.ok) { t.skip(`native execution is not available: ${a.reason}`); return; }
  const ok = write('ok.data', '-- asm\nmov %r0, 5\nexit\n-- result\n0x5\n');
  const v = runConformanceIsolated([write('fault.data', FAULTING), ok]);
  assert.equal(v.length, 2);
  assert.equal(v[0].pass, false);
  assert.match(v[0].why, /native fault: the program ended its process with SIGSEGV/);
  assert.equal(v[1].pass, true, v[1].why);
});
