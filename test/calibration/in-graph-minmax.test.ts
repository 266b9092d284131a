/**
 * Min/max reduced inside the graph (the default engine) gives the same ranges, bit for bit, as
 * exposing every tensor and folding it in JS (engine 'outputs', the path it replaced): on the real
 * Fashion-MNIST models, on an opset-9 export-like fixture, and on generated models at opsets 9, 13,
 * 18 and 21 (Reduce* axes as attributes before 18, inputs from 18) with NaN, ±Inf and -0 in the data.
 */
import { describe, expect, it } from 'vitest';
import { collectRanges, type CollectOptions } from '../../src/calibration/collect.js';
import type { Range } from '../../src/calibration/ranges.js';
import { iterableSource, npyDirectorySource } from '../../src/calibration/sources/index.js';
import type { CalibrationSource } from '../../src/calibration/sources/types.js';
import { createModel, Tensor, tensorType, type Model, type Value } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import { allActivationTensors, prepareModel } from '../../src/search/pipeline.js';
import { recognizerLike, transformerEncoderLike } from '../fixtures/exports/index.js';
import { calibrationNpyPath, catchMixqAsync, REAL_MODELS } from '../fixtures/helpers.js';
import { dirname } from 'node:path';

/** Ranges as a plain object; toEqual compares numbers with Object.is, so -0 and +0 differ. */
const plain = (ranges: ReadonlyMap<string, Range>): Record<string, Range> => Object.fromEntries([...ranges].sort((a, b) => a[0].localeCompare(b[0])));

async function bothEngines(model: Model, tensors: readonly string[], source: CalibrationSource, options: Omit<CollectOptions, 'engine'> = { method: 'minmax' }) {
  const inGraph = await collectRanges(model, tensors, source, { ...options, engine: 'auto' });
  const outputs = await collectRanges(model, tensors, source, { ...options, engine: 'outputs' });
  return { inGraph, outputs };
}

describe('in-graph min/max on real models', () => {
  for (const path of REAL_MODELS) {
    it(`${path.split('/').pop()}: every activation's range equals the extra-output path's, bit for bit`, async () => {
      const model = await prepareModel(await loadModel(path));
      const tensors = allActivationTensors(model);
      const source = await npyDirectorySource(dirname(calibrationNpyPath()));
      const { inGraph, outputs } = await bothEngines(model, tensors, source, { method: 'minmax', batchSize: 32 });
      expect(inGraph.ranges.size).toBe(tensors.length);
      expect(plain(inGraph.ranges)).toEqual(plain(outputs.ranges));
      expect(inGraph.samples).toBe(outputs.samples);
      // One pass of the data, and the ranges are real ones (not all zero).
      expect(inGraph.passes).toBe(1);
      expect([...inGraph.ranges.values()].filter((r) => r.max > r.min).length).toBeGreaterThan(tensors.length / 2);
    }, 120_000);
  }

  it('symmetric and moving-average options give the same ranges too (same batches)', async () => {
    const model = await prepareModel(await loadModel(REAL_MODELS[0]));
    const tensors = allActivationTensors(model);
    const source = await npyDirectorySource(dirname(calibrationNpyPath()));
    for (const collector of [{ symmetric: true }, { movingAverage: true, averagingConstant: 0.3 }]) {
      const { inGraph, outputs } = await bothEngines(model, tensors, source, { method: 'minmax', batchSize: 16, collector });
      expect(plain(inGraph.ranges)).toEqual(plain(outputs.ranges));
    }
  }, 120_000);

  it('an opset-9 export with Constant-node weights (recognizer-like): same ranges', async () => {
    const fixture = recognizerLike();
    const model = await prepareModel(fixture.build());
    const tensors = allActivationTensors(model);
    const { inGraph, outputs } = await bothEngines(model, tensors, fixture.source(12), { method: 'minmax', batchSize: 5 });
    expect(model.opset).toBe(9);
    expect(plain(inGraph.ranges)).toEqual(plain(outputs.ranges));
    expect(inGraph.batches).toBe(3);
  }, 120_000);
});

/**
 * x → Log (NaN below 0, -Inf at 0), Reciprocal (±Inf at ±0), Neg (turns 0 into -0), Mul by 0
 * (-0 from negatives), Sigmoid, Relu; plus a Shape output (int64).
 */
function generated(opset: number): Model {
  const model = createModel(opset, `gen${opset}`);
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', ['N', 6]));
  const op = (opType: string, name: string, inputs: Value[]) => g.addNode({ opType, name: `${name}_node`, inputs, outputs: [name] }).outputs[0]!;
  const zero = g.addInitializer(Tensor.fromArray('zero', 'float32', [], Float32Array.from([0])));
  const log = op('Log', 'log', [x]);
  const recip = op('Reciprocal', 'recip', [x]);
  const neg = op('Neg', 'neg', [x]);
  const zeros = op('Mul', 'times_zero', [x, zero]);
  const sig = op('Sigmoid', 'sig', [log]);
  const relu = op('Relu', 'relu', [neg]);
  // Same values as their inputs: ranges taken from them, not reduced again (NaN-carrying and finite).
  const logT = op('Transpose', 'log_t', [log]);
  const flat = op('Flatten', 'x_flat', [op('Identity', 'x_id', [x])]);
  const shape = op('Shape', 'shape', [x]);
  for (const v of [sig, relu, recip, zeros, logT, flat]) {
    v.type = tensorType('float32', ['N', 6]);
    g.addOutput(v);
  }
  shape.type = tensorType('int64', [2]);
  g.addOutput(shape);
  return model;
}

