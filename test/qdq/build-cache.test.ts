/**
 * BuildCache must change nothing but speed: every model built with it is byte-identical to the
 * model built without it, whatever order candidates come in, and it never serves one model's
 * constants to another.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { calibSource, MODELS } from '../search/helpers.js';
import type { Range } from '../../src/calibration/ranges.js';
import type { CalibrationSource } from '../../src/calibration/sources/types.js';
import { cloneModel, type Model } from '../../src/ir/index.js';
import { loadModel, serializeModel } from '../../src/onnx/index.js';
import { BuildCache } from '../../src/qdq/build-cache.js';
import { materialize } from '../../src/qdq/materialize.js';
import { planQuantization, type PlanOptions } from '../../src/qdq/plan.js';
import type { QuantPlan, TensorPrecision } from '../../src/qdq/types.js';
import { ModelSession } from '../../src/runtime/index.js';
import { findCandidateGroups } from '../../src/search/candidates.js';
import { MetricAccumulator, type OutputMetrics } from '../../src/search/metrics.js';
import { allActivationTensors, buildModel, calibrate, prepareForQuantization } from '../../src/search/pipeline.js';
import { biasOverflowFixture, recognizerLike } from '../fixtures/exports/index.js';

const A16W8: PlanOptions = { activation: 'int16', weight: 'int8', perChannel: true, symmetricActivation: false, symmetricWeight: true };

interface Setup {
  readonly prepared: Model;
  readonly ranges: Map<string, Range>;
  readonly source: CalibrationSource;
  /** Candidate plans as a search makes them: the wide plan, then groups narrowed to A8W8 in several patterns. */
  readonly plans: QuantPlan[];
}

async function setUp(model: Model, source: CalibrationSource, extra: PlanOptions[] = []): Promise<Setup> {
  const prepared = (await prepareForQuantization(model, { sixteenBit: true })).model;
  const { ranges } = await calibrate(prepared, allActivationTensors(prepared), source, { batchSize: 16 });
  const wide = planQuantization(prepared, A16W8);
  const groups = findCandidateGroups(prepared, wide);
  const narrowed = (pick: (i: number) => boolean): QuantPlan => {
    const map = new Map<string, TensorPrecision>();
    groups.forEach((g, i) => {
      if (!pick(i)) return;
      for (const t of [...g.activations, ...g.weights]) map.set(t, 'int8');
    });
    return planQuantization(prepared, { ...A16W8, tensorPrecision: map });
  };
  const plans = [wide, narrowed((i) => i % 2 === 0), narrowed((i) => i % 3 === 1), narrowed(() => true), wide, ...extra.map((o) => planQuantization(prepared, o))];
  return { prepared, ranges, source, plans };
}

/** A build with a fresh cache of its own: what every build was before BuildCache. */
function uncachedBuild(prepared: Model, plan: QuantPlan, ranges: ReadonlyMap<string, Range>) {
  const model = cloneModel(prepared);
  return { model, result: materialize(model, plan, { ranges }) };
}

function bytesOf(model: Model): Uint8Array {
  const bytes = serializeModel(model);
  if (!bytes) throw new Error('test models are small');
  return bytes;
}

async function metricsOf(model: Model, reference: Model, source: CalibrationSource): Promise<OutputMetrics> {
  const out = reference.graph.outputs[0]!.name;
  const [q, f] = await Promise.all([ModelSession.create(model, { optimization: 'disabled' }), ModelSession.create(reference, { optimization: 'disabled' })]);
  const acc = new MetricAccumulator();
  try {
    for await (const feed of source.batches(16)) {
      const a = (await q.run(feed, [out]))[out]!;
      const r = (await f.run(feed, [out]))[out]!;
      acc.add(r.data as Float32Array, a.data as Float32Array, r.data.length / r.dims[0]!);
    }
  } finally {
    await Promise.all([q.close(), f.close()]);
  }
  return acc.result();
}

/** Builds every plan with one shared cache and each without; the serialized bytes must match. */
function expectIdenticalBuilds(s: Setup): BuildCache {
  const cache = new BuildCache();
  for (const plan of s.plans) {
    const plain = uncachedBuild(s.prepared, plan, s.ranges);
    const cached = buildModel(s.prepared, plan, s.ranges, cache);
    expect(Buffer.from(bytesOf(cached.model)).equals(Buffer.from(bytesOf(plain.model)))).toBe(true);
    expect([...cached.result.qparams.keys()]).toEqual([...plain.result.qparams.keys()]);
    expect(cached.result.biasAdjustments).toEqual(plain.result.biasAdjustments);
  }
  return cache;
}

