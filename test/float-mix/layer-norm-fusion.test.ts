/**
 * A decomposed LayerNorm read through a 16-bit Cast: onnxruntime's LayerNormFusion swallows the Cast
 * and makes a LayerNormalization its CPU kernels reject (bfloat16 always, float16 from opset 17). The
 * node feeding such a LayerNorm stays FP32 (reason 'runtime-fusion') so that every output loads with
 * default session options; nothing else changes.
 */
import { describe, expect, it } from 'vitest';
import { mixPrecision } from '../../src/api/mix-precision.js';
import { createModel, intAttr, intsAttr, Tensor, tensorType, type HostTensor, type Model, type Value } from '../../src/ir/index.js';
import { convertFloatMix, type FloatPrecision } from '../../src/qdq/float-mix/index.js';
import { assertLoadsWithDefaults, ModelSession, type Feeds } from '../../src/runtime/index.js';
import { recognizerLike } from '../fixtures/exports/index.js';
import { floatFeed } from '../fixtures/models.js';
import { decision, weight } from './graphs.js';

/**
 * x[2,8] → MatMul mm1 → Add bias_add → decomposed LayerNorm (ln.*) → MatMul mm2 → y; with
 * `secondReader`, bias_add's output is also a graph output through a Relu.
 */
function mlpWithDecomposedLayerNorm(opset: number, secondReader = false): Model {
  const model = createModel(opset, 'decomposed_ln');
  const g = model.graph;
  const scalar = (name: string, v: number): Value => g.addInitializer(Tensor.fromArray(name, 'float32', [], Float32Array.of(v)));
  const op = (opType: string, name: string, inputs: Value[], attributes = [] as ReturnType<typeof intAttr>[]): Value =>
    g.addNode({ opType, name, inputs, outputs: [`${name}.out`], attributes }).output();
  const mean = (name: string, input: Value): Value => op('ReduceMean', name, [input], [intsAttr('axes', [-1]), intAttr('keepdims', 1)]);
  const x = g.addInput('x', tensorType('float32', [2, 8]));
  const h = op('Add', 'bias_add', [op('MatMul', 'mm1', [x, weight(g, 'w1', [8, 8], 11)]), weight(g, 'b1', [8], 12, 0.2)]);
  const centred = op('Sub', 'ln.sub', [h, mean('ln.mean', h)]);
  const variance = mean('ln.var', op('Pow', 'ln.pow', [centred, scalar('two', 2)]));
  const deviation = op('Sqrt', 'ln.sqrt', [op('Add', 'ln.add_eps', [variance, scalar('eps', 1e-5)])]);
  const scaled = op('Mul', 'ln.mul', [op('Div', 'ln.div', [centred, deviation]), weight(g, 'gamma', [8], 13)]);
  const normed = op('Add', 'ln.add', [scaled, weight(g, 'beta', [8], 14, 0.1)]);
  const y = g.addNode({ opType: 'MatMul', name: 'mm2', inputs: [normed, weight(g, 'w2', [8, 4], 15)], outputs: ['y'] }).output();
  y.type = tensorType('float32', [2, 4]);
  g.addOutput(y);
  if (secondReader) {
    const r = g.addNode({ opType: 'Relu', name: 'relu', inputs: [h], outputs: ['r'] }).output();
    r.type = tensorType('float32', [2, 8]);
    g.addOutput(r);
  }
  return model;
}

const feeds: Feeds = { x: floatFeed([2, 8], 16) };

async function run(model: Model, f: Feeds, optimization?: 'disabled'): Promise<Record<string, HostTensor>> {
  const session = await ModelSession.create(model, optimization ? { optimization } : {});
  try {
    return await session.run(f);
  } finally {
    await session.close();
  }
}

/** Largest |a - b| relative to the largest |b|. */
function relativeMaxDiff(a: HostTensor, b: HostTensor): number {
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  expect(x.length).toBe(y.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < x.length; i++) {
    diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
    scale = Math.max(scale, Math.abs(y[i]!));
  }
  return diff / scale;
}

