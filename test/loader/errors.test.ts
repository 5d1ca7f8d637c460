// Loader errors on hand-made damage: libbpf's messages, errno and error kind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadObject, LoaderError } from '../../src/loader';
import { ESRCH } from '../../src/loader/errors';
import { parseElf, sectionByName } from '../../src/elf';
import { kernelFacts, readFixture, vmlinuxBtf } from './fixtures';

test('unknown kfunc is an error naming it', () => {
  assert.throws(() => loadObject(readFixture('kfunc_unknown'), { vmlinuxBtf: vmlinuxBtf() }), (e: unknown) =>
    e instanceof LoaderError && e.kind === 'extern' && e.errno === ESRCH &&
    e.message === "extern (func ksym) 'bpfx_no_such_kfunc': not found in kernel or module BTFs");
});

test('kfunc externs need vmlinux BTF', () => {
  assert.throws(() => loadObject(readFixture('exc_valid')), (e: unknown) =>
    e instanceof LoaderError && e.kind === 'extern' && /bpf_throw/.test(e.message));
});

test('weak unknown kfunc: the call is poisoned with 2002000000 + extern index', () => {
  const o = loadObject(readFixture('kfunc_weak'), { vmlinuxBtf: vmlinuxBtf() });
  const ext = o.externs.findIndex((e) => e.name === 'bpfx_no_such_kfunc');
  assert.equal(o.externs[ext].resolved, false);
  const p = o.programs[0];
  assert.ok(p.insns.some((i) => i.code === 0x85 && i.src === 0 && i.imm === 2002000000 + ext));
});

test('a .bss larger than a map value is a map error, not a crash', () => {
  const b = readFixture('programs');
  const elf = parseElf(b);
  const bss = sectionByName(elf, '.bss')!;
  const shoff = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(40, true));
  const c = b.slice();
  new DataView(c.buffer).setBigUint64(shoff + bss.index * 64 + 32, 1n << 40n, true);
  assert.throws(() => loadObject(c, { vmlinuxBtf: vmlinuxBtf() }), (e: unknown) => e instanceof LoaderError && e.kind === 'map');
});

test('a relocation on a non-call, non-ld_imm64 instruction', () => {
  const b = readFixture('programs');
  const elf = parseElf(b);
  const rel = elf.rels.find((r) => r.section.name === '.relxdp')!;
  const c = b.slice();
  // point the first relocation at instruction 0 (a mov)
  new DataView(c.buffer).setBigUint64(rel.section.offset, 0n, true);
  assert.throws(() => loadObject(c, { vmlinuxBtf: vmlinuxBtf() }), (e: unknown) =>
    e instanceof LoaderError && e.kind === 'reloc' && /^prog 'xdp_count': invalid relo against '.*' for insns\[0\]\.code 0xb7$/.test(e.message));
});

test('maps: BTF-defined maps in DATASEC order, then .data/.rodata/.bss', () => {
  const o = loadObject(readFixture('programs'), { objectName: 'programs', vmlinuxBtf: vmlinuxBtf() });
  assert.deepEqual(o.maps.map((m) => [m.name, m.typeName, m.keySize, m.valueSize, m.maxEntries]), [
    ['seen', 'hash', 4, 8, 128], ['jumps', 'prog_array', 4, 4, 2], ['events', 'ringbuf', 0, 0, 4096],
    ['counters', 'array', 4, 8, 4], ['programs.data', 'array', 4, 4, 1], ['programs.rodata', 'array', 4, 4, 1],
    ['programs.bss', 'array', 4, 8, 1],
  ]);
  assert.deepEqual([...o.maps[5].initialValue!], [7, 0, 0, 0], '.rodata holds limit = 7');
  const xdp = o.programs.find((p) => p.name === 'xdp_count')!;
  // the main program's references in insn order, then those of the appended loop_body (at insn 40)
  assert.deepEqual(xdp.subprogOffsets, [40]);
  assert.deepEqual(xdp.mapRelocs.map((r) => [r.insn, o.maps[r.map].name, r.kind]), [
    [8, 'counters', 'fd'], [13, 'programs.rodata', 'value'], [29, 'seen', 'fd'], [33, 'programs.bss', 'value'],
    [40, 'programs.rodata', 'value']]);
  for (const r of xdp.mapRelocs) assert.equal(xdp.insns[r.insn].imm, r.map, 'imm holds the map index until fds exist');
});

