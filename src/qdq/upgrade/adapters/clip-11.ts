import type { Adapter } from '../types.js';

/**
 * Clip-6 → Clip-11: the `min`/`max` attributes become optional inputs of the input's type. An absent
 * attribute becomes an absent input (no bound), which is what Clip-6's ±FLT_MAX defaults meant.
 */
export const clip11: Adapter = {
  opType: 'Clip',
  version: 11,
  apply(node, ctx) {
    const min = node.attrFloat('min');
    const max = node.attrFloat('max');
    if (min === undefined && max === undefined) return { what: 'no bounds' };
    const type = ctx.elemTypeOf(node.input(0));
    if (!type) return { blocked: `the element type of '${node.input(0).name}' is unknown (min/max inputs must have it)` };
    const minValue = min === undefined ? undefined : ctx.scalar(node, 'min', type, min);
    const maxValue = max === undefined ? undefined : ctx.scalar(node, 'max', type, max);
    if ((min !== undefined && !minValue) || (max !== undefined && !maxValue)) return { blocked: `min/max of type ${type} are not rewritten` };
    node.attributes.delete('min');
    node.attributes.delete('max');
    node.setInput(1, minValue);
    node.setInput(2, maxValue);
    return { what: 'min/max → inputs' };
  },
};
