// The interpreter as an engine: runs the instruction stream with the given
// memory in r1/r2 (bpf_conformance style) and bpf_throw available as a kfunc.
import { createVm, run, BpfRuntimeError, bpfThrowKfunc, HelperFn } from '../../runtime';
import { CONFORMANCE_HELPERS } from '../conformance-helpers';
import { CONFORMANCE_MEM_BASE } from '../conformance';
import { Engine, EngineResult, ProgramUnderTest, RunInput } from '../engine';

function kfuncTable(p: ProgramUnderTest): Map<number, HelperFn> {
  const t = new Map<number, HelperFn>();
  for (const [id, name] of p.kfuncs ?? []) if (name === 'bpf_throw') t.set(id, bpfThrowKfunc);
  return t;
}

export const interpEngine: Engine = {
  name: 'interp',
  available: () => ({ ok: true }),
  async run(p: ProgramUnderTest, input: RunInput): Promise<EngineResult> {
    const none = { verdict: null, errno: null, log: null } as const;
    if (p.object && p.object.linked.mapRelocs.length) {
      return { ...none, retval: null, error: 'not modelled yet: maps in the interpreter engine' };
    }
    const mem = input.mem ?? input.packet ?? new Uint8Array(0);
    try {
      const exceptionCallbackPc = p.object?.linked.exceptionCallback
        ? p.object.linked.subprogOffsets[p.object.linked.subprogs.indexOf(p.object.linked.exceptionCallback)]
        : undefined;
      const vm = createVm(p.insns, { helpers: CONFORMANCE_HELPERS, kfuncs: kfuncTable(p), exceptionCallbackPc });
      const r = run(vm, {
        args: [mem.length ? CONFORMANCE_MEM_BASE : 0n, BigInt(mem.length)],
        regions: mem.length ? [{ name: 'mem', base: CONFORMANCE_MEM_BASE, bytes: Uint8Array.from(mem) }] : [],
      });
      return { ...none, retval: r.retval, error: null };
    } catch (e) {
      if (e instanceof BpfRuntimeError) return { ...none, retval: null, error: e.message };
      throw e;
    }
  },
};
