// The JIT as an engine: compile with src/jit (only programs the verifier
// model accepts; bpf_conformance programs, which use uBPF's helper ABI, run
// unverified), load into executable memory and run natively (src/native)
// with the same entry as the interpreter: the test-run context of the
// program type (src/runtime/context, its regions in native memory below
// 4 GiB), or the input bytes in r1 and their length in r2. With
// RunInput.repeat the loop runs in native code and the result carries the
// (thread CPU) time per run.
import { Engine, EngineResult, ProgramUnderTest, RunInput, runResult } from '../engine';
import { HostFacts } from '../../kernel/host';
import { JitRefused } from '../jit-program';
import { JitError } from '../../jit';
import { BpfRuntimeError, BuiltContext, ContextRegionName, relocateContext, finishContext } from '../../runtime';
import { entryFor } from './interp';
import { PROG_TYPE, progTypeNumber } from '../../isa/uapi';

/**
 * Program types whose context holds kernel pointers (BTF-typed tracing arguments): their
 * loads through those pointers are BPF_PROBE_MEM in the kernel (an address check and an
 * exception table entry), which this JIT does not emit, so they are not run natively.
 */
const NOT_NATIVE: ReadonlySet<number> = new Set([PROG_TYPE.tracing, PROG_TYPE.lsm]);

/** The JIT, with the host's verifier profile and network devices. */
export const jitEngine = (host: HostFacts): Engine => ({
  name: 'jit',
  available: () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { nativeAvailable } = require('../native-run') as typeof import('../native-run');
    return nativeAvailable();
  },
  async run(p: ProgramUnderTest, input: RunInput): Promise<EngineResult> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { loadNativeProgram, threadCpuNs } = require('../native-run') as typeof import('../native-run');
    if (NOT_NATIVE.has(progTypeNumber(p.progType) ?? -1)) return runResult(null, 'not jitted: loads through BTF-typed context pointers (BPF_PROBE_MEM) are not run natively');
    let prog;
    try {
      prog = loadNativeProgram(p, { unverified: p.helperAbi === 'ubpf', trustKernel: input.trustKernel, profile: host.profile, host });
    } catch (e) {
      if (e instanceof JitRefused || e instanceof JitError || e instanceof BpfRuntimeError) return runResult(null, `not jitted: ${e.message}`);
      throw e;
    }
    try {
      const entry = entryFor(p, input, host);
      if (entry.kind === 'refused') return runResult(null, entry.errno);
      const repeat = input.repeat && input.repeat > 1 ? input.repeat : 1;
      let r1: bigint, r2: bigint;
      let context: { c: BuiltContext; blocks: Map<ContextRegionName, { addr: bigint; bytes: Uint8Array }> } | undefined;
      if (entry.kind === 'raw') {
        const block = entry.mem.length ? prog.alloc(entry.mem) : undefined;
        r1 = block ? block.addr : 0n;
        r2 = BigInt(entry.mem.length);
      } else {
        // The context's regions in native memory below 4 GiB (data/data_end are 32-bit fields), pointers rewritten
        const built = entry.context;
        const blocks = new Map(built.regions.map((reg) => [reg.name, prog.alloc(reg.bytes)] as const));
        const addrs = { ctx: blocks.get('ctx')!.addr, packet: blocks.get('packet')?.addr ?? 0n, aux: blocks.get('aux')?.addr ?? 0n };
        const c = relocateContext(built, addrs);
        for (const reg of c.regions) blocks.get(reg.name)!.bytes.set(reg.bytes);
        context = { c, blocks };
        r1 = c.ctxAddress;
        r2 = 0n;
      }
      // CPU time of this thread: the kernel's test run also leaves out time the task was preempted
      const t0 = threadCpuNs();
      const retval = prog.run(r1, r2, repeat);
      const ns = Number(threadCpuNs() - t0);
      const timing = { ...(repeat > 1 ? { nsPerRun: ns / repeat } : {}), ...(prog.env.lines.length ? { trace: prog.env.lines } : {}) };
      if (!context) return { ...runResult(retval, null), ...timing };
      const after: Partial<Record<ContextRegionName, Uint8Array>> = {};
      for (const reg of context.c.regions) after[reg.name] = context.blocks.get(reg.name)!.bytes.slice(0, reg.bytes.length);
      const out = finishContext(context.c, after);
      if (!out.ok) return runResult(null, out.errno);
      return { ...runResult(retval, null), ...timing, dataOut: out.dataOut, ...(out.ctxOut ? { ctxOut: out.ctxOut } : {}) };
    } catch (e) {
      if (e instanceof BpfRuntimeError) return runResult(null, e.message);
      throw e;
    } finally {
      prog.close();
    }
  },
});
