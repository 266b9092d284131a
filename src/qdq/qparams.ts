import type { Tensor } from '../ir/index.js';
import { perChannelMinMax, scaleZeroPoint, tensorMinMax } from '../quant/qdq-math.js';
import type { IntegerPrecision } from './types.js';
import { tensorToFloat32 } from './weights.js';

export interface Range {
  readonly min: number;
  readonly max: number;
}

/** Scale(s) and zero point(s) of one Q/DQ pair. Per-channel when `axis` is set. */
export interface QParams {
  readonly type: IntegerPrecision;
  readonly scales: Float32Array;
  readonly zeroPoints: readonly number[];
  readonly axis?: number;
}

export type QParamSource =
  | { readonly kind: 'range'; readonly range: Range }
  | { readonly kind: 'values'; readonly tensor: Tensor; readonly axis?: number };

/** Quantization parameters from a calibrated range or from a constant's values. */
export function computeQParams(source: QParamSource, type: IntegerPrecision, symmetric: boolean): QParams {
  if (source.kind === 'range') {
    const { scale, zeroPoint } = scaleZeroPoint(source.range.min, source.range.max, type, symmetric);
    return { type, scales: Float32Array.of(scale), zeroPoints: [zeroPoint] };
  }
  const values = floatValues(source.tensor);
  if (source.axis === undefined) {
    const { min, max } = tensorMinMax(values);
    const { scale, zeroPoint } = scaleZeroPoint(min, max, type, symmetric);
    return { type, scales: Float32Array.of(scale), zeroPoints: [zeroPoint] };
  }
  const ranges = perChannelMinMax(values, source.tensor.dims, source.axis);
  const scales = new Float32Array(ranges.length);
  const zeroPoints: number[] = [];
  ranges.forEach((r, c) => {
    const q = scaleZeroPoint(r.min, r.max, type, symmetric);
    scales[c] = q.scale;
    zeroPoints.push(q.zeroPoint);
  });
  return { type, scales, zeroPoints, axis: source.axis };
}

export function floatValues(tensor: Tensor): Float32Array {
  const a = tensor.toArray();
  if (a instanceof Float32Array) return a;
  return tensorToFloat32(tensor);
}

