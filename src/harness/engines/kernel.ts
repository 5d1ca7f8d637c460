// The live kernel as an engine: BPF_PROG_LOAD (and BPF_PROG_TEST_RUN when it
// accepts), through src/kernel. Objects load end to end: BTF, maps, relocations;
// a hand-built program's BTF and func_info go with it.
import { encodeBtf, encodeFuncInfo } from '../../btf';
import { kernelAvailable } from '../../kernel/avail';
import { kernelRun, KernelProgram, KernelVerdict } from '../../kernel/run';
import { loadLinkedObject } from '../../kernel/object';
import { Engine, EngineResult, ProgramUnderTest, RunInput, kernelResult } from '../engine';

export const kernelEngine: Engine = {
  name: 'kernel',
  available: () => kernelAvailable(),
  async run(p: ProgramUnderTest, input: RunInput): Promise<EngineResult> {
    const load = input.load ?? {};
    if (load.unprivileged) throw new Error('the kernel engine cannot drop capabilities (an unprivileged load)');
    const opts = {
      logLevel: load.logLevel ?? 1, run: true,
      ...(input.repeat ? { repeat: input.repeat } : {}),
      ...(load.xlated ? { dump: 'xlated' as const } : {}),
    };
    // With a repeat, BPF_PROG_TEST_RUN's duration is the time of one run
    const finish = (r: EngineResult, v: KernelVerdict): EngineResult => {
      const timed = input.repeat && v.duration !== undefined ? { ...r, nsPerRun: v.duration } : r;
      return load.xlated && r.verdict === 'accept' ? { ...timed, xlatedProgram: v.xlated ?? { unavailable: 'the kernel gave no xlated dump' } } : timed;
    };
    if (p.object) {
      // __auxiliary programs load first, with the object; the first failure fails the load (bpf_object__load).
      const aux = p.object.auxiliary ?? [];
      const obj = { ...p.object.loaded, programs: [...aux, p.object.linked] };
      const vs = loadLinkedObject(obj, { ...opts, input, progFlags: load.progFlags });
      const v = vs.find((x) => x.verdict === 'reject') ?? vs[vs.length - 1];
      return finish(kernelResult(v), v);
    }
    const prog: KernelProgram = {
      name: p.name, insns: p.insns, progType: p.progType, license: p.license, progFlags: load.progFlags,
      ...(p.btf ? { btf: encodeBtf(p.btf.btf), funcInfo: encodeFuncInfo(p.btf.funcInfo) } : {}),
    };
    // Verdict and log come from the program as written (a prologue would shift instruction numbers);
    // BPF_PROG_TEST_RUN reports 32 bits of r0, so an accepted program runs again inside the
    // kernel backend's wrapper, which stores all 64 (not possible with func_info).
    const v0 = kernelRun(prog, input, opts);
    const plain = finish(kernelResult(v0), v0);
    if (plain.verdict !== 'accept' || plain.retval === null || p.btf) return plain;
    const wide = kernelRun(prog, input, { ...opts, wideRetval: true });
    return wide.retval !== null && wide.retvalBits === 64 ? { ...plain, retval: wide.retval } : plain;
  },
};
