// Every verifier message text, in ONE table (kernel/bpf/verifier.c, kernel/bpf/btf.c,
// kernel/bpf/log.c). Keyed by a stable name so that a later kernel can be added as a
// profile that overrides single entries. The texts are those of the kernel this
// machine runs (Linux 6.18); each was checked against the live kernel where a test
// in test/verifier/ says so.

export type MessageArgs = readonly (string | number | bigint)[];

/** The message table of one kernel. `%d`/`%s`/`%lld` are filled in order by `fmt`. */
export type MessageTexts = Readonly<Record<MessageKey, string>>;

/**
 * The base table: the texts of the first 6.18 build seen on these machines. A kernel
 * profile (profiles.ts) overrides single entries where its kernel prints otherwise.
 */
export const BASE_TEXTS = {
  // add_subprog / add_subprog_and_kfunc
  callToInvalidDestination: 'call to invalid destination',
  tooManySubprogs: 'too many subprograms',
  needCapBpf: 'loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN',
  funcAt: 'func#%d @%d',
  // bpf_find_exception_callback_insn_off
  invalidMainBtfId: 'invalid btf id for main subprog in func_info',
  multipleExceptionCbTags: 'multiple exception callback tags for main subprog',
  exceptionCbNotInBtf: "exception callback '%s' could not be found in BTF",
  exceptionCbNotGlobal: "exception callback '%s' must have global linkage",
  exceptionCbInsnOffZero: 'invalid exception callback insn_off in func_info: 0',
  exceptionCbNotInFuncInfo: 'exception callback type id not found in func_info',
  // check_subprogs
  jumpOutOfRange: 'jump out of range from insn %d to %d',
  lastInsnNotExit: 'last insn is not an exit or jmp',
  // check_btf_info / check_btf_func
  funcInfoFirstNotZero: 'nonzero insn_off %u for the first func info record',
  funcInfoNotSorted: 'same or smaller insn offset (%u) than previous func info record (%u)',
  funcInfoCount: 'number of funcs in func_info doesn\'t match number of subprogs',
  funcInfoMismatch: 'func_info BTF section doesn\'t match subprog layout in BPF program',
  funcInfoBadType: 'invalid type id %d in func info',
  ldAbsNoBtf: 'LD_ABS is not allowed in subprogs without BTF',
  tailCallNoBtf: 'tail_call is not allowed in subprogs without BTF',
  // check_cfg
  unreachableInsn: 'unreachable insn %d',
  jumpIntoLdImm64: 'jump into the middle of ldimm64 insn %d',
  backEdge: 'back-edge from insn %d to %d',
  // check_max_stack_depth
  combinedStackTooLarge: 'combined stack size of %d calls is %d. Too large',
  callStackTooDeep: 'the call stack of %d frames is too deep !',
  tailCallStackTooLarge: 'tail_calls are not allowed when call stack of previous frames is %d bytes. Too large',
  callExceptionCbDirectly: 'insn %d cannot call exception cb directly',
  tailCallInCallback: 'cannot tail call within exception cb',
  throwFromCallback: 'bpf_throw kfunc (insn %d) cannot be called from callback subprog %d',
  ldAbsInCallback: 'cannot use BPF_LD_[ABS|IND] within callback',
  // do_check_common / btf_prepare_func_args
  validating: 'Validating %s() func#%d...',
  globalFuncNeedsBtf: 'Global functions need valid BTF',
  globalFuncTooManyArgs: 'Global function %s() with %d > %d args. Buggy compiler.',
  globalFuncNotScalarRet: "Global function %s() doesn't return scalar. Only those are supported.",
  globalFuncArgUnsupported: 'Arg#%d type %s in %s() is not supported yet.',
  exceptionCbSingleIntArg: 'exception cb only supports single integer argument',
  // do_check
  tooLarge: 'BPF program is too large. Processed %d insn',
  invalidInsnIdx: 'invalid insn idx %d insn_cnt %d',
  unknownOpcode: 'unknown opcode %02x',
  invalidBpfLdImm: 'invalid BPF_LD_IMM insn',
  ldImm64Reserved: 'BPF_LD_IMM64 uses reserved fields',
  addrSpaceCastBadAs: 'addr_space_cast insn can only convert between address space 1 and 0',
  addrSpaceCastNoArena: 'addr_space_cast insn can only be used in a program that has an associated arena',
  callReserved: 'BPF_CALL uses reserved fields',
  jaReserved: 'BPF_JA uses reserved fields',
  exitReserved: 'BPF_EXIT uses reserved fields',
  condJmpReserved: 'BPF_JMP/JMP32 uses reserved fields',
  aluReserved: 'BPF_ALU uses reserved fields',
  movReserved: 'BPF_MOV uses reserved fields',
  negReserved: 'BPF_NEG uses reserved fields',
  endReserved: 'BPF_END uses reserved fields',
  stReserved: 'BPF_ST uses reserved fields',
  ldxReserved: 'BPF_LDX uses reserved fields',
  stxReserved: 'BPF_STX uses reserved fields',
  invalidShift: 'invalid shift %d',
  divByZero: 'div by zero',
  regNotReadOk: 'R%d !read_ok',
  frameReadOnly: 'frame pointer is read only',
  invalidRegNo: 'R%d is invalid',
  leaksAddrAsReturn: 'R%d leaks addr as return value',
  returnNotKnownValue: '%s the register R%d is not a known value (%s)',
  subprogExitNotScalar: 'At subprogram exit the register R%d is not a scalar value (%s)',
  invalidMemAccess: 'R%d invalid mem access \'%s\'',
  // do_check (stack, calls, helpers, kfuncs) and the log lines around calls
  jumpSeqTooComplex: 'The sequence of %d jumps is too complex.',
  kfuncNotAllowed: 'calling kernel function %s is not allowed',
  mapFdInvalid: 'fd %d is not pointing to valid bpf_map',
  ldImm64Invalid: 'invalid bpf_ld_imm64 insn',
  ldImm64InvalidBtfId: 'ldimm64 insn specifies invalid btf_id %d.',
  ldImm64NotVarOrFunc: "pseudo btf_id %d in ldimm64 isn't KIND_VAR or KIND_FUNC",
  ldImm64NoKernelSymbol: "ldimm64 failed to find the address for kernel symbol '%s'.",
  ptrArithProhibited: 'R%d pointer arithmetic prohibited',
  stackMisalignedFixed: 'misaligned stack access off 0+%d+%d size %d',
  stackWriteOutOfBounds: 'invalid write to stack R%d off=%d size=%d',
  stackReadOutOfBounds: 'invalid read from stack R%d off=%d size=%d',
  corruptSpilledPtr: 'attempt to corrupt spilled pointer on stack',
  invalidSpillSize: 'invalid size of register spill',
  spillStackPtrToCaller: 'cannot spill pointers to stack into stack frame of the caller',
  invalidFillSize: 'invalid size of register fill',
  stackReadUninit: 'invalid read from stack off %d+%d size %d',
  noProgAtInsn: 'verifier bug. No program starts at insn %d',
  callStackTooDeepCall: 'the call stack of %d frames is too deep',
  argNotScalar: 'R%d is not a scalar',
  callerInvalidArgs: "Caller passes invalid args into func#%d ('%s')",
  globalAssumedValid: "Func#%d ('%s') is global and assumed valid.",
  globalSafe: "Func#%d ('%s') is safe for any args that match its prototype",
  callerHeader: 'caller:',
  calleeHeader: 'callee:',
  returningFromCallee: 'returning from callee:',
  toCallerAt: 'to caller at %d:',
  fromTo: 'from %d to %d:',
  argTypeExpected: 'R%d type=%s expected=%s',
  mapTypeIntoFunc: 'cannot pass map_type %d into func %s#%d',
  // check_helper_call, check_func_arg, check_reg_type, check_helper_mem_access (helpers.ts, helper_args.ts, helper_mem.ts)
  invalidFunc: 'invalid func %s#%d',
  helperNotAllowed: 'program of this type cannot use helper %s#%d',
  gplOnlyHelper: 'cannot call GPL-restricted function from non-GPL compatible program',
  helperNotAllowedInProbe: 'helper call is not allowed in probe',
  helperMightSleep: 'helper call might sleep in a non-sleepable prog',
  helperSleepsInRcu: 'sleepable helper %s#%d in rcu_read_lock region',
  helperSleepsInPreempt: 'sleepable helper %s#%d in non-preemptible region',
  helperSleepsInIrq: 'sleepable helper %s#%d in IRQ-disabled region',
  helperPktAccess: 'helper access to the packet is not allowed',
  invalidMapPtrType: 'invalid map_ptr to access map->type',
  invalidMapPtrKey: 'invalid map_ptr to access map->key',
  invalidMapPtrValue: 'invalid map_ptr to access map->value',
  sockmapArgType: 'invalid arg_type for sockmap/sockhash',
  negativeOffsetPtr: 'negative offset %s ptr R%d off=%d disallowed',
  releaseNonZeroOff: 'R%d must have zero offset when passed to release func or trusted arg to kfunc',
  releaseUnreferenced: 'R%d must be referenced when passed to release function',
  notKnownConstant: "R%d is not a known constant'",
  invalidZeroSizedRead: 'invalid zero-sized read',
  stackIndirectReadUninit: 'invalid read from stack R%d off %d+%d size %d',
  sizeNegative: "R%d min value is negative, either use unsigned or 'var &= const'",
  sizeZero: 'R%d invalid zero-sized read: u64=[%lld,%lld]',
  sizeUnbounded: "R%d unbounded memory access, use 'var &= const' or 'if (var < const)'",
  helperRefNotAcquired: 'func %s#%d reference has not been acquired before',
  localStorageFlags: "get_local_storage() doesn't support non-zero flags",
  helperWritesRdonlyMap: 'write into map forbidden',
  subsystemMisconfigured: 'kernel subsystem misconfigured verifier',
  cannotUpdateSockmap: 'cannot update sockmap in this context',
  tailCallNeedsProgArray: 'expected prog array map for tail call', // printed without a newline
  tailCallNoJit: 'tail_calls are not allowed in non-JITed programs with bpf-to-bpf calls',
  funcIpTrampolineOnly: 'func %s#%d supported only for fentry/fexit/fmod_ret programs',
  funcIpNotSupported: 'func %s#%d not supported for program type %d',
  // check_kfunc_call, check_kfunc_args (kfuncs.ts, kfunc_args.ts)
  kfuncNeedsSleepable: 'program must be sleepable to call sleepable kfunc %s',
  kfuncRefNotAcquired: 'kfunc %s#%d reference has not been acquired before',
  nestedRcuLock: 'nested rcu read lock (kernel function %s)',
  kfuncSleepableInRcu: 'kernel func %s is sleepable within rcu_read_lock region',
  unmatchedRcuUnlock: 'unmatched rcu read unlock (kernel function %s)',
  kfuncSleepableInPreempt: 'kernel func %s is sleepable within non-preemptible region',
  kfuncSleepableInIrq: 'kernel func %s is sleepable within IRQ-disabled region',
  unmatchedPreemptEnable: 'unmatched attempt to enable preemption (kernel function %s)',
  kfuncAcquireNotBtfId: 'acquire kernel function does not return PTR_TO_BTF_ID',
  kfuncRetPtrUnsupported: 'kernel function %s returns pointer type %s %s is not supported',
  kfuncTooManyArgs: 'Function %s has %d > %d args',
  kfuncUnrecognizedArg: 'Unrecognized arg#%d type %s',
  kfuncNullTrustedArg: 'Possibly NULL pointer passed to trusted arg%d',
  kfuncMustBeTrusted: 'R%d must be referenced or trusted',
  kfuncExpectedAllocObj: 'arg#%d expected pointer to allocated object',
  kfuncAllocObjNotReferenced: 'allocated object must be referenced',
  // graph collections (graph.ts): check_kfunc_args' graph cases, __process_kf_arg_ptr_to_graph_root/node
  graphArgExpectedMapOrAlloc: 'arg#%d expected pointer to map value or allocated object',
  graphVarOff: "R%d doesn't have constant offset. %s has to be at the constant offset",
  graphFieldNotFound: '%s not found at offset=%u',
  graphLockNotSameAlloc: 'held lock and object are not in the same allocation',
  graphLockNotHeld: 'bpf_spin_lock at off=%d must be held for %s',
  graphNodeStructMismatch: 'operation on %s expects arg#1 %s at offset=%d in struct %s, but arg is at offset=%d in struct %s',
  graphNodeWrongOff: 'arg#1 offset=%d, but expected %s at offset=%d in struct %s',
  rbNodeNotOwned: '%s can only take non-owning or refcounted bpf_rb_node pointer',
  rbNodeInRbtreeCb: '%s not allowed in rbtree cb',
  spinLockInRbtreeCb: "can't spin_{lock,unlock} in rbtree cb",
  kfuncCallbackNotFunc: 'arg%d expected pointer to func',
  allocDirectAccess: 'direct access to %s is disallowed',
  objNewTypeIdRange: 'local type ID argument must be in range [0, U32_MAX]',
  objNewNeedsProgBtf: 'bpf_obj_new/bpf_percpu_obj_new requires prog BTF',
  objNewNotStruct: 'bpf_obj_new/bpf_percpu_obj_new type ID argument must be of a struct',
  kfuncMustBeRcu: 'R%d must be a rcu pointer',
  kfuncReleaseExpectsRef: 'release kernel function %s expects refcounted PTR_TO_BTF_ID',
  kfuncArgNotConst: 'R%d must be a known constant',
  kfuncArgNotAConst: 'R%d is not a const',
  kfuncExpectedCtx: 'arg#%d expected pointer to ctx, but got %s',
  kfuncMemLenPair: 'arg#%d arg#%d memory, len pair leads to invalid memory access',
  kfuncArgIsExpected: 'arg#%d is %s expected %s or socket',
  kfuncArgStructMismatch: 'kernel function %s args#%d expected pointer to %s %s but R%d has a pointer to %s %s',
  kfuncPtrArgUnsupported: 'kernel function %s args#%d pointer type %s %s is not supported',
  kfuncPtrMustPointToScalar: 'arg#%d pointer type %s %s must point to %sscalar, or struct with scalar',
  // btf_prepare_func_args, btf_check_func_arg_match (func_args.ts)
  argTagInStatic: 'arg#%d type tag is not supported in static functions',
  argTagsUnsupported: 'arg#%d has unsupported set of tags',
  argTagsInvalidCombination: 'arg#%d has invalid combination of tags',
  argRefSizeUnknown: "arg#%d reference type('%s %s') size cannot be determined: %ld",
  argTagNotPointer: 'arg#%d has pointer tag, but is not a pointer type',
  argCtxNoName: "arg#%d type doesn't have a name",
  argCtxShouldBe: 'arg#%d should be `struct %s *`',
  argExpectsCtx: 'arg#%d expects pointer to ctx',
  argExpectedNonNull: 'arg#%d is expected to be non-NULL',
  globalCallInLock: 'global function calls are not allowed while holding a lock,\nuse static function instead',
  // process_spin_lock (spin_lock.ts)
  spinLockVarOff: "R%d doesn't have constant offset. bpf_spin_lock has to be at the constant offset",
  spinLockNeedsBtf: "map '%s' has to have BTF in order to use bpf_spin_lock",
  spinLockMissing: "%s '%s' has no valid bpf_spin_lock",
  spinLockWrongOff: "off %lld doesn't point to 'struct bpf_spin_lock' that is at %d",
  spinLockTwice: 'Locking two bpf_spin_locks are not allowed',
  spinUnlockWithoutLock: 'bpf_spin_unlock without taking a lock',
  spinUnlockDifferent: 'bpf_spin_unlock of different lock',
  timerVarOff: "R%d doesn't have constant offset. bpf_timer has to be at the constant offset",
  timerNeedsBtf: "map '%s' has to have BTF in order to use bpf_timer",
  timerMissing: "map '%s' has no valid bpf_timer",
  timerWrongOff: "off %lld doesn't point to 'struct bpf_timer' that is at %d",
  timerMapMismatch: "timer pointer in R1 map_uid=%d doesn't match map pointer in R2 map_uid=%d",
  // callbacks (callbacks.ts)
  callbackNotAllowedForMap: 'callback function not allowed for map',
  loopLimitReached: 'frame%d bpf_loop iteration limit reached',
  // references (refs.ts)
  unreleasedReference: 'Unreleased reference id=%d alloc_insn=%d',
  resourceInLock: '%s cannot be used inside bpf_spin_lock-ed region',
  resourceRefLeak: '%s would lead to reference leak',
  resourceInIrq: '%s cannot be used inside bpf_local_irq_save-ed region',
  resourceInRcu: '%s cannot be used inside bpf_rcu_read_lock-ed region',
  resourceInPreempt: '%s cannot be used inside bpf_preempt_disable-ed region',
  callInLock: 'function calls are not allowed while holding a lock',
  retvalOutOfRange: '%s the register %s has%s should have been in [%d, %d]',
  invalidFuncType: 'Invalid type of function %s()',
  tracingNeedsBtfId: 'Tracing programs must provide btf_id',
  // for the locks/references part (process_bpf_exit_full on an exceptional exit); not emitted yet
  throwInSpinLock: 'bpf_throw cannot be used inside bpf_spin_lock-ed region',
  throwInRcuLock: 'bpf_throw cannot be used inside bpf_rcu_read_lock-ed region',
  throwRefLeak: 'bpf_throw would lead to reference leak', // 6.18 text (fixtures/golden/exc_ref_throw.*)
  // check_mem_access and its per-pointer checks
  invalidCtxAccess: 'invalid bpf_context access off=%d size=%d',
  derefModifiedPtr: 'dereference of modified %s ptr R%d off=%d disallowed',
  variablePtrAccess: 'variable %s access var_off=%s disallowed',
  leaksAddrInto: 'R%d leaks addr into %s',
  writeToChangeKey: 'write to change key R%d not allowed',
  invalidAccessMapKey: 'invalid access to map key, key_size=%d off=%d size=%d',
  invalidAccessMapValue: 'invalid access to map value, value_size=%d off=%d size=%d',
  invalidAccessPacket: 'invalid access to packet, off=%d size=%d, R%d(id=%d,off=%d,r=%d)',
  invalidAccessMem: 'invalid access to memory, mem_size=%u off=%d size=%d',
  minValueNegative: 'R%d min value is negative, either use unsigned index or do a if (index >=0) check.',
  minValueOutside: 'R%d min value is outside of the allowed memory range',
  unboundedMemAccess: 'R%d unbounded memory access, make sure to bounds check any such access',
  maxValueOutside: 'R%d max value is outside of the allowed memory range',
  pktOffsetOutside: 'R%d offset is outside of the packet',
  cannotWriteIntoPacket: 'cannot write into packet',
  cannotWriteInto: 'R%d cannot write into %s',
  writeIntoMapForbidden: 'write into map forbidden, value_size=%d off=%d size=%d',
  readFromMapForbidden: 'read from map forbidden, value_size=%d off=%d size=%d',
  mapFieldDirectAccess: '%s cannot be accessed directly by load/store',
  misalignedAccess: 'misaligned %saccess off %s+%d+%d size %d',
  misalignedPacketAccess: 'misaligned packet access off %d+%s+%d+%d size %d',
  sameInsnDifferentPtrs: 'same insn cannot be used with different pointers',
  invalidFlowKeysAccess: 'invalid access to flow keys off=%d size=%d',
  invalidSockAccess: 'R%d invalid %s access off=%d size=%d',
  // process_dynptr_func, destroy_if_dynptr_stack_slot, the release of dynptrs (dynptr.ts)
  overwriteReferencedDynptr: 'cannot overwrite referenced dynptr',
  dynptrNotUninit: 'Dynptr has to be an uninitialized dynptr',
  dynptrFromMemRegType: 'Unsupported reg type %s for bpf_dynptr_from_mem data',
  dynptrNotInit: 'Expected an initialized dynptr as arg #%d',
  dynptrWrongType: 'Expected a dynptr of type %s as arg #%d',
  releaseUnownedDynptr: 'cannot release unowned const bpf_dynptr',
  constDynptrMutated: 'cannot pass pointer to const bpf_dynptr, the helper mutates it',
  dynptrArgNotStack: 'arg#%d expected pointer to stack or const struct bpf_dynptr',
  unacquiredReferenceArg: 'arg %d is an unacquired reference',
  // process_iter_arg (iters.ts)
  iterNotOnStack: 'arg#%d expected pointer to an iterator on stack',
  iterNotUninit: 'expected uninitialized iter_%s as arg #%d',
  iterNotInit: 'expected an initialized iter_%s as arg #%d',
  // check_ptr_to_btf_access, btf_struct_walk (kernel/bpf/btf.c)
  btfAccessNeedsCap: "'struct %s' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN",
  btfAccessNonGpl: "Cannot access kernel 'struct %s' from non-GPL compatible program",
  btfNegativeAccess: 'R%d is ptr_%s invalid negative access: off=%d',
  btfVariableOffset: 'R%d is ptr_%s invalid variable offset: off=%d, var_off=%s',
  btfUserMemory: 'R%d is ptr_%s access user memory: off=%d',
  btfPercpuMemory: 'R%d is ptr_%s access percpu memory: off=%d',
  btfOnlyRead: 'only read is supported',
  helperMayWriteBtf: '%s() may write into memory pointed by R%d type=%s',
  btfNotStruct: "Type '%s' is not a struct",
  btfBeyondStruct: 'access beyond struct %s at off %u size %u',
  btfPtrMemberAccess: 'cannot access ptr member %s with moff %u in struct %s with off %u size %u',
  btfBeyondMember: 'access beyond the end of member %s (mend:%u) in struct %s with off %u size %u',
  btfNoField: "struct %s doesn't have field at offset %d",
  stackOutOfBounds: 'invalid%s stack R%d off=%d size=%d',
  stackVarOutOfBounds: 'invalid variable-offset%s stack R%d var_off=%s off=%d size=%d',
  stackVarUnbounded: 'invalid unbounded variable-offset%s stack R%d',
  stackVarReadUninit: 'invalid read from stack R%d var_off %s+%d size %d',
  stackVarUnpriv: 'R%d variable offset stack access prohibited for !root, var_off=%s',
  mapValueInvalidAccessPtr: 'invalid access to map value pointer, value_size=%u off=%u',
  noDirectValueAccess: 'no direct value access support for this map type',
  unrecognizedLdImm64: 'unrecognized bpf_ld_imm64 insn',
  directValueOffset: 'direct value offset of %u is not allowed',
  // adjust_ptr_min_max_vals and the pointer rules of ALU and jumps
  ptrPtrProhibited: 'R%d pointer %s pointer prohibited',
  ptr32Prohibited: 'R%d 32-bit pointer arithmetic prohibited',
  ptrArithNullCheck: 'R%d pointer arithmetic on %s prohibited, null-check it first',
  ptrArithOnType: 'R%d pointer arithmetic on %s prohibited',
  subPtrFromScalar: 'R%d tried to subtract pointer from scalar',
  subFromStackPtr: 'R%d subtraction from stack pointer prohibited',
  bitwiseOnPtr: 'R%d bitwise operator %s on pointer prohibited',
  ptrArithWithOp: 'R%d pointer arithmetic with %s operator prohibited',
  mathWithConst: 'math between %s pointer and %lld is not allowed',
  ptrOffsetNotAllowed: '%s pointer offset %d is not allowed',
  mathUnboundedMin: 'math between %s pointer and register with unbounded min value is not allowed',
  valueOutOfBounds: 'value %lld makes %s pointer be out of bounds',
  partialCopyOfPtr: 'R%d partial copy of pointer',
  sextPartOfPointer: 'R%d sign-extension part of pointer',
  stackVarArithUnpriv: 'R%d variable stack access prohibited for !root, var_off=%s off=%d',
  stackArithOutOfRange: 'R%d stack pointer arithmetic goes out of range, prohibited for !root; off=%d',
  ptrComparisonProhibited: 'R%d pointer comparison prohibited',
  stAtomicNotAllowed: 'BPF_ATOMIC stores into R%d %s is not allowed',
  ldAtomicNotAllowed: 'BPF_ATOMIC loads from R%d %s is not allowed',
  atomicInvalidOpcode: 'BPF_ATOMIC uses invalid atomic opcode %02x',
  atomicInvalidSize: 'invalid atomic operand size',
  ldAbsNotAllowed: 'BPF_LD_[ABS|IND] instructions not allowed for this program type',
  ldAbsReserved: 'BPF_LD_[ABS|IND] uses reserved fields',
  ldAbsR6NotCtx: 'at the time of BPF_LD_ABS|IND R6 != pointer to skb',
  invalidMayGoto: 'invalid may_goto imm %d',
  notModelled: 'not modelled yet: %s',
  // bpf_loop callbacks (prepare_func_exit, is_state_visited)
  callbackR0NotScalar: 'R0 not a scalar value',
  cannotReturnStackPtr: 'cannot return stack pointer to the caller',
  callbackRetvalOutOfRange: 'At callback return the register R0 has%s should have been in [%d, %d]',
  safe: '%d: safe',
  fromToSafe: 'from %d to %d: safe',
  processed: 'processed %d insns (limit %d) max_states_per_insn %d total_states %d peak_states %d mark_read %d',
  verificationTime: 'verification time %d usec',
  stackDepth: 'stack depth %s', // subprog depths joined by '+'
  infiniteLoop: 'infinite loop detected at insn %d',
} as const;

