// Run specs on engines: one outcome per (spec, engine) pair.
import { Spec, hexBytes } from '../spec';
import { EngineName } from './engine';
import { getEngine } from './engines';
import { checkResult, specAppliesTo } from './expect';
import { programFromSpec } from './program';
import { HostFacts } from '../kernel/host';
import { traceVerifierRun } from './rule-trace';

export type Outcome =
  | { status: 'pass'; spec: Spec; engine: EngineName }
  | { status: 'fail'; spec: Spec; engine: EngineName; problems: string[] }
  | { status: 'skip'; spec: Spec; engine: EngineName; reason: string };

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
  const input = {
    mem: spec.input.mem !== undefined ? hexBytes(spec.input.mem, 'input.mem') : undefined,
    packet: spec.input.packet !== undefined ? hexBytes(spec.input.packet, 'input.packet') : undefined,
    ctx: spec.input.ctx !== undefined ? hexBytes(spec.input.ctx, 'input.ctx') : undefined,
  };
  const result = await e.run(prog, input);
  traceVerifierRun(`${spec.source}:1`, engine, result);
  const problems = checkResult(spec, engine, result);
  if (problems.length && spec.known_differences?.[engine]) {
    return { status: 'skip', spec, engine, reason: `known difference: ${spec.known_differences[engine]}` };
  }
  return problems.length ? { status: 'fail', spec, engine, problems } : { status: 'pass', spec, engine };
}
