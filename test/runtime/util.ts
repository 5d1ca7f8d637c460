// Instruction builders and a one-call runner for the interpreter tests.
import { Insn, insn, ldImm64 } from '../../src/isa/insn';
import { createVm, run, RunOptions, VmOptions, RunResult } from '../../src/runtime';

export const ALU = 0x04, ALU64 = 0x07, JMP = 0x05, JMP32 = 0x06, K = 0x00, X = 0x08;
export const OPS: Record<string, number> = {
  add: 0x00, sub: 0x10, mul: 0x20, div: 0x30, or: 0x40, and: 0x50, lsh: 0x60, rsh: 0x70, neg: 0x80,
  mod: 0x90, xor: 0xa0, mov: 0xb0, arsh: 0xc0,
};
export const JOPS: Record<string, number> = {
  jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40, jne: 0x50, jsgt: 0x60, jsge: 0x70, jlt: 0xa0, jle: 0xb0, jslt: 0xc0, jsle: 0xd0,
};

/** ALU op by name; `s`/`smod`/`sdiv` set off = 1. */
export function alu(name: string, is64: boolean, dst: number, src: number | { imm: number }, off = 0): Insn {
  const signed = name === 'sdiv' || name === 'smod';
  const base = signed ? (name === 'sdiv' ? 'div' : 'mod') : name;
  const op = OPS[base];
  if (op === undefined) throw new Error(`no op ${name}`);
  const cls = is64 ? ALU64 : ALU;
  if (typeof src === 'number') return insn(cls | op | X, dst, src, signed ? 1 : off, 0);
  return insn(cls | op | K, dst, 0, signed ? 1 : off, src.imm);
}
export const mov64 = (dst: number, imm: number): Insn => insn(ALU64 | OPS.mov | K, dst, 0, 0, imm);
export const movr = (dst: number, src: number): Insn => insn(ALU64 | OPS.mov | X, dst, src, 0, 0);
export const lddw = (dst: number, v: bigint): Insn[] => ldImm64(dst, v);
export const exit = (): Insn => insn(0x95);
export const ja = (off: number): Insn => insn(JMP, 0, 0, off, 0);
export const jmp = (name: string, is64: boolean, dst: number, src: number | { imm: number }, off: number): Insn =>
  typeof src === 'number' ? insn((is64 ? JMP : JMP32) | JOPS[name] | X, dst, src, off, 0)
    : insn((is64 ? JMP : JMP32) | JOPS[name] | K, dst, 0, off, src.imm);
export const call = (id: number): Insn => insn(0x85, 0, 0, 0, id);
export const callLocal = (rel: number): Insn => insn(0x85, 0, 1, 0, rel);
export const kfuncCall = (btfId: number): Insn => insn(0x85, 0, 2, 0, btfId);
export const callx = (reg: number): Insn => insn(0x8d, reg, 0, 0, 0);
/** Sizes: w=0x00 h=0x08 b=0x10 dw=0x18. */
export const SZ: Record<string, number> = { w: 0x00, h: 0x08, b: 0x10, dw: 0x18 };
export const ldx = (size: string, dst: number, src: number, off: number): Insn => insn(0x61 | SZ[size], dst, src, off, 0);
export const ldxs = (size: string, dst: number, src: number, off: number): Insn => insn(0x81 | SZ[size], dst, src, off, 0);
export const st = (size: string, dst: number, off: number, imm: number): Insn => insn(0x62 | SZ[size], dst, 0, off, imm);
export const stx = (size: string, dst: number, src: number, off: number): Insn => insn(0x63 | SZ[size], dst, src, off, 0);
export const atomic = (size: 'w' | 'dw' | 'b' | 'h', dst: number, src: number, off: number, op: number): Insn => insn(0xc3 | SZ[size], dst, src, off, op);

/** Run and return r0. */
export function r0(insns: Insn[], vmOpts: VmOptions = {}, runOpts: RunOptions = {}): bigint {
  return run(createVm(insns, vmOpts), runOpts).retval;
}
export function runProg(insns: Insn[], vmOpts: VmOptions = {}, runOpts: RunOptions = {}): RunResult {
  return run(createVm(insns, vmOpts), runOpts);
}

export const M64 = (1n << 64n) - 1n;
export const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
