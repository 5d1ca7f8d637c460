// Ready-made kfunc implementations that only need the interpreter itself.
// bpf_throw (kernel/bpf/helpers.c): unwind every frame and end the program
// through the exception callback (or with the cookie as r0 when there is none).
import { HelperFn } from './types';

/** bpf_throw(u64 cookie): register it in VmOptions.kfuncs under bpf_throw's BTF id. */
export const bpfThrowKfunc: HelperFn = (ctx, cookie) => ctx.throwException(cookie);
