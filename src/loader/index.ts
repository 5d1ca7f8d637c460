// Public API of the loader.
export { loadObject, objectNameFromPath, LoadResult } from './object';
export * from './model';
export { LoaderError, LoaderErrorKind } from './errors';
export { findSecDef, SECTION_DEFS, PROG_TYPES, ProgTypeName } from './sectypes';
export { mapTypeName } from './maps';
