// bpfx test-loader OBJ... [--engine E[,E]|all] [--prog GLOB] [--json] [--junit FILE]
// Run object files by the kernel selftests' annotations (BTF decl tags
// `comment:test_*`, see docs/authoring.md) as tools/testing/selftests/bpf/
// test_loader.c does, on the verifier model, the live kernel, the
// interpreter and the JIT. Exit 0 when no subtest fails, 1 when one fails
// or the model accepts what the kernel rejects, 2 on bad input.
import * as fs from 'fs';
import { Command, ParsedArgs, UsageError, flagString } from '../command';
import { EngineName } from '../../harness/engine';
import { engineNames, isEngineName } from '../../harness/engines';
import type { MachineFacts } from '../../harness/test-loader/run';
import { hostFactsFor } from '../host';
import type { Arch } from '../../harness/test-loader/annotations';

const FLAGS = ['engine', 'prog', 'json', 'junit', 'help', 'kernel-profile', 'btf', 'kconfig'];
const DEFAULT_ENGINES: EngineName[] = ['verifier', 'kernel'];

function engines(args: ParsedArgs): EngineName[] {
  const v = flagString(args, 'engine');
  if (v === undefined) return DEFAULT_ENGINES;
  if (v === 'all') return engineNames.slice();
  const names = v.split(',').map((s) => s.trim());
  for (const n of names) if (!isEngineName(n)) throw new UsageError(`--engine: unknown engine '${n}' (known: ${engineNames.join(', ')}, all)`);
  return names as EngineName[];
}

const readNumber = (file: string): number | undefined => {
  try { return Number(fs.readFileSync(file, 'utf8').trim()); } catch { return undefined; }
};

/** What test_loader asks of this machine (arch, JIT, unprivileged bpf), read here at the edge. */
export function machineFacts(): MachineFacts {
  const arch: Record<string, Arch> = { x64: 'X86_64', arm64: 'ARM64', riscv64: 'RISCV64' };
  return {
    arch: arch[process.arch] ?? null,
    jitEnabled: (readNumber('/proc/sys/net/core/bpf_jit_enable') ?? 1) !== 0,
    unprivDisabled: readNumber('/proc/sys/kernel/unprivileged_bpf_disabled') ?? 0,
  };
}

function fail(json: boolean, kind: string, message: string, file?: string, at: string | null = null): number {
  if (json) process.stdout.write(JSON.stringify({ error: { kind, message, file: file ?? null, at } }) + '\n');
  else process.stderr.write(`bpfx test-loader: ${file ? `${file}: ` : ''}${kind}: ${message}\n`);
  return 2;
}

export const command: Command = {
  name: 'test-loader',
  summary: 'run objects by their selftest annotations (__success, __failure, __msg, __retval ...) on every engine',
  usage: [
    'bpfx test-loader OBJ.o... [--engine verifier|kernel|interp|jit|all] [--prog GLOB] [--json] [--junit FILE] [--kernel-profile NAME] [--btf FILE] [--kconfig FILE]',
    '  --engine E[,E]  engines to run (default: verifier,kernel; all = every engine)',
    '  --prog GLOB     only programs whose name or __description matches (* and ?)',
    '  --json          one JSON document: {programs: [...], summary, agreement}',
    '  --junit FILE    also write JUnit XML (a testsuite per engine) to FILE',
    '  --kernel-profile NAME  the verifier model answers as this kernel (default: probed on the live kernel)',
    '  --btf FILE, --kconfig FILE  kernel BTF and Kconfig instead of the running kernel\'s',
    'example: bpfx test-loader fixtures/obj/tl_*.bpf.o --engine verifier,kernel',
    'exit: 0 no failure, 1 a failing subtest or a wrong accept, 2 bad input',
  ].join('\n'),
  booleanFlags: ['json', 'help'],
  async run(args) {
    const json = args.flags.json === true;
    for (const f of Object.keys(args.flags)) if (!FLAGS.includes(f)) return fail(json, 'usage', `unknown option '--${f}'`);
    let list: EngineName[];
    let progGlob: string | undefined, junit: string | undefined;
    try {
      list = engines(args);
      progGlob = flagString(args, 'prog');
      junit = flagString(args, 'junit');
    } catch (e) { return fail(json, 'usage', (e as Error).message); }
    if (!args.positional.length) return fail(json, 'usage', 'need at least one object file');
    const { readObjectTests, runTests, TestLoaderInputError } = await import('../../harness/test-loader/run');
    const report = await import('../../harness/test-loader/report');
    let host;
    try { host = hostFactsFor(args, { probe: list.includes('verifier') }); } catch (e) { return fail(json, 'usage', (e as Error).message); }
    const machine = machineFacts();
    const objects = [];
    for (const file of args.positional) {
      try { objects.push(readObjectTests(file, machine.arch)); } catch (e) {
        if (e instanceof TestLoaderInputError) return fail(json, e.kind, e.message, e.file, e.at);
        return fail(json, (e as Error).name || 'Error', (e as Error).message, file);
      }
    }
    const results = await runTests(objects, { engines: list, progGlob, host, machine });
    if (progGlob !== undefined && results.length === 0) return fail(json, 'usage', `--prog '${progGlob}' matches no program`);
    const summary = report.summarizeRun(results, list);
    if (junit !== undefined) {
      try { fs.writeFileSync(junit, report.junitReport(results, summary)); } catch (e) { return fail(json, 'write', (e as Error).message, junit); }
    }
    process.stdout.write(json ? report.jsonReport(results, summary) : report.textReport(results, summary));
    const failed = results.some((r) => r.status === 'fail') || (summary.agreement?.wrongAccepts.length ?? 0) > 0;
    return failed ? 1 : 0;
  },
};
