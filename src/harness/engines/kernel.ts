// The live kernel as an engine: BPF_PROG_LOAD (and BPF_PROG_TEST_RUN when it
// accepts), through src/kernel. Objects load end to end: BTF, maps, relocations.
import { kernelAvailable } from '../../kernel';
import { kernelRun, KernelVerdict } from '../../kernel/run';
import { loadLinkedObject } from '../../kernel/object';
import { Engine, EngineResult, ProgramUnderTest, RunInput } from '../engine';

function toResult(v: KernelVerdict): EngineResult {
  const r: EngineResult = { verdict: v.verdict, errno: v.errno, log: v.log, retval: v.retval, error: v.runError };
  if (v.dataOut) r.dataOut = v.dataOut;
  if (v.ctxOut) r.ctxOut = v.ctxOut;
  return r;
}

export const kernelEngine: Engine = {
  name: 'kernel',
  available: () => kernelAvailable(),
  async run(p: ProgramUnderTest, input: RunInput): Promise<EngineResult> {
    const opts = { logLevel: 1, run: true };
    if (p.object) {
      const obj = { ...p.object.loaded, programs: [p.object.linked] };
      const [v] = loadLinkedObject(obj, { ...opts, input });
      return toResult(v);
    }
    const prog = { name: p.name, insns: p.insns, progType: p.progType, license: p.license };
    // Verdict and log come from the program as written (a prologue would shift instruction numbers);
    // BPF_PROG_TEST_RUN reports 32 bits of r0, so an accepted program runs again inside the
    // kernel backend's wrapper, which stores all 64.
    const plain = toResult(kernelRun(prog, input, opts));
    if (plain.verdict !== 'accept' || plain.retval === null) return plain;
    const wide = kernelRun(prog, input, { ...opts, wideRetval: true });
    return wide.retval !== null && wide.retvalBits === 64 ? { ...plain, retval: wide.retval } : plain;
  },
};
