/**
 * QuantizeLinear / DequantizeLinear on typed arrays, bit-exact with onnxruntime's CPU kernels
 * (MLAS): y = saturate(roundHalfEven(float32(x / scale)) + zero_point), the divide done in float32;
 * dequantize x = float32(float32(q - zero_point) * scale). NaN inputs quantize to qmin, as MLAS's
 * max/min clamp does. `fakeQuantize` (quantize then dequantize) is the pure-TS reference that a
 * Q->DQ pair run by onnxruntime must match exactly.
 */
import { InvalidArgumentError } from '../errors.js';
import { channelLayout, forEachChannelRun, type ChannelSpec } from './channels.js';
import { clamp, roundHalfEven } from './rounding.js';
import { typeRange, type QRange, type QuantType } from './types.js';

/** Holds quantized values; 4-bit types are unpacked, one value per byte. */
export type QuantArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array;

/** One scale/zero point for the whole tensor, or one per channel (with a ChannelSpec). */
export type QuantParam = number | ArrayLike<number>;

export function allocateQuantArray(type: QuantType, length: number): QuantArray {
  switch (type) {
    case 'int4':
    case 'int8':
      return new Int8Array(length);
    case 'uint4':
    case 'uint8':
      return new Uint8Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'uint16':
      return new Uint16Array(length);
    case 'int32':
      return new Int32Array(length);
  }
}

/** QuantizeLinear of one value, saturating to `range` (the type's full range). */
export function quantizeValue(x: number, scale: number, zeroPoint: number, range: QRange): number {
  const y = Math.fround(x / scale);
  if (y !== y) return range.qmin; // NaN
  return clamp(roundHalfEven(y) + zeroPoint, range.qmin, range.qmax);
}

/** DequantizeLinear of one value. */
export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return Math.fround(Math.fround(q - zeroPoint) * scale);
}

type RunVisitor = (scale: number, zeroPoint: number, start: number, end: number) => void;

const toArray = (p: QuantParam): ArrayLike<number> => (typeof p === 'number' ? [p] : p);

function checkParam(scale: number, zeroPoint: number, range: QRange | undefined): void {
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new InvalidArgumentError(`Quantization scale must be a positive finite number, got ${scale}.`);
  }
  if (!Number.isInteger(zeroPoint) || (range && (zeroPoint < range.qmin || zeroPoint > range.qmax))) {
    const bounds = range ? ` in [${range.qmin}, ${range.qmax}]` : '';
    throw new InvalidArgumentError(`Zero point must be an integer${bounds}, got ${zeroPoint}.`);
  }
}

/**
 * Resolves per-tensor or per-channel parameters and calls `visit` once per run of elements that
 * share one scale/zero point. A single scale with a ChannelSpec is broadcast to every channel.
 */
function forEachParamRun(length: number, scale: QuantParam, zeroPoint: QuantParam, range: QRange | undefined, channel: ChannelSpec | undefined, visit: RunVisitor): void {
  const scales = toArray(scale);
  const zps = toArray(zeroPoint);
  if (scales.length !== zps.length) {
    throw new InvalidArgumentError(`Got ${scales.length} scales but ${zps.length} zero points; they must pair up.`);
  }
  for (let i = 0; i < scales.length; i++) checkParam(scales[i]!, zps[i]!, range);
  if (!channel) {
    if (scales.length !== 1) {
      throw new InvalidArgumentError(`${scales.length} scales given without a channel axis.`, { hint: 'Pass { dims, axis } for per-channel quantization.' });
    }
    visit(scales[0]!, zps[0]!, 0, length);
    return;
  }
  const layout = channelLayout(channel, length);
  if (scales.length !== 1 && scales.length !== layout.channels) {
    throw new InvalidArgumentError(`Axis ${channel.axis} has ${layout.channels} channels but ${scales.length} scales were given.`);
  }
  const one = scales.length === 1;
  forEachChannelRun(layout, (c, start, end) => visit(scales[one ? 0 : c]!, zps[one ? 0 : c]!, start, end));
}

/** QuantizeLinear over an array, per tensor or per channel. */
export function quantize(values: ArrayLike<number>, scale: QuantParam, zeroPoint: QuantParam, type: QuantType, channel?: ChannelSpec): QuantArray {
  const out = allocateQuantArray(type, values.length);
  const range = typeRange(type);
  forEachParamRun(values.length, scale, zeroPoint, range, channel, (s, z, start, end) => {
    for (let i = start; i < end; i++) out[i] = quantizeValue(values[i]!, s, z, range);
  });
  return out;
}

/** DequantizeLinear over an array, per tensor or per channel. */
export function dequantize(q: ArrayLike<number>, scale: QuantParam, zeroPoint: QuantParam, channel?: ChannelSpec): Float32Array {
  const out = new Float32Array(q.length);
  forEachParamRun(q.length, scale, zeroPoint, undefined, channel, (s, z, start, end) => {
    for (let i = start; i < end; i++) out[i] = dequantizeValue(q[i]!, s, z);
  });
  return out;
}

/** Quantize then dequantize: what a Q->DQ pair computes. */
export function fakeQuantize(values: ArrayLike<number>, scale: QuantParam, zeroPoint: QuantParam, type: QuantType, channel?: ChannelSpec): Float32Array {
  const out = new Float32Array(values.length);
  const range = typeRange(type);
  forEachParamRun(values.length, scale, zeroPoint, range, channel, (s, z, start, end) => {
    for (let i = start; i < end; i++) out[i] = dequantizeValue(quantizeValue(values[i]!, s, z, range), s, z);
  });
  return out;
}