describe('BuildCache: cached builds are byte-identical to uncached ones', () => {
  let resnet: Setup;
  let recognizer: Setup;
  beforeAll(async () => {
    const fashion = await loadModel(`${MODELS}/fashion-resnet.onnx`);
    resnet = await setUp(fashion, await calibSource(), [
      { ...A16W8, activation: 'int8' },
      { ...A16W8, weight: 'int16' },
      { ...A16W8, perChannel: false, symmetricWeight: false },
    ]);
    const fx = recognizerLike();
    recognizer = await setUp(fx.build(), fx.source(16), [{ ...A16W8, weight: 'int16' }]);
  }, 120_000);

  it('fashion-resnet: wide, narrowed, A8W8, W16 and per-tensor asymmetric plans', () => {
    const cache = expectIdenticalBuilds(resnet);
    // The repeated wide plan and the weights shared by every A16W8/A8W8 plan come from the cache.
    expect(cache.stats.hits).toBeGreaterThan(cache.stats.misses);
  });

  it("recognizerLike('test') (opset 9, upgraded): same bytes, and most constants are cache hits", () => {
    const cache = expectIdenticalBuilds(recognizer);
    expect(cache.stats.misses).toBeGreaterThan(0);
    expect(cache.stats.hits).toBeGreaterThan(cache.stats.misses);
  });

  it('evaluation metrics of a cached build equal the uncached ones, to the bit', async () => {
    const cache = new BuildCache();
    for (const plan of resnet.plans.slice(0, 4)) buildModel(resnet.prepared, plan, resnet.ranges, cache); // warm it
    const plan = resnet.plans[1]!;
    const cached = await metricsOf(buildModel(resnet.prepared, plan, resnet.ranges, cache).model, resnet.prepared, resnet.source);
    const plain = await metricsOf(uncachedBuild(resnet.prepared, plan, resnet.ranges).model, resnet.prepared, resnet.source);
    expect(cached).toEqual(plain);
    expect(cached.relativeL2).toBeGreaterThan(0); // a quantized model, not the float one
  }, 60_000);

  it('never serves one model’s constants to another model with the same tensor names', async () => {
    // A second preparation of the same export, calibrated on other data: same tensor names, other
    // Tensor objects and ranges. Keyed by name, the cache would hand it the first model's constants.
    const fx = recognizerLike();
    const other = await setUp(fx.build(), fx.source(16, 7));
    const cache = new BuildCache();
    buildModel(recognizer.prepared, recognizer.plans[0]!, recognizer.ranges, cache);
    const hitsBefore = cache.stats.hits;
    const a = buildModel(other.prepared, other.plans[0]!, other.ranges, cache);
    expect(cache.stats.hits).toBe(hitsBefore); // other tensor objects: all misses
    expect(Buffer.from(bytesOf(a.model)).equals(Buffer.from(bytesOf(uncachedBuild(other.prepared, other.plans[0]!, other.ranges).model)))).toBe(true);
  }, 60_000);

  it('keys quantized weights by their final scales: a bias-fitted weight is not confused with the plain one', async () => {
    // A16W16 raises weight scales so the int32 biases fit; A8W8 on the same weights does not.
    const fx = biasOverflowFixture();
    const s = await setUp(fx.build(), fx.source(16), [
      { ...A16W8, weight: 'int16' },
      { ...A16W8, activation: 'int8' },
      { ...A16W8, weight: 'int16' },
    ]);
    const plain16 = uncachedBuild(s.prepared, s.plans.at(-1)!, s.ranges);
    expect(plain16.result.biasAdjustments.length).toBeGreaterThan(0); // the fixture does what it is for
    expectIdenticalBuilds(s);
  }, 60_000);

  it('shares tensor bytes between builds from one prepared model, with no cache passed', () => {
    const plan = recognizer.plans[0]!;
    const first = buildModel(recognizer.prepared, plan, recognizer.ranges).model;
    const second = buildModel(recognizer.prepared, plan, recognizer.ranges).model;
    const quantized = (m: Model) => m.graph.initializers.filter((v) => v.name.endsWith('_quantized')).map((v) => v.initializer!.bytes());
    const [a, b] = [quantized(first), quantized(second)];
    expect(a.length).toBeGreaterThan(0);
    a.forEach((bytes, i) => expect(b[i]!.buffer).toBe(bytes.buffer));
    // …and not with a build of another preparation.
    const fresh = quantized(uncachedBuild(recognizer.prepared, plan, recognizer.ranges).model);
    expect(fresh[0]!.buffer).not.toBe(a[0]!.buffer);
  });
});
