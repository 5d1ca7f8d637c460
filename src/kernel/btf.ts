// BPF_BTF_LOAD: hand raw BTF bytes (header + types + strings) to the kernel's
// BTF checker (kernel/bpf/btf.c btf_parse()); libbpf's bpf_btf_load().
import { BPF_BTF_LOAD } from './sys';
import { bpfCall } from './call';
import { errnoName } from './sys';
import { ERRNO, ErrnoName } from '../isa/uapi';
import { fromCString } from './call';

export type BtfLoadResult =
  | { ok: true; fd: number; log: string }
  | { ok: false; errno: ErrnoName; errnoNum: number; log: string };

const BTF_ATTR_SIZE = 32; // offsetofend(btf_log_true_size)
const MAX_LOG = 0xffffffff >>> 2; // kernel: log_size <= UINT_MAX >> 2

/** Load BTF. With logLevel 0 a rejected load is retried at level 1 to get the checker's message. */
export function btfLoad(btf: Uint8Array, opts: { logLevel?: number; logSize?: number } = {}): BtfLoadResult {
  const explicit = opts.logLevel !== undefined;
  let level = opts.logLevel ?? 0;
  let logSize = level > 0 ? opts.logSize ?? 64 * 1024 : 0;
  for (;;) {
    const r = bpfCall(BPF_BTF_LOAD, BTF_ATTR_SIZE, [{ bytes: btf }, { size: logSize }],
      (a, addr) => {
        a.setBigUint64(0, addr(0), true);
        a.setBigUint64(8, addr(1), true);
        a.setUint32(16, btf.length, true);
        a.setUint32(20, logSize, true);
        a.setUint32(24, level, true);
      },
      (v) => ({ ret: v.res.ret, errno: v.res.errno, log: logSize ? fromCString(v.region(1)) : '', trueSize: v.attr.getUint32(28, true) }));
    if (r.ret >= 0) return { ok: true, fd: r.ret, log: r.log };
    if (r.errno === ERRNO.ENOSPC && level > 0 && logSize < MAX_LOG) {
      logSize = Math.min(MAX_LOG, Math.max(r.trueSize + 1, logSize * 4));
      continue;
    }
    if (!explicit && level === 0) { level = 1; logSize = opts.logSize ?? 64 * 1024; continue; }
    return { ok: false, errno: errnoName(r.errno), errnoNum: r.errno, log: r.log };
  }
}
