/**
 * Quantization arithmetic against hand-computed values: scale / zero point rules (ONNX Runtime's
 * quantization tool), QuantizeLinear rounding and saturation, per-channel weights, int32 bias,
 * float16 / bfloat16 bit patterns.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../src/ir/index.js';
import { computeQParams } from '../../src/qdq/qparams.js';
import { quantizeBiasTensor, quantizeWeight, roundWeightToFloat16 } from '../../src/qdq/weights.js';
import {
  bfloat16BitToFloat32,
  float16BitToFloat32,
  float32ToBfloat16Bit,
  float32ToFloat16Bit,
} from '../../src/quant/float16.js';
import { dequantizeValue, fakeQuantize, perChannelMinMax, qRange, quantizeArray, quantizeValue, roundHalfEven, scaleZeroPoint } from '../../src/quant/qdq-math.js';

const f = Math.fround;

describe('scaleZeroPoint', () => {
  it.each([
    // [rmin, rmax, type, symmetric, scale, zero point]
    [-1, 3, 'int8', false, f(4 / 255), -64], // round(-128 + 1 / (4/255)) = round(-64.25)
    [-2, 1, 'int8', true, f(4 / 254), 0], // ±2 over [-127, 127]
    [-1, 3, 'uint8', false, f(4 / 255), 64], // round(63.75)
    // ORT >= 1.20 derives symmetric unsigned scales over [0, 254] / [0, 65534]: zero point 127 / 32767.
    [-2, 1, 'uint8', true, f(4 / 254), 127],
    [-1, 3, 'int16', false, f(4 / 65535), -16384], // round(-32768 + 16383.75)
    [-2, 1, 'int16', true, f(4 / 65534), 0],
    [-1, 3, 'uint16', false, f(4 / 65535), 16384],
    [-2, 1, 'uint16', true, f(4 / 65534), 32767],
    [-1, 1, 'uint8', false, f(2 / 255), 128], // 1 / (2/255) = 127.5 exactly: tie → 128
    [-1, 1, 'int8', false, f(2 / 255), 0], // round(-0.5) → 0
    [2, 5, 'int8', false, f(5 / 255), -128], // widened to [0, 5]
    [-5, -2, 'int8', false, f(5 / 255), 127], // widened to [-5, 0]
    [-5, -2, 'uint8', false, f(5 / 255), 255],
  ] as const)('[%d, %d] %s symmetric=%s → scale %f, zero point %d', (rmin, rmax, type, symmetric, scale, zp) => {
    const q = scaleZeroPoint(rmin, rmax, type, symmetric);
    expect(q.scale).toBe(scale);
    expect(q.zeroPoint + 0).toBe(zp);
  });

  it('an empty or degenerate range gives scale 1 and zero point 0', () => {
    expect(scaleZeroPoint(0, 0, 'int8', false)).toEqual({ scale: 1, zeroPoint: 0 });
    expect(scaleZeroPoint(0, 0, 'uint16', true)).toEqual({ scale: 1, zeroPoint: 0 });
    expect(scaleZeroPoint(0, 1e-40, 'int8', false)).toEqual({ scale: 1, zeroPoint: 0 });
  });

  it('a zero point that lands on .5 is rounded half to even', () => {
    // width 255/128 → scale exactly 1/128; 0.50390625 / (1/128) = 64.5
    expect(scaleZeroPoint(-0.50390625, 1.48828125, 'int8', false)).toEqual({ scale: 1 / 128, zeroPoint: -64 }); // -63.5 → -64
    expect(scaleZeroPoint(-0.50390625, 1.48828125, 'uint8', false)).toEqual({ scale: 1 / 128, zeroPoint: 64 }); // 64.5 → 64
    expect(scaleZeroPoint(-0.51171875, 1.48046875, 'uint8', false)).toEqual({ scale: 1 / 128, zeroPoint: 66 }); // 65.5 → 66
  });

  it('ranges are float32: the width is a float32 difference, the scale stored as float32', () => {
    const q = scaleZeroPoint(-0.3, 0.7, 'int8', false);
    const width = f(f(0.7) - f(-0.3));
    expect(q.scale).toBe(f(width / 255));
    expect(q.zeroPoint).toBe(roundHalfEven(-128 + f(0.3) / (width / 255)));
    expect(q.zeroPoint).toBe(-51);
  });

  it('qRange: symmetric ranges drop one level so that zero is centred', () => {
    expect(qRange('int8', true)).toEqual({ qmin: -127, qmax: 127 });
    expect(qRange('int8')).toEqual({ qmin: -128, qmax: 127 });
    expect(qRange('uint8', true)).toEqual({ qmin: 0, qmax: 254 });
    expect(qRange('uint16', true)).toEqual({ qmin: 0, qmax: 65534 });
    expect(qRange('int16', true)).toEqual({ qmin: -32767, qmax: 32767 });
    expect(qRange('uint16')).toEqual({ qmin: 0, qmax: 65535 });
  });
});

describe('rounding and saturation', () => {
  it.each([
    [0.5, 0], [1.5, 2], [2.5, 2], [3.5, 4], [-0.5, 0], [-1.5, -2], [-2.5, -2], [-3.5, -4],
    [2.4999999, 2], [2.5000001, 3], [-2.5000001, -3], [7, 7], [-7, -7], [1e9 + 0.5, 1e9],
  ])('roundHalfEven(%d) = %d', (x, r) => {
    expect(roundHalfEven(x) + 0).toBe(r);
  });

  it('QuantizeLinear rounds x / scale half to even, adds the zero point, saturates', () => {
    const int8 = qRange('int8');
    expect(quantizeValue(0.25, 0.5, 0, int8)).toBe(0); // 0.5 → 0
    expect(quantizeValue(0.75, 0.5, 0, int8)).toBe(2); // 1.5 → 2
    expect(quantizeValue(1.25, 0.5, 3, int8)).toBe(5); // 2.5 → 2, + 3
    expect(quantizeValue(1000, 0.1, 0, int8)).toBe(127);
    expect(quantizeValue(-1000, 0.1, 0, int8)).toBe(-128);
    expect(quantizeValue(-1000, 0.1, 0, qRange('uint8'))).toBe(0);
    expect(quantizeValue(1000, 0.1, 200, qRange('uint8'))).toBe(255);
    expect(quantizeValue(1e6, 1, 0, qRange('int16'))).toBe(32767);
    expect(quantizeValue(-1e6, 1, 0, qRange('int16'))).toBe(-32768);
    expect(quantizeValue(-1e6, 1, 0, qRange('uint16'))).toBe(0);
    expect(quantizeValue(3e9, 1, 0, qRange('int32'))).toBe(2147483647);
  });

  it('saturation uses the full type range even for symmetric parameters', () => {
    const { scale, zeroPoint } = scaleZeroPoint(-1, 1, 'int8', true);
    const q = quantizeArray(Float32Array.of(-5, -1, 1, 5), [scale], [zeroPoint], 'int8');
    expect([...q]).toEqual([-128, -127, 127, 127]);
  });

  it('DequantizeLinear is (q - zp) × scale in float32; fakeQuantize composes both', () => {
    expect(dequantizeValue(-64, f(4 / 255), -64)).toBe(0);
    expect(dequantizeValue(127, f(4 / 255), -64)).toBe(f(191 * f(4 / 255)));
    const scale = f(4 / 255);
    const out = fakeQuantize(Float32Array.of(-2, -1, 0, 1.01, 3, 4), scale, -64, 'int8');
    expect([...out]).toEqual([-128, -128, -64, 0, 127, 127].map((q) => f((q + 64) * scale)));
  });
});

describe('per-channel weights', () => {
  // Channel absmax values are 127 × a power of two, so scales are exact and codes hand-checkable.
  const w = Float32Array.of(1.984375, -1, 0.5078125, 0.9921875, 0.01171875, -0.01953125);
  const tensor = Tensor.fromArray('w', 'float32', [2, 3], w);

  it('axis 0: one scale per row, codes rounded half to even', () => {
    const q = computeQParams({ kind: 'values', tensor, axis: 0 }, 'int8', true);
    expect([...q.scales]).toEqual([1 / 64, 1 / 128]);
    expect(q.zeroPoints).toEqual([0, 0]);
    expect(q.axis).toBe(0);
    // 1.984375·64 = 127, -64, 32.5 → 32 | 0.9921875·128 = 127, 1.5 → 2, -2.5 → -2
    expect([...quantizeWeight(tensor, q, 'wq').toArray()]).toEqual([127, -64, 32, 127, 2, -2]);
  });

  it('axis 1: one scale per column', () => {
    const q = computeQParams({ kind: 'values', tensor, axis: 1 }, 'int8', true);
    expect([...q.scales]).toEqual([1 / 64, f(2 / 254), f((2 * 0.5078125) / 254)]);
    // column 0: 127, 63.5 → 64; column 1: -127, 1.488 → 1; column 2: 127, -4.88 → -5
    expect([...quantizeWeight(tensor, q, 'wq').toArray()]).toEqual([127, -127, 127, 64, 1, -5]);
  });

  it('min/max per channel along an inner axis of a 4-D tensor', () => {
    const values = Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i - 5);
    expect(perChannelMinMax(values, [2, 3, 2], 1)).toEqual([
      { min: -5, max: 2 },
      { min: -3, max: 4 },
      { min: -1, max: 6 },
    ]);
  });

  it('an all-zero channel gets scale 1 (codes 0) rather than a zero scale', () => {
    const t = Tensor.fromArray('z', 'float32', [2, 2], Float32Array.of(0, 0, 0.5, -0.25));
    const q = computeQParams({ kind: 'values', tensor: t, axis: 0 }, 'int8', true);
    expect(q.scales[0]).toBe(1);
    expect([...quantizeWeight(t, q, 'zq').toArray()]).toEqual([0, 0, 127, -64]);
  });

  it('int32 bias: scale = input scale × weight scale (float32), zero point 0, bias / scale in float64', () => {
    const inputScale = f(2 / 255);
    const weightScales = [1 / 64, 1 / 128];
    const biasScales = Float32Array.from(weightScales, (s) => f(inputScale * s));
    const bias = Tensor.fromArray('b', 'float32', [2], Float32Array.of(0.1, -0.2));
    const q = { type: 'int32' as const, scales: biasScales, zeroPoints: [0, 0], axis: 0 };
    const codes = [...quantizeBiasTensor(bias, q, 'bq').toArray()];
    // 0.1 / (2/255/64) = 815.99996... → 816 ; -0.2 / (2/255/128) = -3263.9998... → -3264
    expect(codes).toEqual([816, -3264]);
    // Past 2^24 a float32 divide loses the exact code (75497472); the float64 one keeps it.
    const big = Tensor.fromArray('big', 'float32', [1], Float32Array.of(3 * 2 ** 23));
    const third = { type: 'int32' as const, scales: Float32Array.of(f(1 / 3)), zeroPoints: [0] };
    expect([...quantizeBiasTensor(big, third, 'bigq').toArray()]).toEqual([75497470]); // 75497469.75 → 75497470
  });
});

describe('float16 / bfloat16 bit patterns', () => {
  it.each([
    [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65519, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00],
    [Infinity, 0x7c00], [-Infinity, 0xfc00], [2 ** -14, 0x0400], [2 ** -24, 0x0001], [2 ** -25, 0x0000],
    [3 * 2 ** -25, 0x0002], [2 ** -25 + 2 ** -35, 0x0001], [-0, 0x8000], [0, 0x0000],
    [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1 + 2 ** -11 + 2 ** -20, 0x3c01],
  ])('float16(%d) = 0x%s', (x, bits) => {
    expect(float32ToFloat16Bit(x)).toBe(bits);
  });

  it('float16 NaN stays NaN', () => {
    const h = float32ToFloat16Bit(NaN);
    expect(h & 0x7c00).toBe(0x7c00);
    expect(h & 0x03ff).not.toBe(0);
    expect(Number.isNaN(float16BitToFloat32(h))).toBe(true);
  });

  it('every finite float16 pattern survives float16 → float32 → float16', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue;
      const back = float32ToFloat16Bit(float16BitToFloat32(h));
      if (back !== h) expect(back, `pattern 0x${h.toString(16)}`).toBe(h);
    }
  });

  it.each([
    [1, 0x3f80], [-1, 0xbf80], [1 + 2 ** -8, 0x3f80], [1 + 3 * 2 ** -8, 0x3f82], [1 + 2 ** -8 + 2 ** -20, 0x3f81],
    [-0, 0x8000], [Infinity, 0x7f80], [3.4028234663852886e38, 0x7f80], [2 ** -133, 0x0001], [2 ** -134, 0x0000], [3 * 2 ** -134, 0x0002], [2 ** -126, 0x0080],
  ])('bfloat16(%d) = 0x%s', (x, bits) => {
    expect(float32ToBfloat16Bit(x)).toBe(bits);
  });

  it('bfloat16 NaN stays NaN (quiet) and patterns round-trip', () => {
    expect(Number.isNaN(bfloat16BitToFloat32(float32ToBfloat16Bit(NaN)))).toBe(true);
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0) continue;
      const back = float32ToBfloat16Bit(bfloat16BitToFloat32(h));
      if (back !== h) expect(back, `pattern 0x${h.toString(16)}`).toBe(h);
    }
  });

  it('weights stored as float16 / bfloat16 are rounded to nearest even', () => {
    const t = Tensor.fromArray('w', 'float32', [3], Float32Array.of(1 + 3 * 2 ** -11, 65520, 1 + 3 * 2 ** -8));
    expect([...roundWeightToFloat16(t, 'float16', 'h').toArray()]).toEqual([0x3c02, 0x7c00, 0x3c0c]);
    expect([...roundWeightToFloat16(t, 'bfloat16', 'b').toArray()]).toEqual([0x3f80, 0x4780, 0x3f82]);
  });
});
