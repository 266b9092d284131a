import { describe, expect, it } from 'vitest';
import { createModel, Graph, intAttr, Tensor, tensorAttr, tensorType, type Model } from '../../src/ir/index.js';
import { convertFloatMix } from '../../src/qdq/float-mix/index.js';
import { ModelSession } from '../../src/runtime/index.js';
import { buildFloat16Weights, floatFeed, graphAttr } from '../fixtures/models.js';
import { BF16, casts, castsOf, decision, FLOAT, FP16, inputType, node, weight } from './graphs.js';

/** x → MatMul → h; If(cond) { then: MatMul(h, W) / else: Add(h, B) } → Relu → y. */
function subgraphModel(): Model {
  const model = createModel(17, 'with_if');
  const g = model.graph;
  const cond = g.addInput('cond', tensorType('bool', []));
  const x = g.addInput('x', tensorType('float32', [2, 4]));
  const h = g.addNode({ opType: 'MatMul', name: 'mm', inputs: [x, weight(g, 'w0', [4, 4], 1)], outputs: ['h'] }).output();
  const w = weight(g, 'W', [4, 4], 2);
  const b = weight(g, 'B', [4], 3);
  const thenG = new Graph('then', g);
  thenG.addOutput(thenG.addNode({ opType: 'MatMul', name: 'then_mm', inputs: [h, w], outputs: ['then_out'] }).output());
  thenG.outputs[0]!.type = tensorType('float32', [2, 4]);
  const elseG = new Graph('else', g);
  elseG.addOutput(elseG.addNode({ opType: 'Add', name: 'else_add', inputs: [h, b], outputs: ['else_out'] }).output());
  elseG.outputs[0]!.type = tensorType('float32', [2, 4]);
  const branch = g.addNode({ opType: 'If', name: 'branch', inputs: [cond], outputs: ['branch_out'], attributes: [graphAttr('then_branch', thenG), graphAttr('else_branch', elseG)] }).output();
  g.addOutput(g.addNode({ opType: 'Relu', name: 'relu', inputs: [branch], outputs: ['y'] }).output());
  return model;
}

/** x → Q → DQ → Conv(DQ(int8 w)) → Relu → Flatten → MatMul(float W) → Softmax → y. */
function qdqModel(): Model {
  const model = createModel(17, 'qdq');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', [1, 1, 4, 4]));
  const scale = g.addInitializer(Tensor.fromArray('x_scale', 'float32', [], Float32Array.of(0.02)));
  const zp = g.addInitializer(Tensor.fromArray('x_zp', 'int8', [], Int8Array.of(0)));
  const q = g.addNode({ opType: 'QuantizeLinear', name: 'x_q', inputs: [x, scale, zp], outputs: ['x_quant'] }).output();
  const dq = g.addNode({ opType: 'DequantizeLinear', name: 'x_dq', inputs: [q, scale, zp], outputs: ['x_deq'] }).output();
  const wq = g.addInitializer(Tensor.fromArray('w_quant', 'int8', [2, 1, 3, 3], Int8Array.from({ length: 18 }, (_, i) => (i * 7) % 21 - 10)));
  const wScale = g.addInitializer(Tensor.fromArray('w_scale', 'float32', [], Float32Array.of(0.05)));
  const wZp = g.addInitializer(Tensor.fromArray('w_zp', 'int8', [], Int8Array.of(0)));
  const wdq = g.addNode({ opType: 'DequantizeLinear', name: 'w_dq', inputs: [wq, wScale, wZp], outputs: ['w_deq'] }).output();
  const conv = g.addNode({ opType: 'Conv', name: 'conv', inputs: [dq, wdq], outputs: ['conv_out'], attributes: [] }).output();
  const relu = g.addNode({ opType: 'Relu', name: 'relu', inputs: [conv], outputs: ['relu_out'] }).output();
  const flat = g.addNode({ opType: 'Flatten', name: 'flatten', inputs: [relu], outputs: ['flat'], attributes: [intAttr('axis', 1)] }).output();
  const mm = g.addNode({ opType: 'MatMul', name: 'fc', inputs: [flat, weight(g, 'fc_w', [8, 3], 9)], outputs: ['fc_out'] }).output();
  g.addOutput(g.addNode({ opType: 'Softmax', name: 'softmax', inputs: [mm], outputs: ['y'] }).output());
  return model;
}

