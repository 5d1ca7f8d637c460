// Parser fuzzing: every front door of bpfx (ELF, BTF, BTF.ext, the loader,
// both assembly syntaxes, YAML specs, bpf_conformance .data files, hex input,
// CLI arguments) fed with mutations of our own fixtures. Input `i` of a run
// seeded `S` is built from (S, i) alone: a base seed picked, then byte,
// text or structure-aware mutations (ELF section headers, symbols and
// relocations; BTF header and type records; YAML documents through
// fast-check values). Each input ends in one outcome:
//   result       the parser answered
//   typed-error  it threw one of the typed errors that name where the input is wrong
//   crash        it threw anything else (TypeError, RangeError, a plain Error, ...)
//   hang         it took longer than the per-input bound (src/cli/fuzz/parse-run.ts stops it)
//   memory       it held more than the memory bound of array buffers, or ran out of heap
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import fc from 'fast-check';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseElf, ElfError, sectionByName } from '../../elf';
import { parseBtf, parseBtfExt, BtfError, Btf, typeById, typeCount, typeToC, typeSize, skipModsAndTypedefs, formatTypeRaw, encodeBtf, dumpBtfC } from '../../btf';
import { loadObject, LoaderError } from '../../loader';
import { IsaError, AsmError, HexError, assemble, assembleUbpf, decode, disassemble, encode, parseHex, HEX_SPEC, HEX_INPUT, HEX_UBPF, HEX_MEM } from '../../isa';
import { parseSpec, SpecError, hexBytes, expectedRetval } from '../../spec';
import { loadConformanceCase, ConformanceDataError } from '../../harness/conformance-data';
import { packageRoot } from '../../kernel/host';
import { Rng, mutateBytes, mutateText, sampleOf, INTERESTING_U32, INTERESTING_U64, utf8, fromUtf8, latin1 } from '../../harness/fuzz/mutate';

export type Outcome = 'result' | 'typed-error' | 'crash' | 'hang' | 'memory';
export const OUTCOMES: readonly Outcome[] = ['result', 'typed-error', 'crash', 'hang', 'memory'];

/** A base input: a fixture's bytes, with what its target needs beside them (the base BTF of a .BTF.ext). */
export interface Seed { name: string; bytes: Uint8Array; base?: Btf; btfOffsets?: Uint32Array }

export interface ParserTarget {
  name: string;
  /** The base inputs, read from the repository's fixtures (once). */
  seeds(): Seed[];
  /** A mutated input from a base seed. */
  mutate(seed: Seed, r: Rng, all: readonly Seed[]): Uint8Array;
  /** Feed the input to the parser (and what consumes its result); throws what the parser throws. */
  run(input: Uint8Array, seed: Seed): void | Promise<void>;
}

/** The errors that name where an input is wrong (each stage's own type). */
const TYPED_ERRORS = ['ElfError', 'BtfError', 'LoaderError', 'IsaError', 'AsmError', 'HexError', 'SpecError', 'ConformanceDataError', 'UsageError',
  'KernelError', 'AnnotationError', 'TestLoaderInputError', 'JitRefused', 'JitError', 'BpfRuntimeError', 'VerifierReject'];
export function isTypedError(e: unknown): boolean {
  return e instanceof ElfError || e instanceof BtfError || e instanceof LoaderError || e instanceof IsaError
    || e instanceof AsmError || e instanceof HexError || e instanceof SpecError || e instanceof ConformanceDataError
    || (e instanceof Error && TYPED_ERRORS.includes(e.name) && e.constructor !== Error);
}

// ---- seeds -----------------------------------------------------------------

const root = (): string => packageRoot();
const cache = new Map<string, Seed[]>();
function cached(name: string, load: () => Seed[]): Seed[] {
  let s = cache.get(name);
  if (!s) { s = load(); cache.set(name, s); }
  return s;
}

const objFiles = (): string[] => {
  const dir = path.join(root(), 'fixtures', 'obj');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.o')).sort().map((f) => path.join(dir, f));
};
const readSeed = (file: string): Seed => ({ name: path.basename(file), bytes: new Uint8Array(fs.readFileSync(file)) });

export function conformanceDir(): string | undefined {
  const d = path.resolve(root(), '..', 'shared', 'bpf_conformance', 'tests');
  return fs.existsSync(d) ? d : undefined;
}
const dataFiles = (): string[] => {
  const d = conformanceDir();
  return d ? fs.readdirSync(d).filter((f) => f.endsWith('.data')).sort().map((f) => path.join(d, f)) : [];
};
const specFiles = (): string[] => {
  const d = path.join(root(), 'specs');
  return fs.readdirSync(d).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(d, f));
};

