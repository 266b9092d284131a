import { describe, expect, it } from 'vitest';
import { quantize, type QuantizeResult } from '../../src/api/quantize.js';
import type { QuantizeConfig } from '../../src/api/config.js';
import { cloneModel, type HostTensor, type Model } from '../../src/ir/index.js';
import { materialize } from '../../src/qdq/materialize.js';
import { countInt32Saturated } from '../../src/quant/index.js';
import { prepareModel } from '../../src/search/pipeline.js';
import { biasOverflowFixture } from '../fixtures/exports/index.js';
import { biasTrapData, biasTrapModel, SMALL_CHANNEL } from './bias-fixture.js';
import { runModel, tensorSource } from './helpers.js';
import { relativeL2 as errorOf } from '../fixtures/error-metrics.js';

const DATA = biasTrapData(16);

async function relativeL2(float: Model, quantized: Model, x: HostTensor, output = 'y'): Promise<number> {
  const f = (await runModel(float, { x }))[output]!.data as Float32Array;
  const q = (await runModel(quantized, { x }))[output]!.data as Float32Array;
  return errorOf(q, f);
}

/** Values at the int32 limits over every int32 initializer a DequantizeLinear reads. */
function saturatedInt32(model: Model): number {
  let n = 0;
  for (const node of model.graph.nodes) {
    const init = node.opType === 'DequantizeLinear' ? node.inputs[0]?.initializer : undefined;
    if (init?.type === 'int32') n += countInt32Saturated(init.toArray() as Int32Array);
  }
  return n;
}

async function run(config: Partial<QuantizeConfig>): Promise<QuantizeResult> {
  return quantize(biasTrapModel(), { calibration: { kind: 'data', source: tensorSource({ x: DATA }) }, ...config });
}

/** The same plan and ranges with every bias left float32 (the reference a sound int32 bias must match). */
async function withFloatBiases(r: QuantizeResult, float = biasTrapModel()): Promise<Model> {
  const model = cloneModel(await prepareModel(float));
  materialize(model, { ...r.plan, tensors: r.plan.tensors.filter((t) => t.role !== 'bias') }, { ranges: r.ranges });
  return model;
}

/** The same plan and ranges built the old way: weight scales as computed, biases clipped. */
async function withClippedBiases(r: QuantizeResult, float = biasTrapModel()): Promise<{ model: Model; saturated: number }> {
  const model = cloneModel(await prepareModel(float));
  const built = materialize(model, r.plan, { ranges: r.ranges, fitInt32Bias: false });
  expect(built.biasAdjustments).toEqual([]);
  for (const s of built.saturatedBiases) expect(built.warnings).toContain(`${s.values} value(s) of the int32 bias '${s.bias}' of '${s.node}' still saturate: that bias is clipped.`);
  return { model, saturated: built.saturatedBiases.reduce((n, s) => n + s.values, 0) };
}

describe('the bias-overflow export fixture (opset 11, Constant weights, two planted channels)', () => {
  const fixture = biasOverflowFixture();
  const x = fixture.feeds(16, 7)[fixture.inputName]!;
  const output = fixture.outputNames[0]!;

  it.each([
    ['A16W16', 'int16', 'int16'],
    ['A16W8', 'int16', 'int8'],
  ] as const)('%s: both planted channels raised, no saturated bias, error within 2x of the float-bias model (clipped: >10x)', async (_label, activationType, weightType) => {
    const r = await quantize(fixture.build(), { calibration: { kind: 'data', source: fixture.source(32) }, activationType, weightType });
    expect(saturatedInt32(r.model)).toBe(0);
    for (const tiny of fixture.tinyChannels) expect(r.biasAdjustments.map((a) => a.node), tiny.conv).toContain(tiny.conv);
    const error = await relativeL2(fixture.build(), r.model, x, output);
    const reference = await relativeL2(fixture.build(), await withFloatBiases(r, fixture.build()), x, output);
    const clipped = await withClippedBiases(r, fixture.build());
    expect(clipped.saturated).toBeGreaterThanOrEqual(fixture.tinyChannels.length);
    const before = await relativeL2(fixture.build(), clipped.model, x, output);
    expect(error).toBeLessThanOrEqual(2 * reference);
    expect(before).toBeGreaterThan(10 * reference);
  });
});

