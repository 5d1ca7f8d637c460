// The context struct layouts of src/verifier/ctx.ts against the running kernel's
// BTF: every field offset and size, and every struct size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { parseBtf } from '../../src/btf/parse';
import { findByName, findMember, typeSize } from '../../src/btf/lookup';
import {
  SK_BUFF, XDP_MD, BPF_SOCK, BPF_SOCK_ADDR, BPF_SOCK_OPS, BPF_SOCKOPT, SK_MSG_MD, PERF_EVENT_DATA, PT_REGS_SIZE,
  CGROUP_DEV_CTX, BPF_SYSCTL,
} from '../../src/verifier/ctx';

const VMLINUX = '/sys/kernel/btf/vmlinux';
let bytes: Uint8Array | undefined;
try { bytes = fs.readFileSync(VMLINUX); } catch { bytes = undefined; }
const skip = bytes ? false : `no readable ${VMLINUX}`;

/** Field names in the table that differ from the C member name. */
const RENAMED: Readonly<Record<string, string>> = { msg_size: 'size' };

const LAYOUTS: Readonly<Record<string, Record<string, number | readonly [number, number]>>> = {
  __sk_buff: SK_BUFF, xdp_md: XDP_MD, bpf_sock: BPF_SOCK, bpf_sock_addr: BPF_SOCK_ADDR, bpf_sock_ops: BPF_SOCK_OPS,
  bpf_sockopt: BPF_SOCKOPT, sk_msg_md: SK_MSG_MD, bpf_perf_event_data: PERF_EVENT_DATA, bpf_cgroup_dev_ctx: CGROUP_DEV_CTX,
  bpf_sysctl: BPF_SYSCTL,
};

for (const [struct, layout] of Object.entries(LAYOUTS)) {
  test(`context layout of struct ${struct} matches the kernel's BTF`, { skip }, () => {
    const btf = parseBtf(bytes!);
    const id = findByName(btf, struct, 'struct');
    assert.ok(id, `struct ${struct} in vmlinux BTF`);
    assert.equal(typeSize(btf, id!), layout.size, `sizeof(struct ${struct})`);
    for (const [name, f] of Object.entries(layout)) {
      if (name === 'size' || typeof f === 'number') continue;
      const m = findMember(btf, id!, RENAMED[name] ?? name);
      assert.ok(m, `${struct}.${name}`);
      assert.equal(m!.bitOffset / 8, f[0], `offsetof(${struct}, ${name})`);
      assert.equal(typeSize(btf, m!.member.type), f[1], `sizeof(${struct}.${name})`);
    }
  });
}

test('sizeof(struct pt_regs) matches the kernel\'s BTF', { skip }, () => {
  const btf = parseBtf(bytes!);
  assert.equal(typeSize(btf, findByName(btf, 'pt_regs', 'struct')!), PT_REGS_SIZE);
});
