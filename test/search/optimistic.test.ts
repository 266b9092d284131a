/**
 * Fewer evaluations: the every-group-narrowed candidate is tried before any sensitivity. When it
 * meets the target the search is over after that one evaluation; when it misses, the search goes on
 * as before (and that candidate is not measured twice).
 */
import { describe, expect, it } from 'vitest';
import { autoMixedPrecision } from '../../src/api/auto-mixed-precision.js';
import { buildAutoReport } from '../../src/report/auto-report.js';
import { formatAutoReport } from '../../src/report/format-auto-report.js';
import type { Model } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import { calibSource, MODELS } from './helpers.js';
import { expectRebuildsSameModel, l2Between } from './rebuild.js';

async function run(model: Model, threshold: number) {
  return autoMixedPrecision(model, { calibration: await calibSource(), batchSize: 128, latencyRuns: 0, target: { kind: 'metric', metric: 'l2', threshold } });
}

describe('the optimistic candidate', () => {
  it('meets a loose target in one search evaluation, with no sensitivity pass', async () => {
    const model = await loadModel(`${MODELS}/fashion-resnet.onnx`);
    // Every group narrowed gives L2 ≈ 0.19 on this model.
    const r = await run(model, 0.25);
    expect(r.optimistic).toBe('met');
    expect(r.met).toBe(true);
    expect(r.layers.every((l) => l.precision === 'int8')).toBe(true);
    expect(r.layers.every((l) => Number.isNaN(l.sensitivity))).toBe(true);
    expect(r.sensitivityEvaluations).toBe(0);
    // The float reference, the wide model, the optimistic candidate.
    expect(r.evaluations).toBe(3);
    expect(r.message).toContain(`Narrowed ${r.layers.length} of ${r.layers.length}`);
    expect(r.final.l2).toBeLessThanOrEqual(0.25);
    expect(await l2Between(r.model, model)).toBeCloseTo(r.final.l2, 6);
    await expectRebuildsSameModel(model, r, { activationType: 'int16', weightType: 'int8' });
    const text = formatAutoReport(buildAutoReport(r, { kind: 'metric', metric: 'l2', threshold: 0.25 }));
    expect(text).toContain('3 model runs over the calibration data (1 optimistic (every group narrowed: met), 0 sensitivity, 0 search, 2 reference/baseline)');
  });

  it('misses a tight target and costs exactly one evaluation more than the search without it', async () => {
    const model = await loadModel(`${MODELS}/fashion-resnet.onnx`);
    const r = await run(model, 0.14);
    expect(r.optimistic).toBe('missed');
    expect(r.met).toBe(true);
    expect(r.final.l2).toBeLessThanOrEqual(0.14);
    expect(r.layers.some((l) => l.precision === 'int16')).toBe(true);
    expect(r.sensitivityEvaluations).toBe(r.layers.length);
    // Reference + wide + optimistic + sensitivity + search: nothing is measured twice.
    expect(r.evaluations).toBe(3 + r.sensitivityEvaluations + r.searchEvaluations);
    // Its missed measurement anchors the looks that guide the bisection (they count among the search's evaluations).
    expect(r.looks).toBeGreaterThanOrEqual(2);
    expect(r.looks).toBeLessThan(r.searchEvaluations);
    const text = formatAutoReport(buildAutoReport(r, { kind: 'metric', metric: 'l2', threshold: 0.14 }));
    expect(text).toContain(`${r.searchEvaluations} search (${r.looks} of them looks on the first samples)`);
  });
});
