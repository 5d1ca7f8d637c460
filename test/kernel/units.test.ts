// Pure parts of src/kernel (no bpf() needed): BTF writer, kfunc lookups in the
// host facts' BTF, errno names, log message extraction, the JSON line; plus an
// fd-leak check of object loading on the kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { newBtf } from '../../src/btf/parse';
import { encodeBtf } from '../../src/btf/encode';
import { addInt, addFuncProto, addFunc, addDeclTag } from '../../src/btf/build';
import { HostFacts, kfuncId, vmlinuxFuncId } from '../../src/kernel/host';
import { parseBtf, BtfError } from '../../src/btf';
import { NEWEST_PROFILE } from '../../src/verifier/profiles';
import { errnoName, KernelError, kernelAvailable } from '../../src/kernel';
import { verdictJson, KernelVerdict } from '../../src/kernel/run';
import { firstErrorLine as kernelErrorLine } from '../../src/verifier/error_line';

test('btf/build + encode: header, type and string sections laid out as the kernel expects', () => {
  const b = newBtf();
  const int = addInt(b, 'int', 4);
  const proto = addFuncProto(b, int, [{ name: 'x', type: int }]);
  const fn = addFunc(b, 'f', proto);
  assert.deepEqual([int, proto, fn], [1, 2, 3]);
  const bytes = encodeBtf(b);
  const dv = new DataView(bytes.buffer);
  assert.equal(dv.getUint16(0, true), 0xeb9f);
  assert.equal(bytes[2], 1);
  assert.equal(dv.getUint32(4, true), 24);
  const typeLen = dv.getUint32(12, true);
  assert.equal(typeLen, 16 + 20 + 12); // INT + FUNC_PROTO(1 param) + FUNC
  assert.equal(dv.getUint32(16, true), typeLen);
  assert.equal(new TextDecoder().decode(bytes.subarray(24 + typeLen)), '\0int\0x\0f\0');
  // FUNC record: name_off of 'f', info = FUNC kind | global linkage, type = proto
  assert.deepEqual([dv.getUint32(24 + 36, true), dv.getUint32(24 + 40, true), dv.getUint32(24 + 44, true)], [7, (12 << 24) | 1, 2]);
});

test('kfuncId finds FUNCs by name in the host facts\' BTF (src/btf); bad BTF is a typed error', () => {
  const b = newBtf();
  const int = addInt(b, 'int', 4);
  addFunc(b, 'bpf_throw', addFuncProto(b, int, []));
  addDeclTag(b, 'tag', 3);
  const host: HostFacts = { source: 'fixture', release: 'test', vmlinuxBtf: parseBtf(encodeBtf(b)), kconfig: undefined, netDevices: [], nrCpuIds: undefined, profile: NEWEST_PROFILE, profileFrom: 'default' };
  assert.equal(kfuncId(host, 'bpf_throw'), 3);
  assert.equal(kfuncId(host, 'tag'), undefined);
  assert.equal(kfuncId({ ...host, vmlinuxBtf: undefined }, 'bpf_throw'), undefined);
  assert.throws(() => vmlinuxFuncId('tag', host), (e: unknown) => e instanceof KernelError && e.kind === 'bad-request' && /no FUNC 'tag'/.test(e.message));
  assert.throws(() => parseBtf(new Uint8Array(30)), (e: unknown) => e instanceof BtfError && /magic/.test(e.message));
  const bad = encodeBtf(b);
  new DataView(bad.buffer).setUint32(12, 9999, true);
  assert.throws(() => parseBtf(bad), (e: unknown) => e instanceof BtfError && /past the end/.test(e.message));
});

test('errnoName uses the kernel spellings', () => {
  assert.equal(errnoName(13), 'EACCES');
  assert.equal(errnoName(22), 'EINVAL');
  assert.equal(errnoName(95), 'EOPNOTSUPP');
  assert.equal(errnoName(524), 'ENOTSUPP');
  assert.equal(errnoName(4242), 'E4242');
});

test('kernelErrorLine: last message before the statistics, glued statistics cut off', () => {
  assert.equal(kernelErrorLine('0: (95) exit\nR0 !read_ok\nprocessed 1 insns (limit 1000000) max_states_per_insn 0\n'), 'R0 !read_ok');
  assert.equal(kernelErrorLine('insn 7 cannot call exception cb directlyprocessed 11 insns (limit 1000000) max_states_per_insn 0'), 'insn 7 cannot call exception cb directly');
  assert.equal(kernelErrorLine(''), null);
});

test('verdictJson: the shared one-line shape, keys in order', () => {
  const v: KernelVerdict = {
    prog: 'p', verdict: 'accept', errno: null, log: 'x', retval: 255n, runError: null,
    xlatedInsns: 2, jitedBytes: 23, verifiedInsns: 2, prologueInsns: 0,
  };
  assert.equal(verdictJson(v), '{"prog":"p","verdict":"accept","errno":null,"log":"x","retval":"0xff","xlated_insns":2,"jited_bytes":23,"verified_insns":2}');
  assert.equal(verdictJson({ ...v, verdict: 'reject', errno: 'EACCES', retval: null, xlatedInsns: null, jitedBytes: null }),
    '{"prog":"p","verdict":"reject","errno":"EACCES","log":"x","retval":null,"xlated_insns":null,"jited_bytes":null,"verified_insns":2}');
});

const avail = kernelAvailable();
const FIX = path.join(__dirname, '../../../fixtures/obj/programs.bpf.o');
test('no fd leaks loading an object with maps and BTF 20 times', { skip: !avail.ok ? `kernel unavailable: ${avail.reason}` : !fs.existsSync(FIX) ? 'no fixture' : false }, () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { runObjectFile } = require('../../src/kernel/object') as typeof import('../../src/kernel/object');
  const bytes = new Uint8Array(fs.readFileSync(FIX));
  runObjectFile(FIX); // warm caches (vmlinux BTF) before counting
  const before = fs.readdirSync('/proc/self/fd').length;
  for (let i = 0; i < 20; i++) {
    const r = runObjectFile(FIX, { run: i % 2 === 0 });
    assert.equal(r.verdicts.filter((v) => v.verdict === 'accept').length, r.verdicts.length);
  }
  assert.equal(fs.readdirSync('/proc/self/fd').length, before);
});
