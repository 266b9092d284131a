import type { Adapter } from '../types.js';

/**
 * BatchNormalization-7 → 9: the `spatial` attribute is gone; 9 always normalises per channel, which
 * is spatial=1 (the default). spatial=0 (per activation) is reported. Leftovers of older versions
 * (`is_test`, `consumed_inputs`) are dropped; is_test=0 (training) is reported.
 */
export const batchNormalization9: Adapter = {
  opType: 'BatchNormalization',
  version: 9,
  apply(node) {
    if (node.attrInt('spatial', 1) !== 1) return { blocked: 'spatial=0 (per-activation statistics) has no BatchNormalization-9 form' };
    if (node.attrInt('is_test', 1) === 0) return { blocked: 'is_test=0 (training mode)' };
    const had = ['spatial', 'is_test', 'consumed_inputs'].filter((a) => node.attributes.delete(a));
    return had.length > 0 ? { what: `${had.join('/')} removed` } : {};
  },
};
