// Input files for every command: read safely (a missing file, a directory, a
// FIFO or a device is bad input, never a hang), their kind detected by content
// (ELF magic, YAML spec, bpf_conformance .data, hex text, assembly, raw
// instruction bytes), and turned into the programs an engine takes.
import * as fs from 'fs';
import * as path from 'path';
import { decode, parseHex, HEX_INPUT, HexError } from '../isa';
import { detectSyntax } from './commands/asm';
import { ProgramUnderTest } from '../harness/engine';
import { programFromSource } from '../harness/program';
import { loadObjectPrograms } from '../harness/object';
import { loadConformanceCase } from '../harness/conformance-data';
import { HostFacts } from '../kernel/host';
import { InputError, inFile } from './outcome';
import { UsageError } from './command';

export type InputKind = 'elf' | 'spec' | 'conformance-data' | 'hex' | 'asm' | 'raw';

export interface InputFile {
  /** The name as given ('-' is stdin). */
  file: string;
  bytes: Uint8Array;
  kind: InputKind;
}

/** Inputs larger than this are refused before reading (no BPF object or program comes close). */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** The bytes of FILE ('-' for stdin); a regular file only: anything else is an InputError naming it. */
export function readInputBytes(file: string): Uint8Array {
  if (file === '-') return new Uint8Array(fs.readFileSync(0));
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError('read', file, code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message);
  }
  if (st.isDirectory()) throw new InputError('read', file, 'is a directory, not a file');
  if (!st.isFile()) throw new InputError('read', file, `is not a regular file (${st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device'})`);
  if (st.size > MAX_INPUT_BYTES) throw new InputError('read', file, `is ${st.size} bytes, more than the ${MAX_INPUT_BYTES} bytes an input may have`);
  try { return new Uint8Array(fs.readFileSync(file)); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError('read', file, code === 'EACCES' ? 'permission denied' : (e as Error).message);
  }
}

export const isElf = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;

/** Text when it is valid UTF-8 without NUL or other control bytes than tab, CR, LF. */
export function asText(b: Uint8Array): string | undefined {
  if (b.length === 0) return '';
  for (const c of b) if (c < 32 && c !== 9 && c !== 10 && c !== 13) return undefined;
  try { return new TextDecoder('utf-8', { fatal: true }).decode(b); } catch { return undefined; }
}

/** Hex text (isa HEX_INPUT: byte pairs, hex strings, `-- raw` style 0x 64-bit words); undefined when the text is not hex. */
export function parseHexText(text: string): Uint8Array | undefined {
  try {
    const b = parseHex(text, HEX_INPUT);
    return b.length ? b : undefined;
  } catch (e) {
    if (e instanceof HexError) return undefined;
    throw e;
  }
}

const CONFORMANCE_SECTION = /^-- (asm|raw|mem|result|error)\s*$/m;
/** A YAML spec: a top-level `program:` block or one of the spec's keys with a value (assembly labels have none). */
const SPEC_KEYS = /^(program:\s*$|(name|type|program|expect|description|license):[ \t]+\S)/m;

/** What a file holds, by its content (`name` breaks ties only: a .yaml/.yml text is a spec). */
export function detectKind(bytes: Uint8Array, name = ''): InputKind {
  if (isElf(bytes)) return 'elf';
  const text = asText(bytes);
  if (text === undefined) return 'raw';
  if (CONFORMANCE_SECTION.test(text)) return 'conformance-data';
  if (SPEC_KEYS.test(text) || /\.ya?ml$/i.test(name)) return 'spec';
  if (parseHexText(text)) return 'hex';
  return 'asm';
}

export function readInput(file: string): InputFile {
  const bytes = readInputBytes(file);
  return { file, bytes, kind: detectKind(bytes, file) };
}

/** A program with the memory a bpf_conformance test gives it in r1/r2 (empty for others). */
export interface LoadedProgram { prog: ProgramUnderTest; mem: Uint8Array; input: InputFile }

export interface LoadOptions {
  /** The one program of an object file (all, by default, where the command takes several). */
  prog?: string;
  /** Program type for flat programs (assembly, bytes), or to override an object's. */
  type?: string;
  host: HostFacts;
}

const baseName = (file: string): string => (file === '-' ? 'stdin' : path.basename(file));

/** The programs an input holds: an object's (all autoloaded, or --prog), a spec's, or a flat program's. */
export function programsOf(input: InputFile, opts: LoadOptions): LoadedProgram[] {
  const progs = inFile(input.file, () => programsOfKind(input, opts));
  const empty = progs.find((p) => p.prog.insns.length === 0);
  if (empty) throw new InputError('input', input.file, input.bytes.length ? `program '${empty.prog.name}' has no instructions` : 'is empty: no program');
  return progs;
}

function programsOfKind(input: InputFile, opts: LoadOptions): LoadedProgram[] {
  const { file, bytes, kind } = input;
  const source = file === '-' ? '<stdin>' : file;
  if (opts.prog !== undefined && kind !== 'elf') throw new UsageError(`--prog is only for object files; ${file} is ${kind === 'asm' ? 'assembly' : kind}`);
  const type = opts.type ?? 'socket_filter';
  const one = (prog: ProgramUnderTest, mem: Uint8Array = new Uint8Array(0)): LoadedProgram[] => [{ prog, mem, input }];
  switch (kind) {
    case 'elf': {
      if (file === '-') throw new UsageError('object files cannot be read from stdin: give the file name');
      const only = opts.prog !== undefined ? [opts.prog] : undefined;
      const progs = loadObjectPrograms(file, opts.host, only, opts.type);
      if (opts.prog !== undefined && progs.length === 0) {
        const names = loadObjectPrograms(file, opts.host).map((p) => p.name);
        throw new InputError('no-program', file, `no program '${opts.prog}' (programs: ${names.join(', ') || 'none'})`);
      }
      return progs.map((p) => ({ prog: p, mem: new Uint8Array(0), input }));
    }
    case 'spec': {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { parseSpec } = require('../spec') as typeof import('../spec');
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { programFromSpec } = require('../harness/program') as typeof import('../harness/program');
      const spec = parseSpec(asText(bytes) ?? '', source);
      const p = programFromSpec(spec, opts.host);
      return one(opts.type ? { ...p, progType: opts.type } : p);
    }
    case 'conformance-data': {
      const c = loadConformanceCase(asText(bytes) ?? '', baseName(file).replace(/\.data$/, ''), source);
      return one({ name: c.name, insns: c.insns, progType: type, license: 'GPL', helperAbi: 'ubpf' }, c.mem);
    }
    case 'hex': return one({ name: baseName(file), insns: decode(parseHexText(asText(bytes) ?? '') ?? new Uint8Array(0)), progType: type, license: 'GPL' });
    case 'raw': return one({ name: baseName(file), insns: decode(bytes), progType: type, license: 'GPL' });
    case 'asm': {
      const text = asText(bytes) ?? '';
      const src = detectSyntax(text) === 'ubpf' ? { ubpf: text } : { asm: text };
      return one(programFromSource(src, { name: baseName(file), progType: type, source, host: opts.host }));
    }
  }
}
