import { describe, expect, it } from 'vitest';
import { StreamingHistogram } from '../../../src/calibration/collectors/index.js';
import { CalibrationDataError, InvalidArgumentError } from '../../../src/errors.js';
import { batches, gaussian, uniform } from './helpers.js';

const total = (h: StreamingHistogram) => h.histogram.reduce((a, b) => a + b, 0);

describe('StreamingHistogram', () => {
  it('sets T to the smallest power of two above max|x| and bins exactly', () => {
    const h = new StreamingHistogram('signed', 16);
    h.update(Float32Array.of(-0.75, 0, 0.1, 0.9));
    expect(h.halfRange).toBe(1);
    expect(h.binWidth).toBe(0.125);
    const counts = Array.from(h.histogram);
    expect(counts[2]).toBe(1); // -0.75 in [-0.75, -0.625)
    expect(counts[8]).toBe(2); // 0 and 0.1 in [0, 0.125)
    expect(counts[15]).toBe(1); // 0.9
    expect(h.zeros).toBe(1);
    h.update(Float32Array.of(1)); // exactly T: T doubles
    expect(h.halfRange).toBe(2);
  });

  it('keeps every count when the range grows (pairs of bins merge)', () => {
    const h = new StreamingHistogram('signed', 64);
    h.update(uniform(1, 1000, -1, 1));
    const before = total(h);
    h.update(Float32Array.of(37.5, -3));
    expect(h.halfRange).toBe(64);
    expect(total(h)).toBe(before + 2);
    expect(h.count).toBe(1002);
    expect(h.min).toBe(-3);
    expect(h.max).toBe(37.5);
  });

  it.each(['signed', 'abs'] as const)('%s: a stream of batches equals one batch, whatever the split', (mode) => {
    // Growing magnitudes force several re-binnings along the way.
    const data = Float32Array.from(gaussian(7, 20000), (v, i) => v * (1 + i / 2000));
    const whole = new StreamingHistogram(mode, 2048);
    whole.update(data);
    for (const seed of [1, 2]) {
      const streamed = new StreamingHistogram(mode, 2048);
      for (const b of batches(data, seed, 700)) streamed.update(b);
      expect(streamed.toJSON()).toEqual(whole.toJSON());
    }
    expect(total(whole)).toBe(20000);
  });

  it('memory is fixed: the bin count never changes', () => {
    const h = new StreamingHistogram('abs', 128);
    for (let i = 0; i < 50; i++) h.update(uniform(i, 100, -(2 ** i), 2 ** i));
    expect(h.histogram.length).toBe(128);
    expect(total(h)).toBe(5000);
  });

  it('merges exactly', () => {
    const a = uniform(3, 5000, -2, 1);
    const b = uniform(4, 5000, -40, 9);
    const ha = new StreamingHistogram('signed', 256);
    const hb = new StreamingHistogram('signed', 256);
    const hab = new StreamingHistogram('signed', 256);
    ha.update(a);
    hb.update(b);
    hab.update(a);
    hab.update(b);
    ha.merge(hb);
    expect(ha.toJSON()).toEqual(hab.toJSON());
  });

  it('holds zeros until a range exists; skips NaN and infinities', () => {
    const h = new StreamingHistogram('signed', 16);
    h.update(Float32Array.of(0, 0, NaN, Infinity));
    expect(h.halfRange).toBe(0);
    expect(h.count).toBe(2);
    h.update(Float32Array.of(0.5));
    expect(h.histogram[8]).toBe(2);
    expect(total(h)).toBe(3);
  });

  it('round-trips through JSON', () => {
    const h = new StreamingHistogram('abs', 512);
    h.update(gaussian(9, 3000));
    const back = StreamingHistogram.fromJSON(JSON.parse(JSON.stringify(h.toJSON())));
    expect(back.toJSON()).toEqual(h.toJSON());
    expect(Array.from(back.histogram)).toEqual(Array.from(h.histogram));
  });

  it('rejects bad bin counts and bad saved data', () => {
    expect(() => new StreamingHistogram('signed', 1000)).toThrow(InvalidArgumentError);
    expect(() => new StreamingHistogram('signed', 8)).toThrow(InvalidArgumentError);
    const json = new StreamingHistogram('signed', 16).toJSON();
    expect(() => StreamingHistogram.fromJSON({ ...json, offset: 10, counts: [1, 2, 3, 4, 5, 6, 7] })).toThrow(CalibrationDataError);
    expect(() => StreamingHistogram.fromJSON({ ...json, counts: [-1] })).toThrow(CalibrationDataError);
    expect(() => new StreamingHistogram('signed', 16).merge(new StreamingHistogram('abs', 16))).toThrow(InvalidArgumentError);
  });
});
