// Programs of an object file, loaded and linked with libbpf's semantics
// (src/loader) against the host facts' kernel BTF and Kconfig.
import { MapSpec } from '../runtime';
import { loadHostObject, HostFacts } from '../kernel/host';
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
export function loadObjectPrograms(file: string, host: HostFacts, only?: string[], progType?: string): ProgramUnderTest[] {
  const { bytes, loaded } = loadHostObject(file, { host, only });
  const progs = loaded.programs.filter((p) => (only ? only.includes(p.name) : p.autoload));
  return progs.map((p) => underTest(file, bytes, loaded, p, progType));
}

/**
 * One program of an object, linked, with its auxiliary programs. The other programs its prog
 * arrays name in their BTF 'values' are linked too (LoadedObject.programs), so that the kernel
 * engine can load them into their slots as libbpf does.
 */
export function loadObjectProgram(file: string, prog: string, host: HostFacts, progType?: string, license?: string, auxiliary: readonly string[] = []): ProgramUnderTest {
  let { bytes, loaded } = loadHostObject(file, { host, only: [prog, ...auxiliary] });
  const slotProgs = [...new Set(loaded.maps.flatMap((m) => m.initSlots.map((s) => s.prog)))]
    .filter((n): n is string => n !== undefined && n !== prog && !auxiliary.includes(n));
  if (slotProgs.length) ({ bytes, loaded } = loadHostObject(file, { host, only: [prog, ...auxiliary, ...slotProgs] }));
  const linked = loaded.programs.find((p) => p.name === prog);
  if (!linked) {
    const names = loadHostObject(file, { host }).loaded.programs.map((p) => p.name).join(', ');
    throw new Error(`${file}: no program '${prog}' (programs: ${names || 'none'})`);
  }
  const put = underTest(file, bytes, loaded, linked, progType, license);
  if (!auxiliary.length) return put;
  const aux = auxiliary.map((name) => {
    const l = loaded.programs.find((p) => p.name === name);
    if (!l) throw new Error(`${file}: no auxiliary program '${name}' (programs: ${loaded.programs.map((p) => p.name).join(', ')})`);
    return l;
  });
  return { ...put, object: { ...put.object!, auxiliary: aux } };
}

/** The maps of a program's object as the runtimes model them (src/runtime/maps), prog arrays with their initial programs. */
export function objectMapSpecs(p: ProgramUnderTest): MapSpec[] {
  return (p.object?.loaded.maps ?? []).map((m) => ({
    name: m.name, type: m.typeName, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries,
    initial: m.initialValue, readOnly: m.libbpfType === 'rodata',
    ...(m.typeName === 'prog_array' ? { programs: m.initSlots.filter((s) => s.prog).map((s) => ({ slot: s.slot, prog: s.prog! })) } : {}),
    ...(m.initSlots.some((s) => s.map) ? { innerMaps: m.initSlots.filter((s) => s.map).map((s) => ({ slot: s.slot, map: s.map! })) } : {}),
  }));
}

/** Another program of the same object (a tail call's target), linked as the loader links it. */
export function siblingProgram(p: ProgramUnderTest, name: string, host: HostFacts): ProgramUnderTest {
  if (!p.object) throw new Error(`${p.name} is not from an object file`);
  if (p.object.linked.name === name) return p;
  return loadObjectProgram(p.object.file, name, host, p.progType, p.license);
}
