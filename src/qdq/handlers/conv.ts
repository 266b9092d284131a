import type { OpHandler } from '../handler.js';

/** Conv / ConvTranspose: activation input, per-channel weight (output channels), int32 bias. */
export const convHandler: OpHandler = {
  opTypes: ['Conv', 'ConvTranspose'],
  plan(node, ctx) {
    const weight = node.inputs[1];
    if (!weight || !ctx.isConstant(weight)) return { skip: 'weight is not a constant' };
    // Conv weights are [M, C/g, kH, kW]; ConvTranspose weights are [C, M/g, kH, kW] (output channels on axis 1).
    const channelAxis = node.opType === 'ConvTranspose' ? (node.attrInt('group', 1) === 1 ? 1 : undefined) : 0;
    const hasBias = node.inputs[2] !== undefined && ctx.isConstant(node.inputs[2]);
    return {
      inputs: [
        { index: 0, role: 'activation' },
        channelAxis === undefined ? { index: 1, role: 'weight' } : { index: 1, role: 'weight', channelAxis },
      ],
      outputs: [{ index: 0, scale: { kind: 'own' } }],
      ...(hasBias ? { bias: { index: 2, inputIndex: 0, weightIndex: 1 } } : {}),
    };
  },
};
