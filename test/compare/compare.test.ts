import { beforeAll, describe, expect, it } from 'vitest';
import { compareModels, type ModelComparison } from '../../src/api/compare.js';
import { quantize } from '../../src/api/quantize.js';
import { cloneModel, createModel, Tensor, tensorType, type Model } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import { materialize } from '../../src/qdq/materialize.js';
import { comparisonToJson, formatComparison } from '../../src/report/format-compare.js';
import { prepareModel } from '../../src/search/pipeline.js';
import { biasOverflowFixture } from '../fixtures/exports/index.js';
import { calibrationNpyPath, catchMixqAsync, readNpyFloat32, RESNET, sliceBatch } from '../fixtures/helpers.js';
import { tensorSource } from '../quantize/helpers.js';

/** y = Relu(x) and the same with x through an int8 Q/DQ of scale 0.5 (hand-computable errors). */
function reluPair(): { float: Model; quantized: Model } {
  const build = (qdq: boolean): Model => {
    const model = createModel(13, 'relu');
    const g = model.graph;
    let x = g.addInput('x', tensorType('float32', ['N', 4]));
    if (qdq) {
      const scale = g.addInitializer(Tensor.fromArray('x_scale', 'float32', [], Float32Array.of(0.5)));
      const zp = g.addInitializer(Tensor.fromArray('x_zero_point', 'int8', [], Int8Array.of(0)));
      const q = g.addNode({ opType: 'QuantizeLinear', name: 'x_q', inputs: [x, scale, zp], outputs: ['x_QuantizeLinear'] }).output();
      x = g.addNode({ opType: 'DequantizeLinear', name: 'x_dq', inputs: [q, scale, zp], outputs: ['x_DequantizeLinear'] }).output();
    }
    const y = g.addNode({ opType: 'Relu', name: 'relu', inputs: [x], outputs: ['y'] }).output();
    y.type = tensorType('float32', ['N', 4]);
    g.addOutput(y);
    return model;
  };
  return { float: build(false), quantized: build(true) };
}

// Two samples: [0.2, 0.7, -1.3, 2.0] and [1.1, -0.1, 0.4, 3.0].
const X = { type: 'float32' as const, dims: [2, 4], data: Float32Array.of(0.2, 0.7, -1.3, 2.0, 1.1, -0.1, 0.4, 3.0) };

