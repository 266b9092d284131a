/**
 * Shapes real models come in: weights as Constant nodes, If subgraphs, float16 initializers behind
 * Cast, several outputs, opsets 9 to 21; and the user's model is never modified.
 */
import { describe, expect, it } from 'vitest';
import { quantize, type QuantizeResult } from '../../src/api/quantize.js';
import type { QuantizeConfig } from '../../src/api/config.js';
import { cloneModel, constantsToInitializers, createModel, intsAttr, irVersionForOpset, Tensor, tensorType, type HostTensor, type Model } from '../../src/ir/index.js';
import { loadModel, serializeModel } from '../../src/onnx/index.js';
import { ModelSession, type Feeds } from '../../src/runtime/index.js';
import { calibrationNpyPath, expectFeedsBitExact, maxAbsDiff, readNpyFloat32, RESNET, sliceBatch } from '../fixtures/helpers.js';
import { buildConstantWeights, buildFloat16Weights, buildIfBranches, buildMultiOutput, convFixture, floatFeed } from '../fixtures/models.js';
import { dqFeeding, qdqParams, runModel, tensorSource, treatmentOf } from './helpers.js';

/** `count` samples of an input whose per-sample dims are `dims`, from a seed. */
const samples = (count: number, dims: readonly number[], seed: number, scale = 1): HostTensor => floatFeed([count, ...dims], seed, scale);

/** Largest |float - quantized| over every float output, relative to the output's largest |float| value. */
async function relativeError(float: Model, quantized: Model, feeds: Feeds): Promise<number> {
  const a = await runModel(float, feeds);
  const b = await runModel(quantized, feeds);
  let worst = 0;
  for (const [name, t] of Object.entries(a)) {
    if (!(t.data instanceof Float32Array)) continue;
    const peak = Math.max(...t.data.map(Math.abs));
    worst = Math.max(worst, maxAbsDiff(t.data, b[name]!.data as Float32Array) / peak);
  }
  return worst;
}

describe('weights stored as Constant nodes', () => {
  it('are quantized exactly as the same weights stored as initializers', async () => {
    const withConstants = buildConstantWeights();
    const withInitializers = cloneModel(withConstants);
    constantsToInitializers(withInitializers.graph);
    const x = samples(6, [2, 5, 5], 301);
    const source = tensorSource({ x });
    const a = await quantize(withConstants, { calibration: { kind: 'data', source } });
    const b = await quantize(withInitializers, { calibration: { kind: 'ranges', ranges: a.ranges } });
    // Conv weight: per-channel int8 on axis 0, bias int32 (from value_floats); MatMul weight on axis 1.
    expect(qdqParams(dqFeeding(a.model, 'conv', 1))).toMatchObject({ type: 'int8', axis: 0 });
    expect(qdqParams(dqFeeding(a.model, 'conv', 2))).toMatchObject({ type: 'int32', axis: 0 });
    expect(qdqParams(dqFeeding(a.model, 'fc', 1))).toMatchObject({ type: 'int8', axis: 1 });
    expect(Buffer.from(serializeModel(a.model)!).equals(Buffer.from(serializeModel(b.model)!))).toBe(true);
    // The Constant that is a graph output stays a node; the output keeps its name.
    expect(a.model.graph.nodes.filter((n) => n.opType === 'Constant').map((n) => n.name)).toEqual(['const_out_node']);
    expect(a.model.graph.outputs.map((v) => v.name)).toEqual(['y', 'row', 'const_out']);
    const feeds = { x: sliceBatch(x, 2, 1) };
    expectFeedsBitExact(await runModel(a.model, feeds), await runModel(b.model, feeds), 'constants vs initializers');
    expect(await relativeError(withConstants, a.model, feeds)).toBeLessThan(0.05);
  });
});

