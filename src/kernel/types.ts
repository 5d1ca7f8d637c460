// The UAPI enum lookups of src/isa/uapi.ts as the kernel module's requests need
// them: a name or number the table does not know is a KernelError
// ('bad-request') before any bpf() call is made.
import { UapiEnum, uapiNumber, unknownUapiName } from '../isa/uapi';
import { KernelError } from './errors';

function lookup(kind: UapiEnum, v: number | string): number {
  const n = uapiNumber(kind, v);
  if (n === undefined) throw new KernelError('bad-request', kind, unknownUapiName(kind, v));
  return n;
}

/** 'xdp' | 'BPF_PROG_TYPE_XDP' | 'tc' | 6 -> 6 */
export const progTypeNum = (v: number | string): number => lookup('prog type', v);
/** 'trace_fentry' | 'BPF_TRACE_FENTRY' | 24 -> 24 */
export const attachTypeNum = (v: number | string): number => lookup('attach type', v);
/** 'array' | 'BPF_MAP_TYPE_ARRAY' | 2 -> 2 */
export const mapTypeNum = (v: number | string): number => lookup('map type', v);
