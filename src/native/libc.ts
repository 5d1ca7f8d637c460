// The C library through koffi, for the native runtime: anonymous mappings,
// page protections, and reading/writing native memory by address. Loaded
// lazily and optionally, like src/kernel/sys.ts: without koffi, Linux or
// x86-64 the native runtime says why it is unavailable.
/* eslint-disable @typescript-eslint/no-explicit-any */

export const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
const MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
/** x86-64: map in the low 2 GiB (so 32-bit pointer fields of UAPI structs can hold the address). */
export const MAP_32BIT = 0x40;
const MAP_FAILED = 0xffff_ffff_ffff_ffffn;
/** The bounce buffer of readSafe. */
const SCRATCH = 4096;

export interface Libc {
  koffi: any;
  mmap(len: number, prot: number, flags?: number): bigint;
  mprotect(addr: bigint, len: number, prot: number): void;
  munmap(addr: bigint, len: number): void;
  /** A koffi pointer for an address. */
  ptr(addr: bigint): any;
  /** A view of `len` bytes of native memory at `addr` (valid while mapped). */
  view(addr: bigint, len: number): Uint8Array;
  /** Length of the NUL-terminated string at addr, at most max. */
  strnlen(addr: bigint, max: number): number;
  /**
   * CPU time of the calling thread in ns (CLOCK_THREAD_CPUTIME_ID): what a run
   * costs without the time other processes had the CPU, as the kernel's test
   * run leaves out the time its task was preempted.
   */
  threadCpuNs(): bigint;
  /** ns of a clock_gettime clock (CLOCK_MONOTONIC 1, CLOCK_MONOTONIC_COARSE 6, CLOCK_BOOTTIME 7, CLOCK_TAI 11). */
  clockNs(clock: number): bigint;
  /**
   * Copy `len` bytes from any address of this process, or undefined where
   * they are not all mapped readable (process_vm_readv on ourselves: a bad
   * address is EFAULT, never a fault). The probe reads of native code.
   */
  readSafe(addr: bigint, len: number): Uint8Array | undefined;
}

let libc: Libc | null = null;
let libcError: string | null = null;

export function loadLibc(): Libc {
  if (libc) return libc;
  if (libcError) throw new Error(libcError);
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    libcError = `native execution needs Linux on x86-64 (this is ${process.platform}/${process.arch})`;
    throw new Error(libcError);
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const koffi = require('koffi');
    const lib = koffi.load('libc.so.6');
    const mmap = lib.func('uintptr_t mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, long off)');
    const mprotect = lib.func('int mprotect(uintptr_t addr, size_t len, int prot)');
    const munmap = lib.func('int munmap(uintptr_t addr, size_t len)');
    // memcpy(d, d, 0) returns d: the one way to turn an address into a koffi pointer
    const toPtr = lib.func('void *memcpy(uintptr_t dst, uintptr_t src, size_t n)');
    const strnlen = lib.func('size_t strnlen(uintptr_t s, size_t max)');
    const clockGettime = lib.func('int clock_gettime(int clk, _Out_ int64_t *ts)');
    const getpid = lib.func('int getpid()');
    const vmReadv = lib.func('intptr_t process_vm_readv(int pid, uint64_t *local, unsigned long liovcnt, uint64_t *remote, unsigned long riovcnt, unsigned long flags)');
    const big = (v: number | bigint): bigint => BigInt(v);
    const clockNs = (clk: number): bigint => {
      const t = new BigInt64Array(2);
      if (clockGettime(clk, t) !== 0) throw new Error(`clock_gettime(${clk}) failed`);
      return t[0] * 1_000_000_000n + t[1];
    };
    let scratch: { addr: bigint; view: Uint8Array } | undefined;
    libc = {
      koffi,
      mmap(len, prot, flags = 0) {
        const a = big(mmap(0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0));
        if (a === MAP_FAILED || a === 0n) throw new Error(`mmap of ${len} bytes failed (errno ${koffi.errno()})`);
        return a;
      },
      mprotect(addr, len, prot) {
        if (mprotect(addr, len, prot) !== 0) throw new Error(`mprotect(0x${addr.toString(16)}, ${len}, ${prot}) failed (errno ${koffi.errno()})`);
      },
      munmap(addr, len) { munmap(addr, len); },
      ptr: (addr) => toPtr(addr, addr, 0),
      view: (addr, len) => new Uint8Array(koffi.view(toPtr(addr, addr, 0), len)),
      strnlen: (addr, max) => Number(strnlen(addr, max)),
      threadCpuNs: () => clockNs(3 /* CLOCK_THREAD_CPUTIME_ID */),
      clockNs,
      readSafe(addr, len) {
        if (!scratch) {
          const a = big(mmap(0, SCRATCH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
          if (a === MAP_FAILED || a === 0n) return undefined;
          scratch = { addr: a, view: new Uint8Array(koffi.view(toPtr(a, a, 0), SCRATCH)) };
        }
        const out = new Uint8Array(len);
        for (let done = 0; done < len;) {
          const n = Math.min(SCRATCH, len - done);
          const local = BigUint64Array.of(scratch.addr, BigInt(n));
          const remote = BigUint64Array.of(BigInt.asUintN(64, addr + BigInt(done)), BigInt(n));
          if (Number(vmReadv(getpid(), local, 1, remote, 1, 0)) !== n) return undefined;
          out.set(scratch.view.subarray(0, n), done);
          done += n;
        }
        return out;
      },
    };
    return libc;
  } catch (e) {
    libcError = `cannot load libc through koffi: ${(e as Error).message}`;
    throw new Error(libcError);
  }
}

/** Whether koffi and libc load here (nothing is mapped). */
export function libcStatus(): { ok: boolean; reason?: string } {
  try { loadLibc(); return { ok: true }; } catch (e) { return { ok: false, reason: (e as Error).message }; }
}
