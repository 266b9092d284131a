import { describe, expect, it } from 'vitest';
import {
  collectorFromJSON,
  createCollector,
  entropyHalfWidth,
  mergeCollectors,
  type CollectorMethod,
  type CollectorOptions,
  type RangeCollector,
} from '../../../src/calibration/collectors/index.js';
import { CalibrationDataError, InvalidArgumentError } from '../../../src/errors.js';
import { batches, gaussian, laplace, uniform } from './helpers.js';

const feed = (c: RangeCollector, data: Float32Array, seed = 1, size = 997) => {
  for (const b of batches(data, seed, size)) c.update(b);
  return c;
};

const roundTrip = (c: RangeCollector) => collectorFromJSON(JSON.parse(JSON.stringify(c.toJSON())));

/** Heavy tails: a Laplace bulk with a few far outliers. */
const heavy = () => {
  const x = laplace(11, 50000, 1);
  x[100] = 60;
  x[200] = -45;
  return x;
};

describe('minmax', () => {
  it('is exact and independent of batching', () => {
    const data = gaussian(1, 10000, 3);
    let min = Infinity;
    let max = -Infinity;
    for (const v of data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(feed(createCollector('minmax'), data).range()).toEqual({ min, max });
    expect(feed(createCollector('minmax'), data, 2, 50).range()).toEqual({ min, max });
  });

  it('ignores NaN and infinities; empty gives {0, 0}', () => {
    const c = createCollector('minmax');
    expect(c.range()).toEqual({ min: 0, max: 0 });
    c.update(Float32Array.of(NaN, -Infinity, 2, -1));
    expect(c.range()).toEqual({ min: -1, max: 2 });
    expect(c.count).toBe(2);
  });

  it('symmetric reports ±max|x|', () => {
    const c = createCollector('minmax', { symmetric: true });
    c.update(Float32Array.of(-1, 3));
    expect(c.range()).toEqual({ min: -3, max: 3 });
  });

  it('moving average (ORT averaging_constant)', () => {
    const c = createCollector('minmax', { movingAverage: true, averagingConstant: 0.5 });
    c.update(Float32Array.of(0, 4));
    c.update(Float32Array.of(-10, 2));
    expect(c.range()).toEqual({ min: -5, max: 3 });
    expect(createCollector('minmax', { movingAverage: true }).toJSON().options['averagingConstant']).toBe(0.01);
    expect(() => createCollector('minmax', { averagingConstant: 2 })).toThrow(InvalidArgumentError);
  });
});

describe('percentile', () => {
  it('symmetric (|x| histogram): 99% of uniform [-1, 1] -> about ±0.99', () => {
    const r = feed(createCollector('percentile', { percentile: 99 }), uniform(2, 200000, -1, 1)).range();
    expect(r.max).toBeCloseTo(0.99, 2);
    expect(r.min).toBeCloseTo(-0.99, 2);
  });

  it('asymmetric: cuts half of the rest from each tail', () => {
    const r = feed(createCollector('percentile', { percentile: 98, symmetric: false }), uniform(3, 200000, 0, 10)).range();
    expect(r.min).toBeGreaterThan(0.05);
    expect(r.min).toBeLessThan(0.15);
    expect(r.max).toBeGreaterThan(9.85);
    expect(r.max).toBeLessThan(9.95);
  });

  it('never exceeds the data range and 100 keeps everything', () => {
    const data = uniform(4, 10000, 0.5, 3);
    const r = feed(createCollector('percentile', { percentile: 100 }), data).range();
    expect(r.min).toBeGreaterThanOrEqual(0.5);
    expect(r.max).toBeLessThanOrEqual(3);
    expect(r.max).toBeGreaterThan(2.99);
  });

  it('clips far outliers of a heavy-tailed distribution', () => {
    const r = feed(createCollector('percentile', { percentile: 99.9 }), heavy()).range();
    expect(r.max).toBeGreaterThan(5);
    expect(r.max).toBeLessThan(12);
  });
});

describe('entropy', () => {
  it('clips a heavy-tailed distribution well below its max', () => {
    const r = feed(createCollector('entropy'), heavy()).range();
    expect(r.max).toBeLessThan(30);
    expect(r.max).toBeGreaterThan(3);
    expect(r.min).toBeLessThan(-3);
  });

  it('keeps most of a uniform range', () => {
    const r = feed(createCollector('entropy'), uniform(5, 100000, -1, 1)).range();
    expect(r.max).toBeGreaterThan(0.8);
    expect(r.min).toBeLessThan(-0.8);
  });

  it('16-bit targets: levels capped at the bins, so the full range is kept', () => {
    const r8 = feed(createCollector('entropy'), heavy()).range();
    const r16 = feed(createCollector('entropy', { bits: 16 }), heavy()).range();
    expect(r16.max).toBeGreaterThan(r8.max);
    expect(r16).toEqual({ min: -45, max: 60 });
    expect(createCollector('entropy', { bits: 16 }).toJSON().options).toEqual({ bits: 16, numBins: 2048, numQuantizedBins: 2048 });
    expect(createCollector('entropy').toJSON().options).toEqual({ bits: 8, numBins: 2048, numQuantizedBins: 128 });
  });

  it('entropyHalfWidth: an all-central histogram picks the narrowest candidate', () => {
    const counts = new Float64Array(64);
    counts[31] = 10;
    counts[32] = 10;
    expect(entropyHalfWidth(counts, 8)).toBe(4);
  });
});

describe('mse', () => {
  it('clips the tails of a Laplace distribution (optimum ~9.9b at 8 bits, ~5b at 4 bits)', () => {
    const data = laplace(13, 200000, 1);
    let max = 0;
    for (const v of data) max = Math.max(max, Math.abs(v));
    const r8 = feed(createCollector('mse', { symmetric: true }), data).range();
    expect(r8.max).toBeLessThan(max);
    expect(r8.max).toBeGreaterThan(7);
    const r4 = feed(createCollector('mse', { symmetric: true, bits: 4 }), data).range();
    expect(r4.max).toBeGreaterThan(4);
    expect(r4.max).toBeLessThan(6.5);
  });

  it('keeps (nearly) the full range of a uniform distribution and at 16 bits', () => {
    const r = feed(createCollector('mse'), uniform(6, 100000, -1, 3)).range();
    expect(r.max).toBeGreaterThan(2.9);
    expect(r.min).toBeLessThan(-0.95);
    const r16 = feed(createCollector('mse', { bits: 16 }), heavy()).range();
    expect(r16.max).toBeGreaterThan(50);
  });

  it('keeps a one-sided (post-ReLU) range one-sided', () => {
    const data = Float32Array.from(laplace(12, 20000), (v) => Math.max(0, v));
    const r = feed(createCollector('mse'), data).range();
    expect(r.min).toBe(0);
    expect(r.max).toBeGreaterThan(2);
  });
});

describe('all collectors', () => {
  const methods: [CollectorMethod, CollectorOptions][] = [
    ['minmax', {}],
    ['minmax', { movingAverage: true }],
    ['percentile', { percentile: 99.9 }],
    ['percentile', { symmetric: false }],
    ['entropy', {}],
    ['mse', { symmetric: true }],
  ];

  it.each(methods)('%s %j: JSON round trip keeps the range and the state', (method, options) => {
    const c = feed(createCollector(method, options), gaussian(21, 20000, 2));
    const back = roundTrip(c);
    expect(back.method).toBe(method);
    expect(back.range()).toEqual(c.range());
    expect(back.count).toBe(c.count);
    const more = gaussian(22, 5000, 5);
    c.update(more);
    back.update(more);
    expect(back.range()).toEqual(c.range());
  });

  it.each(methods.filter(([, o]) => !o.movingAverage))('%s %j: merging equals collecting everything in one', (method, options) => {
    const a = gaussian(31, 10000, 1);
    const b = gaussian(32, 10000, 4);
    const ca = feed(createCollector(method, options), a);
    const cb = feed(createCollector(method, options), b);
    const both = feed(feed(createCollector(method, options), a), b);
    const merged = mergeCollectors([ca, cb]);
    expect(merged.range()).toEqual(both.range());
    expect(merged.count).toBe(20000);
    expect(ca.count).toBe(10000); // inputs untouched
  });

  it('empty and all-zero collectors give {0, 0}', () => {
    for (const [method, options] of methods) {
      const c = createCollector(method, options);
      expect(c.range()).toEqual({ min: 0, max: 0 });
      c.update(new Float32Array(10));
      expect(c.range()).toEqual({ min: 0, max: 0 });
    }
  });

  it('refuses to merge different kinds or options', () => {
    expect(() => createCollector('entropy').merge(createCollector('mse'))).toThrow(InvalidArgumentError);
    expect(() => createCollector('percentile').merge(createCollector('percentile', { percentile: 99 }))).toThrow(InvalidArgumentError);
    expect(() => createCollector('minmax').merge(createCollector('minmax', { symmetric: true }))).toThrow(InvalidArgumentError);
  });

  it('validates options and saved data', () => {
    expect(() => createCollector('entropy', { numBins: 1000 })).toThrow(InvalidArgumentError);
    expect(() => createCollector('percentile', { percentile: 0 })).toThrow(InvalidArgumentError);
    expect(() => createCollector('nope' as CollectorMethod)).toThrow(InvalidArgumentError);
    expect(() => collectorFromJSON({ format: 'other' })).toThrow(CalibrationDataError);
    expect(() => collectorFromJSON({ format: 'mixq-collector', version: 1, method: 'entropy', options: {} })).toThrow(CalibrationDataError);
    const saved = createCollector('entropy').toJSON();
    expect(() => collectorFromJSON({ ...saved, options: { numBins: 4096 } })).toThrow(InvalidArgumentError);
  });
});
