/**
 * The build side of a candidate evaluation (clone + materialize, serialize) on the real-size export
 * fixtures, without and with the BuildCache that builds from one prepared model now share. Ranges
 * are made up (±4 for every activation): building runs no model, and the cost does not depend on them.
 *
 *   npx tsx bench/profile-build.ts
 *
 * Adds a "builds" entry to bench/results/eval-profile.json (CPU ms, median of 3 after a warm-up).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cloneModel, type Model } from '../src/ir/index.js';
import { serializeModel } from '../src/onnx/index.js';
import { BuildCache } from '../src/qdq/build-cache.js';
import { materialize } from '../src/qdq/materialize.js';
import { planQuantization } from '../src/qdq/plan.js';
import type { QuantPlan, TensorPrecision } from '../src/qdq/types.js';
import { findCandidateGroups } from '../src/search/candidates.js';
import { allActivationTensors, buildModel, prepareForQuantization } from '../src/search/pipeline.js';
import { detectorLike, recognizerLike, resnet50Like, transformerEncoderLike, type ExportFixture } from '../test/fixtures/exports/index.js';

const OUT = 'bench/results/eval-profile.json';
const cpuMs = (fn: () => unknown): number => {
  const c = process.cpuUsage();
  fn();
  const u = process.cpuUsage(c);
  return (u.user + u.system) / 1000;
};
const median3 = (fn: () => unknown): number => {
  fn();
  const xs = [cpuMs(fn), cpuMs(fn), cpuMs(fn)].sort((a, b) => a - b);
  return Math.round(xs[1]! * 10) / 10;
};

const rows: Record<string, unknown> = {};
for (const fx of [recognizerLike({ size: 'real' }), detectorLike({ size: 'real' }), resnet50Like({ size: 'real' }), transformerEncoderLike({ size: 'real' })] as ExportFixture[]) {
  const prepared: Model = (await prepareForQuantization(fx.build(), { sixteenBit: true })).model;
  const ranges = new Map(allActivationTensors(prepared).map((n) => [n, { min: -4, max: 4 }]));
  const wide = { activation: 'int16', weight: 'int8', perChannel: true, symmetricActivation: false, symmetricWeight: true } as const;
  const widePlan = planQuantization(prepared, wide);
  const narrowed = new Map<string, TensorPrecision>();
  findCandidateGroups(prepared, widePlan).forEach((g, i) => {
    if (i % 2 === 0) for (const t of [...g.activations, ...g.weights]) narrowed.set(t, 'int8');
  });
  const plan: QuantPlan = planQuantization(prepared, { ...wide, tensorPrecision: narrowed });
  const cache = new BuildCache();
  buildModel(prepared, widePlan, ranges, cache); // the search's first build: the wide model
  const built = buildModel(prepared, plan, ranges, cache).model;
  const row = {
    nodes: prepared.graph.nodes.length,
    builtNodes: built.graph.nodes.length,
    floatBytes: serializeModel(prepared)!.byteLength,
    clone: median3(() => cloneModel(prepared)),
    buildUncached: median3(() => materialize(cloneModel(prepared), plan, { ranges })),
    buildCached: median3(() => buildModel(prepared, plan, ranges, cache)),
    serialize: median3(() => serializeModel(built)),
  };
  rows[fx.name] = row;
  console.log(fx.name.padEnd(32), JSON.stringify(row));
}
const previous = existsSync(OUT) ? (JSON.parse(readFileSync(OUT, 'utf8')) as Record<string, unknown>) : {};
writeFileSync(OUT, `${JSON.stringify({ ...previous, builds: { date: new Date().toISOString(), unit: 'cpu ms, median of 3', candidate: 'A16W8 with every other group at A8W8', rows } }, null, 2)}\n`);
console.log(`wrote ${OUT} [builds]`);
