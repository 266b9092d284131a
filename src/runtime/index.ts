export * from './session.js';
export * from './tensors.js';
