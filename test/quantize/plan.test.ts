/**
 * What quantize() writes into real models: per-channel weight axes, int32 bias scales, fused
 * activations, preserved output names, Q/DQ domains per type and opset, precision statistics.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { planOptionsFrom, quantize, type QuantizeResult } from '../../src/api/quantize.js';
import { ConfigError } from '../../src/errors.js';
import { cloneModel, createModel, intsAttr, Tensor, tensorType, type Model, type Node } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import { materialize } from '../../src/qdq/materialize.js';
import { planQuantization } from '../../src/qdq/plan.js';
import { prepareModel } from '../../src/search/pipeline.js';
import { convFixture } from '../fixtures/models.js';
import { calibrationNpyPath, expectFeedsBitExact, readNpyFloat32, RESNET, sliceBatch, VIT } from '../fixtures/helpers.js';
import { seededFloats } from '../fixtures/random.js';
import { dqFeeding, nodeNamed, qdqParams, runModel, tensorSource, treatmentOf } from './helpers.js';

const calib = sliceBatch(readNpyFloat32(calibrationNpyPath()), 0, 32);
const source = () => tensorSource({ input: calib }, 'first 32 calibration images');

const qdqNodes = (m: Model) => m.graph.nodes.filter((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear');
const layers = (m: Model, op: string) => m.graph.nodes.filter((n) => n.opType === op);

/** Checks the bias DQ of a Conv/Gemm: int32, zero points 0, scales = input scale × weight scales (float32). */
function expectBiasScales(model: Model, node: Node, weightAxis: number): void {
  const input = qdqParams(dqFeeding(model, node.name, 0));
  const weight = qdqParams(dqFeeding(model, node.name, 1));
  const bias = qdqParams(dqFeeding(model, node.name, 2));
  expect(weight.axis, `${node.name} weight axis`).toBe(weightAxis);
  expect(bias.type).toBe('int32');
  expect(bias.axis, `${node.name} bias axis`).toBe(0);
  expect(bias.zeroPoints.every((z) => z === 0)).toBe(true);
  expect(bias.scales).toEqual(weight.scales.map((w) => Math.fround(input.scales[0]! * w)));
  expect(dqFeeding(model, node.name, 2).inputs[0]!.initializer!.dims).toEqual([weight.scales.length]);
}

