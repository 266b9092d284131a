/**
 * Layer-wise precision: MixedPrecisionTensor maps (a seeded property test over the real models),
 * node-name and op-type maps with boundary conversions, and the errors bad maps give.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { quantize, type QuantizeResult } from '../../src/api/quantize.js';
import { ConfigError, UnknownNameError, UnsupportedTypeError } from '../../src/errors.js';
import type { Model } from '../../src/ir/index.js';
import { loadModel, serializeModel } from '../../src/onnx/index.js';
import type { MixedPrecisionTensor, PrecisionName } from '../../src/qdq/types.js';
import { allActivationTensors, calibrate, prepareModel } from '../../src/search/pipeline.js';
import type { Range } from '../../src/calibration/ranges.js';
import { buildMultiOutput } from '../fixtures/models.js';
import { calibrationNpyPath, catchMixqAsync, expectFeedsBitExact, readNpyFloat32, RESNET, sliceBatch, VIT } from '../fixtures/helpers.js';
import { prng } from '../fixtures/random.js';
import { dqFeeding, nodeNamed, qdqParams, runModel, tensorSource, treatmentOf, type Treatment } from './helpers.js';

const calib = readNpyFloat32(calibrationNpyPath());
const feed = { input: sliceBatch(calib, 100, 4) };
const CHOICES: readonly PrecisionName[] = ['Int8', 'Int16', 'BFloat16', 'Float32'];
const EXPECTED: Record<string, (t: Treatment) => boolean> = {
  Int8: (t) => t.kind === 'qdq' && t.type === 'int8',
  Int16: (t) => t.kind === 'qdq' && t.type === 'int16',
  BFloat16: (t) => t.kind === 'cast' && t.to === 16,
  Float32: (t) => t.kind === 'none',
};

interface Setup {
  readonly float: Model;
  readonly ranges: Map<string, Range>;
  readonly activations: string[];
  readonly global: QuantizeResult;
}

const setups = new Map<string, Promise<Setup>>();
/** Per model, once per file: every float activation calibrated, so any map builds from the same ranges. */
function setup(path: string): Promise<Setup> {
  let s = setups.get(path);
  if (!s) setups.set(path, (s = makeSetup(path)));
  return s;
}

async function makeSetup(path: string): Promise<Setup> {
  const float = await loadModel(path);
  const prepared = await prepareModel(float);
  const activations = allActivationTensors(prepared);
  const { ranges } = await calibrate(prepared, activations, tensorSource({ input: sliceBatch(calib, 0, 32) }));
  const global = await quantize(float, { calibration: { kind: 'ranges', ranges } });
  return { float, ranges, activations, global };
}

/** A random map: 1 to 8 distinct tensors, each with a random precision. */
function randomMap(next: () => number, names: readonly string[]): { map: MixedPrecisionTensor; listed: Map<string, PrecisionName> } {
  const pool = [...names];
  const listed = new Map<string, PrecisionName>();
  const count = 1 + Math.floor(next() * 8);
  for (let i = 0; i < count && pool.length > 0; i++) {
    const [name] = pool.splice(Math.floor(next() * pool.length), 1);
    listed.set(name!, CHOICES[Math.floor(next() * CHOICES.length)]!);
  }
  const map: Record<string, string[]> = {};
  for (const [name, p] of listed) (map[p] ??= []).push(name);
  return { map: map as MixedPrecisionTensor, listed };
}

/** Quantized weights (codes and parameters) of every layer, by node name. */
function weightsOf(model: Model): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const n of model.graph.nodes) {
    if (!['Conv', 'Gemm', 'MatMul'].includes(n.opType)) continue;
    const dq = n.inputs[1]?.producer;
    if (dq?.opType !== 'DequantizeLinear' || !dq.inputs[0]?.initializer) continue;
    out.set(n.name, { ...qdqParams(dq), codes: [...(dq.inputs[0].initializer.toArray() as Int8Array)] });
  }
  return out;
}

