// Map definitions (libbpf bpf_object__init_user_btf_maps,
// bpf_object__init_user_btf_map, parse_btf_map_def, get_map_field_int,
// bpf_object__init_global_data_maps, bpf_object__init_internal_map,
// internal_map_name).
import { Btf, typeById } from '../btf';
import { findByName, skipModsAndTypedefs, typeSize } from '../btf';
import { BtfType } from '../btf';
import { ElfFile, ElfSection } from '../elf/types';
import { EINVAL, ENOENT, ENOTSUP, LIBBPF_ERRNO__FORMAT, LoaderError } from './errors';
import { MapDef } from './model';
import { MAP_TYPE, mapTypeName } from '../isa/uapi';

/** libbpf's name of a map type; numbers the UAPI table does not name print as type_<n>. */
const mapTypeText = (t: number): string => mapTypeName(t) ?? `type_${t}`;

const BPF_F_RDONLY_PROG = 1 << 7, BPF_F_MMAPABLE = 1 << 10;
const BPF_OBJ_NAME_LEN = 16;

const kindStr = (t: BtfType): string => t.kind;

function mapFieldInt(btf: Btf, mapName: string, field: string, typeId: number): number {
  const t = typeById(btf, skipModsAndTypedefs(btf, typeId));
  if (t.kind !== 'ptr') {
    throw new LoaderError('map', EINVAL, `map '${mapName}': attr '${field}': expected PTR, got ${kindStr(t)}.`);
  }
  let arr: BtfType;
  try { arr = typeById(btf, t.type); } catch {
    throw new LoaderError('map', EINVAL, `map '${mapName}': attr '${field}': type [${t.type}] not found.`);
  }
  if (arr.kind !== 'array') {
    throw new LoaderError('map', EINVAL, `map '${mapName}': attr '${field}': expected ARRAY, got ${kindStr(arr)}.`);
  }
  return arr.nelems;
}

function emptyMap(index: number, name: string): MapDef {
  return {
    index, name, type: 0, typeName: 'unspec', keySize: 0, valueSize: 0, maxEntries: 0, flags: 0, numaNode: 0,
    mapExtra: 0n, pinning: 0, btfKeyTypeId: 0, btfValueTypeId: 0, libbpfType: 'user', secIdx: 0, secOffset: 0,
    defSize: 0, btfDefId: 0, initSlots: [],
  };
}

