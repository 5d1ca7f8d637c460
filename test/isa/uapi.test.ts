// The UAPI table (src/isa/uapi.ts): every lookup form and alias, the numbers
// against the enums of the committed vmlinux BTF (Linux 6.18), the aliases
// against libbpf's SEC() table, and the errno names against the host's errno.h
// as Node reports it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'os';
import {
  uapiNumber, unknownUapiName, progTypeNumber, attachTypeNumber, mapTypeNumber, progTypeName, attachTypeName,
  mapTypeName, PROG_TYPE, ATTACH_TYPE, MAP_TYPE, PROG_TYPE_NAMES, ATTACH_TYPE_NAMES, MAP_TYPE_NAMES,
  PROG_TYPE_ALIASES, ERRNO, ERRNO_ALIASES, errnoName, errnoNumber, isErrno, UapiEnum,
} from '../../src/isa/uapi';
import { findByName, typeById } from '../../src/btf';
import { findSecDef, SECTION_DEFS } from '../../src/loader/sectypes';
import { vmlinuxBtf } from '../loader/fixtures';

// [enum, value as written, number or undefined]
const lookups: [UapiEnum, string | number, number | undefined][] = [
  ['prog type', 'xdp', 6], ['prog type', 'BPF_PROG_TYPE_XDP', 6], ['prog type', 'bpf_prog_type_xdp', 6],
  ['prog type', 6, 6], ['prog type', '6', 6], ['prog type', ' XDP ', 6], ['prog type', 'sched_cls', 3],
  ['prog type', 'BPF_PROG_TYPE_SCHED_CLS', 3], ['prog type', 'syscall', 31], ['prog type', 'netfilter', 32],
  ['prog type', 'unspec', 0], ['prog type', 99, 99], ['prog type', 65535, 65535],
  ['prog type', 65536, undefined], ['prog type', -1, undefined], ['prog type', 1.5, undefined],
  ['prog type', 'nosuch', undefined], ['prog type', '', undefined], ['prog type', 'BPF_PROG_TYPE_', undefined],
  ['prog type', 'trace_fentry', undefined],
  ['attach type', 'trace_fentry', 24], ['attach type', 'BPF_TRACE_FENTRY', 24], ['attach type', 24, 24],
  ['attach type', 'cgroup_inet_ingress', 0], ['attach type', 'BPF_CGROUP_INET4_CONNECT', 10],
  ['attach type', 'trace_uprobe_session', 57], ['attach type', 'trace_fsession', 58], ['attach type', 'xdp', 37],
  ['attach type', 'tc', undefined], ['attach type', 'trace_fentry_multi', undefined],
  ['map type', 'array', 2], ['map type', 'BPF_MAP_TYPE_PROG_ARRAY', 3], ['map type', 'ringbuf', 27],
  ['map type', 'arena', 33], ['map type', 'insn_array', 34], ['map type', '12', 12], ['map type', 'xdp', undefined],
];

for (const [kind, v, want] of lookups) {
  test(`uapiNumber(${kind}, ${JSON.stringify(v)}) is ${want}`, () => {
    assert.equal(uapiNumber(kind, v), want);
  });
}

const aliasWant: Record<string, number> = {
  socket: 1, tc: 3, classifier: 3, action: 4, tp: 5, raw_tp: 17, 'raw_tp.w': 24, 'raw_tracepoint.w': 24,
  tp_btf: 26, fentry: 26, fexit: 26, fmod_ret: 26, iter: 26, freplace: 28, sockops: 13, uprobe: 2,
  kretprobe: 2, uretprobe: 2, usdt: 2, ksyscall: 2,
};

test('every program type alias has its number, in every spelling', () => {
  assert.deepEqual(Object.keys(PROG_TYPE_ALIASES).sort(), Object.keys(aliasWant).sort());
  for (const [alias, n] of Object.entries(aliasWant)) {
    assert.equal(progTypeNumber(alias), n, alias);
    assert.equal(progTypeNumber(alias.toUpperCase()), n, alias);
    assert.equal(progTypeNumber(`BPF_PROG_TYPE_${alias}`), n, alias);
  }
});

test('every alias names the program type libbpf gives that SEC() name', () => {
  for (const [alias, type] of Object.entries(PROG_TYPE_ALIASES)) assert.equal(findSecDef(alias)?.progType, type, alias);
});

