// Hand-built cases for the memory half of the verifier model (issue 10): subprogram
// exits, context fields per program type, packet pointers, map values, pointer
// arithmetic, the stack, and the remaining instructions. Each runs on the model
// and, in the same test, on the live kernel (verifier.test.ts).
import { Insn } from '../../src/isa/insn';
import { assemble } from '../../src/isa';
import { PROG_TYPES, progTypeNumber } from '../../src/verifier/types';
import { attachTypeNum } from '../../src/kernel/types';
import { Case, I } from './cases';
import { MEM_ASM_CASES } from './mem_asm_cases';

export function buildMemCases(): Case[] {
  const SK = PROG_TYPES.socket_filter;
  const cases: Case[] = [];
  const add = (name: string, progType: number, insns: Insn[], verdict: 'accept' | 'reject', error?: string, extra: Partial<Case> = {}): void => {
    cases.push({ name, progType, insns, verdict, error, ...extra });
  };
  // ---- subprogram exits (prepare_func_exit does not read R0) ----
  add('static subprog exits without writing R0, caller sets it', SK, [I.call(2), I.mov(0, 3), I.exit(), I.exit()], 'accept');
  add('static subprog exits without R0, caller returns it', SK, [I.call(1), I.exit(), I.exit()], 'reject', 'R0 !read_ok');
  add('static subprog reads R0 it never got', SK, [I.mov(6, 1), I.call(2), I.movr(0, 6), I.exit(), I.movr(1, 0), I.exit()], 'reject', 'R0 !read_ok');
  add('static subprog returns the caller\'s stack pointer', SK,
    [I.movr(1, 10), I.add(1, -8), I.call(2), I.mov(0, 0), I.exit(), I.movr(0, 1), I.exit()], 'reject', 'cannot return stack pointer to the caller');
  add('static subprog returns ctx to the caller', SK, [I.call(2), I.mov(0, 0), I.exit(), I.movr(0, 1), I.exit()], 'accept');
  for (const c of MEM_ASM_CASES) {
    add(c.name, progTypeNumber(c.type)!, assemble(c.asm, { source: c.name }), c.verdict, c.error ?? undefined, {
      expectedAttachType: c.attach ? attachTypeNum(c.attach) : undefined,
      maps: c.maps ? new Map(c.maps) : undefined,
    });
  }
  return cases;
}
