// The live kernel as an engine: BPF_PROG_LOAD (and BPF_PROG_TEST_RUN when it
// accepts), through src/kernel. Objects load end to end: BTF, maps, relocations;
// a hand-built program's BTF and func_info go with it.
import { encodeBtf, encodeFuncInfo } from '../../btf';
import { kernelAvailable } from '../../kernel/avail';
import { kernelRun, KernelProgram, KernelVerdict } from '../../kernel/run';
import { loadLinkedObject, objectVerdict } from '../../kernel/object';
import { KernelError } from '../../kernel/errors';
import { firstErrorLine } from '../../verifier/error_line';
import { Engine, EngineResult, ObjectSource, ProgramUnderTest, RunInput, kernelResult } from '../engine';

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
    const finish = (v: KernelVerdict): EngineResult => {
      const r = kernelResult(v);
      const timed = input.repeat && v.duration !== undefined ? { ...r, nsPerRun: v.duration } : r;
      return load.xlated && r.verdict === 'accept' ? { ...timed, xlatedProgram: v.xlated ?? { unavailable: 'the kernel gave no xlated dump' } } : timed;
    };
    if (p.object) return finish(objectRun(p, p.object, input, { ...opts, progFlags: load.progFlags }));
    const prog: KernelProgram = {
      name: p.name, insns: p.insns, progType: p.progType, license: p.license, progFlags: load.progFlags,
      ...(p.btf ? { btf: encodeBtf(p.btf.btf), funcInfo: encodeFuncInfo(p.btf.funcInfo) } : {}),
    };
    // Verdict and log come from the program as written (a prologue would shift instruction numbers);
    // BPF_PROG_TEST_RUN reports 32 bits of r0, so an accepted program runs again inside the
    // kernel backend's wrapper, which stores all 64 (not possible with func_info).
    const v0 = kernelRun(prog, input, opts);
    const plain = finish(v0);
    if (plain.verdict !== 'accept' || plain.retval === null || p.btf) return plain;
    const wide = kernelRun(prog, input, { ...opts, wideRetval: true });
    return wide.retval !== null && wide.retvalBits === 64 ? { ...plain, retval: wide.retval } : plain;
  },
};

/**
 * An object's program: maps, prog array slots and BTF as libbpf loads them; __auxiliary programs
 * load first, with the object, and the first failure fails the load (bpf_object__load); an attach
 * target loads before all of them.
 */
type ObjectRunOptions = { logLevel: number; run: boolean; repeat?: number; dump?: 'xlated'; progFlags?: number };
function objectRun(p: ProgramUnderTest, o: ObjectSource, input: RunInput, opts: ObjectRunOptions): KernelVerdict {
  const aux = o.auxiliary ?? [];
  const obj = { ...o.loaded, programs: [...aux, o.linked] };
  const slotPrograms = o.loaded.programs.filter((q) => q !== o.linked && !aux.includes(q));
  const target = p.attachTarget;
  if (!target) return objectVerdict(loadLinkedObject(obj, { ...opts, input, slotPrograms }));
  // the target program loads first; the program names it by attach_prog_fd while it is loaded
  let v: KernelVerdict | undefined;
  const [t] = loadLinkedObject({ ...target.object.loaded, programs: [target.object.linked] }, {
    logLevel: opts.logLevel,
    onLoaded: (fd) => { v = objectVerdict(loadLinkedObject(obj, { ...opts, input, slotPrograms, attachTo: { progFd: fd, btfId: target.btfId } })); },
  });
  if (!v) throw new KernelError('bad-request', 'attach target', `target program '${target.object.linked.name}' was rejected: ${t.errno} ${firstErrorLine(t.log) ?? ''}`.trim());
  return v;
}
