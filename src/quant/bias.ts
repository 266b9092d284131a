/**
 * Bias of Conv/Gemm as int32 with zero point 0 and scale = input scale x weight scale (per output
 * channel when the weight is per channel), as ORT's quantize_bias_static_impl: the scale product is
 * float32, the division bias / scale is float64, rounding half to even, saturating to int32.
 */
import { InvalidArgumentError } from '../errors.js';
import { clamp, roundHalfEven } from './rounding.js';
import { typeRange } from './types.js';

export interface QuantizedBias {
  readonly data: Int32Array;
  /** float32 scales: one, or one per output channel. */
  readonly scales: Float32Array;
  /** All zeros, same length as `scales`. */
  readonly zeroPoints: Int32Array;
  /** How many values hit the int32 limits (ORT warns: the bias scale is too small). */
  readonly saturated: number;
}

/** float32(inputScale x weightScale[c]) for each weight scale. */
export function biasScales(inputScale: number, weightScales: number | ArrayLike<number>): Float32Array {
  const ws = typeof weightScales === 'number' ? [weightScales] : weightScales;
  const out = new Float32Array(ws.length);
  for (let c = 0; c < ws.length; c++) out[c] = Math.fround(Math.fround(inputScale) * Math.fround(ws[c]!));
  return out;
}

function quantizeOne(b: number, scale: number, min: number, max: number): number {
  if (b !== b) throw new InvalidArgumentError('The bias contains NaN; it cannot be quantized.', { hint: 'Fix the model weights.' });
  if (b === 0) return 0;
  if (scale === 0) return b > 0 ? max : min; // scale underflowed: the bias is out of any int32 range
  return clamp(roundHalfEven(b / scale), min, max);
}

/**
 * Quantizes a bias vector. `weightScales` is the weight's per-tensor scale or its per-channel scales
 * (then one per bias element).
 */
export function quantizeBias(bias: ArrayLike<number>, inputScale: number, weightScales: number | ArrayLike<number>): QuantizedBias {
  const scales = biasScales(inputScale, weightScales);
  if (scales.length !== 1 && scales.length !== bias.length) {
    throw new InvalidArgumentError(`The bias has ${bias.length} values but the weight has ${scales.length} channel scales.`);
  }
  const { qmin, qmax } = typeRange('int32');
  const data = new Int32Array(bias.length);
  let saturated = 0;
  for (let i = 0; i < bias.length; i++) {
    const q = quantizeOne(bias[i]!, scales[scales.length === 1 ? 0 : i]!, qmin, qmax);
    if (q === qmin || q === qmax) saturated++;
    data[i] = q;
  }
  return { data, scales, zeroPoints: new Int32Array(scales.length), saturated };
}