describe.each([
  ['fashion-resnet', RESNET, 16],
  ['fashion-vit', VIT, 16],
] as const)('MixedPrecisionTensor on %s', (_label, path, maps) => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup(path);
  });

  it('an empty map gives the very same model as the global setting', async () => {
    const empty = await quantize(s.float, { calibration: { kind: 'ranges', ranges: s.ranges }, mixedPrecisionTensor: {} });
    expect(Buffer.from(serializeModel(empty.model)!).equals(Buffer.from(serializeModel(s.global.model)!))).toBe(true);
    expectFeedsBitExact(await runModel(empty.model, feed), await runModel(s.global.model, feed), 'empty map vs global');
  });

  it(`${maps} random maps: each model runs; listed tensors get their precision; every other tensor is untouched`, async () => {
    const next = prng(path === RESNET ? 4242 : 4343);
    const globalWeights = weightsOf(s.global.model);
    const globalTreatment = new Map(s.activations.map((t) => [t, treatmentOf(s.global.model, t)]));
    const seen = new Set<string>();
    for (let i = 0; i < maps; i++) {
      const { map, listed } = randomMap(next, s.activations);
      const label = `map ${i}: ${JSON.stringify(map)}`;
      const r = await quantize(s.float, { calibration: { kind: 'ranges', ranges: s.ranges }, mixedPrecisionTensor: map });
      for (const [name, p] of listed) {
        expect(EXPECTED[p]!(treatmentOf(r.model, name)), `${label}: '${name}' should be ${p}, is ${JSON.stringify(treatmentOf(r.model, name))}`).toBe(true);
        seen.add(p);
      }
      for (const t of s.activations) {
        if (listed.has(t)) continue;
        expect(treatmentOf(r.model, t), `${label}: untouched tensor '${t}'`).toEqual(globalTreatment.get(t));
      }
      expect(weightsOf(r.model), `${label}: weights`).toEqual(globalWeights);
      if (i % 4 === 0) {
        // The result's own map, given back, rebuilds the very same model.
        const again = await quantize(s.float, { calibration: { kind: 'ranges', ranges: s.ranges }, mixedPrecisionTensor: r.mixedPrecisionTensor });
        expect(Buffer.from(serializeModel(again.model)!).equals(Buffer.from(serializeModel(r.model)!)), `${label}: result map round trip`).toBe(true);
      }
      const out = await runModel(r.model, feed);
      expect(out['logits']!.dims, label).toEqual([4, 10]);
      expect((out['logits']!.data as Float32Array).every(Number.isFinite), label).toBe(true);
    }
    expect([...seen].sort()).toEqual([...CHOICES].sort());
  });
});

describe('node-name and op-type precision maps (fashion-resnet)', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup(RESNET);
  });
  const build = (extra: Record<string, unknown>) => quantize(s.float, { calibration: { kind: 'ranges', ranges: s.ranges }, ...extra });

  it('an Int16 node reads its int8 input through a DQ(int8) → Q(int16) → DQ(int16) conversion on that edge only', async () => {
    const conv = '/layers/layers.1/c1/Conv';
    const r = await build({ nodePrecision: { Int16: [conv] } });
    const dq16 = dqFeeding(r.model, conv, 0);
    const q16 = dq16.inputs[0]!.producer!;
    const dq8 = q16.inputs[0]!.producer!;
    expect([dq16.opType, q16.opType, dq8.opType]).toEqual(['DequantizeLinear', 'QuantizeLinear', 'DequantizeLinear']);
    expect([qdqParams(dq16).type, qdqParams(q16).type, qdqParams(dq8).type]).toEqual(['int16', 'int16', 'int8']);
    // int16 Q/DQ: com.microsoft below opset 21 (or the model was raised to 21).
    expect(qdqParams(q16).domain).toBe(r.model.opset >= 21 ? '' : 'com.microsoft');
    // The shortcut conv reads the same tensor at int8, straight from its DQ.
    expect(dqFeeding(r.model, '/layers/layers.1/sc/sc.0/Conv', 0)).toBe(dq8);
    // Weight stays int8; the bias scale follows the int16 input scale.
    const w = qdqParams(dqFeeding(r.model, conv, 1));
    expect(w.type).toBe('int8');
    expect(qdqParams(dqFeeding(r.model, conv, 2)).scales).toEqual(w.scales.map((x) => Math.fround(qdqParams(dq16).scales[0]! * x)));
    expect(r.statistics['Conv']).toMatchObject({ INT8: 12, INT16: 1 });
    expect(r.plan.conversions).toEqual([{ tensor: '/layers/layers.0/Relu_1_output_0', node: conv, inputIndex: 0, precision: 'int16' }]);
    expect((await runModel(r.model, feed))['logits']!.dims).toEqual([4, 10]);
  });

  it('node names win over op types; op-type maps cover every node of the type', async () => {
    const r = await build({ opTypePrecision: { Int16: ['Conv'] }, nodePrecision: { Int8: ['/stem/stem.0/Conv'] } });
    expect(r.statistics['Conv']).toMatchObject({ INT8: 1, INT16: 12 });
    expect((await runModel(r.model, feed))['logits']!.dims).toEqual([4, 10]);
  });

  it('a BFloat16 Gemm gets a Cast pair on its input edge and a bfloat16-stored weight; Float32 Adds stay float', async () => {
    const r = await build({ opTypePrecision: { BFloat16: ['Gemm'], Float32: ['Add'] } });
    const gemm = nodeNamed(r.model, '/fc/Gemm');
    const up = gemm.inputs[0]!.producer!;
    expect([up.opType, up.attrInt('to'), up.inputs[0]!.producer!.opType, up.inputs[0]!.producer!.attrInt('to')]).toEqual(['Cast', 1, 'Cast', 16]);
    const w = gemm.inputs[1]!.producer!;
    expect([w.opType, w.inputs[0]!.initializer!.type]).toEqual(['Cast', 'bfloat16']);
    expect(r.statistics['Gemm']).toMatchObject({ BF16: 1 });
    expect(r.statistics['Add']).toMatchObject({ FP32: 5, INT8: 0 });
    const out = await runModel(r.model, feed);
    expect((out['logits']!.data as Float32Array).every(Number.isFinite)).toBe(true);
  });
});

