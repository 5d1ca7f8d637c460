// BTF type model: plain discriminated-union data mirroring include/uapi/linux/btf.h
// (struct btf_type and its trailing records). Ids are kernel ids: 0 is void.

/** BTF_KIND_* numbers, as in include/uapi/linux/btf.h. */
export const BTF_KIND = {
  unkn: 0, int: 1, ptr: 2, array: 3, struct: 4, union: 5, enum: 6, fwd: 7, typedef: 8,
  volatile: 9, const: 10, restrict: 11, func: 12, func_proto: 13, var: 14, datasec: 15,
  float: 16, decl_tag: 17, type_tag: 18, enum64: 19,
} as const;

export type BtfKind =
  | 'void' | 'int' | 'ptr' | 'array' | 'struct' | 'union' | 'enum' | 'fwd' | 'typedef'
  | 'volatile' | 'const' | 'restrict' | 'func' | 'func_proto' | 'var' | 'datasec'
  | 'float' | 'decl_tag' | 'type_tag' | 'enum64';

/** Kind names indexed by BTF_KIND number (index 0 is the void pseudo-type). */
export const KIND_NAMES: readonly BtfKind[] = [
  'void', 'int', 'ptr', 'array', 'struct', 'union', 'enum', 'fwd', 'typedef',
  'volatile', 'const', 'restrict', 'func', 'func_proto', 'var', 'datasec',
  'float', 'decl_tag', 'type_tag', 'enum64',
];

export const BTF_MAGIC = 0xeb9f;
export const BTF_VERSION = 1;
export const BTF_HEADER_SIZE = 24;
/** Largest type id the kernel accepts (BTF_MAX_TYPE). */
export const BTF_MAX_TYPE = 0x000fffff;

/** Every type has a name (resolved string, '' when anonymous) and the raw offset. */
interface Named { name: string; nameOff: number }

export interface BtfVoid extends Named { kind: 'void' }
export interface BtfInt extends Named {
  kind: 'int'; size: number;
  /** BTF_INT_BITS: width in bits; BTF_INT_OFFSET: bit offset (legacy bitfields). */
  bits: number; offset: number;
  /** BTF_INT_ENCODING flags. */
  signed: boolean; char: boolean; bool: boolean;
}
export interface BtfPtr extends Named { kind: 'ptr'; type: number }
export interface BtfArray extends Named { kind: 'array'; type: number; indexType: number; nelems: number }
export interface BtfMember extends Named {
  type: number;
  /** Offset of the member from the start of the struct, in bits. */
  bitOffset: number;
  /** Bitfield width in bits (only with kindFlag); 0 = not a bitfield. */
  bitfieldSize: number;
}
export interface BtfComposite extends Named {
  kind: 'struct' | 'union'; size: number;
  /** When set, member offsets encode bitfield size (bits 24..31) and bit offset (0..23). */
  kindFlag: boolean;
  members: BtfMember[];
}
export interface BtfEnumValue extends Named { value: number }
export interface BtfEnum extends Named { kind: 'enum'; size: number; signed: boolean; values: BtfEnumValue[] }
export interface BtfEnum64Value extends Named { value: bigint }
export interface BtfEnum64 extends Named { kind: 'enum64'; size: number; signed: boolean; values: BtfEnum64Value[] }
export interface BtfFwd extends Named { kind: 'fwd'; union: boolean }
export interface BtfRef extends Named { kind: 'typedef' | 'volatile' | 'const' | 'restrict'; type: number }
export interface BtfTypeTag extends Named { kind: 'type_tag'; type: number; kindFlag: boolean }
export type BtfLinkage = 'static' | 'global' | 'extern';
export interface BtfFunc extends Named { kind: 'func'; type: number; linkage: BtfLinkage }
export interface BtfParam extends Named { type: number }
export interface BtfFuncProto extends Named {
  kind: 'func_proto'; returnType: number;
  /** A trailing param with type 0 and no name marks a variadic prototype. */
  params: BtfParam[];
}
export interface BtfVar extends Named { kind: 'var'; type: number; linkage: BtfLinkage }
export interface BtfVarSecinfo { type: number; offset: number; size: number }
export interface BtfDatasec extends Named { kind: 'datasec'; size: number; vars: BtfVarSecinfo[] }
export interface BtfFloat extends Named { kind: 'float'; size: number }
export interface BtfDeclTag extends Named {
  kind: 'decl_tag'; type: number;
  /** -1: the tag applies to the type itself; otherwise a member / parameter index. */
  componentIdx: number;
  kindFlag: boolean;
}

export type BtfType =
  | BtfVoid | BtfInt | BtfPtr | BtfArray | BtfComposite | BtfEnum | BtfEnum64 | BtfFwd
  | BtfRef | BtfTypeTag | BtfFunc | BtfFuncProto | BtfVar | BtfDatasec | BtfFloat | BtfDeclTag;

export const VOID: BtfVoid = Object.freeze({ kind: 'void', name: '', nameOff: 0 }) as BtfVoid;

/** Kinds whose single `type` field is followed when resolving modifiers. */
export function isModifier(kind: BtfKind): boolean {
  return kind === 'volatile' || kind === 'const' || kind === 'restrict' || kind === 'type_tag';
}
