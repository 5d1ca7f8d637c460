// Kernel profiles: what differs between the kernels the model answers for, as
// data. A profile is a message table (overrides of messages.ts's base texts) and
// behaviour switches. The live kernel is probed to choose one (src/kernel/probe.ts);
// without a kernel the newest profile is the default. PURE.
import { BASE_TEXTS, MessageKey, MessageTexts } from './messages';

/** Verifier behaviours that changed between kernels. */
export interface KernelBehaviour {
  /**
   * check_max_stack_depth_subprog: a tail call reachable from any callback subprog (not
   * only the exception callback) is rejected; the message is the profile's `tailCallInCallback`.
   */
  tailCallInAnyCallback: boolean;
  /**
   * A call of a global subprog that may throw is checked at its call site as a possible
   * exceptional exit (held references leak there).
   */
  globalThrowCheckedAtCallsite: boolean;
}

export interface KernelProfile {
  name: string;
  /** Which kernels it describes, in a line. */
  description: string;
  texts: MessageTexts;
  behaviour: KernelBehaviour;
}

const withTexts = (over: Partial<Record<MessageKey, string>>): MessageTexts => ({ ...BASE_TEXTS, ...over });

/** The first 6.18 build seen on these machines. */
export const LINUX_6_18_INITIAL: KernelProfile = {
  name: 'linux-6.18-initial',
  description: 'Linux 6.18 as first built here (before the callback tail-call and global-throw fixes)',
  texts: withTexts({}),
  behaviour: { tailCallInAnyCallback: false, globalThrowCheckedAtCallsite: false },
};

/** The later 6.18 build with the upstream fixes backported. */
export const LINUX_6_18_FIXED: KernelProfile = {
  name: 'linux-6.18-fixed',
  description: 'Linux 6.18 with the upstream fixes: tail calls rejected in any callback, throwing global subprogs checked at the call site',
  texts: withTexts({ tailCallInExceptionCb: 'cannot tail call within callback' }),
  behaviour: { tailCallInAnyCallback: true, globalThrowCheckedAtCallsite: true },
};

/** Every profile, oldest first; the last is the newest. */
export const PROFILES: readonly KernelProfile[] = [LINUX_6_18_INITIAL, LINUX_6_18_FIXED];
export const NEWEST_PROFILE: KernelProfile = PROFILES[PROFILES.length - 1];

export function profileByName(name: string): KernelProfile | undefined {
  return PROFILES.find((p) => p.name === name);
}
