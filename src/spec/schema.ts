// JSON Schema (draft-07, checked by ajv) of a program spec, written once `as
// const`: the TypeScript types in types.ts are derived from it by a small
// type-level mapper (from-schema.ts), so a field is declared in one place. The
// titles and descriptions are what an editor shows (`bpfx spec --schema`).
// Field names follow the kernel selftests' annotations (docs/authoring.md maps
// each __msg, __retval, ... to its field).

// whole bytes: an even number of hex digits, whitespace anywhere between them (as hexBytes reads them)
const hex = { type: 'string', pattern: '^(0x)?(\\s*[0-9a-fA-F]\\s*[0-9a-fA-F])*\\s*$' } as const;

const retval = {
  title: 'return value',
  description: 'r0 at exit: an integer or a string (decimal, 0x hex, a leading - for negative); all 64 bits are compared (__retval)',
  // a YAML number is a double: only the integers it holds exactly (larger values as strings)
  anyOf: [{ type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 }, { type: 'string', pattern: '^-?(0x[0-9a-fA-F]+|[0-9]+)$' }],
} as const;

const verdict = { title: 'verdict', description: 'accept (__success) or reject (__failure): the load-time verdict of the verifier and the kernel', enum: ['accept', 'reject'] } as const;

const messages = {
  title: 'messages (__msg, __not_msg, __regex)',
  description: 'Ordered expectations on the verifier log, as test_loader checks __msg: each string is found after the end of the previous match; '
    + '`{{...}}` parts are POSIX extended regular expressions, the rest is verbatim. {not_msg: TEXT} must not occur between the matches around it; '
    + '{regex: ERE} is a whole regular expression (the older __regex).',
  type: 'array',
  items: {
    anyOf: [
      { type: 'string', title: '__msg', description: 'a substring of the log, in order, with {{regex}} parts' },
      { type: 'object', title: '__not_msg', additionalProperties: false, required: ['not_msg'], properties: { not_msg: { type: 'string', description: 'text (with {{regex}} parts) that must not appear here' } } },
      { type: 'object', title: '__regex', additionalProperties: false, required: ['regex'], properties: { regex: { type: 'string', description: 'a POSIX extended regular expression' } } },
    ],
  },
} as const;

const disasmLines = (what: string, annotation: string) => ({
  title: `${what} (${annotation})`,
  description: `Lines of the ${what}, each on the line right after the previous one unless "..." comes between (${annotation}).`,
  type: 'array', items: { type: 'string' },
} as const);

/** What a load expects, privileged or unprivileged. */
const loadExpect = {
  verdict,
  errno: { title: 'errno', description: 'the load\'s errno name (EACCES, EINVAL, ...), null when it loads', type: ['string', 'null'], pattern: '^E[A-Z0-9]+$' },
  error_line: { title: 'error line', description: 'the verifier\'s message: the last line of the log before the statistics, whole', type: 'string' },
  log: { title: 'log lines', description: 'lines that must each appear whole somewhere in the verifier log', type: 'array', items: { type: 'string' } },
  messages,
  retval,
  xlated: disasmLines('program as the kernel rewrote it, `N: insn`', '__xlated'),
} as const;

const btfType = {
  type: 'string', minLength: 1,
  description: 'a C type: int, long, char, bool, u8..u64, s8..s64, unsigned int, unsigned long, void, `struct NAME`, or any of these followed by `*`',
} as const;

