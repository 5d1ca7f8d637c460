// Adapter from the parsed program BTF of src/btf (what the loader hands to
// BPF_PROG_LOAD as prog_btf_fd) to the verifier model's VerifierBtf view.
import { Btf, typeCount, typeById } from '../btf/btf';
import { VerifierBtf, VBtfType } from './types';

export function verifierBtfFrom(btf: Btf): VerifierBtf {
  const n = typeCount(btf);
  const types: VBtfType[] = [{ kind: 'void', name: '' }];
  for (let id = 1; id < n; id++) {
    const t = typeById(btf, id);
    switch (t.kind) {
      case 'func': types.push({ kind: 'func', name: t.name, type: t.type, linkage: t.linkage }); break;
      case 'func_proto': types.push({ kind: 'func_proto', name: '', type: t.returnType, params: t.params.map((p) => ({ name: p.name, type: p.type })) }); break;
      case 'decl_tag': types.push({ kind: 'decl_tag', name: t.name, type: t.type, componentIdx: t.componentIdx }); break;
      case 'ptr': case 'typedef': case 'volatile': case 'const': case 'restrict': case 'type_tag': case 'var':
        types.push({ kind: t.kind, name: t.name, type: t.type }); break;
      default: types.push({ kind: t.kind, name: t.name });
    }
  }
  return { types };
}
