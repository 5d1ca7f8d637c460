#!/usr/bin/env node
// bpfx command-line entry point: dispatches to src/cli/commands/*.
import { Command, parseArgs, UsageError } from './command';

// Each command module exports `command: Command`. Add new commands here. The
// registry loads only the command that runs (a command's module graph, with
// yaml, ajv or koffi, costs ~0.5 s to load when every command is loaded at start).
const registry: Record<string, () => Command> = {
  asm: () => (require('./commands/asm') as typeof import('./commands/asm')).command,
  disasm: () => (require('./commands/disasm') as typeof import('./commands/disasm')).command,
  objdump: () => (require('./commands/objdump') as typeof import('./commands/objdump')).command,
  run: () => (require('./commands/run') as typeof import('./commands/run')).command,
  jit: () => (require('./commands/jit') as typeof import('./commands/jit')).command,
  conformance: () => (require('./commands/conformance') as typeof import('./commands/conformance')).command,
  'conformance-plugin': () => (require('./commands/conformance-plugin') as typeof import('./commands/conformance-plugin')).command,
  spec: () => (require('./commands/spec') as typeof import('./commands/spec')).command,
  compare: () => (require('./commands/compare') as typeof import('./commands/compare')).command,
  verify: () => (require('./commands/verify') as typeof import('./commands/verify')).command,
  kernel: () => (require('./commands/kernel') as typeof import('./commands/kernel')).command,
  btf: () => (require('./commands/btf') as typeof import('./commands/btf')).command,
  probe: () => (require('./commands/probe') as typeof import('./commands/probe')).command,
  fuzz: () => (require('./commands/fuzz') as typeof import('./commands/fuzz')).command,
  'test-loader': () => (require('./commands/test-loader') as typeof import('./commands/test-loader')).command,
};

function help(): string {
  const lines = ['usage: bpfx <command> [options]', '', 'commands:'];
  for (const name of Object.keys(registry).sort()) {
    const c = registry[name]();
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
  const load = registry[name];
  if (!load) {
    process.stderr.write(`bpfx: unknown command '${name}'\n${help()}\n`);
    return 2;
  }
  const cmd = load();
  const args = parseArgs(rest, cmd.booleanFlags);
  if (args.flags.help === true) { process.stdout.write(cmd.usage + '\n'); return 0; }
  try {
    return await cmd.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bpfx ${name}: ${e.message}\nusage: ${cmd.usage}\n`);
      return 2;
    }
    const err = e as NodeJS.ErrnoException;
    // a file that cannot be read (ENOENT, EISDIR, EACCES): Node's message names the call and the path
    if (typeof err.code === 'string' && err.syscall !== undefined) {
      process.stderr.write(`bpfx ${name}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`bpfx ${name}: ${err.name ?? 'Error'}: ${err.message}\n`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
