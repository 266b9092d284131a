/**
 * Positional-argument wrappers kept for modules written against the first version of this API
 * (src/qdq). New code should import from './index.js'; these forward to the same implementations.
 */
import type { ChannelSpec } from './channels.js';
import { quantize, type QuantArray } from './fake-quant.js';
import { computeScaleZeroPoint, type ScaleZeroPoint } from './scale.js';
import { minMax, perChannelMinMax as perChannelMinMaxOf, type MinMax } from './stats.js';
import { qRange as rangeOf, type QRange } from './types.js';

export type IntType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32';
export type { QRange } from './types.js';
export { roundHalfEven } from './rounding.js';
export { dequantizeValue, fakeQuantize, quantizeValue } from './fake-quant.js';

export function qRange(type: IntType, symmetric = false): QRange {
  return rangeOf(type, { symmetric });
}

export function scaleZeroPoint(rmin: number, rmax: number, type: IntType, symmetric: boolean): ScaleZeroPoint {
  return computeScaleZeroPoint(rmin, rmax, type, { symmetric });
}

export function tensorMinMax(values: ArrayLike<number>): MinMax {
  return minMax(values);
}

export function perChannelMinMax(values: ArrayLike<number>, dims: readonly number[], axis: number): MinMax[] {
  return perChannelMinMaxOf(values, { dims, axis });
}

export function quantizeArray(values: ArrayLike<number>, scales: ArrayLike<number>, zeroPoints: ArrayLike<number>, type: IntType, channel?: ChannelSpec): QuantArray {
  return quantize(values, scales, zeroPoints, type, channel);
}
