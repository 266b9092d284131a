import { intAttr } from '../../../ir/index.js';
import type { Adapter } from '../types.js';

/** Split-13 → Split-18: without a `split` input, Split-18 needs `num_outputs` (the number of outputs). */
export const split18: Adapter = {
  opType: 'Split',
  version: 18,
  apply(node) {
    if (node.inputs[1] !== undefined || node.attributes.has('num_outputs')) return {};
    node.setAttribute(intAttr('num_outputs', node.outputs.length));
    return { what: 'num_outputs set' };
  },
};
