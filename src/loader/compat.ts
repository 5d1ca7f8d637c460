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