/** parse_btf_map_def for one struct-typed variable of .maps. */
function parseMapDef(btf: Btf, m: MapDef, defId: number, inner = false): void {
  const def = typeById(btf, defId);
  if (def.kind !== 'struct') throw new LoaderError('map', EINVAL, `map '${m.name}': unexpected def kind ${def.kind}.`);
  for (const mem of def.members) {
    const f = mem.name;
    if (f === 'type') { m.type = mapFieldInt(btf, m.name, f, mem.type); m.typeName = mapTypeText(m.type); }
    else if (f === 'max_entries') m.maxEntries = mapFieldInt(btf, m.name, f, mem.type);
    else if (f === 'map_flags') m.flags = mapFieldInt(btf, m.name, f, mem.type);
    else if (f === 'numa_node') m.numaNode = mapFieldInt(btf, m.name, f, mem.type);
    else if (f === 'map_extra') m.mapExtra = BigInt(mapFieldInt(btf, m.name, f, mem.type));
    else if (f === 'pinning') {
      m.pinning = mapFieldInt(btf, m.name, f, mem.type);
      if (m.pinning !== 0 && m.pinning !== 1) throw new LoaderError('map', EINVAL, `map '${m.name}': invalid pinning value ${m.pinning}.`);
    } else if (f === 'key_size' || f === 'value_size') {
      const sz = mapFieldInt(btf, m.name, f, mem.type);
      const cur = f === 'key_size' ? m.keySize : m.valueSize;
      if (cur && cur !== sz) {
        throw new LoaderError('map', EINVAL, `map '${m.name}': conflicting ${f === 'key_size' ? 'key' : 'value'} size ${cur} != ${sz}.`);
      }
      if (f === 'key_size') m.keySize = sz; else m.valueSize = sz;
    } else if (f === 'key' || f === 'value') {
      const t = typeById(btf, mem.type);
      if (t.kind !== 'ptr') throw new LoaderError('map', EINVAL, `map '${m.name}': ${f} spec is not PTR: ${t.kind}.`);
      let sz: number;
      try { sz = typeSize(btf, t.type); } catch {
        throw new LoaderError('map', EINVAL, `map '${m.name}': can't determine ${f} size for type [${t.type}]: -22.`);
      }
      const cur = f === 'key' ? m.keySize : m.valueSize;
      if (cur && cur !== sz) throw new LoaderError('map', EINVAL, `map '${m.name}': conflicting ${f} size ${cur} != ${sz}.`);
      if (f === 'key') { m.keySize = sz; m.btfKeyTypeId = t.type; } else { m.valueSize = sz; m.btfValueTypeId = t.type; }
    } else if (f === 'values') {
      // Initial slots come from .rel.maps (collectMapRelos); map-in-map gets an inner template.
      const isMapInMap = m.type === MAP_TYPE.array_of_maps || m.type === MAP_TYPE.hash_of_maps, isProgArray = m.type === MAP_TYPE.prog_array;
      const desc = isMapInMap ? 'map-in-map inner' : 'prog-array value';
      if (inner) throw new LoaderError('map', ENOTSUP, `map '${m.name}': multi-level inner maps not supported.`);
      const idx = def.members.indexOf(mem);
      if (idx !== def.members.length - 1) throw new LoaderError('map', EINVAL, `map '${m.name}': '${f}' member should be last.`);
      if (!isMapInMap && !isProgArray) throw new LoaderError('map', ENOTSUP, `map '${m.name}': should be map-in-map or prog-array.`);
      if (m.valueSize && m.valueSize !== 4) throw new LoaderError('map', EINVAL, `map '${m.name}': conflicting value size ${m.valueSize} != 4.`);
      m.valueSize = 4;
      const arr = typeById(btf, mem.type);
      if (arr.kind !== 'array' || arr.nelems !== 0) {
        throw new LoaderError('map', EINVAL, `map '${m.name}': ${desc} spec is not a zero-sized array.`);
      }
      const ptr = typeById(btf, skipModsAndTypedefs(btf, arr.type));
      if (ptr.kind !== 'ptr') throw new LoaderError('map', EINVAL, `map '${m.name}': ${desc} def is of unexpected kind ${ptr.kind}.`);
      const tgt = typeById(btf, skipModsAndTypedefs(btf, ptr.type));
      if (isProgArray) {
        if (tgt.kind !== 'func_proto') throw new LoaderError('map', EINVAL, `map '${m.name}': prog-array value def is of unexpected kind ${tgt.kind}.`);
        continue;
      }
      if (tgt.kind !== 'struct') throw new LoaderError('map', EINVAL, `map '${m.name}': map-in-map inner def is of unexpected kind ${tgt.kind}.`);
      const im = emptyMap(-1, `${m.name}.inner`);
      parseMapDef(btf, im, skipModsAndTypedefs(btf, ptr.type), true);
      im.secIdx = m.secIdx;
      m.inner = im;
    } else {
      throw new LoaderError('map', ENOTSUP, `map '${m.name}': unknown field '${f}'.`);
    }
  }
  if (m.type === MAP_TYPE.unspec) throw new LoaderError('map', EINVAL, `map '${m.name}': map type isn't specified.`);

}

