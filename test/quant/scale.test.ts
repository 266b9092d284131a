import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { computeScaleZeroPoint, perChannelScaleZeroPoint, qRange, scaleZeroPointFromData, typeRange } from '../../src/quant/index.js';

const f32 = Math.fround;

describe('integer ranges (ORT get_qmin_qmax_for_qType)', () => {
  it('full ranges saturate QuantizeLinear', () => {
    expect(typeRange('int8')).toEqual({ qmin: -128, qmax: 127 });
    expect(typeRange('uint16')).toEqual({ qmin: 0, qmax: 65535 });
    expect(typeRange('int4')).toEqual({ qmin: -8, qmax: 7 });
    expect(typeRange('uint4')).toEqual({ qmin: 0, qmax: 15 });
    expect(typeRange('int32')).toEqual({ qmin: -2147483648, qmax: 2147483647 });
  });

  it('symmetric ranges drop one level; 4-bit types keep the full range', () => {
    expect(qRange('int8', { symmetric: true })).toEqual({ qmin: -127, qmax: 127 });
    expect(qRange('uint8', { symmetric: true })).toEqual({ qmin: 0, qmax: 254 });
    expect(qRange('int16', { symmetric: true })).toEqual({ qmin: -32767, qmax: 32767 });
    expect(qRange('uint16', { symmetric: true })).toEqual({ qmin: 0, qmax: 65534 });
    expect(qRange('int4', { symmetric: true })).toEqual({ qmin: -8, qmax: 7 });
  });

  it('reduce_range wins over symmetric', () => {
    expect(qRange('int8', { reduceRange: true, symmetric: true })).toEqual({ qmin: -64, qmax: 64 });
    expect(qRange('uint8', { reduceRange: true })).toEqual({ qmin: 0, qmax: 127 });
    expect(qRange('int16', { reduceRange: true })).toEqual({ qmin: -16384, qmax: 16384 });
    expect(qRange('uint16', { reduceRange: true })).toEqual({ qmin: 0, qmax: 32767 });
    expect(qRange('int4', { reduceRange: true })).toEqual({ qmin: -4, qmax: 3 });
  });
});

