/**
 * Scale and zero point from a float range, with ONNX Runtime's quantization-tool semantics
 * (quant_utils.compute_scale_zp), so that a model quantized by mixq and one quantized by ORT from
 * the same ranges carry the same numbers:
 *
 * - rmin/rmax are float32; the range is widened to include 0 (min(rmin,0), max(rmax,0)).
 * - optional minimum real range: rmax = max(rmax, rmin + minRealRange), in float32.
 * - symmetric: [-a, a] with a = max(|rmin|, |rmax|), using the symmetric integer range (qRange).
 * - scale = float32(rmax - rmin) / (qmax - qmin), divided in float64; below float32's smallest
 *   normal it becomes 1 with zero point 0.
 * - zero point: symmetric -> round((qmin + qmax) / 2); else round(qmin - rmin / scale) with the
 *   float64 scale; rounding half to even.
 * - the scale is stored as float32.
 */
import { InvalidArgumentError } from '../errors.js';
import { channelLayout, type ChannelSpec } from './channels.js';
import { clamp, FLOAT32_TINY, roundHalfEven } from './rounding.js';
import { minMax, perChannelMinMax } from './stats.js';
import { defaultWeightSymmetric, qRange, type QuantType, type RangeOptions } from './types.js';

export interface ScaleZeroPoint {
  /** float32 value. */
  readonly scale: number;
  readonly zeroPoint: number;
}

export interface ScaleOptions extends RangeOptions {
  /** Minimum width of the float range (ORT `MinimumRealRange`), to avoid tiny scales. */
  readonly minRealRange?: number;
}

/** Per-channel quantization parameters along `axis`. */
export interface PerChannelParams {
  readonly axis: number;
  readonly scales: Float32Array;
  readonly zeroPoints: Int32Array;
}

const f32 = Math.fround;

function checkRange(rmin: number, rmax: number): void {
  if (!Number.isFinite(rmin) || !Number.isFinite(rmax)) {
    throw new InvalidArgumentError(`Cannot derive a scale from the non-finite range [${rmin}, ${rmax}].`, {
      hint: 'The calibrated tensor contains Inf/NaN; exclude it from quantization or fix the model.',
    });
  }
  if (rmin > rmax) throw new InvalidArgumentError(`Range minimum ${rmin} is greater than its maximum ${rmax}.`);
}

/** Scale and zero point for the float range [rmin, rmax] (see the module comment for the rules). */
export function computeScaleZeroPoint(rmin: number, rmax: number, type: QuantType, options: ScaleOptions = {}): ScaleZeroPoint {
  checkRange(rmin, rmax);
  const { qmin, qmax } = qRange(type, options);
  let lo = Math.min(f32(rmin), 0);
  let hi = Math.max(f32(rmax), 0);
  if (options.minRealRange !== undefined) hi = Math.max(hi, f32(lo + f32(options.minRealRange)));
  const symmetric = options.symmetric === true;
  if (symmetric) {
    const absmax = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -absmax;
    hi = absmax;
  }
  const width = f32(hi - lo); // ORT subtracts in float32, then widens to float64
  if (!Number.isFinite(width)) throw new InvalidArgumentError(`The range [${rmin}, ${rmax}] is too wide for a float32 scale.`);
  const scale = width / (qmax - qmin);
  if (scale < FLOAT32_TINY) return { scale: 1, zeroPoint: 0 };
  const zp = symmetric ? roundHalfEven((qmin + qmax) / 2) : roundHalfEven(qmin - lo / scale);
  return { scale: f32(scale), zeroPoint: clamp(zp, qmin, qmax) };
}

/** Per-tensor parameters from the data itself (its min/max, NaN ignored). */
export function scaleZeroPointFromData(values: ArrayLike<number>, type: QuantType, options: ScaleOptions = {}): ScaleZeroPoint {
  const { min, max } = minMax(values);
  return computeScaleZeroPoint(min, max, type, options);
}

/**
 * Per-channel parameters of a weight along `axis` (each channel from its own min/max). Symmetry
 * defaults to ORT's weight rule: symmetric for signed types, asymmetric for unsigned ones.
 */
export function perChannelScaleZeroPoint(values: ArrayLike<number>, spec: ChannelSpec, type: QuantType, options: ScaleOptions = {}): PerChannelParams {
  const layout = channelLayout(spec, values.length);
  const opts: ScaleOptions = { ...options, symmetric: options.symmetric ?? defaultWeightSymmetric(type) };
  const ranges = perChannelMinMax(values, spec);
  const scales = new Float32Array(layout.channels);
  const zeroPoints = new Int32Array(layout.channels);
  ranges.forEach((r, c) => {
    const p = computeScaleZeroPoint(r.min, r.max, type, opts);
    scales[c] = p.scale;
    zeroPoints[c] = p.zeroPoint;
  });
  return { axis: layout.axis, scales, zeroPoints };
}
