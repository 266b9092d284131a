/**
 * One model for many constants-only candidates (qdq/parametric.ts): fed a candidate's constants,
 * the shared model must give that candidate's own outputs to the bit, also where its narrowed
 * (8-bit) quantizers saturate; anything that is not a constants-only change must be refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Range } from '../../src/calibration/ranges.js';
import { intAttr, Tensor, type HostTensor, type Model } from '../../src/ir/index.js';
import { serializeModel } from '../../src/onnx/index.js';
import { diffConstants, parametricModel, type ConstantsDiff } from '../../src/qdq/parametric.js';
import { planQuantization, type PlanOptions } from '../../src/qdq/plan.js';
import type { TensorPrecision } from '../../src/qdq/types.js';
import { ModelSession } from '../../src/runtime/index.js';
import { findCandidateGroups, type CandidateGroup } from '../../src/search/candidates.js';
import { allActivationTensors, buildModel, calibrate, prepareForQuantization } from '../../src/search/pipeline.js';
import { biasOverflowFixture, recognizerLike, type ExportFixture } from '../fixtures/exports/index.js';
import { expectBitExact } from '../fixtures/helpers.js';

const A16W8: PlanOptions = { activation: 'int16', weight: 'int8', perChannel: true, symmetricActivation: false, symmetricWeight: true };
type ConstantsOnly = Extract<ConstantsDiff, { kind: 'constants' }>;

interface Setup {
  readonly fixture: ExportFixture;
  readonly prepared: Model;
  readonly ranges: Map<string, Range>;
  readonly groups: CandidateGroup[];
  readonly wide: Model;
  narrowed(group: CandidateGroup): Model;
}

async function setUp(fixture: ExportFixture): Promise<Setup> {
  const prepared = (await prepareForQuantization(fixture.build(), { sixteenBit: true })).model;
  const { ranges } = await calibrate(prepared, allActivationTensors(prepared), fixture.source(4), { batchSize: 4 });
  const widePlan = planQuantization(prepared, A16W8);
  const groups = findCandidateGroups(prepared, widePlan);
  const narrowed = (g: CandidateGroup): Model => {
    const levels = new Map<string, TensorPrecision>();
    for (const t of [...g.activations, ...g.weights]) levels.set(t, 'int8');
    return buildModel(prepared, planQuantization(prepared, { ...A16W8, tensorPrecision: levels }), ranges).model;
  };
  return { fixture, prepared, ranges, groups, wide: buildModel(prepared, widePlan, ranges).model, narrowed };
}

/** Inputs well outside the calibrated ranges: every narrowed quantizer saturates somewhere. */
function loud(feeds: Record<string, HostTensor>, gain: number): Record<string, HostTensor> {
  return Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { ...t, data: Float32Array.from(t.data as Float32Array, (x) => x * gain) }]));
}

async function outputs(model: Model, feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
  const session = await ModelSession.create(model, { optimization: 'disabled' });
  try {
    return await session.run(feeds, model.graph.outputs.map((o) => o.name));
  } finally {
    await session.close();
  }
}