let fixtureVmlinux: { btf: Btf; kconfig: string; release: string } | undefined;
/** The committed kernel (fixtures/vmlinux): the same answers on every machine. */
export function fixtureKernel(): { btf: Btf; kconfig: string; release: string } {
  if (!fixtureVmlinux) {
    const dir = path.join(root(), 'fixtures', 'vmlinux');
    const files = fs.readdirSync(dir);
    const gz = (f: string | undefined): Buffer => zlib.gunzipSync(fs.readFileSync(path.join(dir, f!)));
    fixtureVmlinux = {
      btf: parseBtf(new Uint8Array(gz(files.find((f) => f.endsWith('.btf.gz'))))),
      kconfig: gz(files.find((f) => f.startsWith('config-') && f.endsWith('.gz'))).toString('latin1'),
      release: fs.readFileSync(path.join(dir, 'release'), 'utf8').trim(),
    };
  }
  return fixtureVmlinux;
}

function btfSeeds(): Seed[] {
  const out: Seed[] = [];
  for (const f of objFiles()) {
    const bytes = new Uint8Array(fs.readFileSync(f));
    const elf = parseElf(bytes);
    const b = sectionByName(elf, '.BTF'), e = sectionByName(elf, '.BTF.ext');
    if (!b) continue;
    const base = parseBtf(b.data);
    out.push({ name: path.basename(f), bytes: b.data.slice(), base, btfOffsets: base.offsets });
    if (e) out.push({ name: `${path.basename(f)}.ext`, bytes: e.data.slice(), base });
  }
  return out;
}

/** Assembly text of every fixture program in the assembler's own syntax, and every spec's asm. */
function kernelAsmSeeds(): Seed[] {
  const out: Seed[] = [];
  for (const f of specFiles()) {
    const y = parseYaml(fs.readFileSync(f, 'utf8')) as { program?: { asm?: string } };
    if (typeof y?.program?.asm === 'string') out.push({ name: path.basename(f), bytes: utf8(y.program.asm) });
  }
  const k = fixtureKernel();
  for (const f of objFiles().slice(0, 12)) {
    try {
      const lo = loadObject(new Uint8Array(fs.readFileSync(f)), { vmlinuxBtf: k.btf, kconfig: k.kconfig, kernelRelease: k.release });
      for (const p of lo.programs.slice(0, 3)) out.push({ name: `${path.basename(f)}:${p.name}`, bytes: utf8(disassemble(p.insns, { symbolic: true }).join('\n')) });
    } catch { /* an object the loader refuses gives no asm seed */ }
  }
  return out;
}

function hexSeeds(): Seed[] {
  const out: Seed[] = [];
  for (const s of kernelAsmSeeds().slice(0, 40)) {
    let insns;
    try { insns = assemble(fromUtf8(s.bytes), { kfuncId: () => 1 }); } catch { continue; }
    const b = encode(insns);
    const pairs = Array.from(b, (x) => x.toString(16).padStart(2, '0'));
    const words: string[] = [];
    for (let o = 0; o + 8 <= b.length; o += 8) words.push('0x' + Buffer.from(b.subarray(o, o + 8)).reverse().toString('hex'));
    out.push({ name: `${s.name}.pairs`, bytes: utf8(pairs.join(' ')) });
    out.push({ name: `${s.name}.words`, bytes: utf8(words.join('\n')) });
    out.push({ name: `${s.name}.plain`, bytes: utf8(pairs.join('')) });
  }
  return out;
}

// ---- structure-aware mutations ----------------------------------------------

