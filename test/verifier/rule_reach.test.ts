// Rejection rules no program can reach on this machine's kernel, driven on the model
// with host facts this machine does not have (src/verifier/message_reach.ts lists each
// with its reason and this test as its reach): kfunc shapes the 6.18 vmlinux lacks (a
// fake vmlinux BTF whose FUNC of a kfunc the model knows has that shape), and a kernel
// without the BPF JIT. Model only: the live kernel cannot be given these facts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify, progTypeNumber } from '../../src/verifier';
import { Insn, insn, ldImm64 } from '../../src/isa/insn';
import { Btf } from '../../src/btf/btf';
import { newBtf } from '../../src/btf/parse';
import { addFunc, addFuncProto, addInt, addPtr, addStruct } from '../../src/btf/build';
import { fixtureHostFacts } from '../../src/kernel/host';
import { firstErrorLine } from '../../src/verifier/error_line';
import { BASE_TEXTS, MessageKey, msg } from '../../src/verifier/messages';
import { MESSAGE_REACH } from '../../src/verifier/message_reach';

const mov = (d: number, imm: number): Insn => insn(0xb7, d, 0, 0, imm);
const movr = (d: number, s: number): Insn => insn(0xbf, d, s, 0, 0);
const helper = (id: number): Insn => insn(0x85, 0, 0, 0, id);
const kcall = (id: number): Insn => insn(0x85, 0, 2, 0, id);
const pcall = (rel: number): Insn => insn(0x85, 0, 1, 0, rel);
const exit = insn(0x95);
const BPF_FUNC_get_prandom_u32 = 7;
const BPF_FUNC_tail_call = 12;
const BPF_MAP_TYPE_PROG_ARRAY = 3;

/** A vmlinux BTF with one FUNC `name` of the prototype `shape` builds; returns the BTF and the FUNC's id. */
function fakeKernel(name: string, shape: (b: Btf) => { ret: number; params: { name: string; type: number }[] }): { btf: Btf; id: number } {
  const btf = newBtf();
  const { ret, params } = shape(btf);
  return { btf, id: addFunc(btf, name, addFuncProto(btf, ret, params)) };
}

interface Row {
  key: MessageKey;
  args: (string | number)[];
  kfunc: string;
  shape: (b: Btf) => { ret: number; params: { name: string; type: number }[] };
  /** Instructions before the call (the arguments). */
  setup: Insn[];
}

const int = (b: Btf): number => addInt(b, 'int', 4);
const ROWS: Row[] = [
  { key: 'kfuncTooManyArgs', args: ['bpf_task_release', 6, 5], kfunc: 'bpf_task_release', setup: [],
    shape: (b) => { const i = int(b); return { ret: 0, params: [1, 2, 3, 4, 5, 6].map((k) => ({ name: `a${k}`, type: i })) }; } },
  { key: 'kfuncAcquireNotBtfId', args: [], kfunc: 'bpf_task_acquire', setup: [],
    shape: (b) => ({ ret: int(b), params: [] }) },
  { key: 'kfuncUnrecognizedArg', args: [0, 'STRUCT'], kfunc: 'bpf_send_signal_task', setup: [mov(1, 0)],
    shape: (b) => ({ ret: int(b), params: [{ name: 'task', type: addStruct(b, 'task_struct', 8) }] }) },
  { key: 'kfuncArgNotAConst', args: [1], kfunc: 'bpf_strlen', setup: [helper(BPF_FUNC_get_prandom_u32), movr(1, 0)],
    shape: (b) => ({ ret: int(b), params: [{ name: 'rdwr_buf_size', type: int(b) }] }) },
  { key: 'kfuncRetPtrUnsupported', args: ['bpf_strlen', 'FUNC_PROTO', ''], kfunc: 'bpf_strlen', setup: [],
    shape: (b) => ({ ret: addPtr(b, addFuncProto(b, 0, [])), params: [] }) },
];

for (const row of ROWS) {
  test(`${row.key}: ${row.kfunc} with a prototype this vmlinux does not have`, () => {
    const { btf, id } = fakeKernel(row.kfunc, row.shape);
    const r = verify({
      insns: [...row.setup, kcall(id), mov(0, 0), exit], progType: progTypeNumber('tracepoint')!, logLevel: 1, vmlinuxBtf: btf,
      kfunc: (k, off) => (k === id && off === 0 ? { name: row.kfunc } : undefined),
    });
    assert.equal(r.notModelled, false, r.error);
    assert.equal(firstErrorLine(r.log), msg(row.key, row.args));
  });
}

test('tailCallNoJit: a tail call in a program with bpf-to-bpf calls on a kernel without the JIT', () => {
  // main calls sub (insn 3), which tail-calls through the prog array
  const prog = [pcall(2), mov(0, 0), exit, movr(6, 1), ...ldImm64(2, 7n, 1), mov(3, 0), movr(1, 6), helper(BPF_FUNC_tail_call), mov(0, 0), exit];
  const maps = new Map([[7, { type: BPF_MAP_TYPE_PROG_ARRAY, keySize: 4, valueSize: 4, maxEntries: 1, name: 'jmp' }]]);
  // BTF of `int main(struct __sk_buff *)` and `static int sub(struct __sk_buff *)`: a subprog's tail call needs it
  const btf = newBtf();
  const proto = addFuncProto(btf, int(btf), [{ name: 'ctx', type: addPtr(btf, addStruct(btf, '__sk_buff', 192)) }]);
  const funcInfo = [{ insnOff: 0, typeId: addFunc(btf, 'main', proto) }, { insnOff: 3, typeId: addFunc(btf, 'sub', proto, 'static') }];
  const run = (jitted: boolean) => verify({ insns: prog, progType: progTypeNumber('sched_cls')!, logLevel: 1, maps, jitted, btf, funcInfo, vmlinuxBtf: fixtureHostFacts().vmlinuxBtf });
  assert.equal(firstErrorLine(run(false).log), msg('tailCallNoJit'));
  assert.equal(run(true).verdict, 'accept', run(true).log);
});

test('the reach table: every entry a message key with a reason; the rows above are its unit-test reaches', () => {
  for (const [key, r] of Object.entries(MESSAGE_REACH)) {
    assert.ok(key in BASE_TEXTS, key);
    assert.ok(r && r.reason.length > 20, key);
  }
  for (const key of [...ROWS.map((r) => r.key), 'tailCallNoJit' as const]) {
    const r = MESSAGE_REACH[key];
    assert.ok(r?.kind === 'unreachable' && r.test === 'test/verifier/rule_reach.test.ts', key);
  }
});