export type MessageKey = keyof typeof BASE_TEXTS;

/** One conversion of a template: its minimum width (0: none), pad character, and whether it prints hex. */
interface Conversion { width: number; pad: string; hex: boolean }

/** A template cut at its conversions: literal text at even indices, a Conversion at odd ones. */
type ParsedTemplate = (string | Conversion)[];

const CONVERSION = /%(0?\d*)(lld|llu|ld|lu|d|u|s|x)/g;
/** Templates parsed so far (the message tables are finite; the bound only guards odd callers). */
const PARSED = new Map<string, ParsedTemplate>();

function parseTemplate(template: string): ParsedTemplate {
  const out: ParsedTemplate = [];
  let last = 0;
  for (const m of template.matchAll(CONVERSION)) {
    out.push(template.slice(last, m.index), { width: m[1] ? parseInt(m[1], 10) : 0, pad: m[1].startsWith('0') ? '0' : ' ', hex: m[2] === 'x' });
    last = m.index + m[0].length;
  }
  out.push(template.slice(last));
  return out;
}

/**
 * Fill a printf-style template (%d %u %s %lld %02x) with args, in order. Each template is
 * parsed once (a regex replace with a callback per call was a visible share of a small verification).
 */
export function fmt(template: string, args: MessageArgs = []): string {
  let parsed = PARSED.get(template);
  if (parsed === undefined) {
    if (PARSED.size >= 4096) PARSED.clear();
    PARSED.set(template, parsed = parseTemplate(template));
  }
  let s = parsed[0] as string;
  for (let k = 1, i = 0; k < parsed.length; k += 2) {
    const c = parsed[k] as Conversion;
    const a = args[i++];
    let v = c.hex ? (typeof a === 'bigint' ? a : BigInt(a as number)).toString(16) : String(a);
    if (c.width) v = v.padStart(c.width, c.pad);
    s += v + (parsed[k + 1] as string);
  }
  return s;
}

/** Text of message `key` in a profile's table (the base table by default), filled with args. */
export function msg(key: MessageKey, args: MessageArgs = [], texts: MessageTexts = BASE_TEXTS): string {
  return fmt(texts[key], args);
}
