// Robustness: random instruction streams (any opcode byte, register, offset
// and immediate) either fail createVm/run with a BpfRuntimeError or run to a
// result within the budget; never another exception, never a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { insn } from '../../src/isa/insn';
import { BpfRuntimeError, HelperFn, createVm, run } from '../../src/runtime';

const slot = fc.record({
  code: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x18, 0x85, 0x8d, 0x95, 0xc3, 0xdb, 0x61, 0x79, 0x7b, 0x05, 0x06, 0xe5)),
  dst: fc.integer({ min: 0, max: 15 }),
  src: fc.oneof(fc.integer({ min: 0, max: 15 }), fc.constantFrom(0, 1, 2, 4)),
  off: fc.oneof(fc.integer({ min: -32768, max: 32767 }), fc.integer({ min: -16, max: 16 })),
  imm: fc.oneof(fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: -8, max: 300 })),
}).map((f) => insn(f.code, f.dst, f.src, f.off, f.imm));

test('random programs end with a result or a BpfRuntimeError', () => {
  const helpers = new Map<number, HelperFn>([[1, (c, a) => c.mem.readU64(a)], [2, (c, a) => c.exit(a)], [3, (c, a) => c.throwException(a)]]);
  let ran = 0, faulted = 0;
  fc.assert(fc.property(fc.array(slot, { minLength: 1, maxLength: 24 }), (insns) => {
    try {
      const vm = createVm(insns, { helpers, kfuncs: helpers, budget: 2000, maxFrames: 4 });
      const r = run(vm, {
        args: [0x1_0000_0000n, 64n],
        regions: [{ name: 'mem', base: 0x1_0000_0000n, bytes: new Uint8Array(64) }, { name: 'pkt', base: 0x2_0000_0000n, bytes: new Uint8Array(32) }],
        packetRegion: 'pkt',
      });
      assert.equal(typeof r.retval, 'bigint');
      assert.ok(r.retval >= 0n && r.retval < 1n << 64n);
      assert.ok(r.insnsExecuted >= 1 && r.insnsExecuted <= 2000);
      ran++;
    } catch (e) {
      if (!(e instanceof BpfRuntimeError)) throw e;
      assert.ok(e.message.length > 0);
      faulted++;
    }
  }), { numRuns: 3000 });
  assert.ok(ran + faulted === 3000);
});
