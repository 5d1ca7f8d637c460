export * from './types';
export { specSchema } from './schema';
export { parseSpec, SpecError, hexBytes, expectedRetval, specProgFlags } from './parse';
