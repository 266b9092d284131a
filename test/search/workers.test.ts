import { describe, expect, it } from 'vitest';
import { autoMixedPrecision } from '../../src/api/auto-mixed-precision.js';
import { loadModel } from '../../src/onnx/index.js';
import { calibSource, MODELS } from './helpers.js';

describe('sensitivity in worker threads', () => {
  it('gives exactly the sensitivities of the in-thread pass, with the same evaluation count', async () => {
    const model = await loadModel(`${MODELS}/fashion-resnet.onnx`);
    const base = { batchSize: 128, target: { kind: 'metric' as const, metric: 'l2' as const, threshold: 0.14 }, maxEvaluations: 40 };
    const inThread = await autoMixedPrecision(model, { ...base, calibration: await calibSource() });
    const inWorkers = await autoMixedPrecision(model, { ...base, calibration: await calibSource(), workers: 2 });
    expect(inWorkers.layers.map((l) => [l.name, l.sensitivity])).toEqual(inThread.layers.map((l) => [l.name, l.sensitivity]));
    expect(inWorkers.sensitivityEvaluations).toBe(inThread.sensitivityEvaluations);
    expect(inWorkers.layers.map((l) => l.precision)).toEqual(inThread.layers.map((l) => l.precision));
  });
});
