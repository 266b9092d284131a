import type { Adapter } from '../types.js';

/** Dropout-10 → 12: the `ratio` attribute becomes an optional float input (training_mode stays off). */
export const dropout12: Adapter = {
  opType: 'Dropout',
  version: 12,
  apply(node, ctx) {
    const ratio = node.attrFloat('ratio');
    if (ratio === undefined) return {};
    node.attributes.delete('ratio');
    node.setInput(1, ctx.floats(node, 'ratio', [], [ratio]));
    return { what: 'ratio → input' };
  },
};