const fn = {
  type: 'object',
  title: 'function',
  description: 'A function of the program with its BTF signature (a bpf_func_info record). The first one listed starts at instruction 0; every other one at the label of its name.',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, description: 'the function\'s name: a label in program.asm (the first function may have any name)' },
    linkage: { title: 'linkage', description: 'BTF_FUNC_GLOBAL (verified on its own, from its signature) or BTF_FUNC_STATIC (verified with its caller); default: global for the first function, static for the others', enum: ['global', 'static'] },
    args: {
      title: 'arguments', description: 'parameter types (a string) or {name, type}; at most 5',
      type: 'array', maxItems: 5,
      items: { anyOf: [btfType, { type: 'object', additionalProperties: false, required: ['type'], properties: { name: { type: 'string' }, type: btfType } }] },
    },
    returns: { ...btfType, title: 'return type', description: 'the return type; default int' },
    exception_callback: { type: 'string', minLength: 1, title: 'exception callback', description: 'the decl tag `exception_callback:NAME` on this function (the main program): NAME is its exception callback' },
    decl_tags: { type: 'array', items: { type: 'string', minLength: 1 }, title: 'decl tags', description: 'BTF decl tags on the function, as written (e.g. `exception_callback:cb` twice)' },
  },
} as const;

/** A bpf_func_info record written as given: the malformed layouts the verifier rejects. */
const funcInfoRecord = {
  type: 'object',
  title: 'func_info record',
  description: 'One bpf_func_info record {insn_off, type_id}: the type is a function of program.functions by name, or a raw BTF type id',
  additionalProperties: false,
  required: ['insn_off'],
  properties: {
    insn_off: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'the instruction the record says the function starts at' },
    function: { type: 'string', minLength: 1, description: 'the BTF FUNC of this function of program.functions' },
    type_id: { type: 'integer', minimum: 0, maximum: 4294967295, description: 'a raw BTF type id (any kind, or past the end)' },
  },
  oneOf: [{ required: ['function'] }, { required: ['type_id'] }],
} as const;

const map = {
  type: 'object',
  title: 'map',
  description: 'A map created before the load; program.asm refers to it as `map_fd(NAME) ll` or `map_value(NAME, OFF) ll`.',
  additionalProperties: false,
  required: ['name', 'type', 'key_size', 'value_size', 'max_entries'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_.]*$', maxLength: 15 },
    type: { type: 'string', pattern: '^[a-z_0-9]+$', description: 'BPF_MAP_TYPE_* in lower case without the prefix: array, hash, percpu_array, ringbuf, ...' },
    key_size: { type: 'integer', minimum: 0 },
    value_size: { type: 'integer', minimum: 0 },
    max_entries: { type: 'integer', minimum: 0 },
    flags: { type: 'integer', minimum: 0, description: 'map_flags' },
    value: { ...hex, description: 'initial value of key 0 (array maps), hex' },
  },
} as const;

