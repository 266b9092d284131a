import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoMixedPrecision, type AutoMixedPrecisionResult } from '../../src/api/auto-mixed-precision.js';
import { quantize } from '../../src/api/quantize.js';
import type { Model } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import { averageL2, calibSource, MODELS, top1Evaluator } from './helpers.js';

async function logitsOf(model: Model) {
  const session = await ModelSession.create(model, { optimization: 'disabled' });
  return async (feed: Parameters<ModelSession['run']>[0]) => (await session.run(feed))['logits']!.data as Float32Array;
}

async function l2Between(a: Model, b: Model): Promise<number> {
  return averageL2(await logitsOf(a), await logitsOf(b));
}

for (const name of ['fashion-resnet', 'fashion-vit']) {
  describe(`autoMixedPrecision on ${name} with an L2 target`, () => {
    let model: Model;
    let halfway: number;
    let ours: AutoMixedPrecisionResult;
    let greedy: AutoMixedPrecisionResult;
    let optimistic: AutoMixedPrecisionResult;
    const cacheDir = mkdtempSync(join(tmpdir(), 'mixq-cache-'));

    beforeAll(async () => {
      model = await loadModel(`${MODELS}/${name}.onnx`);
      const calibration = { kind: 'data' as const, source: await calibSource() };
      const a8 = await quantize(model, { calibration, activationType: 'int8' });
      const a16 = await quantize(model, { calibration, activationType: 'int16' });
      const [l8, l16] = [await l2Between(a8.model, model), await l2Between(a16.model, model)];
      expect(l8).toBeGreaterThan(l16);
      halfway = (l8 + l16) / 2;
      const target = { kind: 'metric' as const, metric: 'l2' as const, threshold: halfway };
      // The sensitivity-driven search itself (the optimistic first try, on by default, is compared below).
      ours = await autoMixedPrecision(model, { calibration: await calibSource(), target, batchSize: 64, cacheDir, optimistic: false });
      greedy = await autoMixedPrecision(model, { calibration: await calibSource(), target, batchSize: 64, strategy: 'greedy', cacheDir });
      optimistic = await autoMixedPrecision(model, { calibration: await calibSource(), target, batchSize: 64, latencyRuns: 0 });
    });
    afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

    it('meets the target on the calibration data (measured independently of the search)', async () => {
      expect(ours.met).toBe(true);
      const l2 = await l2Between(ours.model, model);
      expect(l2).toBeLessThanOrEqual(halfway);
      expect(l2).toBeCloseTo(ours.final.l2, 6);
    });

    it('narrows at least as many layers as the Quark-style greedy sweep', () => {
      const narrowed = (r: AutoMixedPrecisionResult) => r.layers.filter((l) => l.precision === 'int8').length;
      expect(narrowed(ours)).toBeGreaterThanOrEqual(narrowed(greedy));
      expect(narrowed(ours)).toBeGreaterThan(0);
    });

    it('spends at most ⌈log2(N+1)⌉ + retried evaluations after sensitivity', () => {
      const n = ours.layers.length;
      // Bisection over N+1 possible prefixes, then one pass per retried group. (⌈log2(N+1)⌉ equals
      // ⌈log2 N⌉ unless N is a power of two: 12 and 26 groups here.)
      expect(ours.searchEvaluations).toBeLessThanOrEqual(Math.ceil(Math.log2(n)) + ours.retried);
      expect(ours.searchEvaluations).toBeLessThan(greedy.searchEvaluations + 1);
      expect(ours.sensitivityEvaluations).toBeLessThanOrEqual(n);
      expect(ours.evaluations).toBeLessThan(2 * n + 3 + 2);
    });

    it('the optimistic first try (default) narrows at least as many layers for at most one evaluation more', async () => {
      const narrowed = (r: AutoMixedPrecisionResult) => r.layers.filter((l) => l.precision === 'int8').length;
      expect(optimistic.met).toBe(true);
      expect(narrowed(optimistic)).toBeGreaterThanOrEqual(narrowed(ours));
      // Full evaluations: at most the optimistic try more. The looks that guide its bisection run on
      // the first samples through one session: at most the two anchors and a bisection of them.
      expect(optimistic.evaluations - optimistic.looks).toBeLessThanOrEqual(ours.evaluations + 1);
      expect(optimistic.looks).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(optimistic.layers.length)));
      expect(ours.looks).toBe(0);
      if (optimistic.optimistic === 'met') expect(optimistic.evaluations).toBe(3);
      expect(await l2Between(optimistic.model, model)).toBeCloseTo(optimistic.final.l2, 6);
    });

    it('keeps subset and full-data sensitivities apart in the cache', () => {
      // The greedy run came second with the same cache; it ranks on all the data (as Quark does),
      // ours on the first eighth (32 of 256): nothing of ours is reused (test/search/sensitivity-subset.test.ts covers reuse).
      expect(ours.sensitivitySamples).toBe(32);
      expect(greedy.sensitivitySamples).toBe(256);
      expect(greedy.cachedSensitivities).toBe(0);
      expect(greedy.sensitivityEvaluations).toBe(greedy.layers.length);
    });

    it('returns a precision map that quantize() turns into the same model', async () => {
      const again = await quantize(model, {
        calibration: { kind: 'ranges', ranges: ours.ranges },
        activationType: 'int16',
        weightType: 'int8',
        mixedPrecisionTensor: ours.mixedPrecisionTensor,
      });
      const l2 = await l2Between(again.model, ours.model);
      expect(l2).toBe(0);
    });

    it('reports per-layer sensitivity and precision', () => {
      for (const layer of ours.layers) {
        expect(Number.isFinite(layer.sensitivity)).toBe(true);
        expect(['int8', 'int16']).toContain(layer.precision);
      }
      const total = Object.values(ours.statistics).reduce((s, r) => s + r.INT8 + r.INT16, 0);
      expect(total).toBeGreaterThan(0);
    });
  });
}

describe('autoMixedPrecision with a top-1 target', () => {
  for (const name of ['fashion-resnet', 'fashion-vit']) {
    it(`${name}: meets a 0.005 absolute drop against float on the shared test subset`, async () => {
      const model = await loadModel(`${MODELS}/${name}.onnx`);
      const evaluate = await top1Evaluator(1000);
      const r = await autoMixedPrecision(model, {
        calibration: await calibSource(),
        batchSize: 64,
        target: { kind: 'top1', maxDrop: 0.005, evaluate, relativeTo: 'float', mode: 'absolute' },
      });
      expect(r.met).toBe(true);
      // Score the returned model independently of the search.
      const session = await ModelSession.create(r.model, { optimization: 'disabled' });
      const score = await evaluate({ inputNames: session.inputNames, outputNames: session.outputNames, run: (f) => session.run(f) });
      expect(score).toBe(r.final.score);
      expect(r.baseline.float! - score).toBeLessThanOrEqual(0.005);
      expect(r.layers.some((l) => l.precision === 'int8')).toBe(true);
    }, 300_000);
  }
});
