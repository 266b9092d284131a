/**
 * autoMixedPrecision vs the Quark-style greedy sweep on the shared models: wall time, evaluation
 * counts and layers narrowed, with an L2 target halfway between all-INT8 and all-INT16.
 * Run: npx tsx bench/auto.ts  → bench/results/auto.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { autoMixedPrecision } from '../src/api/auto-mixed-precision.js';
import { quantize } from '../src/api/quantize.js';
import { npyDirectorySource } from '../src/calibration/sources/npy-directory.js';
import type { Model } from '../src/ir/index.js';
import { loadModel } from '../src/onnx/index.js';
import { ModelSession } from '../src/runtime/index.js';
import { MetricAccumulator } from '../src/search/metrics.js';

const CALIB = new URL('../calib-data/', import.meta.url).pathname;
const MODELS = new URL('../examples/models/', import.meta.url).pathname;

async function l2(a: Model, b: Model): Promise<number> {
  const [sa, sb] = [await ModelSession.create(a, { optimization: 'disabled' }), await ModelSession.create(b, { optimization: 'disabled' })];
  const acc = new MetricAccumulator();
  for await (const feed of (await npyDirectorySource(CALIB)).batches(64)) {
    acc.add((await sb.run(feed))['logits']!.data as Float32Array, (await sa.run(feed))['logits']!.data as Float32Array, 10);
  }
  return acc.result().l2;
}

const rows: Record<string, unknown>[] = [];
for (const name of ['fashion-resnet', 'fashion-vit']) {
  const model = await loadModel(`${MODELS}${name}.onnx`);
  const calibration = { kind: 'data' as const, source: await npyDirectorySource(CALIB) };
  const l8 = await l2((await quantize(model, { calibration, activationType: 'int8' })).model, model);
  const l16 = await l2((await quantize(model, { calibration, activationType: 'int16' })).model, model);
  const threshold = (l8 + l16) / 2;
  for (const strategy of ['bisect', 'greedy'] as const) {
    const t0 = performance.now();
    const r = await autoMixedPrecision(model, { calibration: await npyDirectorySource(CALIB), batchSize: 64, strategy, target: { kind: 'metric', metric: 'l2', threshold } });
    const row = {
      model: name,
      strategy,
      target: threshold,
      allInt8L2: l8,
      allInt16L2: l16,
      finalL2: r.final.l2,
      met: r.met,
      layers: r.layers.length,
      narrowed: r.layers.filter((l) => l.precision === 'int8').length,
      evaluations: r.evaluations,
      sensitivityEvaluations: r.sensitivityEvaluations,
      searchEvaluations: r.searchEvaluations,
      quarkLegacyEstimate: 2 * r.layers.length + 3,
      seconds: (performance.now() - t0) / 1000,
    };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/auto.json', import.meta.url), JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
