/** IEEE half and bfloat16 conversions (round to nearest even), on raw 16-bit patterns. */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function float32ToBfloat16Bit(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x0040) & 0xffff; // quiet NaN
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

export function bfloat16BitToFloat32(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

export function float32ToFloat16Bit(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && (h & 1))) h++;
    return sign | h;
  }
  const rest = mant & 0x1fff;
  let h = (e << 10) | (mant >>> 13);
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1))) h++;
  e = h >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : h);
}

export function float16BitToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export const float32ToBfloat16Bits = (a: ArrayLike<number>): Uint16Array => Uint16Array.from({ length: a.length }, (_, i) => float32ToBfloat16Bit(a[i]!));
export const bfloat16BitsToFloat32 = (a: Uint16Array): Float32Array => Float32Array.from(a, bfloat16BitToFloat32);
export const float32ToFloat16Bits = (a: ArrayLike<number>): Uint16Array => Uint16Array.from({ length: a.length }, (_, i) => float32ToFloat16Bit(a[i]!));
export const float16BitsToFloat32 = (a: Uint16Array): Float32Array => Float32Array.from(a, float16BitToFloat32);

/** Largest finite float16. */
export const FLOAT16_MAX = 65504;
