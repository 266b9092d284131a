/** Rounding and float32 helpers shared by the quantization arithmetic. */

/**
 * Round half to even, as QuantizeLinear (cvtps / nearbyint in the default rounding mode) and
 * numpy.round do: 2.5 -> 2, 3.5 -> 4, -2.5 -> -2. Returns +0 for results of zero.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x); // rounds .5 towards +infinity
  const even = r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
  return even === 0 ? 0 : even; // drop -0 so that integer comparisons and typed arrays agree
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Smallest positive normal float32 (numpy.finfo(float32).tiny): ORT's "scale is zero" threshold. */
export const FLOAT32_TINY = 1.1754943508222875e-38;

/** Largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;
