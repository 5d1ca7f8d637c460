// JSON Schema (draft-07, checked by ajv) of a program spec. See types.ts.

// whole bytes: an even number of hex digits, whitespace anywhere between them (as hexBytes reads them)
const hex = { type: 'string', pattern: '^(0x)?(\\s*[0-9a-fA-F]\\s*[0-9a-fA-F])*\\s*$' } as const;

export const specSchema = {
  $id: 'bpfx-spec.schema.json',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'program', 'type', 'expect'],
  properties: {
    name: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    type: { type: 'string', pattern: '^[a-z_0-9]+$' },
    license: { type: 'string' },
    program: {
      type: 'object',
      additionalProperties: false,
      properties: {
        asm: { type: 'string', minLength: 1 },
        ubpf: { type: 'string', minLength: 1 },
        object: { type: 'string', minLength: 1 },
        prog: { type: 'string', minLength: 1 },
        hex,
      },
      oneOf: [
        { required: ['asm'], not: { anyOf: [{ required: ['ubpf'] }, { required: ['object'] }, { required: ['hex'] }] } },
        { required: ['ubpf'], not: { anyOf: [{ required: ['asm'] }, { required: ['object'] }, { required: ['hex'] }] } },
        { required: ['object', 'prog'], not: { anyOf: [{ required: ['asm'] }, { required: ['ubpf'] }, { required: ['hex'] }] } },
        { required: ['hex'], not: { anyOf: [{ required: ['asm'] }, { required: ['ubpf'] }, { required: ['object'] }] } },
      ],
    },
    input: {
      type: 'object',
      additionalProperties: false,
      properties: { mem: hex, packet: hex, ctx: hex },
    },
    expect: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: {
        verdict: { enum: ['accept', 'reject'] },
        errno: { type: ['string', 'null'], pattern: '^E[A-Z0-9]+$' },
        log: { type: 'array', items: { type: 'string' } },
        error_line: { type: 'string' },
        // a YAML number is a double: only the integers it holds exactly (larger values as strings)
        retval: { anyOf: [{ type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 }, { type: 'string', pattern: '^-?(0x[0-9a-fA-F]+|[0-9]+)$' }] },
        runtime_error: { type: 'string' },
      },
    },
    engines: { type: 'array', items: { type: 'string', enum: ['interp', 'verifier', 'kernel', 'jit'] }, uniqueItems: true },
    known_differences: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;
