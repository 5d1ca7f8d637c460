// libbpf_find_attach_btf_id in the loader: a tracing program's attach target
// resolved in the vmlinux BTF passed as data (here the fixtures' kernel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachBtfIdFor, loadObject, LoaderError, LinkedProgram } from '../../src/loader';
import { findByName } from '../../src/btf';
import { readFixture, vmlinuxBtf } from './fixtures';

type Target = Pick<LinkedProgram, 'name' | 'type' | 'attachType' | 'attachTo'>;
const prog = (type: string, attachType: string, attachTo: string): Target => ({ name: 'p', type: type as Target['type'], attachType: attachType as Target['attachType'], attachTo });

test('attach targets by prefix and kind: raw tracepoint typedefs, lsm and iterator functions, plain functions', () => {
  const vm = vmlinuxBtf();
  const rows: [Target, string, 'typedef' | 'func'][] = [
    [prog('tracing', 'trace_raw_tp', 'sys_enter'), 'btf_trace_sys_enter', 'typedef'],
    [prog('tracing', 'trace_fentry', 'do_nanosleep'), 'do_nanosleep', 'func'],
    [prog('lsm', 'lsm_mac', 'file_open'), 'bpf_lsm_file_open', 'func'],
    [prog('tracing', 'trace_iter', 'task'), 'bpf_iter_task', 'func'],
  ];
  for (const [p, name, kind] of rows) {
    const want = findByName(vm, name, kind);
    assert.ok(want !== undefined, name);
    assert.equal(attachBtfIdFor(vm, p), want, name);
  }
  assert.equal(attachBtfIdFor(vm, prog('sched_cls', '', '')), undefined);
  // SEC("fentry") without a target: libbpf wants bpf_program__set_attach_target before the load
  assert.throws(() => attachBtfIdFor(vm, prog('tracing', 'trace_fentry', '')), (e: unknown) => e instanceof LoaderError && e.kind === 'attach'
    && e.errno === -22 && e.message === "prog 'p': no BTF-based attach target is specified, use bpf_program__set_attach_target()");
});

test('a missing target or no kernel BTF: libbpf\'s error', () => {
  const bad = (f: () => unknown, re: RegExp): void => assert.throws(f, (e: unknown) => e instanceof LoaderError && e.kind === 'attach' && e.errno === -3 && re.test(e.message));
  bad(() => attachBtfIdFor(vmlinuxBtf(), prog('tracing', 'trace_fentry', 'no_such_function')), /^prog 'p': failed to find kernel BTF type ID of 'no_such_function': -3$/);
  bad(() => attachBtfIdFor(undefined, prog('tracing', 'trace_raw_tp', 'sys_enter')), /'btf_trace_sys_enter'/);
});

test('a linked object keeps the kernel BTF it was linked against, for attach targets at load time', () => {
  const vm = vmlinuxBtf();
  const o = loadObject(readFixture('core'), { objectName: 'core', vmlinuxBtf: vm });
  assert.equal(o.vmlinuxBtf, vm);
  const p = o.programs.find((x) => x.name === 'core_reads')!;
  assert.equal(attachBtfIdFor(o.vmlinuxBtf, p), findByName(vm, 'btf_trace_sys_enter', 'typedef'));
});