/** A section header, symbol or relocation field set to an interesting value (e.g. a 1 GiB sh_size). */
function mutateElf(src: Uint8Array, r: Rng): Uint8Array {
  const b = src.slice();
  const dv = new DataView(b.buffer);
  if (b.length < 64) return b;
  const shoff = Number(dv.getBigUint64(40, true)), shnum = dv.getUint16(60, true);
  if (!shnum || shoff + shnum * 64 > b.length) return b;
  const n = 1 + r.int(3);
  for (let k = 0; k < n; k++) {
    const sh = shoff + r.int(shnum) * 64;
    const what = r.int(4);
    if (what < 2) { // a section header field
      const [off, w] = r.pick([[0, 4], [4, 4], [8, 8], [24, 8], [32, 8], [40, 4], [44, 4], [48, 8], [56, 8]] as const);
      const v = r.pick([...INTERESTING_U64, 0x40000000n, BigInt(b.length), BigInt(b.length - 1), BigInt(b.length + 1), BigInt(r.int(shnum + 2)), 24n, 16n]);
      if (w === 4) dv.setUint32(sh + off, Number(BigInt.asUintN(32, v)), true); else dv.setBigUint64(sh + off, BigInt.asUintN(64, v), true);
    } else { // an entry of the section's data (symbols: 24 bytes, relocations: 16)
      const offset = Number(dv.getBigUint64(sh + 24, true)), size = Number(dv.getBigUint64(sh + 32, true));
      if (size < 8 || offset + size > b.length) continue;
      const at = offset + (r.int(size) & ~7);
      if (at + 8 <= b.length) {
        if (r.int(2)) dv.setUint32(at + r.pick([0, 4]), r.pick(INTERESTING_U32), true);
        else dv.setBigUint64(at, r.pick(INTERESTING_U64), true);
      }
    }
  }
  return b;
}

/** BTF header fields and type records (name_off, info with kind and vlen, size/type, members) set to interesting values. */
function mutateBtf(seed: Seed, r: Rng): Uint8Array {
  const b = seed.bytes.slice();
  const dv = new DataView(b.buffer);
  const n = 1 + r.int(3);
  for (let k = 0; k < n; k++) {
    const offs = seed.btfOffsets;
    if (r.int(4) === 0 || !offs || offs.length < 2) {
      dv.setUint32(r.pick([4, 8, 12, 16, 20]), r.pick([...INTERESTING_U32, b.length, b.length - 24]), true);
      continue;
    }
    const t = 24 + offs[r.int(offs.length - 1)];
    const field = r.pick([0, 4, 4, 8, 12, 16, 20]);
    if (t + field + 4 > b.length) continue;
    if (field === 4) { // info: kind (bits 24-28), kflag (31), vlen (0-15)
      const info = dv.getUint32(t + 4, true);
      const v = r.pick([(info & ~0x1f000000) | (r.int(32) << 24), (info & ~0xffff) | r.pick([0, 1, 0xffff, 0x100]), info ^ 0x80000000, r.pick(INTERESTING_U32)]);
      dv.setUint32(t + 4, v >>> 0, true);
    } else dv.setUint32(t + field, r.pick([...INTERESTING_U32, r.int(offs.length + 3)]), true);
  }
  return b;
}

/** A YAML spec with one value replaced by a fast-check JSON value, a key deleted, or a field's type changed. */
function mutateYaml(src: string, r: Rng): string {
  let doc: unknown;
  try { doc = parseYaml(src); } catch { return mutateText(src, r); }
  if (typeof doc !== 'object' || doc === null) return mutateText(src, r);
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]): void => {
    paths.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(doc, []);
  const p = r.pick(paths.filter((x) => x.length > 0));
  if (!p) return src;
  let parent = doc as Record<string | number, unknown>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = p[p.length - 1];
  switch (r.int(4)) {
    case 0: delete parent[last]; break;
    case 1: parent[last] = sampleOf(fc.jsonValue({ maxDepth: 3 }), r); break;
    case 2: parent[last] = sampleOf(fc.oneof(fc.string(), fc.integer(), fc.bigInt().map(String), fc.constantFrom('-', '0x', '-0x8000000000000000', '1e400', 'zz')), r); break;
    default: parent[r.pick(['extra', 'asm', 'hex', 'ubpf', 'object', 'retval', 'mem', 'packet'])] = sampleOf(fc.oneof(fc.string(), fc.nat()), r);
  }
  try { return stringifyYaml(doc); } catch { return src; }
}

// ---- targets ----------------------------------------------------------------

/** Everything a consumer does with a parsed BTF, typed errors aside (bounded: the first 3000 types). */
function exerciseBtf(btf: Btf): void {
  const n = Math.min(typeCount(btf), 3000);
  const guard = (fn: () => unknown): void => { try { fn(); } catch (e) { if (!isTypedError(e)) throw e; } };
  for (let id = 1; id < n; id++) {
    guard(() => typeById(btf, id));
    guard(() => skipModsAndTypedefs(btf, id));
    guard(() => typeSize(btf, id));
    guard(() => typeToC(btf, id));
    guard(() => formatTypeRaw(btf, id));
  }
  if (typeCount(btf) <= 3000) guard(() => dumpBtfC(btf));
  guard(() => parseBtf(encodeBtf(btf)));
}

