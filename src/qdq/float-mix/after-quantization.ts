import type { Model } from '../../ir/index.js';
import type { NodePlan } from '../types.js';
import { convertFloatMix } from './convert.js';
import { DEFAULT_LISTS } from './lists.js';
import type { FloatMixResult } from './types.js';

const CONVERTIBLE = new Set([...DEFAULT_LISTS.allow, ...DEFAULT_LISTS.infer]);

/**
 * The `useBf16` step of quantize/autoMixedPrecision: the ops a quantization plan left float become
 * BF16 (emulated). In a QDQ model their inputs come from DequantizeLinear, not from a 16-bit region,
 * so the infer rule alone would never start a region: they are forced, unless denied (Softmax,
 * Pow, reductions... stay FP32).
 */
export function bf16AfterQuantization(model: Model, planNodes: readonly NodePlan[]): FloatMixResult {
  const force = planNodes.filter((n) => n.precision === 'float32' && n.status !== 'quantized' && n.status !== 'subgraph' && CONVERTIBLE.has(n.opType)).map((n) => n.name);
  const present = new Set(model.graph.nodes.map((n) => n.name));
  return convertFloatMix(model, { precision: 'bf16', form: 'emulated', forceLowPrecision: force.filter((n) => present.has(n)) });
}
