import type { Adapter } from '../types.js';

/**
 * BatchNormalization-9 → 14. Before 14 the number of outputs chose the mode: with the optional
 * mean/var/saved_mean/saved_var outputs the op normalises with batch statistics (training; measured
 * in onnxruntime even when they are unused), and 14 has no such form (running_mean/var with
 * training_mode=1 mean something else). Only the inference form (Y alone) moves; `momentum` keeps
 * its meaning.
 */
export const batchNormalization14: Adapter = {
  opType: 'BatchNormalization',
  version: 14,
  apply(node) {
    if (node.outputs.length <= 1) return {};
    return { blocked: `it has ${node.outputs.length} outputs (training mode, batch statistics), which BatchNormalization-14 cannot express` };
  },
};
