// Raw text dump of BTF types in the format of `bpftool btf dump file X`
// (bpftool btf.c dump_btf_type, plain-text branch), one type per call.
import { Btf, typeById, typeCount } from './btf';
import { btfKindStr } from './print';

function nm(s: string): string { return s === '' ? '(anon)' : s; }

/** One type as bpftool prints it, e.g. "[2] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED". */
export function formatTypeRaw(btf: Btf, id: number): string {
  const t = typeById(btf, id);
  let s = `[${id}] ${btfKindStr(t.kind)} '${nm(t.name)}'`;
  switch (t.kind) {
    case 'int': {
      const n = (t.signed ? 1 : 0) + (t.char ? 1 : 0) + (t.bool ? 1 : 0);
      const enc = n === 0 ? '(none)' : n > 1 ? 'UNKN' : t.signed ? 'SIGNED' : t.char ? 'CHAR' : 'BOOL';
      s += ` size=${t.size} bits_offset=${t.offset} nr_bits=${t.bits} encoding=${enc}`;
      break;
    }
    case 'ptr': case 'const': case 'volatile': case 'restrict': case 'typedef': case 'type_tag':
      s += ` type_id=${t.type}`; break;
    case 'array': s += ` type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`; break;
    case 'struct': case 'union':
      s += ` size=${t.size} vlen=${t.members.length}`;
      for (const m of t.members) {
        s += `\n\t'${nm(m.name)}' type_id=${m.type} bits_offset=${m.bitOffset}`;
        if (m.bitfieldSize) s += ` bitfield_size=${m.bitfieldSize}`;
      }
      break;
    case 'enum':
      s += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) s += `\n\t'${nm(v.name)}' val=${v.value}`;
      break;
    case 'enum64':
      s += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      for (const v of t.values) s += `\n\t'${nm(v.name)}' val=${v.value}${t.signed ? 'LL' : 'ULL'}`;
      break;
    case 'fwd': s += ` fwd_kind=${t.union ? 'union' : 'struct'}`; break;
    case 'func': s += ` type_id=${t.type} linkage=${t.linkage}`; break;
    case 'func_proto':
      s += ` ret_type_id=${t.returnType} vlen=${t.params.length}`;
      for (const p of t.params) s += `\n\t'${nm(p.name)}' type_id=${p.type}`;
      break;
    case 'var': s += ` type_id=${t.type}, linkage=${t.linkage}`; break;
    case 'datasec':
      s += ` size=${t.size} vlen=${t.vars.length}`;
      for (const v of t.vars) {
        const vt = typeById(btf, v.type);
        s += `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size} (${btfKindStr(vt.kind)} '${nm(vt.name)}')`;
      }
      break;
    case 'float': s += ` size=${t.size}`; break;
    case 'decl_tag': s += ` type_id=${t.type} component_idx=${t.componentIdx}`; break;
  }
  return s;
}

/** All own types (or all, with base) in bpftool's raw format, newline-terminated lines. */
export function dumpBtfRaw(btf: Btf, withBase = false): string {
  const out: string[] = [];
  for (let id = withBase ? 1 : btf.firstId; id < typeCount(btf); id++) out.push(formatTypeRaw(btf, id));
  return out.join('\n') + '\n';
}
