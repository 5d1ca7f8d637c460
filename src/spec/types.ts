// A program spec: what to load, how to feed it, and what a user expects.
// Specs are YAML files in specs/, validated by the JSON Schema in schema.ts.

export type Verdict = 'accept' | 'reject';

/** Where the program comes from: exactly one of asm, ubpf, object (+ prog), hex. */
export interface SpecProgram {
  /** Kernel verifier-log syntax (clang inline-asm style), with labels. */
  asm?: string;
  /** ubpf syntax, as in the bpf_conformance suite. */
  ubpf?: string;
  /** Object file path, relative to the spec file. */
  object?: string;
  /** Program name inside the object (required with object). */
  prog?: string;
  /** Raw instruction bytes as hex. */
  hex?: string;
}

export interface SpecInput {
  /** Bytes passed in r1, with their length in r2 (bpf_conformance style). */
  mem?: string;
  /** Packet bytes for BPF_PROG_TEST_RUN data_in. */
  packet?: string;
  /** Context bytes for BPF_PROG_TEST_RUN ctx_in. */
  ctx?: string;
}

export interface SpecExpect {
  verdict?: Verdict;
  errno?: string | null;
  /** Each entry must appear as a whole line of the verifier log. */
  log?: string[];
  /** The first error line of the verifier log (the kernel's message). */
  error_line?: string;
  /** r0 at exit, as a hex string or number. */
  retval?: string | number;
  /** A runtime error message substring (interp/native runtimes). */
  runtime_error?: string;
}

export interface Spec {
  /** File the spec came from, for messages. */
  source: string;
  name: string;
  description?: string;
  program: SpecProgram;
  /** Kernel program type name, e.g. socket_filter, xdp, sched_cls, syscall. */
  type: string;
  license?: string;
  input: SpecInput;
  expect: SpecExpect;
  /** Engines this spec is meant for; default: every engine that can run it. */
  engines?: string[];
  /** Engines known to differ, with the reason (documented divergence). */
  known_differences?: Record<string, string>;
}