/** BTF-defined maps of the .maps section, in DATASEC variable order. */
export function initUserBtfMaps(elf: ElfFile, btf: Btf | undefined, mapsShndx: number): MapDef[] {
  if (!mapsShndx) return [];
  if (!btf) throw new LoaderError('map', ENOENT, 'failed to find BTF for .maps section: -2');
  const secId = findByName(btf, '.maps', 'datasec');
  if (secId === undefined) throw new LoaderError('map', EINVAL, 'DATASEC \'.maps\' not found.');
  const sec = typeById(btf, secId);
  if (sec.kind !== 'datasec') throw new LoaderError('map', EINVAL, 'DATASEC \'.maps\' not found.');
  const out: MapDef[] = [];
  for (const vi of sec.vars) {
    const v = typeById(btf, vi.type);
    if (v.kind !== 'var') throw new LoaderError('map', EINVAL, `map #${out.length}: unexpected var kind ${v.kind}.`);
    const m = emptyMap(out.length, v.name);
    if (v.linkage !== 'static' && v.linkage !== 'global') {
      throw new LoaderError('map', ENOTSUP, `map '${v.name}': unsupported map linkage ${v.linkage}.`);
    }
    const defId = skipModsAndTypedefs(btf, v.type);
    const def = typeById(btf, defId);
    if (def.kind !== 'struct') throw new LoaderError('map', EINVAL, `map '${v.name}': unexpected def kind ${def.kind}.`);
    // bpf_object_fixup_btf: the variable's offset is its ELF symbol's value.
    const sym = elf.symbols.find((s) => s.shndx === mapsShndx && s.name === v.name);
    m.secIdx = mapsShndx;
    m.secOffset = sym ? sym.value : vi.offset;
    m.defSize = sym && sym.size ? sym.size : vi.size;
    m.btfDefId = defId;
    if (def.size > vi.size && vi.size !== 0) {
      throw new LoaderError('map', EINVAL, `map '${v.name}': invalid def size.`);
    }
    parseMapDef(btf, m, defId);
    out.push(m);
  }
  return out;
}

/** internal_map_name(): object-name prefix + section name, 15 chars at most. */
export function internalMapName(objName: string, realName: string): string {
  let sfx = Math.max(7, realName.length);
  if (sfx >= BPF_OBJ_NAME_LEN) sfx = BPF_OBJ_NAME_LEN - 1;
  const pfx = realName.indexOf('.', 1) >= 0 ? 0 : Math.min(BPF_OBJ_NAME_LEN - sfx - 1, objName.length);
  const name = (objName.slice(0, pfx) + realName.slice(0, sfx)).slice(0, BPF_OBJ_NAME_LEN - 1);
  // sanitize: libbpf replaces non-alnum/'_'/'.' characters with '_'
  return name.replace(/[^A-Za-z0-9_.]/g, '_');
}

export type DataSecType = 'data' | 'rodata' | 'bss';

/** bpf_object__init_global_data_maps: one array map per non-empty data section, by ELF index. */
export function initGlobalDataMaps(objName: string, btf: Btf | undefined, dataSecs: { sec: ElfSection; type: DataSecType }[],
  first: number): MapDef[] {
  const out: MapDef[] = [];
  for (const { sec, type } of dataSecs) {
    if (sec.size === 0) continue;
    if (sec.size > 0xffffffff) {
      throw new LoaderError('map', -7, `map '${internalMapName(objName, sec.name)}': section ${sec.name} size ${sec.size} does not fit a map value`, { section: sec.name });
    }
    const m = emptyMap(first + out.length, internalMapName(objName, sec.name));
    m.type = MAP_TYPE.array; m.typeName = 'array';
    m.keySize = 4; m.valueSize = sec.size; m.maxEntries = 1;
    m.flags = (type === 'rodata' ? BPF_F_RDONLY_PROG : 0) | BPF_F_MMAPABLE;
    m.libbpfType = type; m.secIdx = sec.index; m.secOffset = 0;
    m.initialValue = type === 'bss' ? undefined : sec.data.slice();
    if (btf) m.btfValueTypeId = findByName(btf, sec.name, 'datasec') ?? 0;
    out.push(m);
  }
  return out;
}

export { LIBBPF_ERRNO__FORMAT };

/** bpf_object__init_kconfig_map: the internal map holding .kconfig extern values. */
export function initKconfigMap(objName: string, btf: Btf | undefined, symtabIdx: number, data: Uint8Array, index: number): MapDef {
  const m = emptyMap(index, internalMapName(objName, '.kconfig'));
  m.type = MAP_TYPE.array; m.typeName = 'array';
  m.keySize = 4; m.valueSize = data.length; m.maxEntries = 1;
  m.flags = BPF_F_RDONLY_PROG | BPF_F_MMAPABLE;
  m.libbpfType = 'kconfig'; m.secIdx = symtabIdx; m.secOffset = 0;
  m.initialValue = data;
  if (btf) m.btfValueTypeId = findByName(btf, '.kconfig', 'datasec') ?? 0;
  return m;
}
