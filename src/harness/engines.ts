// The engine registry: the engines a program can run on, for one kernel's host
// facts (the verifier model answers with the host's profile).
import { Engine, EngineName } from './engine';
import { HostFacts } from '../kernel/host';
import { interpEngine } from './engines/interp';
import { verifierEngine } from './engines/verifier';
import { kernelEngine } from './engines/kernel';
import { jitEngine } from './engines/jit';

const factories: Record<EngineName, (host: HostFacts) => Engine> = {
  interp: (host) => interpEngine(host),
  verifier: (host) => verifierEngine(host.profile, host),
  kernel: () => kernelEngine,
  jit: (host) => jitEngine(host),
};

export const engineNames = Object.keys(factories) as EngineName[];

export function isEngineName(name: string): name is EngineName {
  return (engineNames as string[]).includes(name);
}

/** The engine `name` answering for the kernel described by `host`. */
export function getEngine(name: string, host: HostFacts): Engine {
  if (!isEngineName(name)) throw new Error(`unknown engine '${name}' (known: ${engineNames.join(', ')})`);
  return factories[name](host);
}
