// The scenario world: the program under test, its input, and each engine's result;
// the host facts (kernel BTF, verifier profile) are built once for the whole run.
import { BeforeAll, World, IWorldOptions, setWorldConstructor, Before } from '@cucumber/cucumber';
import { ProgramUnderTest, RunInput, EngineResult, EngineName, LoadOptions } from '../src/harness/engine';
import { SpecProgram } from '../src/spec';
import { HostFacts, hostFacts } from '../src/kernel/host';

let facts: HostFacts | undefined;
BeforeAll(function () { facts = hostFacts(); });

export class BpfxWorld extends World {
  program?: ProgramUnderTest;
  progType = 'socket_filter';
  input: RunInput = {};
  results = new Map<EngineName, EngineResult>();
  lastEngine?: EngineName;
  /** Errors from building the program (assembler, loader), kept for assertions. */
  buildError?: Error;
  /** The program's source as given (asm with its declared functions and maps), rebuilt when a step adds to it. */
  programSource?: SpecProgram;
  /** How the verifying engines load it (log level, prog flags): `Given the log level N`, `Given the prog flag F`. */
  load: LoadOptions = {};
  /** Prog flags as written, applied in order (`!F` clears). */
  flags: string[] = [];
  /** The log level as the scenario gave it (0 like test_loader's default: no log when the load succeeds). */
  logLevel = 1;
  /** Where the scenario is written: `features/x.feature:LINE` (the example row's line in an outline). */
  source = '';
  /** Output of a CLI invocation. */
  cli?: { status: number; stdout: string; stderr: string };

  constructor(options: IWorldOptions) { super(options); }

  /** The kernel the scenarios answer for: this machine's (its probed profile), else fixtures/vmlinux. */
  get host(): HostFacts {
    if (!facts) throw new Error('the host facts are built before the first scenario');
    return facts;
  }

  last(): EngineResult {
    if (!this.lastEngine) throw new Error('no engine has run yet');
    return this.results.get(this.lastEngine)!;
  }
}

setWorldConstructor(BpfxWorld);

/** The scenario's file and line (the example row's for an outline). */
Before(function (this: BpfxWorld, { pickle, gherkinDocument }) {
  const ids = new Set(pickle.astNodeIds);
  let line = 0;
  for (const child of gherkinDocument.feature?.children ?? []) {
    const sc = child.scenario;
    if (!sc) continue;
    if (ids.has(sc.id)) line = sc.location.line;
    for (const ex of sc.examples) for (const row of ex.tableBody) if (ids.has(row.id)) line = row.location.line;
  }
  this.source = `${pickle.uri}:${line}`;
});
