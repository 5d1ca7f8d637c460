#!/usr/bin/env node
// bpfx command-line entry point: dispatches to src/cli/commands/*, parses each
// command's options strictly (command.ts), maps its outcome to the exit status
// (outcome.ts) and, with --json, prints exactly one JSON document on stdout
// whatever happens. Nothing escapes as a stack trace: an unexpected error is a
// one-line `internal error` and exit status 2.
import * as fs from 'fs';
import * as path from 'path';
import { Command, RunContext, UsageError, allOptions, helpText, parseArgs } from './command';
import { describeError, errorLine, exitStatus, ExitStatus, ErrorJson } from './outcome';

// Each command module exports `command: Command`. Add new commands here. The
// registry loads only the command that runs (a command's module graph, with
// yaml, ajv or koffi, costs ~0.5 s to load when every command is loaded at start).
export const registry: Record<string, () => Command> = {
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
  const lines = ['usage: bpfx <command> [options]   (bpfx <command> --help for its options)', '', 'commands:'];
  for (const name of Object.keys(registry).sort()) lines.push(`  ${name.padEnd(20)} ${registry[name]().summary}`);
  lines.push('', 'bpfx --version prints the version. Exit status: 0 success, 1 reject or failed expectation,',
    '2 bad input or usage, 3 not modelled yet (docs/cli.md).');
  return lines.join('\n');
}

/** The version in package.json. */
export function version(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) return String((JSON.parse(fs.readFileSync(p, 'utf8')) as { version?: string }).version ?? 'unknown');
  }
  return 'unknown';
}

type Write = typeof process.stdout.write;

/**
 * Run a command with stdout guarded: with --json anything a command (or a
 * library under it) prints on stdout goes to stderr instead, and the one
 * document (its own, or the error) is printed at the end.
 */
async function runGuarded(name: string, cmd: Command | undefined, argv: string[], json: boolean): Promise<ExitStatus> {
  const realWrite: Write = process.stdout.write.bind(process.stdout);
  let doc: unknown;
  let emitted = false;
  const ctx: RunContext = {
    json,
    emit(d) {
      if (emitted) throw new Error('a command emitted two JSON documents');
      doc = d; emitted = true;
    },
  };
  if (json) process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => (process.stderr.write as (...a: unknown[]) => boolean)(chunk, ...rest)) as Write;
  let status: ExitStatus;
  let error: ErrorJson | undefined;
  try {
    if (!cmd) throw new UsageError(`unknown command '${name}' (commands: ${Object.keys(registry).sort().join(', ')})`);
    const args = parseArgs(cmd.preprocess ? cmd.preprocess(argv) : argv, allOptions(cmd));
    if (args.flags.help === true) {
      if (json) ctx.emit({ command: cmd.name, help: helpText(cmd) });
      else realWrite(helpText(cmd) + '\n');
      status = 0;
    } else {
      status = exitStatus(await cmd.run(args, ctx));
    }
  } catch (e) {
    error = describeError(e);
    status = 2;
  } finally {
    if (json) process.stdout.write = realWrite;
  }
  if (error) {
    if (json) realWrite(JSON.stringify({ error }) + '\n');
    else {
      const hint = error.kind === 'usage' && cmd ? ` (bpfx ${name} --help lists the options)` : '';
      process.stderr.write(errorLine(name, error) + hint + '\n');
    }
  } else if (json) {
    realWrite(JSON.stringify(emitted ? doc : { status }) + '\n');
  }
  return status;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const json = argv.includes('--json');
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(json ? JSON.stringify({ version: version() }) + '\n' : `bpfx ${version()}\n`);
    return 0;
  }
  if (!name || name === 'help' || name === '--help' || name === '-h' || (name === '--json' && rest.length === 0)) {
    const sub = name === 'help' ? rest[0] : undefined;
    // an own command only: `help constructor` or `help __proto__` names no command (found by the cli fuzzer)
    if (sub && Object.prototype.hasOwnProperty.call(registry, sub)) return runGuarded(sub, registry[sub](), ['--help'], false);
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  let cmd: Command | undefined;
  if (Object.prototype.hasOwnProperty.call(registry, name)) cmd = registry[name]();
  return runGuarded(name, cmd, rest, json);
}

/** The last resort: an error nothing caught (an async callback's) is one line, or the JSON error, and exit 2. */
function internalExit(e: unknown): void {
  const error = describeError(e);
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({ error }) + '\n');
  else process.stderr.write(errorLine(process.argv[2] ?? '', error) + '\n');
  process.exit(2);
}

if (require.main === module) {
  process.on('uncaughtException', internalExit);
  process.on('unhandledRejection', internalExit);
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, internalExit);
}
