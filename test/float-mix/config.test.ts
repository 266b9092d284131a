import { describe, expect, it } from 'vitest';
import { ConfigError, UnknownNameError } from '../../src/errors.js';
import { createModel, Tensor, tensorType } from '../../src/ir/index.js';
import { convertFloatMix, DEFAULT_LISTS, resolveLists } from '../../src/qdq/float-mix/index.js';
import { ONNX_OP_TYPES } from '../../src/qdq/float-mix/onnx-ops.js';
import { catchMixq, catchMixqAsync } from '../fixtures/helpers.js';
import { mixPrecision } from '../../src/api/mix-precision.js';
import { castsOf, convReluConvSoftmax, decision, FLOAT, matmulSandwich } from './graphs.js';

describe('float mix: op lists', () => {
  it('default lists are disjoint and name real ONNX ops', () => {
    const all = Object.values(DEFAULT_LISTS).flat();
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((op) => !ONNX_OP_TYPES.has(op))).toEqual([]);
    const lists = resolveLists(undefined, ONNX_OP_TYPES);
    expect(lists.get('Conv')).toBe('allow');
    expect(lists.get('Softmax')).toBe('deny');
    expect(lists.get('LayerNormalization')).toBe('infer');
    expect(lists.get('Reshape')).toBe('clear');
  });

  it('an op added to a second list without leaving the first is a ConfigError', () => {
    const error = catchMixq(() => resolveLists({ allow: { add: ['Softmax'] } }, ONNX_OP_TYPES));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('Softmax (allow and deny)');
    expect(error.message).toContain("deny: { remove: ['Softmax'] }");
    expect(resolveLists({ allow: { add: ['Softmax'] }, deny: { remove: ['Softmax'] } }, ONNX_OP_TYPES).get('Softmax')).toBe('allow');
  });

  it('an unknown op type is an UnknownNameError with near matches', () => {
    const error = catchMixq(() => convertFloatMix(convReluConvSoftmax(), { precision: 'bf16', form: 'native', lists: { deny: { add: ['Conv2D'] } } }));
    expect(error).toBeInstanceOf(UnknownNameError);
    expect((error as UnknownNameError).names).toEqual(['Conv2D']);
    expect((error as UnknownNameError).suggestions['Conv2D']).toContain('Conv');
  });

  it('removing an op its list does not hold is an UnknownNameError naming that list', () => {
    const error = catchMixq(() => resolveLists({ deny: { remove: ['Softmx'] } }, ONNX_OP_TYPES));
    expect(error).toBeInstanceOf(UnknownNameError);
    expect(error.message).toMatch(/op type in the deny list: 'Softmx' \(did you mean 'Softmax'/);
  });

  it('a misspelt list name or a malformed edit is reported', () => {
    const list = catchMixq(() => resolveLists({ alow: { add: ['Exp'] } } as never, ONNX_OP_TYPES));
    expect(list).toBeInstanceOf(UnknownNameError);
    expect((list as UnknownNameError).suggestions['alow']).toContain('allow');
    expect(catchMixq(() => resolveLists({ allow: { add: 'Exp' } } as never, ONNX_OP_TYPES))).toBeInstanceOf(ConfigError);
  });
});