export const specSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'bpfx-spec.schema.json',
  title: 'bpfx program spec',
  description: 'A program, its input and what a user expects of it on each engine (interp, verifier, kernel, jit).',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'program', 'type', 'expect'],
  properties: {
    name: { type: 'string', minLength: 1, title: 'name', description: 'shown in reports' },
    description: { type: 'string', title: 'description (__description)', description: 'what the spec shows, for a reader and reports' },
    type: { type: 'string', pattern: '^[a-z_0-9]+$', title: 'program type', description: 'kernel program type: socket_filter, sched_cls, xdp, tracepoint, syscall, ...' },
    license: { type: 'string', title: 'license', description: 'default GPL (kfuncs such as bpf_throw need it)' },
    program: {
      type: 'object',
      title: 'program',
      description: 'Exactly one of asm, ubpf, hex, or object with prog; an asm program may declare functions and maps.',
      additionalProperties: false,
      properties: {
        asm: { type: 'string', minLength: 1, title: 'assembly', description: 'kernel verifier-log / clang inline-asm syntax; labels, `call LABEL` (subprograms), `call bpf_throw` and other kfuncs by name' },
        ubpf: { type: 'string', minLength: 1, title: 'ubpf assembly', description: 'bpf_conformance (ubpf) syntax' },
        object: { type: 'string', minLength: 1, title: 'object file', description: 'path relative to the spec file' },
        prog: { type: 'string', minLength: 1, title: 'program name', description: 'the program in the object (required with object)' },
        hex: { ...hex, title: 'instruction bytes', description: 'raw instructions as hex' },
        functions: { type: 'array', minItems: 1, items: fn, title: 'functions (BTF, func_info)', description: 'asm only: the functions of the program with their BTF signatures; given, every subprogram must be listed (the kernel requires a func_info record for each)' },
        func_info: {
          type: 'array', items: funcInfoRecord, title: 'func_info records, raw',
          description: 'asm with functions only: the bpf_func_info records exactly as given (order, offsets, type ids), instead of one per function at its label; '
            + 'for programs the verifier must reject (a first record not at 0, a type that is not a FUNC, a callback without a record)',
        },
        maps: { type: 'array', items: map, title: 'maps', description: 'asm only: maps created before the load' },
        auxiliary: { type: 'array', items: { type: 'string', minLength: 1 }, title: 'auxiliary programs (__auxiliary)', description: 'object only: programs of the object loaded with this one (before it), as test_loader loads __auxiliary programs' },
      },
      oneOf: [
        { required: ['asm'], not: { anyOf: [{ required: ['ubpf'] }, { required: ['object'] }, { required: ['hex'] }, { required: ['func_info'], not: { required: ['functions'] } }] } },
        { required: ['ubpf'], not: { anyOf: [{ required: ['asm'] }, { required: ['object'] }, { required: ['hex'] }, { required: ['functions'] }, { required: ['maps'] }, { required: ['func_info'] }] } },
        { required: ['object', 'prog'], not: { anyOf: [{ required: ['asm'] }, { required: ['ubpf'] }, { required: ['hex'] }, { required: ['functions'] }, { required: ['maps'] }, { required: ['func_info'] }] } },
        { required: ['hex'], not: { anyOf: [{ required: ['asm'] }, { required: ['ubpf'] }, { required: ['object'] }, { required: ['functions'] }, { required: ['maps'] }, { required: ['func_info'] }] } },
      ],
    },
    input: {
      type: 'object',
      title: 'input',
      additionalProperties: false,
      properties: {
        mem: { ...hex, description: 'bytes given in r1 with their length in r2 (bpf_conformance style)' },
        packet: { ...hex, description: 'BPF_PROG_TEST_RUN data_in (default 64 zero bytes)' },
        ctx: { ...hex, description: 'BPF_PROG_TEST_RUN ctx_in' },
      },
    },
    load: {
      type: 'object',
      title: 'load options',
      additionalProperties: false,
      properties: {
        log_level: { type: 'integer', minimum: 0, maximum: 7, title: 'log level (__log_level)', description: 'default 0: no log when the load succeeds, a level-1 log when it fails (libbpf retries)' },
        flags: { type: 'array', items: { type: 'string', pattern: '^!?[A-Z_0-9a-fx]+$' }, title: 'prog flags (__flag)', description: 'BPF_F_* names ORed into the load\'s prog_flags; `!NAME` clears one' },
      },
    },
    expect: {
      type: 'object',
      title: 'expectations',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        ...loadExpect,
        runtime_error: { type: 'string', title: 'runtime error', description: 'a substring of the runtime error (interp, jit), or the test run\'s errno on the kernel' },
        jited: disasmLines('JIT image\'s disassembly', '__jited'),
        unpriv: {
          type: 'object', title: 'unprivileged load (_unpriv)',
          description: 'Load again without CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN, CAP_SYS_ADMIN; a field not given takes the privileged expectation',
          additionalProperties: false, minProperties: 1, properties: loadExpect,
        },
      },
    },
    engines: { type: 'array', items: { type: 'string', enum: ['interp', 'verifier', 'kernel', 'jit'] }, uniqueItems: true, title: 'engines', description: 'run only on these engines' },
    known_differences: { type: 'object', additionalProperties: { type: 'string' }, title: 'known differences', description: 'engine: reason, for a documented divergence (reported as a skip with the reason)' },
  },
} as const;
