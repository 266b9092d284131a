/**
 * A8W8 quantization parameters where mixq used to differ from ONNX Runtime's quantize_static on a
 * recognizer-like net (bench/a8w8-parity.ts): the output of HardSigmoid (hardswish and SE gates) is
 * quantized over its calibrated range, not over the whole [0, 1].
 */
import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/api/quantize.js';
import { createModel, floatAttr, Tensor, tensorType, type HostTensor, type Model } from '../../src/ir/index.js';
import { seededFloats } from '../fixtures/random.js';
import { runModel, tensorSource, treatmentOf } from './helpers.js';
import { relativeL2 } from '../fixtures/error-metrics.js';

/** An SE gate: x → GlobalAveragePool → 1x1 Conv → HardSigmoid → Mul(x, gate) → y. */
function seGate(): Model {
  const model = createModel(13, 'se_gate');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', ['N', 4, 3, 3]));
  const pooled = g.addNode({ opType: 'GlobalAveragePool', name: 'pool', inputs: [x], outputs: ['pooled'] }).output();
  const w = g.addInitializer(Tensor.fromArray('w', 'float32', [4, 4, 1, 1], seededFloats(601, 16, 0.4)));
  const b = g.addInitializer(Tensor.fromArray('b', 'float32', [4], Float32Array.of(-1, -0.5, 0, 0.5)));
  const fc = g.addNode({ opType: 'Conv', name: 'fc', inputs: [pooled, w, b], outputs: ['fc_out'] }).output();
  const gate = g.addNode({ opType: 'HardSigmoid', name: 'gate', inputs: [fc], outputs: ['gate_out'], attributes: [floatAttr('alpha', 1 / 6), floatAttr('beta', 0.5)] }).output();
  const y = g.addNode({ opType: 'Mul', name: 'scale', inputs: [x, gate], outputs: ['y'] }).output();
  y.type = tensorType('float32', ['N', 4, 3, 3]);
  g.addOutput(y);
  return model;
}

const feed = (n: number, seed: number): HostTensor => ({ type: 'float32', dims: [n, 4, 3, 3], data: seededFloats(seed, n * 36, 1) });

describe('HardSigmoid output', () => {
  it('is quantized over its calibrated range (the gate never reaches 1 here), as ONNX Runtime does', async () => {
    const model = seGate();
    const calib = feed(16, 602);
    const r = await quantize(model, { calibration: { kind: 'data', source: tensorSource({ x: calib }), method: 'minmax' }, activationType: 'int8', weightType: 'int8' });
    // The finer gate scale shows in the output (measured 0.0065; 0.0071 with the gate over [0, 1]).
    const ref = (await runModel(model, { x: calib }))['y']!.data as Float32Array;
    const got = (await runModel(r.model, { x: calib }))['y']!.data as Float32Array;
    const gateRange = r.ranges.get('gate_out');
    expect(gateRange).toBeDefined();
    // The biases keep the gate inside (0, 1): well below 1 at the top.
    expect(gateRange!.max).toBeLessThan(0.7);
    expect(gateRange!.min).toBeGreaterThan(0);
    // Asymmetric int8 over [0, max] (zero included): scale max/255, zero point at -128.
    const t = treatmentOf(r.model, 'gate_out');
    expect(t).toMatchObject({ kind: 'qdq', type: 'int8', zeroPoints: [-128] });
    if (t.kind !== 'qdq') throw new Error('unreachable');
    expect(t.scales[0]).toBe(Math.fround(Math.fround(gateRange!.max) / 255));
    expect(relativeL2(got, ref)).toBeLessThan(0.0068);
  });
});
