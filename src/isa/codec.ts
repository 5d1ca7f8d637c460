// Byte <-> instruction conversion (little-endian struct bpf_insn).
// decodeRaw only splits bytes into slots; decode also validates each
// instruction (see validate.ts) so that bad input is a typed IsaError.
import { Insn } from './insn';
import { IsaError } from './errors';
import { INSN_SIZE } from './opcodes';
import { validateInsns } from './validate';

/** Split bytes into slots without checking opcodes. */
export function decodeRaw(bytes: Uint8Array): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new IsaError('truncated', bytes.length - (bytes.length % INSN_SIZE),
      `${bytes.length} bytes is not a whole number of 8-byte instructions`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Insn[] = new Array(bytes.length / INSN_SIZE);
  for (let o = 0, i = 0; o < bytes.length; o += INSN_SIZE, i++) {
    const regs = bytes[o + 1];
    out[i] = { code: bytes[o], dst: regs & 0x0f, src: regs >> 4, off: dv.getInt16(o + 2, true), imm: dv.getInt32(o + 4, true) };
  }
  return out;
}

/** Encode slots to bytes. Fields are truncated to their widths. */
export function encode(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_SIZE);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < insns.length; i++) {
    const n = insns[i], o = i * INSN_SIZE;
    out[o] = n.code & 0xff;
    out[o + 1] = (n.dst & 0x0f) | ((n.src & 0x0f) << 4);
    dv.setInt16(o + 2, n.off << 16 >> 16, true);
    dv.setInt32(o + 4, n.imm | 0, true);
  }
  return out;
}

/**
 * Split bytes into slots and validate every instruction (see validate.ts).
 * Throws IsaError (kind + byte offset) for a truncated stream, an unknown
 * opcode, a reserved field that is set, a register above 10, or a bad or
 * truncated ld_imm64.
 */
export function decode(bytes: Uint8Array): Insn[] {
  const insns = decodeRaw(bytes);
  validateInsns(insns);
  return insns;
}
