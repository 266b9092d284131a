import { floatsAttr } from '../context.js';
import type { Adapter } from '../types.js';

/** Upsample-7 → Upsample-9: the `scales` attribute becomes a float input. */
export const upsample9: Adapter = {
  opType: 'Upsample',
  version: 9,
  apply(node, ctx) {
    const scales = floatsAttr(node, 'scales');
    if (!scales) return { blocked: 'Upsample-7 without a scales attribute' };
    node.attributes.delete('scales');
    node.setInput(1, ctx.floats(node, 'scales', [scales.length], scales));
    return { what: 'scales → input' };
  },
};
