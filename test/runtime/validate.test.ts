import { describe, expect, it } from 'vitest';
import { InvalidOutputError } from '../../src/errors.js';
import { createModel, intsAttr, Tensor, tensorType, type Graph, type Model, type Value } from '../../src/ir/index.js';
import { assertLoadsWithDefaults, ModelSession } from '../../src/runtime/index.js';
import { buildConv } from '../fixtures/models.js';
import { catchMixqAsync } from '../fixtures/helpers.js';

/** scale/zero-point initializers and a DQ(Q(x)) pair in `domain`, 8-bit. */
function qdq(g: Graph, x: Value, domain: string): Value {
  const scale = g.addInitializer(Tensor.fromArray(`${x.name}_scale`, 'float32', [], Float32Array.of(0.02)));
  const zp = g.addInitializer(Tensor.fromArray(`${x.name}_zp`, 'int8', [], Int8Array.of(0)));
  const q = g.addNode({ opType: 'QuantizeLinear', domain, name: `${x.name}_q`, inputs: [x, scale, zp], outputs: [`${x.name}_quantized`] }).output();
  return g.addNode({ opType: 'DequantizeLinear', domain, name: `${x.name}_dq`, inputs: [q, scale, zp], outputs: [`${x.name}_dequantized`] }).output();
}

/**
 * What mixq wrote for an opset-9 model before the upgrade pass: 8-bit Q/DQ (com.microsoft domain,
 * since ai.onnx has none at opset 9) around a Conv. ORT's QDQ fusion turns it into a QLinearConv at
 * domain version 9, which does not exist.
 */
function opset9QdqConv(domain = 'com.microsoft', opset = 9): Model {
  const model = createModel(opset, 'opset9_qdq_conv');
  if (domain !== '') model.opsetImports.set(domain, 1);
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', [1, 2, 4, 4]));
  const wq = g.addInitializer(Tensor.fromArray('w_quantized', 'int8', [3, 2, 1, 1], Int8Array.of(10, -20, 30, 40, -50, 60)));
  const ws = g.addInitializer(Tensor.fromArray('w_scale', 'float32', [], Float32Array.of(0.01)));
  const wzp = g.addInitializer(Tensor.fromArray('w_zp', 'int8', [], Int8Array.of(0)));
  const w = g.addNode({ opType: 'DequantizeLinear', domain, name: 'w_dq', inputs: [wq, ws, wzp], outputs: ['w'] }).output();
  const conv = g.addNode({ opType: 'Conv', name: 'conv', inputs: [qdq(g, x, domain), w], outputs: ['conv_out'], attributes: [intsAttr('kernel_shape', [1, 1])] }).output();
  const y = qdq(g, conv, domain);
  y.type = tensorType('float32', [1, 3, 4, 4]);
  g.addOutput(y);
  return model;
}

describe('assertLoadsWithDefaults', () => {
  it('rejects a model that loads with optimizations disabled but not with the defaults', async () => {
    const model = opset9QdqConv();
    // Precondition: the model itself is fine; only the default (fusing) session fails.
    const disabled = await ModelSession.create(model, { optimization: 'disabled' });
    await disabled.close();
    const error = await catchMixqAsync(() => assertLoadsWithDefaults(model, "the A8W8 model of 'rec.onnx'"));
    expect(error).toBeInstanceOf(InvalidOutputError);
    expect(error.code).toBe('INVALID_OUTPUT');
    expect(error.message).toContain("the A8W8 model of 'rec.onnx'");
    expect(error.message).toContain('QLinearConv');
    expect(error.hint).toMatch(/report/);
  });

  it('accepts the same Q/DQ pattern at opset 13 (ai.onnx domain) and a float model', async () => {
    await expect(assertLoadsWithDefaults(opset9QdqConv('', 13), 'qdq13')).resolves.toBeUndefined();
    await expect(assertLoadsWithDefaults(buildConv(9), 'float9')).resolves.toBeUndefined();
  });

  it('names the model in the error when the graph is broken for any runtime', async () => {
    const model = opset9QdqConv('', 13);
    model.graph.nodes.find((n) => n.name === 'conv')!.opType = 'NoSuchOp';
    const error = await catchMixqAsync(() => assertLoadsWithDefaults(model, 'candidate 7'));
    expect(error.code).toBe('INVALID_OUTPUT');
    expect(error.message).toMatch(/^candidate 7 does not load/);
    expect(error.message).toContain('NoSuchOp');
  });
});
