// The context structs' layouts (src/runtime/context/layout.ts) against the
// vmlinux BTF of the kernel the fixtures were made on (fixtures/vmlinux):
// every field's offset and size, and each struct's size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findByName, findMember, typeSize, resolvedType } from '../../src/btf/lookup';
import {
  SK_BUFF_FIELDS, SK_BUFF_SIZE, XDP_MD_FIELDS, XDP_MD_SIZE, BPF_SOCK_FIELDS, BPF_SOCK_SIZE,
  BPF_FLOW_KEYS_FIELDS, BPF_FLOW_KEYS_SIZE, CtxField,
} from '../../src/runtime/context';
import { vmlinuxBtf } from '../loader/fixtures';

const structs: Array<[string, readonly CtxField[], number]> = [
  ['__sk_buff', SK_BUFF_FIELDS, SK_BUFF_SIZE],
  ['xdp_md', XDP_MD_FIELDS, XDP_MD_SIZE],
  ['bpf_sock', BPF_SOCK_FIELDS, BPF_SOCK_SIZE],
  ['bpf_flow_keys', BPF_FLOW_KEYS_FIELDS, BPF_FLOW_KEYS_SIZE],
];

for (const [name, fields, size] of structs) {
  test(`context layout: struct ${name} matches vmlinux BTF`, () => {
    const btf = vmlinuxBtf();
    const id = findByName(btf, name, 'struct');
    assert.ok(id !== undefined, `no struct ${name}`);
    assert.equal(typeSize(btf, id), size, `sizeof(struct ${name})`);
    const t = resolvedType(btf, id);
    assert.ok(t.kind === 'struct');
    // every named member of the struct (anonymous unions: their members) is in the table
    const named = new Set(fields.map((f) => f.name));
    for (const m of t.members) {
      if (m.name) assert.ok(named.has(m.name), `${name}.${m.name} missing from the table`);
    }
    for (const f of fields) {
      const m = findMember(btf, id, f.name);
      assert.ok(m, `${name}.${f.name} not in BTF`);
      assert.equal(m.bitOffset, f.offset * 8, `${name}.${f.name} offset`);
      assert.equal(typeSize(btf, m.member.type), f.size, `${name}.${f.name} size`);
    }
  });
}
