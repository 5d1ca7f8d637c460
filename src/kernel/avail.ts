// Can this process call bpf()? Loads the smallest program there is
// (socket filter `r0 = 0; exit`), as libbpf's probe_fd()/probe_kern_prog_name() do.
import { libcAvailable, sysClose } from './sys';
import { progLoad } from './prog';

let cached: { ok: boolean; reason?: string } | null = null;

/** ok, or the reason kernel tests must skip. BPFX_NO_KERNEL=1 forces a skip. */
export function kernelAvailable(): { ok: boolean; reason?: string } {
  if (cached) return cached;
  if (process.env.BPFX_NO_KERNEL) return (cached = { ok: false, reason: 'BPFX_NO_KERNEL is set' });
  const lib = libcAvailable();
  if (!lib.ok) return (cached = lib);
  let r;
  try {
    r = progLoad({
      progType: 'socket_filter', logLevel: 0,
      insns: [{ code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }, { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 }],
    });
  } catch (e) {
    return (cached = { ok: false, reason: `probing bpf() failed: ${(e as Error).message}` });
  }
  if (r.ok) { sysClose(r.fd); return (cached = { ok: true }); }
  const why = r.errno === 'EPERM' ? 'bpf() not permitted (EPERM): needs root/CAP_BPF or kernel.unprivileged_bpf_disabled=0'
    : r.errno === 'ENOSYS' ? 'this kernel has no bpf() system call (ENOSYS)'
      : `a trivial socket filter was refused (${r.errno})`;
  return (cached = { ok: false, reason: why });
}
