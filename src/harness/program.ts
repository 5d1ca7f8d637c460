// Resolve a spec's program source (asm, ubpf, hex, object+prog) into the
// instruction stream an engine runs. File reading happens here (harness); what
// the kernel knows (kfunc ids, Kconfig) comes from the host facts passed in.
import * as fs from 'fs';
import * as path from 'path';
import * as isa from '../isa';
import { Spec, SpecProgram, SpecError, hexBytes, parseSpec } from '../spec';
import { SpecFunctionError } from '../spec/functions';
import { ProgramUnderTest } from './engine';
import { HostFacts, kfuncId, ksymId } from '../kernel/host';
import { loadObjectProgram } from './object';
import { specObjectProgram } from './spec-object';

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
    const maps = src.maps ?? [];
    const mapIndex = (name: string): number | undefined => { const i = maps.findIndex((m) => m.name === name); return i < 0 ? undefined : i; };
    const { insns, labels } = isa.assembleWithLabels(src.asm, { kfuncId: resolve, ksymId: (n) => ksymId(opts.host, n), mapIndex, source: opts.source ?? opts.name });
    // Declared functions or maps: a one-program object, as libbpf would have made it from C.
    if (src.functions || src.maps) {
      return specObjectProgram({
        name: opts.name, progType: opts.progType, license, insns, labels, functions: src.functions, funcInfo: src.func_info, maps: src.maps, kfuncs,
        source: opts.source ?? opts.name, host: opts.host,
      });
    }
    return { name: opts.name, insns, progType: opts.progType, license, kfuncs };
  }
  if (src.ubpf !== undefined) return { name: opts.name, insns: isa.assembleUbpf(src.ubpf, opts.source ?? opts.name), progType: opts.progType, license, helperAbi: 'ubpf' };
  if (src.hex !== undefined) return { name: opts.name, insns: isa.decode(hexBytes(src.hex, 'program.hex')), progType: opts.progType, license };
  if (src.object !== undefined && src.prog !== undefined) {
    const file = path.resolve(opts.baseDir ?? '.', src.object);
    return programFromObject(file, src.prog, opts.host, { progType: opts.progType, license, auxiliary: src.auxiliary });
  }
  throw new Error('program: needs one of asm, ubpf, hex, or object with prog');
}

/** Load and link one program of an object file with the loader (libbpf semantics) against the host's kernel. */
export function programFromObject(file: string, prog: string, host: HostFacts, opts: { progType?: string; license?: string; auxiliary?: readonly string[] } = {}): ProgramUnderTest {
  return loadObjectProgram(file, prog, host, opts.progType, opts.license, opts.auxiliary);
}

/**
 * The program of a spec. An error in its text (assembler) or its declarations
 * is a SpecError at the file's line: the program text's line plus the spec's
 * line where that text starts.
 */
export function programFromSpec(spec: Spec, host: HostFacts): ProgramUnderTest {
  try {
    return programFromSource(spec.program, {
      name: spec.program.prog ?? spec.name, progType: spec.type, license: spec.license, baseDir: path.dirname(spec.source),
      source: spec.source, host,
    });
  } catch (e) {
    if (e instanceof isa.AsmError) {
      const field = spec.program.asm !== undefined ? 'program.asm' : spec.program.ubpf !== undefined ? 'program.ubpf' : 'program.hex';
      const detail = e.message.replace(/^.*?:\d+:\d+: /, '');
      const line = spec.programLine !== undefined ? spec.programLine + e.line - 1 : e.line;
      throw new SpecError(spec.source, line, e.column + (spec.programIndent ?? 0), field, detail);
    }
    if (e instanceof SpecFunctionError) {
      const line = e.field === 'functions' ? spec.functionLines?.[e.index] : spec.funcInfoLines?.[e.index];
      throw new SpecError(spec.source, line ?? spec.programLine ?? 1, 1, `program.${e.field}.${e.index}`, e.message);
    }
    throw e;
  }
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
