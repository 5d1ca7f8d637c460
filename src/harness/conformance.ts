// Running bpf_conformance cases on an engine and judging them the way the
// official runner (Alan-Jowett/bpf_conformance src/bpf_conformance.cc) does:
// the program gets the `-- mem` bytes in r1 and their length in r2; a test with
// `-- error` passes when the run fails with exactly that text, a test with
// `-- result` when all 64 bits of r0 match (as today's runner does; older
// runners compared the low 32 bits only, which the failure reason points out).
import * as fs from 'fs';
import * as path from 'path';
import { createVm, run, BpfRuntimeError } from '../runtime';
import { kernelRun } from '../kernel/run';
import { firstErrorLine } from '../verifier/error_line';
import { ConformanceCase, loadConformanceCase } from './conformance-data';
import { CONFORMANCE_HELPERS } from './conformance-helpers';

/** Where `-- mem` is mapped for the interpreter (r1). */
export const CONFORMANCE_MEM_BASE = 0x0000_0001_0000_0000n;

export interface ConformanceRun {
  /** r0, when the program ran to completion. */
  retval: bigint | null;
  /** Error text, when loading or running failed. */
  error: string | null;
}

export interface ConformanceVerdict {
  name: string;
  pass: boolean;
  /** Why it failed (empty when it passed). */
  why: string;
  run: ConformanceRun | null;
}

/** Run program `insns` with conformance memory on the interpreter. Never throws for the program's own faults. */
export function runConformanceInterp(c: Pick<ConformanceCase, 'insns' | 'mem'>, budget?: number): ConformanceRun {
  try {
    const vm = createVm(c.insns, { helpers: CONFORMANCE_HELPERS, budget });
    const hasMem = c.mem.length > 0;
    const r = run(vm, {
      args: [hasMem ? CONFORMANCE_MEM_BASE : 0n, BigInt(c.mem.length)],
      regions: hasMem ? [{ name: 'mem', base: CONFORMANCE_MEM_BASE, bytes: Uint8Array.from(c.mem) }] : [],
    });
    return { retval: r.retval, error: null };
  } catch (e) {
    if (e instanceof BpfRuntimeError) return { retval: null, error: e.message };
    throw e;
  }
}

/**
 * Run on the live kernel: BPF_PROG_LOAD as socket_filter with `-- mem` as the
 * value of a one-entry array map (r1 = value pointer, r2 = length) and the
 * full 64-bit r0 read back through src/kernel's wide-retval wrapper. A
 * verifier rejection is an error with the verifier's message.
 */
export function runConformanceKernel(c: Pick<ConformanceCase, 'insns' | 'mem'>): ConformanceRun {
  const v = kernelRun({ name: 'conformance', insns: c.insns, progType: 'socket_filter', license: 'GPL' },
    { mem: c.mem }, { run: true, wideRetval: true, logLevel: 1 });
  if (v.verdict !== 'accept') return { retval: null, error: `rejected by the verifier: ${firstErrorLine(v.log) ?? v.errno ?? 'no message'}` };
  if (v.runError) return { retval: null, error: v.runError };
  return { retval: v.retval, error: null };
}

/**
 * Run natively with bpfx's JIT (in this process): uBPF's helper ABI, no
 * verifier (no kernel program type runs these programs as written), every
 * function with a 512-byte stack. Use runConformanceIsolated to survive a
 * program that faults.
 */
export function runConformanceJit(c: Pick<ConformanceCase, 'name' | 'insns' | 'mem'>): ConformanceRun {
  // Loaded lazily: the native runtime needs koffi.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { loadNativeProgram } = require('./native-run') as typeof import('./native-run');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { JitRefused } = require('./jit-program') as typeof import('./jit-program');
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { JitError } = require('../jit') as typeof import('../jit');
  let prog;
  try {
    prog = loadNativeProgram({ name: c.name, insns: c.insns, progType: 'socket_filter', license: 'GPL', helperAbi: 'ubpf' }, { unverified: true });
  } catch (e) {
    if (e instanceof JitRefused || e instanceof JitError) return { retval: null, error: `not jitted: ${e.message}` };
    throw e;
  }
  try {
    const block = c.mem.length ? prog.alloc(Uint8Array.from(c.mem)) : undefined;
    return { retval: prog.run(block ? block.addr : 0n, BigInt(c.mem.length)), error: null };
  } catch (e) {
    if (e instanceof BpfRuntimeError) return { retval: null, error: e.message };
    throw e;
  } finally {
    prog.close();
  }
}

/** Engines `bpfx conformance` can score. */
export const CONFORMANCE_ENGINES = ['interp', 'kernel', 'jit'] as const;

const hex = (v: bigint): string => '0x' + BigInt.asUintN(64, v).toString(16);

/** Judge one run against the case's expectation. */
export function judge(c: ConformanceCase, r: ConformanceRun): ConformanceVerdict {
  const base = { name: c.name, run: r };
  if (c.error !== undefined) {
    if (r.error === null) return { ...base, pass: false, why: `expected error '${c.error}' but r0 = ${hex(r.retval ?? 0n)}` };
    if (r.error !== c.error) return { ...base, pass: false, why: `expected error '${c.error}' but got '${r.error}'` };
    return { ...base, pass: true, why: '' };
  }
  if (r.error !== null) return { ...base, pass: false, why: r.error.startsWith('rejected by the verifier') ? r.error : `runtime error: ${r.error}` };
  const want = c.result ?? 0n, got = r.retval ?? 0n;
  if (want === got) return { ...base, pass: true, why: '' };
  const low32 = (want & 0xffffffffn) === (got & 0xffffffffn) ? ' (low 32 bits match, which older bpf_conformance runners accepted)' : '';
  return { ...base, pass: false, why: `r0 = ${hex(got)}, expected ${hex(want)}${low32}` };
}

/** The .data files of a directory, sorted by name. */
export function listConformanceFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.data')).sort().map((f) => path.join(dir, f));
}

/** Load, run and judge one file. Load errors are failures with the error as reason. */
export function runConformanceFile(file: string, engine = 'interp'): ConformanceVerdict {
  const name = path.basename(file, '.data');
  let c: ConformanceCase;
  try {
    c = loadConformanceCase(fs.readFileSync(file, 'utf8'), name, path.basename(file));
  } catch (e) {
    return { name, pass: false, why: `cannot load: ${(e as Error).message}`, run: null };
  }
  if (engine === 'interp') return judge(c, runConformanceInterp(c));
  if (engine === 'kernel') return judge(c, runConformanceKernel(c));
  if (engine === 'jit') return judge(c, runConformanceJit(c));
  throw new Error(`engine '${engine}' cannot run conformance tests (known: ${CONFORMANCE_ENGINES.join(', ')})`);
}

/** Known failures: `name reason...` per line, `#` comments. */
export function parseKnownFailures(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const l = line.replace(/#.*$/, '').trim();
    if (!l) continue;
    const sp = l.search(/\s/);
    if (sp < 0) m.set(l, 'no reason given');
    else m.set(l.slice(0, sp), l.slice(sp).trim());
  }
  return m;
}