describe('decomposed LayerNorm read through a 16-bit Cast', () => {
  const cases: [FloatPrecision, number, boolean][] = [
    ['bf16', 13, true],
    ['bf16', 17, true],
    ['fp16', 17, true],
    ['fp16', 13, false], // onnxruntime's float16 LayerNormalization below 17 loads: nothing to avoid
  ];
  for (const [precision, opset, avoided] of cases) {
    it(`${precision} at opset ${opset}: bias_add ${avoided ? 'stays FP32' : 'is converted'} and the emulated model loads with default options`, async () => {
      const float = mlpWithDecomposedLayerNorm(opset);
      const result = convertFloatMix(float, { precision, form: 'emulated' });
      const low = precision === 'bf16' ? 'bfloat16' : 'float16';
      expect(decision(result, 'mm1').precision).toBe(low);
      expect(decision(result, 'mm2').precision).toBe(low);
      const add = decision(result, 'bias_add');
      if (avoided) {
        expect(add).toMatchObject({ precision: 'float32', reason: 'runtime-fusion' });
        expect(add.detail).toContain("decomposed LayerNorm at 'ln.mean'");
      } else {
        expect(add.precision).toBe(low);
      }
      // The LayerNorm itself stays FP32 either way (ReduceMean/Pow are denied, the rest follows).
      expect(result.nodes.filter((n) => n.name.startsWith('ln.')).every((n) => n.precision === 'float32')).toBe(true);
      expect(result.converted).toBe(avoided ? 2 : 3);
      await assertLoadsWithDefaults(result.model, `${precision}@${opset}`);
      const fused = await run(result.model, feeds);
      const plain = await run(result.model, feeds, 'disabled');
      const reference = await run(float, feeds, 'disabled');
      expect(relativeMaxDiff(fused['y']!, plain['y']!)).toBeLessThan(1e-3);
      expect(relativeMaxDiff(plain['y']!, reference['y']!)).toBeLessThan(precision === 'bf16' ? 0.05 : 0.01);
    });
  }

  it('a Cast with another reader is left to onnxruntime (it fuses the LayerNorm in FP32): bias_add converts', async () => {
    const result = convertFloatMix(mlpWithDecomposedLayerNorm(17, true), { precision: 'bf16', form: 'emulated' });
    expect(decision(result, 'bias_add').precision).toBe('bfloat16');
    expect(result.converted).toBe(4); // mm1, bias_add, relu, mm2
    await assertLoadsWithDefaults(result.model, 'two readers');
  });

  it('forceLowPrecision does not override it (the model would not load)', async () => {
    const result = convertFloatMix(mlpWithDecomposedLayerNorm(13), { precision: 'bf16', form: 'emulated', forceLowPrecision: ['bias_add'] });
    expect(decision(result, 'bias_add').reason).toBe('runtime-fusion');
    await assertLoadsWithDefaults(result.model, 'forced');
  });
});

describe('mixPrecision bf16 on the recognizer-like export (decomposed LayerNorm head)', () => {
  for (const opset of [9, 13] as const) {
    it(`opset ${opset}: loads with default options, runs, and converts every Conv`, async () => {
      const fixture = recognizerLike({ opset });
      const { model, report } = await mixPrecision(fixture.build(), { precision: 'bf16' });
      expect(model.opset).toBe(13);
      const conv = report.statistics['Conv']!;
      expect(conv.BF16).toBeGreaterThan(0);
      expect(conv.FP32).toBe(0);
      // Only the head's bias Add that alone feeds the LayerNorm is kept FP32 for onnxruntime.
      expect(report.float32Nodes.filter((n) => n.reason === 'runtime-fusion').map((n) => n.name)).toEqual(['head.fc1']);
      const { report: fp16 } = await mixPrecision(fixture.build(), { precision: 'fp16' });
      expect(report.convertedNodes).toBe(fp16.convertedNodes - 1);
      const f = fixture.feeds(2, 7);
      const out = await run(model, f);
      const reference = await run(fixture.build(), f, 'disabled');
      const name = Object.keys(reference)[0]!;
      expect(out[name]!.dims).toEqual(reference[name]!.dims);
      expect((out[name]!.data as Float32Array).every(Number.isFinite)).toBe(true);
      expect(relativeMaxDiff(out[name]!, reference[name]!)).toBeLessThan(0.1);
    });
  }
});
