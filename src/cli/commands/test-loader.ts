// bpfx test-loader OBJ... [--engine E[,E]|all] [--prog GLOB] [--json] [--junit FILE]
// Run object files by the kernel selftests' annotations (BTF decl tags
// `comment:test_*`, see docs/authoring.md) as tools/testing/selftests/bpf/
// test_loader.c does, on the verifier model, the live kernel, the
// interpreter and the JIT. Exit 0 when no subtest fails, 1 when one fails
// or the model accepts what the kernel rejects, 2 on bad input.
import * as fs from 'fs';
import { Command, ParsedArgs, UsageError, flagString } from '../command';
import { readInputBytes } from '../input';
import { InputError, inFile } from '../outcome';
import { EngineName } from '../../harness/engine';
import { engineNames, isEngineName } from '../../harness/engines';
import type { MachineFacts } from '../../harness/test-loader/run';
import { hostFactsFor } from '../host';
import type { Arch } from '../../harness/test-loader/annotations';

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

export const command: Command = {
  name: 'test-loader',
  summary: 'run objects by their selftest annotations (__success, __failure, __msg, __retval ...) on every engine',
  usage: 'bpfx test-loader OBJ.o... [options]',
  options: [
    { name: 'engine', type: 'string', short: 'e', value: 'E[,E]|all', description: 'engines to run (default: verifier,kernel; all = every engine)' },
    { name: 'prog', type: 'string', value: 'GLOB', description: 'only programs whose name or __description matches (* and ?)' },
    { name: 'junit', type: 'string', value: 'FILE', description: 'also write JUnit XML (a testsuite per engine) to FILE' },
    { name: 'kernel-profile', type: 'string', value: 'NAME', description: 'the verifier model answers as this kernel (default: probed on the live kernel)' },
    { name: 'btf', type: 'string', value: 'VMLINUX_BTF', description: 'kernel BTF instead of the running kernel\'s' },
    { name: 'kconfig', type: 'string', value: 'KCONFIG', description: 'kernel config instead of the running kernel\'s' },
  ],
  examples: ['bpfx test-loader fixtures/obj/tl_*.bpf.o --engine verifier,kernel', 'bpfx test-loader obj.o --json --junit report.xml'],
  exits: { 0: 'no subtest failed', 1: 'a subtest failed, or the model accepts what the kernel rejects', 3: '(not used)' },
  async run(args, ctx) {
    const list = engines(args);
    const progGlob = flagString(args, 'prog');
    const junit = flagString(args, 'junit');
    if (!args.positional.length) throw new UsageError('need at least one object file');
    const { readObjectTests, runTests } = await import('../../harness/test-loader/run');
    const report = await import('../../harness/test-loader/report');
    const host = hostFactsFor(args, { probe: list.includes('verifier') });
    const machine = machineFacts();
    const objects = [];
    for (const file of args.positional) {
      readInputBytes(file); // a directory, a FIFO, a missing file: refused here, with its name
      objects.push(inFile(file, () => readObjectTests(file, machine.arch)));
    }
    const results = await runTests(objects, { engines: list, progGlob, host, machine });
    if (progGlob !== undefined && results.length === 0) throw new UsageError(`--prog '${progGlob}' matches no program`);
    const summary = report.summarizeRun(results, list);
    if (junit !== undefined) {
      try { fs.writeFileSync(junit, report.junitReport(results, summary)); } catch (e) { throw new InputError('write', junit, (e as Error).message); }
    }
    if (ctx.json) ctx.emit(JSON.parse(report.jsonReport(results, summary)));
    else process.stdout.write(report.textReport(results, summary));
    const failed = results.some((r) => r.status === 'fail') || (summary.agreement?.wrongAccepts.length ?? 0) > 0;
    return failed ? 'reject' : 'ok';
  },
};
