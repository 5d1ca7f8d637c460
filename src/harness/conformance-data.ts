// A bpf_conformance test case ready to run: the .data file parsed (by
// src/isa parseConformanceData), its program assembled (`-- raw` wins over
// `-- asm`, as in bpf_conformance's bpf_test_parser.cc parse_test_file), its
// `-- mem` input and its expected `-- result` / `-- error`. Pure.
import { Insn, parseConformanceData, assembleUbpf, rawWordsToBytes, decodeRaw } from '../isa';

export interface ConformanceCase {
  /** File name without `.data`. */
  name: string;
  insns: Insn[];
  /** Bytes passed in r1 with their length in r2 (empty: r1 = r2 = 0). */
  mem: Uint8Array;
  /** Expected r0 (unsigned 64-bit), when the test has `-- result`. */
  result?: bigint;
  /** Expected error text, when the test has `-- error`. */
  error?: string;
}

export class ConformanceDataError extends Error {
  readonly file: string;
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ConformanceDataError';
    this.file = file;
  }
}

/** Parse and assemble one .data file's text. Throws AsmError / ConformanceDataError. */
export function loadConformanceCase(text: string, name: string, source = `${name}.data`): ConformanceCase {
  const data = parseConformanceData(text, source);
  let insns: Insn[];
  if (data.raw && data.raw.length > 0) insns = decodeRaw(rawWordsToBytes(data.raw));
  else if (data.asm !== undefined) insns = assembleUbpf(data.asm, source);
  else throw new ConformanceDataError(source, 'no -- asm or -- raw section');
  if (insns.length === 0) throw new ConformanceDataError(source, 'the program has no instructions');
  if (data.result === undefined && data.error === undefined) throw new ConformanceDataError(source, 'no -- result or -- error section');
  return { name, insns, mem: data.mem ?? new Uint8Array(0), result: data.result, error: data.error };
}
