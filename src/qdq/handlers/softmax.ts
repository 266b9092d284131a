import type { OpHandler } from '../handler.js';

/** Softmax: output in [0, 1] whatever the data, so its scale is fixed. */
export const softmaxHandler: OpHandler = {
  opTypes: ['Softmax'],
  plan() {
    return { inputs: [{ index: 0, role: 'activation' }], outputs: [{ index: 0, scale: { kind: 'fixed', min: 0, max: 1 } }] };
  },
};