describe.each([
  ['recognizer-like (opset 9, int32 biases)', () => recognizerLike()],
  ['bias net (tiny channels: raised weight scales)', () => biasOverflowFixture()],
])('parametric model: %s', (_label, make) => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp(make());
  });

  it('every group narrowed alone is a constants-only variant of the wide model, some with narrower zero points', () => {
    const diffs = s.groups.map((g) => diffConstants(s.wide, s.narrowed(g)));
    expect(diffs.filter((d) => d.kind !== 'constants')).toEqual([]);
    const types = new Set(diffs.flatMap((d) => [...(d as ConstantsOnly).values.values()].map((t) => t.type)));
    expect(types.has('int8') || types.has('uint8')).toBe(true);
    expect(types.has('float32')).toBe(true); // the narrowed scales
    expect(diffConstants(s.wide, s.wide)).toEqual({ kind: 'constants', values: new Map(), bytes: 0 });
  });

  it("gives each variant's own outputs to the bit, inside and far outside the calibrated ranges", async () => {
    const variants = s.groups.map((g) => ({ model: s.narrowed(g), diff: diffConstants(s.wide, s.narrowed(g)) as ConstantsOnly }));
    const shared = parametricModel(s.wide, variants.map((v) => v.diff));
    const session = await ModelSession.create(shared.model, { optimization: 'disabled' });
    const names = s.wide.graph.outputs.map((o) => o.name);
    try {
      for (const feeds of [s.fixture.feeds(2, 1), loud(s.fixture.feeds(2, 2), 8)]) {
        const baseOut = await session.run({ ...feeds, ...shared.feedsFor({ kind: 'constants', values: new Map(), bytes: 0 }) }, names);
        const wideOut = await outputs(s.wide, feeds);
        for (const n of names) expectBitExact(baseOut[n]!, wideOut[n]!, `wide ${n}`);
        for (const [i, v] of variants.entries()) {
          const got = await session.run({ ...feeds, ...shared.feedsFor(v.diff) }, names);
          const own = await outputs(v.model, feeds);
          for (const n of names) expectBitExact(got[n]!, own[n]!, `${s.groups[i]!.id} ${n}`);
        }
      }
    } finally {
      await session.close();
    }
  });

  it('leaves the base model as it was', () => {
    const before = serializeModel(s.wide);
    parametricModel(s.wide, s.groups.map((g) => diffConstants(s.wide, s.narrowed(g)) as ConstantsOnly));
    expect(serializeModel(s.wide)).toEqual(before);
  });
});

describe('diffConstants refuses what is not a constants-only change', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setUp(recognizerLike());
  });

  it('a different attribute, node or wiring is structural, naming the node', () => {
    const attr = s.narrowed(s.groups[0]!);
    const conv = attr.graph.nodes.find((n) => n.opType === 'Conv')!;
    conv.setAttribute(intAttr('group', 7));
    expect(diffConstants(s.wide, attr)).toMatchObject({ kind: 'structural', reason: expect.stringContaining(`'${conv.name}'`) });

    const fewer = s.narrowed(s.groups[0]!);
    const last = fewer.graph.nodes[fewer.graph.nodes.length - 1]!;
    fewer.graph.nodes.splice(fewer.graph.nodes.length - 1, 1);
    expect(diffConstants(s.wide, fewer)).toMatchObject({ kind: 'structural', reason: expect.stringContaining('nodes') });
    expect(last).toBeDefined();

    const rewired = s.narrowed(s.groups[0]!);
    const relu = rewired.graph.nodes.find((n) => n.inputs.length === 1 && n.opType !== 'QuantizeLinear')!;
    relu.setInput(0, rewired.graph.inputs[0]!);
    expect(diffConstants(s.wide, rewired)).toMatchObject({ kind: 'structural', reason: expect.stringContaining('wired') });
  });

  it('a constant that changes type (other than a narrower zero point) or shape is structural', () => {
    const retyped = s.narrowed(s.groups[0]!);
    const scale = retyped.graph.initializers.find((v) => v.name.endsWith('_scale'))!;
    retyped.graph.setInitializer(scale, Tensor.fromArray(scale.name, 'float64', scale.initializer!.dims, new Float64Array(scale.initializer!.elementCount).fill(0.5)));
    expect(diffConstants(s.wide, retyped)).toMatchObject({ kind: 'structural', reason: expect.stringContaining('float32 → float64') });

    const reshaped = s.narrowed(s.groups[0]!);
    const weight = reshaped.graph.initializers.find((v) => v.initializer!.type === 'int8' && v.initializer!.elementCount > 4)!;
    reshaped.graph.setInitializer(weight, Tensor.fromArray(weight.name, 'int8', [weight.initializer!.elementCount], new Int8Array(weight.initializer!.elementCount)));
    expect(diffConstants(s.wide, reshaped)).toMatchObject({ kind: 'structural', reason: expect.stringContaining('shape') });
  });
});
