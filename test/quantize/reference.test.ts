/**
 * QDQ models built by quantize() and run by onnxruntime against an independent TypeScript
 * fake-quant reference (test/quantize/reference.ts), on small hand-built graphs with given ranges:
 * scales, zero points and quantized integers must be identical, and the output codes equal except
 * where float32 summation order may flip a rounding tie.
 */
import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/api/quantize.js';
import type { ActivationType } from '../../src/api/config.js';
import { createModel, intsAttr, Tensor, tensorType, type Model } from '../../src/ir/index.js';
import { float32ToBfloat16Bit, bfloat16BitToFloat32, float16BitToFloat32, float32ToFloat16Bit } from '../../src/quant/index.js';
import { seededFloats } from '../fixtures/random.js';
import { dqFeeding, f32, qdqParams, runModel, treatmentOf } from './helpers.js';
import { compareCodes, refBias, refConv2d, refFakeQuant, refMatMul, refScaleZp, refWeight, type RefType } from './reference.js';

const ranges = (entries: Record<string, [number, number]>) => new Map(Object.entries(entries).map(([k, [min, max]]) => [k, { min, max }]));

function convReluModel(opset: number): Model {
  const model = createModel(opset, 'conv_relu');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', [2, 2, 4, 4]));
  const w = g.addInitializer(Tensor.fromArray('w', 'float32', [3, 2, 3, 3], seededFloats(101, 54, 0.6)));
  const b = g.addInitializer(Tensor.fromArray('b', 'float32', [3], Float32Array.of(0.05, -0.1, 0.2)));
  const conv = g.addNode({ opType: 'Conv', name: 'conv', inputs: [x, w, b], outputs: ['conv_out'], attributes: [intsAttr('kernel_shape', [3, 3]), intsAttr('pads', [1, 1, 1, 1])] }).output();
  const y = g.addNode({ opType: 'Relu', name: 'relu', inputs: [conv], outputs: ['y'] }).output();
  y.type = tensorType('float32', [2, 3, 4, 4]);
  g.addOutput(y);
  return model;
}

function matmulModel(opset: number): Model {
  const model = createModel(opset, 'matmul');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', [3, 4]));
  const w = g.addInitializer(Tensor.fromArray('w', 'float32', [4, 5], seededFloats(102, 20, 0.8)));
  const y = g.addNode({ opType: 'MatMul', name: 'mm', inputs: [x, w], outputs: ['y'] }).output();
  y.type = tensorType('float32', [3, 5]);
  g.addOutput(y);
  return model;
}

function addModel(opset: number): Model {
  const model = createModel(opset, 'add');
  const g = model.graph;
  const a = g.addInput('a', tensorType('float32', [2, 6]));
  const b = g.addInput('b', tensorType('float32', [2, 6]));
  const y = g.addNode({ opType: 'Add', name: 'add', inputs: [a, b], outputs: ['y'] }).output();
  y.type = tensorType('float32', [2, 6]);
  g.addOutput(y);
  return model;
}

const CASES: { label: string; activation: ActivationType; opset: number; band: number }[] = [
  { label: 'int8 activations, opset 13', activation: 'int8', opset: 13, band: 1e-3 },
  { label: 'uint8 activations, opset 17', activation: 'uint8', opset: 17, band: 1e-3 },
  // The opset-11 model is raised to 21 before planning (ai.onnx int16 Q/DQ); the band covers float32
  // summation order at 16 bits.
  { label: 'int16 activations, opset 11', activation: 'int16', opset: 11, band: 0.05 },
  { label: 'int16 activations, opset 21', activation: 'int16', opset: 21, band: 0.05 },
];

