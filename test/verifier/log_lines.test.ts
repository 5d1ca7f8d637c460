// Whole verifier logs of the model against logs recorded from Linux 6.18 (6.18.y stable,
// test/verifier/golden-logs/NAME.LLEVEL.log, recorded with `bpfx kernel FILE --prog P
// --log-level L --json` for objects and the kernel engine of `bpfx compare` for specs).
// Each case pins the kernel's lines of one cause of a log difference that `bpfx compare
// --logs` found; the immediate of an ld_imm64 that the kernel printed as a kernel address
// is the one thing set aside (sameLogLine), and a kfunc's BTF id in `call NAME#ID` is read
// as this host's vmlinux id of NAME (each kernel build numbers its BTF its own way; the
// goldens hold the recording kernel's). Also the pure helpers of that comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { firstLogDifference, sameLogLine, summarizeLogs } from '../../src/harness/stats-compare';
import { hostFacts } from '../../src/kernel/host';
import { findByName } from '../../src/btf/lookup';
import { HELPER_NAMES } from '../../src/isa/helpers';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const golden = path.join(root, 'test/verifier/golden-logs');

interface LogCase { file: string; prog?: string; level: 1 | 2; cause: string }

const CASES: LogCase[] = [
  { file: 'fixtures/obj/tl_scalars.bpf.o', prog: 'div_imm_zero', level: 1, cause: 'main program btf_prepare_func_args message' },
  { file: 'fixtures/obj/v10_dynptr.bpf.o', prog: 'dynptr_read_uninit', level: 1, cause: 'main program `void *ctx` size message, source lines' },
  { file: 'fixtures/obj/calls_callbacks.bpf.o', prog: 'loop_bad_return', level: 1, cause: 'source lines (verbose_linfo) around a callback' },
  { file: 'fixtures/obj/exc_st_assert.bpf.o', prog: 'st_eq_zero', level: 1, cause: 'a source line printed once for records of the same line; dead linked copy not refined' },
  { file: 'fixtures/obj/exc_st_assert.bpf.o', prog: 'st_lt_s32_max', level: 1, cause: 'collect_linked_regs takes live registers only' },
  { file: 'fixtures/obj/calls_helpers.bpf.o', prog: 'spin_call_inside', level: 1, cause: 'map value id of a non-NULL lookup with a spin lock; refs= of the lock' },
  { file: 'fixtures/obj/calls_callbacks.bpf.o', prog: 'each_key_write', level: 1, cause: 'for_each callback value with an id' },
  { file: 'fixtures/obj/v10_callbacks.bpf.o', prog: 'timer_cb_bad_ret', level: 1, cause: 'timer callback value with an id' },
  { file: 'fixtures/obj/v10_dynptr.bpf.o', prog: 'dynptr_clobbered', level: 1, cause: 'a store over a dynptr slot is kept (fp-24=0)' },
  { file: 'fixtures/obj/v10_dynptr.bpf.o', prog: 'dynptr_data_unchecked', level: 1, cause: 'a dynptr read by a helper is printed after the call' },
  { file: 'specs/rules/atomic-bad-opcode.yaml', level: 1, cause: 'BUG_db without its opcode' },
  { file: 'specs/rules/alu-arith-on-map-ptr.yaml', level: 1, cause: 'map address of an ld_imm64 set aside' },
  { file: 'specs/rules/func-info-duplicate.yaml', level: 1, cause: 'check_btf_func prints its order message without a newline' },
  { file: 'fixtures/obj/calls_callbacks.bpf.o', prog: 'loop_bad_return', level: 2, cause: 'NULL ctx of bpf_loop marked precise first; registers scratched after the callback push' },
  { file: 'fixtures/obj/calls_callbacks.bpf.o', prog: 'loop_sum', level: 2, cause: 'callback widening pairs ids (regs_exact)' },
  { file: 'fixtures/obj/calls_kfuncs.bpf.o', prog: 'task_leak', level: 2, cause: 'kfunc argument count in the live-registers table' },
  { file: 'fixtures/obj/calls_helpers.bpf.o', prog: 'socket_redirect', level: 2, cause: 'a helper the program type may not call reads R1-R5' },
  { file: 'fixtures/obj/calls_helpers.bpf.o', prog: 'array_const_key', level: 2, cause: 'constant map key slot marked precise' },
  { file: 'fixtures/obj/v10_mem.bpf.o', prog: 'csum_diff_stack', level: 2, cause: 'NULL `from` of bpf_csum_diff marked precise before the size' },
  { file: 'fixtures/obj/v10_callbacks.bpf.o', prog: 'timer_arm', level: 2, cause: 'registers scratched after an async callback push' },
  { file: 'specs/rules/may-goto-bad-imm.yaml', level: 2, cause: 'may_goto reads no register' },
  { file: 'specs/rules/tracing-without-btf-id.yaml', level: 2, cause: 'func#0 @0 before check_attach_btf_id' },
  { file: 'fixtures/obj/tl_subprogs.bpf.o', prog: 'stack_pointer_arg', level: 2, cause: 'the call into a static subprog commits no stack write of its own; the callee\'s reach its callsite' },
  { file: 'fixtures/obj/tl_retcodes.bpf.o', prog: 'tail_call_big_stack', level: 2, cause: 'stack liveness brought up to date when a tail call leaves a subprog' },
  { file: 'fixtures/obj/v10_dynptr.bpf.o', prog: 'dynptr_ringbuf_discard', level: 2, cause: 'a released dynptr writes its two stack slots (invalidate_dynptr)' },
  { file: 'fixtures/obj/v10_callbacks.bpf.o', prog: 'timer_cb_bad_ret', level: 2, cause: 'an async callback state starts with first_idx 0 and no parent' },
  { file: 'fixtures/obj/rule_locks.bpf.o', prog: 'tp_btf_d_path', level: 2, cause: 'a helper the model has no prototype of reads its UAPI argument count' },
  { file: 'specs/rules/helper-might-sleep.yaml', level: 2, cause: 'bpf_copy_from_user reads R1-R3 in the live-registers table' },
];

