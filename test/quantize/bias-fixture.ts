/**
 * A small export-like conv net (opset 11) with the int32-bias trap of real detectors: one output
 * channel of conv1 has weights of ~1e-6 and a bias of 8, so at A16W16 input scale × weight scale
 * is ~1e-15 and bias / scale passes 2^31 by far. Stand-in until test/fixtures/exports lands.
 */
import { createModel, intsAttr, Tensor, tensorType, type Model } from '../../src/ir/index.js';
import { seededFloats } from '../fixtures/random.js';
import { floatFeed } from '../fixtures/models.js';
import type { HostTensor } from '../../src/ir/index.js';

export const SMALL_CHANNEL = 5;

export function biasTrapModel(): Model {
  const model = createModel(11, 'bias_trap');
  const g = model.graph;
  const x = g.addInput('x', tensorType('float32', ['N', 3, 12, 12]));
  const w1 = seededFloats(501, 8 * 27, 0.4);
  for (let i = 0; i < 27; i++) w1[SMALL_CHANNEL * 27 + i] = (i % 2 ? 1 : -1) * 1e-6 * (1 + i / 27);
  const b1 = seededFloats(502, 8, 0.1);
  b1[SMALL_CHANNEL] = 8;
  const conv1 = g.addNode({
    opType: 'Conv', name: 'conv1', outputs: ['conv1_out'], attributes: [intsAttr('kernel_shape', [3, 3]), intsAttr('pads', [1, 1, 1, 1])],
    inputs: [x, g.addInitializer(Tensor.fromArray('w1', 'float32', [8, 3, 3, 3], w1)), g.addInitializer(Tensor.fromArray('b1', 'float32', [8], b1))],
  }).output();
  const relu = g.addNode({ opType: 'Relu', name: 'relu1', inputs: [conv1], outputs: ['relu1_out'] }).output();
  const conv2 = g.addNode({
    opType: 'Conv', name: 'conv2', outputs: ['y'], attributes: [intsAttr('kernel_shape', [1, 1])],
    inputs: [relu, g.addInitializer(Tensor.fromArray('w2', 'float32', [4, 8, 1, 1], seededFloats(503, 32, 0.3))), g.addInitializer(Tensor.fromArray('b2', 'float32', [4], seededFloats(504, 4, 0.1)))],
  }).output();
  conv2.type = tensorType('float32', ['N', 4, 12, 12]);
  g.addOutput(conv2);
  return model;
}

export function biasTrapData(samples: number, seed = 510): HostTensor {
  return floatFeed([samples, 3, 12, 12], seed);
}
