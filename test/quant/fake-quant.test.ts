import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { biasScales, dequantize, dequantizeValue, fakeQuantize, quantize, quantizeBias, quantizeValue, roundHalfEven, typeRange } from '../../src/quant/index.js';

const f32 = Math.fround;

describe('roundHalfEven', () => {
  it.each([
    [2.5, 2], [3.5, 4], [-2.5, -2], [-3.5, -4], [0.5, 0], [-0.5, 0], [1.5, 2], [2.4999999, 2], [2.5000001, 3], [-7, -7],
  ])('%d -> %d', (x, r) => {
    expect(roundHalfEven(x)).toBe(r);
  });
});

describe('quantize (QuantizeLinear)', () => {
  it('rounds half to even', () => {
    const q = quantize(Float32Array.of(2.5, 3.5, -2.5, -3.5, 0.5, -0.5, 1.5), 1, 0, 'int8');
    expect(Array.from(q)).toEqual([2, 4, -2, -4, 0, 0, 2]);
  });

  it('adds the zero point before saturating to the full type range', () => {
    expect(Array.from(quantize(Float32Array.of(200, -200, 120, -127.5), 1, 10, 'int8'))).toEqual([127, -128, 127, -118]);
    expect(Array.from(quantize(Float32Array.of(-5, 300, 3), 1, 0, 'uint8'))).toEqual([0, 255, 3]);
    expect(Array.from(quantize(Float32Array.of(-40000, 40000), 1, 0, 'int16'))).toEqual([-32768, 32767]);
    expect(Array.from(quantize(Float32Array.of(-1, 70000), 1, 0, 'uint16'))).toEqual([0, 65535]);
    expect(Array.from(quantize(Float32Array.of(-9, 9, 2.5), 1, 0, 'int4'))).toEqual([-8, 7, 2]);
    expect(Array.from(quantize(Float32Array.of(-1, 16), 1, 0, 'uint4'))).toEqual([0, 15]);
  });

  it('maps NaN to qmin (as MLAS clamps) and infinities to the limits', () => {
    expect(Array.from(quantize(Float32Array.of(NaN, Infinity, -Infinity), 0.5, 3, 'uint8'))).toEqual([0, 255, 0]);
    expect(Array.from(quantize(Float32Array.of(NaN), 0.5, 3, 'int8'))).toEqual([-128]);
  });

  it('divides in float32, not float64', () => {
    // float32 x / scale lands on -96.5 (tie -> -96); the float64 quotient is just below -96.5 (-> -97).
    const x = f32(-65.4217300415039);
    const s = f32(0.6779453754425049);
    expect(roundHalfEven(x / s)).toBe(-97);
    expect(quantizeValue(x, s, 0, typeRange('int16'))).toBe(-96);
    const x2 = f32(233.88853454589844);
    const s2 = f32(0.0037219393998384476);
    expect(quantizeValue(x2, s2, 0, typeRange('uint16'))).toBe(62840);
  });

  it('quantizes per channel along axis 0 and axis 1', () => {
    const w = Float32Array.of(127, -63.5, -31.75, 254, 1, 3); // dims [2, 3]
    expect(Array.from(quantize(w, [1, 2], [0, 0], 'int8', { dims: [2, 3], axis: 0 }))).toEqual([127, -64, -32, 127, 0, 2]);
    expect(Array.from(quantize(w, [2, 0.5, 0.25], [0, 0, 0], 'int8', { dims: [2, 3], axis: 1 }))).toEqual([64, -127, -127, 127, 2, 12]);
  });

  it('per channel on a rank-4 weight matches a per-element loop', () => {
    const dims = [3, 2, 2, 2];
    const w = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 5);
    const scales = [0.05, 0.1, 0.02];
    const zps = [0, 3, -2];
    const q = quantize(w, scales, zps, 'int8', { dims, axis: 0 });
    for (let i = 0; i < 24; i++) {
      const c = Math.floor(i / 8);
      expect(q[i]).toBe(quantizeValue(w[i]!, scales[c]!, zps[c]!, typeRange('int8')));
    }
  });

  it('returns typed arrays of the quantized type', () => {
    expect(quantize([1], 1, 0, 'int8')).toBeInstanceOf(Int8Array);
    expect(quantize([1], 1, 0, 'uint8')).toBeInstanceOf(Uint8Array);
    expect(quantize([1], 1, 0, 'int16')).toBeInstanceOf(Int16Array);
    expect(quantize([1], 1, 0, 'uint16')).toBeInstanceOf(Uint16Array);
    expect(quantize([1], 1, 0, 'int32')).toBeInstanceOf(Int32Array);
  });

  it('rejects bad parameters', () => {
    expect(() => quantize([1], 0, 0, 'int8')).toThrow(InvalidArgumentError);
    expect(() => quantize([1], NaN, 0, 'int8')).toThrow(InvalidArgumentError);
    expect(() => quantize([1], 1, 128, 'int8')).toThrow(InvalidArgumentError);
    expect(() => quantize([1], 1, 0.5, 'int8')).toThrow(InvalidArgumentError);
    expect(() => quantize([1, 2], [1, 2], [0, 0], 'int8')).toThrow(/channel axis/);
    expect(() => quantize([1, 2], [1, 2, 3], [0, 0, 0], 'int8', { dims: [2], axis: 0 })).toThrow(InvalidArgumentError);
  });
});

