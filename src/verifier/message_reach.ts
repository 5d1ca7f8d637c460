// Why a rejection message of the model is not reached by a spec or scenario, as data
// beside the message table (messages.ts). `unreachable`: no program reaches it on the
// kernel the model answers for (Linux 6.18 on this machine): a consistency check an
// earlier check always pre-empts, a kfunc shape this vmlinux does not have, or a host
// fact this machine lacks; scripts/rules.js counts these apart from the reachable ones
// and lists each with its reason, and a `test` is a unit test that drives the model to
// it with host facts made up for it. `not_yet`: a program can reach it here, but the
// model (or the spec format) does not get there yet: counted as reachable and not
// reached, with the reason shown (docs/authoring.md, "Verifier rule coverage").
import { MessageKey } from './messages';

export type MessageReach =
  | {
    kind: 'unreachable';
    /** Why no program reaches it here (one line). */
    reason: string;
    /** What it would take: 'kernel' (never, on 6.18), 'vmlinux' (a kernel build with other kfuncs), 'host' (another machine's setup). */
    scope: 'kernel' | 'vmlinux' | 'host';
    /** A unit test that reaches it on the model with made-up host facts (repository path). */
    test?: string;
  }
  | {
    kind: 'not_yet';
    /** The way a program reaches it, and what the model or the spec format lacks for it (one line). */
    reason: string;
  };

const REACH_TEST = 'test/verifier/rule_reach.test.ts';

export const MESSAGE_REACH: Readonly<Partial<Record<MessageKey, MessageReach>>> = {
  noProgAtInsn: { kind: 'unreachable', scope: 'kernel', reason: 'internal check: add_subprog_and_kfunc makes every bpf-to-bpf call target a subprogram start before do_check' },
  invalidInsnIdx: { kind: 'unreachable', scope: 'kernel', reason: 'internal check: check_cfg rejects every path that leaves the program (jump out of range, fall-through past the last insn) before do_check' },
  subsystemMisconfigured: { kind: 'unreachable', scope: 'kernel', reason: 'internal check: every helper returning a map value takes its CONST_PTR_TO_MAP argument first, which sets meta.map_ptr' },
  invalidMapPtrType: { kind: 'unreachable', scope: 'kernel', reason: 'internal check: every helper with a map key or value argument has its CONST_PTR_TO_MAP argument before it' },
  invalidMapPtrKey: { kind: 'unreachable', scope: 'kernel', reason: 'internal check: every helper with a map key argument has its CONST_PTR_TO_MAP argument before it' },
  invalidMapPtrValue: { kind: 'unreachable', scope: 'kernel', reason: 'internal check: every helper with a map value argument has its CONST_PTR_TO_MAP argument before it' },
  invalidMainBtfId: { kind: 'unreachable', scope: 'kernel', reason: 'check_btf_func_early rejects a func_info type that is not a FUNC first (specs/rules/func-info-bad-type.yaml: an id past the BTF gives "invalid type id N in func info")' },
  helperRefNotAcquired: { kind: 'unreachable', scope: 'kernel', reason: 'internal check: a register carries only the ref_obj_id of a held reference (releasing one scrubs every register carrying it), so release_reference finds it' },
  kfuncRefNotAcquired: { kind: 'unreachable', scope: 'kernel', reason: 'internal check: a register carries only the ref_obj_id of a held reference (releasing one scrubs every register carrying it), so release_reference finds it' },
  spinLockTwice: { kind: 'unreachable', scope: 'kernel', reason: 'with a lock held every helper call but bpf_spin_unlock is "function calls are not allowed while holding a lock" first, and no kfunc of kfunc_spin_allowed takes a bpf_spin_lock (specs/rules/lock-twice.yaml)' },
  stackVarUnpriv: { kind: 'unreachable', scope: 'kernel', reason: 'a variable-offset stack pointer needs bypass_spec_v1, like this check: without it the ALU rejects "R%d variable stack access prohibited for !root" first' },
  dynptrWrongType: { kind: 'unreachable', scope: 'kernel', reason: 'the typed arguments of initialised dynptrs are the ringbuf submit/discard ones, which release: only ringbuf dynptrs hold a reference, so "arg %d is an unacquired reference" comes first (specs/rules/dynptr-release-unacquired.yaml)' },
  constDynptrMutated: { kind: 'unreachable', scope: 'kernel', reason: 'every 6.18 helper taking an initialised dynptr declares it MEM_RDONLY but the ringbuf release ones ("cannot release unowned const bpf_dynptr" first: specs/rules/dynptr-release-const.yaml); kfuncs add MEM_RDONLY for a const dynptr' },
  btfNotStruct: { kind: 'unreachable', scope: 'kernel', reason: 'every PTR_TO_BTF_ID the 6.18 verifier makes points to a struct or union (ctx arguments, ksyms, kfunc returns, bpf_rdonly_cast check the kind when the pointer is made)' },
  btfAccessNeedsCap: { kind: 'unreachable', scope: 'host', reason: 'needs CAP_BPF with CAP_NET_ADMIN but without CAP_PERFMON (e.g. an XDP program reading an xfrm_state): bpfx loads with all capabilities or, on the model, with none of the four, where no program type gets a PTR_TO_BTF_ID' },
  btfUserMemory: { kind: 'unreachable', scope: 'vmlinux', reason: 'this vmlinux BTF has no __user type tags (one TYPE_TAG in all), and a __user pointer member of a bpf_obj_new object loads as rdonly_untrusted_mem (observed), not as a MEM_USER PTR_TO_BTF_ID' },
  tailCallNoJit: { kind: 'unreachable', scope: 'host', reason: 'needs a kernel without the BPF JIT (net.core.bpf_jit_enable=0); this shared host runs the JIT', test: REACH_TEST },
  kfuncTooManyArgs: { kind: 'unreachable', scope: 'vmlinux', reason: 'the one kfunc-tagged function of this vmlinux with more than 5 parameters, bpf_modify_return_test2, is an fmod_ret target: "calling kernel function ... is not allowed" first', test: REACH_TEST },
  kfuncUnrecognizedArg: { kind: 'unreachable', scope: 'vmlinux', reason: 'every parameter of the 203 kfuncs of this vmlinux is a scalar or a pointer', test: REACH_TEST },
  kfuncArgNotAConst: { kind: 'unreachable', scope: 'vmlinux', reason: 'no kfunc of this vmlinux has a rdonly_buf_size or rdwr_buf_size parameter (bpf_testmod\'s do)', test: REACH_TEST },
  kfuncAcquireNotBtfId: { kind: 'unreachable', scope: 'vmlinux', reason: 'every KF_ACQUIRE kfunc of this vmlinux returns a struct pointer (bpf_obj_new_impl and its kin excepted by the kernel)', test: REACH_TEST },
  kfuncAllocObjNotReferenced: { kind: 'unreachable', scope: 'kernel', reason: 'an allocated object without a reference is a non-owning (NON_OWN_REF, MEM_RCU) or untrusted one, refused before as "arg#%d expected pointer to allocated object"' },
  kfuncRetPtrUnsupported: { kind: 'unreachable', scope: 'vmlinux', reason: 'every kfunc of this vmlinux returning a pointer to a non-struct returns void * or a sized type', test: REACH_TEST },
};
