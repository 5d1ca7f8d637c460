// fast-check arbitraries for well-formed instructions of every form
// (one generator per instruction family, fields restricted the way
// validate.ts / the kernel require). Each value is the slots of one
// instruction (two for ld_imm64).
import fc from 'fast-check';
import { Insn } from '../../src/isa';

const reg = fc.integer({ min: 0, max: 10 });
const off = fc.integer({ min: -32768, max: 32767 });
const imm = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const ins = (code: number, dst: number, src: number, o: number, i: number): Insn[] => [{ code, dst, src, off: o, imm: i }];

const aluOps = [0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xc0];
const jmpOps = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0];
const cls = fc.constantFrom(0x04, 0x07);

export const arbAlu = fc.oneof(
  fc.tuple(cls, fc.constantFrom(...aluOps), reg, imm).map(([c, op, d, i]) => ins(c | op, d, 0, 0, i)),
  fc.tuple(cls, fc.constantFrom(...aluOps), reg, reg).map(([c, op, d, s]) => ins(c | op | 8, d, s, 0, 0)),
  fc.tuple(cls, fc.constantFrom(0x30, 0x90), reg, imm).map(([c, op, d, i]) => ins(c | op, d, 0, 1, i)), // sdiv/smod
  fc.tuple(cls, fc.constantFrom(0x30, 0x90), reg, reg).map(([c, op, d, s]) => ins(c | op | 8, d, s, 1, 0)),
  fc.tuple(cls, reg, imm).map(([c, d, i]) => ins(c | 0xb0, d, 0, 0, i)), // mov imm
  fc.tuple(cls, reg, reg).map(([c, d, s]) => ins(c | 0xb8, d, s, 0, 0)), // mov reg
  fc.tuple(reg, reg, fc.constantFrom(8, 16)).map(([d, s, o]) => ins(0xbc, d, s, o, 0)), // movsx w
  fc.tuple(reg, reg, fc.constantFrom(8, 16, 32)).map(([d, s, o]) => ins(0xbf, d, s, o, 0)), // movsx r
  fc.tuple(cls, reg).map(([c, d]) => ins(c | 0x80, d, 0, 0, 0)), // neg
  fc.tuple(fc.constantFrom(0xd4, 0xdc, 0xd7), reg, fc.constantFrom(16, 32, 64)).map(([c, d, i]) => ins(c, d, 0, 0, i)),
  fc.tuple(reg, reg, fc.constantFrom(1, 1 << 16)).map(([d, s, i]) => ins(0xbf, d, s, 1, i)), // addr_space_cast
);

export const arbJmp = fc.oneof(
  fc.tuple(fc.constantFrom(0x05, 0x06), fc.constantFrom(...jmpOps), reg, imm, off).map(([c, op, d, i, o]) => ins(c | op, d, 0, o, i)),
  fc.tuple(fc.constantFrom(0x05, 0x06), fc.constantFrom(...jmpOps), reg, reg, off).map(([c, op, d, s, o]) => ins(c | op | 8, d, s, o, 0)),
  off.map((o) => ins(0x05, 0, 0, o, 0)), // goto
  imm.map((i) => ins(0x06, 0, 0, 0, i)), // gotol
  off.map((o) => ins(0xe5, 0, 0, o, 0)), // may_goto
  fc.integer({ min: 0, max: 211 }).map((i) => ins(0x85, 0, 0, 0, i)), // helper call
  fc.integer({ min: 212, max: 2 ** 31 - 1 }).map((i) => ins(0x85, 0, 0, 0, i)), // unknown helper id
  imm.map((i) => ins(0x85, 0, 1, 0, i)), // bpf-to-bpf call
  fc.tuple(imm, off).map(([i, o]) => ins(0x85, 0, 2, o, i)), // kfunc call
  reg.map((d) => ins(0x8d, d, 0, 0, 0)), // callx
  fc.constant(ins(0x95, 0, 0, 0, 0)), // exit
);

const size = fc.constantFrom(0x00, 0x08, 0x10, 0x18);
export const arbMem = fc.oneof(
  fc.tuple(size, reg, reg, off).map(([sz, d, s, o]) => ins(0x61 | sz, d, s, o, 0)), // ldx
  fc.tuple(fc.constantFrom(0x00, 0x08, 0x10), reg, reg, off).map(([sz, d, s, o]) => ins(0x81 | sz, d, s, o, 0)), // ldxs
  fc.tuple(size, reg, off, imm).map(([sz, d, o, i]) => ins(0x62 | sz, d, 0, o, i)), // st
  fc.tuple(size, reg, reg, off).map(([sz, d, s, o]) => ins(0x63 | sz, d, s, o, 0)), // stx
  fc.tuple(fc.constantFrom(0x00, 0x18), reg, reg, off, fc.constantFrom(0x00, 0x40, 0x50, 0xa0, 0x01, 0x41, 0x51, 0xa1, 0xe1, 0xf1))
    .map(([sz, d, s, o, i]) => ins(0xc3 | sz, d, s, o, i)),
  fc.tuple(size, reg, reg, off, fc.constantFrom(0x100, 0x110)).map(([sz, d, s, o, i]) => ins(0xc3 | sz, d, s, o, i)),
  fc.tuple(fc.constantFrom(0x00, 0x08, 0x10), imm).map(([sz, i]) => ins(0x20 | sz, 0, 0, 0, i)), // ld_abs
  fc.tuple(fc.constantFrom(0x00, 0x08, 0x10), reg, imm).map(([sz, s, i]) => ins(0x40 | sz, 0, s, 0, i)), // ld_ind
);

export const arbLdImm64 = fc.tuple(reg, fc.integer({ min: 0, max: 6 }), imm, imm).map(([d, src, lo, hi]): Insn[] => [
  { code: 0x18, dst: d, src, off: 0, imm: lo }, { code: 0, dst: 0, src: 0, off: 0, imm: hi },
]);

/** Any well-formed instruction (its slots). */
export const arbInsn: fc.Arbitrary<Insn[]> = fc.oneof(arbAlu, arbJmp, arbMem, arbLdImm64);

/** A program: a list of well-formed instructions, flattened into slots. */
export const arbProgram: fc.Arbitrary<Insn[]> = fc.array(arbInsn, { minLength: 1, maxLength: 30 }).map((xs) => xs.flat());
