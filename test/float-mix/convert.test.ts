import { describe, expect, it } from 'vitest';
import { RuntimeFailureError } from '../../src/errors.js';
import { ModelSession } from '../../src/runtime/index.js';
import { convertFloatMix } from '../../src/qdq/float-mix/index.js';
import { serializeModel } from '../../src/onnx/index.js';
import { floatFeed } from '../fixtures/models.js';
import { BF16, casts, castsOf, clearFirst, convReluConvSoftmax, decision, FLOAT, FP16, inputType, matmulSandwich, node, twoDeniedReaders } from './graphs.js';

describe('float mix: regions and casts on Conv → Relu → Conv → Softmax', () => {
  it('native: one cast into the region, one out before Softmax; weights stored as bfloat16', () => {
    const r = convertFloatMix(convReluConvSoftmax(), { precision: 'bf16', form: 'native' });
    expect(casts(r.model)).toHaveLength(2);
    expect(castsOf(r.model, 'x')).toEqual([BF16]);
    expect(castsOf(r.model, 'conv2_out')).toEqual([FLOAT]);
    expect(r.casts).toEqual({ toLow: 1, toFloat: 1, weight: 0, removed: 0 });
    expect(r.converted).toBe(3);
    expect(r.total).toBe(4);
    expect(r.summary).toBe('Converted 3/4 nodes to BF16, inserted 2 casts');
    expect(decision(r, 'softmax')).toMatchObject({ precision: 'float32', reason: 'denied', list: 'deny' });
    for (const name of ['conv1', 'relu', 'conv2']) expect(decision(r, name).precision).toBe('bfloat16');
    // The Conv reads bfloat16 everywhere: activation (value type) and weights (initializers, same names).
    expect([0, 1, 2].map((i) => inputType(r.model, 'conv1', i))).toEqual(['bfloat16', 'bfloat16', 'bfloat16']);
    expect(node(r.model, 'conv1').inputs[1]?.name).toBe('conv1_w');
    expect(node(r.model, 'relu').outputs[0]?.elemType).toBe('bfloat16');
    expect([...r.convertedWeights].sort()).toEqual(['conv1_b', 'conv1_w', 'conv2_b', 'conv2_w']);
    expect(r.model.graph.initializers.every((v) => v.initializer!.type === 'bfloat16')).toBe(true);
  });

  it('emulated: a rounding pair on the input and after each Conv, none after Relu; one Cast per weight', async () => {
    const r = convertFloatMix(convReluConvSoftmax(), { precision: 'bf16', form: 'emulated' });
    expect(r.casts).toEqual({ toLow: 3, toFloat: 3, weight: 4, removed: 0 });
    expect(casts(r.model)).toHaveLength(10);
    expect(castsOf(r.model, 'x')).toEqual([BF16]);
    expect(castsOf(r.model, 'conv1_out')).toEqual([BF16]);
    expect(castsOf(r.model, 'relu_out')).toEqual([]);
    expect(r.summary).toBe('Converted 3/4 nodes to BF16, inserted 6 casts and 4 weight casts');
    // Every kernel still takes float32, so the CPU onnxruntime runs it.
    expect(inputType(r.model, 'conv1', 0)).toBe('float32');
    expect(r.model.graph.initializers.every((v) => v.initializer!.type === 'bfloat16')).toBe(true);
    const feeds = { x: floatFeed([1, 2, 5, 5], 7) };
    const ref = await runOnce(convReluConvSoftmax(), feeds);
    const got = await runOnce(r.model, feeds);
    const diff = maxDiff(ref, got);
    expect(diff).toBeGreaterThan(0); // rounding happened
    expect(diff).toBeLessThan(0.05);
  });

  it('FP16 emulated matches FP16 native run by onnxruntime', async () => {
    const feeds = { x: floatFeed([1, 2, 5, 5], 8) };
    const emulated = await runOnce(convertFloatMix(convReluConvSoftmax(), { precision: 'fp16', form: 'emulated' }).model, feeds);
    const native = convertFloatMix(convReluConvSoftmax(), { precision: 'fp16', form: 'native' }).model;
    expect(castsOf(native, 'x')).toEqual([FP16]);
    let ran: Float32Array;
    try {
      ran = await runOnce(native, feeds);
    } catch (error) {
      expect(error).toBeInstanceOf(RuntimeFailureError); // no FP16 Conv kernel on this CPU: structure checked above
      return;
    }
    expect(maxDiff(emulated, ran)).toBeLessThan(2e-3);
  });

  it('keeps the graph output name and float32 type when a 16-bit node produces it', () => {
    const r = convertFloatMix(matmulSandwich('Relu'), { precision: 'bf16', form: 'native' });
    const out = r.model.graph.outputs[0]!;
    expect(out.name).toBe('y');
    expect(out.elemType).toBe('float32');
    expect(out.producer?.opType).toBe('Cast');
    expect(out.producer?.inputs[0]?.elemType).toBe('bfloat16');
  });
});

