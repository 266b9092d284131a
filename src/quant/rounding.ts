/** Rounding and float32 helpers shared by the quantization arithmetic. */

/** 1.5 x 2^52: adding and subtracting it leaves an integer rounded by the FPU itself, ties to even. */
const ROUNDER = 6755399441055744;

/**
 * Round half to even, as QuantizeLinear (cvtps / nearbyint in the default rounding mode) and
 * numpy.round do: 2.5 -> 2, 3.5 -> 4, -2.5 -> -2. Returns +0 for results of zero.
 */
export function roundHalfEven(x: number): number {
  // For |x| < 2^51 the sum lies in [2^52, 2^53), where the FPU rounds to integers, ties to even.
  if (x < 2251799813685248 && x > -2251799813685248) return x + ROUNDER - ROUNDER;
  const r = Math.round(x); // rounds .5 towards +infinity; step back from odd results of exact ties
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Smallest positive normal float32 (numpy.finfo(float32).tiny): ORT's "scale is zero" threshold. */
export const FLOAT32_TINY = 1.1754943508222875e-38;

/** Largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;
