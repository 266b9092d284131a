import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat32,
  bfloat16BitToFloat32,
  fitsFloat16,
  float16BitsToFloat32,
  float16BitToFloat32,
  float32ToBfloat16Bit,
  float32ToBfloat16Bits,
  float32ToFloat16Bit,
  float32ToFloat16Bits,
  roundToBfloat16,
  roundToFloat16,
  roundTripFloat16,
} from '../../src/quant/index.js';

const fromBits = (b: number) => new Float32Array(Uint32Array.of(b).buffer)[0]!;
const isHalfNaN = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;

describe('float16', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65519, 0x7bff], // below the midpoint to 65536
    [65520, 0x7c00], // the midpoint: ties to even overflow to infinity
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [5.96e-8, 0x0001], // nearest subnormal is 2^-24
    [2 ** -24, 0x0001],
    [2 ** -25, 0x0000], // half of the smallest subnormal: tie to even -> 0
    [1.5 * 2 ** -25, 0x0001],
    [1.5 * 2 ** -24, 0x0002], // subnormal tie -> even
    [2.5 * 2 ** -24, 0x0002],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -14 - 2 ** -25, 0x0400], // rounds up from the subnormals into the normals
    [1 + 2 ** -11, 0x3c00], // tie between 0x3c00 and 0x3c01 -> even
    [1 + 3 * 2 ** -11, 0x3c02], // tie between 0x3c01 and 0x3c02 -> even
    [0.1, 0x2e66],
    [1 / 3, 0x3555],
    [0, 0x0000],
    [-0, 0x8000],
  ])('%d -> %s', (x, bits) => {
    expect(float32ToFloat16Bit(x)).toBe(bits);
  });

  it('keeps NaN a NaN, with its sign', () => {
    expect(isHalfNaN(float32ToFloat16Bit(NaN))).toBe(true);
    expect(isHalfNaN(float32ToFloat16Bit(fromBits(0xff800001)))).toBe(true); // a signalling NaN with a low payload
    expect(float32ToFloat16Bit(fromBits(0xffc00000)) & 0x8000).toBe(0x8000);
    expect(float16BitToFloat32(0x7e00)).toBeNaN();
  });

  it('decodes exactly', () => {
    expect(float16BitToFloat32(0x3c00)).toBe(1);
    expect(float16BitToFloat32(0x7bff)).toBe(65504);
    expect(float16BitToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitToFloat32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(float16BitToFloat32(0x3555)).toBe(0.333251953125);
    expect(Object.is(float16BitToFloat32(0x8000), -0)).toBe(true);
    expect(float16BitToFloat32(0xfc00)).toBe(-Infinity);
  });

  it('every finite half pattern round-trips', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const back = float32ToFloat16Bits(float16BitsToFloat32(all));
    for (let h = 0; h < 65536; h++) {
      if (isHalfNaN(h)) expect(isHalfNaN(back[h]!)).toBe(true);
      else expect(back[h]).toBe(h);
    }
  });

  it('array helpers, round trip and overflow check', () => {
    expect(Array.from(float32ToFloat16Bits([1, 65504, 1e6]))).toEqual([0x3c00, 0x7bff, 0x7c00]);
    expect(roundToFloat16(0.1)).toBe(float16BitToFloat32(0x2e66));
    expect(Array.from(roundTripFloat16([1, 70000]))).toEqual([1, Infinity]);
    expect(fitsFloat16(Float32Array.of(-65504, 3, 65504))).toBe(true);
    expect(fitsFloat16(Float32Array.of(1, -65505))).toBe(false);
    expect(fitsFloat16(Float32Array.of(NaN, Infinity))).toBe(true); // non-finite values stay themselves
  });
});

describe('bfloat16', () => {
  it.each([
    [1, 0x3f80],
    [-1, 0xbf80],
    [fromBits(0x3f808000), 0x3f80], // tie -> even
    [fromBits(0x3f818000), 0x3f82], // tie -> even (up)
    [fromBits(0x3f808001), 0x3f81], // above the tie
    [fromBits(0x3f807fff), 0x3f80], // below the tie
    [fromBits(0x7f7fffff), 0x7f80], // max float32 rounds to infinity
    [Infinity, 0x7f80],
    [-0, 0x8000],
  ])('%d -> %s', (x, bits) => {
    expect(float32ToBfloat16Bit(x)).toBe(bits);
  });

  it('NaN stays a quiet NaN with its sign', () => {
    const h = float32ToBfloat16Bit(fromBits(0x7f800001)); // payload only in the dropped bits
    expect(Number.isNaN(bfloat16BitToFloat32(h))).toBe(true);
    expect(float32ToBfloat16Bit(fromBits(0xffc00000))).toBe(0xffc0);
  });

  it('decodes and handles arrays', () => {
    expect(bfloat16BitToFloat32(0x3f80)).toBe(1);
    expect(bfloat16BitToFloat32(0xc000)).toBe(-2);
    expect(Array.from(bfloat16BitsToFloat32(float32ToBfloat16Bits([1, -2, 3.140625])))).toEqual([1, -2, 3.140625]);
    expect(roundToBfloat16(fromBits(0x3f818000))).toBe(bfloat16BitToFloat32(0x3f82));
  });
});
