// do_misc_fixups' map lookup inlining: a bpf_map_lookup_elem call whose map is known
// at the call (insn_aux_data map_ptr_state, not poisoned) becomes the map type's
// map_gen_lookup code (kernel/bpf/arraymap.c array_map_gen_lookup, kernel/bpf/hashtab.c
// htab_map_gen_lookup), with the offsets of the kernel's own structs (bpf_array,
// htab_elem) read from its BTF. As a privileged loader sees it (bypass_spec_v1: no
// index mask). Map types without a table entry keep the call (its target becomes the
// map's ops function, an address the dump masks). PURE.
import { Insn, insn } from '../isa/insn';
import {
  BPF_ALU64, BPF_JMP, BPF_LDX, BPF_MEM, BPF_W, BPF_K, BPF_X, BPF_ADD, BPF_LSH, BPF_MUL, BPF_MOV, BPF_JGE, BPF_JEQ, BPF_JA, BPF_CALL,
} from '../isa/opcodes';
import { MAP_TYPE } from '../isa/uapi';
import { Btf } from '../btf/btf';
import { findByName, findMember } from '../btf/lookup';
import { MapInfo } from './types';

/** BPF_F_INNER_MAP: array_map_gen_lookup declines (EOPNOTSUPP) */
const BPF_F_INNER_MAP = 1 << 12;

/** The byte offset of struct.member in the kernel's BTF, or undefined. */
function memberOffset(btf: Btf, struct: string, member: string): number | undefined {
  const id = findByName(btf, struct, 'struct');
  const m = id === undefined ? undefined : findMember(btf, id, member);
  return m && !(m.bitOffset % 8) ? m.bitOffset / 8 : undefined;
}

const roundUp8 = (n: number): number => Math.ceil(n / 8) * 8;

type GenLookup = (map: MapInfo, btf: Btf, htabCallImm: number) => Insn[] | string | null;

/** r1 = map, r2 = key, r0 = the value or NULL: array_map_gen_lookup */
const arrayLookup: GenLookup = (map, btf) => {
  if ((map.flags ?? 0) & BPF_F_INNER_MAP) return null;
  const value = memberOffset(btf, 'bpf_array', 'value');
  if (value === undefined) return 'bpf_array.value in the kernel\'s BTF';
  const elemSize = roundUp8(map.valueSize);
  const pow2 = (elemSize & (elemSize - 1)) === 0;
  return [
    insn(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, value), insn(BPF_LDX | BPF_MEM | BPF_W, 0, 2, 0, 0),
    insn(BPF_JMP | BPF_JGE | BPF_K, 0, 0, 3, map.maxEntries),
    pow2 ? insn(BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, Math.log2(elemSize)) : insn(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, elemSize),
    insn(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0), insn(BPF_JMP | BPF_JA, 0, 0, 1, 0), insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
  ];
};

/** htab_map_gen_lookup: call __htab_map_lookup_elem (its BPF_CALL_IMM, 0 when unknown), then skip to the value past the key */
const hashLookup: GenLookup = (map, btf, htabCallImm) => {
  const key = memberOffset(btf, 'htab_elem', 'key');
  if (key === undefined) return 'htab_elem.key in the kernel\'s BTF';
  return [
    insn(BPF_JMP | BPF_CALL, 0, 0, 0, htabCallImm), insn(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
    insn(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, key + roundUp8(map.keySize)),
  ];
};

/** map_gen_lookup by map type (the types the model inlines; others are not modelled). */
const GEN_LOOKUP: Readonly<Record<number, GenLookup>> = {
  [MAP_TYPE.array]: arrayLookup,
  [MAP_TYPE.hash]: hashLookup,
};

/** Map types whose ops have no map_gen_lookup: the call stays a call. */
const NO_GEN_LOOKUP: ReadonlySet<number> = new Set([MAP_TYPE.prog_array, MAP_TYPE.perf_event_array, MAP_TYPE.stack_trace,
  MAP_TYPE.cgroup_array, MAP_TYPE.lpm_trie, MAP_TYPE.ringbuf, MAP_TYPE.sk_storage, MAP_TYPE.inode_storage, MAP_TYPE.task_storage,
  MAP_TYPE.cgrp_storage, MAP_TYPE.queue, MAP_TYPE.stack, MAP_TYPE.bloom_filter, MAP_TYPE.sockmap, MAP_TYPE.sockhash,
  MAP_TYPE.devmap, MAP_TYPE.devmap_hash, MAP_TYPE.cpumap, MAP_TYPE.xskmap, MAP_TYPE.percpu_hash, MAP_TYPE.lru_percpu_hash,
  MAP_TYPE.user_ringbuf, MAP_TYPE.struct_ops, MAP_TYPE.arena].filter((t) => t !== undefined));

/**
 * The instructions a bpf_map_lookup_elem call becomes: the inline lookup, null when the
 * call stays (poisoned map, no map_gen_lookup), or why it is not modelled.
 */
export function inlineMapLookup(map: MapInfo | null, btf: Btf | undefined, htabCallImm: number): Insn[] | null | string {
  if (!map) return null;
  const gen = GEN_LOOKUP[map.type];
  if (!gen) return NO_GEN_LOOKUP.has(map.type) ? null : `the inline lookup of map type ${map.type}`;
  if (!btf) return 'map lookup inlining without the kernel\'s BTF';
  return gen(map, btf, htabCallImm);
}

