import type { Adapter } from '../types.js';

/** Steps whose meaning changed in a way this pass does not rewrite: the node is reported. */
function notRewritten(opType: string, version: number, reason: string): Adapter {
  return { opType, version, apply: () => ({ blocked: reason }) };
}

export const notRewrittenAdapters: readonly Adapter[] = [
  notRewritten('Scan', 9, 'Scan-8 has a batch axis that Scan-9 removed; not rewritten'),
  notRewritten('DFT', 20, 'DFT-20 takes axis as an input; not rewritten'),
  notRewritten('GroupNormalization', 21, 'GroupNormalization-21 takes per-channel (not per-group) scale and bias; not rewritten'),
];