describe('dequantize and fakeQuantize', () => {
  it('dequantizes as float32((q - zp) * scale)', () => {
    expect(dequantizeValue(-64, f32(4 / 255), -64)).toBe(0);
    expect(dequantizeValue(127, f32(4 / 255), -64)).toBe(f32(191 * f32(4 / 255)));
    expect(Array.from(dequantize(Int8Array.of(127, -64, 2), [1, 2, 0.5], [0, 0, 0], { dims: [3], axis: 0 }))).toEqual([127, -128, 1]);
  });

  it('fakeQuantize is quantize then dequantize', () => {
    const x = Float32Array.of(-1, -0.3, 0, 0.7, 2.9, 3, 5);
    const scale = f32(4 / 255);
    const q = quantize(x, scale, -64, 'int8');
    expect(fakeQuantize(x, scale, -64, 'int8')).toEqual(dequantize(q, scale, -64));
    const fq = fakeQuantize(x, scale, -64, 'int8');
    expect(fq[2]).toBe(0); // zero is exact
    expect(fq[6]).toBe(f32(191 * scale)); // 5 saturates at qmax = 127
  });

  it('fakeQuantize per channel', () => {
    const w = Float32Array.of(127, -63.5, -31.75, 254, 1, 3);
    expect(Array.from(fakeQuantize(w, [1, 2], [0, 0], 'int8', { dims: [2, 3], axis: 0 }))).toEqual([127, -64, -32, 254, 0, 4]);
  });
});

describe('quantizeBias', () => {
  it('uses scale = input scale x weight scale, zero point 0, half to even', () => {
    const b = quantizeBias(Float32Array.of(1.0625, 2.5), 0.5, [0.25, 2]);
    expect(Array.from(b.scales)).toEqual([0.125, 1]);
    expect(Array.from(b.data)).toEqual([8, 2]); // 8.5 -> 8, 2.5 -> 2
    expect(Array.from(b.zeroPoints)).toEqual([0, 0]);
    expect(b.saturated).toBe(0);
  });

  it('broadcasts a per-tensor weight scale', () => {
    const b = quantizeBias([0.3, -0.3], 0.1, 0.1);
    expect(Array.from(b.scales)).toEqual([f32(f32(0.1) * f32(0.1))]);
    expect(Array.from(b.data)).toEqual([Math.round(0.3 / f32(f32(0.1) * f32(0.1))), -Math.round(0.3 / f32(f32(0.1) * f32(0.1)))]);
  });

  it('saturates to int32 and counts it', () => {
    const b = quantizeBias([1e12, -1e12, 1], 1e-3, 1e-3);
    expect(Array.from(b.data)).toEqual([2147483647, -2147483648, 1000000]);
    expect(b.saturated).toBe(2);
  });

  it('checks shapes and values', () => {
    expect(() => quantizeBias([1, 2, 3], 1, [1, 2])).toThrow(InvalidArgumentError);
    expect(() => quantizeBias([NaN], 1, 1)).toThrow(InvalidArgumentError);
    expect(Array.from(biasScales(0.5, [0.25]))).toEqual([0.125]);
  });
});
