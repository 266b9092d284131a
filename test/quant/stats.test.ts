import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { cosineSimilarity, l2Distance, minMax, mse, perChannelMinMax, sqnr } from '../../src/quant/index.js';

describe('stats', () => {
  it('minMax ignores NaN and gives {0, 0} when nothing is left', () => {
    expect(minMax(Float32Array.of(NaN, 3, -1, NaN))).toEqual({ min: -1, max: 3 });
    expect(minMax(Float32Array.of(NaN))).toEqual({ min: 0, max: 0 });
    expect(minMax(new Float32Array(0))).toEqual({ min: 0, max: 0 });
    expect(minMax([-Infinity, 2])).toEqual({ min: -Infinity, max: 2 });
  });

  it('perChannelMinMax along an axis', () => {
    const x = Float32Array.of(1, -2, 3, 4, NaN, -6); // dims [2, 3]
    expect(perChannelMinMax(x, { dims: [2, 3], axis: 0 })).toEqual([{ min: -2, max: 3 }, { min: -6, max: 4 }]);
    expect(perChannelMinMax(x, { dims: [2, 3], axis: 1 })).toEqual([{ min: 1, max: 4 }, { min: -2, max: -2 }, { min: -6, max: 3 }]);
  });

  it('mse, l2, sqnr, cosine', () => {
    expect(mse([1, 2], [1, 4])).toBe(2);
    expect(l2Distance([1, 2], [1, 4])).toBe(2);
    expect(sqnr([3, 4], [3, 4])).toBe(Infinity);
    expect(sqnr([3, 4], [3, 3])).toBeCloseTo(10 * Math.log10(25), 12);
    expect(cosineSimilarity([1, 0], [0, 1])).toBe(0);
    expect(cosineSimilarity([1, 2], [2, 4])).toBeCloseTo(1, 15);
    expect(cosineSimilarity([0, 0], [0, 0])).toBe(1);
    expect(cosineSimilarity([0, 0], [1, 0])).toBe(0);
    expect(() => mse([1], [1, 2])).toThrow(InvalidArgumentError);
  });
});
