/**
 * Issue 12 figures on the real-size bench models (the export fixtures bench/engine.ts uses): auto
 * with the default per-layer configs at the engine bench's targets (relative L2 halfway between
 * the wide and the all-A8W8 model, bench/results/engine.json), objectives 'int8' and 'latency'.
 * Per run: configs by count, bytes and measured latency of float / wide / final (onnxruntime
 * default options, 2 threads, batch 1), Pareto points, evaluations, wall time.
 * Writes bench/results/weight-precision-real.json.   npx tsx bench/weight-precision-real.ts
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { configTally, costFigures } from './config-tally.js';
import { autoMixedPrecision } from '../src/api/auto-mixed-precision.js';
import { recognizerLike, resnet50Like, transformerEncoderLike, type ExportFixture } from '../test/fixtures/exports/index.js';

interface EngineAuto { readonly samples: number; readonly target: { readonly threshold: number } }
const engine = JSON.parse(readFileSync(new URL('./results/engine.json', import.meta.url), 'utf8')) as { models: Record<string, { auto?: EngineAuto }> };
const benches: [string, () => ExportFixture][] = [
  ['recognizer', () => recognizerLike({ size: 'real' })],
  ['transformer', () => transformerEncoderLike({ size: 'real' })],
  ['resnet50', () => resnet50Like({ size: 'real' })],
];

const results: unknown[] = [];
for (const [name, make] of benches) {
  const auto = engine.models[name]?.auto;
  if (!auto) throw new Error(`bench/results/engine.json has no auto section for ${name}: run bench/engine.ts first.`);
  const fx = make();
  for (const objective of ['int8', 'latency'] as const) {
    const started = Date.now();
    const r = await autoMixedPrecision(fx.build(), {
      calibration: fx.source(auto.samples),
      target: { kind: 'metric', metric: 'relative-l2', threshold: auto.target.threshold },
      objective,
      latencyRuns: 10,
    });
    const configs = configTally(r.layers);
    const row = {
      model: fx.name,
      objective,
      target: { metric: 'relative-l2', threshold: auto.target.threshold },
      met: r.met,
      configs,
      finalRelativeL2: r.final.relativeL2,
      ...costFigures(r, started),
    };
    console.log(JSON.stringify(row));
    results.push(row);
  }
}
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/weight-precision-real.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), machine: '2 shared cores; latency medians of 10 runs', results }, null, 2)}\n`);
