/**
 * bfloat16 <-> float32 on raw 16-bit patterns: bfloat16 is the top half of a float32, so conversion
 * is rounding away the low 16 bits (to nearest, ties to even). NaN stays a quiet NaN with its sign.
 */
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Largest finite bfloat16 (0x7F7F). */
export const BFLOAT16_MAX = 3.3895313892515355e38;

export function float32ToBfloat16Bit(x: number): number {
  F32[0] = x;
  const bits = U32[0]!;
  if ((bits & 0x7fffffff) > 0x7f800000) return (bits >>> 16) | 0x0040; // NaN: keep sign, force quiet
  // Adding 0x7fff plus the lowest kept bit rounds to nearest even; a carry may reach the exponent
  // (and infinity), which is the correct rounded result.
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bfloat16BitToFloat32(h: number): number {
  U32[0] = (h & 0xffff) << 16;
  return F32[0]!;
}

export function float32ToBfloat16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToBfloat16Bit(values[i]!);
  return out;
}

export function bfloat16BitsToFloat32(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  const view = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) view[i] = (bits[i]! & 0xffff) << 16;
  return out;
}

/** The value a Cast(bfloat16) -> Cast(float) pair produces. */
export function roundToBfloat16(x: number): number {
  return bfloat16BitToFloat32(float32ToBfloat16Bit(x));
}

/** Array version of roundToBfloat16. */
export function roundTripBfloat16(values: ArrayLike<number>): Float32Array {
  return bfloat16BitsToFloat32(float32ToBfloat16Bits(values));
}
