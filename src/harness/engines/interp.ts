// The interpreter as an engine. A program whose type has a context model
// (src/runtime/context: socket filter, tc, cgroup skb, lwt, xdp, flow
// dissector) runs as BPF_PROG_TEST_RUN would run it: r1 = the user-visible
// struct (__sk_buff, xdp_md) built from the packet (default 64 zero bytes, as
// the kernel engine) and ctx_in, and answers data_out/ctx_out. bpf_conformance
// programs (the ubpf helper ABI, or any `mem` input) and program types without
// a context model keep the raw-memory convention: the input bytes in r1, their
// length in r2. bpf_throw is available as a kfunc, an object's maps are
// modelled, and the helper table is the program's ABI's. A program the
// verifier model accepts runs without the instructions its walk never reached
// (the kernel removes them before the program runs).
import {
  createVm, run, BpfRuntimeError, bpfThrowKfunc, HelperFn, createMapSet, MapSet, RegionSpec,
  buildContext, finishContext, contextLayout, BuiltContext, DEFAULT_DATA_IN_SIZE, runtimeHelpers, TailCall, Vm, RunOptions, RunResult,
} from '../../runtime';
import { objectMapSpecs, siblingProgram } from '../object';
import { hostHelperEnv } from '../helper-env';
import { CONFORMANCE_HELPERS } from '../conformance-helpers';
import { CONFORMANCE_MEM_BASE } from '../conformance';
import { Engine, EngineResult, ProgramUnderTest, RunInput, runResult } from '../engine';
import { HostFacts } from '../../kernel/host';
import { programStarts, reachedForRun } from '../jit-program';

function kfuncTable(p: ProgramUnderTest): Map<number, HelperFn> {
  const t = new Map<number, HelperFn>();
  for (const [id, name] of p.kfuncs ?? []) if (name === 'bpf_throw') t.set(id, bpfThrowKfunc);
  return t;
}

/** What r1..r2 and the memory of a run are: a built context, or raw bytes. */
export type Entry =
  | { kind: 'context'; context: BuiltContext }
  | { kind: 'raw'; mem: Uint8Array }
  | { kind: 'refused'; errno: string };

/** How a run starts on this engine and on the jit: a test-run context, raw bytes in r1/r2, or the kernel's refusal. */
export function entryFor(p: ProgramUnderTest, input: RunInput, host: HostFacts): Entry {
  const raw = input.mem && input.mem.length ? input.mem : undefined;
  if (raw || p.helperAbi === 'ubpf' || !contextLayout(p.progType)) return { kind: 'raw', mem: raw ?? input.packet ?? new Uint8Array(0) };
  // ctx_size_out as the kernel engine passes it (src/kernel/prog.ts testRun: the ctx_in length).
  const r = buildContext({
    progType: p.progType, data: input.packet ?? new Uint8Array(DEFAULT_DATA_IN_SIZE), ctxIn: input.ctx,
    ctxSizeOut: input.ctx?.length ?? 0, devices: host.netDevices,
  });
  return r.ok ? { kind: 'context', context: r.context } : { kind: 'refused', errno: r.errno };
}

/** The interpreter, with the host's network devices for contexts that name one. */
export const interpEngine = (host: HostFacts): Engine => ({
  name: 'interp',
  available: () => ({ ok: true }),
  async run(p: ProgramUnderTest, input: RunInput): Promise<EngineResult> {
    try {
      const entry = entryFor(p, input, host);
      if (entry.kind === 'refused') return runResult(null, entry.errno);
      // An object's maps (BTF-defined and global data) become modelled maps.
      let maps: MapSet | undefined;
      if (p.object && p.object.linked.mapRelocs.length) maps = createMapSet(objectMapSpecs(p), p.object.linked.mapRelocs);
      // Helper ids mean different functions in the two ABIs (uBPF's 1 is memfrob, Linux's is map lookup).
      const env = hostHelperEnv();
      const helpers = p.helperAbi === 'ubpf' ? CONFORMANCE_HELPERS : new Map<number, HelperFn>([...runtimeHelpers(env), ...(maps?.helpers ?? [])]);
      const trace = (): { trace?: string[] } => (env.lines.length ? { trace: env.lines } : {});
      const vmFor = (q: ProgramUnderTest): Vm => {
        const l = q.object?.linked;
        const exceptionCallbackPc = programStarts(q).exceptionCbStart;
        const resolveLdImm64 = maps && (q === p ? maps.resolveLdImm64 : maps.resolverFor(l?.mapRelocs ?? []));
        // a verified program runs without the code the verifier never reached, as in the kernel
        const reached = reachedForRun(q, host.profile);
        return createVm(q.insns, { helpers, kfuncs: kfuncTable(q), exceptionCallbackPc, resolveLdImm64, reached });
      };
      const mapRegions: RegionSpec[] = maps?.regions() ?? [];
      /** Run p, and each program a tail call replaces it with, in its place (the ctx and maps stay). */
      const runChain = (opts: RunOptions): RunResult => {
        if (maps) maps.tailCalls.count = 0;
        let q = p;
        for (;;) {
          try {
            return run(vmFor(q), opts);
          } catch (e) {
            if (!(e instanceof TailCall)) throw e;
            q = siblingProgram(p, e.target, host);
            opts = { ...opts, args: [e.ctx] };
          }
        }
      };
      if (entry.kind === 'raw') {
        const mem = entry.mem;
        const r = runChain({
          args: [mem.length ? CONFORMANCE_MEM_BASE : 0n, BigInt(mem.length)],
          regions: [...(mem.length ? [{ name: 'mem', base: CONFORMANCE_MEM_BASE, bytes: Uint8Array.from(mem) }] : []), ...mapRegions],
        });
        return { ...runResult(r.retval, null), ...trace() };
      }
      const c = entry.context;
      const r = runChain({ args: [c.ctxAddress], regions: [...c.regions, ...mapRegions], packetRegion: c.packetRegion });
      const out = finishContext(c);
      if (!out.ok) return runResult(null, out.errno);
      return { ...runResult(r.retval, null), dataOut: out.dataOut, ...(out.ctxOut ? { ctxOut: out.ctxOut } : {}), ...trace() };
    } catch (e) {
      if (e instanceof BpfRuntimeError) return runResult(null, e.message);
      throw e;
    }
  },
});
