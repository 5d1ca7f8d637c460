// The x86-64 encoder against iced-x86 as the reference disassembler: every
// form, every register (REX.R/X/B, rsp/r12 SIB bases, rbp/r13 displacement
// rules), 8/32-bit displacements and immediates at their boundaries; each
// encoding must decode as exactly one instruction with the expected text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as X from '../../src/jit/x86/encode';
import { one } from './iced';

const R64 = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];
const R32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'];
const R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'];
const R8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'];
const REGS = [...Array(16).keys()];
const name = (r: number, size: number): string => (size === 8 ? R64 : size === 4 ? R32 : size === 2 ? R16 : R8)[r];
/** iced prints 0-9 in decimal, larger numbers in hex. */
const hex = (v: number): string => (v < 0 ? '-' + hex(-v) : v < 10 ? String(v) : '0x' + v.toString(16));
/** iced's text of [base+disp]. */
const memText = (base: number, disp: number): string => `[${R64[base]}${disp === 0 ? '' : disp < 0 ? '-' + hex(-disp) : '+' + hex(disp)}]`;
const immText = (v: number): string => (v < 0 ? '0x' + (BigInt.asUintN(64, BigInt(v))).toString(16) : hex(v));
const imulText = (d: string, s: string, imm: string): string => (d === s ? `imul ${d},${imm}` : `imul ${d},${s},${imm}`);
const imm32Text = (v: number, size: 4 | 8): string => (size === 4 ? hex(v >>> 0) : immText(v));

function enc(f: (b: X.Buf) => void): Uint8Array {
  const b = X.newBuf(4);
  f(b);
  return X.bufBytes(b);
}

function check(f: (b: X.Buf) => void, want: string): void {
  const code = enc(f);
  assert.equal(one(code), want, Buffer.from(code).toString('hex'));
}

const DISPS = [0, 1, -8, 127, -128, 128, -129, 0x7fffffff, -0x80000000];

test('mov, ALU and compare between every pair of registers, 32 and 64 bits', () => {
  for (const size of [4, 8] as const) {
    for (const d of REGS) {
      for (const s of REGS) {
        check((b) => X.movRR(b, d, s, size), `mov ${name(d, size)},${name(s, size)}`);
        for (const op of ['add', 'or', 'and', 'sub', 'xor', 'cmp', 'test'] as const) {
          check((b) => X.aluRR(b, op, d, s, size), `${op} ${name(d, size)},${name(s, size)}`);
        }
        check((b) => X.imulRR(b, d, s, size), `imul ${name(d, size)},${name(s, size)}`);
        check((b) => X.imulRRI(b, d, s, 3, size), imulText(name(d, size), name(s, size), '3'));
        check((b) => X.imulRRI(b, d, s, 1000, size), imulText(name(d, size), name(s, size), '0x3e8'));
        check((b) => X.movsxRR(b, d, s, 16, size === 8), `movsx ${name(d, size)},${name(s, 2)}`);
        check((b) => X.movsxRR(b, d, s, 8, size === 8), `movsx ${name(d, size)},${name(s, 1)}`);
      }
    }
  }
  for (const d of REGS) for (const s of REGS) {
    check((b) => X.movsxRR(b, d, s, 32, true), `movsxd ${name(d, 8)},${name(s, 4)}`);
    check((b) => X.movzx16RR(b, d, s), `movzx ${name(d, 4)},${name(s, 2)}`);
  }
});

test('immediate forms: imm8 / imm32 boundaries, the rax short form, mov imm32 / imm64', () => {
  for (const size of [4, 8] as const) {
    for (const d of REGS) {
      for (const imm of [0, 1, -1, 127, -128, 128, -129, 0x7fffffff, -0x80000000]) {
        for (const op of ['add', 'or', 'and', 'sub', 'xor', 'cmp'] as const) {
          const text = `${op} ${name(d, size)},${X.isImm8(imm) ? (size === 4 ? hex(imm >>> 0) : immText(imm)) : imm32Text(imm, size)}`;
          check((b) => X.aluRI(b, op, d, imm, size), text);
          check((b) => X.aluRI(b, op, d, imm, size, true), text);
        }
        check((b) => X.testRI(b, d, imm, size), `test ${name(d, size)},${imm32Text(imm, size)}`);
      }
      // 83 /0 ib is 3 bytes (4 with REX); the short rax form is only used for imm32
      assert.equal(enc((b) => X.aluRI(b, 'add', X.RAX, 1000, size, true)).length, size === 8 ? 6 : 5);
    }
  }
  for (const d of REGS) {
    check((b) => X.movRI32(b, d, 0x12345678), `mov ${name(d, 4)},0x12345678`);
    check((b) => X.movRI32(b, d, -1), `mov ${name(d, 4)},0xffffffff`);
    check((b) => X.movRI64sx(b, d, -2), `mov ${name(d, 8)},0xfffffffffffffffe`);
    check((b) => X.movabs(b, d, 0x1122334455667788n), `mov ${name(d, 8)},0x1122334455667788`);
    check((b) => X.movabs(b, d, -1n), `mov ${name(d, 8)},0xffffffffffffffff`);
  }
});

