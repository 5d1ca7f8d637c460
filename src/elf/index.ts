// Public API of the ELF reader.
export * from './types';
export { ElfError, ElfErrorKind } from './errors';
export { parseElf, sectionByName, stringFromTable } from './read';
