// Public API of the ISA layer (pure: bytes/text in, data out).
//   opcodes.ts   opcode constants            insn.ts     Insn, ldImm64(), predicates
//   codec.ts     decode() (validating), decodeRaw(), encode()
//   validate.ts  validateInsns(), checkInsn() (kernel messages), VALID_OPCODES
//   reserved.ts  reservedFieldRule(), reservedRuleText(), ReservedRule, ATOMIC_OPS
//   flow.ts      successors(): fall-through, jump and callee of an instruction
//   uapi.ts      prog/attach/map type numbers and names, errno names (ERRNO, Errno)
//   helpers.ts   HELPER_NAMES, helperName(), helperId()
//   disasm.ts    disasmInsn(), formatInsnLine(), disassemble(), bpftoolImmName(), symbolicImm64()
//   asm-kernel.ts assemble(), assembleWithLabels()  (kernel log / clang inline-asm syntax)
//   asm-ubpf.ts  assembleUbpf()              (ubpf / bpf_conformance syntax)
//   conformance-data.ts parseConformanceData(), rawWordsToBytes()  (bpf_conformance *.data)
//   hex.ts       parseHex() with HEX_SPEC / HEX_INPUT / HEX_UBPF / HEX_MEM, HexError: the one hex-bytes reader
//   errors.ts    IsaError (kind, byteOffset), AsmError (line, column)
export * from './opcodes';
export * from './insn';
export * from './errors';
export * from './codec';
export * from './validate';
export * from './reserved';
export * from './flow';
export * from './uapi';
export * from './helpers';
export * from './asm-ubpf';
export * from './conformance-data';
export * from './hex';
export * from './disasm';
export * from './asm-kernel';
