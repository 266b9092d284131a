import { bigIntsAttr } from '../context.js';
import type { Adapter } from '../types.js';

/** Split-11 → Split-13: the `split` sizes attribute becomes an int64 input (no sizes: equal parts, as before). */
export const split13: Adapter = {
  opType: 'Split',
  version: 13,
  apply(node, ctx) {
    const split = bigIntsAttr(node, 'split');
    if (!split) return {};
    node.attributes.delete('split');
    node.setInput(1, ctx.int64s(node, 'split', split));
    return { what: 'split → input' };
  },
};