test('every name of the three tables looks up to its index, and back', () => {
  const tables: [UapiEnum, readonly string[], string, (n: number) => string | undefined][] = [
    ['prog type', PROG_TYPE_NAMES, 'BPF_PROG_TYPE_', progTypeName],
    ['attach type', ATTACH_TYPE_NAMES, 'BPF_', attachTypeName],
    ['map type', MAP_TYPE_NAMES, 'BPF_MAP_TYPE_', mapTypeName],
  ];
  for (const [kind, names, prefix, nameOf] of tables) {
    assert.equal(new Set(names).size, names.length, `${kind}: duplicate names`);
    names.forEach((n, i) => {
      assert.equal(uapiNumber(kind, n), i, n);
      assert.equal(uapiNumber(kind, prefix + n.toUpperCase()), i, n);
      assert.equal(nameOf(i), n);
    });
    assert.equal(nameOf(names.length), undefined);
  }
  assert.equal(PROG_TYPE.xdp, 6);
  assert.equal(ATTACH_TYPE.trace_fentry, 24);
  assert.equal(MAP_TYPE.prog_array, 3);
  assert.equal(attachTypeNumber('BPF_XDP'), 37);
  assert.equal(mapTypeNumber('hash'), 1);
});

test('the numbers are those of the enums in the Linux 6.18 vmlinux BTF', () => {
  const btf = vmlinuxBtf();
  const enums: [string, UapiEnum, string, number][] = [
    // [BTF enum, table, enumerator prefix, enumerators newer than 6.18 in the table]
    ['bpf_prog_type', 'prog type', 'BPF_PROG_TYPE_', 0],
    ['bpf_attach_type', 'attach type', 'BPF_', 1], // trace_fsession
    ['bpf_map_type', 'map type', 'BPF_MAP_TYPE_', 1], // insn_array
  ];
  const sizes: Record<UapiEnum, number> = { 'prog type': PROG_TYPE_NAMES.length, 'attach type': ATTACH_TYPE_NAMES.length, 'map type': MAP_TYPE_NAMES.length };
  for (const [name, kind, prefix, newer] of enums) {
    const id = findByName(btf, `${name}`, 'enum');
    assert.ok(id !== undefined, name);
    const t = typeById(btf, id);
    assert.ok(t.kind === 'enum');
    let checked = 0;
    for (const v of t.values) {
      if (v.name.startsWith('__MAX_')) { assert.equal(v.value + newer, sizes[kind], v.name); continue; }
      if (v.name.endsWith('_DEPRECATED')) continue; // BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED: old spelling of the same number
      assert.ok(v.name.startsWith(prefix), v.name);
      assert.equal(uapiNumber(kind, v.name), v.value, v.name);
      checked++;
    }
    assert.equal(checked, sizes[kind] - newer, name);
  }
});

test('an unknown name keeps its error text', () => {
  assert.equal(unknownUapiName('prog type', 'nosuch'), `unknown prog type 'nosuch' (known: ${PROG_TYPE_NAMES.slice(1).join(', ')})`);
  assert.match(unknownUapiName('map type', 'x'), /^unknown map type 'x' \(known: hash, array, prog_array, /);
  assert.equal(unknownUapiName('attach type', 70000), 'attach type 70000 is not a valid number');
});

test('every attach type of the SEC() table is numbered, or one of the three libbpf names the UAPI does not have yet', () => {
  const unnumbered = new Set(['trace_fentry_multi', 'trace_fexit_multi', 'trace_fsession_multi']);
  for (const d of SECTION_DEFS) {
    if (d.attach === '') continue;
    assert.ok(attachTypeNumber(d.attach) !== undefined || unnumbered.has(d.attach), `${d.sec}: ${d.attach}`);
  }
});

test('errno names: the table agrees with errno.h as the host reports it', () => {
  const host = os.constants.errno as Record<string, number>;
  for (const [name, n] of Object.entries(host)) {
    assert.equal(errnoNumber(name), n, name);
    const canonical = ERRNO_ALIASES[name] ?? name;
    assert.equal(errnoName(n), canonical, name);
  }
});

test('errno names: kernel-internal numbers, signs, aliases and numbers without a name', () => {
  const table: [number, string][] = [[1, 'EPERM'], [2, 'ENOENT'], [7, 'E2BIG'], [9, 'EBADF'], [13, 'EACCES'], [14, 'EFAULT'],
    [17, 'EEXIST'], [22, 'EINVAL'], [28, 'ENOSPC'], [95, 'EOPNOTSUPP'], [117, 'EUCLEAN'], [524, 'ENOTSUPP'],
    [-13, 'EACCES'], [58, 'E58'], [4242, 'E4242'], [0, 'E0']];
  for (const [n, name] of table) assert.equal(errnoName(n), name, String(n));
  assert.equal(errnoNumber('ENOTSUP'), 95);
  assert.equal(errnoNumber('EWOULDBLOCK'), 11);
  assert.equal(errnoNumber('ENOTSUPP'), 524);
  assert.equal(errnoNumber('E4242'), 4242);
  assert.equal(errnoNumber('EWHATEVER'), undefined);
  assert.equal(errnoNumber('eacces'), undefined);
  assert.ok(isErrno('EACCES'));
  assert.ok(!isErrno('ENOTSUP'));
  assert.ok(!isErrno('toString'));
  for (const [name, n] of Object.entries(ERRNO)) assert.equal(errnoName(n), name); // one name per number
});
