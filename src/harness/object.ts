// One program of an object file, loaded and linked with libbpf's semantics
// (src/loader) against the running kernel's BTF.
import * as fs from 'fs';
import { loadObject, objectNameFromPath } from '../loader';
import { ProgramUnderTest } from './engine';
import { hostVmlinuxBtf } from './host';

export function loadObjectProgram(file: string, prog: string, progType?: string, license?: string): ProgramUnderTest {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const loaded = loadObject(bytes, { objectName: objectNameFromPath(file), vmlinuxBtf: hostVmlinuxBtf(), only: [prog] });
  const linked = loaded.programs.find((p) => p.name === prog);
  if (!linked) {
    const names = loaded.programs.map((p) => p.name).join(', ');
    throw new Error(`${file}: no program '${prog}' (programs: ${names || 'none'})`);
  }
  const kfuncs = new Map<number, string>();
  for (const e of loaded.externs) if (e.kind === 'kfunc' && e.resolved) kfuncs.set(e.kernelBtfId, e.name);
  return {
    name: prog, insns: linked.insns, progType: progType ?? linked.type, license: license ?? loaded.license,
    kfuncs, object: { file, bytes, loaded, linked },
  };
}
