import { stringAttr } from '../../../ir/index.js';
import { bigIntsAttr } from '../context.js';
import type { Adapter } from '../types.js';

/**
 * Pad-2 → Pad-11: `pads` becomes an int64 input; in constant mode `value` becomes an input of the
 * data's type (left out when 0, Pad-11's default). `mode` keeps its meaning.
 */
export const pad11: Adapter = {
  opType: 'Pad',
  version: 11,
  apply(node, ctx) {
    const pads = bigIntsAttr(node, 'pads');
    if (!pads) return { blocked: 'Pad-2 without a pads attribute' };
    const mode = node.attrString('mode') ?? 'constant';
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') return { blocked: `mode '${mode}' is not one of constant/reflect/edge` };
    const value = node.attrFloat('value', 0);
    let constant;
    if (mode === 'constant' && value !== 0) {
      const type = ctx.elemTypeOf(node.input(0));
      if (!type) return { blocked: `the element type of '${node.input(0).name}' is unknown (the pad value input must have it)` };
      constant = ctx.scalar(node, 'value', type, value);
      if (!constant) return { blocked: `a pad value for ${type} data is not rewritten` };
    }
    node.attributes.delete('pads');
    node.attributes.delete('value');
    node.setAttribute(stringAttr('mode', mode));
    node.setInput(1, ctx.int64s(node, 'pads', pads));
    if (constant) node.setInput(2, constant);
    return { what: 'pads/value → inputs' };
  },
};