/** Four batches of 3 samples: finite only, with NaN-producing negatives, with zeros, with -0. */
async function awkwardData(): Promise<CalibrationSource> {
  const rows = [
    [0.5, 1.5, 2, 3, 4, 5], [0.25, 0.75, 1, 2, 8, 9], [1, 2, 3, 4, 5, 6],
    [-1, 2, 3, 4, 5, 6], [1, -2, 3, 4, 5, 6], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    [0, 2, 3, 4, 5, 6], [1, 2, 0, 4, 5, 6], [3, 3, 3, 3, 3, 3],
    [-0, 1, 2, 3, 4, 5], [2, 2, -0, 2, 2, 2], [7, 7, 7, 7, 7, 7],
  ];
  return iterableSource(rows.map((r) => ({ x: { type: 'float32' as const, dims: [1, 6], data: Float32Array.from(r) } })));
}

describe('in-graph min/max reduces a reshaped or transposed tensor once', () => {
  it('transformer-like (24 Reshape, 24 Transpose): same ranges as the extra-output path, fewer reductions', async () => {
    const fixture = transformerEncoderLike();
    const model = await prepareModel(fixture.build());
    const tensors = allActivationTensors(model);
    const { inGraph, outputs } = await bothEngines(model, tensors, fixture.source(6), { method: 'minmax', batchSize: 4 });
    expect(plain(inGraph.ranges)).toEqual(plain(outputs.ranges));
    const reshaped = model.graph.nodes.filter((n) => n.opType === 'Reshape' || n.opType === 'Transpose').length;
    expect(reshaped).toBeGreaterThan(10);
    expect(inGraph.reducedInGraph).toBe(tensors.length - reshaped);
  }, 120_000);
});

describe('in-graph min/max on generated models (NaN, ±Inf, -0)', () => {
  for (const opset of [9, 13, 18, 21]) {
    it(`opset ${opset}: same ranges as the JS fold; tensors with NaN/Inf are recollected the JS way`, async () => {
      const model = generated(opset);
      const tensors = ['x', 'log', 'recip', 'neg', 'times_zero', 'sig', 'relu', 'log_t', 'x_id', 'x_flat'];
      const source = await awkwardData();
      const { inGraph, outputs } = await bothEngines(model, tensors, source, { method: 'minmax', batchSize: 3 });
      expect(plain(inGraph.ranges)).toEqual(plain(outputs.ranges));
      // log and recip hold NaN / ±Inf in some batch: the JS fold (skips them) ran for those, a second pass.
      expect(inGraph.passes).toBe(2);
      expect(inGraph.ranges.get('log')!.min).toBeCloseTo(Math.log(0.25), 6);
      expect(inGraph.ranges.get('log')!.max).toBeCloseTo(Math.log(9), 6);
      expect(inGraph.ranges.get('recip')).toEqual({ min: expect.closeTo(-1, 6), max: 4 });
      // -0 is reported as +0 by both engines (the same range end, whichever order the values came in).
      expect(Object.is(inGraph.ranges.get('relu')!.min, 0)).toBe(true);
      expect(inGraph.ranges.get('times_zero')).toEqual({ min: 0, max: 0 });
      expect(inGraph.ranges.get('x')).toEqual({ min: -2, max: 9 });
      expect(inGraph.ranges.get('x_flat')).toEqual({ min: -2, max: 9 });
      expect(inGraph.ranges.get('log_t')).toEqual(inGraph.ranges.get('log'));
      expect(inGraph.reducedInGraph).toBe(tensors.length - 3); // log_t, x_id, x_flat: from log and x
    }, 60_000);
  }

  it('finite data needs one pass only', async () => {
    const model = generated(13);
    const source = await iterableSource([{ x: { type: 'float32', dims: [4, 6], data: Float32Array.from({ length: 24 }, (_, i) => 0.5 + i) } }]);
    const { inGraph, outputs } = await bothEngines(model, ['x', 'log', 'recip', 'sig'], source);
    expect(inGraph.passes).toBe(1);
    expect(plain(inGraph.ranges)).toEqual(plain(outputs.ranges));
    expect(inGraph.ranges.get('x')).toEqual({ min: 0.5, max: 23.5 });
  }, 60_000);

  it('a non-float tensor is a CalibrationDataError in both engines, an unknown name an UnknownNameError', async () => {
    const model = generated(13);
    const source = await awkwardData();
    for (const engine of ['auto', 'outputs'] as const) {
      const error = await catchMixqAsync(() => collectRanges(model, ['log', 'shape'], source, { method: 'minmax', engine }));
      expect(error.code).toBe('CALIBRATION_DATA');
      expect(error.message).toContain("'shape' is int64");
      const unknown = await catchMixqAsync(() => collectRanges(model, ['lgo'], source, { method: 'minmax', engine }));
      expect(unknown.code).toBe('UNKNOWN_NAME');
      expect(unknown.message).toContain('log');
    }
  }, 60_000);
});