const textTarget = (name: string, seeds: () => Seed[], run: (text: string, seed: Seed) => void | Promise<void>, yamlAware = false): ParserTarget => ({
  name,
  seeds: () => cached(name, seeds),
  mutate: (s, r, all) => {
    const others = all.slice(0, 8).map((x) => fromUtf8(x.bytes));
    const k = r.int(8);
    if (k === 0) return mutateBytes(s.bytes, r);
    if (yamlAware && k < 4) return utf8(mutateYaml(fromUtf8(s.bytes), r));
    return utf8(mutateText(fromUtf8(s.bytes), r, others));
  },
  run: (b, s) => run(fromUtf8(b), s),
});

const kfuncIds = (name: string): number | undefined => (name.startsWith('bpf_') ? 1000 + name.length : undefined);

export function parserTargets(): ParserTarget[] {
  const objSeeds = (): Seed[] => objFiles().map(readSeed);
  const k = (): ReturnType<typeof fixtureKernel> => fixtureKernel();
  return [
    {
      name: 'elf', seeds: () => cached('obj', objSeeds),
      mutate: (s, r, all) => (r.int(2) ? mutateElf(s.bytes, r) : mutateBytes(s.bytes, r, all.map((x) => x.bytes))),
      run: (b) => { parseElf(b); },
    },
    {
      name: 'btf', seeds: () => cached('btf', btfSeeds).filter((s) => !s.name.endsWith('.ext')),
      mutate: (s, r) => (r.int(2) ? mutateBtf(s, r) : mutateBytes(s.bytes, r)),
      run: (b) => exerciseBtf(parseBtf(b)),
    },
    {
      name: 'btf-ext', seeds: () => cached('btf', btfSeeds).filter((s) => s.name.endsWith('.ext')),
      mutate: (s, r) => mutateBytes(s.bytes, r),
      run: (b, s) => { parseBtfExt(b, s.base!); },
    },
    {
      name: 'loader', seeds: () => { fixtureKernel(); return cached('obj', objSeeds); },
      mutate: (s, r, all) => (r.int(2) ? mutateElf(s.bytes, r) : mutateBytes(s.bytes, r, all.map((x) => x.bytes))),
      run: (b, s) => { loadObject(b, { objectName: s.name.replace(/\..*$/, ''), vmlinuxBtf: k().btf, kconfig: k().kconfig, kernelRelease: k().release }); },
    },
    textTarget('asm-kernel', kernelAsmSeeds, (t) => { assemble(t, { kfuncId: kfuncIds, source: 'fuzz.s' }); }),
    textTarget('asm-ubpf', () => dataFiles().map((f) => {
      const text = fs.readFileSync(f, 'utf8');
      const m = /^-- asm\s*\n([\s\S]*?)(?=^-- |(?![\s\S]))/m.exec(text);
      return { name: path.basename(f), bytes: utf8(m ? m[1] : text) };
    }), (t) => { assembleUbpf(t, 'fuzz.s'); }),
    textTarget('spec', () => specFiles().map(readSeed), (t) => {
      const spec = parseSpec(t, 'fuzz.yaml');
      const p = spec.program;
      if (p.asm !== undefined) assemble(p.asm, { kfuncId: kfuncIds, source: 'fuzz.yaml (program)' });
      if (p.ubpf !== undefined) assembleUbpf(p.ubpf, 'fuzz.yaml (program)');
      if (p.hex !== undefined) decode(hexBytes(p.hex, 'fuzz.yaml: program.hex'));
      for (const f of ['mem', 'packet', 'ctx'] as const) if (spec.input[f] !== undefined) hexBytes(spec.input[f]!, `fuzz.yaml: input.${f}`);
      if (spec.expect.retval !== undefined) expectedRetval(spec.expect.retval);
    }, true),
    textTarget('conformance-data', () => dataFiles().map(readSeed), (t) => { loadConformanceCase(t, 'fuzz'); }),
    textTarget('hex', hexSeeds, (t) => {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { parseHexText } = require('../input') as typeof import('../input');
      const h = parseHexText(t);
      if (h) decode(h);
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { parseHexBytes } = require('../commands/conformance-plugin') as typeof import('../commands/conformance-plugin');
      // the one reader in each syntax, then the front doors that wrap it (their own typed errors)
      for (const syntax of [HEX_SPEC, HEX_INPUT, HEX_UBPF, HEX_MEM]) {
        try { decode(parseHex(t, syntax, 'fuzz.hex')); } catch (e) { if (!isTypedError(e)) throw e; }
      }
      for (const parse of [(x: string) => hexBytes(x, 'fuzz.hex'), parseHexBytes]) {
        let b: Uint8Array | undefined;
        try { b = parse(t); } catch (e) { if (!isTypedError(e)) throw e; }
        if (b) decode(b);
      }
    }),
    cliTarget(),
  ];
}

