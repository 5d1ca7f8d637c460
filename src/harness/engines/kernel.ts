// The live kernel as an engine: BPF_PROG_LOAD (and BPF_PROG_TEST_RUN when it
// accepts), through src/kernel. Objects load end to end: BTF, maps, relocations;
// a hand-built program's BTF and func_info go with it.
import { encodeBtf, encodeFuncInfo } from '../../btf';
import { kernelAvailable } from '../../kernel/avail';
import { kernelRun, KernelProgram, KernelVerdict } from '../../kernel/run';
import { loadLinkedObject } from '../../kernel/object';
import { KernelError } from '../../kernel/errors';
import { firstErrorLine } from '../../verifier/error_line';
import { Engine, EngineResult, ObjectSource, ProgramUnderTest, RunInput, kernelResult } from '../engine';

export const kernelEngine: Engine = {
  name: 'kernel',
  available: () => kernelAvailable(),
  async run(p: ProgramUnderTest, input: RunInput): Promise<EngineResult> {
    const opts = { logLevel: input.logLevel ?? 1, run: true };
    if (p.object) return objectRun(p, p.object, input, opts);
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

/** An object's program: maps, prog array slots and BTF as libbpf loads them; an attach target loads first. */
function objectRun(p: ProgramUnderTest, o: ObjectSource, input: RunInput, opts: { logLevel: number; run: boolean }): EngineResult {
  const obj = { ...o.loaded, programs: [o.linked] };
  const slotPrograms = o.loaded.programs.filter((q) => q !== o.linked);
  const target = p.attachTarget;
  if (!target) return kernelResult(loadLinkedObject(obj, { ...opts, input, slotPrograms })[0]);
  // the target program loads first; the program names it by attach_prog_fd while it is loaded
  let v: KernelVerdict | undefined;
  const [t] = loadLinkedObject({ ...target.object.loaded, programs: [target.object.linked] }, {
    logLevel: opts.logLevel,
    onLoaded: (fd) => { [v] = loadLinkedObject(obj, { ...opts, input, slotPrograms, attachTo: { progFd: fd, btfId: target.btfId } }); },
  });
  if (!v) throw new KernelError('bad-request', 'attach target', `target program '${target.object.linked.name}' was rejected: ${t.errno} ${firstErrorLine(t.log) ?? ''}`.trim());
  return kernelResult(v);
}
