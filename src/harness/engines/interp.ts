// The interpreter as an engine: runs the instruction stream with the given
// memory in r1/r2 (bpf_conformance style), bpf_throw available as a kfunc, an
// object's maps modelled, and the helper table of the program's ABI.
import { createVm, run, BpfRuntimeError, bpfThrowKfunc, HelperFn, createMapSet, MapSet } from '../../runtime';
import { CONFORMANCE_HELPERS } from '../conformance-helpers';
import { CONFORMANCE_MEM_BASE } from '../conformance';
import { Engine, EngineResult, ProgramUnderTest, RunInput, runResult } from '../engine';

function kfuncTable(p: ProgramUnderTest): Map<number, HelperFn> {
  const t = new Map<number, HelperFn>();
  for (const [id, name] of p.kfuncs ?? []) if (name === 'bpf_throw') t.set(id, bpfThrowKfunc);
  return t;
}

export const interpEngine: Engine = {
  name: 'interp',
  available: () => ({ ok: true }),
  async run(p: ProgramUnderTest, input: RunInput): Promise<EngineResult> {
    const mem = input.mem ?? input.packet ?? new Uint8Array(0);
    try {
      // An object's maps (BTF-defined and global data) become modelled array/hash maps.
      let maps: MapSet | undefined;
      if (p.object && p.object.linked.mapRelocs.length) {
        maps = createMapSet(p.object.loaded.maps.map((m) => ({
          name: m.name, type: m.typeName, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries,
          initial: m.initialValue, readOnly: m.libbpfType === 'rodata',
        })), p.object.linked.mapRelocs);
      }
      // Helper ids mean different functions in the two ABIs (uBPF's 1 is memfrob, Linux's is map lookup).
      const helpers = p.helperAbi === 'ubpf' ? CONFORMANCE_HELPERS : new Map<number, HelperFn>(maps?.helpers ?? []);
      const exceptionCallbackPc = p.object?.linked.exceptionCallback
        ? p.object.linked.subprogOffsets[p.object.linked.subprogs.indexOf(p.object.linked.exceptionCallback)]
        : undefined;
      const vm = createVm(p.insns, { helpers, kfuncs: kfuncTable(p), exceptionCallbackPc, resolveLdImm64: maps?.resolveLdImm64 });
      const r = run(vm, {
        args: [mem.length ? CONFORMANCE_MEM_BASE : 0n, BigInt(mem.length)],
        regions: [
          ...(mem.length ? [{ name: 'mem', base: CONFORMANCE_MEM_BASE, bytes: Uint8Array.from(mem) }] : []),
          ...(maps?.regions() ?? []),
        ],
      });
      return runResult(r.retval, null);
    } catch (e) {
      if (e instanceof BpfRuntimeError) return runResult(null, e.message);
      throw e;
    }
  },
};
