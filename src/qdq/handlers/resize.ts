import type { OpHandler } from '../handler.js';

/** Resize (nearest or linear interpolation stays within the input range): output shares the input scale. */
export const resizeHandler: OpHandler = {
  opTypes: ['Resize', 'Upsample'],
  plan() {
    return { inputs: [{ index: 0, role: 'activation' }], outputs: [{ index: 0, scale: { kind: 'shared', inputIndex: 0 } }] };
  },
};