test('one-operand forms: neg, mul, div, idiv, not; cdq, cqo; bswap', () => {
  for (const size of [4, 8] as const) for (const r of REGS) {
    for (const op of ['not', 'neg', 'mul', 'div', 'idiv'] as const) check((b) => X.unary(b, op, r, size), `${op} ${name(r, size)}`);
    check((b) => X.bswap(b, r, size), `bswap ${name(r, size)}`);
  }
  check((b) => X.cdqCqo(b, 4), 'cdq');
  check((b) => X.cdqCqo(b, 8), 'cqo');
});

test('shifts: by 1, by imm8, by cl, 16-bit rotates, BMI2 shlx/shrx/sarx', () => {
  for (const r of REGS) {
    for (const size of [4, 8] as const) {
      for (const op of ['shl', 'shr', 'sar', 'rol', 'ror'] as const) {
        check((b) => X.shiftRI(b, op, r, 1, size), `${op} ${name(r, size)},1`);
        check((b) => X.shiftRI(b, op, r, 31, size), `${op} ${name(r, size)},0x1f`);
        if (op !== 'rol' && op !== 'ror') check((b) => X.shiftRCL(b, op, r, size), `${op} ${name(r, size)},cl`);
      }
      for (const s of REGS) for (const c of [X.RAX, X.RCX, X.R9, X.R15]) {
        for (const op of ['shl', 'shr', 'sar'] as const) check((b) => X.shiftx(b, op, r, s, c, size), `${op}x ${name(r, size)},${name(s, size)},${name(c, size)}`);
      }
    }
    check((b) => X.shiftRI(b, 'ror', r, 8, 2), `ror ${name(r, 2)},8`);
  }
  // shl by 1 can also be spelled with an immediate byte
  assert.deepEqual([...enc((b) => X.shiftRI(b, 'shl', X.RAX, 1, 8, true))], [0x48, 0xc1, 0xe0, 0x01]);
});

test('memory operands: every base, displacement boundaries, forced disp8/disp32, SIB with index', () => {
  for (const base of REGS) {
    for (const disp of DISPS) {
      for (const dst of [X.RAX, X.RDI, X.R8, X.R15]) {
        const m = X.mem(base, disp);
        check((b) => X.load(b, dst, m, 8), `mov ${name(dst, 8)},${memText(base, disp)}`);
        check((b) => X.load(b, dst, m, 4), `mov ${name(dst, 4)},${memText(base, disp)}`);
        check((b) => X.load(b, dst, m, 2, { w: true }), `movzx ${name(dst, 8)},word ptr ${memText(base, disp)}`);
        check((b) => X.load(b, dst, m, 1, { w: true }), `movzx ${name(dst, 8)},byte ptr ${memText(base, disp)}`);
        check((b) => X.load(b, dst, m, 1, { signed: true, w: true }), `movsx ${name(dst, 8)},byte ptr ${memText(base, disp)}`);
        check((b) => X.load(b, dst, m, 2, { signed: true, w: true }), `movsx ${name(dst, 8)},word ptr ${memText(base, disp)}`);
        check((b) => X.load(b, dst, m, 4, { signed: true }), `movsxd ${name(dst, 8)},${memText(base, disp)}`);
        check((b) => X.lea(b, dst, m), `lea ${name(dst, 8)},${memText(base, disp)}`);
      }
      for (const src of REGS) {
        for (const size of [1, 2, 4, 8] as const) check((b) => X.store(b, X.mem(base, disp), src, size), `mov ${memText(base, disp)},${name(src, size)}`);
      }
      check((b) => X.storeImm(b, X.mem(base, disp), -3, 1), `mov byte ptr ${memText(base, disp)},0xfd`);
      check((b) => X.storeImm(b, X.mem(base, disp), 0x1234, 2), `mov word ptr ${memText(base, disp)},0x1234`);
      check((b) => X.storeImm(b, X.mem(base, disp), 0x12345678, 4), `mov dword ptr ${memText(base, disp)},0x12345678`);
      check((b) => X.storeImm(b, X.mem(base, disp), -1, 8), `mov qword ptr ${memText(base, disp)},0xffffffffffffffff`);
      check((b) => X.aluMI(b, 'cmp', X.mem(base, disp), 33, 8), `cmp qword ptr ${memText(base, disp)},0x21`);
      check((b) => X.aluMI(b, 'add', X.mem(base, disp), 1, 8), `add qword ptr ${memText(base, disp)},1`);
    }
  }
  // A zero displacement is omitted unless asked for; rbp/r13 always need one
  assert.equal(enc((b) => X.load(b, X.RAX, X.mem(X.RDI, 0), 8)).length, 3);
  assert.equal(enc((b) => X.load(b, X.RAX, X.mem(X.RDI, 0, 8), 8)).length, 4);
  assert.equal(enc((b) => X.load(b, X.RAX, X.mem(X.RBP, 0), 8)).length, 4);
  assert.equal(enc((b) => X.load(b, X.RAX, X.mem(X.R13, 0), 8)).length, 4);
  assert.equal(enc((b) => X.load(b, X.RAX, X.mem(X.RSP, 0), 8)).length, 4);
  check((b) => X.load(b, X.RAX, X.mem(X.RBP, -8, 32), 8), 'mov rax,[rbp-8]');
  assert.equal(enc((b) => X.load(b, X.RAX, X.mem(X.RBP, -8, 32), 8)).length, 7);
  for (const base of REGS) for (const index of REGS.filter((r) => r !== X.RSP)) {
    for (const scale of [1, 8] as const) {
      const m: X.Mem = { base, index, scale, disp: 0x110 };
      check((b) => X.load(b, X.RCX, m, 8), `mov rcx,[${R64[base]}+${R64[index]}${scale === 1 ? '' : '*' + scale}+0x110]`);
      const m8: X.Mem = { base, index, disp: -4, dispSize: 8 };
      check((b) => X.store(b, m8, X.R9, 4), `mov [${R64[base]}+${R64[index]}-4],r9d`);
    }
  }
});

