// The scenario world: the program under test, its input, and each engine's result.
import { World, IWorldOptions, setWorldConstructor } from '@cucumber/cucumber';
import { ProgramUnderTest, RunInput, EngineResult, EngineName } from '../src/harness/engine';

export class BpfxWorld extends World {
  program?: ProgramUnderTest;
  progType = 'socket_filter';
  input: RunInput = {};
  results = new Map<EngineName, EngineResult>();
  lastEngine?: EngineName;
  /** Errors from building the program (assembler, loader), kept for assertions. */
  buildError?: Error;
  /** Output of a CLI invocation. */
  cli?: { status: number; stdout: string; stderr: string };

  constructor(options: IWorldOptions) { super(options); }

  last(): EngineResult {
    if (!this.lastEngine) throw new Error('no engine has run yet');
    return this.results.get(this.lastEngine)!;
  }
}

setWorldConstructor(BpfxWorld);
