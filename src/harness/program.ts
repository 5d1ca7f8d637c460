// Resolve a spec's program source (asm, ubpf, hex, object+prog) into the
// instruction stream an engine runs. File reading happens here (harness).
import * as fs from 'fs';
import * as path from 'path';
import * as isa from '../isa';
import { Spec, SpecProgram, hexBytes } from '../spec';
import { ProgramUnderTest } from './engine';
import { hostKfuncId } from '../kernel/host';

/** Program types that need a GPL license for kfuncs like bpf_throw: we default to GPL everywhere. */
const DEFAULT_LICENSE = 'GPL';

export function programFromSource(src: SpecProgram, opts: { name: string; progType: string; license?: string; baseDir?: string; source?: string }): ProgramUnderTest {
  const license = opts.license ?? DEFAULT_LICENSE;
  if (src.asm !== undefined) {
    // `call bpf_throw` and other kfuncs resolve through the running kernel's BTF.
    const kfuncs = new Map<number, string>();
    const kfuncId = (name: string): number | undefined => {
      const id = hostKfuncId(name);
      if (id !== undefined) kfuncs.set(id, name);
      return id;
    };
    return { name: opts.name, insns: isa.assemble(src.asm, { kfuncId, source: opts.source ?? opts.name }), progType: opts.progType, license, kfuncs };
  }
  if (src.ubpf !== undefined) return { name: opts.name, insns: isa.assembleUbpf(src.ubpf, opts.source ?? opts.name), progType: opts.progType, license, helperAbi: 'ubpf' };
  if (src.hex !== undefined) return { name: opts.name, insns: isa.decode(hexBytes(src.hex, 'program.hex')), progType: opts.progType, license };
  if (src.object !== undefined && src.prog !== undefined) {
    const file = path.resolve(opts.baseDir ?? '.', src.object);
    return programFromObject(file, src.prog, opts.progType, license);
  }
  throw new Error('program: needs one of asm, ubpf, hex, or object with prog');
}

/** Load and link one program of an object file with the loader (libbpf semantics). */
export function programFromObject(file: string, prog: string, progType?: string, license?: string): ProgramUnderTest {
  // Required lazily: the loader pulls in vmlinux BTF handling.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { loadObjectProgram } = require('./object') as typeof import('./object');
  return loadObjectProgram(file, prog, progType, license);
}

export function programFromSpec(spec: Spec): ProgramUnderTest {
  return programFromSource(spec.program, {
    name: spec.program.prog ?? spec.name, progType: spec.type, license: spec.license, baseDir: path.dirname(spec.source),
    source: `${spec.source} (program)`,
  });
}

export function readSpecFile(file: string): Spec {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { parseSpec } = require('../spec') as typeof import('../spec');
  return parseSpec(fs.readFileSync(file, 'utf8'), file);
}

/** Every *.yaml / *.yml under the given files or directories, sorted. */
export function findSpecFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const e of fs.readdirSync(p).sort()) walk(path.join(p, e));
    else if (/\.ya?ml$/.test(p)) out.push(p);
  };
  for (const p of paths) walk(p);
  return out;
}
