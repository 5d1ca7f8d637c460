// attr->log_size, kernel against model: a rotating log keeps its last log_size - 1
// bytes, and a log that ever needed more fails the load with ENOSPC (bpf_vlog_finalize),
// even when the verifier accepted the program. The kernel is loaded with the exact
// size (no growing buffer), the model is given the same; verdict, errno and log must match.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k from '../../src/kernel';
import { hostFacts } from '../../src/kernel/host';
import { assemble } from '../../src/isa/asm-kernel';
import { verify, PROG_TYPES, BPF_LOG_SIZE_MAX } from '../../src/verifier';

const avail = k.kernelAvailable();
const skip = avail.ok ? false : `kernel unavailable: ${avail.reason}`;

const loop = (rounds: number): string => `r1 = 0\nloop:\nr1 += 1\nif r1 < ${rounds} goto loop\nr0 = 0\nexit\n`;
const rejected = 'r1 = 0\nloop:\nr1 += 1\nif r1 < 300 goto loop\nexit\n';

const cases: { name: string; asm: string; level: number; size: number; errno: string | null }[] = [
  { name: 'accepted, level 1 trace longer than the buffer: ENOSPC', asm: loop(200), level: 1, size: 4096, errno: 'ENOSPC' },
  { name: 'accepted, level 2 rotated to its last 1000 bytes: ENOSPC', asm: loop(50), level: 2, size: 1000, errno: 'ENOSPC' },
  { name: 'rejected, level 2 rotated: ENOSPC replaces EACCES', asm: rejected, level: 2, size: 2048, errno: 'ENOSPC' },
  { name: 'rejected, level 1 fits: EACCES and the whole log', asm: 'r0 = r1\nr0 += r2\nexit\n', level: 1, size: 1024, errno: 'EACCES' },
  { name: 'accepted, level 2 fits exactly enough', asm: loop(3), level: 2, size: 1 << 16, errno: null },
];

for (const c of cases) {
  test(`log_size: ${c.name}`, { skip }, () => {
    const host = hostFacts();
    const insns = assemble(c.asm);
    const kr = k.progLoad({ progType: 'socket_filter', insns, logLevel: c.level, logSize: c.size, growLog: false });
    if (kr.ok) k.closeFd(kr.fd);
    const kernel = { errno: kr.ok ? null : kr.errno, log: kr.log };
    const m = verify({ insns, progType: PROG_TYPES.socket_filter, logLevel: c.level, logSize: c.size, profile: host.profile });
    assert.equal(kernel.errno, c.errno, kernel.log.slice(-300));
    assert.equal(m.errno, c.errno);
    assert.equal(m.verdict, c.errno ? 'reject' : 'accept');
    assert.equal(m.log, kernel.log);
    assert.ok(m.log.length <= c.size - 1, `${m.log.length} bytes held`);
    if (c.errno === 'ENOSPC') assert.ok(m.logTrueSize > c.size, `log_true_size ${m.logTrueSize}`);
  });
}

test('log_size: the model checks the attributes as bpf_vlog_init does (EINVAL, empty log)', () => {
  const insns = assemble('r0 = 0\nexit\n');
  const big = verify({ insns, progType: PROG_TYPES.socket_filter, logLevel: 1, logSize: BPF_LOG_SIZE_MAX + 1 });
  assert.deepEqual([big.verdict, big.errno, big.log], ['reject', 'EINVAL', '']);
  const noLevel = verify({ insns, progType: PROG_TYPES.socket_filter, logLevel: 0, logSize: 4096 });
  assert.deepEqual([noLevel.verdict, noLevel.errno], ['reject', 'EINVAL']);
  const ok = verify({ insns, progType: PROG_TYPES.socket_filter, logLevel: 1, logSize: BPF_LOG_SIZE_MAX });
  assert.deepEqual([ok.verdict, ok.logTrueSize], ['accept', ok.log.length + 1]);
});
