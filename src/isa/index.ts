// Public API of the ISA layer: instruction type, opcodes, codec, validation,
// helper names, disassembler (kernel verifier syntax) and assemblers
// (kernel/clang inline-asm syntax and the ubpf/bpf_conformance syntax).
export * from './opcodes';
export * from './insn';
export * from './errors';
export * from './codec';
export * from './validate';
export * from './helpers';
export * from './asm-ubpf';
export * from './conformance-data';
export * from './disasm';
export * from './asm-kernel';
