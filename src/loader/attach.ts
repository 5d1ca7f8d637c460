// libbpf_find_attach_btf_id: the vmlinux BTF id a tracing, LSM or ext program
// attaches to (BPF_PROG_LOAD's attach_btf_id), found by the name after the
// section prefix (SEC("fentry/NAME"), SEC("tp_btf/NAME"), SEC("lsm/NAME")) with
// btf_get_kernel_prefix_kind's prefix and kind. PURE: the vmlinux BTF is data.
import { Btf, BtfKind, findByName } from '../btf';
import { LoaderError, EINVAL, ESRCH } from './errors';
import { LinkedProgram } from './model';

/** btf_get_kernel_prefix_kind: the name prefix and BTF kind of an attach type's targets. */
function prefixKind(attachType: string): { prefix: string; kind: BtfKind } {
  switch (attachType) {
    case 'trace_raw_tp': return { prefix: 'btf_trace_', kind: 'typedef' };
    case 'lsm_mac': case 'lsm_cgroup': return { prefix: 'bpf_lsm_', kind: 'func' };
    case 'trace_iter': return { prefix: 'bpf_iter_', kind: 'func' };
    default: return { prefix: '', kind: 'func' };
  }
}

/**
 * attach_btf_id for a program that needs one (tracing, lsm, ext), undefined for
 * the others. A LoaderError with libbpf's message when the section names no
 * target (SEC("fentry"): libbpf_prepare_prog_load wants one set with
 * bpf_program__set_attach_target, which callers do by passing their own id), or
 * when the kernel's BTF is missing or has no such target.
 */
export function attachBtfIdFor(vmlinux: Btf | undefined, p: Pick<LinkedProgram, 'name' | 'type' | 'attachType' | 'attachTo'>): number | undefined {
  if (p.type !== 'tracing' && p.type !== 'lsm' && p.type !== 'ext') return undefined;
  if (!p.attachTo) {
    throw new LoaderError('attach', EINVAL, `prog '${p.name}': no BTF-based attach target is specified, use bpf_program__set_attach_target()`, { prog: p.name });
  }
  const { prefix, kind } = prefixKind(p.attachType);
  const target = prefix + p.attachTo;
  const id = vmlinux ? findByName(vmlinux, target, kind) : undefined;
  if (id === undefined) {
    throw new LoaderError('attach', ESRCH, `prog '${p.name}': failed to find kernel BTF type ID of '${target}': ${ESRCH}`, { prog: p.name });
  }
  return id;
}
