import { describe, expect, it } from 'vitest';
import { autoMixedPrecision } from '../../src/api/auto-mixed-precision.js';
import { loadModel } from '../../src/onnx/index.js';
import { calibSource, MODELS } from './helpers.js';

describe("count target (Quark's NumTarget) and the kl / psnr metrics", () => {
  it('narrows exactly the N least sensitive groups with one measurement after sensitivity', async () => {
    const model = await loadModel(`${MODELS}/fashion-resnet.onnx`);
    const r = await autoMixedPrecision(model, { calibration: await calibSource(), batchSize: 128, target: { kind: 'count', layers: 5 } });
    expect(r.met).toBe(true);
    const narrowed = r.layers.filter((l) => l.precision === 'int8');
    expect(narrowed).toHaveLength(5);
    const cutoff = Math.max(...narrowed.map((l) => l.sensitivity));
    for (const l of r.layers.filter((x) => x.precision !== 'int8')) expect(l.sensitivity).toBeGreaterThanOrEqual(cutoff);
    expect(r.searchEvaluations).toBe(1);
    expect(r.evaluations).toBe(2 + r.layers.length + 1);
  });

  it('a kl target is met and ranks by kl', async () => {
    const model = await loadModel(`${MODELS}/fashion-resnet.onnx`);
    // Between the wide model (~5e-5) and everything narrowed (~1.6e-4) on this model.
    const r = await autoMixedPrecision(model, { calibration: await calibSource(), batchSize: 128, target: { kind: 'metric', metric: 'kl', threshold: 1e-4 } });
    expect(r.sensitivityMetric).toBe('kl');
    expect(r.met).toBe(true);
    expect(r.final.kl).toBeLessThanOrEqual(1e-4);
    expect(r.final.kl).toBeGreaterThan(r.baseline.wide.kl);
    const narrowed = r.layers.filter((l) => l.precision === 'int8').length;
    expect(narrowed).toBeGreaterThan(0);
    expect(narrowed).toBeLessThan(r.layers.length);
    expect(Number.isFinite(r.final.psnr)).toBe(true);
    expect(r.final.psnr).toBeGreaterThan(r.final.sqnr - 30);
  });
});
