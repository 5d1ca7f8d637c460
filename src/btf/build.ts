// Building BTF in code, as libbpf's btf__add_int, btf__add_ptr, btf__add_struct,
// btf__add_func_proto, btf__add_func and btf__add_decl_tag do: each appends one type
// to a Btf (from newBtf) and returns its id; names are interned when the BTF is
// encoded (encode.ts). Used for hand-built programs (tests, kernel probes).
import { Btf, addType } from './btf';
import { BtfLinkage, BtfMember } from './types';

/** BTF_KIND_INT of `size` bytes. */
export const addInt = (btf: Btf, name: string, size: number, signed = true): number =>
  addType(btf, { kind: 'int', name, nameOff: 0, size, bits: size * 8, offset: 0, signed, char: false, bool: false });

export const addPtr = (btf: Btf, target: number): number => addType(btf, { kind: 'ptr', name: '', nameOff: 0, type: target });

/** BTF_KIND_STRUCT; without members it names a struct as a program sees it (e.g. __sk_buff). */
export const addStruct = (btf: Btf, name: string, size: number, members: BtfMember[] = []): number =>
  addType(btf, { kind: 'struct', name, nameOff: 0, size, kindFlag: false, members });

export const addFuncProto = (btf: Btf, ret: number, params: { name: string; type: number }[]): number =>
  addType(btf, { kind: 'func_proto', name: '', nameOff: 0, returnType: ret, params: params.map((p) => ({ ...p, nameOff: 0 })) });

export const addFunc = (btf: Btf, name: string, proto: number, linkage: BtfLinkage = 'global'): number =>
  addType(btf, { kind: 'func', name, nameOff: 0, type: proto, linkage });

/** BTF_KIND_DECL_TAG `value` on type `target` (component -1: the type itself). */
export const addDeclTag = (btf: Btf, value: string, target: number, componentIdx = -1): number =>
  addType(btf, { kind: 'decl_tag', name: value, nameOff: 0, type: target, componentIdx, kindFlag: false });
