/**
 * The shared session (search/shared-candidates.ts) must measure exactly what building and loading
 * each candidate measures, count one evaluation per run, and leave alone what it cannot represent.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Range } from '../../src/calibration/ranges.js';
import type { CalibrationSource } from '../../src/calibration/sources/types.js';
import type { Model } from '../../src/ir/index.js';
import { planQuantization, type PlanOptions } from '../../src/qdq/plan.js';
import type { TensorPrecision } from '../../src/qdq/types.js';
import { findCandidateGroups, type CandidateGroup } from '../../src/search/candidates.js';
import { Evaluator } from '../../src/search/evaluator.js';
import { allActivationTensors, buildModel, calibrate, prepareForQuantization } from '../../src/search/pipeline.js';
import { SharedCandidates } from '../../src/search/shared-candidates.js';
import { autoMixedPrecision } from '../../src/api/auto-mixed-precision.js';
import { recognizerLike } from '../fixtures/exports/index.js';

const A16W8: PlanOptions = { activation: 'int16', weight: 'int8', perChannel: true, symmetricActivation: false, symmetricWeight: true };
const fixture = recognizerLike();
const SUBSET = 3;

let prepared: Model;
let ranges: Map<string, Range>;
let groups: CandidateGroup[];
let evaluator: Evaluator;
const build = (narrowed: readonly CandidateGroup[], level: TensorPrecision = 'int8'): Model => {
  const levels = new Map<string, TensorPrecision>();
  for (const g of narrowed) for (const t of [...g.activations, ...g.weights]) levels.set(t, level);
  return buildModel(prepared, planQuantization(prepared, { ...A16W8, tensorPrecision: levels }), ranges).model;
};
const open = (inspectCandidate?: (m: Model) => void) =>
  SharedCandidates.open({ groups, wide: build([]), narrowedAlone: (g) => build([g]), evaluator, samples: SUBSET, ...(inspectCandidate ? { inspectCandidate } : {}) });

beforeAll(async () => {
  prepared = (await prepareForQuantization(fixture.build(), { sixteenBit: true })).model;
  const source = fixture.source(8);
  ({ ranges } = await calibrate(prepared, allActivationTensors(prepared), source, { batchSize: 4 }));
  groups = findCandidateGroups(prepared, planQuantization(prepared, A16W8));
  evaluator = await Evaluator.create(prepared, { reference: { source, batchSize: 2, outputIndex: 0 } });
});

describe('SharedCandidates', () => {
  it("measures each group narrowed alone exactly as its own model, one evaluation each", async () => {
    const shared = (await open())!;
    try {
      expect(shared.left).toEqual([]);
      for (const g of groups) {
        const before = evaluator.evaluations;
        const got = await shared.measureAlone(g);
        expect(evaluator.evaluations - before).toBe(1);
        const own = await evaluator.tryMetrics({ model: build([g]), label: g.id }, SUBSET);
        expect(got, g.id).toEqual(own);
      }
    } finally {
      await shared.close();
    }
  });

  it('measures a candidate with many groups narrowed exactly as its own model', async () => {
    const shared = (await open())!;
    try {
      for (const pick of [groups.slice(0, 5), groups.filter((_, i) => i % 3 === 1), groups]) {
        const model = build(pick);
        expect(await shared.measure(model)).toEqual(await evaluator.tryMetrics({ model, label: 'many' }, SUBSET));
      }
    } finally {
      await shared.close();
    }
  });

  it('says undefined, running nothing, for a candidate it cannot represent', async () => {
    const shared = (await open())!;
    try {
      const before = evaluator.evaluations;
      // 16-bit weights: the weight constants change type (int8 → int16), not a constants-only change.
      expect(await shared.measure(build(groups.slice(0, 2), 'int16'))).toBeUndefined();
      // BF16: Cast nodes instead of Q/DQ.
      expect(await shared.measure(build(groups.slice(0, 1), 'bfloat16'))).toBeUndefined();
      expect(evaluator.evaluations).toBe(before);
    } finally {
      await shared.close();
    }
  });

  it('leaves a group inspectCandidate vetoes to the caller', async () => {
    const vetoed = groups[2]!;
    const vetoedModel = build([vetoed]);
    const marker = vetoedModel.graph.initializers.filter((v) => v.name.endsWith('_scale')).map((v) => v.initializer!.toArray()[0]).join(',');
    const shared = (await open((m) => {
      const scales = m.graph.initializers.filter((v) => v.name.endsWith('_scale')).map((v) => v.initializer!.toArray()[0]).join(',');
      if (scales === marker) throw new Error('vetoed');
    }))!;
    try {
      expect(shared.left.map((g) => g.id)).toEqual([vetoed.id]);
      expect(shared.has(vetoed)).toBe(false);
      expect(shared.has(groups[0]!)).toBe(true);
    } finally {
      await shared.close();
    }
  });
});

describe('the sensitivity pass through the shared session', () => {
  it('reports progress once per group, 1..N, and gives the per-candidate sensitivities', async () => {
    const events: { done: number; total: number | undefined; detail?: string }[] = [];
    const base = { calibration: fixture.source(8), batchSize: 4, latencyRuns: 0, optimistic: false, target: { kind: 'metric' as const, metric: 'l2' as const, threshold: 1e9 } };
    const r = await autoMixedPrecision(fixture.build(), { ...base, onProgress: (e) => e.phase === 'sensitivity' && events.push(e) });
    const n = r.layers.length;
    expect(events.map((e) => e.done)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.detail)).size).toBe(n);
    // The worker path builds and loads each candidate on its own: the same values.
    const alone = await autoMixedPrecision(fixture.build(), { ...base, calibration: fixture.source(8), workers: 2 });
    expect(r.layers.map((l) => l.sensitivity)).toEqual(alone.layers.map((l) => l.sensitivity));
  });
});

describe('the shared session holds its samples', () => {
  it('copies them: a source that reuses one buffer for every batch gives the same metrics', async () => {
    const inner = fixture.source(8);
    const reusing: CalibrationSource = {
      description: `${inner.description}, one reused buffer`,
      inputNames: inner.inputNames,
      sampleCount: inner.sampleCount,
      async *batches(n) {
        const buffers = new Map<string, Float32Array>();
        for await (const feed of inner.batches(n)) {
          yield Object.fromEntries(Object.entries(feed).map(([name, t]) => {
            let buffer = buffers.get(name);
            if (buffer?.length !== t.data.length) buffers.set(name, (buffer = new Float32Array(t.data.length)));
            buffer.set(t.data as Float32Array);
            return [name, { ...t, data: buffer }];
          }));
        }
      },
    };
    const own = await Evaluator.create(prepared, { reference: { source: reusing, batchSize: 2, outputIndex: 0 } });
    const shared = (await SharedCandidates.open({ groups, wide: build([]), narrowedAlone: (g) => build([g]), evaluator: own, samples: 6 }))!;
    try {
      for (const g of groups.slice(0, 4)) expect(await shared.measureAlone(g)).toEqual(await own.tryMetrics({ model: build([g]), label: g.id }, 6));
    } finally {
      await shared.close();
    }
  });
});