// ---- CLI arguments ------------------------------------------------------------

/** Commands run in process with fuzzed arguments (none that load into the kernel, run natively or write files). */
const CLI_COMMANDS = ['asm', 'disasm', 'objdump', 'verify', 'btf', 'run', 'spec', 'help', 'nosuch', ''];
const CLI_FLAGS = ['--prog', '--json', '--syntax', '--engine', '--mem', '--data-in', '--ctx-in', '--dump', '--kernel-profile', '--btf',
  '--symbolic', '--bpftool', '--stats', '--log-level', '--help', '--type', '--', '--=', '--prog=', '--engine=verifier', '--repeat'];

function cliFiles(): string[] {
  const rel = (f: string): string => path.relative(process.cwd(), f) || '.';
  const objs = objFiles();
  const d = dataFiles();
  return [...objs.slice(0, 6), ...specFiles().slice(0, 6), ...d.slice(0, 6), path.join(root(), 'fixtures', 'include'), path.join(root(), 'nosuch.o'),
    path.join(root(), 'package.json')].map(rel);
}

function cliArgv(r: Rng): string[] {
  const files = cliFiles();
  const argv: string[] = [r.pick(CLI_COMMANDS)];
  const n = r.int(7);
  for (let i = 0; i < n; i++) {
    switch (r.int(5)) {
      case 0: case 1: argv.push(r.pick(files)); break;
      case 2: argv.push(r.pick(CLI_FLAGS)); break;
      case 3: argv.push(r.pick(['interp', 'verifier', 'xlated', 'kernel-6.18', 'nosuch', 'ubpf', 'kernel', '0', '-1', 'xdp', 'zz', '00ff', '0x', 'main', 'handler', '']));
        break;
      default: argv.push(sampleOf(fc.string({ maxLength: 12 }), r));
    }
  }
  // `spec` without a path runs the whole specs/ directory (seconds of real work, not a hang): name one spec
  if (argv[0] === 'spec' && !argv.slice(1).some((a) => files.includes(a))) argv.push(r.pick(files.filter((f) => /\.ya?ml$/.test(f))));
  // and on one engine: `spec` defaults to every engine, the kernel and native code among them
  if (argv[0] === 'spec' && !argv.some((a) => a.startsWith('--engine'))) argv.push('--engine=verifier');
  // never the live kernel, native code or output files: those are other tests' business
  return argv.map((a) => (/^(kernel|jit|--run|--trust-kernel|-o|--out|-)$/.test(a) ? 'interp' : a));
}

function cliTarget(): ParserTarget {
  return {
    name: 'cli',
    seeds: () => [{ name: 'argv', bytes: utf8('[]') }],
    mutate: (_s, r) => utf8(JSON.stringify(cliArgv(r))),
    run: async (b) => {
      const argv = JSON.parse(fromUtf8(b)) as string[];
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { main } = require('../main') as typeof import('../main');
      const out = process.stdout.write, err = process.stderr.write;
      let stderr = '';
      process.stdout.write = (() => true) as typeof process.stdout.write;
      process.stderr.write = ((s: string | Uint8Array) => { stderr += typeof s === 'string' ? s : latin1(s); return true; }) as typeof process.stderr.write;
      let code: number;
      try { code = await main(argv); } finally { process.stdout.write = out; process.stderr.write = err; }
      // main turns every exception into `bpfx CMD: NAME: message` and status 2: an untyped NAME is a crash
      const m = /^bpfx [\w-]*: (\w*Error|\w*Exception): (.*)$/m.exec(stderr);
      if (m && !TYPED_ERRORS.includes(m[1])) {
        const e = new Error(`${argv.join(' ')}: ${m[1]}: ${m[2]}`);
        e.name = `Cli${m[1]}`;
        throw e;
      }
      // 0 ok, 1 reject, 2 bad input, 3 not modelled yet (the CLI contract's four statuses)
      if (![0, 1, 2, 3].includes(code)) throw new Error(`${argv.join(' ')}: exit status ${code}`);
    },
  };
}

/** The input `i` of target `t` in a run seeded `seed` (and the base seed it came from). */
export function fuzzInput(t: ParserTarget, seeds: readonly Seed[], r: Rng): { seed: Seed; bytes: Uint8Array } {
  const seed = r.pick(seeds);
  return { seed, bytes: t.mutate(seed, r, seeds) };
}