async function run(model: Model, feeds: Record<string, ReturnType<typeof floatFeed> | { type: 'bool'; dims: number[]; data: Uint8Array }>): Promise<Float32Array> {
  const session = await ModelSession.create(model, { optimization: 'disabled' });
  try {
    return Object.values(await session.run(feeds))[0]!.data as Float32Array;
  } finally {
    await session.close();
  }
}

describe('float mix: subgraphs stay float', () => {
  it('converts the main graph, casts the value a subgraph reads, and runs in both branches', async () => {
    const r = convertFloatMix(subgraphModel(), { precision: 'bf16', form: 'native' });
    expect(decision(r, 'mm').precision).toBe('bfloat16');
    expect(decision(r, 'branch')).toMatchObject({ reason: 'unsupported' });
    expect(decision(r, 'then_mm')).toMatchObject({ precision: 'float32', reason: 'subgraph' });
    expect(decision(r, 'else_add')).toMatchObject({ precision: 'float32', reason: 'subgraph' });
    expect(decision(r, 'relu')).toMatchObject({ reason: 'no-16-bit-input' });
    expect(r.total).toBe(5);
    expect(castsOf(r.model, 'h')).toEqual([FLOAT]);
    // The subgraph nodes now read the float32 copy; their own weights are untouched.
    const branch = node(r.model, 'branch');
    const then = branch.subgraphs()[0]!.nodes[0]!;
    expect(then.inputs[0]?.elemType).toBe('float32');
    expect(then.inputs[1]?.initializer?.type).toBe('float32');

    const emulated = convertFloatMix(subgraphModel(), { precision: 'bf16', form: 'emulated' }).model;
    const x = floatFeed([2, 4], 5);
    for (const c of [1, 0]) {
      const cond = { type: 'bool' as const, dims: [], data: Uint8Array.of(c) };
      const ref = await run(subgraphModel(), { cond, x });
      const got = await run(emulated, { cond, x });
      expect(got.length).toBe(ref.length);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThan(0.05);
    }
  });
});

describe('float mix: already-quantized QDQ models', () => {
  it('leaves Q/DQ and their region alone and converts only the float ops outside', async () => {
    const r = convertFloatMix(qdqModel(), { precision: 'fp16', form: 'native' });
    for (const name of ['x_q', 'x_dq', 'w_dq', 'conv']) expect(decision(r, name)).toMatchObject({ reason: 'quantized', precision: 'int8' });
    expect(decision(r, 'relu')).toMatchObject({ precision: 'float32', reason: 'no-16-bit-input' });
    expect(decision(r, 'fc').precision).toBe('float16');
    expect(decision(r, 'softmax').reason).toBe('denied');
    expect(casts(r.model)).toHaveLength(2);
    expect(castsOf(r.model, 'flat')).toEqual([FP16]);
    expect(castsOf(r.model, 'fc_out')).toEqual([FLOAT]);
    expect(inputType(r.model, 'w_dq', 1)).toBe('float32'); // scales are never converted
    expect(node(r.model, 'conv').inputs[0]?.name).toBe('x_deq'); // no Cast inside the Q/DQ region

    const emulated = convertFloatMix(qdqModel(), { precision: 'bf16', form: 'emulated' }).model;
    const feeds = { x: floatFeed([1, 1, 4, 4], 3) };
    const ref = await run(qdqModel(), feeds);
    const got = await run(emulated, feeds);
    for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThan(0.02);
  });
});

