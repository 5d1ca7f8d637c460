// Programs of an object file, loaded and linked with libbpf's semantics
// (src/loader) against this host's kernel BTF and Kconfig.
import { loadHostObject } from '../kernel/host';
import { LoadResult, LinkedProgram } from '../loader';
import { ProgramUnderTest } from './engine';

export function underTest(file: string, bytes: Uint8Array, loaded: LoadResult, linked: LinkedProgram, progType?: string, license?: string): ProgramUnderTest {
  const kfuncs = new Map<number, string>();
  for (const e of loaded.externs) if (e.kind === 'kfunc' && e.resolved) kfuncs.set(e.kernelBtfId, e.name);
  return {
    name: linked.name, insns: linked.insns, progType: progType ?? linked.type, license: license ?? loaded.license,
    kfuncs, object: { file, bytes, loaded, linked },
  };
}

/** Every program libbpf would load from the object (autoload), or just `only`. */
export function loadObjectPrograms(file: string, only?: string[], progType?: string): ProgramUnderTest[] {
  const { bytes, loaded } = loadHostObject(file, { only });
  const progs = loaded.programs.filter((p) => (only ? only.includes(p.name) : p.autoload));
  return progs.map((p) => underTest(file, bytes, loaded, p, progType));
}

export function loadObjectProgram(file: string, prog: string, progType?: string, license?: string): ProgramUnderTest {
  const { bytes, loaded } = loadHostObject(file, { only: [prog] });
  const linked = loaded.programs.find((p) => p.name === prog);
  if (!linked) {
    const names = loadHostObject(file).loaded.programs.map((p) => p.name).join(', ');
    throw new Error(`${file}: no program '${prog}' (programs: ${names || 'none'})`);
  }
  return underTest(file, bytes, loaded, linked, progType, license);
}
