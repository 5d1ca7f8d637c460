// The JIT as an engine: compile with src/jit (only programs the verifier
// model accepts; bpf_conformance programs, which use uBPF's helper ABI, run
// unverified), load into executable memory and run natively (src/native)
// with the same input as the interpreter: the input bytes in r1, their
// length in r2. With RunInput.repeat the loop runs in native code and the
// result carries the (thread CPU) time per run.
import { Engine, EngineResult, ProgramUnderTest, RunInput } from '../engine';
import { JitRefused } from '../jit-program';
import { JitError } from '../../jit';
import { BpfRuntimeError } from '../../runtime';

export const jitEngine: Engine = {
  name: 'jit',
  available: () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { nativeAvailable } = require('../../native/runtime') as typeof import('../../native/runtime');
    return nativeAvailable();
  },
  async run(p: ProgramUnderTest, input: RunInput): Promise<EngineResult> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { loadNativeProgram, threadCpuNs } = require('../../native/runtime') as typeof import('../../native/runtime');
    const none = { verdict: null, errno: null, log: null } as const;
    let prog;
    try {
      prog = loadNativeProgram(p, { unverified: p.helperAbi === 'ubpf', trustKernel: input.trustKernel });
    } catch (e) {
      if (e instanceof JitRefused || e instanceof JitError || e instanceof BpfRuntimeError) return { ...none, retval: null, error: `not jitted: ${e.message}` };
      throw e;
    }
    try {
      const bytes = input.mem ?? input.packet ?? new Uint8Array(0);
      const block = bytes.length ? prog.alloc(bytes) : undefined;
      const r1 = block ? block.addr : 0n, r2 = BigInt(bytes.length);
      const repeat = input.repeat && input.repeat > 1 ? input.repeat : 1;
      // CPU time of this thread: the kernel's test run also leaves out time the task was preempted
      const t0 = threadCpuNs();
      const retval = prog.run(r1, r2, repeat);
      const ns = Number(threadCpuNs() - t0);
      return { ...none, retval, error: null, ...(repeat > 1 ? { nsPerRun: ns / repeat } : {}) };
    } catch (e) {
      if (e instanceof BpfRuntimeError) return { ...none, retval: null, error: e.message };
      throw e;
    } finally {
      prog.close();
    }
  },
};
