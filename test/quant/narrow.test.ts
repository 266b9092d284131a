import { describe, expect, it } from 'vitest';
import { mapQuantizedValue, requantizeValues, rescaleChannelsForNarrow, rescaleForNarrow } from '../../src/quant/index.js';

const f32 = Math.fround;

describe('rescaleForNarrow (Quark legacy narrowing)', () => {
  it('scale x srcRange / dstRange, in float32', () => {
    const s = f32(0.001);
    expect(rescaleForNarrow(s, 0, 'int16', 'int8')).toEqual({ scale: f32(f32(s * 65535) / 255), zeroPoint: 0 });
  });

  it('maps zero points proportionally (round half to even)', () => {
    // int16 0 -> (0 + 32768) x 255/65535 - 128 = -0.498 -> 0
    expect(mapQuantizedValue(0, 'int16', 'int8')).toBe(0);
    // uint16 32767 -> 127.498 -> 127; 32768 -> 127.502 -> 128
    expect(mapQuantizedValue(32767, 'uint16', 'uint8')).toBe(127);
    expect(mapQuantizedValue(32768, 'uint16', 'uint8')).toBe(128);
    expect(mapQuantizedValue(-32768, 'int16', 'int8')).toBe(-128);
    expect(mapQuantizedValue(32767, 'int16', 'int8')).toBe(127);
    expect(mapQuantizedValue(65535, 'uint16', 'uint8')).toBe(255);
  });

  it('keeps power-of-two scales powers of two', () => {
    // 2^-10 x 65535 / 255 = 2^-10 x 257 ~ 2^-1.995 -> 2^-2
    expect(rescaleForNarrow(2 ** -10, 0, 'int16', 'int8').scale).toBe(0.25);
  });

  it('the narrowed pair covers about the same float range', () => {
    const wide = { scale: f32(6 / 65535), zeroPoint: -21845 }; // int16 over about [-2, 4]
    const narrow = rescaleForNarrow(wide.scale, wide.zeroPoint, 'int16', 'int8');
    const lo = (-128 - narrow.zeroPoint) * narrow.scale;
    const hi = (127 - narrow.zeroPoint) * narrow.scale;
    expect(lo).toBeCloseTo((-32768 - wide.zeroPoint) * wide.scale, 1);
    expect(hi).toBeCloseTo((32767 - wide.zeroPoint) * wide.scale, 1);
  });

  it('same type is the identity; per-channel and data versions', () => {
    expect(rescaleForNarrow(0.5, 3, 'int8', 'int8')).toEqual({ scale: 0.5, zeroPoint: 3 });
    const r = rescaleChannelsForNarrow([f32(0.001), f32(0.002)], [0, 0], 'int16', 'int8');
    expect(Array.from(r.zeroPoints)).toEqual([0, 0]);
    expect(r.scales[1]).toBe(f32(f32(f32(0.002) * 65535) / 255));
    expect(Array.from(requantizeValues(Int16Array.of(-32768, 0, 32767), 'int16', 'int8'))).toEqual([-128, 0, 127]);
  });

  it('rejects a bad scale', () => {
    expect(() => rescaleForNarrow(0, 0, 'int16', 'int8')).toThrow();
  });
});
