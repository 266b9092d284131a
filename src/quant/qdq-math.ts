/**
 * Integer quantization arithmetic with ONNX Runtime's semantics (quantization tool's scale/zero
 * point rules; QuantizeLinear's x / scale, round half to even, saturate).
 */
export type IntType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32';

export interface QRange {
  readonly qmin: number;
  readonly qmax: number;
}

/** Integer range of a type; symmetric signed ranges drop the lowest value so that 0 is centred. */
export function qRange(type: IntType, symmetric = false): QRange {
  switch (type) {
    case 'int8':
      return symmetric ? { qmin: -127, qmax: 127 } : { qmin: -128, qmax: 127 };
    case 'uint8':
      return { qmin: 0, qmax: 255 };
    case 'int16':
      return symmetric ? { qmin: -32767, qmax: 32767 } : { qmin: -32768, qmax: 32767 };
    case 'uint16':
      return { qmin: 0, qmax: 65535 };
    case 'int32':
      return { qmin: -2147483648, qmax: 2147483647 };
  }
}

/** Round half to even (numpy.round / std::nearbyint under the default rounding mode). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; step back when that lands on an odd number from an exact tie.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const FLOAT32_TINY = 1.1754943508222875e-38;

/**
 * Scale and zero point for a float range: the range is widened to include 0; symmetric ranges
 * use ±max(|min|, |max|) and the centre of the integer range as zero point.
 */
export function scaleZeroPoint(rmin: number, rmax: number, type: IntType, symmetric: boolean): { scale: number; zeroPoint: number } {
  const { qmin, qmax } = qRange(type, symmetric);
  let lo = Math.min(rmin, 0);
  let hi = Math.max(rmax, 0);
  if (symmetric) {
    const absmax = Math.max(Math.abs(lo), Math.abs(hi));
    lo = -absmax;
    hi = absmax;
  }
  const scale = (hi - lo) / (qmax - qmin);
  if (!(scale >= FLOAT32_TINY)) return { scale: 1, zeroPoint: 0 };
  const zeroPoint = symmetric ? roundHalfEven((qmin + qmax) / 2) : roundHalfEven(qmin - lo / scale);
  return { scale: Math.fround(scale), zeroPoint: Math.min(qmax, Math.max(qmin, zeroPoint)) };
}

/** Min and max of the finite values (NaN ignored); {0, 0} for an empty array. */
export function tensorMinMax(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min === Infinity ? { min: 0, max: 0 } : { min, max };
}

/** Per-channel min/max along `axis` of a row-major tensor. */
export function perChannelMinMax(values: ArrayLike<number>, dims: readonly number[], axis: number): { min: number; max: number }[] {
  const channels = dims[axis] ?? 1;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = Array.from({ length: channels }, () => ({ min: Infinity, max: -Infinity }));
  for (let i = 0; i < values.length; i++) {
    const c = out[Math.floor(i / inner) % channels]!;
    const v = values[i]!;
    if (v < c.min) c.min = v;
    if (v > c.max) c.max = v;
  }
  return out.map((r) => (r.min === Infinity ? { min: 0, max: 0 } : r));
}

type IntArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array;

function allocate(type: IntType, n: number): IntArray {
  switch (type) {
    case 'int8': return new Int8Array(n);
    case 'uint8': return new Uint8Array(n);
    case 'int16': return new Int16Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'int32': return new Int32Array(n);
  }
}

/** Quantizes one value as QuantizeLinear does: saturate(round(x / scale) + zero point). */
export function quantizeValue(x: number, scale: number, zeroPoint: number, range: QRange): number {
  const q = roundHalfEven(Math.fround(x / scale)) + zeroPoint;
  return q < range.qmin ? range.qmin : q > range.qmax ? range.qmax : q;
}

/** Quantizes an array per tensor (one scale) or per channel (`channel` gives dims and axis). */
export function quantizeArray(values: Float32Array, scales: ArrayLike<number>, zeroPoints: ArrayLike<number>, type: IntType, channel?: { dims: readonly number[]; axis: number }): IntArray {
  const out = allocate(type, values.length);
  const range = qRange(type);
  if (!channel) {
    const s = scales[0]!;
    const z = zeroPoints[0]!;
    for (let i = 0; i < values.length; i++) out[i] = quantizeValue(values[i]!, s, z, range);
    return out;
  }
  const channels = channel.dims[channel.axis] ?? 1;
  const inner = channel.dims.slice(channel.axis + 1).reduce((a, b) => a * b, 1);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = quantizeValue(values[i]!, scales[c]!, zeroPoints[c]!, range);
  }
  return out;
}

/** DequantizeLinear: (q - zero point) × scale in float32. */
export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return Math.fround((q - zeroPoint) * scale);
}

/** Quantize then dequantize (the pure-TS reference of a Q/DQ pair). */
export function fakeQuantize(values: Float32Array, scale: number, zeroPoint: number, type: IntType): Float32Array {
  const range = qRange(type);
  return values.map((x) => dequantizeValue(quantizeValue(x, scale, zeroPoint, range), scale, zeroPoint));
}
