// A program spec: what to load, how to feed it, and what a user expects.
// The types are derived from the JSON Schema (schema.ts), never written twice:
// a field and its documentation live there.
import { FromSchema } from './from-schema';
import { specSchema } from './schema';

type Props = typeof specSchema.properties;

/** The spec as written in YAML (what the schema accepts). */
export type SpecDocument = FromSchema<typeof specSchema>;

export type Verdict = FromSchema<Props['expect']['properties']['verdict']>;

/** Where the program comes from: exactly one of asm, ubpf, object (+ prog), hex. */
export type SpecProgram = SpecDocument['program'];
export type SpecFunction = NonNullable<SpecProgram['functions']>[number];
export type SpecFuncInfo = NonNullable<SpecProgram['func_info']>[number];
export type SpecMap = NonNullable<SpecProgram['maps']>[number];
export type SpecInput = NonNullable<SpecDocument['input']>;
export type SpecLoad = NonNullable<SpecDocument['load']>;
export type SpecExpect = SpecDocument['expect'];
/** One entry of expect.messages: a __msg string, {not_msg}, or {regex}. */
export type SpecMessage = NonNullable<SpecExpect['messages']>[number];
export type SpecUnprivExpect = NonNullable<SpecExpect['unpriv']>;

/** A parsed spec: the document, the file it came from, and its input (empty when not given). */
export type Spec = Omit<SpecDocument, 'input'> & {
  /** File the spec came from, for messages. */
  source: string;
  input: SpecInput;
  /** Line (1-based) of the start of program.asm / ubpf / hex in the file, for assembler errors. */
  programLine?: number;
  /** Columns of indentation before the program text on that line (a block scalar's). */
  programIndent?: number;
  /** Line of each entry of program.functions, for errors in the declarations. */
  functionLines?: number[];
  /** Line of each entry of program.func_info. */
  funcInfoLines?: number[];
};
