// The program's BTF as the verifier reads it: src/btf's model, looked up the way
// the kernel's btf_type_by_id does (an id out of range is "no type", not a throw),
// with modifiers and typedefs skipped as btf_type_skip_modifiers does.
import { Btf, typeById, typeCount } from '../btf/btf';
import { BtfType, BtfFuncProto } from '../btf/types';

/** btf_type_by_id: undefined for id 0 and ids out of range. */
export function btfTypeAt(btf: Btf | undefined, id: number): BtfType | undefined {
  if (!btf || !Number.isInteger(id) || id <= 0 || id >= typeCount(btf)) return undefined;
  return typeById(btf, id);
}

/** btf_type_skip_modifiers: follow typedef/volatile/const/restrict/type_tag to the id of another kind. */
export function skipModifiers(btf: Btf, id: number): number {
  let cur = id;
  for (let guard = 0; guard < 64 && cur; guard++) {
    const t = btfTypeAt(btf, cur);
    if (!t || (t.kind !== 'typedef' && t.kind !== 'volatile' && t.kind !== 'const' && t.kind !== 'restrict' && t.kind !== 'type_tag')) break;
    cur = t.type;
  }
  return cur;
}

/** The resolved type (modifiers skipped); undefined for void. */
export const resolvedAt = (btf: Btf, id: number): BtfType | undefined => btfTypeAt(btf, skipModifiers(btf, id));

/** The FUNC_PROTO of FUNC `fnId`, undefined when `fnId` is not a function with a prototype. */
export function funcProtoOf(btf: Btf | undefined, fnId: number): BtfFuncProto | undefined {
  const fn = btfTypeAt(btf, fnId);
  if (!fn || fn.kind !== 'func') return undefined;
  const proto = btfTypeAt(btf, fn.type);
  return proto && proto.kind === 'func_proto' ? proto : undefined;
}

/** The scalar kinds a global function may take and return (int, enum, enum64). */
export const isScalarKind = (t: BtfType | undefined): boolean =>
  !!t && (t.kind === 'int' || t.kind === 'enum' || t.kind === 'enum64');