describe('fashion-resnet A8W8 / A16W8 plans', () => {
  let float: Model;
  let a8: QuantizeResult;
  let a16: QuantizeResult;
  beforeAll(async () => {
    float = await loadModel(RESNET);
    a8 = await quantize(float, { calibration: { kind: 'data', source: source() } });
    a16 = await quantize(float, { calibration: { kind: 'ranges', ranges: a8.ranges }, activationType: 'int16' });
  });

  it('every Conv weight is int8 per-channel on axis 0 (output channels), symmetric', () => {
    const convs = layers(a8.model, 'Conv');
    expect(convs).toHaveLength(13);
    for (const conv of convs) {
      const dq = dqFeeding(a8.model, conv.name, 1);
      const stored = dq.inputs[0]!.initializer!;
      const original = float.graph.nodes.find((n) => n.name === conv.name)!.inputs[1]!.initializer!;
      expect(stored.type).toBe('int8');
      expect(stored.dims).toEqual(original.dims);
      const p = qdqParams(dq);
      expect(p.axis).toBe(0);
      expect(p.scales).toHaveLength(original.dims[0]!);
      expect(p.zeroPoints.every((z) => z === 0)).toBe(true);
    }
  });

  it('Conv and Gemm biases are int32 with scale = input scale × weight scale; Gemm (transB=1) weight on axis 0', () => {
    for (const conv of layers(a8.model, 'Conv')) expectBiasScales(a8.model, conv, 0);
    const gemm = layers(a8.model, 'Gemm')[0]!;
    expect(gemm.attrInt('transB')).toBe(1);
    expectBiasScales(a8.model, gemm, 0);
    for (const conv of layers(a16.model, 'Conv')) expectBiasScales(a16.model, conv, 0);
  });

  it('Relu is fused: no Q/DQ between a Conv and the Relu that is its only consumer', () => {
    let fused = 0;
    for (const conv of layers(a8.model, 'Conv')) {
      const uses = conv.output(0).uses;
      if (uses.length === 1 && uses[0]!.node.opType === 'Relu') fused++;
    }
    // stem + 5 first convs of the blocks (c1) feed Relu directly.
    expect(fused).toBe(6);
    for (const relu of layers(a8.model, 'Relu')) expect(relu.inputs[0]!.producer!.opType).not.toBe('DequantizeLinear');
  });

  it("keeps the graph input 'input' and output 'logits' names, output from a DequantizeLinear", () => {
    for (const r of [a8, a16]) {
      expect(r.model.graph.inputs.filter((v) => !v.initializer).map((v) => v.name)).toEqual(['input']);
      expect(r.model.graph.outputs.map((v) => v.name)).toEqual(['logits']);
      expect(r.model.graph.outputs[0]!.producer!.opType).toBe('DequantizeLinear');
    }
  });

  it('int8 Q/DQ stay in the default domain at opset 17', () => {
    expect(a8.model.opset).toBe(17);
    expect(qdqNodes(a8.model).every((n) => n.domain === '')).toBe(true);
    expect(a8.model.opsetImports.has('com.microsoft')).toBe(false);
  });

  it('int16 activations: the opset-17 model is raised to 21, where int16 Q/DQ are standard ops', () => {
    expect(a16.model.opset).toBe(21);
    const activation = qdqNodes(a16.model).filter((n) => qdqParams(n).type === 'int16');
    expect(activation.length).toBeGreaterThan(40);
    expect(qdqNodes(a16.model).every((n) => n.domain === '')).toBe(true);
    expect(a16.model.opsetImports.has('com.microsoft')).toBe(false);
    // The user's model is untouched by the opset change.
    expect(float.opset).toBe(17);
  });

  it('int16 on a model left at opset 17 (materialize never changes the opset): com.microsoft Q/DQ, import added; int8 weights and int32 bias stay default; runs', async () => {
    const prepared = await prepareModel(float);
    const plan = planQuantization(prepared, planOptionsFrom(prepared, { calibration: { kind: 'ranges', ranges: a8.ranges }, activationType: 'int16' }));
    const model = cloneModel(prepared);
    materialize(model, plan, { ranges: a8.ranges });
    expect(model.opset).toBe(17);
    const activation = qdqNodes(model).filter((n) => qdqParams(n).type === 'int16');
    expect(activation.length).toBeGreaterThan(40);
    expect(activation.every((n) => n.domain === 'com.microsoft')).toBe(true);
    expect(model.opsetImports.get('com.microsoft')).toBe(1);
    const others = qdqNodes(model).filter((n) => qdqParams(n).type !== 'int16');
    expect(others.length).toBe(2 * 14); // weights and biases of 13 Conv + 1 Gemm
    expect(others.every((n) => n.domain === '')).toBe(true);
    // Same numbers as the opset-21 model: the domain is the only difference.
    const input = sliceBatch(calib, 0, 4);
    expectFeedsBitExact(await runModel(model, { input }), await runModel(a16.model, { input }), 'com.microsoft vs opset 21');
    expect(float.opsetImports.has('com.microsoft')).toBe(false);
  });

  it('reports per-op-type precision statistics', () => {
    expect(a8.statistics['Conv']).toEqual({ INT8: 13, INT16: 0, BF16: 0, FP16: 0, FP32: 0 });
    expect(a8.statistics['Add']!.INT8).toBe(5);
    expect(a8.statistics['ReduceMean']!.FP32).toBe(1);
    expect(a16.statistics['Conv']).toEqual({ INT8: 0, INT16: 13, BF16: 0, FP16: 0, FP32: 0 });
    expect(a16.statistics['Gemm']!.INT16).toBe(1);
    expect(a8.warnings.join(' ')).toContain('ReduceMean');
  });

  it('stores weights as int8: parameter bytes drop to about a quarter', () => {
    expect(a8.parameterBytes.after).toBeLessThan(a8.parameterBytes.before * 0.3);
    expect(a8.parameterBytes.after).toBeGreaterThan(a8.parameterBytes.before * 0.2);
  });
});

