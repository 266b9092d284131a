/**
 * The optimistic first try (every group narrowed, one evaluation) against the search without it,
 * at a relative-L2 target that all-narrowed just meets (1 % above its error): evaluations, wall time
 * and INT8 groups, on the fashion model and the export fixtures.
 * Run: npx tsx bench/optimistic.ts  →  bench/results/optimistic.json
 */
import { writeFileSync } from 'node:fs';
import { autoMixedPrecision } from '../src/api/auto-mixed-precision.js';
import { fashionCase, fixtureCase, type BenchCase } from './cases.js';
import { detectorLike, recognizerLike, transformerEncoderLike } from '../test/fixtures/exports/index.js';

const cases: BenchCase[] = [
  fashionCase('fashion-resnet', 128),
  fixtureCase('recognizerLike', () => recognizerLike(), 16, 8),
  fixtureCase('detectorLike', () => detectorLike(), 8, 4),
  fixtureCase('transformerEncoderLike', () => transformerEncoderLike(), 16, 8),
];

const results = [];
for (const c of cases) {
  const model = await c.model();
  const base = { batchSize: c.batchSize, latencyRuns: 0 };
  // Every group narrowed, measured once (count target over all groups).
  const all = await autoMixedPrecision(model, { ...base, calibration: await c.source(), target: { kind: 'count', layers: 100_000 } });
  const threshold = all.final.relativeL2 * 1.01;
  const target = { kind: 'metric' as const, metric: 'relative-l2' as const, threshold };
  const row: Record<string, unknown> = { model: c.name, groups: all.layers.length, threshold: Number(threshold.toPrecision(4)) };
  for (const optimistic of [true, false]) {
    const t0 = Date.now();
    const r = await autoMixedPrecision(model, { ...base, calibration: await c.source(), target, optimistic });
    row[optimistic ? 'optimistic' : 'without'] = {
      met: r.met,
      evaluations: r.evaluations,
      sensitivityEvaluations: r.sensitivityEvaluations,
      int8Groups: r.layers.filter((l) => l.precision === 'int8').length,
      seconds: Number(((Date.now() - t0) / 1000).toFixed(1)),
    };
  }
  console.log(JSON.stringify(row));
  results.push(row);
}
writeFileSync(new URL('./results/optimistic.json', import.meta.url), `${JSON.stringify({ generated: new Date().toISOString(), results }, null, 2)}\n`);
