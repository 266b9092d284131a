export { convertFloatMix, summaryLine } from './convert.js';
export { DEFAULT_LISTS, resolveLists, type ResolvedLists } from './lists.js';
export { lowDataType, precisionLabel } from './low-type.js';
export * from './types.js';
export { bf16AfterQuantization } from './after-quantization.js';
