import type { OpHandler } from '../handler.js';

/**
 * MaxPool selects input values, so its output shares the input's scale; averaging pools produce
 * new values and get their own range.
 */
export const poolingHandler: OpHandler = {
  opTypes: ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool'],
  plan(node) {
    const selects = node.opType === 'MaxPool' || node.opType === 'GlobalMaxPool';
    if (node.outputs.length > 1 && node.outputs[1]) return { skip: 'MaxPool with indices output' };
    return {
      inputs: [{ index: 0, role: 'activation' }],
      outputs: [{ index: 0, scale: selects ? { kind: 'shared', inputIndex: 0 } : { kind: 'own' } }],
    };
  },
};
