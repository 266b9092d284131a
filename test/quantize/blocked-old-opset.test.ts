/**
 * An opset-9 model the upgrade pass cannot move (a Dropout whose mask is used blocks 9 → 10):
 * onnxruntime's default optimizations would fuse 8-bit Q/DQ around its Conv/MatMul into
 * QLinearConv/QLinearMatMul, which opset 9 lacks. quantize refuses such a plan before calibrating,
 * with UNSUPPORTED_OPSET naming the blocking node, and what the hint offers does load.
 */
import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/api/quantize.js';
import type { CalibrationSource } from '../../src/calibration/sources/types.js';
import { InvalidOutputError, MixqError } from '../../src/errors.js';
import { planOptionsFrom } from '../../src/api/quantize.js';
import { planQuantization } from '../../src/qdq/plan.js';
import { buildModel, calibrate, prepareForQuantization, tensorsToCalibrate } from '../../src/search/pipeline.js';
import { createModel, intsAttr, tensorType, type Model, type Value } from '../../src/ir/index.js';
import { assertLoadsWithDefaults, ModelSession } from '../../src/runtime/index.js';
import { catchMixqAsync } from '../fixtures/helpers.js';
import { floatFeed, floatInit } from '../fixtures/models.js';
import { qdqParams, tensorSource } from './helpers.js';

/** x → `layer` (Conv 1×1 or MatMul) → Relu → Dropout(y, mask), both Dropout outputs used. */
function blockedOpset9(layer: 'Conv' | 'MatMul'): Model {
  const model = createModel(9, `blocked_${layer}`);
  const g = model.graph;
  const conv = layer === 'Conv';
  const x = g.addInput('x', tensorType('float32', conv ? ['N', 2, 4, 4] : ['N', 4]));
  const w = floatInit(g, 'w', conv ? [3, 2, 1, 1] : [4, 3], 1);
  const attributes = conv ? [intsAttr('kernel_shape', [1, 1])] : [];
  const y: Value = g.addNode({ opType: layer, name: 'layer', inputs: [x, w], outputs: ['layer_out'], attributes }).output();
  const r = g.addNode({ opType: 'Relu', name: 'relu', inputs: [y], outputs: ['r'] }).output();
  const d = g.addNode({ opType: 'Dropout', name: 'drop', inputs: [r], outputs: ['out', 'mask'] });
  g.addOutput(d.output(0));
  g.addOutput(d.output(1));
  return model;
}

const sample = (layer: 'Conv' | 'MatMul', n: number) => ({ x: floatFeed(layer === 'Conv' ? [n, 2, 4, 4] : [n, 4], 2) });

/** A source that fails the test if anything reads it. */
function unreadSource(layer: 'Conv' | 'MatMul'): CalibrationSource {
  const real = tensorSource(sample(layer, 4));
  return {
    ...real,
    batches: () => {
      throw new Error('calibration data was read before the plan was refused');
    },
  };
}

describe('quantize on an opset-9 model the upgrade pass cannot move', () => {
  for (const [layer, fused] of [['Conv', 'QLinearConv'], ['MatMul', 'QLinearMatMul']] as const) {
    it(`8-bit ${layer}: UNSUPPORTED_OPSET before calibration, naming the blocking node and the layer`, async () => {
      const warnings: string[] = [];
      const error = await catchMixqAsync(() => quantize(blockedOpset9(layer), { calibration: { kind: 'data', source: unreadSource(layer) }, onWarning: (w) => warnings.push(w) }));
      expect(error).toBeInstanceOf(MixqError);
      expect(error.code).toBe('UNSUPPORTED_OPSET');
      expect(error.message).toContain(`ai.onnx opset 9, where 8-bit ${layer} 'layer' cannot be written`);
      expect(error.message).toContain(`into ${fused}, which exists from opset 10`);
      expect(error.message).toMatch(/the opset upgrade is blocked: Dropout 'drop': Dropout-7 → 10: its mask 'mask' is used/);
      expect(error.hint).toContain('Export the model at opset 13 or later');
      expect(error.hint).toContain('excludeNodes');
      expect(error.hint).toContain('activationType int16');
      // The upgrade warning came first and says the same thing in advance.
      expect(warnings[0]).toMatch(/^The model stays at ai\.onnx opset 9 \(Dropout 'drop': .*8-bit Conv\/MatMul layers are refused here/);
    });
  }

  for (const [layer, fused] of [['Conv', 'QLinearConv'], ['MatMul', 'QLinearMatMul']] as const) {
    it(`the refusal is needed: the 8-bit ${layer} plan, written anyway, does not load with default options`, async () => {
      const { model: prepared, opsetUpgrade } = await prepareForQuantization(blockedOpset9(layer), { sixteenBit: false });
      expect(opsetUpgrade).toMatchObject({ upgraded: false, from: 9 });
      const plan = planQuantization(prepared, planOptionsFrom(prepared, { calibration: { kind: 'ranges', ranges: new Map() } }));
      // Calibrated ranges (a Relu output starts at 0, so onnxruntime folds the Relu into the fusion).
      const { ranges } = await calibrate(prepared, tensorsToCalibrate(prepared, plan), tensorSource(sample(layer, 4)));
      const { model } = buildModel(prepared, plan, ranges);
      const error = await catchMixqAsync(() => assertLoadsWithDefaults(model, 'unguarded'));
      expect(error).toBeInstanceOf(InvalidOutputError);
      expect(error.message).toContain(`No Op registered for ${fused} with domain_version of 9`);
    });
  }

  it('what the hint offers loads with default options: 16-bit activations, or the layer kept float', async () => {
    for (const layer of ['Conv', 'MatMul'] as const) {
      const source = tensorSource(sample(layer, 4));
      const wide = await quantize(blockedOpset9(layer), { calibration: { kind: 'data', source }, activationType: 'int16' });
      const excluded = await quantize(blockedOpset9(layer), { calibration: { kind: 'data', source }, excludeNodes: ['layer'] });
      for (const r of [wide, excluded]) {
        expect(r.model.opset).toBe(9);
        await assertLoadsWithDefaults(r.model, `${layer} ${r.plan.nodes[0]!.status}`);
        const session = await ModelSession.create(r.model);
        const out = await session.run(sample(layer, 2));
        await session.close();
        expect((out['out']!.data as Float32Array).every(Number.isFinite)).toBe(true);
      }
      expect(excluded.plan.nodes.find((n) => n.name === 'layer')).toMatchObject({ status: 'excluded', precision: 'float32' });
      expect(qdqParams(layerInputDq(wide.model))).toMatchObject({ type: 'int16', domain: 'com.microsoft' });
    }
  });
});

/** The DequantizeLinear feeding the layer's activation input. */
function layerInputDq(model: Model) {
  const layer = model.graph.nodes.find((n) => n.name === 'layer')!;
  return layer.inputs[0]!.producer!;
}