describe('int32 bias overflow (weight scale raised so the bias fits)', () => {
  it('A16W16: no saturated bias, the small channel raised, error within 2x of the float-bias model', async () => {
    const r = await run({ activationType: 'int16', weightType: 'int16' });
    expect(saturatedInt32(r.model)).toBe(0);
    expect(r.saturatedBiases).toEqual([]);
    expect(r.biasAdjustments.map((a) => [a.bias, a.node, a.channels, a.ofChannels])).toEqual([['b1', 'conv1', 1, 8]]);
    expect(r.biasAdjustments[0]!.maxFactor).toBeGreaterThan(1e6);
    expect(r.warnings).toContain(r.warnings.find((w) => /raised the weight scale of 1 channel\(s\) of 'conv1' so its int32 bias fits/.test(w)));
    // The weight DQ carries the raised scale of channel 5 and only that one.
    const w1 = r.qparams.get('w1')!;
    const b1 = r.qparams.get('b1')!;
    const x = r.qparams.get('x')!;
    expect(b1.scales[SMALL_CHANNEL]).toBe(Math.fround(x.scales[0]! * w1.scales[SMALL_CHANNEL]!));
    expect(8 / b1.scales[SMALL_CHANNEL]!).toBeLessThanOrEqual(2 ** 30);
    // Raised from ~6e-11 (max |w| / 32767) to the smallest scale where 8 fits in 2^30 codes.
    const needed = 8 / (2 ** 30 * x.scales[0]!);
    expect(w1.scales[SMALL_CHANNEL]! / needed).toBeGreaterThanOrEqual(1 - 1e-6);
    expect(w1.scales[SMALL_CHANNEL]! / needed).toBeLessThan(1 + 1e-6);
    const model = biasTrapModel();
    const error = await relativeL2(model, r.model, DATA);
    const reference = await relativeL2(model, await withFloatBiases(r), DATA);
    expect(reference).toBeLessThan(1e-3);
    expect(error).toBeLessThanOrEqual(2 * reference);
    // Built without the raise, the bias of channel 5 clips to 2^31 codes (2e-6 instead of 8).
    const clipped = await withClippedBiases(r);
    expect(clipped.saturated).toBe(1);
    expect(saturatedInt32(clipped.model)).toBe(1);
    expect(await relativeL2(model, clipped.model, DATA)).toBeGreaterThan(100 * reference);
  });

  it('A16W8 and per-tensor weights: the whole tensor scale is raised once; no bias saturates', async () => {
    const perChannel = await run({ activationType: 'int16' });
    expect(saturatedInt32(perChannel.model)).toBe(0);
    const perTensor = await run({ activationType: 'int16', weightType: 'int16', perChannel: false });
    expect(saturatedInt32(perTensor.model)).toBe(0);
    expect(perTensor.biasAdjustments.map((a) => [a.node, a.channels, a.ofChannels])).toEqual([['conv1', 1, 1]]);
    expect(perTensor.warnings.some((w) => w.startsWith("raised the weight scale of 'conv1' so its int32 bias fits"))).toBe(true);
  });

  it('asymmetric uint8 weights: raised channels get a zero point that keeps their range in [0, 255]', async () => {
    const r = await run({ activationType: 'int16', weightType: 'uint8', symmetricWeights: false });
    expect(saturatedInt32(r.model)).toBe(0);
    expect(r.biasAdjustments.map((a) => a.node)).toContain('conv1');
    const w1 = r.qparams.get('w1')!;
    const zp = w1.zeroPoints[SMALL_CHANNEL]!;
    expect(zp).toBeGreaterThanOrEqual(0);
    expect(zp).toBeLessThanOrEqual(255);
    // Weights of ±1e-6 round to the zero point: dequantized they are 0, within half a step of the truth.
    expect(w1.scales[SMALL_CHANNEL]! / 2).toBeGreaterThan(1e-6);
  });

  it('A8W8: a 1e-6 channel overflows there too (8 / (7.8e-3 · 1.6e-8) ≈ 6e10); only it is raised, conv2 is left alone', async () => {
    const r = await run({});
    expect(r.biasAdjustments.map((a) => [a.bias, a.channels])).toEqual([['b1', 1]]);
    expect(saturatedInt32(r.model)).toBe(0);
    const plain = await run({ activationType: 'int8' });
    expect(plain.qparams.get('w2')!.scales).toEqual(r.qparams.get('w2')!.scales);
    // Channels other than the small one keep max|w| / 127.
    const w1 = r.qparams.get('w1')!;
    const weights = biasTrapModel().graph.ownValue('w1')!.initializer!.toArray() as Float32Array;
    const max0 = Math.max(...Array.from(weights.subarray(0, 27), Math.abs));
    expect(w1.scales[0]).toBe(Math.fround(Math.fround(2 * Math.fround(max0)) / 254));
  });

  it('biases that fit keep their weight scales (fashion-sized biases, A16W16)', async () => {
    const model = biasTrapModel();
    const b1 = model.graph.ownValue('b1')!.initializer!.toArray() as Float32Array;
    const w1 = model.graph.ownValue('w1')!.initializer!.toArray() as Float32Array;
    b1[SMALL_CHANNEL] = 0.05;
    for (let i = 0; i < 27; i++) w1[SMALL_CHANNEL * 27 + i] = 0.2 * (i % 2 ? 1 : -1);
    const r = await quantize(model, { calibration: { kind: 'data', source: tensorSource({ x: DATA }) }, activationType: 'int16', weightType: 'int16' });
    expect(r.biasAdjustments).toEqual([]);
    expect(r.warnings.filter((w) => w.includes('int32 bias'))).toEqual([]);
    expect(saturatedInt32(r.model)).toBe(0);
  });
});
