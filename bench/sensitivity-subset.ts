/**
 * Sensitivity on a subset of the calibration samples (the default 'bisect' strategy) against the
 * greedy sweep (Quark's legacy: full-data sensitivity, narrow until the first failure), at a
 * relative-L2 target halfway between the wide model and every group A8W8 (the optimistic try
 * fails): evaluations, wall time, INT8 groups, and the Spearman rank correlation of the subset
 * sensitivities with the full-data ones. Also the default with 2 worker threads.
 * Run: npx tsx bench/sensitivity-subset.ts  →  bench/results/sensitivity-subset.json
 */
import { writeFileSync } from 'node:fs';
import { autoMixedPrecision, type AutoMixedPrecisionOptions, type AutoMixedPrecisionResult } from '../src/api/auto-mixed-precision.js';
import type { CalibrationSource } from '../src/calibration/sources/types.js';
import { npyDirectorySource } from '../src/calibration/sources/npy-directory.js';
import type { Model } from '../src/ir/index.js';
import { loadModel } from '../src/onnx/index.js';
import { detectorLike, recognizerLike } from '../test/fixtures/exports/index.js';
import { spearman } from './stats.js';

interface Case {
  readonly name: string;
  readonly model: () => Promise<Model>;
  readonly source: () => Promise<CalibrationSource>;
  readonly batchSize: number;
}

const only = process.argv[2];
const cases: Case[] = [
  { name: 'fashion-resnet', model: () => loadModel('/work/shared/models/fashion-resnet.onnx'), source: () => npyDirectorySource(new URL('../calib-data/', import.meta.url).pathname), batchSize: 64 },
  { name: 'recognizerLike-test', model: async () => recognizerLike({ size: 'test' }).build(), source: async () => recognizerLike({ size: 'test' }).source(32), batchSize: 8 },
  { name: 'detectorLike', model: async () => detectorLike().build(), source: async () => detectorLike().source(16), batchSize: 4 },
].filter((c) => !only || c.name === only);

const results = [];
for (const c of cases) {
  const model = await c.model();
  const base = { batchSize: c.batchSize, latencyRuns: 0 };
  const all = await autoMixedPrecision(model, { ...base, calibration: await c.source(), target: { kind: 'count', layers: 100_000 } });
  const threshold = (all.final.relativeL2 + all.baseline.wide.relativeL2) / 2;
  const target = { kind: 'metric' as const, metric: 'relative-l2' as const, threshold };
  const row: Record<string, unknown> = { model: c.name, groups: all.layers.length, threshold: Number(threshold.toPrecision(4)) };
  const runs: Record<string, AutoMixedPrecisionResult> = {};
  const variants: [string, Partial<AutoMixedPrecisionOptions>][] = [
    ['default', {}],
    ['defaultWorkers2', { workers: 2 }],
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
      optimistic: r.optimistic,
      evaluations: r.evaluations,
      sensitivityEvaluations: r.sensitivityEvaluations,
      sensitivitySamples: r.sensitivitySamples,
      searchEvaluations: r.searchEvaluations,
      retried: r.retried,
      int8Groups: r.layers.filter((l) => l.precision === 'int8').length,
      seconds: Number(seconds.toFixed(2)),
    };
  }
  const sens = (r: AutoMixedPrecisionResult) => r.layers.map((l) => l.sensitivity);
  row['spearmanSubsetVsFull'] = Number(spearman(sens(runs['default']!), sens(runs['greedy']!)).toFixed(4));
  row['wallRatioDefaultOverGreedy'] = Number(((row['default'] as { seconds: number }).seconds / (row['greedy'] as { seconds: number }).seconds).toFixed(3));
  row['evaluationRatioDefaultOverGreedy'] = Number((runs['default']!.evaluations / runs['greedy']!.evaluations).toFixed(3));
  console.log(JSON.stringify(row));
  results.push(row);
}
writeFileSync(new URL(`./results/sensitivity-subset${only ? `-${only}` : ''}.json`, import.meta.url), `${JSON.stringify({ generated: new Date().toISOString(), results }, null, 2)}\n`);