describe('float mix: weights and cast clean-up', () => {
  it('a weight shared with an FP32 reader is stored twice, never cast at run time (native)', () => {
    const model = createModel(17, 'shared');
    const g = model.graph;
    const x = g.addInput('x', tensorType('float32', [2, 4]));
    const w = weight(g, 'w', [4, 4], 1);
    const mm = g.addNode({ opType: 'MatMul', name: 'mm', inputs: [x, w], outputs: ['mm_out'] }).output();
    const sm = g.addNode({ opType: 'Softmax', name: 'softmax', inputs: [mm], outputs: ['sm'] }).output();
    g.addOutput(g.addNode({ opType: 'Mul', name: 'mul', inputs: [sm, w], outputs: ['y'] }).output());
    const r = convertFloatMix(model, { precision: 'bf16', form: 'native' });
    expect(inputType(r.model, 'mm', 1)).toBe('bfloat16');
    expect(inputType(r.model, 'mul', 1)).toBe('float32');
    expect(r.convertedWeights).toEqual(['w_bf16']);
    expect(castsOf(r.model, 'w')).toEqual([]);
    expect(castsOf(r.model, 'w_bf16')).toEqual([]);
  });

  it('a float16 weight whose Cast to float meets our Cast to float16 cancels out', () => {
    const native = convertFloatMix(buildFloat16Weights(), { precision: 'fp16', form: 'native' });
    expect(node(native.model, 'mm').inputs[1]?.name).toBe('w_fp16');
    expect(node(native.model, 'add').inputs[1]?.name).toBe('b_fp16');
    expect(native.casts).toEqual({ toLow: 1, toFloat: 1, weight: 0, removed: 2 });
    expect(native.model.graph.nodes.map((n) => n.name)).not.toContain('cast_w');

    // Emulated: the rounding pair on an fp16-exact value collapses to the single Cast to float.
    const emulated = convertFloatMix(buildFloat16Weights(), { precision: 'fp16', form: 'emulated' });
    const w = node(emulated.model, 'mm').inputs[1]!;
    expect(w.producer?.opType).toBe('Cast');
    expect(w.producer?.inputs[0]?.name).toBe('w_fp16');
    expect(emulated.casts.removed).toBe(2);
  });

  it('keeps Cast chains that lose precision (bfloat16 of a float16 weight)', () => {
    const r = convertFloatMix(buildFloat16Weights(), { precision: 'bf16', form: 'native' });
    const w = node(r.model, 'mm').inputs[1]!;
    expect(w.producer?.opType).toBe('Cast');
    expect(w.producer?.attrInt('to')).toBe(BF16);
    expect(w.producer?.inputs[0]?.name).toBe('w_fp16'); // fp16 → bf16 directly, the float step dropped
  });

  it('turns Constant weights into 16-bit initializers and leaves shape readers uncast', () => {
    const model = createModel(17, 'constants');
    const g = model.graph;
    const x = g.addInput('x', tensorType('float32', [2, 4]));
    const c = g.addNode({ opType: 'Constant', name: 'w_const', outputs: ['w'], attributes: [tensorAttr('value', Tensor.fromArray('w', 'float32', [4, 4], new Float32Array(16).fill(0.25)))] }).output();
    const mm = g.addNode({ opType: 'MatMul', name: 'mm', inputs: [x, c], outputs: ['mm_out'] }).output();
    const shape = g.addNode({ opType: 'Shape', name: 'shape', inputs: [mm], outputs: ['s'] }).output();
    g.addOutput(g.addNode({ opType: 'Reshape', name: 'reshape', inputs: [mm, shape], outputs: ['y'] }).output());
    const r = convertFloatMix(model, { precision: 'bf16', form: 'native' });
    expect(r.total).toBe(3);
    expect(decision(r, 'shape')).toMatchObject({ reason: 'not-float' });
    expect(decision(r, 'reshape').precision).toBe('bfloat16');
    expect(node(r.model, 'shape').inputs[0]?.name).toBe('mm_out');
    expect(inputType(r.model, 'mm', 1)).toBe('bfloat16');
    expect(castsOf(r.model, 'mm_out')).toEqual([]);
  });
});