const goldenName = (c: LogCase): string =>
  `${path.basename(c.file).replace(/\.bpf\.o$|\.yaml$/, '')}${c.prog ? `.${c.prog}` : ''}.L${c.level}.log`;

const vmlinux = hostFacts().vmlinuxBtf;

/** `call NAME#ID` of a kfunc (not the helper of that number) with this host's vmlinux BTF id of NAME, where the host has it. */
const withHostKfuncIds = (log: string): string =>
  log.replace(/call (\w+)#(\d+)/g, (whole, name: string, id: string) => {
    const hostId = HELPER_NAMES[Number(id)] !== name && vmlinux ? findByName(vmlinux, name, 'func') : undefined;
    return hostId === undefined ? whole : `call ${name}#${hostId}`;
  });

for (const c of CASES) {
  test(`log identical to Linux 6.18 at level ${c.level}: ${c.prog ?? path.basename(c.file)} (${c.cause})`, () => {
    const expected = withHostKfuncIds(fs.readFileSync(path.join(golden, goldenName(c)), 'utf8'));
    const args = [cli, 'verify', path.join(root, c.file), ...(c.prog ? ['--prog', c.prog] : []), '--log-level', String(c.level), '--json'];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const d = JSON.parse(r.stdout.split('\n')[0]) as { log: string };
    const diff = firstLogDifference(d.log, expected);
    assert.equal(diff, null, `first difference ${JSON.stringify(diff)}\n--- ours\n${d.log}\n--- kernel\n${expected}`);
  });
}

test('sameLogLine sets aside only an ld_imm64 immediate the kernel printed as a kernel address', () => {
  const k = '4: (18) r1 = 0xffff88812f57aa00       ; R1=map_ptr(map=guarded,ks=4,vs=16)';
  assert.equal(sameLogLine('4: (18) r1 = 0x3                      ; R1=map_ptr(map=guarded,ks=4,vs=16)', k), true);
  assert.equal(sameLogLine('4: (18) r1 = 0x3                      ; R1=map_ptr(map=other,ks=4,vs=16)', k), false);
  assert.equal(sameLogLine('      4: .1........ (18) r1 = 0x3', '      4: .1........ (18) r1 = 0xffff88812f57aa00'), true);
  assert.equal(sameLogLine('      4: .1........ (18) r1 = 0x3', '      4: ..2....... (18) r1 = 0xffff88812f57aa00'), false);
  // a constant is a constant: no masking when the kernel printed no kernel address
  assert.equal(sameLogLine('4: (18) r1 = 0x3 ; R1=3', '4: (18) r1 = 0x4 ; R1=3'), false);
  assert.equal(sameLogLine('x', undefined), false);
});

test('firstLogDifference names the first differing line; summarizeLogs counts identical logs', () => {
  assert.equal(firstLogDifference('a\nb\n', 'a\nb\n'), null);
  assert.deepEqual(firstLogDifference('a\nb\n', 'a\nc\n'), { line: 2, ours: 'b', kernel: 'c' });
  assert.deepEqual(firstLogDifference('a\n', 'a\nb\n'), { line: 2, ours: '', kernel: 'b' });
  const row = (program: string, oursLog: string, kernelLog: string) =>
    ({ program, agreement: 'reject-same-message' as const, ours: null, kernel: null, oursLog, kernelLog });
  const s = summarizeLogs([row('p', 'x\n', 'x\n'), row('q', 'x\n', 'y\n'), row('r', '', '')]);
  assert.equal(s.compared, 3);
  assert.equal(s.identical, 2);
  assert.deepEqual(s.rows.filter((r) => r.difference).map((r) => r.program), ['q']);
});
