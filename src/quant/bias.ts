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
 * Largest |bias / bias scale| we let a bias reach when we choose the scale ourselves: half the int32
 * range. An integer kernel adds the bias to the sum of input × weight products in one int32
 * accumulator, so a bias at the very edge of int32 would leave that sum no room. Costs at most a
 * factor 2 on the raised weight scales, only on channels whose bias dwarfs their weights.
 */
export const BIAS_CODE_LIMIT = 2 ** 30;

/** The next float32 above a positive float32. */
function nextFloat32Up(x: number): number {
  const f = Float32Array.of(x);
  const bits = new Int32Array(f.buffer);
  bits[0]! += 1;
  return f[0]!;
}

/**
 * The smallest float32 weight scale, not below `weightScale`, for which the bias value `absBias`
 * quantizes within ±BIAS_CODE_LIMIT at bias scale float32(inputScale × weightScale), the product
 * the model will store. Returns `weightScale` itself when the bias already fits.
 */
export function weightScaleForBias(absBias: number, inputScale: number, weightScale: number): number {
  if (!(inputScale > 0) || !(weightScale > 0)) throw new InvalidArgumentError(`Scales must be positive (input ${inputScale}, weight ${weightScale}).`);
  if (!Number.isFinite(absBias)) throw new InvalidArgumentError('The bias contains NaN or Inf; it cannot be quantized.', { hint: 'Fix the model weights.' });
  const fits = (w: number): boolean => absBias / Math.fround(Math.fround(inputScale) * w) <= BIAS_CODE_LIMIT;
  if (fits(weightScale)) return weightScale;
  let w = Math.max(weightScale, Math.fround(absBias / BIAS_CODE_LIMIT / Math.fround(inputScale)));
  // The float32 roundings of w and of the product can land a step short: walk up to the first fit.
  while (!fits(w)) w = nextFloat32Up(w);
  return w;
}

export interface FittedWeightScales {
  /** The weight scales to use (float32): raised where the bias would not fit, else unchanged. */
  readonly scales: Float32Array;
  /** Indices of the raised scales (channel indices when per channel, [0] when per tensor). */
  readonly raised: readonly number[];
}

/**
 * Raises weight scales so that every bias value fits: per channel, each channel from its own bias
 * value; per tensor (one scale), from the largest |bias|. The weight must then be quantized with
 * the returned scales, so that weight and bias stay consistent (bias scale = input × weight scale).
 */
export function fitWeightScalesToBias(bias: ArrayLike<number>, inputScale: number, weightScales: ArrayLike<number>): FittedWeightScales {
  if (weightScales.length !== 1 && weightScales.length !== bias.length) {
    throw new InvalidArgumentError(`The bias has ${bias.length} values but the weight has ${weightScales.length} channel scales.`);
  }
  const scales = Float32Array.from(weightScales);
  const raised: number[] = [];
  for (let c = 0; c < scales.length; c++) {
    let absBias = 0;
    if (scales.length === 1) for (let i = 0; i < bias.length; i++) absBias = Math.max(absBias, Math.abs(bias[i]!));
    else absBias = Math.abs(bias[c]!);
    const w = weightScaleForBias(absBias, inputScale, scales[c]!);
    if (w !== scales[c]) {
      scales[c] = w;
      raised.push(c);
    }
  }
  return { scales, raised };
}

/** How many int32 codes sit at the int32 limits (a bias that saturated when it was quantized). */
export function countInt32Saturated(codes: ArrayLike<number>): number {
  const { qmin, qmax } = typeRange('int32');
  let n = 0;
  for (let i = 0; i < codes.length; i++) if (codes[i] === qmin || codes[i] === qmax) n++;
  return n;
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
