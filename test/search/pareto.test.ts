/**
 * Issue 12: every evaluated candidate is a point of (distance to the target, bytes); the front's
 * points get a latency measured in the same run, and the objective picks among the passing ones.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { autoMixedPrecision, type AutoMixedPrecisionResult } from '../../src/api/auto-mixed-precision.js';
import { serializeModel } from '../../src/onnx/index.js';
import { buildAutoReport, parseAutoReport } from '../../src/report/auto-report.js';
import { paretoFront, spread, type Point } from '../../src/search/pareto.js';
import { detectorLike } from '../fixtures/exports/index.js';
import { expectRebuildsSameModel } from './rebuild.js';

const fx = detectorLike();
const target = { kind: 'metric', metric: 'relative-l2', threshold: 0.006 } as const;
const run = (objective: 'int8' | 'size' | 'latency') =>
  autoMixedPrecision(fx.build(), { calibration: fx.source(4), target, objective, latencyRuns: 5, maxEvaluations: 80 });
const mapKey = (p: { precisionMap: unknown }) => JSON.stringify(p.precisionMap);

describe('Pareto front and objectives (detector-like)', () => {
  let int8: AutoMixedPrecisionResult;
  let latency: AutoMixedPrecisionResult;
  let size: AutoMixedPrecisionResult;
  beforeAll(async () => {
    int8 = await run('int8');
    latency = await run('latency');
    size = await run('size');
  }, 180_000);

  it('records every evaluated candidate with its bytes, and times ≥ 3 front points', () => {
    // Every candidate the search measured is a point (not the float reference, not the one-layer sensitivity probes).
    expect(int8.pareto.length).toBe(int8.evaluations - 1 - int8.sensitivityEvaluations);
    const timed = int8.pareto.filter((p) => p.latencyMs !== undefined);
    expect(timed.length).toBeGreaterThanOrEqual(3);
    expect(timed.length).toBeLessThanOrEqual(6);
    for (const p of timed) expect(p.front).toBe(true);
    // The returned model is the chosen point, byte for byte.
    const chosen = int8.pareto.filter((p) => p.chosen);
    expect(chosen).toHaveLength(1);
    expect(chosen[0]!.bytes).toBe(serializeModel(int8.model)!.byteLength);
    expect(chosen[0]!.metrics.relativeL2).toBe(int8.final.relativeL2);
    expect(int8.objective).toBe('int8');
    // No point off the front beats a front point on both bytes and error.
    const front = int8.pareto.filter((p) => p.front);
    for (const p of int8.pareto.filter((q) => !q.front)) {
      expect(front.some((f) => f.bytes <= p.bytes && f.metrics.relativeL2 <= p.metrics.relativeL2)).toBe(true);
    }
  });

  it("objective 'latency' returns a model no slower than the int8 pick, by the run's own figures", () => {
    expect(latency.objective).toBe('latency');
    expect(latency.met).toBe(true);
    const chosen = latency.pareto.find((p) => p.chosen)!;
    // The int8 run's pick is measured in the latency run too (same deterministic search).
    const int8Pick = latency.pareto.find((p) => mapKey(p) === mapKey(int8.pareto.find((q) => q.chosen)!))!;
    expect(int8Pick.latencyMs).toBeDefined();
    expect(chosen.latencyMs).toBeDefined();
    expect(chosen.latencyMs!).toBeLessThanOrEqual(int8Pick.latencyMs!);
    for (const p of latency.pareto) if (p.met && p.latencyMs !== undefined) expect(chosen.latencyMs!).toBeLessThanOrEqual(p.latencyMs);
    expect(latency.final.relativeL2).toBeLessThanOrEqual(0.006);
  });

  it("objective 'size' returns the smallest candidate that meets the target", () => {
    const passing = size.pareto.filter((p) => p.met);
    const smallest = Math.min(...passing.map((p) => p.bytes));
    expect(size.pareto.find((p) => p.chosen)!.bytes).toBe(smallest);
    expect(serializeModel(size.model)!.byteLength).toBe(smallest);
    expect(size.final.relativeL2).toBeLessThanOrEqual(0.006);
  });

  it('the latency pick rebuilds from its map', async () => {
    await expectRebuildsSameModel(fx.build(), latency, { activationType: 'int16', weightType: 'int8' });
  });

  it('goes into the report as JSON and reads back', () => {
    const report = parseAutoReport(JSON.parse(JSON.stringify(buildAutoReport(latency, target))), 'report.json');
    expect(report.objective).toBe('latency');
    expect(report.pareto!.length).toBe(latency.pareto.length);
    expect(report.pareto!.filter((p) => p.latencyMs !== undefined).length).toBeGreaterThanOrEqual(3);
    expect(report.layers.filter((l) => l.weight === 'int16').length).toBe(latency.layers.filter((l) => l.weight === 'int16').length);
    expect(report.layers.every((l) => l.activation !== undefined && l.weight !== undefined)).toBe(true);
  });
});

describe('paretoFront / spread', () => {
  const pt = (bytes: number, badness: number): Point => ({ bytes, badness, key: `${bytes}/${badness}`, trial: undefined as never });
  it('keeps the points no other beats on both, smallest first', () => {
    const points = [pt(10, 5), pt(12, 5), pt(12, 3), pt(20, 1), pt(25, 2), pt(30, 0)];
    expect(paretoFront(points).map((p) => p.key)).toEqual(['10/5', '12/3', '20/1', '30/0']);
  });
  it('spreads a long front over at most 6 points, both ends kept', () => {
    const front = Array.from({ length: 11 }, (_, i) => pt(i, 10 - i));
    expect(spread(front).map((p) => p.bytes)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(spread(front.slice(0, 4))).toHaveLength(4);
  });
});
