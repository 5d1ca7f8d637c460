// Public API of the loader (libbpf's object model, pure: bytes in, data out).
//
//   loadObject(bytes, { objectName?, vmlinuxBtf?, only? }): LoadResult
//     ELF -> programs linked exactly as libbpf 1.8 hands them to BPF_PROG_LOAD:
//     subprograms appended in first-use order, exception callback appended,
//     calls / ld_imm64-to-function fixed, CO-RE applied against vmlinuxBtf,
//     kfunc/ksym externs resolved against vmlinuxBtf. Map ld_imm64s carry the
//     map INDEX in imm (src BPF_PSEUDO_MAP_FD / _VALUE) and are listed in
//     LinkedProgram.mapRelocs for the backend to patch with real fds.
//     Throws ElfError / BtfError / LoaderError (libbpf's message) / IsaError.
//   objectNameFromPath(path): libbpf's object name (base name up to the first '.').
//
//   attachBtfIdFor(vmlinuxBtf, program): libbpf_find_attach_btf_id (tracing/lsm/ext).
//
// LoadResult: programs (LinkedProgram[]), maps (MapDef[], libbpf order, with
// initial values and prog-array initSlots), externs, textSubprogs, license,
// kernVersion, btf (parsed, unmodified), btfBytes (raw .BTF), btfToLoad (the
// BTF libbpf passes to BPF_BTF_LOAD, fix-ups applied), vmlinuxBtf (the kernel
// BTF it was linked against), warnings (pr_warn lines
// that did not fail the load).
export { loadObject, objectNameFromPath, LoadResult } from './object';
export { attachBtfIdFor } from './attach';
export * from './model';
export { LoaderError, LoaderErrorKind } from './errors';
export { findSecDef, SECTION_DEFS, SecDef, UnnumberedAttachType } from './sectypes';
export type { ProgTypeName } from '../isa/uapi';
