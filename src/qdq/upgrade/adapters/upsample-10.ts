import { stringAttr } from '../../../ir/index.js';
import type { Adapter } from '../types.js';

/**
 * Upsample is deprecated at 10; Resize-10 takes the same (X, scales) and computes the same thing
 * (onnxruntime runs both with one kernel). The Resize-11 step then pins the coordinate rules.
 */
export const upsample10: Adapter = {
  opType: 'Upsample',
  version: 10,
  apply(node, ctx) {
    const mode = node.attrString('mode') ?? 'nearest';
    if (mode !== 'nearest' && mode !== 'linear') return { blocked: `Upsample mode '${mode}' has no Resize equivalent here` };
    node.opType = 'Resize';
    node.setAttribute(stringAttr('mode', mode));
    ctx.fromUpsample.add(node);
    return { what: '→ Resize' };
  },
};
