import { replaceKeepingOutputs } from '../edit.js';
import type { Adapter } from '../types.js';

/**
 * BatchNormalization-9 → 14: the optional training outputs (mean, var, saved_mean, saved_var) are
 * replaced by running_mean/var that exist only with training_mode=1. An inference model uses only
 * Y: unused extra outputs are dropped; a used one is reported. `momentum` keeps its meaning.
 */
export const batchNormalization14: Adapter = {
  opType: 'BatchNormalization',
  version: 14,
  apply(node) {
    if (node.outputs.length <= 1) return {};
    const used = node.outputs.slice(1).find((o) => o && (o.uses.length > 0 || o.isGraphOutput));
    if (used) return { blocked: `training output '${used.name}' is used (no BatchNormalization-14 equivalent in inference)` };
    const fresh = replaceKeepingOutputs(node, { opType: node.opType, domain: node.domain, inputs: node.inputs, attributes: [...node.attributes.values()] }, 1);
    return { node: fresh, what: 'unused training outputs dropped' };
  },
};
