import type { OpHandler } from '../handler.js';

/**
 * MatMul: with a constant B it is a layer (activation × weight, per-channel on B's last axis);
 * with two activations (attention scores) both inputs are activations.
 */
export const matmulHandler: OpHandler = {
  opTypes: ['MatMul'],
  plan(node, ctx) {
    const b = node.inputs[1];
    if (!b) return { skip: 'no B input' };
    const bIsWeight = ctx.isConstant(b);
    const rank = b.shape?.length;
    const weightRequest = bIsWeight && rank !== undefined && rank >= 2 ? { index: 1, role: 'weight' as const, channelAxis: rank - 1 } : { index: 1, role: bIsWeight ? ('weight' as const) : ('activation' as const) };
    return {
      inputs: [{ index: 0, role: 'activation' }, weightRequest],
      outputs: [{ index: 0, scale: { kind: 'own' } }],
    };
  },
};
