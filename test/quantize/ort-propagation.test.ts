/**
 * An int8 DQ → Transpose whose output the map keeps float, in a model raised to opset 21 by an Int16
 * tensor: onnxruntime's QDQ propagation + S8→U8 conversion made such models fail to load with
 * default options (see src/qdq/ort-propagation.ts). The map must be honoured and the model load.
 */
import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/api/quantize.js';
import { InvalidOutputError } from '../../src/errors.js';
import { cloneModel, createModel, intsAttr, Tensor, tensorType, type Model } from '../../src/ir/index.js';
import { moveUnloadableInt8Propagation } from '../../src/qdq/ort-propagation.js';
import { assertLoadsWithDefaults, ModelSession, type Feeds } from '../../src/runtime/index.js';
import { catchMixqAsync } from '../fixtures/helpers.js';
import { floatFeed, floatInit } from '../fixtures/models.js';
import { dqFeeding, nodeNamed, qdqParams, runModel, tensorSource, treatmentOf } from './helpers.js';

/** x → MatMul → a → Transpose → t → MatMul → y (the shape of a ViT's attention K^T). */
function transposeModel(opset = 17): Model {
  const model = createModel(opset, 'dq_transpose_matmul');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', ['N', 4, 8]));
  const a = g.addNode({ opType: 'MatMul', name: 'mm1', inputs: [x, floatInit(g, 'w1', [8, 8], 71)], outputs: ['a'] }).output();
  const t = g.addNode({ opType: 'Transpose', name: 'transpose', inputs: [a], outputs: ['t'], attributes: [intsAttr('perm', [0, 2, 1])] }).output();
  const y = g.addNode({ opType: 'MatMul', name: 'mm2', inputs: [t, floatInit(g, 'w2', [4, 6], 72)], outputs: ['y'] }).output();
  y.type = tensorType('float32', ['N', 8, 6]);
  g.addOutput(y);
  return model;
}

const calib = { x: floatFeed([16, 4, 8], 73) };
const feed: Feeds = { x: floatFeed([3, 4, 8], 74) };

async function runDefault(model: Model): Promise<Float32Array> {
  const session = await ModelSession.create(model);
  try {
    return (await session.run(feed))['y']!.data as Float32Array;
  } finally {
    await session.close();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('int8 DQ → data-movement op kept float, at opset 21', () => {
  const map = { Float32: ['t'], Int16: ['x'] };

  for (const precision of ['Float32', 'BFloat16'] as const) {
    it(`honours { ${precision}: [t], Int16: [x] } and loads with default options`, async () => {
      const r = await quantize(transposeModel(), { calibration: { kind: 'data', source: tensorSource(calib) }, mixedPrecisionTensor: { [precision]: ['t'], Int16: ['x'] } });
      expect(r.model.opset).toBe(21);
      // The map, exactly: x int16, t as asked, a (not listed) at the global int8.
      expect(treatmentOf(r.model, 'x')).toMatchObject({ kind: 'qdq', type: 'int16', domain: '' });
      expect(treatmentOf(r.model, 't')).toEqual(precision === 'Float32' ? { kind: 'none' } : { kind: 'cast', to: 16 });
      expect(treatmentOf(r.model, 'a')).toMatchObject({ kind: 'qdq', type: 'int8', domain: '' });
      // Only the DQ onnxruntime would propagate through the Transpose is com.microsoft.
      const dq = dqFeeding(r.model, 'transpose', 0);
      expect([dq.domain, qdqParams(dq).type]).toEqual(['com.microsoft', 'int8']);
      expect(dq.inputs[0]!.producer!.domain).toBe('');
      expect(r.model.opsetImports.get('com.microsoft')).toBe(1);
      expect(r.model.graph.nodes.filter((n) => n.domain === 'com.microsoft').map((n) => n.name)).toEqual([dq.name]);
      // Default options (fusion, S8→U8) agree with the unoptimised graph.
      const fused = await runDefault(r.model);
      const plain = (await runModel(r.model, feed))['y']!.data as Float32Array;
      expect(fused.every(Number.isFinite)).toBe(true);
      const scale = Math.max(...plain.map(Math.abs));
      expect(maxAbsDiff(fused, plain)).toBeLessThan(0.02 * scale);
      expect(r.mixedPrecisionTensor).toMatchObject({ [precision]: ['t'], Int16: ['x'] });
    });
  }

  it('without the guard the same model does not load with default options (the onnxruntime bug it avoids)', async () => {
    const r = await quantize(transposeModel(), { calibration: { kind: 'data', source: tensorSource(calib) }, mixedPrecisionTensor: map });
    const unguarded = cloneModel(r.model);
    nodeNamed(unguarded, dqFeeding(r.model, 'transpose', 0).name).domain = '';
    await assertLoadsWithDefaults(r.model, 'guarded');
    const error = await catchMixqAsync(() => assertLoadsWithDefaults(unguarded, 'unguarded'));
    expect(error).toBeInstanceOf(InvalidOutputError);
    expect(error.message).toContain('output_dtype INT8 does not match y_zero_point type UINT8');
  });

  it('leaves DQs alone below opset 21, when the Transpose output is quantized, and for uint8', async () => {
    const calibration = { kind: 'data' as const, source: tensorSource(calib) };
    const low = await quantize(transposeModel(), { calibration, mixedPrecisionTensor: { Float32: ['t'] } });
    expect(low.model.opset).toBe(17);
    const quantizedT = await quantize(transposeModel(), { calibration, mixedPrecisionTensor: { Int16: ['x'] } });
    const unsigned = await quantize(transposeModel(), { calibration, activationType: 'uint8', mixedPrecisionTensor: map });
    expect(unsigned.model.opset).toBe(21);
    for (const m of [low.model, quantizedT.model, unsigned.model]) {
      expect(m.graph.nodes.filter((n) => n.domain === 'com.microsoft')).toEqual([]);
      expect(moveUnloadableInt8Propagation(m)).toEqual([]);
      await assertLoadsWithDefaults(m, m.graph.name);
    }
    expect(treatmentOf(quantizedT.model, 't')).toMatchObject({ kind: 'qdq', type: 'int8' });
  });

  it('leaves a DQ with two consumers alone (onnxruntime does not propagate it)', async () => {
    const model = transposeModel(21);
    const g = model.graph;
    const a = g.ownValue('a')!;
    const scale = g.addInitializer(Tensor.fromArray('s', 'float32', [], Float32Array.of(0.05)));
    const zp = g.addInitializer(Tensor.fromArray('z', 'int8', [], Int8Array.of(3)));
    const q = g.addNode({ opType: 'QuantizeLinear', name: 'q', inputs: [a, scale, zp], outputs: ['a_q'] }).output();
    const dq = g.addNode({ opType: 'DequantizeLinear', name: 'dq', inputs: [q, scale, zp], outputs: ['a_dq'] }).output();
    nodeNamed(model, 'transpose').setInput(0, dq);
    expect(moveUnloadableInt8Propagation(cloneModel(model))).toEqual(['dq']);
    const relu = g.addNode({ opType: 'Relu', name: 'relu', inputs: [dq], outputs: ['r'] }).output();
    relu.type = tensorType('float32', ['N', 4, 8]);
    g.addOutput(relu);
    expect(moveUnloadableInt8Propagation(model)).toEqual([]);
  });
});
