// The engine registry. Engines load lazily so that, for example, running the
// interpreter never loads koffi.
import { Engine, EngineName } from './engine';

const factories: Record<EngineName, () => Engine> = {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  interp: () => require('./engines/interp').interpEngine as Engine,
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  verifier: () => require('./engines/verifier').verifierEngine as Engine,
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  kernel: () => require('./engines/kernel').kernelEngine as Engine,
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  jit: () => require('./engines/jit').jitEngine as Engine,
};

const cache = new Map<EngineName, Engine>();

export const engineNames = Object.keys(factories) as EngineName[];

export function isEngineName(name: string): name is EngineName {
  return (engineNames as string[]).includes(name);
}

export function getEngine(name: string): Engine {
  if (!isEngineName(name)) throw new Error(`unknown engine '${name}' (known: ${engineNames.join(', ')})`);
  let e = cache.get(name);
  if (!e) { e = factories[name](); cache.set(name, e); }
  return e;
}