describe.each(CASES)('$label, int8 weights, vs the TypeScript reference', ({ activation, opset, band }) => {
  const act = activation as RefType;

  it('Conv (per-channel weight, int32 bias) → Relu', async () => {
    const model = convReluModel(opset);
    const x = seededFloats(201, 2 * 2 * 16, 1.3); // some values beyond the range: saturation
    const r = await quantize(model, { calibration: { kind: 'ranges', ranges: ranges({ x: [-1, 1], y: [0, 1.5] }) }, activationType: activation });
    // Parameters written into the model equal the reference ones.
    const sx = refScaleZp(-1, 1, act, false);
    const sy = refScaleZp(0, 1.5, act, false);
    expect(r.model.opset).toBe(activation === 'int16' ? 21 : Math.max(opset, 13));
    const domain = '';
    expect(treatmentOf(r.model, 'x')).toMatchObject({ kind: 'qdq', type: activation, domain, scales: [sx.scale], zeroPoints: [sx.zp] });
    expect(treatmentOf(r.model, 'y')).toMatchObject({ kind: 'qdq', type: activation, scales: [sy.scale], zeroPoints: [sy.zp] });
    const w = model.graph.ownValue('w')!.initializer!.toArray() as Float32Array;
    const rw = refWeight(w, [3, 2, 3, 3], 0, 'int8');
    const wdq = dqFeeding(r.model, 'conv', 1);
    expect(qdqParams(wdq)).toMatchObject({ type: 'int8', domain: '', scales: rw.scales, zeroPoints: [0, 0, 0], axis: 0 });
    expect([...(wdq.inputs[0]!.initializer!.toArray() as Int8Array)]).toEqual(rw.codes);
    const bias = Float32Array.of(0.05, -0.1, 0.2);
    const rb = refBias(bias, sx.scale, rw.scales);
    const bdq = dqFeeding(r.model, 'conv', 2);
    expect(qdqParams(bdq)).toMatchObject({ type: 'int32', scales: rb.scales, zeroPoints: [0, 0, 0], axis: 0 });
    expect([...(bdq.inputs[0]!.initializer!.toArray() as Int32Array)]).toEqual(rb.codes);
    // No Q/DQ between Conv and Relu.
    expect(r.model.graph.nodes.find((n) => n.name === 'relu')!.inputs[0]!.producer!.opType).toBe('Conv');

    const out = (await runModel(r.model, { x: f32([2, 2, 4, 4], x) }))['y']!.data as Float32Array;
    const xdq = refFakeQuant(x, sx.scale, sx.zp, act);
    const bdqRef = rb.codes.map((c, i) => Math.fround(c * rb.scales[i]!));
    const conv = refConv2d(xdq, [2, 2, 4, 4], rw.dequantized, [3, 2, 3, 3], bdqRef, 1);
    const relu = conv.data.map((v) => Math.max(0, v));
    const cmp = compareCodes(out, relu, sy.scale, sy.zp, act, band);
    expect(cmp.wrong).toBe(0);
    expect(cmp.nearTie).toBeLessThanOrEqual(2);
    expect(cmp.exact).toBeGreaterThanOrEqual(relu.length - 2);
    // Equal codes give bit-equal outputs.
    const expected = refFakeQuant(relu, sy.scale, sy.zp, act);
    let maxDiff = 0;
    for (let i = 0; i < out.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out[i]! - expected[i]!));
    expect(maxDiff).toBeLessThanOrEqual(cmp.nearTie > 0 ? sy.scale * 1.0001 : 0);
  });

  it('MatMul with a constant weight (per-channel on the last axis)', async () => {
    const model = matmulModel(opset);
    const x = seededFloats(202, 12, 1.1);
    const r = await quantize(model, { calibration: { kind: 'ranges', ranges: ranges({ x: [-1, 1], y: [-1.2, 0.9] }) }, activationType: activation });
    const sx = refScaleZp(-1, 1, act, false);
    const sy = refScaleZp(-1.2, 0.9, act, false);
    const w = model.graph.ownValue('w')!.initializer!.toArray() as Float32Array;
    const rw = refWeight(w, [4, 5], 1, 'int8');
    const wdq = dqFeeding(r.model, 'mm', 1);
    expect(qdqParams(wdq)).toMatchObject({ scales: rw.scales, axis: 1 });
    expect([...(wdq.inputs[0]!.initializer!.toArray() as Int8Array)]).toEqual(rw.codes);

    const out = (await runModel(r.model, { x: f32([3, 4], x) }))['y']!.data as Float32Array;
    const ref = refMatMul(refFakeQuant(x, sx.scale, sx.zp, act), rw.dequantized, 3, 4, 5);
    const cmp = compareCodes(out, ref, sy.scale, sy.zp, act, band);
    expect(cmp.wrong).toBe(0);
    expect(cmp.exact).toBeGreaterThanOrEqual(ref.length - 1);
  });

  it('Add of two inputs: one float32 add, so every code is exact', async () => {
    const model = addModel(opset);
    const a = seededFloats(203, 12, 1.2);
    const b = seededFloats(204, 12, 0.7);
    const r = await quantize(model, { calibration: { kind: 'ranges', ranges: ranges({ a: [-1, 1], b: [-0.5, 0.75], y: [-1.5, 1.5] }) }, activationType: activation });
    const sa = refScaleZp(-1, 1, act, false);
    const sb = refScaleZp(-0.5, 0.75, act, false);
    const sy = refScaleZp(-1.5, 1.5, act, false);
    const out = (await runModel(r.model, { a: f32([2, 6], a), b: f32([2, 6], b) }))['y']!.data as Float32Array;
    const adq = refFakeQuant(a, sa.scale, sa.zp, act);
    const bdq = refFakeQuant(b, sb.scale, sb.zp, act);
    const sum = adq.map((v, i) => Math.fround(v + bdq[i]!));
    expect([...out]).toEqual([...refFakeQuant(sum, sy.scale, sy.zp, act)]);
  });
});

describe('16-bit float tensors vs the reference', () => {
  it.each([
    ['BFloat16', 16, (v: number) => bfloat16BitToFloat32(float32ToBfloat16Bit(v))],
    ['Float16', 10, (v: number) => float16BitToFloat32(float32ToFloat16Bit(v))],
  ] as const)('%s on an activation is a Cast pair that rounds exactly like the TS conversion', async (name, code, round) => {
    const model = addModel(17);
    const a = seededFloats(205, 12, 3);
    const b = seededFloats(206, 12, 3);
    const r = await quantize(model, {
      calibration: { kind: 'ranges', ranges: ranges({ a: [-3, 3], b: [-3, 3], y: [-6, 6] }) },
      mixedPrecisionTensor: { [name]: ['a', 'b', 'y'] },
    });
    for (const t of ['a', 'b', 'y']) expect(treatmentOf(r.model, t)).toEqual({ kind: 'cast', to: code });
    const out = (await runModel(r.model, { a: f32([2, 6], a), b: f32([2, 6], b) }))['y']!.data as Float32Array;
    const expected = a.map((v, i) => round(Math.fround(round(v) + round(b[i]!))));
    expect([...out]).toEqual([...expected]);
  });
});