describe('float mix: infer and clear ops', () => {
  it('an infer op between two allow ops joins the region (no cast between them)', () => {
    const r = convertFloatMix(matmulSandwich('Add', 'bias'), { precision: 'bf16', form: 'native' });
    expect(decision(r, 'mid').precision).toBe('bfloat16');
    expect(r.casts).toMatchObject({ toLow: 1, toFloat: 1 });
    expect(castsOf(r.model, 'mm1_out')).toEqual([]);
    expect(inputType(r.model, 'mid', 1)).toBe('bfloat16'); // the bias weight, converted once
  });

  it('an infer op with one 16-bit and one FP32 activation joins; the FP32 one is cast in', () => {
    const r = convertFloatMix(matmulSandwich('Add', 'input'), { precision: 'bf16', form: 'native' });
    expect(decision(r, 'mid').precision).toBe('bfloat16');
    expect(castsOf(r.model, 'z')).toEqual([BF16]);
    expect(r.casts).toMatchObject({ toLow: 2, toFloat: 1 });
  });

  it('an infer op with only FP32 inputs stays FP32', () => {
    const r = convertFloatMix(matmulSandwich('Relu'), { precision: 'bf16', form: 'native', forceFloat32: ['mm1'] });
    expect(decision(r, 'mm1')).toMatchObject({ reason: 'denied', detail: 'forced to float32 by name' });
    // Relu reads a forced-FP32 node: the deny decision spreads to it.
    expect(decision(r, 'mid')).toMatchObject({ precision: 'float32', reason: 'denied' });
    expect(castsOf(r.model, 'mid_out')).toEqual([BF16]);
  });

  it('a clear op with FP32 inputs stays FP32; the cast goes after it', () => {
    const r = convertFloatMix(clearFirst(), { precision: 'bf16', form: 'native' });
    expect(decision(r, 'transpose')).toMatchObject({ precision: 'float32', reason: 'no-16-bit-input', list: 'clear' });
    expect(castsOf(r.model, 'x')).toEqual([]);
    expect(castsOf(r.model, 't_out')).toEqual([BF16]);
    expect(r.casts).toMatchObject({ toLow: 1, toFloat: 1 });
  });

  it('a clear op fed by the region joins it; with a mixed input it stays FP32', () => {
    const joined = convertFloatMix(matmulSandwich('Transpose'), { precision: 'bf16', form: 'native' });
    expect(decision(joined, 'mid').precision).toBe('bfloat16');
    expect(joined.casts).toMatchObject({ toLow: 1, toFloat: 1 });
    const mixed = convertFloatMix(matmulSandwich('Max', 'input'), { precision: 'bf16', form: 'native', lists: { infer: { remove: ['Max'] }, clear: { add: ['Max'] } } });
    expect(decision(mixed, 'mid')).toMatchObject({ precision: 'float32', reason: 'no-16-bit-input' });
    expect(castsOf(mixed.model, 'mm1_out')).toEqual([FLOAT]);
  });

  it('one cast serves every FP32 consumer of a 16-bit value', () => {
    const r = convertFloatMix(twoDeniedReaders(), { precision: 'bf16', form: 'native' });
    expect(castsOf(r.model, 'mm_out')).toEqual([FLOAT]);
    expect(r.casts).toMatchObject({ toLow: 1, toFloat: 1 });
    const back = casts(r.model).find((c) => c.inputs[0]?.name === 'mm_out')!.output(0);
    expect(back.consumers().map((n) => n.name).sort()).toEqual(['exp', 'softmax']);
  });

  it('a denied op moved to another list joins the region', () => {
    const r = convertFloatMix(convReluConvSoftmax(), { precision: 'bf16', form: 'native', lists: { deny: { remove: ['Softmax'] }, infer: { add: ['Softmax'] } } });
    expect(decision(r, 'softmax')).toMatchObject({ precision: 'bfloat16', list: 'infer' });
    expect(r.casts).toMatchObject({ toLow: 1, toFloat: 1 });
    expect(castsOf(r.model, 'conv2_out')).toEqual([]);
    expect(r.model.graph.outputs[0]?.name).toBe('y');
  });

  it('never modifies the input model', () => {
    const model = convReluConvSoftmax();
    const before = serializeModel(model)!;
    convertFloatMix(model, { precision: 'fp16', form: 'native' });
    convertFloatMix(model, { precision: 'bf16', form: 'emulated' });
    expect(Buffer.from(serializeModel(model)!).equals(Buffer.from(before))).toBe(true);
  });
});

async function runOnce(model: Parameters<typeof ModelSession.create>[0], feeds: Record<string, ReturnType<typeof floatFeed>>): Promise<Float32Array> {
  const session = await ModelSession.create(model, { optimization: 'disabled' });
  try {
    const out = await session.run(feeds);
    return Object.values(out)[0]!.data as Float32Array;
  } finally {
    await session.close();
  }
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