describe('compareModels: values', () => {
  it('relative L2 and SQNR of each tensor, summed over samples and batches', async () => {
    const { float, quantized } = reluPair();
    const c = await compareModels(float, quantized, tensorSource({ x: X }), { batchSize: 1 });
    expect(c.samples).toBe(2);
    expect(c.tensors.map((t) => [t.tensor, t.producerOp, t.quantized])).toEqual([['x', 'input', 'int8'], ['y', 'Relu', 'float']]);
    // x → round(x / 0.5) · 0.5 = [0, 0.5, -1.5, 2, 1, 0, 0.5, 3]; errors -0.2 -0.2 -0.2 0 -0.1 0.1 0.1 0.
    const f = Array.from(X.data);
    const xq = [0, 0.5, -1.5, 2, 1, 0, 0.5, 3];
    const rel = (a: number[], b: number[]): number => Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0) / b.reduce((s, v) => s + v * v, 0));
    const [x, y] = c.tensors;
    expect(x!.relativeL2).toBeCloseTo(rel(xq, f), 6);
    expect(x!.sqnr).toBeCloseTo(-20 * Math.log10(rel(xq, f)), 4);
    expect(x!.maxAbsError).toBeCloseTo(0.2, 6);
    const relu = (a: number[]) => a.map((v) => Math.max(0, v));
    expect(y!.relativeL2).toBeCloseTo(rel(relu(xq), relu(f)), 6);
    // x: 9.5 % against exact inputs (the 1 % floor) is a jump; y only carries it on (ratio < 1).
    expect(x!.jumpRatio).toBeCloseTo(x!.relativeL2 / 0.01, 6);
    expect(c.jumps).toEqual(['x']);
    expect(y!.jump).toBe(false);
  });

  it('identical models: relative L2 0, SQNR Infinity (null in JSON), no jump, no saturated bias', async () => {
    const { float } = reluPair();
    const c = await compareModels(float, cloneModel(float), tensorSource({ x: X }));
    expect(c.tensors.map((t) => [t.relativeL2, t.sqnr, t.jump])).toEqual([[0, Infinity, false], [0, Infinity, false]]);
    expect(c.jumps).toEqual([]);
    expect(c.saturatedInt32).toEqual([]);
    const json = JSON.parse(JSON.stringify(comparisonToJson(c))) as { tensors: { relativeL2: number; sqnr: number | null }[] };
    expect(json.tensors.map((t) => [t.relativeL2, t.sqnr])).toEqual([[0, null], [0, null]]);
    expect(formatComparison(c)).toContain('No tensor\'s error jumps');
  });

  it('bad options and mismatched models are errors that say what to do', async () => {
    const { float, quantized } = reluPair();
    const source = tensorSource({ x: X });
    expect((await catchMixqAsync(() => compareModels(float, quantized, source, { tensorsPerPass: 0 }))).code).toBe('INVALID_ARGUMENT');
    expect((await catchMixqAsync(() => compareModels(float, quantized, source, { jumpFactor: -1 }))).code).toBe('INVALID_ARGUMENT');
    const renamed = reluPair().quantized;
    renamed.graph.renameValue(renamed.graph.inputs[0]!, 'image');
    const e1 = await catchMixqAsync(() => compareModels(float, renamed, source));
    expect(e1.code).toBe('INVALID_ARGUMENT');
    expect(e1.message).toMatch(/only the float model has 'x'; only the quantized model has 'image'/);
    const reshaped = reluPair().quantized;
    reshaped.graph.inputs[0]!.type = tensorType('float32', ['N', 5]);
    expect((await catchMixqAsync(() => compareModels(float, reshaped, source))).message).toMatch(/Input 'x' has shape \[N, 4\] in the float model but \[N, 5\]/);
    const retyped = reluPair().quantized;
    retyped.graph.inputs[0]!.type = tensorType('float16', ['N', 4]);
    expect((await catchMixqAsync(() => compareModels(float, retyped, source))).message).toMatch(/float32 in the float model but float16/);
    const wrongData = tensorSource({ image: X });
    expect((await catchMixqAsync(() => compareModels(float, quantized, wrongData))).code).toBe('CALIBRATION_DATA');
  });
});