describe('an If with MatMul branches', () => {
  it('quantizes the main graph, leaves the subgraphs float, says so, and runs both branches', async () => {
    const model = buildIfBranches();
    const ranges = new Map([['branch_out', { min: -2, max: 2 }], ['y', { min: 0, max: 2 }]]);
    const r = await quantize(model, { calibration: { kind: 'ranges', ranges } });
    expect(r.warnings.join('\n')).toContain("If 'branch'");
    expect(r.plan.nodes.find((n) => n.name === 'branch')).toMatchObject({ status: 'subgraph' });
    const branch = r.model.graph.nodes.find((n) => n.name === 'branch')!;
    for (const sub of branch.subgraphs()) expect(sub.nodes.map((n) => n.opType)).toEqual(['MatMul', 'Add']);
    expect(treatmentOf(r.model, 'branch_out')).toMatchObject({ kind: 'qdq', type: 'int8' });
    expect(treatmentOf(r.model, 'y')).toMatchObject({ kind: 'qdq', type: 'int8' });
    for (const cond of [0, 1]) {
      const feeds: Feeds = { cond: { type: 'bool', dims: [], data: Uint8Array.of(cond) }, x: floatFeed([2, 3], 303 + cond) };
      const y = (await runModel(r.model, feeds))['y']!;
      const f = (await runModel(model, feeds))['y']!;
      expect(y.dims).toEqual([2, 4]);
      // Two 8-bit roundings over [0, 2]: at most one step (2/255) each.
      expect(maxAbsDiff(y.data as Float32Array, f.data as Float32Array)).toBeLessThanOrEqual((2 * 2.0001) / 255);
    }
  });
});

describe('float16 initializers cast to float before MatMul / Add', () => {
  it('quantize and run; the float16 initializers are kept, their Cast outputs get Q/DQ', async () => {
    const model = buildFloat16Weights();
    const x = samples(8, [4], 305);
    const r = await quantize(model, { calibration: { kind: 'data', source: tensorSource({ x }) } });
    expect(r.model.graph.ownValue('w_fp16')!.initializer!.type).toBe('float16');
    expect(treatmentOf(r.model, 'w_fp32')).toMatchObject({ kind: 'qdq', type: 'int8' });
    expect(treatmentOf(r.model, 'y')).toMatchObject({ kind: 'qdq', type: 'int8' });
    expect(await relativeError(model, r.model, { x: sliceBatch(x, 0, 2) })).toBeLessThan(0.05);
  });
});

describe('several outputs', () => {
  it('are all kept, by name and order, with their types', async () => {
    const model = buildMultiOutput();
    const r = await quantize(model, { calibration: { kind: 'data', source: tensorSource({ x: samples(8, [6], 306) }) } });
    expect(r.model.graph.outputs.map((v) => v.name)).toEqual(['relu_out', 'sigmoid_out', 'mean_out', 'argmax_out', 'hidden']);
    expect(r.model.graph.outputs.map((v) => v.elemType)).toEqual(['float32', 'float32', 'float32', 'int64', 'float32']);
    const feeds = { x: floatFeed([2, 6], 307) };
    const out = await runModel(r.model, feeds);
    const ref = await runModel(model, feeds);
    expect(Object.keys(out).sort()).toEqual(Object.keys(ref).sort());
    for (const [name, t] of Object.entries(ref)) expect(out[name]!.dims, name).toEqual(t.dims);
    // Sigmoid's output carries the fixed [0, 1] range.
    expect(treatmentOf(r.model, 'sigmoid_out')).toMatchObject({ scales: [Math.fround(1 / 255)], zeroPoints: [-128] });
  });
});

