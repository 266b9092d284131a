import { intAttr } from '../../../ir/index.js';
import type { Adapter } from '../types.js';

/** Scatter-9 is deprecated at 11 in favour of ScatterElements-11, which computes the same thing. */
export const scatter11: Adapter = {
  opType: 'Scatter',
  version: 11,
  apply(node) {
    node.opType = 'ScatterElements';
    node.setAttribute(intAttr('axis', node.attrInt('axis', 0)));
    return { what: '→ ScatterElements' };
  },
};