describe('fashion-vit A8W8 plan', () => {
  let r: QuantizeResult;
  beforeAll(async () => {
    r = await quantize(await loadModel(VIT), { calibration: { kind: 'data', source: source() } });
  });

  it('MatMul weights are per-channel on their last axis; activation × activation MatMuls quantize both inputs', () => {
    let weighted = 0;
    let dynamic = 0;
    for (const mm of layers(r.model, 'MatMul')) {
      const b = dqFeeding(r.model, mm.name, 1);
      const p = qdqParams(b);
      if (b.inputs[0]!.initializer) {
        weighted++;
        expect(p.axis).toBe(1);
        expect(p.scales).toHaveLength(b.inputs[0]!.initializer.dims[1]!);
      } else {
        dynamic++;
        expect(p.axis).toBeUndefined();
      }
      expect(dqFeeding(r.model, mm.name, 0).opType).toBe('DequantizeLinear');
    }
    expect(weighted).toBe(16);
    expect(dynamic).toBe(8);
  });

  it('Softmax outputs get the fixed [0, 1] range; LayerNormalization computes in float unless asked', async () => {
    for (const sm of layers(r.model, 'Softmax')) {
      const q = sm.output(0).uses.find((u) => u.node.opType === 'QuantizeLinear')!.node;
      expect(qdqParams(q)).toMatchObject({ scales: [Math.fround(1 / 255)], zeroPoints: [-128] });
    }
    expect(r.plan.nodes.filter((n) => n.opType === 'LayerNormalization').map((n) => n.status)).toEqual(new Array(9).fill('float'));
    expect(r.statistics['LayerNormalization']!.FP32).toBe(9);
    const vit = await loadModel(VIT);
    // Ranges calibrated for the default plan lack the LayerNormalization outputs: a clear error.
    const stale = await quantize(vit, { calibration: { kind: 'ranges', ranges: r.ranges }, quantizeOptional: ['LayerNormalization'] }).catch((e: Error) => e);
    expect(stale).toBeInstanceOf(ConfigError);
    expect((stale as Error).message).toMatch(/ranges lack \d+ tensor/);
    const withLn = await quantize(vit, { calibration: { kind: 'data', source: source() }, quantizeOptional: ['LayerNormalization'] });
    expect(withLn.statistics['LayerNormalization']!.INT8).toBe(9);
    const out = await runModel(withLn.model, { input: sliceBatch(calib, 0, 4) });
    expect((out['logits']!.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('data-movement ops share the scale of the tensor at the top of their chain', () => {
    /** The node computing input 0 of `node`, looking through Q/DQ pairs. */
    const above = (node: Node): Node => {
      let p = node.inputs[0]!.producer!;
      while (p.opType === 'DequantizeLinear' || p.opType === 'QuantizeLinear') p = p.inputs[0]!.producer!;
      return p;
    };
    for (const split of layers(r.model, 'Split')) {
      const transpose = above(split);
      const reshape = above(transpose);
      const add = above(reshape);
      expect([transpose.opType, reshape.opType, add.opType]).toEqual(['Transpose', 'Reshape', 'Add']);
      const top = treatmentOf(r.model, add.output(0).name);
      expect(top.kind).toBe('qdq');
      for (const t of [reshape.output(0), transpose.output(0), ...split.outputs.map((o) => o!)]) expect(treatmentOf(r.model, t.name)).toEqual(top);
    }
  });
});

describe('Gemm with transB=0 (weight [K, N])', () => {
  it('puts per-channel weight scales on axis 1 and keeps the 1-D bias on axis 0; the model runs', async () => {
    const fx = convFixture(17);
    const input = { type: 'float32' as const, dims: [4, 3, 8, 8], data: Float32Array.from({ length: 4 * 192 }, (_, i) => Math.sin(i)) };
    const r = await quantize(fx.build(), { calibration: { kind: 'data', source: tensorSource({ input }) } });
    const fc = layers(r.model, 'Gemm')[0]!;
    expect(fc.attrInt('transB')).toBe(0);
    expectBiasScales(r.model, fc, 1);
    expect(qdqParams(dqFeeding(r.model, 'fc', 1)).scales).toHaveLength(10);
    const out = await runModel(r.model, { input });
    expect(out['logits']!.dims).toEqual([4, 10]);
  });
});

describe('ConvTranspose (weight [C_in, C_out, kH, kW])', () => {
  it('puts weight scales on axis 1 (output channels) and the int32 bias on axis 0; the model runs', async () => {
    const model = createModel(17, 'deconv');
    const g = model.graph;
    const x = g.addInput('x', tensorType('float32', ['N', 2, 3, 3]));
    const w = g.addInitializer(Tensor.fromArray('w', 'float32', [2, 3, 2, 2], seededFloats(401, 24, 0.5)));
    const b = g.addInitializer(Tensor.fromArray('b', 'float32', [3], Float32Array.of(0.1, 0, -0.1)));
    const y = g.addNode({ opType: 'ConvTranspose', name: 'deconv', inputs: [x, w, b], outputs: ['y'], attributes: [intsAttr('kernel_shape', [2, 2])] }).output();
    y.type = tensorType('float32', ['N', 3, 4, 4]);
    g.addOutput(y);
    const input = { type: 'float32' as const, dims: [4, 2, 3, 3], data: seededFloats(402, 72) };
    const r = await quantize(model, { calibration: { kind: 'data', source: tensorSource({ x: input }) } });
    expectBiasScales(r.model, nodeNamed(r.model, 'deconv'), 1);
    expect(qdqParams(dqFeeding(r.model, 'deconv', 1)).scales).toHaveLength(3);
    const out = await runModel(r.model, { x: input });
    expect(out['y']!.dims).toEqual([4, 3, 4, 4]);
  });
});

