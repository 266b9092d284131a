import type { Adapter } from '../types.js';

/** TopK-1 → TopK-10: the `k` attribute becomes a 1-element int64 input. */
export const topk10: Adapter = {
  opType: 'TopK',
  version: 10,
  apply(node, ctx) {
    const k = node.attributes.get('k')?.value;
    if (k?.type !== 'int') return { blocked: 'TopK-1 without a k attribute' };
    node.attributes.delete('k');
    node.setInput(1, ctx.int64s(node, 'k', [k.value]));
    return { what: 'k → input' };
  },
};
