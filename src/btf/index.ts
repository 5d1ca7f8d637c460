// Public API of the BTF stage: parse / look up / edit / encode .BTF and .BTF.ext.
// Pure: bytes in, data out (callers read files themselves).
export * from './types';
export { BtfError, BtfErrorKind, BtfSection } from './errors';
export { Btf, typeById, typeCount, kindOf, stringAtOffset, stringSize, setType, addType, typeIds } from './btf';
export { parseBtf, parseBtfHeader, BtfHeader, newBtf } from './parse';
export { encodeBtf, cloneBtf } from './encode';
export {
  findByName, findAllByName, skipMods, skipModsAndTypedefs, resolvedType, typeSize, findMember,
  MemberLocation, funcSignature, FuncSignature, isVariadic, declTagsOf, DeclTagRef, idsOfKind, findDeclTagValue, DeclTagValue,
  MAX_RESOLVE_DEPTH, alignOf,
} from './lookup';
export {
  parseBtfExt, encodeBtfExt, extRecords, toKernelFuncInfo, toKernelLineInfo, encodeFuncInfo, encodeLineInfo,
  BtfExt, ExtInfo, ExtInfoSection, FuncInfoRecord, LineInfoRecord, CoreReloRecord, KernelFuncInfo, KernelLineInfo,
  CORE_RELO_KINDS, FUNC_INFO_MIN_SIZE, LINE_INFO_MIN_SIZE, CORE_RELO_MIN_SIZE,
} from './ext';
export { btfKindStr, btfTypeStr, btfTypeName, refTypeDesc, RefTypeDesc, ptrToBtfIdStr, funcName, typeToC, funcToC } from './print';
export { fixupDatasecs, DatasecElfInfo, fixupKsymsDatasec, findInt32, markFuncsStatic, sanitizeBtf, btfNeedsSanitization, BtfFeatures, ALL_BTF_FEATURES } from './sanitize';
export { formatTypeRaw, dumpBtfRaw } from './dump';
export { dumpBtfC } from './c-dump';
export { addInt, addPtr, addStruct, addFuncProto, addFunc, addDeclTag } from './build';
