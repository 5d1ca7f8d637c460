// Public API of the verifier's scalar domain: tnums, the scalar register
// state with its bound bookkeeping, ALU transfer functions, branch logic and
// log formatting. Pure: no I/O. See each file's header for the kernel
// functions it models (kernel/bpf/tnum.c, kernel/bpf/verifier.c, kernel/bpf/log.c).
export * from './tnum';
export * from './scalar';
export * from './alu';
export * from './branch';
export * from './print';
export * from './linked';
