import type { OpHandler } from '../handler.js';

/**
 * Data-movement ops (no arithmetic): quantized only when their input already is, with the output
 * sharing the input's scale, so runtimes can run them on integers with no requantization.
 */
export const shapeOpsHandler: OpHandler = {
  opTypes: ['Reshape', 'Transpose', 'Flatten', 'Squeeze', 'Unsqueeze', 'Slice', 'Gather', 'Split', 'Expand', 'Tile', 'DepthToSpace', 'SpaceToDepth', 'Identity'],
  plan(node) {
    return {
      inputs: [{ index: 0, role: 'activation' }],
      outputs: node.outputs.flatMap((v, index) => (v ? [{ index, scale: { kind: 'shared' as const, inputIndex: 0 } }] : [])),
      onlyIfInputQuantized: true,
    };
  },
};
