import type { OpHandler } from '../handler.js';

/** Concat: each input and the output quantized with their own ranges (as ONNX Runtime does). */
export const concatHandler: OpHandler = {
  opTypes: ['Concat'],
  plan(node) {
    return {
      inputs: node.inputs.flatMap((v, index) => (v ? [{ index, role: 'activation' as const }] : [])),
      outputs: [{ index: 0, scale: { kind: 'own' } }],
    };
  },
};
