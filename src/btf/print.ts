// Type names as the kernel's verifier log prints them: btf_type_str() (the
// btf_kind_str table: "STRUCT", "UNKNOWN" for void), btf_name_by_offset /
// btf_type_name(), the "%s %s" (kind, name) pair after btf_type_skip_modifiers()
// used in kfunc/subprog argument messages, the "ptr_<name>" of PTR_TO_BTF_ID
// registers (print_verifier_state / reg_type_str), and a C-like rendering of a
// type (bpftool btf dump style) for humans.
import { Btf, typeById } from './btf';
import { BtfKind, BtfType } from './types';
import { funcSignature, skipModsAndTypedefs, MAX_RESOLVE_DEPTH } from './lookup';

const KIND_STR: Record<BtfKind, string> = {
  void: 'UNKNOWN', int: 'INT', ptr: 'PTR', array: 'ARRAY', struct: 'STRUCT', union: 'UNION',
  enum: 'ENUM', fwd: 'FWD', typedef: 'TYPEDEF', volatile: 'VOLATILE', const: 'CONST',
  restrict: 'RESTRICT', func: 'FUNC', func_proto: 'FUNC_PROTO', var: 'VAR', datasec: 'DATASEC',
  float: 'FLOAT', decl_tag: 'DECL_TAG', type_tag: 'TYPE_TAG', enum64: 'ENUM64',
};

/** Kernel btf_type_str(): the upper-case kind name ("UNKNOWN" for void). */
export function btfKindStr(kind: BtfKind): string {
  return KIND_STR[kind];
}

/** btf_type_str(btf_type_by_id(btf, id)). */
export function btfTypeStr(btf: Btf, id: number): string {
  return KIND_STR[typeById(btf, id).kind];
}

/** Kernel btf_type_name(): the type's own name, '' when anonymous (and for void). */
export function btfTypeName(btf: Btf, id: number): string {
  return typeById(btf, id).name;
}

/** What the verifier prints for "expected pointer to %s %s": the target after modifiers/typedefs. */
export interface RefTypeDesc { refId: number; kindStr: string; name: string; text: string }

/**
 * `ref_t = btf_type_skip_modifiers(btf, id, &ref_id); "%s %s", btf_type_str(ref_t), ref_tname`
 * e.g. "STRUCT task_struct", "INT int", "UNKNOWN " (void).
 */
export function refTypeDesc(btf: Btf, id: number): RefTypeDesc {
  const refId = skipModsAndTypedefs(btf, id);
  const t = typeById(btf, refId);
  const kindStr = KIND_STR[t.kind];
  return { refId, kindStr, name: t.name, text: `${kindStr} ${t.name}` };
}

/**
 * Register type of a PTR_TO_BTF_ID pointing at `id` as print_verifier_state shows it:
 * "ptr_" + btf_type_name(), with an optional flag prefix ("trusted_", "rcu_", "untrusted_").
 */
export function ptrToBtfIdStr(btf: Btf, id: number, prefix = ''): string {
  return `${prefix}ptr_${btfTypeName(btf, id)}`;
}

/** The FUNC name used in "Func#%d ('%s') is global and assumed valid." and "Validating %s() func#%d...". */
export function funcName(btf: Btf, funcTypeId: number): string {
  return funcSignature(btf, funcTypeId).func.name;
}

function tagged(t: BtfType): string {
  switch (t.kind) {
    case 'struct': return `struct ${t.name}`;
    case 'union': return `union ${t.name}`;
    case 'enum': case 'enum64': return `enum ${t.name}`;
    case 'fwd': return `${t.union ? 'union' : 'struct'} ${t.name}`;
    default: return t.name;
  }
}

/**
 * C spelling of a type: "struct task_struct *", "const char *", "int [16]",
 * "u64 (*)(void *)". Anonymous aggregates print as "struct (anon)".
 */
export function typeToC(btf: Btf, id: number): string {
  return declToC(btf, id, '', 0);
}

function joinDecl(base: string, decl: string): string {
  if (decl === '') return base;
  return decl.startsWith('*') || /^[A-Za-z_(]/.test(decl) ? `${base} ${decl}` : `${base}${decl}`;
}

function declToC(btf: Btf, id: number, decl: string, depth: number): string {
  if (depth > MAX_RESOLVE_DEPTH) return `<loop>${decl}`;
  const t = typeById(btf, id);
  switch (t.kind) {
    case 'void': return joinDecl('void', decl);
    case 'int': case 'float': case 'typedef': return joinDecl(t.name, decl);
    case 'struct': case 'union': case 'enum': case 'enum64': case 'fwd':
      return joinDecl(t.name === '' ? `${tagged(t)}(anon)` : tagged(t), decl);
    case 'ptr': return declToC(btf, t.type, `*${decl}`, depth + 1);
    case 'const': case 'volatile': case 'restrict': {
      // "const char *" when it qualifies a non-pointer, "char *const p" when it qualifies a pointer
      if (typeById(btf, t.type).kind === 'ptr') return declToC(btf, t.type, decl === '' ? t.kind : `${t.kind} ${decl}`, depth + 1);
      return `${t.kind} ${declToC(btf, t.type, decl, depth + 1)}`;
    }
    case 'type_tag': return declToC(btf, t.type, decl, depth + 1);
    case 'array': {
      const d = decl.startsWith('*') ? `(${decl})` : decl;
      return declToC(btf, t.type, `${d}[${t.nelems}]`, depth + 1);
    }
    case 'func_proto': {
      const params = t.params.length === 0 ? 'void'
        : t.params.map((p) => (p.type === 0 && p.name === '' ? '...' : declToC(btf, p.type, p.name, depth + 1))).join(', ');
      const d = decl.startsWith('*') ? `(${decl})` : decl;
      return declToC(btf, t.returnType, `${d}(${params})`, depth + 1);
    }
    case 'func': return declToC(btf, t.type, t.name + decl, depth + 1);
    case 'var': return declToC(btf, t.type, t.name, depth + 1);
    case 'datasec': return `SEC("${t.name}")`;
    case 'decl_tag': return `__attribute__((btf_decl_tag("${t.name}")))`;
  }
}

/** "u64 bpf_throw(u64 cookie)"-style prototype of a FUNC. */
export function funcToC(btf: Btf, funcId: number): string {
  const s = funcSignature(btf, funcId);
  return declToC(btf, s.protoId, s.func.name, 0);
}
