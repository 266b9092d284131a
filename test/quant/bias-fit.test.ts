import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { BIAS_CODE_LIMIT, countInt32Saturated, fitWeightScalesToBias, quantizeBias, weightScaleForBias } from '../../src/quant/index.js';

const f = Math.fround;
const prevFloat32 = (x: number): number => {
  const a = Float32Array.of(x);
  new Int32Array(a.buffer)[0]! -= 1;
  return a[0]!;
};
const fits = (b: number, inScale: number, w: number): boolean => Math.abs(b) / f(f(inScale) * w) <= BIAS_CODE_LIMIT;

describe('weightScaleForBias', () => {
  it('bias 10, input scale 1e-5, weight scale 1e-7: raised to 10 / (1e-5 · 2^30) = 9.3132e-4, the smallest float32 that fits', () => {
    // Before: bias scale 1e-12, 10 / 1e-12 = 1e13 codes, 4657× past int32.
    expect(10 / f(f(1e-5) * f(1e-7))).toBeGreaterThan(2 ** 31);
    const w = weightScaleForBias(10, 1e-5, f(1e-7));
    expect(w).toBe(f(w));
    expect(w / (1e6 / 2 ** 30)).toBeGreaterThanOrEqual(1 - 1e-7);
    expect(w / (1e6 / 2 ** 30)).toBeLessThan(1 + 1e-6);
    expect(fits(10, 1e-5, w)).toBe(true);
    expect(fits(10, 1e-5, prevFloat32(w))).toBe(false);
    const q = quantizeBias([10, -10], 1e-5, w);
    expect(q.saturated).toBe(0);
    expect(Math.abs(q.data[0]!)).toBeLessThanOrEqual(2 ** 30);
    expect(q.data[0]!).toBeGreaterThan(2 ** 30 - 200); // uses the room it was given, not less
    expect(q.data[1]).toBe(-q.data[0]!);
    // Dequantized, the bias is exact to 1 part in 2^30.
    expect(Math.abs(q.data[0]! * q.scales[0]! - 10)).toBeLessThan(10 * 2 ** -29);
  });

  it('without the raise the same bias saturates (what quantizeBiasTensor silently did)', () => {
    const q = quantizeBias([10], 1e-5, 1e-7);
    expect(q.saturated).toBe(1);
    expect(q.data[0]).toBe(2 ** 31 - 1);
    expect(q.data[0]! * q.scales[0]!).toBeCloseTo(2.147e-3, 5); // 10 became 0.002
  });

  it('keeps a scale the bias already fits, and never lowers one', () => {
    expect(weightScaleForBias(0.5, 0.01, 0.02)).toBe(0.02); // 0.5 / 2e-4 = 2500 codes
    expect(weightScaleForBias(0, 1e-9, 1e-20)).toBe(1e-20);
    // Exactly at the limit fits: 2^30 codes.
    const inScale = 2 ** -10;
    const w = 2 ** -12;
    expect(weightScaleForBias(2 ** 30 * inScale * w, inScale, w)).toBe(w);
    expect(weightScaleForBias(2 ** 31 * inScale * w, inScale, w)).toBe(2 * w);
  });

  it('rejects non-positive scales and non-finite biases', () => {
    expect(() => weightScaleForBias(1, 0, 1)).toThrow(InvalidArgumentError);
    expect(() => weightScaleForBias(1, 1, -1)).toThrow(InvalidArgumentError);
    expect(() => weightScaleForBias(NaN, 1, 1)).toThrow(InvalidArgumentError);
    expect(() => weightScaleForBias(Infinity, 1, 1)).toThrow(InvalidArgumentError);
  });
});

describe('fitWeightScalesToBias', () => {
  it('per channel: raises only the channels whose bias overflows', () => {
    const r = fitWeightScalesToBias([10, 0.1, -20], 1e-5, [1e-7, 1e-3, 1e-7]);
    expect(r.raised).toEqual([0, 2]);
    expect(r.scales[1]).toBe(f(1e-3));
    expect(r.scales[0]! / (10 / (1e-5 * 2 ** 30))).toBeCloseTo(1, 6);
    expect(r.scales[2]! / (20 / (1e-5 * 2 ** 30))).toBeCloseTo(1, 6);
    const q = quantizeBias([10, 0.1, -20], 1e-5, r.scales);
    expect(q.saturated).toBe(0);
    expect(countInt32Saturated(q.data)).toBe(0);
  });

  it('per tensor: one scale raised for the largest |bias|', () => {
    const r = fitWeightScalesToBias([3, -40, 5], 1e-5, [1e-7]);
    expect(r.raised).toEqual([0]);
    expect(r.scales[0]! / (40 / (1e-5 * 2 ** 30))).toBeCloseTo(1, 6);
    expect(quantizeBias([3, -40, 5], 1e-5, r.scales).saturated).toBe(0);
  });

  it('checks lengths and values', () => {
    expect(() => fitWeightScalesToBias([1, 2, 3], 1, [1, 2])).toThrow(InvalidArgumentError);
    expect(() => fitWeightScalesToBias([1, NaN], 1e-5, [1e-7, 1e-7])).toThrow(InvalidArgumentError);
  });
});

describe('countInt32Saturated', () => {
  it('counts codes at either int32 limit', () => {
    expect(countInt32Saturated(Int32Array.of(2 ** 31 - 1, -(2 ** 31), 0, 2 ** 31 - 2, -(2 ** 31) + 1))).toBe(2);
  });
});
