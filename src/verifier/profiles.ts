// Kernel profiles: what differs between the kernels the model answers for, as
// data. A profile is a message table (overrides of messages.ts's base texts) and
// behaviour switches. The live kernel is probed to choose one (src/kernel/probe.ts);
// without a kernel the newest profile is the default. PURE.
import { BASE_TEXTS, MessageKey, MessageTexts } from './messages';

/** Verifier behaviours that changed between kernels. */
export interface KernelBehaviour {
  /**
   * check_max_stack_depth_subprog, when a subprog with a tail call that was entered by a
   * call (not a root of the walk) has been walked:
   * - true: its whole call chain, itself included, is checked, and any callback there
   *   (is_cb: bpf_loop and other callbacks, the exception callback) rejects the program;
   * - false: only its callers are checked, and only the exception callback rejects.
   * The message is the profile's `tailCallInCallback` (EINVAL). Observed on 6.18.44-fc-v1045:
   * a bpf_loop callback with a tail call, or calling a static or global subprog with one, is
   * rejected; a tail call in the exception callback itself (a root) is not; a tail call
   * elsewhere in the program does not taint callbacks walked later.
   */
  tailCallInAnyCallback: boolean;
  /**
   * A call of a global subprog that may throw is checked at its call site as a possible
   * exceptional exit: a reference held there is reported (`Unreleased reference id=%d
   * alloc_insn=%d`, then `bpf_throw would lead to reference leak`, EINVAL). Recorded now;
   * it takes effect when references are modelled.
   */
  globalThrowCheckedAtCallsite: boolean;
  /**
   * process_bpf_exit_full on a bpf_throw checks the locks (RCU, IRQ, preemption) in
   * every frame, not only in the main program, and names `bpf_throw` in the message:
   * a throw from a subprog inside bpf_rcu_read_lock is `bpf_throw cannot be used inside
   * bpf_rcu_read_lock-ed region` (observed on 6.18.44-fc-v1045 with
   * fixtures/obj/exc_st_fail.bpf.o st_subprog_throw_in_rcu). Without it the throw path
   * passes and the main program's exit is reported. Upstream 6c2128505f61 ("bpf: Fix exception
   * exit lock checking for subprogs"); `bpfx fuzz` found it too (profile subprog).
   */
  throwChecksLocksInEveryFrame: boolean;
}

export interface KernelProfile {
  name: string;
  /** Which kernels it describes, in a line. */
  description: string;
  texts: MessageTexts;
  behaviour: KernelBehaviour;
}

const withTexts = (over: Partial<Record<MessageKey, string>>): MessageTexts => ({ ...BASE_TEXTS, ...over });

/**
 * The first 6.18 build seen on these machines (6.18.44-fc-v595, whose BTF, Kconfig and
 * release are fixtures/vmlinux). Its tail-call rule is also that of the newest upstream
 * source read (kernel-patches/bpf 000eb74: check_max_stack_depth_subprog checks the callers
 * for is_exception_cb only).
 */
export const LINUX_6_18_INITIAL: KernelProfile = {
  name: 'linux-6.18-initial',
  description: 'Linux 6.18 as first built here (6.18.44-fc-v595): tail calls refused only under the exception callback, global subprogs that throw not checked at the call',
  texts: withTexts({}),
  behaviour: { tailCallInAnyCallback: false, globalThrowCheckedAtCallsite: false, throwChecksLocksInEveryFrame: false },
};

/** The later 6.18 build with the two upstream fixes (6.18.44-fc-v1045, probed on these machines). */
export const LINUX_6_18_FIXED: KernelProfile = {
  name: 'linux-6.18-fixed',
  description: 'Linux 6.18 with the upstream fixes (6.18.44-fc-v1045): tail calls refused under any callback, global subprogs that throw checked at the call',
  texts: withTexts({ tailCallInCallback: 'cannot tail call within callback' }),
  behaviour: { tailCallInAnyCallback: true, globalThrowCheckedAtCallsite: true, throwChecksLocksInEveryFrame: true },
};

/** Every profile, oldest first; the last is the newest. */
export const PROFILES: readonly KernelProfile[] = [LINUX_6_18_INITIAL, LINUX_6_18_FIXED];
export const NEWEST_PROFILE: KernelProfile = PROFILES[PROFILES.length - 1];

export function profileByName(name: string): KernelProfile | undefined {
  return PROFILES.find((p) => p.name === name);
}
