export * from './session.js';
export * from './tensors.js';
export * from './infer-types.js';
export * from './worker-pool.js';
export * from './validate.js';
export * from './latency.js';