describe('compareModels on fashion-resnet A8W8 with one mis-scaled activation', () => {
  const calib = readNpyFloat32(calibrationNpyPath());
  const source = tensorSource({ input: sliceBatch(calib, 0, 32) });
  let float: Model;
  let quantized: Model;
  let clean: ModelComparison;
  beforeAll(async () => {
    float = await loadModel(RESNET);
    quantized = (await quantize(float, { calibration: { kind: 'data', source } })).model;
    clean = await compareModels(float, quantized, source);
  }, 120_000);

  /** A copy of `quantized` with the scale of `tensor`'s activation Q/DQ multiplied by `factor`. */
  function misScaled(tensor: string, factor: number): Model {
    const copy = cloneModel(quantized);
    const q = copy.graph.ownValue(tensor)!.uses.find((u) => u.node.opType === 'QuantizeLinear')!.node;
    const scale = q.inputs[1]!;
    const value = (scale.initializer!.toArray() as Float32Array)[0]!;
    // A new tensor: clones share tensor data, so editing it in place would edit `quantized` too.
    copy.graph.setInitializer(scale, Tensor.fromArray(scale.name, 'float32', [], Float32Array.of(value * factor)));
    return copy;
  }

  /** A Conv output deep in the net that has its own int8 Q/DQ. */
  const target = (): string => {
    const convs = clean.tensors.filter((t) => t.producerOp === 'Conv' && t.quantized === 'int8');
    return convs[Math.floor(convs.length / 2)]!.tensor;
  };

  it('the clean model: every row compared in topological order, none jumps, error stays moderate', () => {
    expect(clean.tensors[0]!.tensor).toBe('input');
    expect(clean.tensors.length).toBeGreaterThan(30);
    expect(clean.missing).toEqual([]);
    expect(clean.jumps).toEqual([]);
    expect(Math.max(...clean.tensors.map((t) => t.relativeL2))).toBeLessThan(0.2);
    expect(clean.saturatedInt32).toEqual([]);
  });

  it.each([
    ['scale × 50 (coarse steps)', 50],
    ['scale ÷ 50 (clips)', 1 / 50],
  ])('%s: the first jump names that tensor', async (_label, factor) => {
    const t = target();
    const c = await compareModels(float, misScaled(t, factor), source);
    expect(c.jumps[0]).toBe(t);
    const row = c.tensors.find((r) => r.tensor === t)!;
    const before = clean.tensors.find((r) => r.tensor === t)!;
    expect(row.relativeL2).toBeGreaterThan(10 * before.relativeL2);
    expect(formatComparison(c)).toContain(`Error jumps first at '${t}' (Conv, int8`);
    // Rows before it are untouched by the edit.
    const at = c.tensors.indexOf(row);
    for (let i = 0; i < at; i++) expect(c.tensors[i]!.relativeL2).toBe(clean.tensors[i]!.relativeL2);
  }, 60_000);

  it('splitting the tensors over passes (by count or by bytes) gives the same numbers', async () => {
    const small = { limit: 16 };
    const one = await compareModels(float, quantized, source, small);
    const byCount = await compareModels(float, quantized, source, { ...small, tensorsPerPass: 11 });
    expect(byCount.passes).toBe(Math.ceil(clean.tensors.length / 11));
    // 8 samples × (float + QDQ copy) of the 28×28 maps: 6 MiB lets a few tensors in per pass.
    const byBytes = await compareModels(float, quantized, source, { ...small, maxBytesPerPass: 6 * 1024 ** 2 });
    expect(byBytes.passes).toBeGreaterThan(1);
    expect(byBytes.passes).toBeLessThan(clean.tensors.length / 2);
    for (const c of [byCount, byBytes]) {
      expect(c.samples).toBe(16);
      expect(c.tensors.map((t) => t.tensor)).toEqual(clean.tensors.map((t) => t.tensor));
      c.tensors.forEach((t, i) => expect(t.relativeL2).toBe(one.tensors[i]!.relativeL2));
    }
    expect(one.passes).toBe(1);
  }, 120_000);
});

describe('compareModels finds clipped int32 biases', () => {
  it('lists the saturated biases of a model built without the weight-scale raise, none in mixq output', async () => {
    const fixture = biasOverflowFixture();
    const source = fixture.source(16);
    const r = await quantize(fixture.build(), { calibration: { kind: 'data', source }, activationType: 'int16', weightType: 'int16' });
    const clipped = cloneModel(await prepareModel(fixture.build()));
    const built = materialize(clipped, r.plan, { ranges: r.ranges, fitInt32Bias: false });
    const bad = await compareModels(fixture.build(), clipped, source, { limit: 8 });
    expect(bad.samples).toBe(8);
    expect(bad.saturatedInt32.map((s) => [s.consumers, s.values])).toEqual(built.saturatedBiases.map((s) => [[s.node], s.values]));
    expect(bad.saturatedInt32.map((s) => s.consumers[0]).sort()).toEqual(fixture.tinyChannels.map((t) => t.conv).sort());
    expect(formatComparison(bad)).toMatch(/Saturated int32 biases: 2 \(values at the int32 limits\)/);
    const good = await compareModels(fixture.build(), r.model, source, { limit: 8 });
    expect(good.saturatedInt32).toEqual([]);
    // The clipped channel is where the clipped model's error jumps first.
    expect(bad.jumps[0]).toBe(`${fixture.tinyChannels[0]!.conv}.out`);
  }, 60_000);
});
