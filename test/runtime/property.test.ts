// Property tests: every ALU64/ALU32 operation, register and immediate forms,
// against the BigInt reference model in reference.ts (fast-check).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { alu, lddw, exit } from './util';
import { ALU_NAMES, refAlu } from './reference';
import { createVm, run } from '../../src/runtime';

const M64 = (1n << 64n) - 1n;
const edge = fc.constantFrom(0n, 1n, 2n, 31n, 32n, 63n, 64n, M64, M64 - 1n, 1n << 63n, (1n << 63n) - 1n, 0xffffffffn,
  0x80000000n, 0x7fffffffn, 0x100000000n, 0xffffffff80000000n, 1n << 53n, (1n << 53n) + 1n);
const u64 = fc.oneof(edge, fc.bigInt({ min: 0n, max: M64 }), fc.bigInt({ min: 0n, max: 0xffffffffn }),
  fc.bigInt({ min: -(1n << 53n), max: 1n << 53n }).map((v) => BigInt.asUintN(64, v)));
const imm = fc.oneof(fc.constantFrom(0, 1, -1, 31, 32, 63, -2147483648, 2147483647), fc.integer({ min: -2147483648, max: 2147483647 }));

for (const is64 of [true, false]) {
  for (const op of ALU_NAMES) {
    test(`${op}${is64 ? '64' : '32'} register form matches the BigInt model`, () => {
      fc.assert(fc.property(u64, u64, (a, b) => {
        const got = run(createVm([...lddw(0, a), ...lddw(1, b), alu(op, is64, 0, 1), exit()])).retval;
        assert.equal(got, refAlu(op, is64, a, b), `0x${a.toString(16)} ${op} 0x${b.toString(16)}`);
      }), { numRuns: 150 });
    });
    test(`${op}${is64 ? '64' : '32'} immediate form matches the BigInt model`, () => {
      fc.assert(fc.property(u64, imm, (a, k) => {
        const got = run(createVm([...lddw(0, a), alu(op, is64, 0, { imm: k }), exit()])).retval;
        assert.equal(got, refAlu(op, is64, a, BigInt.asUintN(64, BigInt(k))), `0x${a.toString(16)} ${op} imm ${k}`);
      }), { numRuns: 150 });
    });
  }
}