describe('computeScaleZeroPoint', () => {
  it('int8 asymmetric [-1, 3]: scale 4/255, zp round(-128 + 63.75) = -64', () => {
    expect(computeScaleZeroPoint(-1, 3, 'int8')).toEqual({ scale: f32(4 / 255), zeroPoint: -64 });
  });

  it('uint8 asymmetric [-1, 3]: zp round(0 + 63.75) = 64', () => {
    expect(computeScaleZeroPoint(-1, 3, 'uint8')).toEqual({ scale: f32(4 / 255), zeroPoint: 64 });
  });

  it('int8 symmetric [-2, 1]: ±2 over [-127, 127] -> scale 4/254, zp 0', () => {
    expect(computeScaleZeroPoint(-2, 1, 'int8', { symmetric: true })).toEqual({ scale: f32(2 / 127), zeroPoint: 0 });
  });

  it('uint8 symmetric [-2, 1]: range [0, 254] -> scale 4/254, zp round(254/2) = 127 (ORT >= 1.20)', () => {
    expect(computeScaleZeroPoint(-2, 1, 'uint8', { symmetric: true })).toEqual({ scale: f32(2 / 127), zeroPoint: 127 });
  });

  it('int16 and uint16', () => {
    expect(computeScaleZeroPoint(-1, 3, 'int16')).toEqual({ scale: f32(4 / 65535), zeroPoint: -16384 }); // round(-32768 + 16383.75)
    expect(computeScaleZeroPoint(-2, 1, 'int16', { symmetric: true })).toEqual({ scale: f32(4 / 65534), zeroPoint: 0 });
    expect(computeScaleZeroPoint(-2, 1, 'uint16', { symmetric: true })).toEqual({ scale: f32(4 / 65534), zeroPoint: 32767 });
    expect(computeScaleZeroPoint(0, 6, 'uint16')).toEqual({ scale: f32(6 / 65535), zeroPoint: 0 });
  });

  it('widens the range to include zero', () => {
    expect(computeScaleZeroPoint(2, 5, 'int8')).toEqual({ scale: f32(5 / 255), zeroPoint: -128 });
    expect(computeScaleZeroPoint(-5, -2, 'uint8')).toEqual({ scale: f32(5 / 255), zeroPoint: 255 });
  });

  it('an empty range gives scale 1 and zero point 0', () => {
    expect(computeScaleZeroPoint(0, 0, 'int8')).toEqual({ scale: 1, zeroPoint: 0 });
    expect(computeScaleZeroPoint(0, 0, 'uint8', { symmetric: true })).toEqual({ scale: 1, zeroPoint: 0 });
    expect(computeScaleZeroPoint(0, 1e-40, 'int8')).toEqual({ scale: 1, zeroPoint: 0 }); // below float32 tiny
  });

  it('rounds the zero point half to even', () => {
    // uint8 [-127.5, 127.5]: scale exactly 1, zp = round(127.5) = 128
    expect(computeScaleZeroPoint(-127.5, 127.5, 'uint8')).toEqual({ scale: 1, zeroPoint: 128 });
    // uint8 [-126.5, 128.5]: zp = round(126.5) = 126
    expect(computeScaleZeroPoint(-126.5, 128.5, 'uint8')).toEqual({ scale: 1, zeroPoint: 126 });
    // int4 [-7.5, 7.5]: zp = round(-8 + 7.5) = round(-0.5) = 0; uint4: round(7.5) = 8
    expect(computeScaleZeroPoint(-7.5, 7.5, 'int4')).toEqual({ scale: 1, zeroPoint: 0 });
    expect(computeScaleZeroPoint(-7.5, 7.5, 'uint4')).toEqual({ scale: 1, zeroPoint: 8 });
  });

  it('reduce_range and minimum real range', () => {
    expect(computeScaleZeroPoint(-1, 3, 'int8', { reduceRange: true })).toEqual({ scale: 1 / 32, zeroPoint: -32 });
    const r = computeScaleZeroPoint(0, 0, 'uint8', { minRealRange: 0.0001 });
    expect(r).toEqual({ scale: f32(f32(0.0001) / 255), zeroPoint: 0 });
  });

  it('takes the range as float32 and stores a float32 scale', () => {
    const r = computeScaleZeroPoint(-0.1, 0.3, 'int8');
    expect(r.scale).toBe(f32(f32(f32(0.3) - f32(-0.1)) / 255));
    expect(f32(r.scale)).toBe(r.scale);
  });

  it('rejects NaN, infinite and inverted ranges', () => {
    expect(() => computeScaleZeroPoint(NaN, 1, 'int8')).toThrow(InvalidArgumentError);
    expect(() => computeScaleZeroPoint(0, Infinity, 'int8')).toThrow(InvalidArgumentError);
    expect(() => computeScaleZeroPoint(2, 1, 'int8')).toThrow(InvalidArgumentError);
  });

  it('derives per-tensor parameters from data, ignoring NaN', () => {
    expect(scaleZeroPointFromData(Float32Array.of(NaN, -1, 3, 0.5), 'int8')).toEqual({ scale: f32(4 / 255), zeroPoint: -64 });
  });
});

describe('perChannelScaleZeroPoint', () => {
  // dims [2, 3]; rows: [127, -63.5, -31.75], [254, 1, 3]
  const w = Float32Array.of(127, -63.5, -31.75, 254, 1, 3);

  it('axis 0: one symmetric scale per row (default for int8 weights)', () => {
    const p = perChannelScaleZeroPoint(w, { dims: [2, 3], axis: 0 }, 'int8');
    expect(p.axis).toBe(0);
    expect(Array.from(p.scales)).toEqual([1, 2]);
    expect(Array.from(p.zeroPoints)).toEqual([0, 0]);
  });

  it('axis 1 (and -1): one scale per column', () => {
    const p = perChannelScaleZeroPoint(w, { dims: [2, 3], axis: -1 }, 'int8');
    expect(p.axis).toBe(1);
    expect(Array.from(p.scales)).toEqual([2, 0.5, 0.25]);
  });

  it('uint8 weights default to asymmetric', () => {
    const p = perChannelScaleZeroPoint(Float32Array.of(-1, 3, 0, 2), { dims: [2, 2], axis: 0 }, 'uint8');
    expect(Array.from(p.scales)).toEqual([f32(4 / 255), f32(2 / 255)]);
    expect(Array.from(p.zeroPoints)).toEqual([64, 0]);
  });

  it('rejects a bad axis or shape', () => {
    expect(() => perChannelScaleZeroPoint(w, { dims: [2, 3], axis: 2 }, 'int8')).toThrow(InvalidArgumentError);
    expect(() => perChannelScaleZeroPoint(w, { dims: [2, 2], axis: 0 }, 'int8')).toThrow(InvalidArgumentError);
  });
});
