// The live kernel as an engine: bpf() through koffi. Public API of src/kernel.
// See prog.ts (BPF_PROG_LOAD / BPF_PROG_TEST_RUN), map.ts, btf.ts, info.ts, run.ts.
// Object files: runObjectFile / loadLinkedObject in './object'; the host's facts
// (kernel BTF, Kconfig, release, verifier profile) in './host'; the profile probe in './probe'.
import { sysClose, errnoName } from './sys';
import { KernelError } from './errors';

export { progLoad, progLoadOrThrow, testRun, parseVerifiedInsns } from './prog';
export { kernelRun, verdictJson, memMapPrologue } from './run';
export type { KernelProgram, KernelInput, KernelRunOpts, KernelVerdict, MemMapping } from './run';
export type { ProgLoadReq, ProgLoadResult, TestRunOpts, TestRunResult } from './prog';
export { mapCreate, mapUpdate, mapLookup, mapDelete } from './map';
export type { MapCreateReq } from './map';
export { btfLoad } from './btf';
export type { BtfLoadResult } from './btf';
export { progInfo } from './info';
export type { ProgInfo } from './info';
export { kernelAvailable } from './avail';
export { KernelError } from './errors';
export type { KernelErrorKind } from './errors';
export { progTypeNum, attachTypeNum, mapTypeNum } from './types';
export { errnoName } from './sys';

/** Close an fd returned by this module. Throws KernelError on EBADF. */
export function closeFd(fd: number): void {
  const r = sysClose(fd);
  if (r < 0) throw new KernelError('syscall', 'close', `${errnoName(-r)} closing fd ${fd}`, { errno: errnoName(-r), errnoNum: -r });
}
