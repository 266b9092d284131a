import type { Adapter } from '../types.js';

/**
 * Dropout-7 → 10: the mask output became bool (it had the data's type), and what an inference run
 * puts in it changed with the version too (onnxruntime: zeros at 7, false at 10, true from 12), so a
 * mask that anything reads is reported; an unused one is retyped. A leftover `is_test` is dropped
 * (is_test=0, training, is reported).
 */
export const dropout10: Adapter = {
  opType: 'Dropout',
  version: 10,
  apply(node) {
    if (node.attrInt('is_test', 1) === 0) return { blocked: 'is_test=0 (training mode)' };
    const mask = node.outputs[1];
    if (mask && (mask.uses.length > 0 || mask.isGraphOutput)) return { blocked: `its mask '${mask.name}' is used, and the mask's type and inference values differ between versions` };
    const hadIsTest = node.attributes.delete('is_test');
    if (mask) mask.type = { kind: 'tensor', elemType: 'bool', shape: mask.shape };
    return hadIsTest ? { what: 'is_test removed' } : {};
  },
};
