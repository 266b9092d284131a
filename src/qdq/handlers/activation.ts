import type { OpHandler } from '../handler.js';

/** Relu / Clip / LeakyRelu: fused into the producer by runtimes, so only their output is quantized. */
export const fusedActivationHandler: OpHandler = {
  opTypes: ['Relu', 'Clip'],
  plan() {
    return {
      inputs: [{ index: 0, role: 'activation' }],
      outputs: [{ index: 0, scale: { kind: 'own' } }],
      fusesIntoProducer: true,
    };
  },
};

/** Other pointwise activations: input and output quantized; Sigmoid's output range is known. */
export const activationHandler: OpHandler = {
  opTypes: ['Sigmoid', 'Tanh', 'LeakyRelu', 'HardSigmoid', 'HardSwish'],
  plan(node) {
    const fixed = node.opType === 'Sigmoid' || node.opType === 'HardSigmoid' ? { kind: 'fixed' as const, min: 0, max: 1 } : node.opType === 'Tanh' ? { kind: 'fixed' as const, min: -1, max: 1 } : ({ kind: 'own' } as const);
    return { inputs: [{ index: 0, role: 'activation' }], outputs: [{ index: 0, scale: fixed }] };
  },
};