describe.each([9, 11, 13, 17, 21])('the conv model at opset %i', (opset) => {
  const fx = convFixture(opset);
  const input = samples(8, [3, 8, 8], 308);
  const check = async (config: Partial<QuantizeConfig>, int16: boolean): Promise<QuantizeResult> => {
    const model = fx.build();
    const r = await quantize(model, { calibration: { kind: 'data', source: tensorSource({ input }) }, ...config });
    // The upgrade pass raises the opset before planning: to 21 for int16 Q/DQ, else to 13 (per-channel
    // Q/DQ; onnxruntime's QDQ fusion writes QLinearConv, which starts at 10). Never lowered; the IR
    // version follows it.
    const target = r.model.opset;
    expect(target).toBe(Math.max(opset, int16 ? 21 : 13));
    expect(r.model.irVersion).toBeGreaterThanOrEqual(Math.max(model.irVersion, irVersionForOpset(target)));
    expect(r.opsetUpgrade?.upgraded ?? false).toBe(target > opset);
    if (target > opset) expect([r.opsetUpgrade?.from, r.opsetUpgrade?.to]).toEqual([opset, target]);
    for (const n of r.model.graph.nodes.filter((x) => x.opType === 'QuantizeLinear' || x.opType === 'DequantizeLinear')) {
      const p = qdqParams(n);
      const needs = p.type === 'int16' ? 21 : p.axis !== undefined ? 13 : 10;
      expect(n.domain, `${n.name} (${p.type}, axis ${String(p.axis)})`).toBe(target >= needs ? '' : 'com.microsoft');
    }
    const usesMs = r.model.graph.nodes.some((n) => n.domain === 'com.microsoft');
    expect(r.model.opsetImports.has('com.microsoft')).toBe(usesMs);
    expect(usesMs).toBe(target < 13 || (int16 && target < 21));
    // Loads and runs in onnxruntime (also with its graph optimisations on).
    const session = await ModelSession.create(r.model, { optimization: 'all' });
    const out = await session.run({ input: sliceBatch(input, 0, 2) });
    await session.close();
    expect(out['logits']!.dims).toEqual([2, 10]);
    expect(await relativeError(model, r.model, { input: sliceBatch(input, 0, 4) })).toBeLessThan(int16 ? 0.02 : 0.06);
    return r;
  };

  it('A8W8 per-channel gives a valid, runnable model', async () => {
    await check({}, false);
  });

  it('A16W8 gives a valid, runnable model', async () => {
    await check({ activationType: 'int16' }, true);
  });
});

describe('an opset-9 model with an op that changed at opset 10 (Slice)', () => {
  it('is upgraded to 13 (Slice attributes → inputs) and runs with default options', async () => {
    const model = createModel(9, 'slice9');
    const g = model.graph;
    const x = g.addInput('x', tensorType('float32', ['N', 4]));
    const w = g.addInitializer(Tensor.fromArray('w', 'float32', [4, 6], floatFeed([4, 6], 311).data as Float32Array));
    const mm = g.addNode({ opType: 'MatMul', name: 'mm', inputs: [x, w], outputs: ['mm_out'] }).output();
    const y = g.addNode({ opType: 'Slice', name: 'slice', inputs: [mm], outputs: ['y'], attributes: [intsAttr('starts', [1]), intsAttr('ends', [4]), intsAttr('axes', [1])] }).output();
    y.type = tensorType('float32', ['N', 3]);
    g.addOutput(y);
    const data = samples(4, [4], 312);
    const r = await quantize(model, { calibration: { kind: 'data', source: tensorSource({ x: data }) } });
    expect(r.model.opset).toBe(13);
    expect(r.opsetUpgrade?.changes).toEqual([{ opType: 'Slice', count: 1, what: 'starts/ends/axes → inputs' }]);
    const session = await ModelSession.create(r.model);
    const out = await session.run({ x: data });
    await session.close();
    expect(out['y']!.dims).toEqual([4, 3]);
  });
});

describe('the input model is never modified', () => {
  const cases: [string, () => Model | Promise<Model>, Partial<QuantizeConfig>, Feeds][] = [
    ['constant weights', buildConstantWeights, { mixedPrecisionTensor: { BFloat16: ['conv_out'] } }, { x: samples(4, [2, 5, 5], 309) }],
    ['opset 9 conv (opset import added to the output)', () => convFixture(9).build(), { activationType: 'int16', nodePrecision: { BFloat16: ['fc'] } }, { input: samples(4, [3, 8, 8], 310) }],
    ['fashion-resnet A16W8 with an Int8 node', () => loadModel(RESNET), { activationType: 'int16', nodePrecision: { Int8: ['/layers/layers.2/c2/Conv'] } }, { input: sliceBatch(readNpyFloat32(calibrationNpyPath()), 0, 8) }],
  ];
  it.each(cases)('%s: same bytes before and after quantize', async (_name, build, config, data) => {
    const model = await build();
    const before = serializeModel(model)!;
    const r = await quantize(model, { calibration: { kind: 'data', source: tensorSource(data) }, ...config });
    expect(r.model).not.toBe(model);
    expect(Buffer.from(serializeModel(model)!).equals(Buffer.from(before))).toBe(true);
    // And quantizing it again gives the same model (nothing leaked from the first run).
    const again = await quantize(model, { calibration: { kind: 'ranges', ranges: r.ranges }, ...config });
    expect(Buffer.from(serializeModel(again.model)!).equals(Buffer.from(serializeModel(r.model)!))).toBe(true);
  });
});
