/**
 * Sensitivity on a subset of the calibration samples (the default 'bisect' strategy ranks layers on
 * an eighth of them, at least 4) against the greedy sweep (Quark's legacy: full-data sensitivity,
 * narrow until the first failure), at relative-L2 targets a quarter, half and three quarters of the
 * way from the wide model to every group A8W8: INT8 groups, evaluations and wall time of 4 samples,
 * the default, all samples and greedy, and the Spearman rank correlation of the default's
 * sensitivities with the full-data ones. At the halfway target also the default with 2 workers.
 * Run: npx tsx bench/sensitivity-subset.ts [model]  →  bench/results/sensitivity-subset.json
 */
import { writeFileSync } from 'node:fs';
import { autoMixedPrecision, type AutoMixedPrecisionOptions, type AutoMixedPrecisionResult } from '../src/api/auto-mixed-precision.js';
import { fashionCase, fixtureCase, type BenchCase } from './cases.js';
import { detectorLike, recognizerLike, resnet50Like, transformerEncoderLike } from '../test/fixtures/exports/index.js';
import { spearman } from './stats.js';

const only = process.argv[2];
const cases: BenchCase[] = [
  fashionCase('fashion-resnet', 64),
  fixtureCase('recognizerLike-test', () => recognizerLike({ size: 'test' }), 32, 8),
  fashionCase('fashion-vit', 64),
  fixtureCase('detectorLike', () => detectorLike(), 16, 4),
  fixtureCase('transformerLike-test', () => transformerEncoderLike(), 32, 8),
  fixtureCase('resnet50Like-test', () => resnet50Like(), 16, 8),
].filter((c) => !only || c.name === only);

const results = [];
for (const c of cases) {
  const model = await c.model();
  const base = { batchSize: c.batchSize, latencyRuns: 0 };
  const all = await autoMixedPrecision(model, { ...base, calibration: await c.source(), target: { kind: 'count', layers: 100_000 } });
  for (const way of [0.25, 0.5, 0.75]) {
    const threshold = all.baseline.wide.relativeL2 + way * (all.final.relativeL2 - all.baseline.wide.relativeL2);
    const target = { kind: 'metric' as const, metric: 'relative-l2' as const, threshold };
    const row: Record<string, unknown> = { model: c.name, groups: all.layers.length, way, threshold: Number(threshold.toPrecision(4)) };
    const runs: Record<string, AutoMixedPrecisionResult> = {};
    const variants: [string, Partial<AutoMixedPrecisionOptions>][] = [
      ['samples4', { sensitivitySamples: 4 }],
      ['default', {}],
      ...(way === 0.5 ? [['defaultWorkers2', { workers: 2 }] as [string, Partial<AutoMixedPrecisionOptions>]] : []),
      ['fullSensitivity', { sensitivitySamples: 0 }],
      ['greedy', { strategy: 'greedy' }],
    ];
    for (const [label, extra] of variants) {
      const t0 = Date.now();
      const r = await autoMixedPrecision(model, { ...base, ...extra, calibration: await c.source(), target });
      const seconds = (Date.now() - t0) / 1000;
      runs[label] = r;
      row[label] = {
        met: r.met,
        evaluations: r.evaluations,
        sensitivitySamples: r.sensitivitySamples,
        searchEvaluations: r.searchEvaluations,
        looks: r.looks,
        retried: r.retried,
        int8Groups: r.layers.filter((l) => l.precision === 'int8').length,
        seconds: Number(seconds.toFixed(2)),
      };
    }
    const sens = (r: AutoMixedPrecisionResult) => r.layers.map((l) => l.sensitivity);
    const int8 = (k: string) => (row[k] as { int8Groups: number }).int8Groups;
    row['spearmanDefaultVsFull'] = Number(spearman(sens(runs['default']!), sens(runs['greedy']!)).toFixed(4));
    row['defaultInt8MinusGreedy'] = int8('default') - int8('greedy');
    row['wallRatioDefaultOverGreedy'] = Number(((row['default'] as { seconds: number }).seconds / (row['greedy'] as { seconds: number }).seconds).toFixed(3));
    console.log(JSON.stringify(row));
    results.push(row);
  }
}
writeFileSync(new URL(`./results/sensitivity-subset${only ? `-${only}` : ''}.json`, import.meta.url), `${JSON.stringify({ generated: new Date().toISOString(), results }, null, 2)}\n`);
