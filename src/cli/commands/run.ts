// bpfx run FILE [--engine interp] [--mem HEX] [--json] [--budget N]: run a
// program once. FILE is assembly text (kernel syntax, or ubpf syntax when it
// uses %rN registers) or a bpf_conformance .data file (its `-- mem` is the
// input unless --mem is given). r1 = input memory, r2 = its length.
import * as fs from 'fs';
import * as path from 'path';
import { Command, UsageError, flagString } from '../command';
import * as isa from '../../isa';
import { Insn } from '../../isa/insn';
import { loadConformanceCase } from '../../harness/conformance-data';
import { runConformanceInterp } from '../../harness/conformance';
import { parseHexBytes } from './conformance-plugin';
import { EngineResult, resultJson, hex64 } from '../../harness/engine';

interface Loaded { name: string; insns: Insn[]; mem: Uint8Array }

function loadProgram(file: string, prog: string | undefined): Loaded {
  const name = path.basename(file);
  if (file.endsWith('.o')) {
    if (!prog) throw new UsageError('an object file needs --prog NAME');
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { programFromObject } = require('../../harness/program') as typeof import('../../harness/program');
    const p = programFromObject(file, prog);
    return { name: prog, insns: p.insns, mem: new Uint8Array(0) };
  }
  const text = fs.readFileSync(file, 'utf8');
  if (file.endsWith('.data')) {
    const c = loadConformanceCase(text, path.basename(file, '.data'), name);
    return { name: c.name, insns: c.insns, mem: c.mem };
  }
  const kernelAsm = (isa as unknown as { assemble?: (t: string, s?: string) => Insn[] }).assemble;
  const ubpf = /%r\d/.test(text) || typeof kernelAsm !== 'function';
  return { name, insns: ubpf ? isa.assembleUbpf(text, name) : kernelAsm!(text, name), mem: new Uint8Array(0) };
}

export const command: Command = {
  name: 'run',
  summary: 'run a program (assembly or .data file) on the interpreter and print r0',
  usage: 'bpfx run FILE [--engine interp] [--mem HEX] [--json] [--budget N] [--prog NAME]',
  booleanFlags: ['json'],
  run(args) {
    const file = args.positional[0];
    if (!file) throw new UsageError('missing FILE');
    if (args.positional.length > 1) throw new UsageError(`unexpected argument '${args.positional[1]}'`);
    const engine = flagString(args, 'engine') ?? 'interp';
    if (engine !== 'interp') throw new UsageError(`engine '${engine}' is not supported by run yet (known: interp)`);
    const json = args.flags.json === true;
    const budgetText = flagString(args, 'budget');
    const budget = budgetText === undefined ? undefined : Number(budgetText);
    if (budget !== undefined && (!Number.isInteger(budget) || budget <= 0)) throw new UsageError(`--budget ${budgetText} is not a positive integer`);
    const memText = flagString(args, 'mem');
    if (!fs.existsSync(file)) throw new UsageError(`no such file '${file}'`);

    let loaded: Loaded;
    try {
      loaded = loadProgram(file, flagString(args, 'prog'));
    } catch (e) {
      if (e instanceof UsageError) throw e;
      const msg = `${(e as Error).name}: ${(e as Error).message}`;
      if (json) process.stdout.write(resultJson(path.basename(file), { verdict: null, errno: null, log: null, retval: null, error: msg }) + '\n');
      else process.stderr.write(`bpfx run: ${msg}\n`);
      return 1;
    }
    const mem = memText !== undefined ? parseHexBytes(memText) : loaded.mem;
    const r = runConformanceInterp({ insns: loaded.insns, mem }, budget);
    const result: EngineResult = { verdict: null, errno: null, log: null, retval: r.retval, error: r.error };
    if (json) process.stdout.write(resultJson(loaded.name, result) + '\n');
    else if (r.error !== null) process.stderr.write(`bpfx run: ${r.error}\n`);
    else process.stdout.write(`${hex64(r.retval ?? 0n)}\n`);
    return r.error === null ? 0 : 1;
  },
};
