// Helper prototypes as data: the kernel's struct bpf_func_proto (ret_type,
// arg1_type..arg5_type) for the helpers the model checks, keyed by enum bpf_func_id.
// check_helper_call (helpers.ts) walks a prototype; a helper without one here is
// `not modelled yet`. Part II of the model fills this table in.
import { helperId } from '../isa/helpers';
import { BPF_MAP_TYPE_PROG_ARRAY } from './types';

/** enum bpf_arg_type, the kinds modelled. */
export type HelperArg =
  /** ARG_ANYTHING: any initialised register. */
  | 'anything'
  /** ARG_PTR_TO_CTX */
  | 'ctx'
  /** ARG_CONST_MAP_PTR */
  | 'const_map_ptr'
  /** ARG_PTR_TO_FUNC */
  | 'func'
  /** ARG_PTR_TO_STACK_OR_NULL */
  | 'stack_or_null';

/** enum bpf_return_type, the kinds modelled. */
export type HelperRet = 'integer';

export interface HelperProto {
  name: string;
  ret: HelperRet;
  args: readonly HelperArg[];
  /** check_map_func_compatibility: the map types its map argument may have. */
  mapTypes?: readonly number[];
  /** What check_helper_call does beyond the prototype (the kernel's per-func_id code). */
  special?: 'tail_call' | 'loop';
}

const id = (name: string): number => {
  const n = helperId(name);
  if (n === undefined) throw new Error(`helper ${name} missing from the helper id table`);
  return n;
};

export const BPF_FUNC_TAIL_CALL = id('bpf_tail_call');
export const BPF_FUNC_LOOP = id('bpf_loop');

export const HELPER_PROTOS: Readonly<Record<number, HelperProto>> = {
  [BPF_FUNC_TAIL_CALL]: {
    name: 'bpf_tail_call', ret: 'integer', args: ['ctx', 'const_map_ptr', 'anything'],
    mapTypes: [BPF_MAP_TYPE_PROG_ARRAY], special: 'tail_call',
  },
  [BPF_FUNC_LOOP]: { name: 'bpf_loop', ret: 'integer', args: ['anything', 'func', 'stack_or_null', 'anything'], special: 'loop' },
};
