// One program of an object file, loaded and linked with libbpf's semantics
// (src/loader) against this host's kernel BTF and Kconfig.
import { loadHostObject } from '../kernel/host';
import { ProgramUnderTest } from './engine';

export function loadObjectProgram(file: string, prog: string, progType?: string, license?: string): ProgramUnderTest {
  const { bytes, loaded } = loadHostObject(file, { only: [prog] });
  const linked = loaded.programs.find((p) => p.name === prog);
  if (!linked) {
    const names = loadHostObject(file).loaded.programs.map((p) => p.name).join(', ');
    throw new Error(`${file}: no program '${prog}' (programs: ${names || 'none'})`);
  }
  const kfuncs = new Map<number, string>();
  for (const e of loaded.externs) if (e.kind === 'kfunc' && e.resolved) kfuncs.set(e.kernelBtfId, e.name);
  return {
    name: prog, insns: linked.insns, progType: progType ?? linked.type, license: license ?? loaded.license,
    kfuncs, object: { file, bytes, loaded, linked },
  };
}
