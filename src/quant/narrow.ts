/**
 * Moving an existing quantization to another integer type without recalibrating, as AMD Quark's
 * legacy auto mixed precision narrows a wide (e.g. int16) Q/DQ to int8: the float range the
 * quantization covers is kept and spread over the new type's levels.
 *
 * - new scale = float32(float32(scale x srcRange) / dstRange), range = qmax - qmin of the full types;
 *   a power-of-two scale stays a power of two (2^-round(-log2 s)).
 * - zero point and integer values are mapped proportionally:
 *   round((v - srcQmin) x float32(dstRange / srcRange) + dstQmin), rounding half to even.
 */
import { InvalidArgumentError } from '../errors.js';
import { allocateQuantArray, type QuantArray } from './fake-quant.js';
import type { ScaleZeroPoint } from './scale.js';
import { clamp, roundHalfEven } from './rounding.js';
import { typeRange, type QuantType } from './types.js';

const width = (t: QuantType) => typeRange(t).qmax - typeRange(t).qmin;

function isPowerOfTwo(x: number): boolean {
  return x > 0 && Number.isFinite(x) && Math.pow(2, Math.round(Math.log2(x))) === x;
}

/** Quark's scale2pos/pos2scale snap: the scale clamped to [2^-127, 2^127], exponent rounded half even. */
function snapPowerOfTwo(scale: number): number {
  const s = clamp(scale, 2 ** -127, 2 ** 127);
  return Math.fround(2 ** -roundHalfEven(-Math.log2(s)));
}

/** Maps one integer of `src` onto `dst` proportionally (also used for zero points). */
export function mapQuantizedValue(v: number, src: QuantType, dst: QuantType): number {
  const s = typeRange(src);
  const d = typeRange(dst);
  const ratio = Math.fround(width(dst) / width(src));
  return clamp(roundHalfEven((v - s.qmin) * ratio + d.qmin), d.qmin, d.qmax);
}

/** The scale and zero point a quantization of `srcType` becomes in `dstType`. */
export function rescaleForNarrow(scale: number, zeroPoint: number, srcType: QuantType, dstType: QuantType): ScaleZeroPoint {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new InvalidArgumentError(`Cannot rescale the scale ${scale}.`);
  if (srcType === dstType) return { scale, zeroPoint };
  let next = Math.fround(Math.fround(scale * width(srcType)) / width(dstType));
  if (isPowerOfTwo(scale)) next = snapPowerOfTwo(next);
  return { scale: next, zeroPoint: mapQuantizedValue(zeroPoint, srcType, dstType) };
}

/** rescaleForNarrow over per-channel parameters. */
export function rescaleChannelsForNarrow(scales: ArrayLike<number>, zeroPoints: ArrayLike<number>, srcType: QuantType, dstType: QuantType): { scales: Float32Array; zeroPoints: Int32Array } {
  if (scales.length !== zeroPoints.length) throw new InvalidArgumentError(`Got ${scales.length} scales but ${zeroPoints.length} zero points.`);
  const outScales = new Float32Array(scales.length);
  const outZps = new Int32Array(scales.length);
  for (let c = 0; c < scales.length; c++) {
    const r = rescaleForNarrow(scales[c]!, zeroPoints[c]!, srcType, dstType);
    outScales[c] = r.scale;
    outZps[c] = r.zeroPoint;
  }
  return { scales: outScales, zeroPoints: outZps };
}

/** Integer data (e.g. a quantized weight initializer) moved from `srcType` to `dstType`. */
export function requantizeValues(values: ArrayLike<number>, srcType: QuantType, dstType: QuantType): QuantArray {
  const out = allocateQuantArray(dstType, values.length);
  for (let i = 0; i < values.length; i++) out[i] = mapQuantizedValue(values[i]!, srcType, dstType);
  return out;
}