test('atomics: lock add/or/and/xor, xadd, xchg, cmpxchg', () => {
  for (const size of [4, 8] as const) for (const base of [X.RDI, X.RBP, X.R8, X.R13]) for (const src of REGS) {
    const m = X.mem(base, -8, 8);
    for (const op of ['add', 'or', 'and', 'xor'] as const) check((b) => { X.lock(b); X.aluMR(b, op, m, src, size); }, `lock ${op} ${memText(base, -8)},${name(src, size)}`);
    check((b) => { X.lock(b); X.xaddMR(b, m, src, size); }, `lock xadd ${memText(base, -8)},${name(src, size)}`);
    check((b) => { X.lock(b); X.aluMR(b, 'xchg', m, src, size); }, `lock xchg ${memText(base, -8)},${name(src, size)}`);
    check((b) => { X.lock(b); X.cmpxchgMR(b, m, src, size); }, `lock cmpxchg ${memText(base, -8)},${name(src, size)}`);
  }
});

test('control flow: calls and jumps with their displacements, indirect forms, push/pop, nops', () => {
  check((b) => X.callRel32(b, 0x100), 'call 0x105');
  check((b) => X.jmpRel32(b, -5), 'jmp 0');
  check((b) => X.jmpRel8(b, 0x10), 'jmp short 0x12');
  for (const [cc, text] of [['e', 'je'], ['ne', 'jne'], ['a', 'ja'], ['ae', 'jae'], ['b', 'jb'], ['be', 'jbe'], ['g', 'jg'], ['ge', 'jge'], ['l', 'jl'], ['le', 'jle']] as const) {
    check((b) => X.jccRel8(b, cc, 5), `${text} short 7`);
    check((b) => X.jccRel32(b, cc, 0x100), `${text} 0x106`);
  }
  for (const r of REGS) {
    check((b) => X.push(b, r), `push ${R64[r]}`);
    check((b) => X.pop(b, r), `pop ${R64[r]}`);
    check((b) => X.jmpReg(b, r), `jmp ${R64[r]}`);
    check((b) => X.callReg(b, r), `call ${R64[r]}`);
  }
  check(X.leave, 'leave');
  check(X.ret, 'ret');
  check(X.int3, 'int3');
  check(X.ud2, 'ud2');
  check(X.lfence, 'lfence');
  for (let n = 1; n <= 8; n++) {
    const code = enc((b) => X.nops(b, n));
    assert.equal(code.length, n);
    assert.match(one(code), /^(nop|xchg ax,ax)/); // 66 90 is the 2-byte nop
  }
  assert.equal(enc((b) => X.nops(b, 13)).length, 13);
});
