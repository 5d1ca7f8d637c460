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
export { createMapSet, MAP_PTR_BASE, MAP_VALUE_BASE, TailCall } from './maps';
export type { MapSet, MapSpec, MapModel, MapReloc, MapKind, MapStorage } from './maps';
export {
  buildContext, relocateContext, finishContext, contextLayout, DEFAULT_CONTEXT_ADDRESSES, DEFAULT_DATA_IN_SIZE, LOOPBACK,
  SK_BUFF_FIELDS, SK_BUFF_SIZE, XDP_MD_FIELDS, XDP_MD_SIZE, BPF_SOCK_FIELDS, BPF_SOCK_SIZE, BPF_FLOW_KEYS_FIELDS, BPF_FLOW_KEYS_SIZE,
  SKB, XDP_MD, SOCK, FLOW_KEYS,
} from './context';
export type {
  BuiltContext, ContextAddresses, ContextLayout, ContextOutput, ContextRefusal, ContextRegion, ContextRegionName,
  ContextRequest, ContextResult, FinishPlan, NetDevice, PointerField, CtxField,
} from './context';
export { runtimeHelpers, fixedHelperEnv, helperId, skbLoadHelper, formatTracePrintk, NONDETERMINISTIC_HELPERS, callsNondeterministicHelper } from './helpers';
export type { HelperEnv } from './helpers';
