/**
 * The two real models quantized A8W8 and A16W8 (per-channel int8 weights, MinMax, the 256
 * calibration images) against the ONNX Runtime reference figures in /work/shared/models/README.md:
 * average L2 over the calibration set within 1.1x of ORT's, top-1 on the 1,000-image eval subset
 * within 0.5 point of the float model.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { quantize, type QuantizeResult } from '../../src/api/quantize.js';
import type { HostTensor, Model } from '../../src/ir/index.js';
import { loadModel } from '../../src/onnx/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import { calibrationNpyPath, readNpyFloat32, RESNET, VIT } from '../fixtures/helpers.js';
import { averageL2, readNpyInt32, runModel, tensorSource, top1 } from './helpers.js';

const EVAL_DIR = '/work/shared/data/fashion-mnist/eval';
const calib = readNpyFloat32(calibrationNpyPath());
const evalInput = readNpyFloat32(`${EVAL_DIR}/input.npy`);
const evalLabels = readNpyInt32(`${EVAL_DIR}/labels.npy`);

/** ONNX Runtime 1.30 quantize_static figures (README): average L2 on the calibration set. */
const ORT_L2 = {
  'fashion-resnet': { int8: 0.191, int16: 0.086 },
  'fashion-vit': { int8: 0.237, int16: 0.059 },
} as const;

const logits = async (model: Model, input: HostTensor) => (await runModel(model, { input }))['logits']!.data as Float32Array;
/** The float model may run fully optimised (it holds no Q/DQ): faster, same values to ~1e-6. */
async function floatLogits(model: Model, input: HostTensor): Promise<Float32Array> {
  const session = await ModelSession.create(model, { optimization: 'all' });
  try {
    return (await session.run({ input }))['logits']!.data as Float32Array;
  } finally {
    await session.close();
  }
}

describe.each([
  ['fashion-resnet', RESNET],
  ['fashion-vit', VIT],
] as const)('%s', (name, path) => {
  let a8: QuantizeResult;
  let a16: QuantizeResult;
  let floatCalib: Float32Array;
  let floatTop1: number;
  beforeAll(async () => {
    const float = await loadModel(path);
    a8 = await quantize(float, { calibration: { kind: 'data', source: tensorSource({ input: calib }, 'calibration set'), method: 'minmax' }, activationType: 'int8', weightType: 'int8', perChannel: true });
    // Same calibration ranges, wider activations.
    a16 = await quantize(float, { calibration: { kind: 'ranges', ranges: a8.ranges }, activationType: 'int16' });
    floatCalib = await floatLogits(float, calib);
    floatTop1 = top1(await floatLogits(float, evalInput), evalLabels, 10);
  });

  it('calibrated on all 256 images', () => {
    expect(a8.calibrationSamples).toBe(256);
    expect(floatTop1).toBeGreaterThan(0.8);
  });

  it.each([
    ['A8W8', 'int8'],
    ['A16W8', 'int16'],
  ] as const)('%s: average L2 ≤ 1.1 × ONNX Runtime, top-1 within 0.5 point of float', async (_label, act) => {
    const r = act === 'int8' ? a8 : a16;
    const l2 = averageL2(floatCalib, await logits(r.model, calib), 10);
    const acc = top1(await logits(r.model, evalInput), evalLabels, 10);
    console.log(`${name} ${_label}: average L2 ${l2.toFixed(4)} (ORT ${ORT_L2[name][act]}), top-1 ${(acc * 100).toFixed(1)}% (float ${(floatTop1 * 100).toFixed(1)}%)`);
    expect(l2).toBeGreaterThan(0);
    expect(l2).toBeLessThanOrEqual(1.1 * ORT_L2[name][act]);
    expect(Math.abs(acc - floatTop1)).toBeLessThanOrEqual(0.005 + 1e-9);
  });
});
