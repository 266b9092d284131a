import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autoMixedPrecision } from '../../src/api/auto-mixed-precision.js';
import { quantize } from '../../src/api/quantize.js';
import { iterableSource } from '../../src/calibration/sources/iterable.js';
import type { Feed } from '../../src/calibration/sources/types.js';
import { MixqError } from '../../src/errors.js';
import type { HostTensor } from '../../src/ir/index.js';
import { defaultSensitivitySamples } from '../../src/search/config.js';
import { Evaluator } from '../../src/search/evaluator.js';
import { recognizerLike } from '../fixtures/exports/index.js';

const fixture = recognizerLike({ size: 'test' });
const SAMPLES = 16;

/** The first `keep` samples of one feed, cut by hand (independently of the evaluator's own cutting). */
function firstSamples(feed: Feed, keep: number): Feed {
  return Object.fromEntries(Object.entries(feed).map(([name, t]) => {
    const per = t.data.length / (t.dims[0] ?? 1);
    return [name, { ...t, dims: [keep, ...t.dims.slice(1)], data: t.data.subarray(0, keep * per) } as HostTensor];
  }));
}

describe('sensitivity on a subset of the calibration samples', () => {
  it('compares a candidate on the first n samples only (last batch truncated), as if the data had n samples', async () => {
    const model = fixture.build();
    const source = fixture.source(SAMPLES);
    const candidate = (await quantize(model, { calibration: { kind: 'data', source }, activationType: 'int8' })).model;
    const evaluator = await Evaluator.create(model, { reference: { source, batchSize: 4, outputIndex: 0 } });
    expect(evaluator.samples).toBe(SAMPLES);

    const before = evaluator.batchesRun;
    const subset = await evaluator.tryMetrics({ model: candidate, label: 'A8W8' }, 5);
    // 5 samples in batches of 4: one whole batch and one of a single sample.
    expect(evaluator.batchesRun - before).toBe(2);
    const full = await evaluator.tryMetrics({ model: candidate, label: 'A8W8' });
    expect(evaluator.batchesRun - before).toBe(2 + SAMPLES / 4);

    let whole: Feed | undefined;
    for await (const feed of source.batches(SAMPLES)) whole = feed;
    const five = await iterableSource([firstSamples(whole!, 5)]);
    const alone = await Evaluator.create(model, { reference: { source: five, batchSize: 4, outputIndex: 0 } });
    const expected = await alone.tryMetrics({ model: candidate, label: 'A8W8' });
    if ('rejected' in subset || 'rejected' in expected || 'rejected' in full) throw new Error('the candidate was rejected');
    expect(subset.l2).toBeGreaterThan(0);
    expect(subset.l2).toBeCloseTo(expected.l2, 10);
    expect(subset.relativeL2).toBeCloseTo(expected.relativeL2, 10);
    expect(subset.l2).not.toBeCloseTo(full.l2, 10);
  });

  it('the default is an eighth of the samples, at least 4, never more than there are', () => {
    expect([1, 3, 4, 16, 32, 33, 40, 256, 1000].map(defaultSensitivitySamples)).toEqual([1, 3, 4, 4, 4, 5, 5, 32, 125]);
  });

  const cacheDir = mkdtempSync(join(tmpdir(), 'mixq-subset-cache-'));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('defaults to an eighth of the samples, at least 4, for bisect and all for greedy; the cache keeps them apart', async () => {
    const model = fixture.build();
    const base = { batchSize: 4, latencyRuns: 0, optimistic: false, cacheDir, target: { kind: 'metric' as const, metric: 'l2' as const, threshold: 1e9 } };
    const subset = await autoMixedPrecision(model, { ...base, calibration: fixture.source(SAMPLES) });
    const n = subset.layers.length;
    expect(n).toBeGreaterThan(2);
    expect(subset.sensitivitySamples).toBe(4);
    expect(subset.sensitivityEvaluations).toBe(n);
    expect(subset.cachedSensitivities).toBe(0);

    // All the data (0): a different cache key, so nothing is reused, and different sensitivities.
    const full = await autoMixedPrecision(model, { ...base, calibration: fixture.source(SAMPLES), sensitivitySamples: 0 });
    expect(full.sensitivitySamples).toBe(SAMPLES);
    expect(full.cachedSensitivities).toBe(0);
    expect(full.sensitivityEvaluations).toBe(n);
    expect(full.layers.map((l) => l.sensitivity)).not.toEqual(subset.layers.map((l) => l.sensitivity));

    // Greedy emulates Quark: all the data by default, so it finds the full-data sensitivities cached.
    const greedy = await autoMixedPrecision(model, { ...base, calibration: fixture.source(SAMPLES), strategy: 'greedy' });
    expect(greedy.sensitivitySamples).toBe(SAMPLES);
    expect(greedy.cachedSensitivities).toBe(n);
    expect(greedy.layers.map((l) => l.sensitivity)).toEqual(full.layers.map((l) => l.sensitivity));

    // Asking for as many samples as there are is all the data.
    const asMany = await autoMixedPrecision(model, { ...base, calibration: fixture.source(SAMPLES), sensitivitySamples: SAMPLES + 5 });
    expect(asMany.sensitivitySamples).toBe(SAMPLES);
    expect(asMany.cachedSensitivities).toBe(n);
  }, 120_000);

  it('sensitivities on a subset match in worker threads', async () => {
    const model = fixture.build();
    const base = { batchSize: 4, latencyRuns: 0, optimistic: false, sensitivitySamples: 6, target: { kind: 'metric' as const, metric: 'l2' as const, threshold: 1e9 } };
    const inThread = await autoMixedPrecision(model, { ...base, calibration: fixture.source(SAMPLES), workers: 1 });
    const inWorkers = await autoMixedPrecision(model, { ...base, calibration: fixture.source(SAMPLES), workers: 2 });
    expect(inThread.sensitivitySamples).toBe(6);
    expect(inWorkers.layers.map((l) => [l.name, l.sensitivity])).toEqual(inThread.layers.map((l) => [l.name, l.sensitivity]));
  }, 120_000);

  it('refuses a sample count or retry bound that is not a whole number ≥ 0', async () => {
    const model = fixture.build();
    const base = { batchSize: 4, latencyRuns: 0, calibration: fixture.source(SAMPLES), target: { kind: 'metric' as const, metric: 'l2' as const, threshold: 1 } };
    for (const bad of [{ sensitivitySamples: -1 }, { sensitivitySamples: 2.5 }, { maxConsecutiveRetryFailures: -2 }, { maxConsecutiveRetryFailures: Number.NaN }]) {
      const err = await autoMixedPrecision(model, { ...base, ...bad }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MixqError);
      expect((err as MixqError).code).toBe('INVALID_CONFIG');
      expect((err as MixqError).message).toMatch(/sensitivitySamples|maxConsecutiveRetryFailures/);
    }
  });
});
