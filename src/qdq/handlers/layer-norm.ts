import type { OpHandler } from '../handler.js';

/** LayerNormalization: kept float unless the user asks (its statistics are sensitive to 8-bit inputs). */
export const layerNormHandler: OpHandler = {
  opTypes: ['LayerNormalization'],
  optional: true,
  plan() {
    return { inputs: [{ index: 0, role: 'activation' }], outputs: [{ index: 0, scale: { kind: 'own' } }] };
  },
};
