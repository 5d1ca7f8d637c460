// The live kernel as an engine: BPF_PROG_LOAD (and BPF_PROG_TEST_RUN when it
// accepts), through src/kernel. Objects load end to end: BTF, maps, relocations.
import { kernelAvailable } from '../../kernel';
import { kernelRun, KernelVerdict } from '../../kernel/run';
import { loadLinkedObject } from '../../kernel/object';
import { Engine, EngineResult, ProgramUnderTest, RunInput } from '../engine';

function toResult(v: KernelVerdict): EngineResult {
  return { verdict: v.verdict, errno: v.errno, log: v.log, retval: v.retval, error: v.runError };
}

export const kernelEngine: Engine = {
  name: 'kernel',
  available: () => kernelAvailable(),
  async run(p: ProgramUnderTest, input: RunInput): Promise<EngineResult> {
    const opts = { logLevel: 1, run: true };
    if (p.object) {
      const obj = { ...p.object.loaded, programs: [p.object.linked] };
      const [v] = loadLinkedObject(obj, p.object.bytes, { ...opts, input });
      return toResult(v);
    }
    return toResult(kernelRun({ name: p.name, insns: p.insns, progType: p.progType, license: p.license }, input, opts));
  },
};