test('program types from SEC() names', () => {
  const o = loadObject(readFixture('programs'), { vmlinuxBtf: vmlinuxBtf() });
  assert.deepEqual(o.programs.map((p) => [p.name, p.type, p.attachTo]), [
    ['xdp_count', 'xdp', ''], ['tc_sum', 'sched_cls', ''], ['sock_filter', 'socket_filter', ''],
    ['tp_getpid', 'tracepoint', 'syscalls/sys_enter_getpid'], ['kp_sleep', 'kprobe', 'do_nanosleep'],
  ]);
});

test('prog array initial slots from BTF values (.rel.maps)', () => {
  const o = loadObject(readFixture('tailcall'), { objectName: 'tailcall', vmlinuxBtf: vmlinuxBtf() });
  const m = o.maps.find((x) => x.name === 'self_jumps')!;
  assert.equal(m.typeName, 'prog_array');
  assert.equal(m.valueSize, 4, "'values' implies a 4-byte value");
  assert.equal(m.maxEntries, 4);
  assert.deepEqual(m.initSlots, [{ slot: 0, prog: 'tail_self' }]);
});

test('.kconfig externs: layout by alignment/size/name and values from Kconfig and the release', () => {
  const o = loadObject(readFixture('kconfig'), { objectName: 'kconfig', vmlinuxBtf: vmlinuxBtf(), ...kernelFacts() });
  const m = o.maps.find((x) => x.libbpfType === 'kconfig')!;
  assert.equal(m.name, 'kconfig.kconfig');
  assert.equal(m.index, o.maps.length - 1, 'after the data maps');
  assert.equal(m.valueSize, 34);
  const v = Buffer.from(m.initialValue!);
  assert.equal(v.readUInt32LE(0), 0, 'CONFIG_BPFX_NOT_THERE (weak, missing) is 0');
  assert.equal(v.readUInt32LE(4), 1, 'CONFIG_BPF_JIT=y is TRI_YES');
  assert.equal(v.readUInt32LE(8), 250, 'CONFIG_HZ=250');
  assert.equal(v.readUInt32LE(12), (6 << 16) + (18 << 8) + 44, 'LINUX_KERNEL_VERSION of 6.18.44');
  assert.equal(v[16], 1, 'CONFIG_BPF_SYSCALL=y');
  assert.equal(v[17], 1, 'LINUX_HAS_BPF_COOKIE');
  assert.equal(v.toString('latin1', 18, 24), '(none)', 'CONFIG_DEFAULT_HOSTNAME');
  assert.throws(() => loadObject(readFixture('kconfig'), { vmlinuxBtf: vmlinuxBtf(), kernelRelease: '6.18.44' }),
    (e: unknown) => e instanceof LoaderError && e.message === 'failed to open system Kconfig');
});

test('map-in-map: inner template from BTF values and slots naming maps', () => {
  const o = loadObject(readFixture('map_in_map'), { objectName: 'map_in_map', vmlinuxBtf: vmlinuxBtf() });
  const outer = o.maps.find((m) => m.name === 'outer')!;
  assert.equal(outer.typeName, 'array_of_maps');
  assert.equal(outer.valueSize, 4);
  assert.deepEqual(outer.initSlots, [{ slot: 0, map: 'inner_a' }]);
  assert.ok(outer.inner);
  assert.deepEqual([outer.inner.name, outer.inner.typeName, outer.inner.keySize, outer.inner.valueSize, outer.inner.maxEntries, outer.inner.index],
    ['outer.inner', 'array', 4, 8, 1, -1]);
  assert.deepEqual(o.maps.map((m) => m.name), ['inner_a', 'outer'], 'the inner template is not an object map');
});
