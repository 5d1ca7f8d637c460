// The bpf(2) system call through koffi: syscall(SYS_bpf, cmd, attr, size)
// with every pointer in `attr` pointing at native (malloc'd) memory that
// lives exactly as long as the call. Models the user side of
// kernel/bpf/syscall.c:__sys_bpf() and libbpf's sys_bpf()/sys_bpf_fd().

/** bpf() commands (enum bpf_cmd, include/uapi/linux/bpf.h). */
export const BPF_MAP_CREATE = 0;
export const BPF_MAP_LOOKUP_ELEM = 1;
export const BPF_MAP_UPDATE_ELEM = 2;
export const BPF_MAP_DELETE_ELEM = 3;
export const BPF_MAP_GET_NEXT_KEY = 4;
export const BPF_PROG_LOAD = 5;
export const BPF_PROG_TEST_RUN = 10;
export const BPF_OBJ_GET_INFO_BY_FD = 15;
export const BPF_BTF_LOAD = 18;
export const BPF_MAP_FREEZE = 22;

/** x86-64 syscall number of bpf(). */
const SYS_BPF_X86_64 = 321;

/* eslint-disable @typescript-eslint/no-explicit-any */
interface Libc {
  koffi: any;
  syscall: (...args: any[]) => number | bigint;
  malloc: (n: number) => any;
  free: (p: any) => void;
  close: (fd: number) => number;
}

let libc: Libc | null = null;
let libcError: string | null = null;

function loadLibc(): Libc {
  if (libc) return libc;
  if (libcError) throw new Error(libcError);
  if (process.platform !== 'linux') { libcError = `bpf() needs Linux (this is ${process.platform})`; throw new Error(libcError); }
  if (process.arch !== 'x64') { libcError = `bpf() syscall number is only known for x86-64 (this is ${process.arch})`; throw new Error(libcError); }
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const koffi = require('koffi');
    const lib = koffi.load('libc.so.6');
    libc = {
      koffi,
      // syscall(2) is variadic: every extra argument is passed with its C type.
      syscall: lib.func('long syscall(long number, ...)'),
      malloc: lib.func('void *malloc(size_t size)'),
      free: lib.func('void free(void *ptr)'),
      close: lib.func('int close(int fd)'),
    };
    return libc;
  } catch (e) {
    libcError = `cannot load libc through koffi: ${(e as Error).message}`;
    throw new Error(libcError);
  }
}

/** Native scratch memory for one call: regions are copied in, the call runs, outputs are read back. */
export interface NativeBlock {
  /** Address of byte `off` of the block, as a u64 for bpf_attr pointer fields. */
  addr(off: number): bigint;
  /** A view on the native bytes (valid until the block is freed). */
  bytes: Uint8Array;
  ptr: unknown;
}

/** Allocate `size` zeroed native bytes, run `fn`, free them. */
export function withNative<T>(size: number, fn: (b: NativeBlock) => T): T {
  const L = loadLibc();
  const n = Math.max(8, size);
  const ptr = L.malloc(n);
  if (!ptr) throw new Error(`malloc(${n}) failed`);
  try {
    const base = L.koffi.address(ptr) as bigint;
    const bytes = new Uint8Array(L.koffi.view(ptr, n));
    bytes.fill(0);
    return fn({ addr: (off: number) => base + BigInt(off), bytes, ptr });
  } finally {
    L.free(ptr);
  }
}

export interface SysResult { ret: number; errno: number }

/** bpf(cmd, attr, size) with attr at the start of `block`. */
export function sysBpf(cmd: number, block: NativeBlock, size: number): SysResult {
  const L = loadLibc();
  const ret = Number(L.syscall(SYS_BPF_X86_64, 'int', cmd, 'void *', block.ptr, 'uint32_t', size));
  const errno = ret < 0 ? L.koffi.errno() as number : 0;
  return { ret, errno };
}

/** close(fd); returns 0 or -errno. */
export function sysClose(fd: number): number {
  const L = loadLibc();
  const r = L.close(fd);
  return r < 0 ? -(L.koffi.errno() as number) : 0;
}

/** Whether koffi and libc could be loaded (no bpf() call is made). */
export function libcAvailable(): { ok: boolean; reason?: string } {
  try { loadLibc(); return { ok: true }; } catch (e) { return { ok: false, reason: (e as Error).message }; }
}

/** The symbolic name of an errno value, e.g. 13 -> 'EACCES' (the table is in src/isa/uapi.ts). */
export { errnoName } from '../isa/uapi';
