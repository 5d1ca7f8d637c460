// The verifier's rewrites the JIT relies on, against the kernel's xlated
// code: every division and modulo form (unsigned and signed, 32 and 64 bits,
// register and immediate), the zero extension after a 32-bit cmpxchg, the
// hidden exception callback, legacy packet loads; and jump retargeting
// around inserted code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn, Insn } from '../../src/isa/insn';
import { fixupForJit, OP_TAIL_CALL, JitError, SKB_LOAD_HELPER } from '../../src/jit';
import { patchProgram } from '../../src/isa/patch';
import { kernelAvailable } from '../../src/kernel';
import { kernelRun } from '../../src/kernel/run';
import { disasmInsn } from '../../src/isa/disasm';

const exit = (): Insn => insn(0x95);
/** r6, r7 = unknown scalars (bpf_get_prandom_u32), r0 = 7. */
const prologue = (): Insn[] => [insn(0x85, 0, 0, 0, 7), insn(0xbf, 6, 0, 0, 0), insn(0x85, 0, 0, 0, 7), insn(0xbf, 7, 0, 0, 0), insn(0xb7, 0, 0, 0, 7)];

/** Every division/modulo form: class ALU/ALU64, op DIV/MOD, X/K, off 0/1 (signed). */
function divModForms(): Insn[] {
  const out: Insn[] = [];
  for (const cls of [0x04, 0x07]) for (const op of [0x30, 0x90]) for (const off of [0, 1]) {
    out.push(insn(cls | op | 0x08, 0, 6, off, 0));      // by a register
    out.push(insn(cls | op, 0, 0, off, 3));              // by a constant
    if (off) out.push(insn(cls | op, 0, 0, off, -1));    // signed by -1
  }
  return out;
}

const text = (insns: readonly Insn[]): string[] => insns.map((_, pc) => (insns[pc - 1]?.code === 0x18 ? '' : disasmInsn(insns, pc))).filter(Boolean);

test('division and modulo guards, cmpxchg32 zero extension: the same instructions as the kernel\'s xlated program', (t) => {
  const avail = kernelAvailable();
  if (!avail.ok) { t.skip(`the live kernel is not available: ${avail.reason}`); return; }
  const insns = [
    ...prologue(), ...divModForms(),
    insn(0x7b, 10, 0, -8, 0), insn(0xc3, 10, 7, -8, 0xf1), // *(u64 *)(r10 - 8) = r0; w0 = cmpxchg32(r10 - 8, w0, w7)
    exit(),
  ];
  const v = kernelRun({ name: 'divmod', insns, progType: 'socket_filter', license: 'GPL' }, {}, { logLevel: 1, dump: 'xlated' });
  assert.equal(v.verdict, 'accept', v.log);
  const ours = fixupForJit({ insns, stackDepths: [8], hiddenExceptionCallback: false, throws: false }).input.insns;
  // Helper calls carry the helper's address in the kernel's dump: compare the rest
  const norm = (xs: readonly Insn[]): Insn[] => xs.map((n) => (n.code === 0x85 && n.src === 0 ? { ...n, imm: 0 } : n));
  assert.deepEqual(text(norm(ours)), text(norm(v.xlated!)));
});

test('the hidden default exception callback is appended as `r0 = r1; exit`, a function of its own', () => {
  const insns = [insn(0xb7, 1, 0, 0, 7), insn(0x85, 0, 2, 0, 1234), insn(0xb7, 0, 0, 0, 0), exit()];
  const f = fixupForJit({ insns, stackDepths: [0, 0], hiddenExceptionCallback: true, throws: true });
  assert.deepEqual(text(f.input.insns).slice(-2), ['r0 = r1', 'exit']);
  assert.deepEqual(f.input.funcs.map((x) => [x.start, x.len, x.exceptionCb]), [[0, 4, false], [4, 2, true]]);
  assert.equal(f.input.exceptionBoundary, true);
  assert.deepEqual(Array.from(f.origin), [0, 1, 2, 3, 4, 5]);
});

test('jumps, calls and function pointers keep their targets when code is inserted', () => {
  // 0: if r1 == 0 goto 3; 1: r0 /= r1 (grows to 4); 2: call pc+1 (-> 4); 3: exit; 4: r0 = 1; 5: exit
  const insns = [insn(0x15, 1, 0, 2, 0), insn(0x3f, 0, 1, 0, 0), insn(0x85, 0, 1, 0, 1), exit(), insn(0xb7, 0, 0, 0, 1), exit()];
  const { insns: out, newPc } = patchProgram(insns, new Map([[1, [insn(0x55, 1, 0, 2, 0), insn(0xac, 0, 0, 0, 0), insn(0x05, 0, 0, 1, 0), insns[1]]]]));
  assert.deepEqual(Array.from(newPc), [0, 1, 5, 6, 7, 8, 9]);
  assert.equal(out[0].off, 5);            // to exit, now at 6
  assert.equal(out[5].imm, 1);            // call still lands on `r0 = 1`, now at 7
  // A bpf_tail_call becomes the JIT's BPF_TAIL_CALL; LD_ABS is refused with the instruction named
  const tc = fixupForJit({ insns: [insn(0x85, 0, 0, 0, 12), exit()], stackDepths: [0], hiddenExceptionCallback: false, throws: false });
  assert.equal(tc.input.insns[0].code, OP_TAIL_CALL);
  assert.equal(tc.input.funcs[0].tailCallReachable, true);
  // LD_ABS / LD_IND become the kernel's bpf_gen_ld_abs sequence around a packet-load helper
  const ld = fixupForJit({ insns: [insn(0xbf, 6, 1, 0, 0), insn(0x28, 0, 0, 0, 12), insn(0x50, 0, 7, 0, 2), exit()], stackDepths: [0], hiddenExceptionCallback: false, throws: false });
  assert.deepEqual(text(ld.input.insns), [
    'r6 = r1',
    'r2 = 12', 'r1 = r6', `call unknown#${SKB_LOAD_HELPER[2]}`, 'if r0 s>= 0x0 goto pc+2', 'w0 ^= w0', 'exit',
    'r2 = r7', 'r2 += 2', 'r1 = r6', `call unknown#${SKB_LOAD_HELPER[1]}`, 'if r0 s>= 0x0 goto pc+2', 'w0 ^= w0', 'exit',
    'exit']);
  assert.throws(() => fixupForJit({ insns: [insn(0x18, 1, 1, 0, 3), insn(0), exit()], stackDepths: [0], hiddenExceptionCallback: false, throws: false }),
    (e: unknown) => e instanceof JitError && /insn 0: ld_imm64 with src_reg 1 \(a map\) has no address here/.test((e as Error).message));
});