describe('bad maps and settings', () => {
  let float: Model;
  beforeAll(async () => {
    float = await loadModel(RESNET);
  });
  const ranges = new Map<string, Range>();
  const attempt = (extra: Record<string, unknown>, model: Model = float) => catchMixqAsync(() => quantize(model, { calibration: { kind: 'ranges', ranges }, ...extra }));

  it('an unknown tensor name is an UnknownNameError suggesting the near match', async () => {
    const e = await attempt({ mixedPrecisionTensor: { Int16: ['/layers/layers.0/Relu_output_00'] } });
    expect(e).toBeInstanceOf(UnknownNameError);
    expect(e.message).toContain("did you mean '/layers/layers.0/Relu_output_0'");
    expect((e as UnknownNameError).names).toEqual(['/layers/layers.0/Relu_output_00']);
  });

  it('unknown node names and op types are UnknownNameErrors too', async () => {
    expect((await attempt({ nodePrecision: { Int16: ['/stem/stem.0/Cnv'] } })).message).toContain("'/stem/stem.0/Conv'");
    const e = await attempt({ opTypePrecision: { Int16: ['Cnv'] } });
    expect(e).toBeInstanceOf(UnknownNameError);
    expect(e.message).toContain("'Conv'");
  });

  it('a tensor listed twice is a ConfigError naming it and both precisions', async () => {
    const e = await attempt({ mixedPrecisionTensor: { Int8: ['input'], Int16: ['input'] } });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toContain("'input' (Int8 and Int16)");
  });

  it('an unknown precision key is a ConfigError with a suggestion', async () => {
    const e = await attempt({ mixedPrecisionTensor: { Int9: ['input'] } });
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.message).toContain("Unknown precision 'Int9'");
    expect(e.message).toContain("did you mean 'Int8'");
  });

  it('Int8 on an int64 tensor is an UnsupportedTypeError', async () => {
    const e = await attempt({ mixedPrecisionTensor: { Int8: ['argmax_out'] } }, buildMultiOutput());
    expect(e).toBeInstanceOf(UnsupportedTypeError);
    expect(e.message).toContain("'argmax_out' is int64");
  });

  it('bad activation / weight types are ConfigErrors', async () => {
    const a = await attempt({ activationType: 'int4' });
    expect(a).toBeInstanceOf(ConfigError);
    expect(a.message).toContain("activationType 'int4'");
    const w = await attempt({ weightType: 'float8' });
    expect(w).toBeInstanceOf(ConfigError);
    expect(w.message).toContain("weightType 'float8'");
  });
});
