// Type compatibility used for kfunc / typed ksym externs (libbpf
// __bpf_core_types_are_compat in relo_core.c) and the essential-name rule for
// '___flavor' suffixes (bpf_core_essential_name_len).
import { Btf, typeById } from '../btf';
import { skipModsAndTypedefs } from '../btf';
import { BtfType } from '../btf';

/** Length of `name` without a '___flavor' suffix. */
export function essentialNameLen(name: string): number {
  const n = name.length;
  for (let i = n - 5; i >= 0; i--) {
    // X___Y where X and Y are not underscores (bpf_core_is_flavor_sep)
    if (name[i] !== '_' && name[i + 1] === '_' && name[i + 2] === '_' && name[i + 3] === '_' && name[i + 4] !== '_') return i + 1;
  }
  return n;
}

const kindCompat = (a: BtfType, b: BtfType): boolean =>
  a.kind === b.kind || ((a.kind === 'enum' || a.kind === 'enum64') && (b.kind === 'enum' || b.kind === 'enum64'));

/** 1 when compatible, 0 when not (libbpf's -EINVAL cases are thrown as BtfError or return false). */
export function typesAreCompat(lb: Btf, lid: number, tb: Btf, tid: number, level = 32): boolean {
  if (!kindCompat(typeById(lb, lid), typeById(tb, tid))) return false;
  for (let depth = 32; ; ) {
    if (--depth < 0) return false;
    lid = skipModsAndTypedefs(lb, lid); tid = skipModsAndTypedefs(tb, tid);
    const l = typeById(lb, lid), t = typeById(tb, tid);
    if (!kindCompat(l, t)) return false;
    switch (l.kind) {
      case 'void': case 'struct': case 'union': case 'enum': case 'enum64': case 'fwd':
        return true;
      case 'int':
        return l.offset === 0 && t.kind === 'int' && t.offset === 0;
      case 'ptr':
        lid = l.type; tid = (t as typeof l).type; continue;
      case 'array':
        lid = l.type; tid = (t as typeof l).type; continue;
      case 'func_proto': {
        const tp = t as typeof l;
        if (l.params.length !== tp.params.length) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (level <= 0) return false;
          if (!typesAreCompat(lb, skipModsAndTypedefs(lb, l.params[i].type), tb, skipModsAndTypedefs(tb, tp.params[i].type), level - 1)) return false;
        }
        lid = l.returnType; tid = tp.returnType; continue;
      }
      default:
        return false; // libbpf: "unexpected kind %s relocated"
    }
  }
}

function namesMatch(ln: string, tn: string): boolean {
  if (tn === '') return ln === '';
  const tl = essentialNameLen(tn), ll = essentialNameLen(ln);
  return tl === ll && ln.slice(0, ll) === tn.slice(0, tl);
}

/** relo_core.c __bpf_core_types_match (CO-RE TYPE_MATCHES); level bounds recursion. */
export function typesMatch(lb: Btf, lid: number, tb: Btf, tid: number, behindPtr = false, level = 32): boolean {
  if (level <= 0) return false;
  for (let depth = 32; ; ) {
    if (--depth < 0) return false;
    lid = skipModsAndTypedefs(lb, lid); tid = skipModsAndTypedefs(tb, tid);
    const l = typeById(lb, lid), t = typeById(tb, tid);
    if (!namesMatch(l.name, t.name)) return false;
    switch (l.kind) {
      case 'void': return t.kind === 'void';
      case 'fwd':
        if (behindPtr) {
          if (t.kind === 'fwd') return l.union === t.union;
          return (t.kind === 'struct' && !l.union) || (t.kind === 'union' && l.union);
        }
        return t.kind === 'fwd' && l.union === t.union;
      case 'enum': case 'enum64': {
        if (t.kind !== 'enum' && t.kind !== 'enum64') return false;
        if (l.size !== t.size || l.values.length > t.values.length) return false;
        const tvals: { name: string }[] = t.values;
        return l.values.every((v) => tvals.some((tv) => namesMatch(v.name, tv.name)));
      }
      case 'struct': case 'union':
        if (behindPtr) {
          if (l.kind === t.kind) return true;
          if (t.kind !== 'fwd') return false;
          return (l.kind === 'union') === t.union;
        }
        if (l.kind !== t.kind) return false;
        {
          const tm = (t as typeof l).members;
          if (l.members.length > tm.length) return false;
          return l.members.every((lm) => tm.some((m) => namesMatch(lm.name, m.name) && typesMatch(lb, lm.type, tb, m.type, behindPtr, level - 1)));
        }
      case 'int':
        return t.kind === 'int' && l.size === t.size && l.signed === t.signed;
      case 'ptr':
        if (t.kind !== 'ptr') return false;
        behindPtr = true; lid = l.type; tid = t.type; continue;
      case 'array':
        if (t.kind !== 'array' || l.nelems !== t.nelems) return false;
        lid = l.type; tid = t.type; continue;
      case 'func_proto': {
        if (t.kind !== 'func_proto' || l.params.length !== t.params.length) return false;
        for (let i = 0; i < l.params.length; i++) {
          if (!typesMatch(lb, l.params[i].type, tb, t.params[i].type, behindPtr, level - 1)) return false;
        }
        lid = l.returnType; tid = t.returnType; continue;
      }
      default:
        return false;
    }
  }
}
