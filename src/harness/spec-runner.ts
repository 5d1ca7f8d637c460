// Run specs on engines: one outcome per (spec, engine) pair. A spec loads as
// its `load` says (log level, prog flags), privileged, and once more
// unprivileged on the verifier model when it has `expect.unpriv`. A spec
// whose program cannot be built is a failure naming the file and line, never a skip.
import { Spec, hexBytes, specProgFlags } from '../spec';
import { EngineName, EngineResult, LoadOptions, RunInput } from './engine';
import { getEngine } from './engines';
import { checkLoad, checkResult, specAppliesTo, unprivExpect } from './expect';
import { programFromSpec } from './program';
import { HostFacts } from '../kernel/host';
import { traceVerifierRun } from './rule-trace';

export type Outcome =
  | { status: 'pass'; spec: Spec; engine: EngineName; result?: EngineResult; unchecked?: string[] }
  | { status: 'fail'; spec: Spec; engine: EngineName; problems: string[]; result?: EngineResult }
  | { status: 'skip'; spec: Spec; engine: EngineName; reason: string; result?: EngineResult };

/** The input of a spec's runs. */
function specInput(spec: Spec, load: LoadOptions): RunInput {
  return {
    mem: spec.input.mem !== undefined ? hexBytes(spec.input.mem, 'input.mem') : undefined,
    packet: spec.input.packet !== undefined ? hexBytes(spec.input.packet, 'input.packet') : undefined,
    ctx: spec.input.ctx !== undefined ? hexBytes(spec.input.ctx, 'input.ctx') : undefined,
    load,
  };
}

/** Run one spec on one engine, for the kernel described by `host`. */
export async function runSpecOn(spec: Spec, engine: EngineName, host: HostFacts): Promise<Outcome> {
  if (!specAppliesTo(spec, engine)) return { status: 'skip', spec, engine, reason: 'nothing for this engine to check' };
  const e = getEngine(engine, host);
  const avail = e.available();
  if (!avail.ok) return { status: 'skip', spec, engine, reason: avail.reason ?? 'engine unavailable' };
  let prog;
  try {
    prog = programFromSpec(spec, host);
  } catch (err) {
    return { status: 'fail', spec, engine, problems: [`could not build the program: ${(err as Error).message}`] };
  }
  const logLevel = spec.load?.log_level ?? 0;
  const progFlags = specProgFlags(spec.load?.flags);
  const wantsXlated = spec.expect.xlated !== undefined || spec.expect.unpriv?.xlated !== undefined;
  const load: LoadOptions = { logLevel: Math.max(1, logLevel), progFlags, xlated: wantsXlated };
  const source = `${spec.source}:1`;
  let result: EngineResult;
  try {
    result = await e.run(prog, specInput(spec, load));
  } catch (err) {
    // An engine that fails on the program (a map it cannot create, bad input bytes) fails this spec alone.
    return { status: 'fail', spec, engine, problems: [`${spec.source}: the ${engine} engine could not load or run the program: ${(err as Error).message}`] };
  }
  traceVerifierRun(source, engine, result);
  const { problems, unchecked } = checkResult(spec, engine, result);
  const unpriv = unprivExpect(spec.expect);
  if (unpriv && engine === 'verifier') {
    const ur = await e.run(prog, specInput(spec, { ...load, unprivileged: true }));
    traceVerifierRun(source, engine, ur);
    const u = checkLoad(unpriv, ur, logLevel);
    problems.push(...u.problems.map((p) => `unpriv: ${p}`));
    unchecked.push(...u.unchecked.map((p) => `unpriv: ${p}`));
  } else if (unpriv && engine === 'kernel') unchecked.push('unpriv (the kernel engine cannot drop capabilities)');
  if (problems.length && spec.known_differences?.[engine]) {
    return { status: 'skip', spec, engine, reason: `known difference: ${spec.known_differences[engine]}`, result };
  }
  // The model could not decide: its own answer, counted apart, never a pass or an agreement.
  if (result.notModelled) return { status: 'skip', spec, engine, reason: result.errorLine ?? 'not modelled yet', result };
  return problems.length ? { status: 'fail', spec, engine, problems, result } : { status: 'pass', spec, engine, result, ...(unchecked.length ? { unchecked } : {}) };
}
