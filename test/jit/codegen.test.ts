// Code generation without the kernel: the frame layout of the exception
// series (seed 004: the exception boundary saves r12 and every callee-saved
// register, the callback's prologue restores them), the register mapping,
// jump sizing at the rel8 limit, and typed errors for what cannot be jitted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn, Insn } from '../../src/isa/insn';
import { jitProgram, JitError, JitInput, KERNEL_IMAGE_BASE, link, OP_TAIL_CALL } from '../../src/jit';
import { disasm } from './iced';

const OPTS = { bmi2: true, retpoline: false, returnThunk: false, imageBase: KERNEL_IMAGE_BASE };
const mov = (dst: number, imm: number): Insn => insn(0xb7, dst, 0, 0, imm);
const movr = (dst: number, src: number): Insn => insn(0xbf, dst, src, 0, 0);
const exit = (): Insn => insn(0x95);
const call = (src: number, imm: number): Insn => insn(0x85, 0, src, 0, imm);
const THROW_ID = 1000; // a kfunc id standing for bpf_throw

function text(input: JitInput, k = 0): string[] {
  const img = jitProgram(input, OPTS);
  const f = img.funcs[k];
  return disasm(img.code.subarray(f.offset, f.offset + f.size)).map((d) => d.text);
}

const one = (insns: Insn[], stackDepth = 0): JitInput => ({ insns, funcs: [{ start: 0, len: insns.length, stackDepth, tailCallReachable: false, exceptionCb: false }], exceptionBoundary: false });

test('a plain program: nop5, nop3, frame, no callee-saved pushes when r6-r9 are unused', () => {
  assert.deepEqual(text(one([mov(0, 7), exit()])), ['nop [rax+rax]', 'nop [rax]', 'push rbp', 'mov rbp,rsp', 'mov eax,7', 'leave', 'ret']);
  // r6 and r8 used: rbx and r14 saved, stack rounded up to 8 with a 4-byte immediate
  assert.deepEqual(text(one([mov(6, 1), mov(8, 2), movr(0, 6), exit()], 12)), [
    'nop [rax+rax]', 'nop [rax]', 'push rbp', 'mov rbp,rsp', 'sub rsp,0x10', 'push rbx', 'push r14',
    'mov ebx,1', 'mov r14d,2', 'mov rax,rbx', 'pop r14', 'pop rbx', 'leave', 'ret']);
});

test('returns through the return thunk where the kernel does (X86_FEATURE_RETHUNK): leave; jmp rel32, one exit per function', () => {
  // two exits: the second jumps to the first's epilogue, which alone returns (emit_return)
  const input = one([mov(0, 1), insn(0x15, 1, 0, 1, 0), exit(), mov(0, 2), exit()]);
  const img = jitProgram(input, { ...OPTS, returnThunk: true });
  assert.equal(disasm(img.code).filter((d) => d.text === 'ret').length, 0);
  assert.deepEqual(img.relocs.map((r) => [r.kind, r.target.kind]), [['rel32', 'returnThunk']]);
  const at = img.relocs[0].at;
  assert.deepEqual([...img.code.subarray(at - 2, at)], [0xc9, 0xe9]); // leave; jmp rel32
  // without it: `leave; ret` once, four bytes shorter, and no relocation
  const plain = jitProgram(input, OPTS);
  const t = disasm(plain.code).map((d) => d.text);
  assert.equal(plain.code.length, img.code.length - 4);
  assert.deepEqual(t.slice(t.indexOf('ret') - 1, t.indexOf('ret') + 1), ['leave', 'ret']);
  assert.equal(t.filter((x) => x === 'ret').length, 1);
  assert.equal(plain.relocs.length, 0);
});

test('the exception boundary: the main program of a throwing program saves r12 and all callee-saved registers', () => {
  const insns = [mov(1, 7), call(2, THROW_ID), mov(0, 0), exit(), movr(0, 1), exit()];
  const input: JitInput = {
    insns,
    funcs: [
      { start: 0, len: 4, stackDepth: 0, tailCallReachable: false, exceptionCb: false },
      { start: 4, len: 2, stackDepth: 0, tailCallReachable: false, exceptionCb: true },
    ],
    exceptionBoundary: true,
  };
  const main = text(input, 0);
  assert.deepEqual(main.slice(2, 9), ['push rbp', 'mov rbp,rsp', 'push r12', 'push rbx', 'push r13', 'push r14', 'push r15']);
  assert.deepEqual(main.slice(-7), ['pop r15', 'pop r14', 'pop r13', 'pop rbx', 'pop r12', 'leave', 'ret']);
  // The callback takes sp and bp from bpf_throw, restores what main saved, and reuses main's frame
  assert.deepEqual(text(input, 1), [
    'nop [rax+rax]', 'nop [rax]', 'mov rsp,rsi', 'mov rbp,rdx', 'pop r15', 'pop r14', 'pop r13', 'pop rbx', 'pop r12', 'mov rsp,rbp',
    'mov rax,rdi', 'leave', 'ret']);
  const img = jitProgram(input, OPTS);
  assert.deepEqual(img.relocs.map((r) => r.target), [{ kind: 'kfunc', id: THROW_ID, off: 0 }]);
});

