/**
 * IEEE 754 half precision <-> float32, on raw 16-bit patterns (how ONNX stores float16).
 * float32 -> half rounds to nearest even; overflow gives infinity, tiny values become subnormals
 * or zero, NaN stays a (quiet) NaN with its sign. Half -> float32 is exact.
 */
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Largest finite float16. */
export const FLOAT16_MAX = 65504;

/** float32 value (a JS number is first rounded to float32) -> half bit pattern. */
export function float32ToFloat16Bit(x: number): number {
  F32[0] = x;
  const bits = U32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return mant !== 0 ? sign | 0x7e00 | (mant >>> 13) : sign | 0x7c00;
  const e = exp - 112; // re-bias the exponent from 127 to 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) return sign | subnormalHalf(mant | 0x800000, 14 - e);
  // Normal: drop 13 mantissa bits; a carry out of the mantissa correctly bumps the exponent (to inf at the top).
  return sign | roundShift((e << 23) | mant, 13);
}

/** Half subnormal from the 24-bit significand `m`, shifted right by `shift` (14..25) with rounding. */
function subnormalHalf(m: number, shift: number): number {
  if (shift > 24) return 0; // below half the smallest subnormal
  return roundShift(m, shift);
}

/** `v >>> shift`, rounded to nearest with ties to even. */
function roundShift(v: number, shift: number): number {
  const half = 1 << (shift - 1);
  const rest = v & ((1 << shift) - 1);
  const h = v >>> shift;
  return rest > half || (rest === half && (h & 1) === 1) ? h + 1 : h;
}

/** Half bit pattern -> its exact value. */
export function float16BitToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant !== 0 ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

export function float32ToFloat16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bit(values[i]!);
  return out;
}

let decodeTable: Float32Array | undefined;

/** Half patterns -> float32 (through a 64K-entry table built on first use: weights can be large). */
export function float16BitsToFloat32(bits: ArrayLike<number>): Float32Array {
  if (!decodeTable) {
    decodeTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) decodeTable[h] = float16BitToFloat32(h);
  }
  const table = decodeTable;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = table[bits[i]! & 0xffff]!;
  return out;
}

/** The value a Cast(float16) -> Cast(float) pair produces. */
export function roundToFloat16(x: number): number {
  return float16BitToFloat32(float32ToFloat16Bit(x));
}

/** Array version of roundToFloat16. */
export function roundTripFloat16(values: ArrayLike<number>): Float32Array {
  return float16BitsToFloat32(float32ToFloat16Bits(values));
}

/** True when no finite value exceeds float16's largest finite magnitude (65504) in absolute value. */
export function fitsFloat16(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]!);
    if (a > FLOAT16_MAX && a !== Infinity) return false;
  }
  return true;
}

// bfloat16 lives in its own module; re-exported here for modules that import both from one place.
export { bfloat16BitsToFloat32, bfloat16BitToFloat32, float32ToBfloat16Bit, float32ToBfloat16Bits } from './bfloat16.js';
