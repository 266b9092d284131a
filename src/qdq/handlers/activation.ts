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

/**
 * Other pointwise activations: input and output quantized; Sigmoid's and Tanh's output ranges are
 * known. HardSigmoid's output takes its calibrated range, as in ONNX Runtime's tool: an SE gate
 * (conv → HardSigmoid → Mul) rarely spans all of [0, 1], and a fixed [0, 1] scale was the one
 * quantization parameter where mixq's A8W8 recognizer differed from onnxruntime's.
 */
export const activationHandler: OpHandler = {
  opTypes: ['Sigmoid', 'Tanh', 'LeakyRelu', 'HardSigmoid', 'HardSwish'],
  plan(node) {
    const fixed = node.opType === 'Sigmoid' ? { kind: 'fixed' as const, min: 0, max: 1 } : node.opType === 'Tanh' ? { kind: 'fixed' as const, min: -1, max: 1 } : ({ kind: 'own' } as const);
    return { inputs: [{ index: 0, role: 'activation' }], outputs: [{ index: 0, scale: fixed }] };
  },
};
