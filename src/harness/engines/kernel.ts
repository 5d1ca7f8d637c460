// The live kernel as an engine: BPF_PROG_LOAD (and BPF_PROG_TEST_RUN when it
// accepts), through src/kernel. Objects load end to end: BTF, maps, relocations;
// a hand-built program's BTF and func_info go with it.
import { encodeBtf, encodeFuncInfo } from '../../btf';
import { kernelAvailable } from '../../kernel/avail';
import { kernelRun, KernelProgram } from '../../kernel/run';
import { loadLinkedObject } from '../../kernel/object';
import { Engine, EngineResult, ProgramUnderTest, RunInput, kernelResult } from '../engine';

export const kernelEngine: Engine = {
  name: 'kernel',
  available: () => kernelAvailable(),
  async run(p: ProgramUnderTest, input: RunInput): Promise<EngineResult> {
    const opts = { logLevel: input.logLevel ?? 1, run: true };
    if (p.object) {
      const obj = { ...p.object.loaded, programs: [p.object.linked] };
      const [v] = loadLinkedObject(obj, { ...opts, input });
      return kernelResult(v);
    }
    const prog: KernelProgram = {
      name: p.name, insns: p.insns, progType: p.progType, license: p.license,
      ...(p.btf ? { btf: encodeBtf(p.btf.btf), funcInfo: encodeFuncInfo(p.btf.funcInfo) } : {}),
    };
    // Verdict and log come from the program as written (a prologue would shift instruction numbers);
    // BPF_PROG_TEST_RUN reports 32 bits of r0, so an accepted program runs again inside the
    // kernel backend's wrapper, which stores all 64 (not possible with func_info).
    const plain = kernelResult(kernelRun(prog, input, opts));
    if (plain.verdict !== 'accept' || plain.retval === null || p.btf) return plain;
    const wide = kernelRun(prog, input, { ...opts, wideRetval: true });
    return wide.retval !== null && wide.retvalBits === 64 ? { ...plain, retval: wide.retval } : plain;
  },
};
