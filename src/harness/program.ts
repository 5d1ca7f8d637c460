// Resolve a spec's program source (asm, ubpf, hex, object+prog) into the
// instruction stream an engine runs. File reading happens here (harness); what
// the kernel knows (kfunc ids, Kconfig) comes from the host facts passed in.
import * as fs from 'fs';
import * as path from 'path';
import * as isa from '../isa';
import { Spec, SpecProgram, hexBytes, parseSpec } from '../spec';
import { ProgramUnderTest } from './engine';
import { HostFacts, kfuncId } from '../kernel/host';
import { loadObjectProgram } from './object';

/** Program types that need a GPL license for kfuncs like bpf_throw: we default to GPL everywhere. */
const DEFAULT_LICENSE = 'GPL';

export interface SourceOptions {
  name: string;
  progType: string;
  /** The kernel the program is built for: kfunc ids from its BTF. */
  host: HostFacts;
  license?: string;
  baseDir?: string;
  source?: string;
}

export function programFromSource(src: SpecProgram, opts: SourceOptions): ProgramUnderTest {
  const license = opts.license ?? DEFAULT_LICENSE;
  if (src.asm !== undefined) {
    // `call bpf_throw` and other kfuncs resolve through the host's vmlinux BTF.
    const kfuncs = new Map<number, string>();
    const resolve = (name: string): number | undefined => {
      const id = kfuncId(opts.host, name);
      if (id !== undefined) kfuncs.set(id, name);
      return id;
    };
    return { name: opts.name, insns: isa.assemble(src.asm, { kfuncId: resolve, source: opts.source ?? opts.name }), progType: opts.progType, license, kfuncs };
  }
  if (src.ubpf !== undefined) return { name: opts.name, insns: isa.assembleUbpf(src.ubpf, opts.source ?? opts.name), progType: opts.progType, license, helperAbi: 'ubpf' };
  if (src.hex !== undefined) return { name: opts.name, insns: isa.decode(hexBytes(src.hex, 'program.hex')), progType: opts.progType, license };
  if (src.object !== undefined && src.prog !== undefined) {
    const file = path.resolve(opts.baseDir ?? '.', src.object);
    return programFromObject(file, src.prog, opts.host, { progType: opts.progType, license });
  }
  throw new Error('program: needs one of asm, ubpf, hex, or object with prog');
}

/** Load and link one program of an object file with the loader (libbpf semantics) against the host's kernel. */
export function programFromObject(file: string, prog: string, host: HostFacts, opts: { progType?: string; license?: string } = {}): ProgramUnderTest {
  return loadObjectProgram(file, prog, host, opts.progType, opts.license);
}

export function programFromSpec(spec: Spec, host: HostFacts): ProgramUnderTest {
  return programFromSource(spec.program, {
    name: spec.program.prog ?? spec.name, progType: spec.type, license: spec.license, baseDir: path.dirname(spec.source),
    source: `${spec.source} (program)`, host,
  });
}

export function readSpecFile(file: string): Spec {
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
