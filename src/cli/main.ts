#!/usr/bin/env node
// bpfx command-line entry point: dispatches to src/cli/commands/*.
import { Command, parseArgs, UsageError } from './command';
import { command as asmCommand } from './commands/asm';
import { command as disasmCommand } from './commands/disasm';
import { command as objdumpCommand } from './commands/objdump';
import { command as runCommand } from './commands/run';
import { command as conformanceCommand } from './commands/conformance';
import { command as conformancePluginCommand } from './commands/conformance-plugin';
import { command as specCommand } from './commands/spec';
import { command as compareCommand } from './commands/compare';
import { command as verifyCommand } from './commands/verify';
import { command as kernelCommand } from './commands/kernel';
import { command as btfCommand } from './commands/btf';
import { command as probeCommand } from './commands/probe';

// Each command module exports `command: Command`. Add new commands here.
const registry: Record<string, Command> = {
  asm: asmCommand,
  disasm: disasmCommand,
  objdump: objdumpCommand,
  run: runCommand,
  conformance: conformanceCommand,
  'conformance-plugin': conformancePluginCommand,
  spec: specCommand,
  compare: compareCommand,
  verify: verifyCommand,
  kernel: kernelCommand,
  btf: btfCommand,
  probe: probeCommand,
};

function help(): string {
  const lines = ['usage: bpfx <command> [options]', '', 'commands:'];
  for (const name of Object.keys(registry).sort()) {
    const c = registry[name];
    lines.push(`  ${c.name.padEnd(20)} ${c.summary}`);
  }
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  const cmd = registry[name];
  if (!cmd) {
    process.stderr.write(`bpfx: unknown command '${name}'\n${help()}\n`);
    return 2;
  }
  const args = parseArgs(rest, cmd.booleanFlags);
  if (args.flags.help === true) { process.stdout.write(cmd.usage + '\n'); return 0; }
  try {
    return await cmd.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bpfx ${name}: ${e.message}\nusage: ${cmd.usage}\n`);
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`bpfx ${name}: ${err.name ?? 'Error'}: ${err.message}\n`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