test('conditional jumps: rel8 up to +123 bytes, rel32 beyond (the kernel\'s convergence limit)', () => {
  // if r1 == 0 goto +18 over 17 x `add rdx, imm32` (7 bytes) and one 4-byte (add rax, 1) or 5-byte (mov edx, 5) instruction
  for (const [last, form] of [[insn(0x07, 0, 0, 0, 1), 'short'], [mov(2, 5), 'near']] as const) {
    const body = [...Array.from({ length: 17 }, () => insn(0x07, 2, 0, 0, 100000)), last];
    const t = text(one([mov(0, 0), mov(2, 0), insn(0x15, 1, 0, 18, 0), ...body, exit()]));
    const j = t.find((s) => s.startsWith('je'))!;
    assert.equal(j.includes('short'), form === 'short', `${form}: ${j}`);
  }
});

test('links relocations: bpf-to-bpf calls inside the image, helpers at given addresses', () => {
  const insns = [call(1, 1), exit(), mov(0, 3), call(0, 5), exit()];
  const input: JitInput = {
    insns,
    funcs: [
      { start: 0, len: 2, stackDepth: 0, tailCallReachable: false, exceptionCb: false },
      { start: 2, len: 3, stackDepth: 0, tailCallReachable: false, exceptionCb: false },
    ],
    exceptionBoundary: false,
  };
  const img = jitProgram(input, OPTS);
  const base = 0xffffffffc0100000n;
  const code = link(img, base, (t) => (t.kind === 'helper' && t.id === 5 ? base + 0x1000n : undefined));
  const calls = disasm(code, Number(base & 0xffffffffn)).filter((d) => d.text.startsWith('call')).map((d) => d.text);
  assert.deepEqual(calls, [`call 0x${(Number(base & 0xffffffffn) + img.funcs[1].offset).toString(16)}`, `call 0x${(Number(base & 0xffffffffn) + 0x1000).toString(16)}`]);
  assert.throws(() => link(img, base, () => undefined), (e: unknown) => e instanceof JitError && /no address for helper 5/.test((e as Error).message));
});

test('tail calls: the counter prologue, and the indirect form jumps past the target\'s prologue', () => {
  const insns = [insn(OP_TAIL_CALL, 0, 0, 0, 0), mov(0, 0), exit()];
  const t = text({ insns, funcs: [{ start: 0, len: 3, stackDepth: 8, tailCallReachable: true, exceptionCb: false }], exceptionBoundary: false });
  assert.deepEqual(t.slice(0, 12), ['nop [rax+rax]', 'xor rax,rax', 'push rbp', 'mov rbp,rsp', 'sub rsp,8', 'cmp rax,0x21', 'ja short 0x1f', 'push rax', 'mov rax,rsp', 'jmp short 0x20', 'push rax', 'push rax']);
  assert.ok(t.includes('add rcx,0xc') && t.includes('jmp rcx'), t.join('; '));
});

test('what cannot be jitted is a JitError naming the instruction', () => {
  const bad = (insns: Insn[], re: RegExp): void => {
    assert.throws(() => jitProgram(one(insns), OPTS), (e: unknown) => e instanceof JitError && re.test((e as Error).message));
  };
  bad([insn(0x20, 0, 0, 0, 0), exit()], /insn 0: unknown opcode 0x20/); // LD_ABS is rewritten by the verifier
  bad([insn(0xbf, 0, 1, 1, 0), exit()], /insn 0: mov with off 1/);     // address-space cast (arenas)
  bad([insn(0x15, 1, 0, 5, 0), exit()], /insn 0: jump to insn 6, outside the function/);
  bad([mov(12, 1), exit()], /insn 0: register r12 does not exist/);
  assert.throws(() => jitProgram({ insns: [exit()], funcs: [], exceptionBoundary: false }, OPTS), JitError);
});
