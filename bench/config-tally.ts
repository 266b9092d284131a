import type { AutoMixedPrecisionResult } from '../src/api/auto-mixed-precision.js';

/** Layer groups by chosen config ('A8W8', 'A16W16', 'bfloat16'...), for the bench tables. */
export function configTally(layers: AutoMixedPrecisionResult['layers']): Record<string, number> {
  const configs: Record<string, number> = {};
  for (const l of layers) {
    const key = l.activation === 'bfloat16' || l.activation === 'float32' ? l.activation : `A${l.activation.replace(/\D/g, '')}W${l.weight.replace(/\D/g, '')}`;
    configs[key] = (configs[key] ?? 0) + 1;
  }
  return configs;
}
