import type { OpHandler } from '../handler.js';

/** Gemm: Y = A·B + C. B is the weight; its output channels are axis 0 when transB=1, else axis 1. */
export const gemmHandler: OpHandler = {
  opTypes: ['Gemm'],
  plan(node, ctx) {
    const b = node.inputs[1];
    if (!b) return { skip: 'no B input' };
    if (node.attrInt('transA', 0) !== 0) return { skip: 'transA=1 is not quantized' };
    const hasBias = node.inputs[2] !== undefined && ctx.isConstant(node.inputs[2]) && ctx.isConstant(b) && (node.inputs[2].shape?.length ?? 1) === 1;
    if (!ctx.isConstant(b)) {
      return { inputs: [{ index: 0, role: 'activation' }, { index: 1, role: 'activation' }], outputs: [{ index: 0, scale: { kind: 'own' } }] };
    }
    const channelAxis = node.attrInt('transB', 0) === 1 ? 0 : 1;
    return {
      inputs: [{ index: 0, role: 'activation' }, { index: 1, role: 'weight', channelAxis }],
      outputs: [{ index: 0, scale: { kind: 'own' } }],
      ...(hasBias ? { bias: { index: 2, inputIndex: 0, weightIndex: 1 } } : {}),
    };
  },
};
