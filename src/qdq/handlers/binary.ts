import type { OpHandler } from '../handler.js';

/** Elementwise arithmetic: every float input and the output get their own ranges. */
export const binaryHandler: OpHandler = {
  opTypes: ['Add', 'Mul'],
  plan(node) {
    return {
      inputs: node.inputs.flatMap((v, index) => (v ? [{ index, role: 'activation' as const }] : [])),
      outputs: [{ index: 0, scale: { kind: 'own' } }],
    };
  },
};