describe('float mix: nodes forced by name', () => {
  it('forces a denied node to 16 bits and an allowed one to FP32', () => {
    const r = convertFloatMix(convReluConvSoftmax(), { precision: 'bf16', form: 'native', forceLowPrecision: ['softmax'], forceFloat32: ['conv2'] });
    expect(decision(r, 'conv2')).toMatchObject({ precision: 'float32', reason: 'denied', detail: 'forced to float32 by name' });
    expect(decision(r, 'softmax').precision).toBe('bfloat16');
    expect(castsOf(r.model, 'relu_out')).toEqual([FLOAT]);
  });

  it('unknown node names give near matches; a node forced both ways is a ConfigError', () => {
    const error = catchMixq(() => convertFloatMix(convReluConvSoftmax(), { precision: 'bf16', form: 'native', forceFloat32: ['conv_2'] }));
    expect(error).toBeInstanceOf(UnknownNameError);
    expect((error as UnknownNameError).suggestions['conv_2']).toContain('conv2');
    const both = catchMixq(() => convertFloatMix(convReluConvSoftmax(), { precision: 'bf16', form: 'native', forceFloat32: ['relu'], forceLowPrecision: ['relu'] }));
    expect(both).toBeInstanceOf(ConfigError);
  });

  it('rejects a bad precision or form, and BF16 below opset 13', () => {
    expect(catchMixq(() => convertFloatMix(convReluConvSoftmax(), { precision: 'int8' as never, form: 'native' }))).toBeInstanceOf(ConfigError);
    expect(catchMixq(() => convertFloatMix(convReluConvSoftmax(), { precision: 'bf16', form: 'fake' as never }))).toBeInstanceOf(ConfigError);
    const old = matmulSandwich('Relu');
    old.opsetImports.set('', 11);
    expect(catchMixq(() => convertFloatMix(old, { precision: 'bf16', form: 'emulated' })).message).toMatch(/opset 13/);
    expect(convertFloatMix(old, { precision: 'fp16', form: 'emulated' }).converted).toBe(3);
  });

  it('mix BF16 on an opset-9 model the upgrade pass refuses: a warning names the node, the error points at mixq upgrade', async () => {
    const model = createModel(9, 'dropout_mask');
    const g = model.graph;
    const x = g.addInput('x', tensorType('float32', [2, 4]));
    const w = g.addInitializer(Tensor.fromArray('w', 'float32', [4, 4], new Float32Array(16).fill(0.5)));
    const mm = g.addNode({ opType: 'MatMul', name: 'mm', inputs: [x, w], outputs: ['mm_out'] }).output();
    const drop = g.addNode({ opType: 'Dropout', name: 'drop', inputs: [mm], outputs: ['y', 'mask'] });
    g.addOutput(drop.output(0));
    g.addOutput(drop.output(1));
    const warnings: string[] = [];
    const error = await catchMixqAsync(() => mixPrecision(model, { precision: 'bf16', onWarning: (w) => warnings.push(w) }));
    expect(warnings).toEqual([expect.stringMatching(/^ai\.onnx opset kept at 9 \(Dropout 'drop': .*\): BF16 casts need opset 13\.$/)]);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message.split('\n')[0]).toBe('BF16 needs ai.onnx opset 13 or later (Cast to bfloat16); this model is at opset 9.');
    expect(error.hint).toContain('`mixq upgrade <model> --opset 13 -o <out>` names the node(s) in the way');
    // float16 Casts exist at opset 9: the hint's alternative works on the same model.
    const fp16 = (await mixPrecision(model, { precision: 'fp16' })).report;
    expect([fp16.convertedNodes, fp16.statistics['MatMul']?.FP16, fp16.statistics['Dropout']?.FP16]).toEqual([2, 1, 1]);
  });
});

describe('float mix: float16 overflow', () => {
  function bigWeightModel() {
    const model = createModel(17, 'overflow');
    const g = model.graph;
    const x = g.addInput('x', tensorType('float32', [1, 2]));
    const big = g.addInitializer(Tensor.fromArray('big_w', 'float32', [2, 2], Float32Array.of(1, 70000, -3, 0.5)));
    const small = g.addInitializer(Tensor.fromArray('small_w', 'float32', [2, 2], Float32Array.of(1, 2, 3, 65504)));
    const h = g.addNode({ opType: 'MatMul', name: 'mm_small', inputs: [x, small], outputs: ['h'] }).output();
    g.addOutput(g.addNode({ opType: 'MatMul', name: 'mm_big', inputs: [h, big], outputs: ['y'] }).output());
    return model;
  }

  it('a float16 weight over 65504 stays FP32 with its node, and is reported by name', () => {
    const r = convertFloatMix(bigWeightModel(), { precision: 'fp16', form: 'native' });
    expect(r.overflow).toEqual([{ tensor: 'big_w', node: 'mm_big', maxAbs: 70000 }]);
    expect(decision(r, 'mm_big')).toMatchObject({ precision: 'float32', reason: 'overflow' });
    expect(decision(r, 'mm_big').detail).toContain("'big_w'");
    expect(decision(r, 'mm_small').precision).toBe('float16'); // 65504 itself fits
    expect(r.model.graph.initializers.find((v) => v.name === 'big_w')?.initializer?.type).toBe('float32');
    expect(r.convertedWeights).toEqual(['small_w']);
  });

  it('the same weight fits bfloat16', () => {
    const r = convertFloatMix(bigWeightModel(), { precision: 'bf16', form: 'native' });
    expect(r.overflow).toEqual([]);
    expect(r.converted).toBe(2);
  });
});
