/**
 * Issue 12 figures: auto with per-layer weight precision (A16W16 before any float fallback) and the
 * three objectives, on the detector-like export (opset 11, 'test' size) and on fashion-resnet with a
 * target its wide model misses. Writes bench/results/weight-precision.json.
 *   npx tsx bench/weight-precision.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { configTally, costFigures } from './config-tally.js';
import { autoMixedPrecision, type AutoMixedPrecisionOptions } from '../src/api/auto-mixed-precision.js';
import { npyDirectorySource } from '../src/calibration/sources/npy-directory.js';
import type { Model } from '../src/ir/index.js';
import { loadModel } from '../src/onnx/index.js';
import { detectorLike } from '../test/fixtures/exports/index.js';

type Case = { name: string; model: () => Promise<Model>; options: () => Promise<Omit<AutoMixedPrecisionOptions, 'objective'>> };
const fx = detectorLike();
const cases: Case[] = [
  ...[0.006, 0.007].map((threshold) => ({
    name: `detector-like (opset 11), relative-l2 ≤ ${threshold}`,
    model: async () => fx.build(),
    options: async () => ({ calibration: fx.source(4), target: { kind: 'metric', metric: 'relative-l2', threshold } as const, latencyRuns: 20 }),
  })),
  {
    name: 'fashion-resnet, l2 ≤ 0.07',
    model: () => loadModel('/work/shared/models/fashion-resnet.onnx'),
    options: async () => ({ calibration: await npyDirectorySource(new URL('../calib-data/', import.meta.url).pathname), target: { kind: 'metric', metric: 'l2', threshold: 0.07 } as const, latencyRuns: 20 }),
  },
];

const results: unknown[] = [];
for (const c of cases) {
  for (const objective of ['int8', 'size', 'latency'] as const) {
    const started = Date.now();
    const r = await autoMixedPrecision(await c.model(), { ...(await c.options()), objective });
    const configs = configTally(r.layers);
    const row = {
      case: c.name,
      objective,
      met: r.met,
      configs,
      wide: r.baseline.wide,
      final: r.final,
      ...costFigures(r, started),
      message: r.message,
    };
    console.log(JSON.stringify({ case: row.case, objective, met: row.met, configs, bytes: row.bytes, latencyMs: row.latencyMs, evaluations: row.evaluations, wall: row.wallSeconds }));
    results.push(row);
  }
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/weight-precision.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
