// Public API of the reference interpreter (src/runtime): pure, no I/O.
export { createVm, run, framePointer, codeAddress, DEFAULT_BUDGET, MAX_CALL_FRAMES, BPF_MAX_LOOPS } from './vm';
export type { Vm } from './vm';
export { BpfRuntimeError, hexAddr } from './errors';
export type { BpfRuntimeErrorKind } from './errors';
export { AddressSpace, makeRegion } from './memory';
export type { RegionSpec, Region } from './memory';
export type { HelperContext, HelperFn, HelperTable, VmOptions, RunOptions, RunResult } from './types';
export { STACK_BASE, STACK_STRIDE, STACK_SIZE } from './interp';
export { CODE_BASE } from './decode';
export { bpfThrowKfunc } from './kfuncs';
export { createMapSet, MAP_PTR_BASE, MAP_VALUE_BASE } from './maps';
export type { MapSet, MapSpec, MapModel, MapReloc, MapKind, MapStorage } from './maps';
